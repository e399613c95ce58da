"""Rates per 1,000 residents against funnel-plot control limits (Spiegelhalter 2005)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from community_policing.metrics import MIN_POPULATION_FOR_RATE, UNASSIGNED_ID, poisson_z


# ============================================================================================
# Rates and funnel plot
# ============================================================================================


def _coverage_label(z: float) -> str:
    return f"{(2 * stats.norm.cdf(z) - 1) * 100:.3g}"


def _poisson_limit(p: float, mean: np.ndarray, interpolate: bool) -> np.ndarray:
    """Count at which a Poisson(mean) reaches cumulative probability ``p``.

    Exact quantile (``scipy.stats.poisson.ppf``); with ``interpolate`` the quantile r is moved
    down by (F(r) - p) / (F(r) - F(r-1)), which gives smooth funnel lines (Spiegelhalter 2005,
    Statistics in Medicine 24:1185, appendix A.1.1).
    """
    r = stats.poisson.ppf(p, mean)
    if not interpolate:
        return r
    f_r = stats.poisson.cdf(r, mean)
    f_r1 = stats.poisson.cdf(r - 1, mean)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
    return np.maximum(r - alpha, 0.0)


def funnel_limits(
    populations,
    city_rate_per_1000: float,
    z: Sequence[float] = (1.96, 3.09),
    interpolate: bool = True,
) -> pd.DataFrame:
    """Poisson control limits, as rates per 1,000, for areas of the given populations.

    For each population n the expected count is n x rate / 1000; the limits are the exact
    Poisson quantiles at Phi(-z) and Phi(z) (1.96 -> 95 %, 3.09 -> 99.8 %), divided by n.
    Columns: population, expected, then lower_<cov> and upper_<cov> per z (e.g. lower_95,
    upper_99.8). Populations of 0 or less give NA limits.
    """
    pop = np.asarray(populations, dtype=float)
    mean = pop * float(city_rate_per_1000) / 1000.0
    out = pd.DataFrame({"population": pop, "expected": mean})
    valid = pop > 0
    for zz in z:
        cov = _coverage_label(zz)
        for side, p in (("lower", stats.norm.cdf(-zz)), ("upper", stats.norm.cdf(zz))):
            lim = np.full(pop.shape, np.nan)
            lim[valid] = _poisson_limit(p, mean[valid], interpolate) / pop[valid] * 1000.0
            out[f"{side}_{cov}"] = lim
    return out


def funnel_table(areas: pd.DataFrame, z: Sequence[float] = (1.96, 3.09)) -> pd.DataFrame:
    """Areas against the funnel: rate per 1,000, expected count at the city rate, z, position.

    ``areas`` has area_id, area_name, incidents, population. The city rate is total incidents
    over total residents of the areas with at least 300 residents. Areas below 300 residents
    (or without a population) get no rate. z = 2(sqrt(observed) - sqrt(expected)) (the
    variance-stabilised Poisson z used everywhere in the dashboard). ``position`` compares the
    rate with the exact Poisson limits: "within expected range", "above 95% limit", "above 99.8%
    limit", "below 95% limit", "below 99.8% limit", or "no rate (fewer than 300 residents)".
    """
    out = areas.copy()
    pop = pd.to_numeric(out["population"], errors="coerce").astype(float)
    inc = pd.to_numeric(out["incidents"], errors="coerce").astype(float)
    usable = pop >= MIN_POPULATION_FOR_RATE
    total_pop = pop[usable].sum()
    city_rate = inc[usable].sum() / total_pop * 1000.0 if total_pop > 0 else math.nan
    out["rate_per_1000"] = (inc / pop * 1000.0).where(usable).astype("Float64")
    out["expected"] = (pop * city_rate / 1000.0).where(usable).astype("Float64")
    z_score = pd.Series(poisson_z(inc.fillna(0).to_numpy(), (pop * city_rate / 1000.0).fillna(0).to_numpy()),
                        index=out.index)
    out["z_score"] = z_score.where(usable).astype("Float64")
    out["city_rate_per_1000"] = city_rate
    position = pd.Series("no rate (fewer than 300 residents)", index=out.index, dtype=object)
    if usable.any() and np.isfinite(city_rate):
        zs = sorted(z)
        lims = funnel_limits(pop[usable].to_numpy(), city_rate, z=zs)
        lims.index = pop[usable].index
        rate = (inc / pop * 1000.0)[usable]
        pos = pd.Series("within expected range", index=rate.index, dtype=object)
        for zz in zs:  # widest last, so it wins
            cov = _coverage_label(zz)
            pos[rate > lims[f"upper_{cov}"]] = f"above {cov}% limit"
            pos[rate < lims[f"lower_{cov}"]] = f"below {cov}% limit"
        position[usable] = pos
    out["position"] = position
    return out


def funnel_view(areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas placed against Poisson control limits (rate by population), and the limit curves."""
    placed = funnel_table(areas[areas["area_id"] != UNASSIGNED_ID][
        ["area_id", "area_name", "incidents", "population"]])
    usable = placed["rate_per_1000"].notna()
    if not usable.any():
        return placed, pd.DataFrame()
    pops = placed.loc[usable, "population"].astype(float)
    low, high = max(pops.min() * 0.8, 300.0), pops.max() * 1.1
    grid = sorted(set([low + (high - low) * i / 200 for i in range(201)] + list(pops)))
    limits = funnel_limits(grid, float(placed["city_rate_per_1000"].iloc[0]))
    return placed, limits
