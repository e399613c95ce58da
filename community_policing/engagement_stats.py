"""Engagement intensity per district and period, and engagement against later change in an outcome."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from community_policing.analysis import ASSOCIATION_CAPTION, _natural_key
from community_policing.metrics import MIN_POPULATION_FOR_RATE


# ============================================================================================
# Engagement intensity
# ============================================================================================

_FREQ = {"M": "M", "MS": "M", "Q": "Q", "QS": "Q", "Y": "Y", "YS": "Y", "A": "Y"}


def _period_start(values, freq: str) -> pd.Series:
    return pd.to_datetime(pd.Series(values)).dt.to_period(_FREQ[freq]).dt.start_time


def engagement_types() -> tuple[str, ...]:
    from community_policing import schema

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
# Engagement against later change in an outcome
# ============================================================================================


@dataclass(frozen=True, eq=False)
class AssocResult:
    """Engagement intensity in quarter t against the change in an outcome ``lag`` quarters on.

    ``points``: district_id, quarter (of the engagement), intensity, change. Theil-Sen slope
    with its 95 % interval (scipy.stats.theilslopes); Spearman rank correlation with a 95 %
    interval from Fisher's z with the Bonett-Wright standard error sqrt((1 + r^2/2) / (n - 3)).
    Both intervals treat the points as independent, which repeated quarters of one district are
    not: read them as optimistic. ``caption`` must be shown with any chart of this.
    """

    points: pd.DataFrame
    n: int
    n_districts: int
    lag: int
    change: str
    within_district: bool
    slope: float
    intercept: float
    slope_ci_low: float
    slope_ci_high: float
    spearman_rho: float
    spearman_p: float
    rho_ci_low: float
    rho_ci_high: float
    caption: str = ASSOCIATION_CAPTION


def _as_quarter(values) -> pd.PeriodIndex:
    s = pd.Series(values)
    if isinstance(s.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(s.dt.asfreq("Q"))
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return pd.PeriodIndex(s.dt.to_period("Q"))
    return pd.PeriodIndex([pd.Period(v if isinstance(v, (pd.Period, dt.date)) else str(v), freq="Q") for v in s])


def spearman_ci(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Fisher-z interval for a Spearman correlation with the Bonett-Wright (2000) SE."""
    if n < 4 or not np.isfinite(rho):
        return math.nan, math.nan
    r = min(max(rho, -0.999999), 0.999999)
    se = math.sqrt((1 + r**2 / 2) / (n - 3))
    q = stats.norm.ppf(0.5 + level / 2)
    zr = math.atanh(r)
    return math.tanh(zr - q * se), math.tanh(zr + q * se)


def engagement_vs_change(
    intensity_q: pd.DataFrame,
    outcome_q: pd.DataFrame,
    lag: int = 1,
    change: str = "relative",
    within_district: bool = False,
) -> AssocResult:
    """Pairs each district's engagement in quarter t with the change in the outcome from
    quarter t+lag-1 to quarter t+lag.

    So lag=1 is "engagement this quarter, change over the next quarter", lag=0 "engagement this
    quarter, change from last quarter to this one". ``change="relative"`` is value(t+lag) /
    value(t+lag-1) - 1 (NA when the earlier value is 0 or less; use for counts),
    ``"absolute"`` the difference (use for scores). ``within_district=True`` subtracts each
    district's own mean intensity and mean change first, so stable differences between
    districts (where engagement is sent) drop out. Needs ``intensity_q[district_id, quarter,
    intensity]`` and ``outcome_q[district_id, quarter, value]``; quarters may be Periods,
    dates or strings like "2024Q1".
    """
    if change not in ("relative", "absolute"):
        raise ValueError(f"change must be 'relative' or 'absolute', not {change!r}")
    if lag < 0:
        raise ValueError("lag must be 0 or more quarters")
    x = pd.DataFrame({"district_id": intensity_q["district_id"].astype(str).to_numpy(),
                      "quarter": _as_quarter(intensity_q["quarter"]),
                      "intensity": pd.to_numeric(intensity_q["intensity"]).astype(float).to_numpy()})
    o = pd.Series(pd.to_numeric(outcome_q["value"]).astype(float).to_numpy(),
                  index=pd.MultiIndex.from_arrays([outcome_q["district_id"].astype(str).to_numpy(),
                                                   _as_quarter(outcome_q["quarter"])]))
    o = o.groupby(level=[0, 1]).sum()
    after = o.reindex(pd.MultiIndex.from_arrays([x["district_id"], x["quarter"] + lag])).to_numpy()
    before = o.reindex(pd.MultiIndex.from_arrays([x["district_id"], x["quarter"] + (lag - 1)])).to_numpy()
    if change == "relative":
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(before > 0, after / before - 1.0, np.nan)
    else:
        delta = after - before
    x["change"] = delta
    points = x.dropna(subset=["intensity", "change"]).reset_index(drop=True)
    xs, ys = points["intensity"].to_numpy(), points["change"].to_numpy()
    if within_district and len(points):
        xs = xs - points.groupby("district_id")["intensity"].transform("mean").to_numpy()
        ys = ys - points.groupby("district_id")["change"].transform("mean").to_numpy()
    n = len(points)
    slope = intercept = lo = hi = rho = p = math.nan
    if n >= 3 and np.ptp(xs) > 0:
        ts = stats.theilslopes(ys, xs, alpha=0.95)
        slope, intercept, lo, hi = float(ts.slope), float(ts.intercept), float(ts.low_slope), float(ts.high_slope)
    if n >= 3 and np.ptp(xs) > 0 and np.ptp(ys) > 0:
        sr = stats.spearmanr(xs, ys)
        rho, p = float(sr.statistic), float(sr.pvalue)
    rlo, rhi = spearman_ci(rho, n)
    return AssocResult(
        points=points, n=n, n_districts=int(points["district_id"].nunique()), lag=lag, change=change,
        within_district=within_district, slope=slope, intercept=intercept, slope_ci_low=lo,
        slope_ci_high=hi, spearman_rho=rho, spearman_p=p, rho_ci_low=rlo, rho_ci_high=rhi,
    )
