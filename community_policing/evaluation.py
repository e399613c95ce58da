"""Program evaluation and engagement analysis fed from the warehouse.

The statistics live in ``analysis`` (pure DataFrame functions); this module reads their inputs
through named queries, with incident counts always from the daily aggregate, so the Program
evaluation page and ``python -m community_policing evaluate`` give the same numbers.
"""

from __future__ import annotations

import pandas as pd

from community_policing import analysis, costs, period_comparisons
from community_policing import funnel as funnel_stats
from community_policing.i18n import _, ngettext
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


def _lead(res: analysis.DidResult, down: bool) -> str:
    """The first sentence's template: what changed, by how much, in which direction."""
    n = res.n_treated
    if res.outcome == "incidents" and down:
        return ngettext(
            "Compared with the {n_control} districts without any program, incidents in the {n_treated} district "
            "with the {program} were **{pct} fewer** than the comparison districts' change predicts, over the "
            "{months} months after it started",
            "Compared with the {n_control} districts without any program, incidents in the {n_treated} districts "
            "with the {program} were **{pct} fewer** than the comparison districts' change predicts, over the "
            "{months} months after it started", n)
    if res.outcome == "incidents":
        return ngettext(
            "Compared with the {n_control} districts without any program, incidents in the {n_treated} district "
            "with the {program} were **{pct} more** than the comparison districts' change predicts, over the "
            "{months} months after it started",
            "Compared with the {n_control} districts without any program, incidents in the {n_treated} districts "
            "with the {program} were **{pct} more** than the comparison districts' change predicts, over the "
            "{months} months after it started", n)
    if down:
        return ngettext(
            "Compared with the {n_control} districts without any program, the trust score in the {n_treated} "
            "district with the {program} was **{pct} lower** than the comparison districts' change predicts, over "
            "the {months} months after it started",
            "Compared with the {n_control} districts without any program, the trust score in the {n_treated} "
            "districts with the {program} was **{pct} lower** than the comparison districts' change predicts, over "
            "the {months} months after it started", n)
    return ngettext(
        "Compared with the {n_control} districts without any program, the trust score in the {n_treated} "
        "district with the {program} was **{pct} higher** than the comparison districts' change predicts, over "
        "the {months} months after it started",
        "Compared with the {n_control} districts without any program, the trust score in the {n_treated} "
        "districts with the {program} was **{pct} higher** than the comparison districts' change predicts, over "
        "the {months} months after it started", n)


def _interval_excluding_zero(res: analysis.DidResult, down: bool) -> str:
    if res.outcome == "incidents":
        return (_(" (95% confidence interval: {low} to {high} fewer).") if down
                else _(" (95% confidence interval: {low} to {high} more)."))
    return (_(" (95% confidence interval: {low} to {high} lower).") if down
            else _(" (95% confidence interval: {low} to {high} higher)."))


def plain_summary(program: str, res: analysis.DidResult) -> str:
    """What the estimate says and what it cannot say, in plain language."""
    down = res.estimate < 0
    lo, hi = sorted((abs(res.ci_low), abs(res.ci_high))) if res.ci_low * res.ci_high > 0 else (res.ci_low, res.ci_high)
    text = _lead(res, down).format(n_control=res.n_control, n_treated=res.n_treated, program=program,
                                   pct=f"{abs(res.estimate):.1%}", months=res.post_months)
    if res.ci_low > 0 or res.ci_high < 0:
        text += _interval_excluding_zero(res, down).format(low=f"{lo:.1%}", high=f"{hi:.1%}")
        text += " " + _("The interval excludes zero, so chance alone is an unlikely explanation.")
    else:
        text += _(" (95% confidence interval: {low} to {high}).").format(low=f"{res.ci_low:+.1%}",
                                                                        high=f"{res.ci_high:+.1%}")
        text += " " + _("The interval includes zero: these data cannot tell this program's effect apart from no "
                        "effect.")
    text += " " + (_(
        "It is an estimate of the program's effect only if the treated districts would otherwise have moved like "
        "the comparison districts — the check of the months before the start is consistent with that (p = {p}).")
        if res.pretrend_ok else _(
        "It is an estimate of the program's effect only if the treated districts would otherwise have moved like "
        "the comparison districts — and the months before the start do **not** support that (pre-trend test "
        "p = {p}), so treat the estimate with caution.")).format(p=f"{res.pretrend_p:.2f}")
    text += " " + _("It cannot separate the program from anything else that started in the same districts at the "
                    "same time.")
    return text


def program_costs(store: Store, program: str, res: analysis.DidResult, date_basis: str = "occurred") -> dict:
    """Cost per officer engagement hour, per attendee and per incident averted (per year after the start)."""
    programs = store.query("programs")
    rows = programs[programs["name"] == program]
    treated = set(res.treated)
    start = pd.Timestamp(res.start)
    after = start + pd.DateOffset(months=res.post_months)
    events = store.query("engagement_events_all")
    dates = pd.to_datetime(events["date"])
    delivered = events[events["district_id"].isin(treated) & (dates >= start) & (dates < after)]
    years = max(res.post_months, 1) / 12
    monthly = store.query("district_month_incidents", date_basis=date_basis)
    months = pd.to_datetime(monthly["month"])
    before = monthly[monthly["district_id"].isin(treated) & (months >= start - pd.DateOffset(months=12)) & (months < start)]
    engagement = {"officer_hours": float(delivered["officer_hours"].sum()),
                  "attendees": float(delivered["attendees"].sum())}
    return costs.cost_effectiveness(rows, engagement, res, baseline_incidents=float(before["incidents"].sum()),
                                       years=years)


def window_comparisons(store: Store, as_of, offense_group: str | None, date_basis: str = "occurred") -> pd.DataFrame:
    """Rolling 28 days, rolling 12 months, year to date and last full year, each against the same
    dates a year earlier, citywide (period_comparisons.compare_windows on the daily aggregate)."""
    group = None if offense_group in (None, "", "all") else offense_group
    daily = store.query("city_daily_incidents", date_basis=date_basis, offense_group=group)
    return period_comparisons.compare_windows(daily, as_of)


def funnel(areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas placed against their control limits, and the limit curves (``funnel.funnel_view``)."""
    return funnel_stats.funnel_view(areas)


def representativeness(store: Store, dimension: str = "race_ethnicity") -> pd.DataFrame:
    """Who attends engagement activities compared with who lives in each district."""
    return analysis.representativeness(store.query("engagement_attendance_all"),
                                       store.query("engagement_events_all"),
                                       store.query("district_demographics_all"), dimension)
