"""A second estimate of a program's effect: synthetic difference-in-differences with placebo-in-space p-values.

Pure functions: a district x month panel in, a ``SyntheticResult`` out. The main evaluation
(``did``) compares treated districts with the *average* of the districts without a program.
This module builds the comparison differently, as a robustness check beside it: when the two
methods disagree, the comparison districts are doing a lot of the work and the page says so.

How it reasons (read this before changing it)
---------------------------------------------

Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021,
"Synthetic Difference-in-Differences", *American Economic Review* 111(12)) on the log of the
outcome (monthly incidents + 1, or the survey score), so an effect is relative, as in the main
evaluation:

* **Unit weights** on the districts that never had a program (the donors): non-negative, summing
  to one, chosen so that the weighted donors (plus a constant, since levels may differ) track the
  treated districts' average month by month before the start. A ridge penalty
  zeta^2 * T_pre * |w|^2 with zeta = (N_treated * T_post)^(1/4) * sigma (sigma: the standard
  deviation of the donors' month-to-month changes before the start) spreads the weight over
  several donors instead of chasing noise with one; that is the paper's choice.
* **Time weights** on the months before the start, chosen the same way across donors, so that the
  weighted pre-start months (plus a constant) predict each donor's post-start average. They favour
  pre-start months that look like the post-start period (in season and trend). The paper all but
  drops the penalty here; with the 4-8 donors a city has, that lets the weights pile onto a few
  months and only adds noise (in simulated cities: a 20 % wider spread at no effect, and placebo
  p-values at or below 1/8 in 19 % of cities instead of 12.5 %). They get the same penalty as the
  unit weights instead (``TIME_ZETA``), which measured as well as equal weights or better.
* The estimate is the treated districts' change from the weighted pre-start months to the
  post-start months, minus the same change for the weighted donors.

A synthetic control would drop the constant and the time weights; SDID keeps the
difference-in-differences protection against level differences, and its weights protect against
treated districts that were already trending unlike the average donor.

**Staggered starts and ended programs.** Districts that started in the same month (and, where the
program ended, ended in the same month) form a cohort. Each cohort is compared with the donors on
its own window (``window_months`` either side of its start; months after the end are left out, and
a start month that is only partly treated is left out), and the cohorts' effects are averaged,
weighted by treated districts x post-start months. Districts treated at other dates are never
donors, and districts of other programs must not be passed as donors.

**Inference: placebo in space** (Abadie, Diamond and Hainmueller 2010). Each donor in turn is
treated as if it had had the program, on the same cohort dates, with the other donors as its
comparison. If the program did nothing, the real treated districts are one more draw from the
same lottery. The statistic is |effect| divided by how badly the synthetic comparison tracked
the treated series before the start (root mean squared pre-start gap), so that a single placebo
district (noisy) and an average of two treated districts (less noisy) are judged on the same
scale, and a donor that nothing resembles cannot produce a large "effect" from a poor fit. The
p-value is the rank of the real statistic among the placebos: (1 + number of placebos at least as
extreme) / (1 + number of placebos). With J donors the smallest p-value the test can give is
1 / (J + 1): with 4 donors it is 0.2, so "not significant" then says nothing about the program.
The test assumes the treated districts were as likely to have had the program as any donor, which
targeting breaks; it is a check on the main estimate, not a replacement for it.

Measured on simulated cities of 9 districts x 80 months with overdispersed counts, AR(1) district
shocks and district trends (``tests/test_synthetic.py`` repeats a smaller version): an injected
-15 % effect is recovered with a mean of -15 % to -17 % and a root mean squared error of 5-9
points, for one or two treated districts, staggered starts, a program that ended, and trends
differing by 8 % a year. At no effect the placebo p-value is at its minimum of 1/8 in 8.5-12 % of
cities (400 seeds each: two treated districts, and one district whose program ended; 7-17 % on
150-seed runs of the other designs) and at most 1/4 in 19-27 % (nominal 12.5 % and 25 %). Survey
scores are checked only for recovering an effect. One estimate with its placebos takes about
10-35 ms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from community_policing.i18n import N_, _, format_month

__all__ = ["KINDS", "METHOD_NOTE", "SyntheticResult", "agreement", "synthetic_did"]

KINDS = ("count", "score")
DEFAULT_WINDOW_MONTHS = 24
MIN_PRE_MONTHS = 6
MIN_POST_MONTHS = 3
MIN_DONORS = 2
TIME_ZETA = 1.0  # time weights' penalty relative to the unit weights' (see the module docstring)
MAX_MISSING_SHARE = 0.25  # a donor missing more of a cohort's window than this is left out
_VALUE = {"count": "incidents", "score": "score"}

METHOD_NOTE = N_(
    "A second method as a check. Besides the main comparison with the average of districts without a program, "
    "each program is also estimated by synthetic difference-in-differences: the districts without a program "
    "are weighted so that together they track the program's districts month by month before it started, and "
    "the months before the start are weighted to resemble the months after it. Its p-value comes from "
    "placebos: each district without a program is treated in turn as if it had had the program, and the real "
    "estimate is ranked among these make-believe ones. With few such districts the test cannot give a small "
    "p-value (with 4 districts, never below 0.2), so a large p-value then says little. When the two methods "
    "disagree, the estimate depends on how the comparison is built, and it should be read with that in mind."
)


@dataclass(frozen=True)
class SyntheticResult:
    """Synthetic difference-in-differences for one program and one outcome.

    ``estimate``: relative effect (-0.15: 15 % fewer incidents, or a 15 % lower score, than the
    synthetic comparison predicts), NaN when no cohort could be estimated (``notes`` say why).
    ``placebo_p``: rank p-value among placebo-in-space estimates; ``min_p``: the smallest it could
    be (1 / (donors + 1)). ``placebo_effects``: one row per donor (district_id, estimate relative,
    statistic). ``weights``: unit weights per cohort (cohort, district_id, weight); ``time_weights``:
    (cohort, month, weight); ``cohorts``: one row per cohort (cohort, start, end, treated,
    pre_months, post_months, estimate, weight, note). ``method`` and ``notes`` are sentences in the
    language of the call.
    """

    kind: str
    estimate: float
    log_estimate: float
    statistic: float
    placebo_p: float
    min_p: float
    n_placebos: int
    placebo_effects: pd.DataFrame
    weights: pd.DataFrame
    time_weights: pd.DataFrame
    cohorts: pd.DataFrame
    treated: tuple[str, ...]
    donors: tuple[str, ...]
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def estimable(self) -> bool:
        return math.isfinite(self.estimate)

    @property
    def can_reach_05(self) -> bool:
        """Whether enough donors exist for the placebo test to reach p < 0.05 at all."""
        return self.min_p < 0.05


# --------------------------------------------------------------------------------------------
# Weights: non-negative, summing to one, with an intercept and a ridge penalty
# --------------------------------------------------------------------------------------------


def _simplex_ridge(a: np.ndarray, b: np.ndarray, ridge: float) -> np.ndarray:
    """argmin_w ||c + A w - b||^2 + ridge ||w||^2 over w >= 0, sum w = 1, intercept c free.

    The intercept is removed by centring the rows; the simplex constraint is a heavily weighted
    extra row, solved by non-negative least squares (matches a general constrained solver to
    1e-14 on random problems).
    """
    ac = a - a.mean(axis=0, keepdims=True)
    bc = b - b.mean()
    n = a.shape[1]
    scale = max(float(np.abs(ac).max(initial=0.0)), float(np.abs(bc).max(initial=0.0)), 1e-12)
    big = 1e4 * scale * math.sqrt(a.shape[0] + n)
    rows = [ac, math.sqrt(max(ridge, 0.0)) * np.eye(n), np.full((1, n), big)]
    rhs = np.concatenate([bc, np.zeros(n), [big]])
    w, _res = nnls(np.vstack(rows), rhs, maxiter=50 * n)
    total = w.sum()
    return w / total if total > 0 else np.full(n, 1.0 / n)


def _sdid(y_treated: np.ndarray, y_donors: np.ndarray, n_pre: int, n_treated: int,
          time_weights: bool = True) -> tuple[float, float, np.ndarray, np.ndarray]:
    """One SDID estimate on the log scale. ``y_treated``: (T,) average of the treated districts;
    ``y_donors``: (T, J). The first ``n_pre`` rows are before the start. Returns the estimate, the
    root mean squared pre-start gap of the unit-weighted fit, unit weights (J,), time weights (n_pre,)."""
    pre, post = slice(0, n_pre), slice(n_pre, None)
    n_post = y_treated.shape[0] - n_pre
    diffs = np.diff(y_donors[pre], axis=0)
    sigma = float(diffs.std(ddof=1)) if diffs.size > 1 else 0.0
    zeta = (n_treated * n_post) ** 0.25 * sigma
    omega = _simplex_ridge(y_donors[pre], y_treated[pre], zeta ** 2 * n_pre)
    if time_weights:
        lam = _simplex_ridge(y_donors[pre].T, y_donors[post].mean(axis=0), (TIME_ZETA * zeta) ** 2 * y_donors.shape[1])
    else:
        lam = np.full(n_pre, 1.0 / n_pre)
    gap = y_treated - y_donors @ omega  # treated minus synthetic, month by month
    estimate = float(gap[post].mean() - lam @ gap[pre])
    pre_gap = gap[pre] - gap[pre].mean()
    rmspe = float(np.sqrt(np.mean(pre_gap ** 2)))
    return estimate, rmspe, omega, lam


# --------------------------------------------------------------------------------------------
# Panel and cohorts
# --------------------------------------------------------------------------------------------


def _month_start(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def _wide(panel: pd.DataFrame, value: str, time: str, kind: str) -> pd.DataFrame:
    """Months x districts on the log scale (NaN where not recorded). Built with numpy: pandas
    pivots cost more than the whole estimate."""
    rows = panel[panel["district_id"].notna()]
    ids, id_codes = np.unique(rows["district_id"].astype(str).to_numpy(), return_inverse=True)
    months = pd.to_datetime(rows[time]).to_numpy().astype("datetime64[M]")
    values = pd.to_numeric(rows[value], errors="coerce").to_numpy(dtype=float)
    if kind == "count":
        # Months are complete from first to last; a district-month with no incidents is 0, not missing.
        grid = np.arange(months.min(), months.max() + 1)
        total = np.zeros((len(grid), len(ids)))
        np.add.at(total, ((months - grid[0]).astype(int), id_codes), np.nan_to_num(values))
        out = np.log(np.clip(total, 0.0, None) + 1.0)
    else:
        grid = np.unique(months)
        pos = np.searchsorted(grid, months)
        ok = np.isfinite(values) & (values > 0)
        total = np.zeros((len(grid), len(ids)))
        count = np.zeros_like(total)
        np.add.at(total, (pos[ok], id_codes[ok]), values[ok])
        np.add.at(count, (pos[ok], id_codes[ok]), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.log(total / count)  # mean score of the month; NaN where none
    return pd.DataFrame(out, index=pd.DatetimeIndex(grid.astype("datetime64[ns]")), columns=list(ids))


@dataclass
class _Cohort:
    label: str
    start: pd.Timestamp
    end: pd.Timestamp | None
    treated: list[str]
    months_pre: list[pd.Timestamp] = field(default_factory=list)
    months_post: list[pd.Timestamp] = field(default_factory=list)
    donors: list[str] = field(default_factory=list)
    note: str | None = None
    block: np.ndarray | None = None
    column: dict[str, int] = field(default_factory=dict)


def _cohorts(starts: Mapping[str, object], ends: Mapping[str, object]) -> list[_Cohort]:
    groups: dict[tuple, list[str]] = {}
    for district, start in starts.items():
        end = ends.get(district)
        end_ts = pd.Timestamp(end) if end is not None and not pd.isna(end) else None
        groups.setdefault((pd.Timestamp(start), end_ts), []).append(str(district))
    out = []
    for (start, end), ids in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or pd.Timestamp.max)):
        label = format_month(start) if end is None else _("{start} to {end}").format(
            start=format_month(start), end=format_month(end))
        out.append(_Cohort(label=label, start=start, end=end, treated=sorted(ids)))
    return out


def _window(cohort: _Cohort, wide: pd.DataFrame, donors: Sequence[str], window: int | None) -> None:
    """Fill the cohort's pre and post months and usable donors (or its note when it cannot be estimated)."""
    s0 = _month_start(cohort.start)
    partial = pd.Timestamp(cohort.start).normalize() != s0
    if partial:
        s0 = s0 + pd.DateOffset(months=1)
    months = wide.index
    rel = (months.year - s0.year) * 12 + (months.month - s0.month)
    keep = np.ones(len(months), dtype=bool)
    if partial:
        keep &= rel != -1
    if cohort.end is not None:
        keep &= months <= cohort.end
    if window is not None:
        keep &= (rel >= -window) & (rel < window)
    missing_treated = [d for d in cohort.treated if d not in wide.columns or wide.loc[keep, d].isna().all()]
    if missing_treated:
        cohort.note = _("No data for {ids} in the window.").format(ids=", ".join(missing_treated))
        return
    sub = wide.loc[keep, [*cohort.treated, *[d for d in donors if d in wide.columns]]]
    # Donors missing much of the window are left out; then months where anyone is missing.
    usable = [d for d in donors if d in sub.columns and sub[d].isna().mean() <= MAX_MISSING_SHARE]
    sub = sub[[*cohort.treated, *usable]].dropna()
    rel_kept = (sub.index.year - s0.year) * 12 + (sub.index.month - s0.month)
    cohort.months_pre = list(sub.index[rel_kept < 0])
    cohort.months_post = list(sub.index[rel_kept >= 0])
    cohort.donors = usable
    if len(usable) < MIN_DONORS:
        cohort.note = _("Fewer than {n} districts without a program have data in the window.").format(n=MIN_DONORS)
    elif len(cohort.months_pre) < MIN_PRE_MONTHS:
        cohort.note = _("Fewer than {n} months of data before the start.").format(n=MIN_PRE_MONTHS)
    elif len(cohort.months_post) < MIN_POST_MONTHS:
        cohort.note = _("Fewer than {n} months of data after the start.").format(n=MIN_POST_MONTHS)


def _estimate(wide: pd.DataFrame, cohort: _Cohort, treated: Sequence[str], donors: Sequence[str],
              time_weights: bool):
    if cohort.block is None:  # numpy once per cohort: the placebos re-use it
        cohort.block = wide.loc[[*cohort.months_pre, *cohort.months_post], [*cohort.treated, *cohort.donors]].to_numpy()
        cohort.column = {d: i for i, d in enumerate([*cohort.treated, *cohort.donors])}
    y_t = cohort.block[:, [cohort.column[d] for d in treated]].mean(axis=1)
    y_d = cohort.block[:, [cohort.column[d] for d in donors]]
    return _sdid(y_t, y_d, len(cohort.months_pre), len(treated), time_weights)


def _pooled(values: Sequence[float], weights: np.ndarray) -> float:
    return float(np.dot(weights, values))


# --------------------------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------------------------


def synthetic_did(
    panel: pd.DataFrame,
    starts: Mapping[str, object],
    ends: Mapping[str, object] | None = None,
    donors: Sequence[str] | None = None,
    kind: str = "count",
    window_months: int | None = DEFAULT_WINDOW_MONTHS,
    *,
    value: str | None = None,
    time: str = "month",
    time_weights: bool = True,
) -> SyntheticResult:
    """Synthetic difference-in-differences of one program with placebo-in-space inference.

    ``panel``: long rows district_id, ``time`` (a date in the month), ``value`` (default
    ``incidents`` for ``kind="count"``, ``score`` for ``kind="score"``; for a harm-weighted series
    pass ``value="harm"`` with ``kind="count"``). ``starts``: each treated district's start date;
    ``ends``: its end date (None or absent while running). ``donors``: districts that never had any
    program (default: every district in the panel not in ``starts``; pass the right list when
    other programs exist). Never raises for data reasons: an estimate that cannot be made is NaN
    with notes saying why.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if not starts:
        raise ValueError("starts: no treated district")
    if any(v is None or pd.isna(v) for v in starts.values()):
        raise ValueError("starts: every treated district needs a start date")
    value = value or _VALUE[kind]
    ends = dict(ends or {})
    starts = {str(k): v for k, v in starts.items()}
    ends = {str(k): v for k, v in ends.items()}
    wide = _wide(panel, value, time, kind)
    donor_ids = [str(d) for d in (donors if donors is not None else wide.columns) if str(d) not in starts]
    overlap = sorted(set(str(d) for d in (donors or ())) & set(starts))
    if overlap:
        raise ValueError(f"donors {overlap} are treated: a donor must never have had the program")
    donor_ids = sorted(dict.fromkeys(donor_ids), key=_natural_key)
    treated_ids = tuple(sorted(starts, key=_natural_key))
    notes: list[str] = []
    if kind == "count":
        notes.append(_("Monthly incidents are compared on the log scale (incidents + 1), so the effect is relative."))

    cohorts = _cohorts(starts, ends)
    for c in cohorts:
        _window(c, wide, donor_ids, window_months)
        if c.note:
            notes.append(_("Districts {ids} (start {start}) are left out: {reason}").format(
                ids=", ".join(c.treated), start=format_month(c.start), reason=c.note))
    usable = [c for c in cohorts if c.note is None]
    ended = [c for c in cohorts if c.end is not None]
    if ended:
        notes.append(_("Months after the program ended are left out."))

    method = _method_text(kind)
    if not usable:
        return _empty(kind, treated_ids, tuple(donor_ids), method, notes, cohorts)

    results = [(c, *_estimate(wide, c, c.treated, c.donors, time_weights)) for c in usable]
    sizes = np.array([len(c.treated) * len(c.months_post) for c in usable], dtype=float)
    w = sizes / sizes.sum()
    tau = _pooled([r[1] for r in results], w)
    rmspe = math.sqrt(_pooled([r[2] ** 2 for r in results], w))
    stat = abs(tau) / rmspe if rmspe > 0 else math.inf

    # Placebos: each donor usable in every cohort, treated on the same dates, the other donors as comparison.
    common = [d for d in donor_ids if all(d in c.donors for c in usable)]
    placebo_rows = []
    for d in common:
        taus, rms = [], []
        for c in usable:
            others = [o for o in c.donors if o != d]
            if len(others) < 1:
                break
            t, r, _o, _l = _estimate(wide, c, [d], others, time_weights)
            taus.append(t)
            rms.append(r)
        else:
            t_d = _pooled(taus, w)
            r_d = math.sqrt(_pooled([x ** 2 for x in rms], w))
            placebo_rows.append({"district_id": d, "estimate": math.expm1(t_d), "log_estimate": t_d,
                                 "statistic": abs(t_d) / r_d if r_d > 0 else math.inf})
    placebos = pd.DataFrame(placebo_rows, columns=["district_id", "estimate", "log_estimate", "statistic"])
    n_placebo = len(placebos)
    if n_placebo:
        p = (1 + int((placebos["statistic"] >= stat - 1e-12).sum())) / (1 + n_placebo)
        min_p = 1 / (1 + n_placebo)
    else:
        p, min_p = math.nan, math.nan
    if n_placebo and min_p >= 0.05:
        notes.append(_("With {n} districts without a program as placebos, the smallest p-value this check can give "
                       "is {min_p}: it cannot reach 0.05, so a large p-value here says little about the "
                       "program.").format(n=n_placebo, min_p=f"{min_p:.3g}"))
    if len(donor_ids) <= 3:
        notes.append(_("Only {n} districts without a program: the synthetic comparison has little to choose from "
                       "and may track the program's districts poorly.").format(n=len(donor_ids)))

    weights = pd.DataFrame(
        [{"cohort": c.label, "district_id": d, "weight": float(om)} for c, _t, _r, omega, _l in results
         for d, om in zip(c.donors, omega)], columns=["cohort", "district_id", "weight"])
    tw = pd.DataFrame(
        [{"cohort": c.label, "month": m, "weight": float(lw)} for c, _t, _r, _o, lam in results
         for m, lw in zip(c.months_pre, lam)], columns=["cohort", "month", "weight"])
    cohort_rows = []
    weight_of = {id(c): float(x) for c, x in zip(usable, w)}
    estimate_of = {id(r[0]): r[1] for r in results}
    for c in cohorts:
        cohort_rows.append({
            "cohort": c.label, "start": c.start, "end": c.end, "treated": ", ".join(c.treated),
            "pre_months": len(c.months_pre), "post_months": len(c.months_post),
            "estimate": math.expm1(estimate_of[id(c)]) if id(c) in estimate_of else math.nan,
            "weight": weight_of.get(id(c), 0.0), "note": c.note})
    return SyntheticResult(
        kind=kind, estimate=math.expm1(tau), log_estimate=tau, statistic=stat, placebo_p=p, min_p=min_p,
        n_placebos=n_placebo, placebo_effects=placebos, weights=weights, time_weights=tw,
        cohorts=pd.DataFrame(cohort_rows), treated=treated_ids, donors=tuple(donor_ids), method=method,
        notes=tuple(notes))


def _natural_key(value: str):
    text = str(value)
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _method_text(kind: str) -> str:
    what = _("monthly incidents") if kind == "count" else _("survey scores")
    return _("Synthetic difference-in-differences (Arkhangelsky et al. 2021) of {what}: districts without a "
             "program weighted to track the program's districts before the start, with placebo-in-space "
             "p-values.").format(what=what)


def _empty(kind, treated, donors, method, notes, cohorts) -> SyntheticResult:
    cohort_rows = [{"cohort": c.label, "start": c.start, "end": c.end, "treated": ", ".join(c.treated),
                    "pre_months": len(c.months_pre), "post_months": len(c.months_post), "estimate": math.nan,
                    "weight": 0.0, "note": c.note} for c in cohorts]
    return SyntheticResult(
        kind=kind, estimate=math.nan, log_estimate=math.nan, statistic=math.nan, placebo_p=math.nan,
        min_p=math.nan, n_placebos=0,
        placebo_effects=pd.DataFrame(columns=["district_id", "estimate", "log_estimate", "statistic"]),
        weights=pd.DataFrame(columns=["cohort", "district_id", "weight"]),
        time_weights=pd.DataFrame(columns=["cohort", "month", "weight"]),
        cohorts=pd.DataFrame(cohort_rows), treated=treated, donors=donors, method=method,
        notes=tuple([*notes, _("The synthetic comparison could not be estimated.")]))


# --------------------------------------------------------------------------------------------
# Beside the main estimate
# --------------------------------------------------------------------------------------------


def agreement(estimate: float, ci_low: float, ci_high: float, result: SyntheticResult) -> tuple[bool | None, str]:
    """Whether the synthetic estimate agrees with the main one, and a sentence saying so.

    They disagree when the synthetic estimate lies outside the main estimate's 95 % interval or
    points the other way from a main estimate whose interval excludes zero. None (and a sentence)
    when there is no synthetic estimate."""
    if not result.estimable:
        return None, _("The second method (synthetic difference-in-differences) could not be estimated for this "
                       "program.")
    p = (_("placebo p = {p}").format(p=f"{result.placebo_p:.2f}") if math.isfinite(result.placebo_p)
         else _("no placebo p-value"))
    base = _("The second method (synthetic difference-in-differences) estimates {estimate} ({p}; the smallest "
             "possible is {min_p}).").format(estimate=f"{result.estimate:+.1%}", p=p,
                                             min_p=f"{result.min_p:.2f}" if math.isfinite(result.min_p) else "–")
    outside = not (ci_low <= result.estimate <= ci_high)
    clear = ci_low > 0 or ci_high < 0
    opposite = clear and (result.estimate > 0) != (estimate > 0)
    if outside or opposite:
        return False, base + " " + _(
            "This disagrees with the main estimate ({main}, 95% interval {low} to {high}): the result depends "
            "on how the comparison districts are chosen and weighted, so read it with caution.").format(
            main=f"{estimate:+.1%}", low=f"{ci_low:+.1%}", high=f"{ci_high:+.1%}")
    return True, base + " " + _("This agrees with the main estimate: it lies inside its 95% interval.")
