"""What a program costs per officer hour, per attendance and per incident averted."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from community_policing.analysis import DidResult
from community_policing.i18n import N_


# ============================================================================================
# Cost-effectiveness
# ============================================================================================


def cost_effectiveness(
    annual_cost: float | pd.DataFrame | Mapping,
    engagement: Mapping[str, float],
    did: DidResult,
    baseline_incidents: float,
    years: float = 1.0,
) -> dict:
    """Cost per officer hour, per attendee and per incident averted.

    ``annual_cost``: dollars per year, or program rows (their ``annual_cost`` is summed over
    districts). ``engagement``: officer_hours and attendees delivered over the same ``years``.
    ``baseline_incidents``: incidents per year the treated districts would have had without the
    program (e.g. their pre-start annual count). Incidents averted per year = -estimate x
    baseline; its range comes from the DiD interval. When the interval includes zero (or the
    estimate is not a reduction) the cost per incident averted is "not estimable": the program
    may have averted none.
    """
    if isinstance(annual_cost, pd.DataFrame):
        cost_year = float(pd.to_numeric(annual_cost["annual_cost"]).sum())
    elif isinstance(annual_cost, (Mapping, pd.Series)):
        cost_year = float(annual_cost["annual_cost"])
    else:
        cost_year = float(annual_cost)
    total = cost_year * years
    hours = float(engagement.get("officer_hours", 0) or 0)
    attendees = float(engagement.get("attendees", 0) or 0)
    averted = -did.estimate * baseline_incidents
    averted_low, averted_high = -did.ci_high * baseline_incidents, -did.ci_low * baseline_incidents
    estimable = (np.isfinite(did.ci_low) and np.isfinite(did.ci_high) and did.ci_high < 0 and did.estimate < 0)
    out = {
        "annual_cost": cost_year,
        "total_cost": total,
        "cost_per_officer_hour": total / hours if hours > 0 else None,
        "cost_per_attendee": total / attendees if attendees > 0 else None,
        "incidents_averted_per_year": averted,
        "incidents_averted_per_year_low": averted_low,
        "incidents_averted_per_year_high": averted_high,
    }
    if estimable:
        out["cost_per_incident_averted"] = cost_year / averted
        out["cost_per_incident_averted_low"] = cost_year / averted_high
        out["cost_per_incident_averted_high"] = cost_year / averted_low
        out["note"] = None
    else:
        out["cost_per_incident_averted"] = "not estimable"
        out["cost_per_incident_averted_low"] = None
        out["cost_per_incident_averted_high"] = None
        out["note"] = N_("Not estimable: the 95% interval of the effect includes no reduction, so the "
                       "program may have averted no incidents.")
    return out
