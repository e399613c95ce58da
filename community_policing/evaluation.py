"""Program evaluation and engagement analysis fed from the warehouse.

The statistics live in ``analysis`` (pure DataFrame functions); this module reads their inputs
through named queries, with incident counts always from the daily aggregate, so the Program
evaluation page and ``python -m community_policing evaluate`` give the same numbers.
"""

from __future__ import annotations

import pandas as pd

from community_policing import analysis
from community_policing.store import Store

EVALUATE_COLUMNS = ["program", "outcome", "estimate", "ci_low", "ci_high", "pretrend_p", "rtm_flag"]


def inputs(store: Store, date_basis: str = "occurred") -> dict[str, pd.DataFrame]:
    """The tables the evaluation needs, read through named queries."""
    return {
        "monthly_incidents": store.query("district_month_incidents", date_basis=date_basis),
        "districts": store.query("districts_table"),
        "programs": store.query("programs"),
        "trust_surveys": store.query("trust_surveys_all"),
        "demo_truth": store.query("demo_truth"),
    }


def evaluate(store: Store, program: str | None = None, date_basis: str = "occurred") -> pd.DataFrame:
    """One row per program and outcome, as ``analysis.evaluate_programs`` (relative effects)."""
    return analysis.evaluate_programs(inputs(store, date_basis), program, date_basis=date_basis)


def program_names(store: Store) -> list[str]:
    return list(dict.fromkeys(store.query("programs")["name"]))


def program_detail(store: Store, program: str, date_basis: str = "occurred"):
    """[(outcome, DidResult or note)] for one program: the event studies and checks for its page."""
    return analysis.program_results(inputs(store, date_basis), program, date_basis=date_basis)


def engagement_inputs(store: Store) -> dict[str, pd.DataFrame]:
    return {
        "engagement_events": store.query("engagement_events_all"),
        "training": store.query("training_all"),
        "districts": store.query("districts_table"),
    }
