"""Program evaluation: difference-in-differences and event studies, and the methods essay behind them.

Pure functions: plain DataFrames shaped like the warehouse tables (or simple aggregates of them)
in, DataFrames and dataclasses out. Pages and the command line call these; nothing here reads
the warehouse, draws a chart or imports Streamlit.

Contents (the other methods have their own modules in ``stats``: ``noise``, ``funnel``, ``nowcast``,
``engagement_stats`` (association and representativeness), ``trust_stats`` (survey scores), ``costs``, ``harm``)

* ``monthly_incidents``                 net incidents per district and month, zeros filled.
* ``did_incidents`` / ``did_trust``     difference-in-differences for one program (one start date or one
                                        per district, optional end dates), with an event study,
                                        pre-trend checks and their sensitivity, the smallest p-value
                                        any permutation test could reach, and a regression-to-the-mean
                                        flag.
* ``program_dates`` / ``program_results`` / ``evaluate_programs``   a program's districts and
                                        dates; both outcomes for one program; for every program (what
                                        ``evaluate`` prints).

How the program evaluation reasons (read this before changing it)
-----------------------------------------------------------------

The point estimate is the textbook one: a Poisson regression of monthly counts (or a weighted
regression of the log survey score) with district and month fixed effects and one indicator
"treated district, on or after the start". ``exp(coefficient) - 1`` is the relative effect.

Programs rarely reach all their districts on one day, and some end. Evaluating every district
from the program's earliest start (as this module once did) counts a later district's untreated
months as treated and shrinks the effect: with two districts starting a year apart and a 24-month
window, by about a fifth in the hand-built test and 40 % for the "hard" demo city's Foot Patrol.
A two-way fixed-effects regression with one indicator over staggered starts is no cure: it
compares late starters with early ones already treated, with weights that can even be negative
(Goodman-Bacon 2021). So the districts are grouped by their (start, end) dates, each group is
compared with the never-treated districts only (districts in no program) around its own start
with the single-start regression above (its own window; months after its end left out for
everyone in that comparison, so seasons stay balanced), and the group estimates (log scale) are
averaged with weights equal to their treated district-months after the start: Callaway and
Sant'Anna's (2021) group-time effects with never-treated controls and their "simple" aggregation.
With one start date this is exactly the single regression.

The confidence interval is where the care goes. A program is usually one or two districts and
a city has few others, so there are 5-6 clusters of which 1-2 are treated. In that situation
cluster-robust (CR1) standard errors are far too small: with one treated district its residuals
sum to zero before and after the start by construction, so that district contributes nothing
to the "sandwich", and the interval only reflects how the controls wobble, divided by their
number (MacKinnon and Webb 2017, "Wild bootstrap inference for wildly different cluster
sizes"; Conley and Taber 2011). A wild cluster bootstrap does not rescue it with one treated
cluster (MacKinnon and Webb 2018, "The wild bootstrap for few (treated) clusters"): the
unrestricted version inherits the same zero residual, the restricted one is wildly
conservative. ``benchmarks/did_coverage.py --compare-cr1`` shows CR1 covering the truth far
less often than 95 %.

What does work with few groups is to do the inference at the level where treatment varies,
the district (Donald and Lang 2007; Bertrand, Duflo and Mullainathan 2004 "collapse to pre and
post"): each district's own pre -> post change (from the same model with one post indicator per
district) is one observation; the spread of those changes around their group means estimates
how much a district can drift for reasons that have nothing to do with the program (its own
crime trend, local events, Poisson noise); and the estimate's standard error is that spread
times the square root of the sum of squared weights the estimator gives each district
(computed from the fitted model, so a bigger district counts for more when the estimator
weights it more). The interval uses a t distribution with G - 2 degrees of freedom (G
districts; two group means estimated). This assumes the treated districts would have drifted
like the controls do, i.e. districts are exchangeable apart from the program; it makes no
assumption about correlation over time within a district. With several start dates each group
adds its own treated mean (G - groups - 1 degrees of freedom), a control district's changes over
the different windows are correlated (estimated from the controls' residuals; the windows
overlap), and the variances add up with the averaging weights (``_combine``).

Survey scores carry a known sampling error (their margins of error). A district's change in
mean log score varies by that sampling variance plus a drift shared by all districts, estimated
by the method of moments from the spread of the changes, and the result is scaled by the
Hartung-Knapp factor (floored at 1; Roever, Knapp and Friede 2015), t with G - 2 df. Before, the
spread was pooled in score points and converted back for each district; that put too little
noise on the district whose surveys are noisiest: on the clean demo city (100 seeds) it left
false positives at 8 % for the Youth Outreach Partnership and coverage at 91 % for the
one-district program, against coverage 95-99 % and false positives 1-4 % now (and 0-5 % on 60
further seeds). Incident counts keep the plain pooled
spread: a version with each district's known Poisson variance plus drift was tried and was
slightly anti-conservative (false positives up to 7 %), because counts vary more than Poisson.

The estimate uses a window of ``window_months`` (default 24) either side of the start, which is
standard and keeps seasonal composition balanced; the longer the window, the more any
difference in district trends accumulates into the comparison (with every month of the demo
city the intervals stay honest but are about half as wide again).

Checked against the demo city's injected effects (``benchmarks/did_coverage.py``, 24-month
window): on the clean city (300 seeds, single-start estimator) coverage of the 95 % interval
94-96 % and false-positive rate at no effect 3-6 % for every program and both outcomes, about
50 ms per estimate; CR1 errors on the same cities cover about 70 % for the one-district program
(26-43 % false positives). On the "hard" city (counts about 3 times more variable than
Poisson, wandering district levels, a bad spell before every start, the Foot Patrol's districts
starting a year apart, the Youth Outreach Partnership ended), a quick check of 60 seeds gave
coverage 88-98 % and false positives 0-8 % per program and outcome (Monte Carlo SE about 3
points; the staggered Foot Patrol's trust false positives, 5 of 60 there, were 4 of 200 on the next
100 seeds), the staggered incident estimate unbiased (mean error +0.003 against +0.058, i.e. 40 %
too small, for the earliest-start estimator), 50-80 ms per estimate. The full table is in
``benchmarks/README.md``.

The event study uses the same machinery per bin of ``bin_months`` (default a quarter) relative
to each district's own start, the bin just before the start being the reference (its coefficient
is 0 by definition): each start group's bin coefficients against the never-treated districts,
averaged over the groups observed in that bin with their numbers of treated districts as
weights (Sun and Abraham's 2021 interaction-weighted estimator).

Pre-trends. Two checks. The joint Wald test that every pre-start event-study coefficient is zero
(``pretrend_p``): each coefficient's variance is the district-level one behind its interval, their
correlations come from the fitted model, and the statistic / K is referred to F(K, G - 2). A test
that assumed independent month-to-month noise instead (quasi-Poisson or WLS covariance) fails far
too often on survey scores, whose local swings persist for months. But with 5-9 districts a test
of K coefficients at once has almost no power against the violation that matters most, a steady
difference in trends (measured for issue 14 on simulated cities of 5-9 districts: with a 6 %/yr
gap the joint test rejected 13 % of the time while the estimate read "significant" 69 % of the
time at a true effect of 0; in ``tests/test_staggered.py`` a 10 %/yr gap is caught about twice as
often by the slope test as by the joint one). So there is also a
one-degree-of-freedom test of a linear trend (``pretrend_slope``, ``pretrend_slope_p``): the
least-squares slope of the pre-start coefficients (reference included) per year; its
district-level variance treats each district's own pre-start slope as one observation, as for the
estimate. ``pretrend_ok`` is False when either test rejects at 5 %, None when neither could be
run ("not assessed", never "failed"). Passing is weak evidence (Roth 2022, "Pretest with
caution"), so the result says what the check could see: ``detectable_trend`` is the trend gap
the slope test catches half the time (noncentral t at its df, the standard error corrected for its
small-sample bias, c4), and, in the spirit of Rambachan and Roth (2023, smoothness restrictions),
``breakdown_trend`` is the linear trend gap that, continuing through the post period, would move
the interval to zero (a gap of d per year biases the log estimate by d times ``gap_years``, the
distance between the centres of the pre and post windows), and ``trend_band_low/high`` the
interval widened by a gap as large as ``detectable_trend`` in either direction.

Few districts. Whatever the interval says, a test that reassigns which districts were treated
(and when) could give no p-value below one over the number of possible assignments
(``min_permutation_p``: 1/5 with one treated district of five, so no such test reaches 0.05). The
t interval gets below that only by assuming the districts drift alike; the page says so.

Regression to the mean (``rtm_flag``): programs are often started after a bad spell. For each
district, compare the 3 months before the start with the 12 months before those (log ratio of
the monthly means; for trust, the difference in mean log score); the treated districts' mean
"spike" minus the controls' is the statistic. Judging it against its model-based variance (Poisson
or survey sampling variance plus between-district variance, |z| > 2) fired 13-18 % of the time at
no effect once counts vary more than Poisson and district levels wander: a 15-month contrast of a
slowly wandering series has a much wider spread than month-to-month noise suggests. So it is
calibrated on placebo starts: the same statistic at every earlier pseudo-start 3, 4, ... months
before the real one, as far as the history reaches (all months before the start, not just the
window). Their mean is subtracted (a steady trend difference is the pre-trend check's business),
the statistic's variance at each start (computed as for the estimate, survey sampling variance
included) is averaged over the real and placebo starts, and the p-value comes from t with
(G - groups - 1) df per non-overlapping 15-month stretch of history (the placebo windows overlap,
so they are not independent). The flag is raised when p < 0.05, in either direction (a spike
before the start makes a program look better than it is; a dip makes it look worse). At no effect
it fired for 0-2 % of programs and outcomes on the clean city (60-100 seeds) and 0-5 % on the hard
one (60 seeds, whose 5-15 % bad spells it rarely sees through the wander: they bias a 24-month
comparison by about a point).
Needs 15 months before the start; otherwise not assessed (flag False, z NaN, a note says so).
When the flag is raised the result also carries the estimate with the 3 run-up months left out of
the comparison (``runup_estimate``, ``runup_ci_low/high``). It is not the headline: when the
districts do follow parallel trends, leaving out months only loses data, and choosing the
baseline after looking at it is its own bias; the page shows both and says why they differ.

A second estimator (synthetic difference-in-differences, ``synthetic``) can be attached with
``dataclasses.replace`` in the ``robust_*`` fields; the page shows it beside this one and says
when the two disagree in sign or in whether the interval excludes zero.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
# The three parts used, not statsmodels.api (which imports every model, dataset and plot: 0.2 s more on each
# server's first statistics page).
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import WLS
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from community_policing.data import synthetic
from community_policing.data.areas import natural_key as _natural_key
from community_policing.i18n import N_, _, format_month, format_month_short

__all__ = [
    "DidResult",
    "did_incidents",
    "did_trust",
    "evaluate_programs",
    "monthly_incidents",
    "program_dates",
    "program_results",
]


DEFAULT_WINDOW_MONTHS = 24
DEFAULT_BIN_MONTHS = 3
MIN_PRE_MONTHS = 6
MIN_POST_MONTHS = 3
RTM_RECENT_MONTHS = 3
RTM_BASELINE_MONTHS = 12
RTM_ALPHA = 0.05
PRETREND_ALPHA = 0.05
# Hartung-Knapp scale factor floored at 1 (Roever, Knapp and Friede 2015): unfloored, it shrinks the interval
# whenever the districts happen to agree more than their survey margins of error say they should.
_HK_AT_LEAST_ONE = True
INFERENCE_METHODS = ("district", "cr1")

_FLOAT_COLUMNS = [
    "estimate", "ci_low", "ci_high", "p_value", "pretrend_p", "pretrend_slope", "pretrend_slope_p",
    "detectable_trend", "breakdown_trend", "min_permutation_p", "rtm_p", "robust_estimate", "robust_ci_low",
    "robust_ci_high", "robust_p",
]
_EVALUATE_COLUMNS = [
    "program", "outcome", "estimate", "ci_low", "ci_high", "p_value", "pretrend_p", "pretrend_ok",
    "pretrend_slope", "pretrend_slope_p", "detectable_trend", "breakdown_trend", "min_permutation_p",
    "rtm_flag", "rtm_p", "robust_estimate", "robust_ci_low", "robust_ci_high", "robust_p", "robust_method",
    "n_treated", "n_control", "pre_months", "post_months", "start", "staggered", "note",
]


# ============================================================================================
# Monthly incident panel
# ============================================================================================


def _month_floor(values) -> pd.Series:
    """First day of the month (datetime64[ns] Timestamps) of dates, datetimes or strings."""
    ts = pd.to_datetime(pd.Series(values), errors="raise")
    return pd.Series(ts.to_numpy().astype("datetime64[M]").astype("datetime64[ns]"), index=ts.index)


def monthly_incidents(
    incidents: pd.DataFrame,
    date_basis: str = "occurred",
    districts: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Counted incidents (the ``count`` = 1 records, as the agency counts them; later corrections
    are their own figure, never netted here) per district and calendar month.

    Rows without a district are left out. Every district x month from the first to the last
    month with data is present, zeros filled. ``districts`` adds districts that may have no
    incidents at all (pass the districts table's ids). Columns: district_id (str), month
    (Timestamp, first of the month), incidents (int).
    """
    if date_basis not in ("occurred", "reported"):
        raise ValueError(f"date_basis must be 'occurred' or 'reported', not {date_basis!r}")
    col = f"{date_basis}_at"
    counted = incidents["district_id"].notna() & (incidents["count"] == 1) & incidents[col].notna()
    rows = incidents.loc[counted, ["district_id", col, "count"]]
    extra = [str(d) for d in districts] if districts is not None else []
    if rows.empty:
        return pd.DataFrame({"district_id": pd.Series(dtype=str), "month": pd.Series(dtype="datetime64[ns]"),
                             "incidents": pd.Series(dtype="int64")})
    frame = pd.DataFrame({
        "district_id": rows["district_id"].astype(str).to_numpy(),
        "month": _month_floor(rows[col]).to_numpy(),
        "incidents": rows["count"].astype("int64").to_numpy(),
    })
    return monthly_grid(frame, extra)


def monthly_grid(counts: pd.DataFrame, districts: Iterable[str] | None = None) -> pd.DataFrame:
    """Incidents per district and month from counts already grouped (for example read from
    the daily aggregate), with every district x month present and zeros filled."""
    out_cols = ["district_id", "month", "incidents"]
    extra = [str(d) for d in districts] if districts is not None else []
    frame = counts.loc[counts["district_id"].notna()].assign(
        district_id=lambda f: f["district_id"].astype(str), month=lambda f: _month_floor(f["month"]))
    if frame.empty:
        return pd.DataFrame({"district_id": pd.Series(dtype=str), "month": pd.Series(dtype="datetime64[ns]"),
                             "incidents": pd.Series(dtype="int64")})
    counts = frame.groupby(["district_id", "month"])["incidents"].sum()
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    ids = sorted(set(frame["district_id"]) | set(extra), key=_natural_key)
    grid = pd.MultiIndex.from_product([ids, months], names=["district_id", "month"])
    out = counts.reindex(grid, fill_value=0).reset_index()
    out["incidents"] = out["incidents"].astype("int64")
    return out[out_cols]


# ============================================================================================
# Difference-in-differences
# ============================================================================================


@dataclass(frozen=True, eq=False)
class DidResult:
    """One program, one outcome: difference-in-differences estimate and its diagnostics.

    ``estimate``, ``ci_low`` and ``ci_high`` are relative effects (rate or score ratio minus 1:
    -0.15 means 15 % fewer incidents than the comparison districts' change predicts).
    ``event_study`` has one row per bin of ``bin_months`` relative to each district's start
    (rel_period -1 is the reference, fixed at 0). See the module docstring for how each number is
    computed.

    ``start`` is the earliest start; ``starts`` and ``ends`` give every treated district's own dates
    (``staggered`` when they differ). ``pretrend_ok`` is None when no pre-trend test was possible
    ("not assessed", never "failed"). Trends are relative per year, treated minus comparison:
    ``pretrend_slope`` (with ``pretrend_slope_p``, the one-degree-of-freedom test),
    ``detectable_trend`` (the trend gap that test catches half the time), ``breakdown_trend`` (the
    trend gap, continuing after the start, that would make the interval reach 0; 0 when it already
    does) and ``trend_band_low`` / ``trend_band_high`` (the interval widened for a trend gap as
    large as ``detectable_trend``). ``min_permutation_p``: the smallest p-value any test that
    reassigns which districts were treated could give. ``runup_*``: the estimate leaving out the
    months just before each start, computed when the regression-to-the-mean flag is raised.
    ``robust_*``: a second estimator's result (None until one is attached, e.g. with
    ``dataclasses.replace``), shown beside this one.
    """

    outcome: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    n_treated: int
    n_control: int
    pre_months: int
    post_months: int
    method: str
    event_study: pd.DataFrame
    pretrend_p: float
    pretrend_ok: bool | None
    rtm_flag: bool
    rtm_z: float
    treated: tuple[str, ...]
    controls: tuple[str, ...]
    start: dt.date
    log_estimate: float
    se_log: float
    df: int
    notes: tuple[str, ...] = ()
    starts: tuple[tuple[str, dt.date], ...] = ()
    ends: tuple[tuple[str, dt.date | None], ...] = ()
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    pretrend_slope: float = math.nan
    pretrend_slope_p: float = math.nan
    detectable_trend: float = math.nan
    breakdown_trend: float = math.nan
    trend_band_low: float = math.nan
    trend_band_high: float = math.nan
    gap_years: float = math.nan
    min_permutation_p: float = math.nan
    rtm_p: float = math.nan
    runup_estimate: float = math.nan
    runup_ci_low: float = math.nan
    runup_ci_high: float = math.nan
    robust_estimate: float | None = None
    robust_ci_low: float | None = None
    robust_ci_high: float | None = None
    robust_p: float | None = None
    robust_method: str | None = None
    robust_min_p: float | None = None  # the smallest p its placebo test could give

    @property
    def significant(self) -> bool:
        return bool(self.p_value < 0.05) if not math.isnan(self.p_value) else False

    def covers(self, value: float) -> bool:
        """Whether the 95 % interval contains ``value`` (a relative effect)."""
        return bool(self.ci_low <= value <= self.ci_high)

    @property
    def staggered(self) -> bool:
        """Whether the treated districts started on different dates."""
        return len({s for _d, s in self.starts}) > 1

    @property
    def ended(self) -> bool:
        """Whether the program ended in at least one treated district."""
        return any(e is not None for _d, e in self.ends)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the months the estimate compares (from ``pre_months`` before the
        earliest start to the last month after the latest start)."""
        if self.window_start is not None and self.window_end is not None:
            return self.window_start, self.window_end
        start = pd.Timestamp(self.start)
        return ((start - pd.DateOffset(months=self.pre_months)).date(),
                (start + pd.DateOffset(months=self.post_months) - pd.Timedelta(days=1)).date())


def did_incidents(
    monthly: pd.DataFrame,
    treated: Sequence[str],
    start: dt.date | Mapping[str, dt.date],
    controls: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    *,
    end: dt.date | Mapping[str, dt.date | None] | None = None,
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
    label: str | None = None,
) -> DidResult:
    """Difference-in-differences of monthly incident counts (see the module docstring).

    ``monthly`` is shaped like ``monthly_incidents`` (district_id, month, incidents). ``start`` is
    one date for every treated district or a mapping district -> its own start (staggered
    adoption); ``end`` likewise (months after a district's end are not compared). Controls
    default to every district in ``monthly`` that is neither treated nor in ``exclude`` (pass the
    districts treated by other programs there). ``window_months=None`` uses all months.
    ``inference="cr1"`` gives cluster-robust CR1 standard errors with t(G-1) instead (kept for
    comparison; it undercovers, see above). ``label`` (a program name) is used in error messages.
    """
    name = label or "program"
    frame = monthly[["district_id", "month", "incidents"]].copy()
    frame = frame[frame["district_id"].notna()]
    frame["district_id"] = frame["district_id"].astype(str)
    frame["month"] = _month_floor(frame["month"]).to_numpy()
    frame = frame.groupby(["district_id", "month"], as_index=False)["incidents"].sum()
    treated_ids, control_ids = _choose_groups(set(frame["district_id"]), treated, controls, exclude, name)
    cohorts = _cohorts(treated_ids, start, end, name)
    if len(frame) == 0:
        raise ValueError(_("{name}: no {what} data").format(name=name, what=_("incidents")))
    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    grid = pd.MultiIndex.from_product([treated_ids + control_ids, months], names=["district_id", "month"])
    panel = frame.set_index(["district_id", "month"])["incidents"].reindex(grid, fill_value=0).reset_index()
    panel = panel.rename(columns={"incidents": "y"})
    panel["y"] = panel["y"].astype(float).clip(lower=0.0)  # net counts below zero: floor at zero
    panel["w"] = 1.0
    panel["var"] = np.nan
    return _did(panel, "poisson", cohorts, control_ids, bin_months, inference, window_months, name, [],
                _("incidents"))


def did_trust(
    trust: pd.DataFrame,
    treated: Sequence[str],
    start: dt.date | Mapping[str, dt.date],
    controls: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    measure: str = "trust",
    *,
    end: dt.date | Mapping[str, dt.date | None] | None = None,
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
    label: str | None = None,
) -> DidResult:
    """Difference-in-differences of survey scores (rows shaped like ``trust_surveys``).

    Weighted least squares of log(score) on district and survey-period fixed effects and the
    treated x post indicator, weighted by respondents, so ``exp(coefficient) - 1`` is a relative
    change in the score. Dates, inference, event study, pre-trend and regression-to-the-mean flag
    as in ``did_incidents``; the interval also uses each survey's margin of error. Survey periods
    that straddle a start are left out.
    """
    name = label or "program"
    rows = trust[trust["measure"] == measure] if "measure" in trust.columns else trust
    rows = rows[rows["district_id"].notna() & rows["score"].notna()]
    notes: list[str] = []
    nonpositive = rows["score"].astype(float) <= 0
    if nonpositive.any():
        notes.append(_("{n} score(s) of 0 cannot be logged and are left out.").format(n=int(nonpositive.sum())))
        rows = rows[~nonpositive]
    if rows.empty:
        raise ValueError(_("{name}: no survey scores for measure {measure}").format(name=name, measure=repr(measure)))
    panel = pd.DataFrame({
        "district_id": rows["district_id"].astype(str).to_numpy(),
        "month": _month_floor(rows["period_start"]).to_numpy(),
        "y": np.log(rows["score"].astype(float).to_numpy()),
    })
    resp = (pd.to_numeric(rows["respondents"], errors="coerce") if "respondents" in rows.columns
            else pd.Series(np.nan, index=rows.index)).astype(float).to_numpy()
    if np.isnan(resp).all():
        resp = np.ones(len(rows))
        notes.append(_("Respondent counts are missing: survey periods weighted equally."))
    elif np.isnan(resp).any():
        notes.append(_("Some respondent counts are missing: those periods get the median weight."))
        resp = np.where(np.isnan(resp), np.nanmedian(resp), resp)
    panel["w"] = np.maximum(resp, 1.0)
    if "margin_of_error" in rows.columns:
        moe = pd.to_numeric(rows["margin_of_error"], errors="coerce").astype(float).to_numpy()
        panel["var"] = (moe / 1.959964 / rows["score"].astype(float).to_numpy()) ** 2
    else:
        panel["var"] = np.nan
    if panel["var"].isna().all():
        notes.append(_("Margins of error are not recorded: the interval rests on the spread between districts "
                       "alone."))
    panel["period_end"] = (pd.to_datetime(rows["period_end"]).to_numpy() if "period_end" in rows.columns
                           else panel["month"].to_numpy())
    surveyed = set(panel["district_id"])
    surveys = _("trust surveys") if measure == "trust" else _("{measure} surveys").format(measure=measure)
    if controls is not None:
        unsurveyed = [str(c) for c in controls if str(c) not in surveyed]
        if unsurveyed:
            notes.append(_("Control district(s) {ids} have no {surveys} and are left out.").format(
                ids=", ".join(unsurveyed), surveys=surveys))
            controls = [c for c in controls if str(c) in surveyed]
    treated_ids, control_ids = _choose_groups(surveyed, treated, controls, exclude, name)
    cohorts = _cohorts(treated_ids, start, end, name)
    panel = panel[panel["district_id"].isin(treated_ids + control_ids)]
    return _did(panel, "wls", cohorts, control_ids, bin_months, inference, window_months, name, notes, surveys)


def _combine_surveys(panel: pd.DataFrame) -> pd.DataFrame:
    """One row per district and month; several surveys in one (rare) are respondent-weighted."""
    key = ["district_id", "month"]
    if not panel.duplicated(key).any():
        return panel[key + ["y", "w", "var"]].reset_index(drop=True)
    tmp = panel.assign(wy=panel["w"] * panel["y"], w2v=panel["w"] ** 2 * panel["var"])
    agg = tmp.groupby(key, as_index=False).agg(wy=("wy", "sum"), w=("w", "sum"), w2v=("w2v", "sum"))
    agg["y"] = agg["wy"] / agg["w"]
    agg["var"] = agg["w2v"] / agg["w"] ** 2
    return agg[key + ["y", "w", "var"]]


def _choose_groups(available: set[str], treated, controls, exclude, name: str) -> tuple[list[str], list[str]]:
    treated_ids = list(dict.fromkeys(str(t) for t in treated))
    if not treated_ids:
        raise ValueError(_("{name}: no treated districts given").format(name=name))
    missing = [t for t in treated_ids if t not in available]
    if missing:
        raise ValueError(_("{name}: treated district(s) {ids} have no data").format(name=name, ids=", ".join(missing)))
    excluded = {str(e) for e in exclude}
    if controls is None:
        control_ids = sorted(available - set(treated_ids) - excluded, key=_natural_key)
    else:
        control_ids = list(dict.fromkeys(str(c) for c in controls))
        both = sorted(set(control_ids) & set(treated_ids))
        if both:
            raise ValueError(_("{name}: district(s) {ids} are both treated and controls").format(
                name=name, ids=", ".join(both)))
        control_ids = [c for c in control_ids if c not in excluded]
        absent = [c for c in control_ids if c not in available]
        if absent:
            raise ValueError(_("{name}: control district(s) {ids} have no data").format(
                name=name, ids=", ".join(absent)))
    if not control_ids:
        raise ValueError(_(
            "{name}: no control districts: every district is treated or excluded, so there is "
            "nothing to compare the treated districts with").format(name=name))
    return treated_ids, control_ids


@dataclass(frozen=True)
class _Cohort:
    """Treated districts sharing a start and an end date (one "group" in Callaway-Sant'Anna's sense)."""

    start: dt.date
    end: dt.date | None
    treated: tuple[str, ...]

    @property
    def s0(self) -> pd.Timestamp:
        return _first_full_month(self.start)[0]

    @property
    def partial(self) -> bool:
        return _first_full_month(self.start)[1]


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date()


def _cohorts(treated_ids: list[str], start, end, name: str) -> list[_Cohort]:
    """Group the treated districts by their (start, end) dates; earliest start first."""
    starts = {str(k): v for k, v in start.items()} if isinstance(start, Mapping) else None
    ends = {str(k): v for k, v in end.items()} if isinstance(end, Mapping) else None
    groups: dict[tuple[dt.date, dt.date | None], list[str]] = {}
    for d in treated_ids:
        s = _as_date(starts.get(d) if starts is not None else start)
        if s is None:
            raise ValueError(_("{name}: no start date for district {id}").format(name=name, id=d))
        e = _as_date(ends.get(d) if ends is not None else end)
        if e is not None and e < s:
            raise ValueError(_("{name}: district {id} ends ({end}) before it starts ({start})").format(
                name=name, id=d, end=e.isoformat(), start=s.isoformat()))
        groups.setdefault((s, e), []).append(d)
    return [_Cohort(s, e, tuple(ids)) for (s, e), ids in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] or dt.date.max))]


def _first_full_month(start) -> tuple[pd.Timestamp, bool]:
    """First month entirely on or after ``start``; True when the start month is partly treated."""
    ts = pd.Timestamp(start)
    first = ts.to_period("M").to_timestamp()
    if first == ts.normalize():
        return first, False
    return first + pd.DateOffset(months=1), True


def _check_span(months: pd.Series, s0: pd.Timestamp, name: str, what: str, partial: bool = False) -> None:
    if len(months) == 0:
        raise ValueError(_("{name}: no {what} data").format(name=name, what=what))
    first, last = pd.Timestamp(months.min()), pd.Timestamp(months.max())
    pre = (s0.year - first.year) * 12 + (s0.month - first.month) - (1 if partial else 0)
    post = (last.year - s0.year) * 12 + (last.month - s0.month) + 1
    if pre < MIN_PRE_MONTHS or post < MIN_POST_MONTHS:
        raise ValueError(_(
            "{name}: start {start} is outside what the {what} data can evaluate "
            "({first} to {last}: {pre} month(s) before the start, {post} "
            "from it; need at least {min_pre} before and {min_post} after)").format(
            name=name, start=format_month_short(s0), what=what, first=format_month_short(first),
            last=format_month_short(last),
            pre=max(pre, 0), post=max(post, 0), min_pre=MIN_PRE_MONTHS, min_post=MIN_POST_MONTHS))


def _add_timing(panel: pd.DataFrame, s0: pd.Timestamp, drop_partial: bool, start, end,
                window_months: int | None) -> pd.DataFrame:
    month = pd.to_datetime(panel["month"])
    rel = (month.dt.year - s0.year) * 12 + (month.dt.month - s0.month)
    keep = pd.Series(True, index=panel.index)
    if drop_partial:
        keep &= rel != -1
    if end is not None:
        keep &= month <= pd.Timestamp(end)
    if window_months is not None:
        keep &= (rel >= -window_months) & (rel < window_months)
    out = panel.loc[keep].copy()
    out["rel"] = rel[keep].astype(int)
    if drop_partial:
        # The partly treated month is gone; bins count from the last full pre month.
        out.loc[out["rel"] < -1, "rel"] += 1
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# One start cohort against the never-treated districts
# --------------------------------------------------------------------------------------------


def _prepare_cohort(kind: str, panel: pd.DataFrame, cohort: _Cohort, control_ids: list[str],
                    window_months: int | None, name: str, what: str, notes: list[str]
                    ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    """The cohort's windowed panel (with ``rel``), its whole history before the start (for the
    regression-to-the-mean check), and the treated and control districts that remain."""
    treated_ids = list(cohort.treated)
    sub = panel[panel["district_id"].isin(treated_ids + control_ids)]
    s0, partial = cohort.s0, cohort.partial
    if partial:
        notes.append(_("The start month {month} is only partly treated and is left out.").format(
            month=format_month(pd.Timestamp(cohort.start))))
    if kind == "wls":
        straddle = (sub["month"] < s0) & (sub["period_end"] >= pd.Timestamp(cohort.start))
        if straddle.any():
            notes.append(_("Survey periods that straddle the start are left out."))
            sub = sub[~straddle]
        _check_span(sub["month"], s0, name, what, partial)
        sub = _combine_surveys(sub)
    else:
        _check_span(sub["month"], s0, name, what, partial)
    history = _add_timing(sub, s0, partial, cohort.start, None, None)
    history = history[history["rel"] < 0]
    sub = _add_timing(sub, s0, partial, cohort.start, cohort.end, window_months)
    if kind == "poisson":
        # Months in which no district has any incident carry no information (and break the fit).
        month_totals = sub.groupby("month")["y"].transform("sum")
        if (month_totals <= 0).any():
            n_empty = sub.loc[month_totals <= 0, "month"].nunique()
            notes.append(_("{n} month(s) with no incidents anywhere are left out.").format(n=n_empty))
            sub = sub[month_totals > 0]
        district_totals = sub.groupby("district_id")["y"].transform("sum")
        empty = sorted(set(sub.loc[district_totals <= 0, "district_id"]))
        if empty:
            if set(empty) & set(treated_ids):
                raise ValueError(_("{name}: treated district(s) {ids} have no incidents in the window").format(
                    name=name, ids=", ".join(empty)))
            notes.append(_("Control district(s) {ids} have no incidents in the window and are left out.").format(
                ids=", ".join(empty)))
            sub = sub[district_totals > 0]
            history = history[~history["district_id"].isin(empty)]
        control_ids = [c for c in control_ids if c not in empty]
        if not control_ids:
            raise ValueError(_("{name}: no control district has incidents in the window").format(name=name))
    else:
        have = set(sub["district_id"])
        for ids, role in ((treated_ids, "treated"), (control_ids, "control")):
            if not any(d in have for d in ids):
                raise ValueError((_("{name}: no {surveys} for the treated districts in the window")
                                  if role == "treated" else
                                  _("{name}: no {surveys} for the control districts in the window")).format(
                    name=name, surveys=what))
        control_ids = [c for c in control_ids if c in have]
        treated_ids = [t for t in treated_ids if t in have]
    return sub.reset_index(drop=True), history.reset_index(drop=True), treated_ids, control_ids


@dataclass
class _CohortFit:
    """What one cohort contributes: its estimate and, per district, the pieces of the district-level
    variance (influence on the estimate, own pre -> post change, its known sampling variance)."""

    cohort: _Cohort
    ids: list[str]
    is_treated: np.ndarray
    beta: float
    infl: np.ndarray
    change: np.ndarray
    change_var: np.ndarray
    se_cr1: float
    pre_months: int
    post_months: int
    post_cells: int
    gap_years: float
    first_month: pd.Timestamp
    last_month: pd.Timestamp
    # event study: bins other than the reference, their coefficients, and per district x bin pieces
    bins: list[int] = field(default_factory=list)
    theta: np.ndarray | None = None
    bin_infl: np.ndarray | None = None
    bin_change: np.ndarray | None = None
    bin_var: np.ndarray | None = None
    ref_var: np.ndarray | None = None
    model_cov: np.ndarray | None = None
    bin_se_cr1: np.ndarray | None = None
    has_ref: bool = True


def _fit_cohort(kind: str, panel: pd.DataFrame, treated_ids: list[str], control_ids: list[str],
                cohort: _Cohort, bin_months: int, inference: str, event: bool = True) -> _CohortFit:
    panel = panel.sort_values(["district_id", "month"]).reset_index(drop=True)
    ids = treated_ids + control_ids
    is_treated = np.array([d in set(treated_ids) for d in ids])
    g = panel["district_id"].map({d: i for i, d in enumerate(ids)}).to_numpy()
    rel = panel["rel"].to_numpy()
    post = rel >= 0
    treated_row = is_treated[g]
    y, w = panel["y"].to_numpy(float), panel["w"].to_numpy(float)
    n = len(ids)

    X = _design(panel, [(treated_row & post).astype(float)])
    model, res, irls_w = _fit(kind, y, X, w)
    beta = float(res.params[-1])
    infl = _influence(X, irls_w, [X.shape[1] - 1], np.where(post, g, -1), n)[:, 0]
    period = post.astype(int)
    change = _cell_changes(kind, panel, period, ids, 2, 0)[:, 1]
    level_var = _cell_sampling_var(kind, panel, g, period, n, 2)
    se_cr1 = math.nan
    if inference == "cr1":
        cres = model.fit(cov_type="cluster", tol=1e-12, maxiter=200,
                         cov_kwds={"groups": g, "use_correction": True, "df_correction": True})
        se_cr1 = float(cres.bse[-1])
    months = pd.to_datetime(panel["month"])
    fit = _CohortFit(
        cohort=cohort, ids=ids, is_treated=is_treated, beta=beta, infl=infl, change=change,
        change_var=level_var[:, 0] + level_var[:, 1], se_cr1=se_cr1,
        pre_months=int(panel.loc[~post, "month"].nunique()), post_months=int(panel.loc[post, "month"].nunique()),
        post_cells=int((treated_row & post).sum()),
        gap_years=float(rel[treated_row & post].mean() - rel[treated_row & ~post].mean()) / 12.0,
        first_month=months.min(), last_month=months.max())
    if not event:
        return fit

    # Event study: one indicator per bin (relative to this cohort's start) but the reference.
    bins = np.floor_divide(rel, bin_months)
    levels = [int(b) for b in np.unique(bins)]
    ref = -1
    others = [b for b in levels if b != ref]
    X = _design(panel, [(treated_row & (bins == b)).astype(float) for b in others])
    model, res, irls_w = _fit(kind, y, X, w, scale_x2=True)
    k0 = X.shape[1] - len(others)
    fit.bins = others
    fit.theta = np.asarray(res.params[k0:], dtype=float)
    fit.model_cov = np.asarray(res.cov_params())[k0:, k0:]
    fit.has_ref = ref in levels
    bin_index = {b: i for i, b in enumerate(levels)}
    period = np.array([bin_index[int(b)] for b in bins])
    level_var = _cell_sampling_var(kind, panel, g, period, n, len(levels))
    if fit.has_ref:
        cells = np.where(np.isin(bins, others), g * len(levels) + period, -1)
        inf = _influence(X, irls_w, list(range(k0, X.shape[1])), cells, n * len(levels))
        inf = inf.reshape(n, len(levels), len(others))
        changes = _cell_changes(kind, panel, period, ids, len(levels), bin_index[ref])
        cols = [bin_index[b] for b in others]
        fit.bin_infl = np.stack([inf[:, c, j] for j, c in enumerate(cols)], axis=1) if others else np.zeros((n, 0))
        fit.bin_change = changes[:, cols]
        fit.ref_var = level_var[:, bin_index[ref]]
        fit.bin_var = level_var[:, cols]
    if inference == "cr1" or not fit.has_ref:
        cres = model.fit(cov_type="cluster", tol=1e-12, maxiter=200,
                         cov_kwds={"groups": g, "use_correction": True, "df_correction": True})
        fit.bin_se_cr1 = np.asarray(cres.bse[k0:], dtype=float)
    return fit


# --------------------------------------------------------------------------------------------
# The estimation engine shared by both outcomes
# --------------------------------------------------------------------------------------------


def _design(panel: pd.DataFrame, extra: list[np.ndarray]) -> np.ndarray:
    """Intercept, district dummies, month dummies (first level dropped), then extra columns."""
    g = pd.Categorical(panel["district_id"]).codes
    t = pd.Categorical(panel["month"]).codes
    n = len(panel)
    cols = [np.ones(n)]
    cols += [(g == k).astype(float) for k in range(1, g.max() + 1)]
    cols += [(t == k).astype(float) for k in range(1, t.max() + 1)]
    cols += extra
    return np.column_stack(cols)


def _fit(kind: str, y: np.ndarray, X: np.ndarray, w: np.ndarray, scale_x2: bool = False):
    if kind == "poisson":
        model = GLM(y, X, family=families.Poisson())
        with warnings.catch_warnings():
            # Raised when the fit is exact (noise-free data); harmless for a count model.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            res = model.fit(tol=1e-12, maxiter=200, scale="X2" if scale_x2 else None)
        return model, res, res.fittedvalues  # IRLS weights of a log-link Poisson model = mu
    model = WLS(y, X, weights=w)
    res = model.fit()
    return model, res, w


def _influence(X: np.ndarray, irls_w: np.ndarray, coef_cols: list[int], cells: np.ndarray,
               n_cells: int) -> np.ndarray:
    """d(coefficient) / d(shift of a cell), for every coefficient in ``coef_cols``.

    A "shift" multiplies the cell's expected counts by exp(u) (Poisson) or adds u to its log
    score (WLS); to first order the coefficients move by (X'WX)^-1 X'W (X-column of the shift).
    ``cells`` gives each row's cell index (or -1). Returns an (n_cells, len(coef_cols)) array.
    """
    H = (X * irls_w[:, None]).T @ X
    E = np.zeros((X.shape[1], len(coef_cols)))
    E[coef_cols, np.arange(len(coef_cols))] = 1.0
    A = X @ np.linalg.solve(H, E)  # (n, k)
    out = np.zeros((n_cells, len(coef_cols)))
    ok = cells >= 0
    np.add.at(out, cells[ok], irls_w[ok, None] * A[ok])
    return out


def _cell_changes(kind: str, panel: pd.DataFrame, period: np.ndarray, ids: list[str], n_periods: int,
                  ref: int) -> np.ndarray:
    """Each district's own change from period ``ref`` to every period (districts x periods).

    From the model with district and month fixed effects plus one effect per district and
    period (saturated at that level). For a balanced Poisson panel this is exactly the log ratio
    of the district's totals (month effects are common to all districts and cancel in every
    comparison between districts); 0.5 is added to empty totals. For WLS it is fitted.
    Rows are in ``ids`` order; only differences between districts are meaningful.
    """
    g = panel["district_id"].map({d: i for i, d in enumerate(ids)}).to_numpy()
    if kind == "poisson":
        totals = np.zeros((len(ids), n_periods))
        np.add.at(totals, (g, period), panel["y"].to_numpy())
        totals = np.where(totals > 0, totals, 0.5)
        logs = np.log(totals)
        return logs - logs[:, [ref]]
    extra, where = [], []
    for i in range(1, len(ids)):
        for p in range(n_periods):
            if p == ref:
                continue
            col = ((g == i) & (period == p)).astype(float)
            if col.any():
                extra.append(col)
                where.append((i, p))
    X = _design(panel, extra)
    w = panel["w"].to_numpy()
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(X * sw[:, None], panel["y"].to_numpy() * sw, rcond=None)
    out = np.full((len(ids), n_periods), np.nan)
    out[0, :] = 0.0
    out[:, ref] = 0.0
    k0 = X.shape[1] - len(extra)
    for j, (i, p) in enumerate(where):
        out[i, p] = beta[k0 + j]
    return out


def _cell_sampling_var(kind: str, panel: pd.DataFrame, g: np.ndarray, period: np.ndarray, n: int,
                       n_periods: int) -> np.ndarray:
    """Known sampling variance of each district's mean in each period (districts x periods).

    Surveys: from the margins of error, for the respondent-weighted mean of log scores (0 where no
    margin is recorded). Counts: 0, because the spread between districts already carries their
    Poisson and extra noise (a known-variance version was anti-conservative; see the module
    docstring). NaN where a district has no data in a period.
    """
    out = np.zeros((n, n_periods))
    w = panel["w"].to_numpy(float)
    sw = np.zeros((n, n_periods))
    np.add.at(sw, (g, period), w)
    if kind != "poisson":
        var = np.nan_to_num(panel["var"].to_numpy(float), nan=0.0)
        s2 = np.zeros((n, n_periods))
        np.add.at(s2, (g, period), w**2 * var)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = s2 / sw**2
    return np.where(sw > 0, out, np.nan)


def _combine(pieces: list[tuple[float, list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
             ) -> tuple[float, int]:
    """District-level standard error of sum_k weight_k * statistic_k, and its degrees of freedom.

    Each piece is one start cohort's contribution: (weight, district ids, is_treated, influence of
    each district's change on the cohort's statistic, each district's own change, its known
    sampling variance). Within a piece, a district's change varies around its group's mean by its
    sampling variance plus a drift variance shared by all districts (method of moments; with no
    known sampling variance this is the pooled spread of the changes, the Donald-Lang step), scaled
    up by the Hartung-Knapp factor when it exceeds 1. A control district appears in every piece;
    the correlation of its changes between pieces (overlapping windows) is estimated from the
    controls' standardized residuals. Degrees of freedom: controls - 1 plus, per cohort,
    treated - 1 (G - 2 with one cohort).
    """
    prepared = []
    for weight, ids, is_treated, infl, change, samp in pieces:
        ok = np.isfinite(change) & np.isfinite(infl)
        resid, lev = np.zeros(len(ids)), np.zeros(len(ids))
        for grp in (is_treated, ~is_treated):
            m = grp & ok
            if m.any():
                resid[m] = change[m] - change[m].mean()
                lev[m] = 1.0 / m.sum()
        df_t = max(int((is_treated & ok).sum()) - 1, 0)
        df_c = max(int((~is_treated & ok).sum()) - 1, 0)
        if df_t + df_c < 1:
            return math.nan, 0
        samp = np.where(ok & np.isfinite(samp), samp, 0.0)
        tau2 = max(0.0, (float(np.sum(resid**2)) - float(np.sum(samp * (1 - lev)))) / (df_t + df_c))
        V = samp + tau2
        if (samp > 0).any():
            with np.errstate(invalid="ignore", divide="ignore"):
                q = float(np.sum(np.where(ok & (V > 0), resid**2 / V, 0.0))) / (df_t + df_c)
            V = V * (max(1.0, q) if _HK_AT_LEAST_ONE else q)
        prepared.append({"ids": ids, "index": {d: i for i, d in enumerate(ids)}, "treated": is_treated,
                         "a": np.where(ok, infl * weight, 0.0), "V": V, "resid": resid, "ok": ok,
                         "df_t": df_t, "df_c": df_c})
    K = len(prepared)
    rho = np.eye(K)
    if K > 1:
        sets = [{d for d, t, o in zip(p["ids"], p["treated"], p["ok"]) if not t and o} for p in prepared]
        common = sorted(set.intersection(*sets), key=_natural_key)
        rho = np.ones((K, K))  # too few common controls: treat the windows as moving together (conservative)
        if len(common) >= 3:
            Z = np.array([[p["resid"][p["index"][d]] / math.sqrt(p["V"][p["index"][d]])
                           if p["V"][p["index"][d]] > 0 else 0.0 for d in common] for p in prepared])
            norms = np.sqrt((Z**2).sum(axis=1))
            if np.all(norms > 0):
                rho = Z @ Z.T / np.outer(norms, norms)
    total = 0.0
    for d in dict.fromkeys(d for p in prepared for d in p["ids"]):
        a, s = np.zeros(K), np.zeros(K)
        for k, p in enumerate(prepared):
            i = p["index"].get(d)
            if i is not None:
                a[k], s[k] = p["a"][i], math.sqrt(max(p["V"][i], 0.0))
        total += float((a * s) @ rho @ (a * s))
    df = max(p["df_c"] for p in prepared) + sum(p["df_t"] for p in prepared)
    return math.sqrt(max(total, 0.0)), df


def _t_interval(beta: float, se: float, df: float) -> tuple[float, float, float]:
    if not np.isfinite(se) or df < 1:
        return math.nan, math.nan, math.nan
    if se < 1e-10:  # noise-free data
        return beta, beta, (0.0 if abs(beta) > 1e-9 else 1.0)
    q = stats.t.ppf(0.975, df)
    return beta - q * se, beta + q * se, float(2 * stats.t.sf(abs(beta) / se, df))


def _detectable(se: float, df: int, power: float = 0.5, alpha: float = PRETREND_ALPHA) -> float:
    """The true value a two-sided t test (``df``, ``alpha``) of an estimate with standard error ``se``
    detects with probability ``power`` (noncentral t)."""
    if not np.isfinite(se) or se <= 0 or df < 1:
        return math.nan
    # The estimated standard error is on average too small by c4(df) (a few % to 20 % with 1-5 df), which
    # would make the check look more sensitive than it is.
    se = se / math.sqrt(2.0 / df) / math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2))
    crit = stats.t.ppf(1 - alpha / 2, df)

    def gap(nc: float) -> float:
        # The far tail is negligible and scipy's noncentral t can return NaN there.
        return float(stats.nct.sf(crit, df, nc) + np.nan_to_num(stats.nct.cdf(-crit, df, nc))) - power

    return float(optimize.brentq(gap, 0.0, 2.0 * crit + 2.0)) * se


def _did(panel: pd.DataFrame, kind: str, cohorts: list[_Cohort], control_ids: list[str], bin_months: int,
         inference: str, window_months: int | None, name: str, notes: list[str], what: str) -> DidResult:
    if inference not in INFERENCE_METHODS:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_METHODS)}, not {inference!r}")
    if bin_months < 1:
        raise ValueError("bin_months must be at least 1")
    prepared = [_prepare_cohort(kind, panel, c, control_ids, window_months, name, what, notes) for c in cohorts]
    fits = [_fit_cohort(kind, sub, t_ids, c_ids, c, bin_months, inference)
            for c, (sub, _hist, t_ids, c_ids) in zip(cohorts, prepared)]
    treated_ids = [d for f in fits for d, t in zip(f.ids, f.is_treated) if t]
    used_controls = sorted({d for f in fits for d, t in zip(f.ids, f.is_treated) if not t}, key=_natural_key)
    n_groups = len(treated_ids) + len(used_controls)

    # Headline: each cohort's DiD against the never-treated districts, averaged with weights equal to
    # the cohort's share of treated district-months after the start (Callaway-Sant'Anna's "simple"
    # aggregation). With one cohort this is the single treated x post indicator.
    beta, se, df, omega = _aggregate(fits, inference, n_groups)
    lo, hi, p = _t_interval(beta, se, df)
    if df < 1:
        notes.append(_("Too few districts for a confidence interval (need at least 3)."))

    event, pre_bins, pretrend_p, why = _event_study(fits, bin_months, inference, n_groups)
    if math.isnan(pretrend_p):
        notes.append(_("Pre-trend test not possible: {why}.").format(why=_(why)))
    slope, slope_se, slope_df = _pretrend_slope(fits, bin_months)
    slope_lo, slope_hi, slope_p = _t_interval(slope, slope_se, slope_df)
    assessed = [q for q in (pretrend_p, slope_p) if not math.isnan(q)]
    pretrend_ok = None if not assessed else bool(min(assessed) >= PRETREND_ALPHA)
    detectable = _detectable(slope_se, slope_df) if slope_se > 1e-10 else math.nan
    gap_years = float(sum(o * f.gap_years for o, f in zip(omega, fits)))
    breakdown, band_lo, band_hi = _trend_sensitivity(lo, hi, gap_years, detectable)

    # Regression to the mean, calibrated on placebo starts earlier in each cohort's history.
    rtm_z, rtm_p, rtm_why = _rtm(kind, [hist for _s, hist, _t, _c in prepared], fits)
    rtm_flag = bool(rtm_p < RTM_ALPHA) if not math.isnan(rtm_p) else False
    runup = (math.nan, math.nan, math.nan)
    if math.isnan(rtm_z):
        notes.append(_("Regression to the mean not assessed: {why}.").format(why=_(rtm_why)))
    elif rtm_flag:
        notes.append((_(
            "Regression to the mean: in the 3 months before the start the treated districts were "
            "unusually high against their own previous 12 months, compared with the controls and with the same "
            "comparison at earlier dates (z = {z}, p = {p}); part of the change after the start may be a return "
            "to normal.") if rtm_z > 0 else _(
            "Regression to the mean: in the 3 months before the start the treated districts were "
            "unusually low against their own previous 12 months, compared with the controls and with the same "
            "comparison at earlier dates (z = {z}, p = {p}); part of the change after the start may be a return "
            "to normal.")).format(z=f"{rtm_z:+.1f}", p=f"{rtm_p:.2f}"))
        runup = _runup_estimate(kind, prepared, cohorts, bin_months, inference, n_groups)

    n_assign = _assignments([len([t for t in f.is_treated if t]) for f in fits], len(used_controls))
    starts = tuple((d, c.start) for c in cohorts for d in c.treated if d in treated_ids)
    ends = tuple((d, c.end) for c in cohorts for d in c.treated if d in treated_ids)
    method = _method_text(kind, window_months, len(treated_ids), len(used_controls), len(fits), df, inference)
    if len(fits) > 1:
        notes.append(_("The districts started on different dates ({starts}): each start is compared with the "
                       "districts without any program around its own date, and the effects are averaged by "
                       "treated district-months.").format(
            starts="; ".join(f"{', '.join(t for t in c.treated if t in treated_ids)}: "
                             f"{format_month_short(pd.Timestamp(c.start))}" for c in cohorts)))
    if any(c.end is not None for c in cohorts):
        notes.append(_("Months after a district's program ended are not compared."))

    return DidResult(
        outcome="incidents" if kind == "poisson" else "trust",
        estimate=math.expm1(beta),
        ci_low=math.expm1(lo) if np.isfinite(lo) else math.nan,
        ci_high=math.expm1(hi) if np.isfinite(hi) else math.nan,
        p_value=p,
        n_treated=len(treated_ids),
        n_control=len(used_controls),
        pre_months=max(f.pre_months for f in fits),
        post_months=max(f.post_months for f in fits),
        method=method,
        event_study=event,
        pretrend_p=pretrend_p,
        pretrend_ok=pretrend_ok,
        rtm_flag=rtm_flag,
        rtm_z=rtm_z,
        treated=tuple(treated_ids),
        controls=tuple(used_controls),
        start=min(c.start for c in cohorts),
        log_estimate=beta,
        se_log=se,
        df=df,
        notes=tuple(dict.fromkeys(notes)),
        starts=starts,
        ends=ends,
        window_start=min(f.first_month for f in fits).date(),
        window_end=(max(f.last_month for f in fits) + pd.offsets.MonthEnd(0)).date(),
        pretrend_slope=math.expm1(slope) if np.isfinite(slope) else math.nan,
        pretrend_slope_p=slope_p,
        detectable_trend=math.expm1(detectable) if np.isfinite(detectable) else math.nan,
        breakdown_trend=math.expm1(breakdown) if np.isfinite(breakdown) else math.nan,
        trend_band_low=math.expm1(band_lo) if np.isfinite(band_lo) else math.nan,
        trend_band_high=math.expm1(band_hi) if np.isfinite(band_hi) else math.nan,
        gap_years=gap_years,
        min_permutation_p=1.0 / n_assign if n_assign else math.nan,
        rtm_p=rtm_p,
        runup_estimate=runup[0],
        runup_ci_low=runup[1],
        runup_ci_high=runup[2],
    )


def _aggregate(fits: list[_CohortFit], inference: str, n_groups: int) -> tuple[float, float, int, np.ndarray]:
    """Cohort estimates averaged by treated post cells: (log estimate, standard error, df, weights)."""
    cells = np.array([f.post_cells for f in fits], dtype=float)
    omega = cells / cells.sum()
    beta = float(np.dot(omega, [f.beta for f in fits]))
    if inference == "district":
        se, df = _combine([(o, f.ids, f.is_treated, f.infl, f.change, f.change_var) for o, f in zip(omega, fits)])
    else:
        se = float(np.sqrt(np.sum((omega * np.array([f.se_cr1 for f in fits])) ** 2)))
        df = n_groups - 1
    return beta, se, df, omega


def _assignments(cohort_sizes: list[int], n_controls: int) -> int:
    """Ways to choose which districts got the program (and when) among all compared districts."""
    total = n_controls + sum(cohort_sizes)
    out, left = 1, total
    for k in cohort_sizes:
        out *= math.comb(left, k)
        left -= k
    return out


def _trend_sensitivity(lo: float, hi: float, gap_years: float, detectable: float) -> tuple[float, float, float]:
    """Linear trend gap (log per year, treated minus comparison, continuing after the start) that
    moves the interval to 0 (signed like the effect it would explain; 0 when the interval already
    includes 0), and the interval widened by a trend gap as large as ``detectable`` either way."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or not gap_years > 0:
        return math.nan, math.nan, math.nan
    if lo > 0:
        breakdown = lo / gap_years
    elif hi < 0:
        breakdown = hi / gap_years
    else:
        breakdown = 0.0
    if not np.isfinite(detectable):
        return breakdown, math.nan, math.nan
    return breakdown, lo - detectable * gap_years, hi + detectable * gap_years


def _method_text(kind: str, window_months: int | None, n_treated: int, n_control: int, n_cohorts: int, df: int,
                 inference: str) -> str:
    model_text = (_("Poisson regression of monthly incident counts with district and month fixed effects and a "
                    "treated x post indicator") if kind == "poisson" else
                  _("Weighted least squares of log survey score, weighted by respondents with district and month "
                    "fixed effects and a treated x post indicator"))
    if n_cohorts > 1:
        model_text += " " + _("for each start date against the districts without any program, averaged by treated "
                              "district-months (Callaway-Sant'Anna)")
    window_text = (_("{n} months either side of the start").format(n=window_months) if window_months
                   else _("all months"))
    if inference == "district" and n_cohorts == 1 and kind == "poisson":
        infer_text = _("95% interval from the spread of district-level pre/post changes "
                       "(Donald-Lang two-step, t with G-2 = {df} df; cluster-robust errors are "
                       "unreliable with {n} treated district(s))").format(df=df, n=n_treated)
    elif inference == "district" and kind == "poisson":
        infer_text = _("95% interval from the spread of district-level pre/post changes "
                       "(Donald-Lang two-step, t with {df} df: one mean per start date and one for the comparison "
                       "districts are estimated)").format(df=df)
    elif inference == "district":
        infer_text = _("95% interval from each district's survey margins of error plus the spread of "
                       "district-level pre/post changes (random effects with Hartung-Knapp scaling, t with "
                       "{df} df)").format(df=df)
    else:
        infer_text = _("95% interval from cluster-robust CR1 errors, t with G-1 = {df} df").format(df=df)
    groups_text = _("{treated} treated vs {control} control districts").format(treated=n_treated,
                                                                               control=n_control)
    return f"{model_text}; {window_text}; {groups_text}; {infer_text}."


def _event_study(fits: list[_CohortFit], bin_months: int, inference: str, n_groups: int
                 ) -> tuple[pd.DataFrame, list[int], float, str | None]:
    """Sun-Abraham interaction-weighted event study: each cohort's bin coefficients (against the
    never-treated districts only) averaged over the cohorts seen in that bin, weighted by their
    number of treated districts; the joint pre-trend test on the averaged pre-start bins."""
    ref = -1
    all_bins = sorted({b for f in fits for b in f.bins})
    sizes = np.array([float(f.is_treated.sum()) for f in fits])
    rows, theta, se, dfs, weights = [], {}, {}, {}, {}
    for b in all_bins:
        have = [k for k, f in enumerate(fits) if b in f.bins]
        om = sizes[have] / sizes[have].sum()
        weights[b] = dict(zip(have, om))
        th = float(sum(o * fits[k].theta[fits[k].bins.index(b)] for k, o in zip(have, om)))
        if inference == "district" and all(fits[k].has_ref for k in have):
            pieces = []
            for k, o in zip(have, om):
                f, j = fits[k], fits[k].bins.index(b)
                pieces.append((o, f.ids, f.is_treated, f.bin_infl[:, j], f.bin_change[:, j],
                               f.bin_var[:, j] + f.ref_var))
            s, d = _combine(pieces)
        else:
            s = float(np.sqrt(sum((o * fits[k].bin_se_cr1[fits[k].bins.index(b)]) ** 2 for k, o in zip(have, om))))
            d = n_groups - 1
        theta[b], se[b], dfs[b] = th, s, d
        lo, hi, _p = _t_interval(th, s, d)
        rows.append((b, b * bin_months, math.expm1(th), math.expm1(lo) if np.isfinite(lo) else math.nan,
                     math.expm1(hi) if np.isfinite(hi) else math.nan, False))
    rows.append((ref, ref * bin_months, 0.0, math.nan, math.nan, True))
    event = pd.DataFrame(rows, columns=["rel_period", "first_month", "coef", "ci_low", "ci_high", "reference"])
    event = event.sort_values("rel_period", ignore_index=True)

    # Joint pre-trend test: every pre-start coefficient zero. Each coefficient's variance is the same
    # district-level one as its interval; their correlations (mostly from the shared reference bin) come
    # from the model-based covariance, averaged like the coefficients. F(K, df) with the district-level df.
    pre = [b for b in all_bins if b < ref]
    if not pre or not all(f.has_ref for f in fits):
        return event, pre, math.nan, N_("fewer than two bins before the start")
    th = np.array([theta[b] for b in pre])
    s = np.array([se[b] for b in pre])
    df_test = int(min(dfs[b] for b in pre))
    if df_test < 1 or not np.all(np.isfinite(s)):
        return event, pre, math.nan, N_("too few districts")
    if np.all(s < 1e-10):  # noise-free data
        return event, pre, (1.0 if np.allclose(th, 0, atol=1e-9) else 0.0), None
    model_cov = np.zeros((len(pre), len(pre)))
    for k, f in enumerate(fits):
        W = np.zeros((len(pre), len(f.bins)))
        for i, b in enumerate(pre):
            if k in weights[b]:
                W[i, f.bins.index(b)] = weights[b][k]
        model_cov += W @ f.model_cov @ W.T
    model_sd = np.sqrt(np.diag(model_cov))
    if not np.all(model_sd > 0):
        return event, pre, math.nan, N_("no variation left to test against")
    cov = np.outer(s, s) * model_cov / np.outer(model_sd, model_sd)
    try:
        stat = float(th @ np.linalg.solve(cov, th)) / len(pre)
    except np.linalg.LinAlgError:
        return event, pre, math.nan, N_("singular covariance")
    return event, pre, float(stats.f.sf(stat, len(pre), df_test)), None


def _pretrend_slope(fits: list[_CohortFit], bin_months: int) -> tuple[float, float, int]:
    """Linear pre-trend, one degree of freedom: the least-squares slope (log per year) of the
    pre-start event-study coefficients, the reference bin (0) included, treated minus comparison.

    Its district-level variance: the slope is a weighted sum of each district's own pre-start
    changes, so each district's own slope is one observation (its spread around the group means,
    plus any known survey variance, as for the estimate), weighted by the district's average
    influence on the pre-start coefficients.
    """
    ref = -1
    if not all(f.has_ref for f in fits):
        return math.nan, math.nan, 0
    sizes = np.array([float(f.is_treated.sum()) for f in fits])
    pre = sorted({b for f in fits for b in f.bins if b < ref})
    if not pre:
        return math.nan, math.nan, 0
    points = pre + [ref]
    years = np.array(points, dtype=float) * bin_months / 12.0
    v = (years - years.mean()) / np.sum((years - years.mean()) ** 2)
    slope, pieces = 0.0, []
    for k, f in enumerate(fits):
        u = np.zeros(len(f.bins))
        for i, b in enumerate(pre):
            if b in f.bins:
                have = [j for j, g in enumerate(fits) if b in g.bins]
                u[f.bins.index(b)] = v[i] * sizes[k] / sizes[have].sum()
        if not np.any(u):
            continue
        slope += float(u @ f.theta)
        mask = u != 0
        alpha = (f.bin_infl[:, mask] @ np.abs(u[mask])) / np.abs(u[mask]).sum()
        s_i = f.bin_change[:, mask] @ u[mask]
        samp = (f.bin_var[:, mask] @ u[mask] ** 2) + f.ref_var * u[mask].sum() ** 2
        pieces.append((1.0, f.ids, f.is_treated, alpha, s_i, samp))
    if not pieces:
        return math.nan, math.nan, 0
    se, df = _combine(pieces)
    return slope, se, df


def _rtm(kind: str, histories: list[pd.DataFrame], fits: list[_CohortFit]) -> tuple[float, float, str | None]:
    """Regression-to-the-mean check, calibrated on placebo starts (z, p, why not assessed).

    For each district, the "spike" is the log ratio of its mean in the 3 months before a start to
    its mean in the 12 months before those (for surveys, the difference in mean log score). The
    statistic is the treated districts' mean spike minus the controls', averaged over cohorts. The
    same statistic at every earlier pseudo-start whose recent months end before the real ones
    (3, 4, ... months earlier, as far as each cohort's history reaches) describes how such
    contrasts wander with no program at all: their mean is subtracted (a steady difference in
    trends is the pre-trend check's business, not a swing), and the statistic's variance, computed
    at each start as for the estimate (spread of the district spikes around their group means; for
    surveys each district's own sampling variance plus that drift, Hartung-Knapp), is averaged over
    the real and placebo starts. t reference with (G - cohorts - 1) degrees of freedom per
    non-overlapping 15-month stretch of history: the placebo windows overlap, so they do not count
    as independent.
    """
    span = RTM_RECENT_MONTHS + RTM_BASELINE_MONTHS
    sizes = np.array([float(f.is_treated.sum()) for f in fits])
    omega = sizes / sizes.sum()
    per_cohort, months_before = [], []
    for hist, f in zip(histories, fits):
        hist = hist[hist["district_id"].isin(f.ids)]
        if hist.empty or -int(hist["rel"].min()) < span:
            return math.nan, math.nan, N_("needs 15 months before the start")
        H = -int(hist["rel"].min())
        months_before.append(H)
        g = hist["district_id"].map({d: i for i, d in enumerate(f.ids)}).to_numpy()
        col = hist["rel"].to_numpy() + H  # 0 .. H-1
        n = len(f.ids)
        w = hist["w"].to_numpy(float)
        sums = np.zeros((3, n, H))  # weighted values, weights, squared weights x sampling variance
        np.add.at(sums[0], (g, col), w * hist["y"].to_numpy(float))
        np.add.at(sums[1], (g, col), w)
        if kind != "poisson":
            np.add.at(sums[2], (g, col), w**2 * np.nan_to_num(hist["var"].to_numpy(float), nan=0.0))
        cum = np.concatenate([np.zeros((3, n, 1)), np.cumsum(sums, axis=2)], axis=2)
        ks = np.array([0] + list(range(RTM_RECENT_MONTHS, H - span + 1)))
        end = H - ks
        mid, first = end - RTM_RECENT_MONTHS, end - span
        ry, rw, rv = cum[:, :, end] - cum[:, :, mid]
        by, bw, bv = cum[:, :, mid] - cum[:, :, first]
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "poisson":
                spike = (np.log(np.maximum(ry, 0.5) / RTM_RECENT_MONTHS)
                         - np.log(np.maximum(by, 0.5) / RTM_BASELINE_MONTHS))
                samp = np.zeros_like(spike)
            else:
                spike = np.where((rw > 0) & (bw > 0), ry / rw - by / bw, np.nan)
                samp = np.where((rw > 0) & (bw > 0), rv / rw**2 + bv / bw**2, 0.0)
        per_cohort.append((ks, spike, samp, f.is_treated))
    df_one = len({d for f in fits for d in f.ids}) - 1 - len(fits)
    if df_one < 1:
        return math.nan, math.nan, N_("too few districts")
    k_max = min(int(ks.max()) for ks, *_rest in per_cohort)
    D = np.zeros(int(np.sum(per_cohort[0][0] <= k_max)))  # at 0, then 3 .. k_max months earlier
    var_t, sd_c = np.zeros_like(D), np.zeros_like(D)
    for (ks, spike, samp, tr), o in zip(per_cohort, omega):
        sel = ks <= k_max
        sp, v = spike[:, sel], samp[:, sel]
        ok = np.isfinite(sp)
        n_t, n_c = ok[tr].sum(axis=0), ok[~tr].sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a start without surveys in one group
            mt, mc = np.nanmean(sp[tr], axis=0), np.nanmean(sp[~tr], axis=0)
        resid = np.where(ok, np.where(tr[:, None], sp - mt, sp - mc), 0.0)
        v = np.where(ok, v, 0.0)
        d_k = np.maximum(n_t - 1, 0) + np.maximum(n_c - 1, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lev = np.where(tr[:, None], 1.0 / n_t, 1.0 / n_c)
            tau2 = np.maximum(0.0, (np.sum(resid**2, axis=0) - np.sum(v * (1 - lev), axis=0)) / d_k)
            V = np.where(ok, v + tau2, 0.0)
            q = np.sum(np.where(ok & (V > 0), resid**2 / V, 0.0), axis=0) / d_k
            V = V * np.where(np.any(v > 0, axis=0), np.maximum(1.0, q) if _HK_AT_LEAST_ONE else q, 1.0)
            var_t += o**2 * np.sum(np.where(tr[:, None], V, 0.0), axis=0) / n_t**2
            sd_c += o * np.sqrt(np.sum(np.where(tr[:, None], 0.0, V), axis=0) / n_c**2)
        D += o * (mt - mc)
    var_d = var_t + sd_c**2  # controls' parts of different cohorts taken to move together
    valid = np.isfinite(D) & np.isfinite(var_d)
    if not valid[0]:
        return math.nan, math.nan, N_("too few districts")
    placebo = np.flatnonzero(valid[1:]) + 1
    if len(placebo) == 0:
        var, centre, inflate, df = var_d[0], 0.0, 1.0, df_one
    else:
        var = float(np.mean(var_d[np.concatenate([[0], placebo])]))
        centre, inflate = float(np.mean(D[placebo])), 1.0 + 1.0 / len(placebo)
        df = df_one * max(1, min(months_before) // span)
    gap = D[0] - centre
    if not var > 0:
        return (0.0, 1.0, None) if abs(gap) < 1e-12 else (math.copysign(math.inf, gap), 0.0, None)
    z = gap / math.sqrt(var * inflate)
    return float(z), float(2 * stats.t.sf(abs(z), df)), None


def _runup_estimate(kind: str, prepared, cohorts: list[_Cohort], bin_months: int, inference: str,
                    n_groups: int) -> tuple[float, float, float]:
    """The estimate with the 3 months before each start left out of the comparison (relative effect and
    interval): what remains if the treated districts' unusual run-up is not taken as their normal."""
    fits = []
    for c, (sub, _hist, t_ids, c_ids) in zip(cohorts, prepared):
        part = sub[~sub["rel"].between(-RTM_RECENT_MONTHS, -1)]
        if part.empty or (part["rel"] < 0).sum() == 0:
            return math.nan, math.nan, math.nan
        fits.append(_fit_cohort(kind, part, t_ids, c_ids, c, bin_months, inference, event=False))
    beta, se, df, _omega = _aggregate(fits, inference, n_groups)
    lo, hi, _p = _t_interval(beta, se, df)
    return (math.expm1(beta), math.expm1(lo) if np.isfinite(lo) else math.nan,
            math.expm1(hi) if np.isfinite(hi) else math.nan)


# --------------------------------------------------------------------------------------------
# Every program
# --------------------------------------------------------------------------------------------


def evaluate_programs(
    tables: Mapping[str, pd.DataFrame],
    program: str | None = None,
    *,
    date_basis: str = "occurred",
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
) -> pd.DataFrame:
    """One row per program and outcome (incidents; trust when surveys cover its districts).

    Treated = the program's districts, each from its own start date to its own end date (when it
    has one). Controls = districts never in any program; districts of other programs are excluded.
    ``start`` is the earliest start. A demo city's ``demo_truth`` adds a ``true_effect`` column.
    Raises ValueError (naming the program) when the incident data cannot evaluate it; a trust
    comparison the surveys cannot support is a row with a ``note`` instead. ``pretrend_ok`` is NA
    when no pre-trend test was possible.
    """
    programs = tables.get("programs")
    columns = list(_EVALUATE_COLUMNS)
    if programs is None or programs.empty:
        if program is not None:
            raise ValueError(_("unknown program {name}: there are no programs").format(name=repr(program)))
        return _typed(pd.DataFrame(columns=columns))
    programs = programs.assign(district_id=programs["district_id"].astype(str))
    names = list(dict.fromkeys(programs["name"]))
    if program is not None:
        if program not in names:
            raise ValueError(_("unknown program {name}; programs are: {names}").format(
                name=repr(program), names=", ".join(names)))
        names = [program]
    rows = []
    for name in names:
        for outcome, res in program_results(tables, name, date_basis=date_basis, window_months=window_months,
                                            bin_months=bin_months, inference=inference):
            if isinstance(res, DidResult):
                rows.append(_evaluate_row(name, res))
            else:
                rows.append({"program": name, "outcome": outcome, "note": res})
    out = pd.DataFrame(rows, columns=columns)
    truth = tables.get("demo_truth")
    if truth is not None and not truth.empty:
        t = truth.rename(columns={"relative_effect": "true_effect"})[["program", "outcome", "true_effect"]]
        out = out.merge(t, on=["program", "outcome"], how="left")
    return _typed(out)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for col in ("n_treated", "n_control", "pre_months", "post_months"):
        out[col] = out[col].astype("Int64")
    for col in ("pretrend_ok", "rtm_flag", "staggered"):
        out[col] = out[col].astype("boolean")
    for col in _FLOAT_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    return out


def program_dates(programs: pd.DataFrame, name: str) -> tuple[list[str], dict[str, dt.date], dict[str, dt.date | None]]:
    """A program's districts with each one's start and end date (None while it runs). A district
    listed twice keeps its earliest start and latest end (no end if any row has none)."""
    prog = programs[programs["name"] == name].assign(district_id=lambda f: f["district_id"].astype(str))
    treated = sorted(set(prog["district_id"]), key=_natural_key)
    starts, ends = {}, {}
    end_col = prog["end_date"] if "end_date" in prog.columns else pd.Series(None, index=prog.index)
    for d in treated:
        rows = prog["district_id"] == d
        starts[d] = pd.to_datetime(prog.loc[rows, "start_date"]).min().date()
        e = pd.to_datetime(end_col[rows])
        ends[d] = None if e.isna().any() else e.max().date()
    return treated, starts, ends


def program_results(
    tables: Mapping[str, pd.DataFrame],
    name: str,
    *,
    date_basis: str = "occurred",
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
) -> list[tuple[str, "DidResult | str"]]:
    """The full results for one program: [("incidents", DidResult), ("trust", DidResult or a note)].

    ``tables`` holds programs, districts, trust_surveys and either ``monthly_incidents`` (district x
    month net counts, e.g. from the daily aggregate) or raw ``incidents``. Every district is
    evaluated from its own start date to its own end date (``program_dates``).
    """
    programs = tables["programs"].assign(district_id=lambda f: f["district_id"].astype(str))
    district_ids = tables["districts"]["id"].astype(str) if "districts" in tables else None
    if "monthly_incidents" in tables:
        monthly = monthly_grid(tables["monthly_incidents"], district_ids)
    else:
        monthly = monthly_incidents(tables["incidents"], date_basis=date_basis, districts=district_ids)
    in_any = set(programs["district_id"])
    never = [d for d in monthly["district_id"].unique() if d not in in_any]
    if programs[programs["name"] == name].empty:
        raise ValueError(_("unknown program {name}").format(name=repr(name)))
    treated, starts, ends = program_dates(programs, name)
    exclude = in_any - set(treated)
    kwargs = dict(end=ends, window_months=window_months, bin_months=bin_months, inference=inference, label=name)
    incidents = did_incidents(monthly, treated, starts, controls=never, exclude=exclude, **kwargs)
    results: list[tuple[str, DidResult | str]] = [
        ("incidents", _with_robustness(incidents, monthly, starts, ends, never, "count", window_months))]
    surveys = tables.get("trust_surveys")
    if surveys is not None and not surveys.empty:
        trust_rows = surveys[(surveys["measure"] == "trust") & surveys["district_id"].astype(str).isin(treated)]
        if not trust_rows.empty:
            try:
                trust = did_trust(surveys, treated, starts, controls=never, exclude=exclude, **kwargs)
                results.append(("trust", _with_robustness(trust, surveys[surveys["measure"] == "trust"], starts, ends,
                                                          never, "score", window_months, time="period_start")))
            except ValueError as err:
                results.append(("trust", str(err)))
    return results


def _with_robustness(res: DidResult, panel: pd.DataFrame, starts, ends, never: list[str], kind: str,
                     window_months: int | None, time: str = "month") -> DidResult:
    """The result with the second estimator beside it (``synthetic.synthetic_did``: synthetic
    difference-in-differences against the never-treated districts, placebo-in-space p-value). It never
    replaces the main estimate; the page says when the two disagree."""
    syn = synthetic.synthetic_did(panel, starts, ends, never, kind, window_months, time=time)
    if not syn.estimable:
        return replace(res, notes=res.notes + tuple(syn.notes))
    return replace(res, robust_estimate=syn.estimate, robust_p=syn.placebo_p, robust_min_p=syn.min_p,
                   robust_method=N_("synthetic difference-in-differences"))


def _evaluate_row(name: str, res: DidResult) -> dict:
    return {
        "program": name, "outcome": res.outcome, "estimate": res.estimate, "ci_low": res.ci_low,
        "ci_high": res.ci_high, "p_value": res.p_value, "pretrend_p": res.pretrend_p,
        "pretrend_ok": pd.NA if res.pretrend_ok is None else res.pretrend_ok,
        "pretrend_slope": res.pretrend_slope, "pretrend_slope_p": res.pretrend_slope_p,
        "detectable_trend": res.detectable_trend, "breakdown_trend": res.breakdown_trend,
        "min_permutation_p": res.min_permutation_p, "rtm_flag": res.rtm_flag, "rtm_p": res.rtm_p,
        "robust_estimate": res.robust_estimate, "robust_ci_low": res.robust_ci_low,
        "robust_ci_high": res.robust_ci_high, "robust_p": res.robust_p, "robust_method": res.robust_method,
        "n_treated": res.n_treated, "n_control": res.n_control, "pre_months": res.pre_months,
        "post_months": res.post_months, "start": res.start, "staggered": res.staggered,
        "note": " ".join(res.notes) or None,
    }
