"""Engagement intensity per district and period, and engagement against a later change in an outcome.

* ``engagement_intensity``   engagement and training per district and month, quarter or year.
* ``engagement_vs_change``   a district's engagement in a quarter against the year-over-year
                             change in an outcome ``lag`` quarters later, within districts and
                             seasons, with a permutation p-value and interval (``AssocResult``).

How the association is measured (read this before changing it)
---------------------------------------------------------------

Engagement is seasonal (more foot patrols and events in summer) and so is crime. Pairing each
district-quarter's engagement with the change from the previous quarter therefore pairs the busy
summer quarters with the summer-to-autumn fall in crime, in every district and every year, and a
rank correlation that treats the district-quarters as independent calls that a "moderate
association". On 40 simulated cities with no effect at all it did so in all 40.

Three things are done instead.

1. **The change is against the same quarter a year earlier**: the outcome ``lag`` quarters after
   the engagement quarter t, compared with the quarter four before that (t + lag - 4, which is at
   or before the engagement quarter for lags 1-4). A stable seasonal pattern cancels out of it.

2. **Two-way fixed effects, district and calendar quarter.** Both the engagement and the change
   are taken less their district's mean and their calendar quarter's mean (exact least-squares
   demeaning, which also handles district-quarters missing from the panel), and the slope is the
   least-squares slope of the one on the other (the fixed-effects "within" estimator). The
   district effect removes where engagement is usually sent and each district's usual
   year-over-year change, i.e. a steady trend. The calendar-quarter effect (2024 Q3, not "Q3")
   removes the season *and* anything that moved every district together that quarter: a citywide
   crime wave, a citywide campaign, a change in recording. Quarter-of-year effects would remove
   only the average season and leave those citywide swings, which every district shares and
   which would then count as evidence nine times over; calendar quarters cost a few more
   parameters, cheap with a district panel. What is *not* removed: engagement sent in response to
   a district's own recent crime (targeting), regression to the mean after a bad spell, and trends
   that change within a district. So the result is still an association, not an effect.

3. **Inference by permuting whole district series.** A district's quarters are not independent
   (its engagement and its crime both persist from quarter to quarter, and overlapping
   year-over-year changes share quarters), so the district, not the district-quarter, is the unit.
   The p-value reassigns the engagement series of whole districts to other districts (every
   permutation when there are at most 7 districts, otherwise ``PERMUTATIONS`` seeded random ones),
   keeping each series' own time pattern, and refits. The statistic is the slope's t ratio with a
   district-clustered standard error: studentizing keeps the test near its level when districts
   differ in how much their engagement and outcomes vary (DiCiccio and Romano 2017, "Robust
   permutation tests for correlation and regression coefficients"; checked below), where
   permuting the raw slope need not. The 95 % interval is the set of slopes b the same test does
   not reject, applied to ``change - b * engagement`` (test inversion), so the interval excludes
   zero when p <= 0.05 (up to the steps of a permutation p-value at exactly 0.05, where
   ``AssocResult.clear`` asks both). The correlation ``r`` is the correlation of the two demeaned
   series; its interval is the slope's, rescaled by their standard deviations.

With fewer than ``MIN_DISTRICTS`` districts no p-value or interval is given (4 districts have 24
permutations, so p could not fall below 0.042).

Checked on seeded simulated cities (``tests/test_engagement_stats.py``: 9 districts, 5 years,
seasonal engagement sent where crime is high, seasonal crime with district trends, citywide
shocks, persistent district shocks and overdispersed counts, no effect): an association is
reported in 4.6 % of 4,000 cities (5 districts with missing quarters: 5.3 % of 2,000), the
previous-quarter method in 40 of 40. With an injected effect (10 % more engagement than a
district's seasonal usual, 4 % fewer incidents the next quarter) it is found in 85 % of cities.
A call takes about 25 ms (9 districts, 20 quarters, 2,000 permutations).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from community_policing.i18n import N_, _
from community_policing.data.areas import MIN_POPULATION_FOR_RATE, natural_key as _natural_key


# ============================================================================================
# Engagement intensity
# ============================================================================================


ASSOCIATION_CAPTION = N_(
    "Association, not effect: engagement is sent where and when crime is high, so quarters with more "
    "engagement can show any pattern in later crime or trust for reasons that have nothing to do with the "
    "engagement itself (targeting, and regression to the mean after a bad spell). Taking out each district's and "
    "each quarter's average does not remove that. For effects, see the program evaluation."
)

_FREQ = {"M": "M", "MS": "M", "Q": "Q", "QS": "Q", "Y": "Y", "YS": "Y", "A": "Y"}


def _period_start(values, freq: str) -> pd.Series:
    return pd.to_datetime(pd.Series(values)).dt.to_period(_FREQ[freq]).dt.start_time


def engagement_types() -> tuple[str, ...]:
    from community_policing.data import schema

    return tuple(schema.table("engagement_events").column("type").allowed or ())


def engagement_intensity(
    events: pd.DataFrame,
    training: pd.DataFrame,
    districts: pd.DataFrame,
    freq: str = "M",
) -> pd.DataFrame:
    """Engagement and training per district and period (month "M", quarter "Q" or year "Y").

    Columns: district_id, period (first day), events_total, events_<type> for every engagement
    type, attendees, officer_hours, feedback_sessions, training_hours (officers x hours),
    training_hours_per_officer (over districts.sworn_officers; NA without officers), and each of
    the counts also ``<count>_per_1000`` residents (NA below 300 residents). Every district x
    period from the first to the last period with any activity is present, zeros filled.
    Training for units that are not a district (the Academy) is left out.
    """
    if freq not in _FREQ:
        raise ValueError(f"freq must be one of M, Q, Y, not {freq!r}")
    types = list(engagement_types())
    extra_types = sorted(set(events["type"].dropna().astype(str)) - set(types)) if len(events) else []
    types += extra_types
    ids = districts["id"].astype(str).tolist()
    ev = events[events["district_id"].notna()].copy()
    ev["district_id"] = ev["district_id"].astype(str)
    ev["period"] = _period_start(ev["date"], freq).to_numpy() if len(ev) else pd.Series(dtype="datetime64[ns]")
    tr = training[training["district_id"].notna()].copy() if len(training) else training.iloc[0:0].copy()
    tr["district_id"] = tr["district_id"].astype(str)
    tr["period"] = _period_start(tr["date"], freq).to_numpy() if len(tr) else pd.Series(dtype="datetime64[ns]")
    officers_trained = pd.to_numeric(tr.get("officers"), errors="coerce")
    tr["training_hours"] = officers_trained * pd.to_numeric(tr.get("hours"), errors="coerce")

    stamps = pd.concat([ev["period"], tr["period"]]).dropna()
    count_cols = ["events_total"] + [f"events_{t}" for t in types] + ["attendees", "officer_hours",
                                                                      "feedback_sessions", "training_hours"]
    if stamps.empty:
        return pd.DataFrame(columns=["district_id", "period"] + count_cols + ["training_hours_per_officer"]
                            + [f"{c}_per_1000" for c in count_cols])
    step = {"M": "MS", "Q": "QS", "Y": "YS"}[_FREQ[freq]]
    periods = pd.date_range(stamps.min(), stamps.max(), freq=step)
    ids = ids + sorted(set(ev["district_id"]).union(tr["district_id"]) - set(ids), key=_natural_key)
    grid = pd.MultiIndex.from_product([ids, periods], names=["district_id", "period"])

    key = ["district_id", "period"]
    parts = []
    if len(ev):
        by_type = pd.crosstab([ev["district_id"], ev["period"]], ev["type"].astype(str))
        by_type = by_type.reindex(columns=types, fill_value=0)
        by_type.columns = [f"events_{t}" for t in types]
        parts.append(by_type)
        sums = ev.groupby(key)[["attendees", "officer_hours"]].sum(min_count=1)
        parts.append(sums)
    if len(tr):
        parts.append(tr.groupby(key)[["training_hours"]].sum())
    out = pd.DataFrame(index=grid)
    for part in parts:
        out = out.join(part, how="left")
    for col in [f"events_{t}" for t in types] + ["attendees", "officer_hours", "training_hours"]:
        if col not in out.columns:
            out[col] = 0
        out[col] = out[col].fillna(0)
    out["events_total"] = out[[f"events_{t}" for t in types]].sum(axis=1).astype("int64")
    for col in [f"events_{t}" for t in types]:
        out[col] = out[col].astype("int64")
    out["attendees"] = out["attendees"].astype("int64")
    out["officer_hours"] = out["officer_hours"].astype(float)
    out["feedback_sessions"] = out.get("events_feedback_session", pd.Series(0, index=out.index)).astype("int64")
    out["training_hours"] = out["training_hours"].astype(float)
    out = out.reset_index()

    info = districts.assign(district_id=districts["id"].astype(str)).set_index("district_id")
    pop = out["district_id"].map(pd.to_numeric(info.get("population"), errors="coerce")).astype(float)
    officers = out["district_id"].map(pd.to_numeric(info.get("sworn_officers"), errors="coerce")).astype(float)
    out["training_hours_per_officer"] = (out["training_hours"] / officers.where(officers > 0)).astype("Float64")
    usable = pop.where(pop >= MIN_POPULATION_FOR_RATE)
    for col in count_cols:
        out[f"{col}_per_1000"] = (out[col] / usable * 1000.0).astype("Float64")
    return out[["district_id", "period"] + count_cols + ["training_hours_per_officer"]
               + [f"{c}_per_1000" for c in count_cols]]


# ============================================================================================
# Engagement against a later change in an outcome
# ============================================================================================

YEAR = 4  # quarters between the two compared quarters: the same quarter a year earlier
ALPHA = 0.05
# Fewer districts cannot give a useful permutation test (4 districts: 24 permutations, p >= 0.042).
MIN_DISTRICTS = 5
# Random permutations beyond EXACT_UP_TO districts (Monte Carlo SE of p near 0.05: about 0.005).
PERMUTATIONS = 1999
EXACT_UP_TO = 7  # districts: up to 7! = 5,040 permutations, all of them are used
SEED = 14  # fixed, so the same data always give the same p-value and interval

METHOD_NOTE = N_(
    "**Engagement vs outcomes.** Each district's engagement in a quarter is set against how its incidents (or "
    "its trust score) in a later quarter compare with the same quarter a year earlier, so the usual seasons "
    "cancel out. Both are then measured from the district's own average and from the citywide average of that "
    "calendar quarter. That removes lasting differences between districts (where engagement is usually sent, a "
    "steady rise or fall) and anything that moved the whole city in a quarter (the season, a citywide swing). It "
    "does not remove engagement sent in response to a district's own recent crime, regression to the mean after "
    "a bad spell, or trends that change within a district: what is left is an association, not an effect. A "
    "district's quarters are not independent of each other, so the p-value compares the real pairing with many "
    "reshufflings that hand whole districts' engagement histories to other districts, and the 95% interval is "
    "the range of slopes that this comparison does not rule out. On simulated cities with seasonal engagement, "
    "seasonal crime and no effect, an association is reported about one time in twenty. With fewer than 5 "
    "districts no p-value or interval is given."
)


@dataclass(frozen=True, eq=False)
class AssocResult:
    """Engagement in quarter t against the year-over-year change in an outcome in quarter t + lag,
    within districts and calendar quarters (see the module docstring).

    ``points``: district_id, quarter (of the engagement, a Period), intensity, change (quarter
    t + lag against t + lag - 4), and intensity_within / change_within, the two less their
    district and calendar-quarter means (what the slope is fitted to). Only pairs that inform the
    slope are kept: a district or quarter with a single pair is absorbed by its own mean.
    ``slope``: change per unit of intensity; ``r``: correlation of the demeaned pairs; their 95 %
    intervals and ``p_value`` come from permuting whole district series (NaN with fewer than
    ``MIN_DISTRICTS`` districts; an interval end may be infinite when the data cannot bound it).
    ``caption`` must be shown with any chart of this.
    """

    points: pd.DataFrame
    n: int
    n_districts: int
    n_quarters: int
    lag: int
    change: str
    slope: float
    slope_ci_low: float
    slope_ci_high: float
    r: float
    r_ci_low: float
    r_ci_high: float
    p_value: float
    permutations: int  # district assignments compared, the observed one included (0: not assessed)
    exact: bool  # all of them, rather than a seeded random sample
    caption: str = ASSOCIATION_CAPTION

    @property
    def assessed(self) -> bool:
        return math.isfinite(self.p_value)

    @property
    def clear(self) -> bool:
        """p <= 0.05 (which a permutation p-value reaches with probability at most 0.05 when there
        is no association) and the 95 % interval excludes zero. The two agree except, rarely, at
        p = 0.05 itself, where the steps of a permutation p-value can leave a sliver on either side;
        both are asked so the words never contradict the interval shown."""
        return (self.assessed and self.p_value <= ALPHA
                and not self.slope_ci_low <= 0 <= self.slope_ci_high)


def _as_quarter(values) -> pd.PeriodIndex:
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(s.dt.asfreq("Q"))
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return pd.PeriodIndex(s.dt.to_period("Q"))
    return pd.PeriodIndex([pd.Period(v if isinstance(v, (pd.Period, dt.date)) else str(v), freq="Q") for v in s])


def _grid(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A district x quarter array: the sum of the values given for each cell, NaN where none is."""
    keep = ~np.isnan(values)
    total = np.zeros(shape)
    count = np.zeros(shape)
    np.add.at(total, (rows[keep], cols[keep]), values[keep])
    np.add.at(count, (rows[keep], cols[keep]), 1)
    return np.where(count > 0, total, np.nan)


def _panel(pairs: np.ndarray, engagement: np.ndarray) -> np.ndarray:
    """The pairs (a district x quarter mask) the two-way fit can use: every kept district's engagement
    is known in every kept quarter (so whole series can be swapped between districts), and every
    district and quarter has at least two pairs (a single one is absorbed by its own mean).
    Repeated until nothing changes."""
    keep = pairs.copy()
    while True:
        rows = keep.any(axis=1)
        complete = ~np.isnan(engagement[rows]).any(axis=0)
        out = keep & complete[None, :]
        out &= (out.sum(axis=1) >= 2)[:, None]
        out &= (out.sum(axis=0) >= 2)[None, :]
        if (out == keep).all():
            return out
        keep = out


def _permutations(g: int, random: int, seed: int) -> np.ndarray:
    """District assignments, the observed one (identity) first: all g! of them for small g, else
    ``random`` seeded draws."""
    if g <= EXACT_UP_TO:
        return np.array(list(itertools.permutations(range(g))), dtype=np.intp)
    draws = np.argsort(np.random.default_rng(seed).random((random, g)), axis=1)
    return np.vstack([np.arange(g), draws]).astype(np.intp)


class _PermutationTest:
    """Studentized permutation test of slope = b for every b, from one pass over the permutations.

    For the tested slope b the residual outcome is ỹ - b·x̃ (ỹ, x̃ demeaned). Under a permutation π
    with demeaned engagement x̃π, its slope is (a - b·c)/d and each district's score
    Σ_t x̃π (ỹ - b·x̃ - slope·x̃π) is U_g - b·V_g, so the clustered t ratio is
    (a - b·c) / sqrt(Σ_g (U_g - b·V_g)²): linear pieces computed once, any b in O(permutations x districts).
    """

    def __init__(self, x_perm: np.ndarray, xw: np.ndarray, yw: np.ndarray, member: np.ndarray):
        d = np.einsum("pn,pn->p", x_perm, x_perm)
        a, c = x_perm @ yw, x_perm @ xw
        g3 = (x_perm * x_perm) @ member
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (x_perm * yw) @ member - (a / d)[:, None] * g3
            v = (x_perm * xw) @ member - (c / d)[:, None] * g3
        # Σ_g (U_g - b V_g)² = uu - 2b uv + b² vv
        self.uu, self.uv, self.vv = (u * u).sum(axis=1), (u * v).sum(axis=1), (v * v).sum(axis=1)
        self.a, self.c = a, c

    def se_ratio(self, b: float) -> float:
        """The observed assignment's clustered standard error of the slope, times Σ x̃² (at slope b)."""
        return math.sqrt(max(float(self.uu[0] - 2 * b * self.uv[0] + b * b * self.vv[0]), 0.0))

    def t(self, b: float) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.a - b * self.c) / np.sqrt(np.maximum(self.uu - 2 * b * self.uv + b * b * self.vv, 0.0))

    def p(self, b: float) -> float:
        """Share of assignments (the observed one included) whose |t| is at least the observed |t|."""
        t = np.abs(self.t(b))
        if not np.isfinite(t[0]):
            return math.nan
        return float(np.count_nonzero(t >= t[0] * (1 - 1e-9))) / len(t)

    def bound(self, estimate: float, step: float, direction: int, alpha: float) -> float:
        """Where p falls to ``alpha`` going from the estimate in ``direction`` (infinite if it never does)."""
        inside, outside = estimate, None
        for k in range(48):
            trial = estimate + direction * step * 2.0**k
            if self.p(trial) <= alpha:
                outside = trial
                break
            inside = trial
        if outside is None:
            return direction * math.inf
        while abs(outside - inside) > 1e-5 * step:
            middle = (inside + outside) / 2
            if self.p(middle) <= alpha:
                outside = middle
            else:
                inside = middle
        return (inside + outside) / 2


def engagement_vs_change(
    intensity_q: pd.DataFrame,
    outcome_q: pd.DataFrame,
    lag: int = 1,
    change: str = "relative",
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
) -> AssocResult:
    """Each district's engagement in quarter t against the change in the outcome in quarter t + lag
    from the same quarter a year earlier (t + lag - 4), within districts and calendar quarters.

    So lag=1 is "engagement this quarter, next quarter against a year before it"; lag=4 "engagement
    this quarter, the same quarter next year against this one"; lag=0 the year up to the engagement
    quarter. ``change="relative"`` is value(t+lag) / value(t+lag-4) - 1 (NA when the earlier value is
    0 or less; use for counts), ``"absolute"`` the difference (use for scores). Needs
    ``intensity_q[district_id, quarter, intensity]`` and ``outcome_q[district_id, quarter, value]``;
    quarters may be Periods, dates or strings like "2024Q1". ``permutations`` random district
    assignments (seeded with ``seed``) are used beyond ``EXACT_UP_TO`` districts. The method is in the
    module docstring.
    """
    if change not in ("relative", "absolute"):
        raise ValueError(f"change must be 'relative' or 'absolute', not {change!r}")
    if lag < 0:
        raise ValueError("lag must be 0 or more quarters")
    x_ids = intensity_q["district_id"].astype(str).to_numpy()
    x_q = _as_quarter(intensity_q["quarter"]).asi8
    o_ids = outcome_q["district_id"].astype(str).to_numpy()
    o_q = _as_quarter(outcome_q["quarter"]).asi8
    ids = sorted(set(x_ids), key=_natural_key)
    row = {d: i for i, d in enumerate(ids)}
    nan = math.nan
    fit = dict(slope=nan, slope_ci_low=nan, slope_ci_high=nan, r=nan, r_ci_low=nan, r_ci_high=nan,
               p_value=nan, permutations=0, exact=False)
    columns = ["district_id", "quarter", "intensity", "change", "intensity_within", "change_within"]
    if not len(x_ids):
        return AssocResult(points=pd.DataFrame({c: [] for c in columns}), n=0, n_districts=0, n_quarters=0,
                           lag=lag, change=change, **fit)
    # Quarters as Period ordinals, one column each from the first engagement quarter to the last.
    first, width = int(x_q.min()), int(x_q.max() - x_q.min()) + 1
    engagement = _grid(np.array([row[d] for d in x_ids], dtype=np.intp), x_q - first,
                       pd.to_numeric(intensity_q["intensity"]).astype(float).to_numpy(), (len(ids), width))
    known = np.array([d in row for d in o_ids], dtype=bool)
    o_cols = o_q[known] - first
    span_low, span_high = min(0, int(o_cols.min(initial=0))), max(width, int(o_cols.max(initial=0)) + 1)
    outcome = _grid(np.array([row[d] for d in o_ids[known]], dtype=np.intp), o_cols - span_low,
                    pd.to_numeric(outcome_q["value"]).astype(float).to_numpy()[known],
                    (len(ids), span_high - span_low))
    cols = np.arange(width) - span_low

    def outcome_at(shift: int) -> np.ndarray:
        at = cols + shift
        inside = (at >= 0) & (at < outcome.shape[1])
        out = np.full((len(ids), width), np.nan)
        out[:, inside] = outcome[:, at[inside]]
        return out

    after, before = outcome_at(lag), outcome_at(lag - YEAR)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.where(before > 0, after / before - 1.0, np.nan) if change == "relative" else after - before
    use = _panel(~np.isnan(engagement) & ~np.isnan(delta), engagement)
    d_all, t_all = np.nonzero(use)  # district by district, quarters in order
    kept_rows, kept_cols = np.flatnonzero(use.any(axis=1)), np.flatnonzero(use.any(axis=0))
    n = len(d_all)
    points = pd.DataFrame({
        "district_id": np.array(ids, dtype=object)[d_all],
        "quarter": pd.PeriodIndex.from_ordinals(t_all + first, freq="Q") if n else pd.PeriodIndex([], freq="Q"),
        "intensity": engagement[d_all, t_all], "change": delta[d_all, t_all],
        "intensity_within": nan, "change_within": nan})
    districts, quarters = [ids[i] for i in kept_rows], kept_cols
    if n:
        d_idx = np.searchsorted(kept_rows, d_all)
        t_idx = np.searchsorted(kept_cols, t_all)
        member = np.eye(len(districts))[d_idx]
        dummies = np.hstack([member, np.eye(len(quarters))[t_idx]])
        # Least-squares residuals on the district and calendar-quarter dummies: exact demeaning, also on an
        # unbalanced panel. For many columns at once: v - (v @ coef.T) @ dummies.T.
        coef = np.linalg.pinv(dummies)
        demean = lambda v: v - (v @ coef.T) @ dummies.T  # noqa: E731
        xw = demean(points["intensity"].to_numpy())
        yw = demean(points["change"].to_numpy())
        scale = max(float(np.abs(points["intensity"]).max()), 1e-300)
        xw[np.abs(xw) < 1e-12 * scale] = 0.0
        points["intensity_within"], points["change_within"] = xw, yw
        sxx, syy = float(xw @ xw), float(yw @ yw)
        if sxx > 0:
            slope = float(xw @ yw) / sxx
            fit["slope"] = slope
            r = slope * math.sqrt(sxx / syy) if syy > 0 else nan
            fit["r"] = r
            if len(districts) >= MIN_DISTRICTS and syy > 0:
                grid = engagement[np.ix_(kept_rows, kept_cols)]
                perms = _permutations(len(districts), permutations, seed)
                x_perm = demean(grid[perms[:, d_idx], t_idx])
                test = _PermutationTest(x_perm, xw, yw, member)
                p = test.p(0.0)
                se = test.se_ratio(slope) / sxx
                step = se if math.isfinite(se) and se > 0 else max(abs(slope), 1e-12)
                low, high = test.bound(slope, step, -1, ALPHA), test.bound(slope, step, 1, ALPHA)
                k = math.sqrt(sxx / syy)
                fit.update(p_value=p, slope_ci_low=low, slope_ci_high=high, permutations=len(perms),
                           exact=len(districts) <= EXACT_UP_TO,
                           r_ci_low=max(-1.0, low * k) if math.isfinite(low) else -1.0,
                           r_ci_high=min(1.0, high * k) if math.isfinite(high) else 1.0)
    return AssocResult(points=points, n=n, n_districts=len(districts), n_quarters=len(quarters), lag=lag,
                       change=change, **fit)


GROUP_LABELS = {"black": N_("black"), "white": N_("white"), "hispanic": N_("hispanic"), "asian": N_("asian"),
                "other": N_("other groups")}


def group_label(group: str) -> str:
    """A demographic group's code as shown (age bands such as "18-34" read the same in every language)."""
    return _(GROUP_LABELS[group]) if group in GROUP_LABELS else str(group)


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
