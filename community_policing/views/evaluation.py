"""Program evaluation and engagement analysis fed from the warehouse.

The statistics live in ``stats`` (``did`` and the others) (pure DataFrame functions); this module reads their inputs
through named queries, with incident counts always from the daily aggregate, so the Program
evaluation page and ``python -m community_policing evaluate`` give the same numbers. It also words
the results (``plain_summary`` and the sentences the Program evaluation page shows under each
estimate): what the estimate says, what the checks can and cannot see, and ``METHOD_NOTE`` for
How to read these numbers.
"""

from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

from community_policing.stats import costs, did, engagement_stats, harm
from community_policing.views import metrics, period_comparisons
from community_policing.stats import funnel as funnel_stats
from community_policing.i18n import N_, _, format_month, ngettext
from community_policing.data.store import Store

# What ``evaluate`` prints (relative effects and trends; p-values): the estimate, the checks, the second
# estimator when one is attached.
EVALUATE_COLUMNS = ["program", "outcome", "estimate", "ci_low", "ci_high", "p_value", "pretrend_p",
                    "pretrend_slope_p", "detectable_trend", "breakdown_trend", "min_permutation_p", "rtm_flag",
                    "robust_estimate", "robust_p"]

METHOD_NOTE = N_(
    "**Programs that start on different dates.** When a program reaches its districts at different times, each "
    "district is compared with the districts that never had a program, around its own start date, and the "
    "effects are then averaged, weighted by the months each district has been treated (Callaway and "
    "Sant'Anna, 2021). Comparing every district from the earliest start would count months before a district's "
    "program as if it were running and shrink the effect. The chart of periods before and after the start lines "
    "up every district on its own start in the same way (Sun and Abraham, 2021). Months after a program ended "
    "are left out.\n\n"
    "**Checking the months before the start.** The estimate is an effect only if the districts with the program "
    "would otherwise have moved like the comparison districts. The months before the start are checked for a "
    "steady difference in trend (one slope) and for any difference at all. With a handful of districts these "
    "checks are weak: the page says how large a trend gap the check would catch only half the time, and how "
    "large an unnoticed gap would have to be to explain the estimate away (in the spirit of Rambachan and Roth, "
    "2023). Passing the check is not evidence that the trends were parallel; when the check could not be run, "
    "the page says \"not assessed\", which is not a failure.\n\n"
    "**Few districts.** With one treated district among five, there are only five ways to pick which district "
    "got the program, so no test that reshuffles the districts could ever give a p-value below 0.2. The interval "
    "therefore rests on an assumption the data cannot check: that, apart from the program, districts drift "
    "alike, so the spread of the comparison districts' own changes shows how far a treated district could have "
    "drifted by chance. For trust, each district's survey margin of error is added to that drift.\n\n"
    "**Regression to the mean.** Programs often start after a bad spell, and bad spells fade on their own. The "
    "warning compares the treated districts' last three months before the start with their previous twelve, "
    "against the comparison districts, and judges how unusual that is from the same comparison made at earlier "
    "dates, when no program was starting. When it fires, the page also shows the estimate without the three "
    "months before the start."
)


def inputs(store: Store, date_basis: str = "occurred") -> dict[str, pd.DataFrame]:
    """The tables the evaluation needs, read through named queries."""
    return {
        "monthly_incidents": store.query("district_month_incidents", date_basis=date_basis),
        "districts": store.query("districts_table"),
        "programs": store.query("programs"),
        "trust_surveys": store.query("trust_surveys_all"),
        "demo_truth": store.query("demo_truth"),
    }


def evaluate(store: Store, program: str | None = None, date_basis: str = "occurred",
             tables: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per program and outcome, as ``did.evaluate_programs`` (relative effects). ``tables``:
    ``inputs(store, date_basis)`` already read (the page reads them once for every program)."""
    return did.evaluate_programs(tables if tables is not None else inputs(store, date_basis), program,
                                 date_basis=date_basis)


def program_names(store: Store) -> list[str]:
    return list(dict.fromkeys(store.query("programs")["name"]))


def program_detail(store: Store, program: str, date_basis: str = "occurred",
                   tables: dict[str, pd.DataFrame] | None = None):
    """[(outcome, DidResult or note)] for one program: the event studies and checks for its page.
    ``tables``: ``inputs(store, date_basis)`` already read."""
    return did.program_results(tables if tables is not None else inputs(store, date_basis), program,
                               date_basis=date_basis)


def results_table(details: Sequence[tuple[str, list]], truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table of every program (the rows of ``evaluate``) from each program's ``program_detail``, so the
    page fits each program once: the detail it shows and the table's row are the same fit, cached together.
    ``details``: [(program, [(outcome, DidResult or note)])] in the programs' order; ``truth``: the demo
    city's injected effects (``inputs()["demo_truth"]``), else None."""
    rows = []
    for name, results in details:
        for outcome, res in results:
            rows.append(did._evaluate_row(name, res) if isinstance(res, did.DidResult)
                        else {"program": name, "outcome": outcome, "note": res})
    out = pd.DataFrame(rows, columns=list(did._EVALUATE_COLUMNS))
    if truth is not None and not truth.empty:
        t = truth.rename(columns={"relative_effect": "true_effect"})[["program", "outcome", "true_effect"]]
        out = out.merge(t, on=["program", "outcome"], how="left")
    return did._typed(out)


def engagement_inputs(store: Store) -> dict[str, pd.DataFrame]:
    return {
        "engagement_events": store.query("engagement_events_all"),
        "training": store.query("training_all"),
        "districts": store.query("districts_table"),
    }


def _lead(res: did.DidResult, down: bool) -> str:
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


def _interval_excluding_zero(res: did.DidResult, down: bool) -> str:
    if res.outcome == "incidents":
        return (_(" (95% confidence interval: {low} to {high} fewer).") if down
                else _(" (95% confidence interval: {low} to {high} more)."))
    return (_(" (95% confidence interval: {low} to {high} lower).") if down
            else _(" (95% confidence interval: {low} to {high} higher)."))


def plain_summary(program: str, res: did.DidResult) -> str:
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
    text += " " + _pretrend_sentence(res)
    text += " " + _("It cannot separate the program from anything else that started in the same districts at the "
                    "same time.")
    return text


def _pretrend_sentence(res: did.DidResult) -> str:
    """The assumption behind the estimate and what the months before the start say about it."""
    if res.pretrend_ok is None:
        return _("It is an estimate of the program's effect only if the treated districts would otherwise have "
                 "moved like the comparison districts; the months before the start could not be checked (not "
                 "assessed).")
    # The smaller p of the two checks (trend and any difference): the one that decided. Result-like objects
    # without the trend fields (older callers) read as the single joint test.
    tested = [q for q in (res.pretrend_p, getattr(res, "pretrend_slope_p", math.nan)) if not math.isnan(q)]
    p = min(tested) if tested else math.nan
    if not res.pretrend_ok:
        return _("It is an estimate of the program's effect only if the treated districts would otherwise have "
                 "moved like the comparison districts — and the months before the start do **not** support that "
                 "(pre-trend test p = {p}), so treat the estimate with caution.").format(p=f"{p:.2f}")
    detectable = getattr(res, "detectable_trend", math.nan)
    if detectable is None or math.isnan(detectable):
        return _("It is an estimate of the program's effect only if the treated districts would otherwise have "
                 "moved like the comparison districts. The months before the start show no clear difference "
                 "(p = {p}), but with so few districts that check is weak: passing it does not show that the "
                 "trends were parallel.").format(p=f"{p:.2f}")
    return _("It is an estimate of the program's effect only if the treated districts would otherwise have moved "
             "like the comparison districts. The months before the start show no clear difference (p = {p}), but "
             "with so few districts that check is weak: it would catch a steady gap in trends of {gap} a year "
             "only half the time.").format(p=f"{p:.2f}", gap=_pct(detectable))


def _pct(value: float) -> str:
    """A relative change as an unsigned percentage ("4.2%")."""
    return f"{abs(value):.1%}"


def pretrend_reading(res: did.DidResult) -> str:
    """A short reading of the check before the start, for the event-study chart and tables."""
    if res.pretrend_ok is None:
        return _("the months before the start were not assessed")
    if not res.pretrend_ok:
        return _("the months before the start differ: the pre-trend check failed")
    return _("no clear difference before the start (a weak check with few districts)")


def pretrend_text(res: did.DidResult) -> str:
    """What the check of the months before the start can and cannot see, and how large a difference in trends
    would overturn the estimate (markdown)."""
    if res.pretrend_ok is None:
        return _("**Not assessed**: the months before the start could not be checked ({why}). This is not a "
                 "failed check, but nothing supports the comparison either.").format(
            why=_("too few districts or too few months before the start"))
    parts = []
    if not math.isnan(res.pretrend_slope_p):
        parts.append((_("Before the start, the treated districts' trend ran {gap} a year **below** the comparison "
                        "districts' (test of a steady gap in trends: p = {p}).") if res.pretrend_slope < 0 else _(
            "Before the start, the treated districts' trend ran {gap} a year **above** the comparison districts' "
            "(test of a steady gap in trends: p = {p}).")).format(gap=_pct(res.pretrend_slope),
                                                                  p=f"{res.pretrend_slope_p:.2f}"))
    if not math.isnan(res.pretrend_p):
        parts.append(_("A test of any difference at all in the periods before the start gives p = {p}.").format(
            p=f"{res.pretrend_p:.2f}"))
    if not math.isnan(res.detectable_trend):
        parts.append(_("With {n} districts, the trend check would catch a steady gap of {gap} a year only half the "
                       "time: smaller gaps usually pass unseen, so passing it does not show that the trends were "
                       "parallel.").format(n=res.n_treated + res.n_control, gap=_pct(res.detectable_trend)))
    if not math.isnan(res.breakdown_trend):
        if res.breakdown_trend == 0:
            parts.append(_("The interval already includes zero, so no difference in trends is needed to explain "
                           "the estimate away."))
        else:
            drift = (_("If the treated districts had been drifting down by {gap} a year relative to the comparison "
                       "districts, before and after the start, that alone would bring the interval to zero.")
                     if res.breakdown_trend < 0 else
                     _("If the treated districts had been drifting up by {gap} a year relative to the comparison "
                       "districts, before and after the start, that alone would bring the interval to zero."))
            parts.append(drift.format(gap=_pct(res.breakdown_trend)))
            if not math.isnan(res.detectable_trend):
                parts.append(_("That is less than the gap the check catches half the time, so the check cannot "
                               "rule it out.") if abs(res.breakdown_trend) < res.detectable_trend else _(
                    "The check would more likely than not have caught a gap that large."))
    if not (math.isnan(res.trend_band_low) or math.isnan(res.trend_band_high)):
        parts.append(_("Allowing for a steady gap in trends of up to {gap} a year either way (what the check "
                       "misses half the time), the effect could be anywhere from {low} to {high}.").format(
            gap=_pct(res.detectable_trend), low=f"{res.trend_band_low:+.1%}", high=f"{res.trend_band_high:+.1%}"))
    return " ".join(parts)


def few_districts_text(res: did.DidResult) -> str:
    """What a handful of districts implies for any p-value, and the assumption the interval rests on."""
    if math.isnan(res.min_permutation_p):
        return ""
    ways = round(1 / res.min_permutation_p)
    text = (ngettext(
        "With {n_treated} treated district and {n_control} comparison districts there are only {ways} ways to "
        "choose which districts got the program and when, so even a test that reshuffles them could not give a "
        "p-value below {p}.",
        "With {n_treated} treated districts and {n_control} comparison districts there are only {ways} ways to "
        "choose which districts got the program and when, so even a test that reshuffles them could not give a "
        "p-value below {p}.", res.n_treated) if res.staggered else ngettext(
        "With {n_treated} treated district and {n_control} comparison districts there are only {ways} ways to "
        "choose which districts got the program, so even a test that reshuffles them could not give a p-value "
        "below {p}.",
        "With {n_treated} treated districts and {n_control} comparison districts there are only {ways} ways to "
        "choose which districts got the program, so even a test that reshuffles them could not give a p-value "
        "below {p}.", res.n_treated)).format(n_treated=res.n_treated, n_control=res.n_control, ways=f"{ways:,}",
                                             p=f"{res.min_permutation_p:.3g}")
    if res.min_permutation_p > 0.05:
        text += " " + _("No such test can reach p < 0.05 here.")
    text += " " + _("The interval rests on an assumption the data cannot check: that, apart from the program, "
                    "districts drift alike, so the spread of the comparison districts' own changes shows how far a "
                    "treated district could have drifted by chance.")
    return text


def _by_month(pairs) -> str:
    """"April 2023: district 2; April 2024: districts 5, 6" from (district, date) pairs."""
    groups: dict = {}
    for district, day in pairs:
        groups.setdefault(day, []).append(district)
    return "; ".join(_("{month}: {districts}").format(
        month=format_month(pd.Timestamp(day)),
        districts=ngettext("district {ids}", "districts {ids}", len(ids)).format(ids=", ".join(ids)))
        for day, ids in sorted(groups.items()))


def dates_text(res: did.DidResult) -> str | None:
    """Each district's dates, when they differ or the program ended (None otherwise)."""
    if not res.staggered and not res.ended:
        return None
    parts = []
    if res.staggered:
        parts.append(_("The districts started on different dates ({starts}). Each is compared with the districts "
                       "without any program around its own start, and the effects are averaged, weighted by the "
                       "months each district was treated.").format(starts=_by_month(res.starts)))
    ended = [(d, e) for d, e in res.ends if e is not None]
    if ended:
        parts.append(_("The program ended ({ends}); months after that are not compared.").format(
            ends=_by_month(ended)))
    return " ".join(parts)


def rtm_text(res: did.DidResult) -> str | None:
    """The regression-to-the-mean warning with the estimate that leaves out the run-up (None when not raised)."""
    if not res.rtm_flag:
        return None
    text = (_("Regression to the mean: just before the start, the treated districts were unusually high compared "
              "with the comparison districts and with the same comparison at earlier dates (z = {z}, p = {p}). "
              "Part of the change afterwards may be a return to normal, not the program.") if res.rtm_z > 0 else _(
        "Regression to the mean: just before the start, the treated districts were unusually low compared with "
        "the comparison districts and with the same comparison at earlier dates (z = {z}, p = {p}). Part of the "
        "change afterwards may be a return to normal, not the program.")).format(
        z=f"{res.rtm_z:+.1f}", p=f"{res.rtm_p:.2f}")
    if not math.isnan(res.runup_estimate):
        text += " " + _("Leaving out the {n} months before the start, the estimate is {estimate} (95% confidence "
                        "interval: {low} to {high}).").format(
            n=did.RTM_RECENT_MONTHS, estimate=f"{res.runup_estimate:+.1%}",
            low=f"{res.runup_ci_low:+.1%}" if not math.isnan(res.runup_ci_low) else "–",
            high=f"{res.runup_ci_high:+.1%}" if not math.isnan(res.runup_ci_high) else "–")
    return text


def _clear(low, high, p) -> bool | None:
    if p is not None and not math.isnan(p):
        return bool(p < 0.05)
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    return bool(low > 0 or high < 0)


def robust_text(res: did.DidResult) -> str | None:
    """The second estimator beside the main one, and whether they agree (None when none is attached)."""
    if res.robust_estimate is None or math.isnan(res.robust_estimate):
        return None
    method = _(res.robust_method) if res.robust_method else _("a second method")
    if res.robust_ci_low is not None and res.robust_ci_high is not None \
            and not (math.isnan(res.robust_ci_low) or math.isnan(res.robust_ci_high)):
        text = _("A second method ({method}) estimates {estimate} (95% interval: {low} to {high}).").format(
            method=method, estimate=f"{res.robust_estimate:+.1%}", low=f"{res.robust_ci_low:+.1%}",
            high=f"{res.robust_ci_high:+.1%}")
    elif res.robust_p is not None and not math.isnan(res.robust_p):
        text = _("A second method ({method}) estimates {estimate} (p = {p}).").format(
            method=method, estimate=f"{res.robust_estimate:+.1%}", p=f"{res.robust_p:.2f}")
    else:
        text = _("A second method ({method}) estimates {estimate}.").format(
            method=method, estimate=f"{res.robust_estimate:+.1%}")
    main_clear = _clear(res.ci_low, res.ci_high, res.p_value)
    robust_clear = _clear(res.robust_ci_low, res.robust_ci_high, res.robust_p)
    if res.robust_min_p is not None and not math.isnan(res.robust_min_p) and res.robust_min_p >= 0.05:
        # A placebo test over few comparison districts can never reach p < 0.05: it can check the direction only.
        robust_clear = None
        text += " " + _("With so few comparison districts its placebo test cannot give a p-value below {p}, so it "
                        "checks the direction of the effect, not whether it is clearly different from zero.").format(
            p=f"{res.robust_min_p:.2f}")
    if res.robust_estimate * res.estimate < 0:
        text += " " + _("**The two methods disagree on the direction of the effect**: neither should be quoted "
                        "alone.")
    elif main_clear is not None and robust_clear is not None and main_clear != robust_clear:
        text += " " + _("**The two methods disagree on whether the effect is clearly different from zero**: the "
                        "evidence is weaker than the clearer one suggests.")
    else:
        text += " " + _("The two methods agree.")
    return text


def program_costs(store: Store, program: str, res: did.DidResult, date_basis: str = "occurred",
                  weight: str = "count") -> costs.CostEffectiveness:
    """Cost per officer hour of engagement in the program's districts, per attendance, per incident averted and
    per harm day averted (``weight`` picks the headline), a year.

    Each treated district counts from its own start (``res.starts``) for ``res.post_months`` months, or to its
    end: engagement delivered in those months, and its incidents (and their harm) in the year before its own
    start as the baseline."""
    programs = store.query("programs")
    rows = programs[programs["name"] == program].assign(district_id=lambda f: f["district_id"].astype(str))
    rows = rows[rows["district_id"].isin(set(res.treated))]
    starts = dict(res.starts) or {d: res.start for d in res.treated}
    ends = dict(res.ends)
    events = store.query("engagement_events_all")
    event_district = events["district_id"].astype(str)
    event_dates = pd.to_datetime(events["date"])
    delivered = pd.Series(False, index=events.index)
    baseline_incidents, baseline_harm = 0.0, 0.0
    for district in res.treated:
        start = pd.Timestamp(starts[district])
        after = start + pd.DateOffset(months=res.post_months)
        if ends.get(district) is not None:
            after = min(after, pd.Timestamp(ends[district]) + pd.Timedelta(days=1))
        delivered |= (event_district == district) & (event_dates >= start) & (event_dates < after)
        year_before = {"start": (start - pd.DateOffset(years=1)).date(), "end": (start - pd.Timedelta(days=1)).date()}
        mix = store.query("district_offense_mix", district_id=district, date_basis=date_basis, offense_group=None,
                          prior_start=year_before["start"], prior_end=year_before["end"], **year_before)
        baseline_incidents += float(mix["incidents"].sum())
        baseline_harm += harm.harm_days(mix)
    delivered_rows = events[delivered]
    engagement = {"officer_hours": float(delivered_rows["officer_hours"].sum(min_count=1)),
                  "attendance": float(delivered_rows["attendees"].sum(min_count=1))}
    years = max(res.post_months, 1) / 12
    return costs.cost_effectiveness(rows, engagement, res, baseline_incidents=baseline_incidents, years=years,
                                    hours_scope="districts", weight=weight, baseline_harm=baseline_harm)


def window_comparisons(store: Store, as_of, offense_group: str | None, date_basis: str = "occurred") -> pd.DataFrame:
    """Rolling 28 days, rolling 12 months, year to date and last full year, each against the same
    dates a year earlier, citywide (period_comparisons.compare_windows on the daily aggregate)."""
    group = None if offense_group in (None, "", "all") else offense_group
    daily = store.query("city_daily_incidents", date_basis=date_basis, offense_group=group)
    # The reading's normal variation is measured on complete history only (from the data's comparison start).
    start = metrics.incident_coverage(store).comparison_start(date_basis)
    return period_comparisons.compare_windows(daily, as_of, history_start=start, date_basis=date_basis)


def funnel(areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas placed against their control limits, and the limit curves (``funnel.funnel_view``)."""
    return funnel_stats.funnel_view(areas)


def representativeness(store: Store, dimension: str = "race_ethnicity") -> pd.DataFrame:
    """Who attends engagement activities compared with who lives in each district."""
    return engagement_stats.representativeness(store.query("engagement_attendance_all"),
                                               store.query("engagement_events_all"),
                                               store.query("district_demographics_all"), dimension)


# --- The Program evaluation page: its words and its table of every program ---------------------------

OUTCOME_WORDS = {"incidents": N_("Incidents"), "trust": N_("Resident trust")}
# The "Every program" table: the estimate, its checks, the second method where any program has one, the districts.
EVERY_PROGRAM_COLUMNS = ["program", "outcome", "estimate", "ci_low", "ci_high", "p_value", "pretrend_slope_p",
                         "pretrend_p", "detectable_trend", "breakdown_trend", "min_permutation_p", "rtm_flag"]


def every_program_table(table: pd.DataFrame) -> pd.DataFrame:
    """The estimates of every program side by side (``results_table``), as downloaded: the second method's
    columns only when some program has one, the injected effect only in the demo city."""
    robust_cols = ["robust_estimate", "robust_p"] if table["robust_estimate"].notna().any() else []
    return table[EVERY_PROGRAM_COLUMNS + [*robust_cols, "n_treated", "n_control", "start"]
                 + (["true_effect"] if "true_effect" in table else [])]


def every_program_shown(table: pd.DataFrame) -> pd.DataFrame:
    """``every_program_table`` as shown: outcomes in the page's language."""
    shown = every_program_table(table)
    return shown.assign(outcome=shown["outcome"].map(lambda o: _(OUTCOME_WORDS.get(o, o))))


def interval_text(res: did.DidResult) -> str:
    """The estimate's 95% confidence interval ("−12.0% to +3.5%")."""
    return _("{low} to {high}").format(low=f"{res.ci_low:+.1%}", high=f"{res.ci_high:+.1%}")


def districts_compared(res: did.DidResult) -> tuple[str, str]:
    """The "Districts compared" figure and its help: which districts had the program and which are compared."""
    return (_("{treated} with · {control} without").format(treated=res.n_treated, control=res.n_control),
            _("Treated: {treated}. Comparison: {control}. Districts of other programs are left out.").format(
                treated=", ".join(res.treated), control=", ".join(res.controls)))


def pretrend_warning(res: did.DidResult, missing: str) -> str | None:
    """The warning when the check before the start failed (None when it did not); ``missing``: what a p-value
    that could not be computed reads."""
    if res.pretrend_ok is not False:
        return None
    return _("Pre-trend check failed: before the start, the treated districts were already moving "
             "differently from the comparison districts (trend test p = {slope_p}; any difference p = "
             "{joint_p}).").format(
        slope_p=f"{res.pretrend_slope_p:.2f}" if pd.notna(res.pretrend_slope_p) else missing,
        joint_p=f"{res.pretrend_p:.2f}" if pd.notna(res.pretrend_p) else missing)


def event_study_caption(res: did.DidResult) -> str:
    """Under the event-study chart: the method, and how to read the points before the start."""
    return res.method + " " + (_(
        "Each point is one quarter relative to each district's own start; the quarter before the start is the "
        "reference (0). Points before the start should sit near zero if the comparison is fair, but with few "
        "districts a real gap can hide inside their intervals.") if res.staggered else _(
        "Each point is one quarter; the quarter before the start is the reference (0). Points before the start "
        "should sit near zero if the comparison is fair, but with few districts a real gap can hide inside their "
        "intervals."))
