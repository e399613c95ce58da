"""Rates per 1,000 residents compared fairly: funnel-plot limits that allow for the usual spread
between areas, empirical-Bayes (size-adjusted) rates, and a caution where residents are the wrong
denominator. Pure functions: DataFrames in, DataFrames and dataclasses out.

* ``funnel_limits`` / ``funnel_table`` / ``funnel_view``   areas against control limits (Spiegelhalter
                                                          2005), widened when areas are overdispersed.
* ``between_area_spread``   how much more than chance the areas' rates differ (φ, the test, τ²).
* ``add_shrunk_rates``      each area's rate shrunk toward the city rate, with a 95 % interval.
* ``add_denominator_notes`` areas with far more incidents than their residents would suggest.
* ``METHOD_NOTE``           the plain-language explanation for "How to read these numbers".

How the funnel reasons (read this before changing it)
-----------------------------------------------------

A funnel plot puts each area's rate against its population with limits that say how far chance
alone moves a rate at that size (Spiegelhalter 2005, "Funnel plots for comparing institutional
performance", Statistics in Medicine 24:1185). With Poisson limits that is only chance in the
count: on real cities areas differ far more than that, because their underlying rates differ
(poverty, land use, who passes through), and almost every area falls outside (St. Louis 2019: 62 of
79 neighborhoods outside the 99.8 % limits). The limits then flag everything and rank nothing.

Spiegelhalter ("Handling over-dispersion of performance indicators", Qual Saf Health Care 2005;
14:347) gives two repairs. *Multiplicative*: every area's variance is inflated by one factor φ,
which suits counts that come in clusters. *Additive random effects*: each area has its own
underlying rate, spread around the city's with a between-area variance τ², on top of Poisson
chance. Between neighborhoods the excess is of the second kind: it does not shrink as areas
grow (a large area's count is precise, its rate still differs), so multiplicative limits, which
narrow like Poisson ones, would still flag nearly every large area and hardly any small one.
We use additive random effects, with the between-area spread on the log scale (rates differ by a
factor, not by a fixed amount): on St. Louis 2019 the log-rates of its 79 neighborhoods are
symmetric (skewness -0.02) where their square roots are not (0.78). The limits are then the exact
quantiles of a Poisson count whose mean is the city rate times a log-normal factor (mean 1,
log-SD τ), interpolated like the Poisson ones (Spiegelhalter 2005, appendix A.1.1); with τ = 0 they
are the Poisson limits exactly.

τ² is estimated in the spirit of DerSimonian-Laird, robustly. Each area's log rate,
log((O + 0.5) / n), with its Poisson variance 1 / (O + 0.5), is standardised by
sqrt(variance + τ²) around the city rate; τ² is the value at which these standardised residuals,
winsorised at their 10th and 90th percentiles (Spiegelhalter's choice, so that the few truly
unusual areas do not widen the funnel for everyone), have the mean square that winsorised
standard-normal values have (0.679, the consistency constant; without it the winsorised estimate
runs about a third too low and the limits too narrow). This is the Paule-Mandel moment equation
with winsorised residuals.

The limits are widened only when the areas are overdispersed: Pearson's X² of the counts against
the city rate exceeds its chi-square (I - 1) 95 % point (the classical dispersion test), and the
robust τ² is above zero. Otherwise, and with fewer than ``MIN_AREAS_FOR_SPREAD`` areas with a
rate (too few to measure a spread), the limits are Poisson, as before. ``dispersion`` reports φ:
the winsorised mean square of the areas' z-scores 2(√O − √E), consistency-corrected, i.e. how many
times chance alone their rates vary.

Checked on seeded simulated cities with no special area (79 areas of St. Louis-like sizes, 450 to
17,000 residents; tests/test_funnel.py and 100 cities per case while building it): with a log-normal
spread of τ = 0.3 or 0.6, 0.20-0.28 % of areas fall outside the 99.8 % limits and 4.4-4.9 % outside
the 95 % ones (also with a hundredth of the incidents, and with 30 areas: 0.1 % and 3.9 %); on pure
Poisson cities the limits are widened in 4-5 % of cities (the test's level) and 0.1 % / 4.4-5 % of
areas fall outside. St. Louis 2019, all offenses: 0 of 79 neighborhoods outside the widened 99.8 %
limits (62 outside the Poisson ones), 3 outside the 95 % ones; τ = 0.65, φ about 160.

Empirical-Bayes rates use the same model and the same τ² (not gated by the test: an estimate
of τ² near 0 simply means the areas look alike). Each area's posterior for its underlying rate,
given its count and the log-normal spread around the city rate, is computed on a grid (Clayton &
Kaldor 1987): the shrunk rate is its mean, the interval its 2.5th and 97.5th percentiles. A small
area (few incidents) moves far toward the city rate, a large one hardly at all. The prior's
log-variance adds the city rate's own sampling variance (1 / its incidents) to τ², so that areas
that look alike get an interval around the city rate rather than none. The interval otherwise
treats τ² as known: on the simulated cities above it covers the true rate 93-95 % of the time
(97-98 % on Poisson cities).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from community_policing.i18n import N_, _, ngettext
from community_policing.data.areas import MIN_POPULATION_FOR_RATE, UNASSIGNED_ID

# Spiegelhalter's winsorising: z-scores beyond their 10th and 90th percentiles are pulled in to them.
WINSOR_FRACTION = 0.10
# E[min(max(Z, -k), k)^2] for a standard normal Z winsorised at its own 10 % tails (k = 1.2816): dividing
# by it makes the winsorised mean square estimate a variance of 1 (not 0.68) where chance alone acts.
_K = stats.norm.ppf(1 - WINSOR_FRACTION)
WINSOR_CONSTANT = float((1 - 2 * WINSOR_FRACTION) - 2 * _K * stats.norm.pdf(_K) + 2 * WINSOR_FRACTION * _K ** 2)
# Below this many areas with a rate a spread between areas cannot be measured: Poisson limits, no shrinkage.
MIN_AREAS_FOR_SPREAD = 5
# The dispersion test's level: limits are widened only when chance alone is rejected at 5 %.
DISPERSION_ALPHA = 0.05
# An area whose rate is clearly (lower end of its exact 95 % interval) at least this many times the
# city's gets the denominator caution. In St. Louis 2016-2019 that is Downtown (and at times College Hill
# or Peabody Darst Webbe, residential areas: the note says the data cannot tell which it is).
FEW_RESIDENTS_MULTIPLE = 3.0

# What ``funnel_table``'s ``limits`` column says (English: code compares it), translated where shown.
LIMITS_POISSON = N_("Poisson limits (areas differ no more than chance allows)")
LIMITS_WIDENED = N_("limits widened for the usual spread between areas (overdispersion)")
LIMITS_TOO_FEW = N_("Poisson limits (too few areas to measure the spread between them)")
# The readings ``funnel_table`` gives each area (English: code compares them), translated where shown.
POSITIONS = (N_("within expected range"), N_("above 95% limit"), N_("below 95% limit"),
             N_("above 99.8% limit"), N_("below 99.8% limit"), N_("no rate (fewer than 300 residents)"))
# ``denominator_note`` values (English data; translated where shown).
NOTE_NO_RESIDENTS = N_("no residents on record: a rate per resident cannot describe this area (a park, a "
                       "cemetery, an industrial area)")
NOTE_FEW_RESIDENTS = N_("far more incidents than its residents would suggest: if many people here work, shop or "
                        "visit rather than live (a downtown, a park, an industrial area), residents are the wrong "
                        "denominator and the rate overstates the risk to residents; the data cannot tell which")
NOTE_NOT_RESIDENTIAL = N_("not a residential area (city manifest): residents are the wrong denominator here")

# The Overview's caption under the funnel (followed by ``describe_limits``), translated where shown.
FUNNEL_CAPTION = N_(
    "A league table ranks small districts by noise. The funnel shows how far a rate can stray from the city rate "
    "at each population (95% and 99.8% limits); only points outside it stand out. With thousands of incidents "
    "the funnel is narrow. Outside says a difference is larger than the limits allow, not that it is large or "
    "what causes it.")
# Headings of the columns this module adds, for the tables behind the charts (translated where shown).
COLUMN_LABELS = {
    "rate_eb_per_1000": N_("Size-adjusted rate per 1,000"), "rate_eb_low": N_("Size-adjusted: low (95%)"),
    "rate_eb_high": N_("Size-adjusted: high (95%)"), "shrinkage": N_("Weight on the city rate"),
    "times_city_rate": N_("× city rate"), "few_residents": N_("Few residents for its incidents"),
    "denominator_note": N_("Denominator note"), "z_adjusted": N_("z (allowing for the spread between areas)"),
    "limits": N_("Limits"), "tau2": N_("Spread between areas (τ², log scale)"),
    "dispersion_p": N_("Dispersion test (p)"), "city_rate_per_1000": N_("City rate per 1,000"),
}
# Columns this module adds whose values are words (English data), shown in the current language.
WORD_COLUMNS = ("limits", "denominator_note")

# The District page's neighborhood ranking (district.py, pages/district.py), translated where shown.
RANKING_NOTE = N_(
    "Ranked by the size-adjusted rate: a small neighborhood's rate, which chance swings a lot, is pulled toward "
    "the city rate, so it cannot top or bottom the list by chance alone; the raw rate is beside it.")
RANKING_HELP = N_("By the size-adjusted rate per 1,000 residents, highest first")
RANKING_TAKEAWAY = N_("Highest rate (size-adjusted): {name}, {rate} incidents per 1,000 residents")

SHRINKAGE_CAPTION = N_(
    "Colours show each area's rate adjusted for its size (empirical Bayes): a small area's rate, which chance "
    "swings a lot, is pulled toward the city rate, while a large area keeps close to its own; hover for the raw "
    "rate and its counts.")

METHOD_NOTE = N_(
    "**Fair comparisons of areas (funnel plot).** A small area's rate swings a lot by chance: a few incidents "
    "more or less change it by a large share. The funnel plot puts each area's rate per 1,000 residents against "
    "its number of residents, with limits that are wide for small areas and narrow for large ones; an area "
    "outside the 99.8% limits differs by more than the limits allow. Plain chance (Poisson) limits are narrow, "
    "and in a real city most areas fall outside them, because areas really do differ (who lives there, what "
    "is there, who passes through). When the areas vary more than chance alone would make them "
    "(**overdispersion**, tested on the areas' own figures), the limits are widened by the usual spread "
    "between areas (additive random effects, Spiegelhalter 2005), estimated from the areas themselves while "
    "setting the most extreme aside. An area outside the widened limits is unusual even allowing for how "
    "much areas normally differ; one inside them may still differ from the city rate. Neither says why.\n\n"
    "**Size-adjusted rates (empirical Bayes).** Maps and rankings of neighborhoods show each area's rate "
    "pulled toward the city rate by an amount that depends on how much data it has: a neighborhood with a "
    "dozen incidents moves a long way, one with thousands hardly at all. This keeps a small area from topping "
    "or bottoming a ranking by chance. The raw rate and its counts are in the hover, and the shrunk rate comes "
    "with a 95% interval.\n\n"
    "**Where residents are the wrong denominator.** A rate per resident assumes the people at risk live there. "
    "Parks, cemeteries and industrial land have few or no residents; downtowns have many workers, shoppers and "
    "visitors. An area whose rate is clearly at least three times the city's is marked: either it is much more "
    "dangerous for its residents or many of its incidents involve people who do not live there, and the "
    "counts alone cannot tell which. Areas with no residents on record have no rate.")


# ============================================================================================
# Poisson and Poisson-log-normal limits
# ============================================================================================


def _coverage_label(z: float) -> str:
    return f"{(2 * stats.norm.cdf(z) - 1) * 100:.3g}"


# Gauss-Hermite nodes for expectations over a normal: E[f(X)], X ~ N(0, 1) ~ sum(w * f(sqrt(2) * t)).
_GH_T, _GH_W = special.roots_hermite(48)
_GH_X = math.sqrt(2.0) * _GH_T
_GH_W = _GH_W / math.sqrt(math.pi)


def _mixture_cdf(r: np.ndarray, mean: np.ndarray, tau2: float) -> np.ndarray:
    """P(O <= r) for O ~ Poisson(mean * exp(u)), u ~ N(-tau2 / 2, tau2) (so E[O] = mean); r integer.

    With tau2 = 0 the Poisson CDF. Otherwise an expectation over a normal by Gauss-Hermite, over
    whichever variable keeps the integrand smooth: over u when the Poisson noise is wider than the
    spread (tau2 * mean < 1); else, using P(Poisson(mu) <= r) = P(Gamma(r + 1) > mu), over the
    gamma variable, whose quantiles come from the Wilson-Hilferty cube-root normal approximation.
    """
    r = np.asarray(r, dtype=float)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), r.shape)
    if tau2 <= 0:
        return stats.poisson.cdf(r, mean)
    tau = math.sqrt(tau2)
    centre = -tau2 / 2
    out = np.zeros(r.shape)
    valid = (r >= 0) & (mean > 0)
    out[(r >= 0) & ~(mean > 0)] = 1.0
    over_u = valid & (tau2 * mean < 1)
    if over_u.any():
        mu = mean[over_u][:, None] * np.exp(centre + tau * _GH_X[None, :])
        out[over_u] = stats.poisson.cdf(r[over_u][:, None], mu) @ _GH_W
    over_g = valid & ~over_u
    if over_g.any():
        a = r[over_g][:, None] + 1.0
        base = np.clip(1 - 1 / (9 * a) + _GH_X[None, :] / (3 * np.sqrt(a)), 1e-12, None)
        log_g = np.log(a) + 3 * np.log(base)
        out[over_g] = stats.norm.cdf((log_g - np.log(mean[over_g])[:, None] - centre) / tau) @ _GH_W
    return np.clip(out, 0.0, 1.0)


def _mixture_limit(p: float, mean: np.ndarray, tau2: float, interpolate: bool) -> np.ndarray:
    """Count at which the Poisson-log-normal reaches cumulative probability ``p`` (smallest integer r with
    F(r) >= p), interpolated like ``_poisson_limit``."""
    mean = np.asarray(mean, dtype=float)
    tau = math.sqrt(tau2)
    # The u-spread beyond ±9 SD carries no probability that matters: the quantile lies between these.
    lo = np.maximum(stats.poisson.ppf(p, mean * math.exp(-tau2 / 2 - 9 * tau)) - 1, 0.0)
    hi = stats.poisson.ppf(p, mean * math.exp(-tau2 / 2 + 9 * tau)) + 1
    while np.any(hi > lo):
        mid = np.floor((lo + hi) / 2)
        ok = _mixture_cdf(mid, mean, tau2) >= p
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid + 1)
    r = hi
    if not interpolate:
        return r
    f_r = _mixture_cdf(r, mean, tau2)
    f_r1 = _mixture_cdf(r - 1, mean, tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_r1, (f_r - p) / (f_r - f_r1), 0.0)
    return np.maximum(r - alpha, 0.0)


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
    tau2: float = 0.0,
) -> pd.DataFrame:
    """Control limits, as rates per 1,000, for areas of the given populations.

    For each population n the expected count is n x rate / 1000; the limits are the exact
    quantiles at Phi(-z) and Phi(z) (1.96 -> 95 %, 3.09 -> 99.8 %), divided by n: of a Poisson
    count when ``tau2`` is 0, else of a Poisson count whose mean varies between areas by a
    log-normal factor with log-variance ``tau2`` (``between_area_spread``). Columns: population,
    expected, then lower_<cov> and upper_<cov> per z (e.g. lower_95, upper_99.8). Populations of 0
    or less give NA limits.
    """
    pop = np.asarray(populations, dtype=float)
    mean = pop * float(city_rate_per_1000) / 1000.0
    out = pd.DataFrame({"population": pop, "expected": mean})
    valid = pop > 0
    for zz in z:
        cov = _coverage_label(zz)
        for side, p in (("lower", stats.norm.cdf(-zz)), ("upper", stats.norm.cdf(zz))):
            lim = np.full(pop.shape, np.nan)
            if tau2 > 0:
                lim[valid] = _mixture_limit(p, mean[valid], tau2, interpolate) / pop[valid] * 1000.0
            else:
                lim[valid] = _poisson_limit(p, mean[valid], interpolate) / pop[valid] * 1000.0
            out[f"{side}_{cov}"] = lim
    return out


# ============================================================================================
# How much areas differ beyond chance
# ============================================================================================


@dataclass(frozen=True)
class Spread:
    """How much more than chance the areas' rates differ (``between_area_spread``).

    ``dispersion`` (φ): the robust mean square of the areas' z-scores, about 1 when chance alone
    acts; ``p_value``: the chi-square dispersion test (small: more than chance); ``tau2``: the
    between-area variance of log rates (0 when none is found); ``areas``: areas used."""

    areas: int
    city_rate_per_1000: float
    dispersion: float
    p_value: float
    tau2: float

    @property
    def measurable(self) -> bool:
        return self.areas >= MIN_AREAS_FOR_SPREAD

    @property
    def overdispersed(self) -> bool:
        """Chance alone is rejected and a spread is found: the funnel's limits are widened."""
        return self.measurable and self.p_value < DISPERSION_ALPHA and self.tau2 > 0

    @property
    def limits_tau2(self) -> float:
        """The τ² the funnel's limits use: 0 (Poisson) unless the areas are overdispersed."""
        return self.tau2 if self.overdispersed else 0.0

    @property
    def limits(self) -> str:
        """Which limits the funnel uses (English: ``LIMITS_*``)."""
        if not self.measurable:
            return LIMITS_TOO_FEW
        return LIMITS_WIDENED if self.overdispersed else LIMITS_POISSON

    @property
    def spread_factor(self) -> float:
        """exp(τ): about two in three areas' underlying rates lie within this factor of the city's."""
        return math.exp(math.sqrt(self.tau2))


def _winsorised_mean_square(values: np.ndarray) -> float:
    low, high = np.percentile(values, [100 * WINSOR_FRACTION, 100 * (1 - WINSOR_FRACTION)])
    return float(np.mean(np.clip(values, low, high) ** 2))


def _robust_tau2(incidents: np.ndarray, population: np.ndarray, city_rate: float) -> float:
    """Between-area variance of log rates: the τ² at which the winsorised, standardised log rates have
    the mean square of winsorised standard-normal values (Paule-Mandel with winsorised residuals)."""
    n = len(incidents)
    y = np.log((incidents + 0.5) / population * 1000.0)
    v = 1.0 / (incidents + 0.5)
    target = (n - 1) / n  # one degree of freedom goes to the city rate

    def excess(tau2: float) -> float:
        resid = (y - (math.log(city_rate) - tau2 / 2)) / np.sqrt(v + tau2)
        return _winsorised_mean_square(resid) / WINSOR_CONSTANT - target

    if excess(0.0) <= 0:
        return 0.0
    # The first crossing from above (at a huge τ² the mean shift -τ²/2 dominates and the excess rises again).
    low = 0.0
    for high in 1e-4 * 4.0 ** np.arange(13):
        if excess(high) <= 0:
            return float(optimize.brentq(excess, low, high, xtol=1e-10))
        low = high
    return float(low)


def between_area_spread(incidents, population, city_rate_per_1000: float | None = None) -> Spread:
    """How much more than chance the rates of these areas differ (areas with a rate only).

    ``city_rate_per_1000`` defaults to total incidents over total residents. See the module notes.
    """
    inc = np.asarray(incidents, dtype=float)
    pop = np.asarray(population, dtype=float)
    keep = np.isfinite(inc) & np.isfinite(pop) & (pop > 0)
    inc, pop = inc[keep], pop[keep]
    n = len(inc)
    rate = (float(city_rate_per_1000) if city_rate_per_1000 is not None
            else (inc.sum() / pop.sum() * 1000.0 if pop.sum() > 0 else math.nan))
    if n < 2 or not np.isfinite(rate) or rate <= 0:
        return Spread(n, rate, math.nan, math.nan, 0.0)
    expected = pop * rate / 1000.0
    z = 2.0 * (np.sqrt(inc) - np.sqrt(expected))
    dispersion = _winsorised_mean_square(z) / WINSOR_CONSTANT * n / (n - 1)
    pearson = float(np.sum((inc - expected) ** 2 / expected))
    p_value = float(stats.chi2.sf(pearson, n - 1))
    tau2 = _robust_tau2(inc, pop, rate) if n >= MIN_AREAS_FOR_SPREAD else 0.0
    return Spread(n, rate, float(dispersion), p_value, tau2)


def _normal_score(incidents: np.ndarray, expected: np.ndarray, tau2: float) -> np.ndarray:
    """Where each count lies in its distribution under the city rate (and the spread), as a normal score
    of its mid-p: beyond ±1.96 is outside the 95 % limits, beyond ±3.09 outside the 99.8 % ones."""
    f_r = _mixture_cdf(incidents, expected, tau2)
    f_r1 = _mixture_cdf(incidents - 1, expected, tau2)
    mid = np.clip((f_r + f_r1) / 2, 1e-300, 1 - 1e-16)
    return stats.norm.ppf(mid)


# ============================================================================================
# Funnel table and view
# ============================================================================================


def funnel_table(areas: pd.DataFrame, z: Sequence[float] = (1.96, 3.09), adjust: bool = True) -> pd.DataFrame:
    """Areas against the funnel: rate per 1,000, expected count at the city rate, z, position.

    ``areas`` has area_id, area_name, incidents, population. The city rate is total incidents
    over total residents of the areas with at least 300 residents. Areas below 300 residents
    (or without a population) get no rate. ``z_score`` = 2(sqrt(observed) - sqrt(expected)) (the
    variance-stabilised Poisson z). ``position`` compares the rate with the limits: "within
    expected range", "above 95% limit", "above 99.8% limit", "below 95% limit", "below 99.8%
    limit", or "no rate (fewer than 300 residents)".

    With ``adjust`` the limits allow for overdispersion when the areas show it (module notes);
    the columns ``dispersion`` (φ), ``dispersion_p`` (the test), ``tau2`` (the spread the limits
    use, 0 for Poisson), ``limits`` (which limits, English words) and ``z_adjusted`` (the normal
    score of the area's place between those limits) say how. ``times_city_rate``,
    ``few_residents`` and ``denominator_note`` come from ``add_denominator_notes``.
    """
    out = areas.copy()
    pop = pd.to_numeric(out["population"], errors="coerce").astype(float)
    inc = pd.to_numeric(out["incidents"], errors="coerce").astype(float)
    usable = (pop >= MIN_POPULATION_FOR_RATE) & inc.notna()
    total_pop = pop[usable].sum()
    city_rate = inc[usable].sum() / total_pop * 1000.0 if total_pop > 0 else math.nan
    out["rate_per_1000"] = (inc / pop * 1000.0).where(usable).astype("Float64")
    out["expected"] = (pop * city_rate / 1000.0).where(usable).astype("Float64")
    expected = (pop * city_rate / 1000.0).fillna(0).to_numpy()
    z_score = pd.Series(2.0 * (np.sqrt(inc.fillna(0).clip(lower=0).to_numpy()) - np.sqrt(np.clip(expected, 0, None))),
                        index=out.index)
    out["z_score"] = z_score.where(usable).astype("Float64")
    out["city_rate_per_1000"] = city_rate
    spread = between_area_spread(inc[usable], pop[usable], city_rate if np.isfinite(city_rate) else None)
    tau2 = spread.limits_tau2 if adjust else 0.0
    out["dispersion"] = spread.dispersion
    out["dispersion_p"] = spread.p_value
    out["tau2"] = tau2
    out["limits"] = (spread.limits if adjust else LIMITS_POISSON) if usable.any() else ""
    out["z_adjusted"] = pd.Series(np.nan, index=out.index, dtype="Float64")
    position = pd.Series("no rate (fewer than 300 residents)", index=out.index, dtype=object)
    if usable.any() and np.isfinite(city_rate):
        zs = sorted(z)
        lims = funnel_limits(pop[usable].to_numpy(), city_rate, z=zs, tau2=tau2)
        lims.index = pop[usable].index
        rate = (inc / pop * 1000.0)[usable]
        pos = pd.Series("within expected range", index=rate.index, dtype=object)
        for zz in zs:  # widest last, so it wins
            cov = _coverage_label(zz)
            pos[rate > lims[f"upper_{cov}"]] = f"above {cov}% limit"
            pos[rate < lims[f"lower_{cov}"]] = f"below {cov}% limit"
        position[usable] = pos
        out.loc[usable, "z_adjusted"] = np.round(_normal_score(inc[usable].to_numpy(), expected[usable.to_numpy()],
                                                               tau2), 2)
    out["position"] = position
    return add_denominator_notes(out, city_rate)


def funnel_view(areas: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas placed against their control limits (rate by population), and the limit curves: Poisson,
    or widened for the spread between areas when they are overdispersed (``funnel_table``)."""
    placed = funnel_table(areas[areas["area_id"] != UNASSIGNED_ID][
        ["area_id", "area_name", "incidents", "population"]])
    usable = placed["rate_per_1000"].notna()
    if not usable.any():
        return placed, pd.DataFrame()
    pops = placed.loc[usable, "population"].astype(float)
    low, high = max(pops.min() * 0.8, 300.0), pops.max() * 1.1
    grid = sorted(set([low + (high - low) * i / 200 for i in range(201)] + list(pops)))
    limits = funnel_limits(grid, float(placed["city_rate_per_1000"].iloc[0]), tau2=float(placed["tau2"].iloc[0]))
    return placed, limits


def describe_limits(placed: pd.DataFrame, area_word: str = "district") -> str:
    """One plain sentence, in the current language, on which limits a ``funnel_table`` uses and why."""
    words = set(placed["limits"].dropna()) - {""} if "limits" in placed.columns else set()
    plural = _("neighborhoods") if area_word == "neighborhood" else _("districts")
    if LIMITS_WIDENED in words:
        row = placed.iloc[0]
        spread = Spread(0, float(row["city_rate_per_1000"]), float(row["dispersion"]), float(row["dispersion_p"]),
                        float(row["tau2"]))
        return _("The {areas}' rates vary about {phi} times as much as chance alone would make them (overdispersion), "
                 "so the limits allow for the usual spread between them: about two in three {areas} have an "
                 "underlying rate within a factor of {factor} of the city's.").format(
            areas=plural, phi=f"{spread.dispersion:,.0f}" if spread.dispersion >= 10 else f"{spread.dispersion:.1f}",
            factor=f"{spread.spread_factor:.1f}")
    if LIMITS_TOO_FEW in words:
        return _("Poisson limits (chance alone): there are too few {areas} to measure how much they usually differ, "
                 "so a {area} outside them may just be a different kind of place.").format(
            areas=plural, area=_("neighborhood") if area_word == "neighborhood" else _("district"))
    return _("Poisson limits (chance alone): the {areas}' rates vary no more than chance would make them.").format(
        areas=plural)


def funnel_title(placed: pd.DataFrame, area_word: str = "district") -> str:
    """The funnel plot's takeaway, in the current language: how many areas with a rate lie outside the limits,
    worded for the limits used (chance alone, or chance and the usual spread between areas)."""
    rated = int(placed["rate_per_1000"].notna().sum())
    beyond = int(placed["position"].fillna("").astype(str).str.startswith(("above", "below")).sum())
    widened = "limits" in placed.columns and (placed["limits"] == LIMITS_WIDENED).any()
    hoods = area_word == "neighborhood"
    if not widened:
        if not beyond:
            return (_("Every neighborhood's rate is within the range chance allows") if hoods
                    else _("Every district's rate is within the range chance allows"))
        return (ngettext("{n} of {total} neighborhood is outside the range chance allows",
                         "{n} of {total} neighborhoods are outside the range chance allows", rated) if hoods
                else ngettext("{n} of {total} district is outside the range chance allows",
                              "{n} of {total} districts are outside the range chance allows", rated)).format(
            n=beyond, total=rated)
    if not beyond:
        return (_("Every neighborhood's rate is within the usual range between neighborhoods") if hoods
                else _("Every district's rate is within the usual range between districts"))
    return (ngettext("{n} of {total} neighborhood is outside the usual range between neighborhoods",
                     "{n} of {total} neighborhoods are outside the usual range between neighborhoods", rated) if hoods
            else ngettext("{n} of {total} district is outside the usual range between districts",
                          "{n} of {total} districts are outside the usual range between districts", rated)).format(
        n=beyond, total=rated)


# ============================================================================================
# Empirical-Bayes rates
# ============================================================================================

_GRID = np.linspace(-10.0, 10.0, 801)  # posterior grid, in posterior standard deviations around the mode


def _posterior(incidents: np.ndarray, expected: np.ndarray, tau2: float, centre: float, q=(0.025, 0.975)):
    """Posterior mean and quantiles of exp(u) given O ~ Poisson(E exp(u)), u ~ N(centre, tau2)."""
    u = np.zeros(len(incidents)) + centre
    for _step in range(100):  # Newton for the mode (the log posterior is concave), steps of at most 1
        grad = incidents - expected * np.exp(u) - (u - centre) / tau2
        hess = -expected * np.exp(u) - 1 / tau2
        u = u - np.clip(grad / hess, -1.0, 1.0)
    sd = 1 / np.sqrt(expected * np.exp(u) + 1 / tau2)
    # ±10 SD around the mode, the upper side stretched by SD² / 10: exp(u) weighs the mean toward high values.
    step = np.where(_GRID[None, :] > 0, (sd + sd ** 2 / 10)[:, None], sd[:, None])
    grid = u[:, None] + _GRID[None, :] * step
    log_post = incidents[:, None] * grid - expected[:, None] * np.exp(grid) - (grid - centre) ** 2 / (2 * tau2)
    weight = np.exp(log_post - log_post.max(axis=1, keepdims=True)) * np.gradient(grid, axis=1)
    weight /= weight.sum(axis=1, keepdims=True)
    mean = (weight * np.exp(grid)).sum(axis=1)
    cdf = np.cumsum(weight, axis=1) - weight / 2
    quantiles = [np.array([np.interp(p, c, np.exp(g)) for c, g in zip(cdf, grid)]) for p in q]
    return mean, quantiles


def add_shrunk_rates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (incidents, population) with each area's empirical-Bayes rate per 1,000.

    ``rate_eb_per_1000``: the area's underlying rate estimated from its own count and the spread of
    all the areas' rates around the city rate (module notes); ``rate_eb_low`` / ``rate_eb_high``:
    its 95 % interval; ``shrinkage``: the weight on the city rate (0 = its own count only, 1 = the
    city rate); ``city_rate_per_1000``. Areas under ``MIN_POPULATION_FOR_RATE`` residents, without a
    population or with a hidden count stay without a rate. With fewer than ``MIN_AREAS_FOR_SPREAD``
    rated areas nothing is shrunk: the raw rate, with its exact Poisson interval.
    """
    out = table.copy()
    pop = pd.to_numeric(out["population"], errors="coerce").astype(float)
    inc = pd.to_numeric(out["incidents"], errors="coerce").astype(float)
    rated = (pop >= MIN_POPULATION_FOR_RATE) & inc.notna()
    if "area_id" in out.columns:
        rated &= out["area_id"] != UNASSIGNED_ID
    for column in ("rate_eb_per_1000", "rate_eb_low", "rate_eb_high", "shrinkage"):
        out[column] = pd.Series(np.nan, index=out.index, dtype="Float64")
    total_pop = pop[rated].sum()
    city = inc[rated].sum() / total_pop * 1000.0 if total_pop > 0 else math.nan
    out["city_rate_per_1000"] = city
    if not rated.any() or not np.isfinite(city):
        return out
    o, n = inc[rated].to_numpy(), pop[rated].to_numpy()
    spread = between_area_spread(o, n, city)
    if not spread.measurable or city <= 0:
        low = np.where(o > 0, stats.chi2.ppf(0.025, 2 * o) / 2, 0.0)
        high = stats.chi2.ppf(0.975, 2 * o + 2) / 2
        values = {"rate_eb_per_1000": o / n * 1000, "rate_eb_low": low / n * 1000, "rate_eb_high": high / n * 1000,
                  "shrinkage": np.zeros(len(o))}
    else:
        # The prior's log-variance: the spread between areas plus the city rate's own sampling variance
        # (1 / its incidents), so that areas that look alike (τ² = 0) still get an honest, not a zero-width,
        # interval around the city rate.
        prior = spread.tau2 + 1.0 / o.sum()
        mean, (low, high) = _posterior(o, n * city / 1000, prior, centre=-spread.tau2 / 2)
        values = {"rate_eb_per_1000": city * mean, "rate_eb_low": city * low, "rate_eb_high": city * high,
                  # the prior's share of the precision (normal approximation on the log scale)
                  "shrinkage": 1 / (1 + prior * (o + 0.5))}
    for column, value in values.items():  # rates to 0.0001 per 1,000: 0.01 per 100,000 (a rare offense's base)
        out.loc[rated, column] = np.round(value, 3 if column == "shrinkage" else 4)
    return out


# ============================================================================================
# Where residents are the wrong denominator
# ============================================================================================


def add_denominator_notes(table: pd.DataFrame, city_rate_per_1000: float | None = None) -> pd.DataFrame:
    """``table`` with ``times_city_rate`` (the area's rate over the city's), ``few_residents`` (True where
    residents look like the wrong denominator) and ``denominator_note`` (English, "" when none).

    The rule, the same in every city (counts alone cannot tell a downtown from a dangerous street):
    an area with incidents but no residents on record (a park) is marked; so is an area whose rate is
    clearly at least ``FEW_RESIDENTS_MULTIPLE`` times the city rate, i.e. the lower end of the exact
    95 % Poisson interval of its rate is (so a small area is not marked on a handful of incidents).
    Where the table has a ``residential`` column (an optional area attribute; False = not residential)
    it decides instead. ``city_rate_per_1000`` defaults to that of the areas with a rate.
    """
    out = table.copy()
    pop = pd.to_numeric(out["population"], errors="coerce").astype(float)
    inc = pd.to_numeric(out["incidents"], errors="coerce").astype(float)
    real = out["area_id"] != UNASSIGNED_ID if "area_id" in out.columns else pd.Series(True, index=out.index)
    if city_rate_per_1000 is None:
        rated = (pop >= MIN_POPULATION_FOR_RATE) & inc.notna() & real
        city_rate_per_1000 = inc[rated].sum() / pop[rated].sum() * 1000.0 if pop[rated].sum() > 0 else math.nan
    city = float(city_rate_per_1000)
    has_pop = pop > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        times = (inc / pop * 1000.0 / city).where(has_pop & inc.notna() & real)
        lower = pd.Series(np.where(inc > 0, stats.chi2.ppf(0.025, 2 * inc.fillna(0)) / 2, 0.0), index=out.index)
    out["times_city_rate"] = times.round(2).astype("Float64")
    clearly = (has_pop & real & (inc > 0) & (lower / pop * 1000.0 >= FEW_RESIDENTS_MULTIPLE * city)
               if np.isfinite(city) and city > 0 else pd.Series(False, index=out.index))
    no_residents = ~has_pop & real & (inc > 0)
    notes = pd.Series("", index=out.index, dtype=object)
    notes[clearly] = NOTE_FEW_RESIDENTS
    notes[no_residents] = NOTE_NO_RESIDENTS
    if "residential" in out.columns:
        declared = out["residential"].map(lambda v: None if pd.isna(v) else bool(v))
        notes[declared.eq(False) & real] = NOTE_NOT_RESIDENTIAL
        notes[declared.eq(True)] = ""
    out["few_residents"] = notes.ne("")
    out["denominator_note"] = notes
    return out


def few_residents_caption(table: pd.DataFrame, limit: int = 4) -> str:
    """A sentence naming the rated areas marked by ``add_denominator_notes`` (at most ``limit`` by name), in
    the current language; "" when none."""
    if "denominator_note" not in table.columns:
        return ""
    marked = table[table["denominator_note"].isin([NOTE_FEW_RESIDENTS, NOTE_NOT_RESIDENTIAL])]
    if marked.empty:
        return ""
    marked = marked.sort_values("times_city_rate", ascending=False, na_position="last")
    names = [_("{name} ({times}× the city rate)").format(name=r["area_name"],
                                                         times=f"{float(r['times_city_rate']):.1f}")
             if pd.notna(r["times_city_rate"]) else str(r["area_name"]) for _i, r in marked.head(limit).iterrows()]
    more = len(marked) - len(names)
    listed = ", ".join(names)
    if more > 0:
        listed = _("{areas} and {n} more").format(areas=listed, n=more)
    return _("Residents may be the wrong denominator in {areas}: far more incidents than residents would suggest. "
             "If many people there work, shop or visit rather than live, the rate overstates the risk to residents; "
             "the counts alone cannot tell which.").format(areas=listed)


def city_rate_text(table: pd.DataFrame, base: int = 1000) -> str:
    """The city rate that ``add_shrunk_rates`` shrinks toward, per ``base`` residents (``metrics.view_rate_base``),
    as text ("n/a" when there is none)."""
    rates = pd.to_numeric(table.get("city_rate_per_1000", pd.Series(dtype=float)), errors="coerce").dropna()
    return f"{float(rates.iloc[0]) * base / 1000:,.1f}" if len(rates) else _("n/a")
