"""The statistics behind "Engagement, crime and trust": honest comparisons and program evaluation.

Pure functions: plain DataFrames shaped like the warehouse tables (or simple aggregates of them)
in, DataFrames and dataclasses out. Pages and the command line call these; nothing here reads
the warehouse, draws a chart or imports Streamlit.

Contents (the descriptive statistics around the evaluation have their own modules:
``period_comparisons``, ``funnel``, ``engagement_stats``, ``costs``)

* ``monthly_incidents``                 net incidents per district and month, zeros filled.
* ``did_incidents`` / ``did_trust``     difference-in-differences for one program, with an event
                                        study, a pre-trend test and a regression-to-the-mean flag.
* ``evaluate_programs``                 both outcomes for every program (what ``evaluate`` prints).
* ``trust_table`` / ``reporting_sensitivity``   survey scores with small samples suppressed;
                                        districts where trust and recorded crime rose together.
* ``representativeness``                who attends engagement against who lives there.

How the program evaluation reasons (read this before changing it)
-----------------------------------------------------------------

The point estimate is the textbook one: a Poisson regression of monthly counts (or a weighted
regression of the log survey score) with district and month fixed effects and one indicator
"treated district, on or after the start". ``exp(coefficient) - 1`` is the relative effect.

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
assumption about correlation over time within a district. For survey scores the spread is
pooled in score points and converted back for each district: survey noise is roughly constant
in points, so a low-trust district's relative changes are noisier (in the demo city the
lowest-scoring district's log changes vary about twice as much as the others').

The estimate uses a window of ``window_months`` (default 24) either side of the start, which is
standard and keeps seasonal composition balanced; the longer the window, the more any
difference in district trends accumulates into the comparison (with every month of the demo
city the intervals stay honest but are about half as wide again).

Checked against the demo city's injected effects (``benchmarks/did_coverage.py``, 300 seeds,
24-month window): coverage of the 95 % interval 94-96 % and false-positive rate at no effect
3-6 % for every program and both outcomes, about 50 ms per estimate. CR1 errors on the same
cities cover about 70 % for the one-district program (26-43 % false positives). A
random-effects variant (each district's known Poisson or survey sampling variance plus a
shared drift term, Hartung-Knapp scaling) was tried and dropped: no better for trust and
slightly anti-conservative for incidents (false positives up to 7 %).

The event study uses the same machinery per bin of ``bin_months`` (default a quarter) relative
to the start, the bin just before the start being the reference (its coefficient is 0 by
definition). The pre-trend p-value is a joint Wald test that every pre-start event-study
coefficient is zero: each coefficient's variance is the district-level one behind its interval,
their correlations come from the fitted model, and the statistic / K is referred to F(K, G - 2).
A test that assumed independent month-to-month noise instead (quasi-Poisson or WLS covariance)
fails far too often on survey scores, whose local swings persist for months (about 20 % of the
time in the demo city with no effect, against 2-6 % for this one). A pass is weak
evidence with few districts (Roth 2022, "Pretest with caution"); look at the event study too.

Regression to the mean (``rtm_flag``): programs are often started after a bad spell. For each
district, compare the 3 months before the start with the 12 months before those (log ratio of
the monthly means; for trust, the difference in mean log score). The treated districts' mean
of that "spike" minus the controls' mean, divided by its standard error, is ``rtm_z``; its
variance combines the known sampling variance (Poisson for counts; the surveys' margins of
error for scores) with any extra between-district variance seen among the controls (method
of moments). The flag is raised when |z| > 2, in either direction (a spike before the start
makes a program look better than it is; a dip makes it look worse). Needs 15 months before the
start; otherwise not assessed (flag False, z NaN, a note says so).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from community_policing.i18n import N_, _, format_month, format_month_short

__all__ = [
    "ASSOCIATION_CAPTION",
    "REPORTING_NOTE",
    "DidResult",
    "did_incidents",
    "did_trust",
    "evaluate_programs",
    "monthly_incidents",
    "reporting_sensitivity",
    "trust_table",
]

ASSOCIATION_CAPTION = N_(
    "Association, not effect: engagement is sent where crime is high, so districts and quarters "
    "with more engagement can show any pattern in later crime or trust for reasons that have "
    "nothing to do with the engagement itself (targeting, and regression to the mean after a bad "
    "spell). Points from the same district are not independent, so the interval is optimistic. "
    "For effects, see the program evaluation."
)
REPORTING_NOTE = N_(
    "Rising trust can raise reporting, so more recorded crime may mean more confidence in the "
    "police, not more crime."
)

DEFAULT_WINDOW_MONTHS = 24
DEFAULT_BIN_MONTHS = 3
MIN_PRE_MONTHS = 6
MIN_POST_MONTHS = 3
RTM_RECENT_MONTHS = 3
RTM_BASELINE_MONTHS = 12
RTM_Z = 2.0
PRETREND_ALPHA = 0.05
INFERENCE_METHODS = ("district", "cr1")

_EVALUATE_COLUMNS = [
    "program", "outcome", "estimate", "ci_low", "ci_high", "p_value", "pretrend_p", "pretrend_ok",
    "rtm_flag", "n_treated", "n_control", "pre_months", "post_months", "start", "note",
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


def _natural_key(value: str):
    text = str(value)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


# ============================================================================================
# Difference-in-differences
# ============================================================================================


@dataclass(frozen=True, eq=False)
class DidResult:
    """One program, one outcome: difference-in-differences estimate and its diagnostics.

    ``estimate``, ``ci_low`` and ``ci_high`` are relative effects (rate or score ratio minus 1:
    -0.15 means 15 % fewer incidents than the comparison districts' change predicts).
    ``event_study`` has one row per bin of ``bin_months`` relative to the start (rel_period -1
    is the reference, fixed at 0). See the module docstring for how each number is computed.
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
    pretrend_ok: bool
    rtm_flag: bool
    rtm_z: float
    treated: tuple[str, ...]
    controls: tuple[str, ...]
    start: dt.date
    log_estimate: float
    se_log: float
    df: int
    notes: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        return bool(self.p_value < 0.05) if not math.isnan(self.p_value) else False

    def covers(self, value: float) -> bool:
        """Whether the 95 % interval contains ``value`` (a relative effect)."""
        return bool(self.ci_low <= value <= self.ci_high)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the months the estimate compares (``pre_months`` before the start,
        ``post_months`` from it)."""
        start = pd.Timestamp(self.start)
        return ((start - pd.DateOffset(months=self.pre_months)).date(),
                (start + pd.DateOffset(months=self.post_months) - pd.Timedelta(days=1)).date())


def did_incidents(
    monthly: pd.DataFrame,
    treated: Sequence[str],
    start: dt.date,
    controls: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    *,
    end: dt.date | None = None,
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
    label: str | None = None,
) -> DidResult:
    """Difference-in-differences of monthly incident counts (see the module docstring).

    ``monthly`` is shaped like ``monthly_incidents`` (district_id, month, incidents). Controls
    default to every district in ``monthly`` that is neither treated nor in ``exclude`` (pass the
    districts treated by other programs there). ``end`` drops months after a program ended;
    ``window_months=None`` uses all months. ``inference="cr1"`` gives cluster-robust CR1
    standard errors with t(G-1) instead (kept for comparison; it undercovers, see above).
    ``label`` (a program name) is used in error messages.
    """
    name = label or "program"
    frame = monthly[["district_id", "month", "incidents"]].copy()
    frame = frame[frame["district_id"].notna()]
    frame["district_id"] = frame["district_id"].astype(str)
    frame["month"] = _month_floor(frame["month"]).to_numpy()
    frame = frame.groupby(["district_id", "month"], as_index=False)["incidents"].sum()
    treated_ids, control_ids = _choose_groups(set(frame["district_id"]), treated, controls, exclude, name)
    s0, dropped_partial = _first_full_month(start)
    _check_span(frame["month"], s0, name, _("incidents"), dropped_partial)

    months = pd.date_range(frame["month"].min(), frame["month"].max(), freq="MS")
    ids = treated_ids + control_ids
    grid = pd.MultiIndex.from_product([ids, months], names=["district_id", "month"])
    panel = frame.set_index(["district_id", "month"])["incidents"].reindex(grid, fill_value=0).reset_index()
    panel = panel.rename(columns={"incidents": "y"})
    panel["y"] = panel["y"].astype(float).clip(lower=0.0)  # net counts below zero: floor at zero
    panel["w"] = 1.0
    panel["var"] = np.nan
    panel = _add_timing(panel, s0, dropped_partial, start, end, window_months)
    notes = []
    if dropped_partial:
        notes.append(_("The start month {month} is only partly treated and is left out.").format(
            month=format_month(pd.Timestamp(start))))
    # Months in which no district has any incident carry no information (and break the fit).
    month_totals = panel.groupby("month")["y"].transform("sum")
    if (month_totals <= 0).any():
        n_empty = panel.loc[month_totals <= 0, "month"].nunique()
        notes.append(_("{n} month(s) with no incidents anywhere are left out.").format(n=n_empty))
        panel = panel[month_totals > 0]
    district_totals = panel.groupby("district_id")["y"].transform("sum")
    empty = sorted(set(panel.loc[district_totals <= 0, "district_id"]))
    if empty:
        if set(empty) & set(treated_ids):
            raise ValueError(_("{name}: treated district(s) {ids} have no incidents in the window").format(
                name=name, ids=", ".join(empty)))
        notes.append(_("Control district(s) {ids} have no incidents in the window and are left out.").format(
            ids=", ".join(empty)))
        panel = panel[district_totals > 0]
        control_ids = [c for c in control_ids if c not in empty]
        if not control_ids:
            raise ValueError(_("{name}: no control district has incidents in the window").format(name=name))
    return _did(panel, "poisson", treated_ids, control_ids, start, bin_months, inference, window_months,
                name, notes)


def did_trust(
    trust: pd.DataFrame,
    treated: Sequence[str],
    start: dt.date,
    controls: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    measure: str = "trust",
    *,
    end: dt.date | None = None,
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    bin_months: int = DEFAULT_BIN_MONTHS,
    inference: str = "district",
    label: str | None = None,
) -> DidResult:
    """Difference-in-differences of survey scores (rows shaped like ``trust_surveys``).

    Weighted least squares of log(score) on district and survey-period fixed effects and the
    treated x post indicator, weighted by respondents, so ``exp(coefficient) - 1`` is a relative
    change in the score. Inference, event study, pre-trend and regression-to-the-mean flag as in
    ``did_incidents``. Survey periods that straddle the start are left out.
    """
    name = label or "program"
    rows = trust[trust["measure"] == measure] if "measure" in trust.columns else trust
    rows = rows[rows["district_id"].notna() & rows["score"].notna()]
    notes = []
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
    panel = panel[panel["district_id"].isin(treated_ids + control_ids)]
    s0, dropped_partial = _first_full_month(start)
    straddle = (panel["month"] < s0) & (panel["period_end"] >= pd.Timestamp(start))
    if straddle.any():
        notes.append(_("Survey periods that straddle the start are left out."))
        panel = panel[~straddle]
    _check_span(panel["month"], s0, name, surveys, dropped_partial)
    panel = _combine_surveys(panel)
    panel = _add_timing(panel, s0, dropped_partial, start, end, window_months)
    for ids, role in ((treated_ids, "treated"), (control_ids, "control")):
        have = set(panel["district_id"])
        if not any(d in have for d in ids):
            raise ValueError((_("{name}: no {surveys} for the treated districts in the window") if role == "treated"
                              else _("{name}: no {surveys} for the control districts in the window")).format(
                name=name, surveys=surveys))
    control_ids = [c for c in control_ids if c in set(panel["district_id"])]
    treated_ids = [t for t in treated_ids if t in set(panel["district_id"])]
    return _did(panel, "wls", treated_ids, control_ids, start, bin_months, inference, window_months, name, notes)


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
        model = sm.GLM(y, X, family=sm.families.Poisson())
        with warnings.catch_warnings():
            # Raised when the fit is exact (noise-free data); harmless for a count model.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            res = model.fit(tol=1e-12, maxiter=200, scale="X2" if scale_x2 else None)
        return model, res, res.fittedvalues  # IRLS weights of a log-link Poisson model = mu
    model = sm.WLS(y, X, weights=w)
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


def _between_district_sd(changes: np.ndarray, is_treated: np.ndarray, level: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Pooled SD of district changes around their group means, per column, and its df.

    Residuals are multiplied by each district's ``level`` first (1 for counts; the mean score
    for surveys, whose noise is about constant in score points), so the SD is on that scale.
    """
    ok = ~np.isnan(changes)
    resid = np.zeros_like(changes)
    dfs = np.zeros(changes.shape[1], dtype=int)
    for grp in (is_treated, ~is_treated):
        sub = np.where(ok[grp], changes[grp], np.nan)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(sub, axis=0) if sub.size else np.zeros(changes.shape[1])
        resid[grp] = np.where(ok[grp], changes[grp] - mean, 0.0) * level[grp, None]
        dfs += np.maximum(ok[grp].sum(axis=0) - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt((resid**2).sum(axis=0) / dfs)
    return sd, dfs


def _t_interval(beta: float, se: float, df: float) -> tuple[float, float, float]:
    if not np.isfinite(se) or df < 1:
        return math.nan, math.nan, math.nan
    if se < 1e-10:  # noise-free data
        return beta, beta, (0.0 if abs(beta) > 1e-9 else 1.0)
    q = stats.t.ppf(0.975, df)
    return beta - q * se, beta + q * se, float(2 * stats.t.sf(abs(beta) / se, df))


def _did(panel: pd.DataFrame, kind: str, treated_ids: list[str], control_ids: list[str], start,
         bin_months: int, inference: str, window_months: int | None, name: str, notes: list[str]) -> DidResult:
    if inference not in INFERENCE_METHODS:
        raise ValueError(f"inference must be one of {', '.join(INFERENCE_METHODS)}, not {inference!r}")
    if bin_months < 1:
        raise ValueError("bin_months must be at least 1")
    panel = panel.sort_values(["district_id", "month"]).reset_index(drop=True)
    ids = treated_ids + control_ids
    is_treated = np.array([d in set(treated_ids) for d in ids])
    g = panel["district_id"].map({d: i for i, d in enumerate(ids)}).to_numpy()
    rel = panel["rel"].to_numpy()
    post = rel >= 0
    treated_row = is_treated[g]
    y, w = panel["y"].to_numpy(float), panel["w"].to_numpy(float)
    pre_months, post_months = int(panel.loc[~post, "month"].nunique()), int(panel.loc[post, "month"].nunique())
    n_groups = len(ids)
    level = _district_level(kind, panel, g, n_groups)

    # Headline: one treated x post indicator.
    X = _design(panel, [(treated_row & post).astype(float)])
    model, res, irls_w = _fit(kind, y, X, w)
    beta = float(res.params[-1])
    if inference == "district":
        c = _influence(X, irls_w, [X.shape[1] - 1], np.where(post, g, -1), n_groups)[:, 0]
        changes = _cell_changes(kind, panel, post.astype(int), ids, 2, 0)[:, [1]]
        sd, dfs = _between_district_sd(changes, is_treated, level)
        df = int(dfs[0])
        se = float(sd[0] * np.sqrt(np.sum((c / level) ** 2))) if df >= 1 else math.nan
    else:
        cres = model.fit(cov_type="cluster", tol=1e-12, maxiter=200,
                         cov_kwds={"groups": g, "use_correction": True, "df_correction": True})
        se, df = float(cres.bse[-1]), n_groups - 1
    lo, hi, p = _t_interval(beta, se, df)
    if df < 1:
        notes.append(_("Too few districts for a confidence interval (need at least 3)."))

    # Event study, pre-trend test.
    event, pretrend_p, why = _event_study(kind, panel, g, ids, is_treated, treated_row, bin_months, inference,
                                          level)
    if math.isnan(pretrend_p):
        notes.append(_("Pre-trend test not possible: {why}.").format(why=_(why)))
    # Regression to the mean.
    rtm_z = _rtm_z(kind, panel, g, is_treated)
    if math.isnan(rtm_z):
        notes.append(_("Regression to the mean not assessed: needs {n} months before the start.").format(
            n=RTM_RECENT_MONTHS + RTM_BASELINE_MONTHS))
    elif abs(rtm_z) > RTM_Z:
        notes.append((_(
            "Regression to the mean: in the 3 months before the start the treated districts were "
            "unusually higher than their own previous 12 months, compared with the controls "
            "(z = {z}); part of the change after the start may be a return to normal.") if rtm_z > 0 else _(
            "Regression to the mean: in the 3 months before the start the treated districts were "
            "unusually lower than their own previous 12 months, compared with the controls "
            "(z = {z}); part of the change after the start may be a return to normal.")).format(z=f"{rtm_z:+.1f}"))

    model_text = (_("Poisson regression of monthly incident counts with district and month fixed effects and a "
                    "treated x post indicator") if kind == "poisson" else
                  _("Weighted least squares of log survey score, weighted by respondents with district and month "
                    "fixed effects and a treated x post indicator"))
    window_text = (_("{n} months either side of the start").format(n=window_months) if window_months
                   else _("all months"))
    if inference == "district":
        infer_text = _("95% interval from the spread of district-level pre/post changes "
                       "(Donald-Lang two-step, t with G-2 = {df} df; cluster-robust errors are "
                       "unreliable with {n} treated district(s))").format(df=df, n=len(treated_ids))
    else:
        infer_text = _("95% interval from cluster-robust CR1 errors, t with G-1 = {df} df").format(df=df)
    groups_text = _("{treated} treated vs {control} control districts").format(treated=len(treated_ids),
                                                                             control=len(control_ids))
    method = f"{model_text}; {window_text}; {groups_text}; {infer_text}."

    return DidResult(
        outcome="incidents" if kind == "poisson" else "trust",
        estimate=math.expm1(beta),
        ci_low=math.expm1(lo) if np.isfinite(lo) else math.nan,
        ci_high=math.expm1(hi) if np.isfinite(hi) else math.nan,
        p_value=p,
        n_treated=len(treated_ids),
        n_control=len(control_ids),
        pre_months=pre_months,
        post_months=post_months,
        method=method,
        event_study=event,
        pretrend_p=pretrend_p,
        pretrend_ok=bool(pretrend_p >= PRETREND_ALPHA) if not math.isnan(pretrend_p) else False,
        rtm_flag=bool(abs(rtm_z) > RTM_Z) if not math.isnan(rtm_z) else False,
        rtm_z=rtm_z,
        treated=tuple(treated_ids),
        controls=tuple(control_ids),
        start=pd.Timestamp(start).date(),
        log_estimate=beta,
        se_log=se,
        df=df,
        notes=tuple(notes),
    )


def _district_level(kind: str, panel: pd.DataFrame, g: np.ndarray, n: int) -> np.ndarray:
    """Scale on which district deviations are taken to be equally variable (see _between_district_sd)."""
    if kind == "poisson":
        return np.ones(n)
    w = panel["w"].to_numpy(float)
    return np.bincount(g, weights=w * np.exp(panel["y"].to_numpy(float)), minlength=n) / np.bincount(
        g, weights=w, minlength=n)


def _event_study(kind, panel, g, ids, is_treated, treated_row, bin_months, inference, level
                 ) -> tuple[pd.DataFrame, float, str | None]:
    rel = panel["rel"].to_numpy()
    bins = np.floor_divide(rel, bin_months)
    levels = np.unique(bins)
    ref = -1
    others = [int(b) for b in levels if b != ref]
    columns = [(treated_row & (bins == b)).astype(float) for b in others]
    X = _design(panel, columns)
    y, w = panel["y"].to_numpy(float), panel["w"].to_numpy(float)
    model, res, irls_w = _fit(kind, y, X, w, scale_x2=True)
    k0 = X.shape[1] - len(others)
    theta = np.asarray(res.params[k0:], dtype=float)
    bin_index = {int(b): i for i, b in enumerate(levels)}
    if inference == "district" and ref in bin_index:
        period = np.array([bin_index[int(b)] for b in bins])
        cells = np.where(np.isin(bins, others), g * len(levels) + period, -1)
        infl = _influence(X, irls_w, list(range(k0, X.shape[1])), cells, len(ids) * len(levels))
        infl = infl.reshape(len(ids), len(levels), len(others))
        changes = _cell_changes(kind, panel, period, ids, len(levels), bin_index[ref])
        sd, dfs = _between_district_sd(changes, is_treated, level)
        se = np.array([sd[bin_index[b]] * np.sqrt(np.sum((infl[:, bin_index[b], j] / level) ** 2))
                       if dfs[bin_index[b]] >= 1 else np.nan for j, b in enumerate(others)])
        dfs_b = np.array([dfs[bin_index[b]] for b in others])
    else:
        cres = model.fit(cov_type="cluster", tol=1e-12, maxiter=200,
                         cov_kwds={"groups": g, "use_correction": True, "df_correction": True})
        se = np.asarray(cres.bse[k0:], dtype=float)
        dfs_b = np.full(len(others), len(ids) - 1)
    rows = []
    for j, b in enumerate(others):
        lo, hi, _ = _t_interval(theta[j], se[j], dfs_b[j])
        rows.append((b, b * bin_months, math.expm1(theta[j]), math.expm1(lo), math.expm1(hi), False))
    rows.append((ref, ref * bin_months, 0.0, math.nan, math.nan, True))
    event = pd.DataFrame(rows, columns=["rel_period", "first_month", "coef", "ci_low", "ci_high", "reference"])
    event = event.sort_values("rel_period", ignore_index=True)

    # Pre-trend: joint Wald test that every pre-start coefficient is zero. Each coefficient's
    # variance is the same district-level one as its interval; their correlations (mostly from
    # the shared reference bin) come from the model-based covariance. F(K, df) with the
    # district-level df (G - 2), the usual small-sample reference for an estimated covariance.
    pre = [j for j, b in enumerate(others) if b < ref]
    if len(pre) < 1 or ref not in bin_index:
        return event, math.nan, N_("fewer than two bins before the start")
    th = theta[pre]
    df_test = int(np.min(dfs_b[pre]))
    if df_test < 1 or not np.all(np.isfinite(se[pre])):
        return event, math.nan, N_("too few districts")
    if np.all(se[pre] < 1e-10):  # noise-free data
        return event, (1.0 if np.allclose(th, 0, atol=1e-9) else 0.0), None
    idx = [k0 + j for j in pre]
    model_cov = np.asarray(res.cov_params())[np.ix_(idx, idx)]
    model_sd = np.sqrt(np.diag(model_cov))
    if not np.all(model_sd > 0):
        return event, math.nan, N_("no variation left to test against")
    corr = model_cov / np.outer(model_sd, model_sd)
    cov = np.outer(se[pre], se[pre]) * corr
    try:
        stat = float(th @ np.linalg.solve(cov, th)) / len(pre)
    except np.linalg.LinAlgError:
        return event, math.nan, N_("singular covariance")
    return event, float(stats.f.sf(stat, len(pre), df_test)), None


def _rtm_z(kind, panel, g, is_treated) -> float:
    rel = panel["rel"].to_numpy()
    if rel.min() > -(RTM_RECENT_MONTHS + RTM_BASELINE_MONTHS):
        return math.nan
    recent = (rel >= -RTM_RECENT_MONTHS) & (rel < 0)
    base = (rel >= -(RTM_RECENT_MONTHS + RTM_BASELINE_MONTHS)) & (rel < -RTM_RECENT_MONTHS)
    y, w, var = panel["y"].to_numpy(float), panel["w"].to_numpy(float), panel["var"].to_numpy(float)
    n = len(is_treated)
    spike, v = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        r, b = recent & (g == i), base & (g == i)
        if not r.any() or not b.any():
            continue
        if kind == "poisson":
            yr, yb = max(y[r].sum(), 0.5), max(y[b].sum(), 0.5)
            spike[i] = math.log(yr / r.sum()) - math.log(yb / b.sum())
            v[i] = 1.0 / yr + 1.0 / yb
        else:
            spike[i] = np.average(y[r], weights=w[r]) - np.average(y[b], weights=w[b])
            vr = np.sum(w[r] ** 2 * var[r]) / w[r].sum() ** 2
            vb = np.sum(w[b] ** 2 * var[b]) / w[b].sum() ** 2
            v[i] = vr + vb if np.isfinite(vr + vb) else 0.0
    t_ok = is_treated & ~np.isnan(spike)
    c_ok = ~is_treated & ~np.isnan(spike)
    if not t_ok.any() or not c_ok.any():
        return math.nan
    tau2 = 0.0
    if c_ok.sum() >= 2:
        tau2 = max(0.0, float(np.var(spike[c_ok], ddof=1) - np.mean(v[c_ok])))
    nt, nc = t_ok.sum(), c_ok.sum()
    var_diff = np.sum(v[t_ok] + tau2) / nt**2 + np.sum(v[c_ok] + tau2) / nc**2
    if var_diff <= 0:
        return math.nan
    return float((spike[t_ok].mean() - spike[c_ok].mean()) / math.sqrt(var_diff))


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

    Treated = the program's districts, start = its earliest start date (months after its
    latest end date, when every district has one, are left out). Controls = districts never in
    any program; districts of other programs are excluded. A demo city's ``demo_truth`` adds a
    ``true_effect`` column. Raises ValueError (naming the program) when the incident data cannot
    evaluate it; a trust comparison the surveys cannot support is a row with a ``note`` instead.
    """
    programs = tables.get("programs")
    columns = list(_EVALUATE_COLUMNS)
    if programs is None or programs.empty:
        if program is not None:
            raise ValueError(_("unknown program {name}: there are no programs").format(name=repr(program)))
        return pd.DataFrame(columns=columns)
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
    for col in ("n_treated", "n_control", "pre_months", "post_months"):
        out[col] = out[col].astype("Int64")
    for col in ("pretrend_ok", "rtm_flag"):
        out[col] = out[col].astype("boolean")
    return out


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
    month net counts, e.g. from the daily aggregate) or raw ``incidents``.
    """
    programs = tables["programs"].assign(district_id=lambda f: f["district_id"].astype(str))
    district_ids = tables["districts"]["id"].astype(str) if "districts" in tables else None
    if "monthly_incidents" in tables:
        monthly = monthly_grid(tables["monthly_incidents"], district_ids)
    else:
        monthly = monthly_incidents(tables["incidents"], date_basis=date_basis, districts=district_ids)
    in_any = set(programs["district_id"])
    never = [d for d in monthly["district_id"].unique() if d not in in_any]
    prog = programs[programs["name"] == name]
    if prog.empty:
        raise ValueError(_("unknown program {name}").format(name=repr(name)))
    treated = sorted(set(prog["district_id"]), key=_natural_key)
    start = pd.to_datetime(prog["start_date"]).min().date()
    ends = pd.to_datetime(prog["end_date"]) if "end_date" in prog.columns else pd.Series(dtype="datetime64[ns]")
    end = ends.max().date() if len(ends) and ends.notna().all() else None
    exclude = in_any - set(treated)
    kwargs = dict(end=end, window_months=window_months, bin_months=bin_months, inference=inference, label=name)
    results: list[tuple[str, DidResult | str]] = [
        ("incidents", did_incidents(monthly, treated, start, controls=never, exclude=exclude, **kwargs))]
    surveys = tables.get("trust_surveys")
    if surveys is not None and not surveys.empty:
        trust_rows = surveys[(surveys["measure"] == "trust") & surveys["district_id"].astype(str).isin(treated)]
        if not trust_rows.empty:
            try:
                results.append(("trust", did_trust(surveys, treated, start, controls=never, exclude=exclude,
                                                   **kwargs)))
            except ValueError as err:
                results.append(("trust", str(err)))
    return results


def _evaluate_row(name: str, res: DidResult) -> dict:
    return {
        "program": name, "outcome": res.outcome, "estimate": res.estimate, "ci_low": res.ci_low,
        "ci_high": res.ci_high, "p_value": res.p_value, "pretrend_p": res.pretrend_p,
        "pretrend_ok": res.pretrend_ok, "rtm_flag": res.rtm_flag, "n_treated": res.n_treated,
        "n_control": res.n_control, "pre_months": res.pre_months, "post_months": res.post_months,
        "start": res.start, "note": " ".join(res.notes) or None,
    }


# ============================================================================================
# Trust
# ============================================================================================


def trust_table(trust: pd.DataFrame, min_respondents: int = 30) -> pd.DataFrame:
    """Survey rows with scores from too few respondents suppressed.

    Below ``min_respondents`` (or with the number of respondents not recorded) the score and
    margin of error become NA, ``suppressed`` is True and ``suppression_reason`` says why.
    """
    out = trust.copy()
    resp = pd.to_numeric(out["respondents"], errors="coerce") if "respondents" in out.columns \
        else pd.Series(np.nan, index=out.index)
    missing = resp.isna()
    small = resp < min_respondents
    out["suppressed"] = (missing | small).astype(bool)
    reason = pd.Series(None, index=out.index, dtype=object)
    small = small.fillna(False)
    reason[small] = [f"only {int(r)} respondents (fewer than {min_respondents})" for r in resp[small]]
    reason[missing] = "number of respondents not recorded"
    out["suppression_reason"] = reason
    out["score"] = pd.to_numeric(out["score"], errors="coerce").astype("Float64").mask(out["suppressed"])
    if "margin_of_error" in out.columns:
        moe = pd.to_numeric(out["margin_of_error"], errors="coerce").astype("Float64")
        out["margin_of_error"] = moe.mask(out["suppressed"])
    return out


def reporting_sensitivity(
    trust_change: pd.DataFrame,
    crime_change: pd.DataFrame,
    trust_threshold: float = 0.0,
    crime_threshold: float = 0.0,
) -> pd.DataFrame:
    """Districts where trust and recorded crime rose together.

    Inputs have district_id and ``change`` (any unit; e.g. score points and percent). A district
    is flagged when both changes exceed their thresholds (pass e.g. 2 points and 5 % to ignore
    noise). Columns: district_id, trust_change, crime_change, flag, note (``REPORTING_NOTE`` when
    flagged).
    """
    t = trust_change[["district_id", "change"]].assign(district_id=lambda d: d["district_id"].astype(str))
    c = crime_change[["district_id", "change"]].assign(district_id=lambda d: d["district_id"].astype(str))
    out = t.rename(columns={"change": "trust_change"}).merge(
        c.rename(columns={"change": "crime_change"}), on="district_id", how="outer")
    both_rose = (out["trust_change"] > trust_threshold) & (out["crime_change"] > crime_threshold)
    out["flag"] = both_rose.fillna(False).astype(bool)
    out["note"] = np.where(out["flag"], REPORTING_NOTE, None)
    return out.sort_values("district_id", key=lambda s: s.map(_natural_key), ignore_index=True)


# Demographic groups are data (codes in the ledger and the census tables), named where shown (plural, as
# they read in a list: "white over-represented"); in English the names are the codes, but "other" reads
# "other groups".
GROUP_LABELS = {"black": N_("black"), "white": N_("white"), "hispanic": N_("hispanic"), "asian": N_("asian"),
                "other": N_("other groups")}


def group_label(group: str) -> str:
    """A demographic group's code as shown (age bands such as "18-34" read the same in every language)."""
    return _(GROUP_LABELS[group]) if group in GROUP_LABELS else str(group)


# ============================================================================================
# Representativeness: who attends compared with who lives there
# ============================================================================================


def representativeness(attendance: pd.DataFrame, events: pd.DataFrame, demographics: pd.DataFrame,
                       dimension: str = "race_ethnicity") -> pd.DataFrame:
    """Attendee share of each group beside its share of residents, per district.

    Only activities with a recorded breakdown count. The attendee share is a ratio over
    activities (sum of the group's attendees / sum of all attendees); its 95 % interval comes from
    the variance between activities (linearisation), because people come in groups to an activity,
    so counting attendees as independent would overstate precision. ``reading``: over-represented
    or under-represented when the interval excludes the resident share, else "in line".
    Columns: district_id, demographic_group, activities, attendees, attendee_share, share_ci_low,
    share_ci_high, residents, resident_share, ratio, reading.
    """
    att = attendance[attendance["dimension"] == dimension].merge(
        events[["id", "district_id"]].rename(columns={"id": "event_id"}), on="event_id", how="inner")
    demo = demographics[demographics["dimension"] == dimension].copy()
    demo["resident_share"] = demo["residents"] / demo.groupby("district_id")["residents"].transform("sum")
    rows = []
    for district, part in att.groupby("district_id"):
        wide = part.pivot_table(index="event_id", columns="demographic_group", values="attendees",
                                aggfunc="sum", fill_value=0)
        totals = wide.sum(axis=1).to_numpy(dtype=float)
        n = len(wide)
        for group in wide.columns:
            y = wide[group].to_numpy(dtype=float)
            share = y.sum() / totals.sum()
            if n > 1:
                resid = y - share * totals
                se = math.sqrt(n / (n - 1) * np.sum(resid**2)) / totals.sum()
            else:
                se = math.nan
            rows.append({"district_id": str(district), "demographic_group": group, "activities": n,
                         "attendees": int(y.sum()), "attendee_share": share,
                         "share_ci_low": max(0.0, share - 1.96 * se), "share_ci_high": min(1.0, share + 1.96 * se)})
    out = pd.DataFrame(rows, columns=["district_id", "demographic_group", "activities", "attendees", "attendee_share",
                                      "share_ci_low", "share_ci_high"])
    out = out.merge(demo[["district_id", "demographic_group", "residents", "resident_share"]].assign(
        district_id=lambda f: f["district_id"].astype(str)), on=["district_id", "demographic_group"], how="outer")
    out["ratio"] = out["attendee_share"] / out["resident_share"].where(out["resident_share"] > 0)
    reading = np.where(out["share_ci_low"] > out["resident_share"], N_("over-represented"),
                       np.where(out["share_ci_high"] < out["resident_share"], N_("under-represented"), N_("in line")))
    out["reading"] = np.where(out["attendee_share"].isna() | out["resident_share"].isna(), N_("no data"), reading)
    out["activities"] = out["activities"].astype("Int64")
    out["attendees"] = out["attendees"].fillna(0).astype("int64")
    return out.sort_values(["district_id", "demographic_group"], key=lambda s: s.map(_natural_key)
                           if s.name == "district_id" else s, ignore_index=True)
