"""Is a change from a year earlier beyond normal variation? The noise reading of every comparison.

Pure functions: counts and daily histories (DataFrames) in, numbers and DataFrames out. No store, no
Streamlit. ``metrics`` reads the histories from the warehouse (``queries/noise_*.sql``) and puts the
reading on every area table, KPI, chart title and briefing; ``metrics.noise_label`` turns the signed
score ``noise_z`` into the words the pages show.

How the reading reasons (read this before changing it)
------------------------------------------------------

**The test.** A comparison is two observed counts: C incidents in the period and P in the same days a
year earlier. Given their total n = C + P, "no change" means C is a binomial draw from n with
probability one half (the two periods' lengths, when a leap day makes them differ, set that
probability). That conditional binomial is the exact test for two Poisson counts (Przyborowski and
Wilenski 1940; the E-test of Krishnamoorthy and Thomson 2004, ``scipy.stats.poisson_means_test``, is
its unconditional cousin). The reading it replaces, z = 2(√C − √P), is Wheeler's statistic for one
count against a *known* mean: for two observed counts its null standard deviation is √2, not 1, so
with nothing changed about one comparison in six read "possible change" or worse, not one in twenty.

**Counts vary more than chance alone.** Recorded crime is not Poisson: a month's count swings with
weather, events, enforcement campaigns and recording practice, and an area's level wanders from year
to year. In St. Louis, district-month counts vary 3–6 times as much as a Poisson count would, and
district-years 8–19 times as much (measured here, ``tests/test_st_louis.py``). A test that ignores
this calls nearly every yearly change in a large area "significant". The reading therefore scales the
test by a dispersion factor φ (quasi-likelihood, Wedderburn 1974; McCullagh and Nelder 1989 §4.5):
counts divided by φ, that is variance φ·n instead of n for the difference. φ = 1 is plain Poisson;
φ = 4 needs a change twice as large (√4) to read the same.

**Where φ comes from: the area's own history, at the comparison's own time scale.** Overdispersion
grows with the length of the period (a slow wander of the level adds little to a month and a lot to
a year), so φ is measured on periods exactly as long as the compared one. The history is cut into
blocks of that length stepping back from the compared period, and each block is paired with the
same dates a year earlier, exactly as the reading pairs the period with its year-earlier days. That
keeps seasons matched (a 28-day block in July is compared with July, never with January) and measures
precisely what the test needs: how much year-over-year differences of such periods vary. Periods of a
year or more step back by whole years and take every other year (2017 against 2016, 2015 against 2014
...): pairs that share a year are negatively correlated, and their spread around a fitted mean would
overstate φ by a third with three pairs. Around a fitted trend: the later block's share of each pair,
a_j of n_j, is fitted by one common share π̂ (a steady growth or decline of the area's level, which is
a real change, not noise), and φ is the Pearson χ² of the pairs around it over its degrees of freedom
(pairs − 1), the quasi-binomial estimate; a single pair, which cannot tell a trend from noise, keeps
the share at one half and its 1 degree of freedom. Only complete history counts: blocks before the
data's comparison start (``metrics.IncidentCoverage.comparison_start``) are left out, and so are
blocks that overlap the compared periods (their counts would judge themselves) and, by date occurred,
blocks ending in the last ``RECENT_GAP_DAYS`` of the data, which late reports have not yet completed.
History reaches back at most ``HISTORY_YEARS`` years, so that how a city recorded crime long ago does
not set today's φ. A level shift inside the history (a program that worked a year ago) counts as
variation there, and makes later short-period readings more cautious for a while.

**Short histories borrow from the other areas.** With a few years of data a yearly comparison has
only one or two pairs behind it, and a φ from one degree of freedom is itself very noisy. Each area's
estimate is shrunk toward what the areas of its level say together: φ = (X²_area + ν₀·φ_target) /
(df_area + ν₀), the posterior of a scaled-inverse-χ² prior, as in the empirical-Bayes variance
shrinkage of limma (Smyth 2004). The target is not one number: a wandering level adds variance in
proportion to the square of the count, so big areas are more overdispersed than small ones (the
negative-binomial form φ = 1 + κ·m), and with ``MIN_AREAS_FOR_SIZE`` areas or more the target is a
line φ = α + κ·m in the area's mean count m, fitted to the areas' own estimates (weighted by their
degrees of freedom). The prior's weight ν₀ is estimated too (``prior_df``): the spread of the areas'
log φ around the target beyond what sampling explains (trigamma) says how much areas really differ.
With fewer areas, one pooled number with ``PRIOR_DF`` degrees of freedom. An area with a long history
follows its own; an area with none takes the target. The result is floored at 1: counts are never
less variable than chance. The citywide total is one series with nothing to pool with, so it uses its
own history alone (at the year level, few degrees of freedom, and a wide t: see below).

**φ is estimated, so the reference is a t distribution.** A z that divides by an estimated variance
is a t statistic with the variance's degrees of freedom (df_area + ν₀, or the city's own). The
exact binomial p (for small counts) is turned into its normal score and referred to t with those
degrees of freedom; the two-sided p that gives is reported as ``noise_z``, the normal score with the
sign of the change, so that the page's thresholds keep their meaning: |z| ≥ 2 is p ≤ 4.6 %
("possible change"), |z| ≥ 3 is p ≤ 0.27 % ("significant change"). A φ at the floor of 1 that rests
on ``KNOWN_DF`` degrees of freedom or more is chance's own variance and uses the normal reference. With
no history at all (a yearly comparison needs three earlier years of data, a 28-day one a little over
one) the test is plain Poisson and may call ordinary swings a change; the tables then say so
(``Dispersion.basis`` ``NONE``).

**Checked** (``tests/test_noise.py``) on simulated cities with no change at all but St. Louis-like
noise: 48 areas of 300 to 10,000 incidents a year, gamma-Poisson weeks (φ ≈ 3.5 over 28 days), a level
that wanders month to month (year-level φ ≈ 5 in the small areas, 10–30 in the big ones), seven years
of data, periods of 28, 91 and 365 days ending on four dates. On 200 such cities (115,200
comparisons): "significant" 0.25 % and "possible" or worse 3.6 % (target ≤ 1 % and ≤ 6 %), between
0.13 and 0.38 % and between 2.7 and 4.5 % in every period length and size quarter. Plain Poisson
cities (200, the same design): 2.9 % and 0.14 %, a little under the nominal 4.6 % and 0.27 % (the
exact test is conservative for small counts, and the floor at 1 errs on the safe side). A real 40 %
drop in the compared period of the three biggest areas (6,000–11,000 a year) reads at least "possible"
in about 93 % of 28-day, 98 % of 91-day and all yearly comparisons.
On St. Louis, 2019 against 2018 reads "within normal variation" in all 6 districts, where the old
reading called 4 "significant" and one more "possible"; of the 89 neighborhood rows 3–5 read
"possible" and none "significant" (the old reading: 12–19 "significant").
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats
from scipy.optimize import brentq

from community_policing.i18n import N_

# The page's thresholds on the normal score: |z| >= 2 "possible change", |z| >= 3 "significant change".
POSSIBLE_Z = 2.0
SIGNIFICANT_Z = 3.0
# The same thresholds as two-sided p-values (what happens that often with nothing changed).
POSSIBLE_P = float(2 * stats.norm.sf(POSSIBLE_Z))        # 0.0455: about 1 comparison in 22
SIGNIFICANT_P = float(2 * stats.norm.sf(SIGNIFICANT_Z))  # 0.0027: about 1 in 370
# Prior weight (degrees of freedom) of the pooled dispersion in each area's estimate when there are too few
# areas to measure it (``prior_df``), and the most it can be.
PRIOR_DF = 6.0
MAX_PRIOR_DF = 60.0
# A φ estimated at or below 1 on at least this many degrees of freedom is taken as chance's own (known).
KNOWN_DF = 20.0
# History older than this many years before the compared period is not used for φ.
HISTORY_YEARS = 10
# By date occurred, history blocks must end this many days before the data do (late reports still arrive).
RECENT_GAP_DAYS = 60
# Periods at least this long step back through history by whole years (shorter ones by their own length).
YEARLY_DAYS = 360
# Where an area's φ comes from (English: code compares these; translated where shown).
OWN = N_("own history")
POOLED = N_("pooled over areas")
NONE = N_("no history: no reading")
# The largest |noise_z| reported (beyond it p underflows; the reading is "significant" anyway).
Z_CAP = 37.0


@dataclass(frozen=True)
class Dispersion:
    """The overdispersion factor a reading uses: φ (>= 1), the degrees of freedom behind it (inf: none
    estimated, φ taken as known), how many year-over-year pairs of the area's own history it rests on,
    and its ``basis`` (``OWN``, ``POOLED`` or ``NONE``)."""

    phi: float = 1.0
    df: float = math.inf
    pairs: int = 0
    basis: str = NONE


PLAIN = Dispersion()
# The key of the pooled value in ``area_dispersions``' answer: the φ of a part of the city with no history
# of its own (a district's incidents outside its neighborhoods).
POOL_KEY = "*"


def years_earlier(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` years earlier (29 February -> 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def one_year_earlier(day: dt.date) -> dt.date:
    """The same date a year earlier (29 February -> 28 February), as ``metrics.Period.prior`` takes it."""
    return years_earlier(day, 1)


# --- The test ----------------------------------------------------------------------------------


def _binomial_tails(c: np.ndarray, n: np.ndarray, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(X <= c) and P(X >= c) for X ~ Binomial(n, share), continued to non-integer c and n (the
    regularised incomplete beta function), so that counts divided by φ keep an exact test."""
    with np.errstate(all="ignore"):
        lower = np.where(n - c > 0, special.betainc(np.maximum(n - c, 1e-300), c + 1, 1 - share), 1.0)
        upper = np.where(c > 0, special.betainc(np.maximum(c, 1e-300), n - c + 1, share), 1.0)
    return lower, upper


def two_count_test(current, prior, phi=1.0, df=math.inf, current_days=1.0, prior_days=1.0):
    """The two-sided p-value and the signed normal score of "no change" between two counts.

    Conditional binomial test of ``current`` against ``prior`` (share ``current_days / (current_days +
    prior_days)`` under no change), both counts divided by ``phi``; with finite ``df`` (φ estimated)
    the score is referred to a t distribution with ``df`` degrees of freedom. Arrays broadcast; returns
    (p, z) with z = sign of the change × the normal score of p, so |z| >= 2 exactly when p <= 4.6 %.
    NaN where a count is missing; negative counts (none among counted incidents) are floored at 0.
    """
    c = np.clip(np.asarray(current, dtype=float), 0, None)
    b = np.clip(np.asarray(prior, dtype=float), 0, None)
    phi = np.maximum(np.asarray(phi, dtype=float), 1.0)
    df = np.asarray(df, dtype=float)
    share = np.asarray(current_days, dtype=float) / (np.asarray(current_days, dtype=float)
                                                     + np.asarray(prior_days, dtype=float))
    c, b, phi, df, share = np.broadcast_arrays(c, b, phi, df, share)
    n = c + b
    cs, ns = c / phi, n / phi
    lower, upper = _binomial_tails(cs, ns, share)
    p_exact = np.clip(2 * np.minimum(lower, upper), 0.0, 1.0)
    with np.errstate(all="ignore"):
        z0 = stats.norm.isf(p_exact / 2)
        # Far in the tail the beta function underflows: the normal approximation is exact enough there.
        approx = (np.abs(cs - ns * share) - 0.5) / np.sqrt(ns * share * (1 - share))
        z0 = np.where(np.isfinite(z0), z0, approx)
        z0 = np.where(n > 0, np.maximum(z0, 0.0), 0.0)
        log_p = np.where(np.isfinite(df), stats.t.logsf(z0, np.where(np.isfinite(df), df, 1.0)),
                         stats.norm.logsf(z0)) + math.log(2)
        log_p = np.minimum(log_p, 0.0)
        magnitude = np.minimum(-special.ndtri_exp(log_p - math.log(2)), Z_CAP)
    sign = np.sign(c / np.maximum(share, 1e-12) - b / np.maximum(1 - share, 1e-12))
    z = np.where(n > 0, sign * np.maximum(magnitude, 0.0), 0.0)
    p = np.exp(log_p)
    missing = np.broadcast_to(np.isnan(np.asarray(current, dtype=float) + np.asarray(prior, dtype=float)), z.shape)
    z, p = np.where(missing, np.nan, z), np.where(missing, np.nan, p)
    if z.ndim == 0:
        return float(p), float(z)
    return p, z


def noise_z(current, prior, dispersion: Dispersion = PLAIN, current_days=1.0, prior_days=1.0):
    """The signed normal score of ``two_count_test`` with ``dispersion``'s φ and degrees of freedom; NaN when
    there is no history to measure the normal variation (``NONE``): plain Poisson would read real counts'
    ordinary swings as change (on the simulated city with St. Louis-like swings, 14 % of district-years read
    "significant" that way), so no reading is better than a wrong one."""
    z = two_count_test(current, prior, dispersion.phi, dispersion.df, current_days, prior_days)[1]
    return z if dispersion.basis != NONE else z * math.nan


# --- φ from history ------------------------------------------------------------------------------


def history_blocks(start: dt.date, end: dt.date, history_start: dt.date | None,
                   history_end: dt.date | None) -> list[tuple[dt.date, dt.date, dt.date, dt.date]]:
    """The history pairs behind a comparison of [start, end] with a year earlier: blocks of the same
    length stepping back from ``start``, each with the same dates a year earlier, as (later_start,
    later_end, earlier_start, earlier_end). Blocks that overlap the compared period or its year-earlier
    days, start (with their earlier dates) before ``history_start``, end after ``history_end`` or
    reach back more than ``HISTORY_YEARS`` years are left out. Empty without ``history_start``."""
    if history_start is None:
        return []
    length = (end - start).days + 1
    # A year or longer steps back by whole years, so that leap days do not slide the blocks off the calendar.
    years = math.ceil(length / 366) if length >= YEARLY_DAYS else 0
    prior_start, prior_end = one_year_earlier(start), one_year_earlier(end)
    oldest = max(history_start, start - dt.timedelta(days=round(365.25 * HISTORY_YEARS)))
    last = history_end or (start - dt.timedelta(days=1))
    blocks = []
    k = 1
    while True:
        if years:  # every other year: pairs that share a year are correlated and would bias φ upward
            b_start, b_end = years_earlier(start, 2 * k * years), years_earlier(end, 2 * k * years)
        else:
            b_start, b_end = start - dt.timedelta(days=k * length), end - dt.timedelta(days=k * length)
        e_start, e_end = one_year_earlier(b_start), one_year_earlier(b_end)
        if e_start < oldest:
            break
        k += 1
        overlaps = any(b_start <= hi and lo <= b_end for lo, hi in ((start, end), (prior_start, prior_end)))
        overlaps |= any(e_start <= hi and lo <= e_end for lo, hi in ((start, end), (prior_start, prior_end)))
        if not overlaps and b_end <= last:
            blocks.append((b_start, b_end, e_start, e_end))
    return blocks


@dataclass(frozen=True)
class History:
    """Each area's counts in every block pair of ``history_blocks``: ``later[i, j]`` and ``earlier[i, j]``
    are area ``areas[i]``'s incidents in block j and in the same dates a year earlier."""

    areas: tuple[str, ...]
    later: np.ndarray
    earlier: np.ndarray


def area_key(value) -> str:
    """An area id as history and tables key it (text; incidents placed in no area are "")."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def history_pairs(daily: pd.DataFrame, blocks) -> History:
    """The ``History`` of ``daily`` (columns area_id, day, incidents; days without incidents may be
    absent, several rows of a day are summed) over ``blocks``."""
    if not blocks or daily.empty:
        return History((), np.zeros((0, len(blocks))), np.zeros((0, len(blocks))))
    first = min(b[2] for b in blocks)
    last = max(b[1] for b in blocks)
    days = pd.to_datetime(daily["day"])
    keep = ((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))).to_numpy()
    offsets = (days[keep] - pd.Timestamp(first)).dt.days.to_numpy()
    ids = daily["area_id"].astype(object)
    codes, areas = pd.factorize(ids.where(ids.notna(), "").astype(str).to_numpy()[keep])
    grid = np.zeros((len(areas), (last - first).days + 2))
    np.add.at(grid, (codes, offsets + 1), pd.to_numeric(daily["incidents"]).to_numpy(dtype=float)[keep])
    cum = grid.cumsum(axis=1)  # cum[:, i]: incidents before day offset i

    def index(day: dt.date, after: bool) -> int:
        return (day - first).days + (1 if after else 0)

    lo_b = [index(b[0], False) for b in blocks]
    hi_b = [index(b[1], True) for b in blocks]
    lo_e = [index(b[2], False) for b in blocks]
    hi_e = [index(b[3], True) for b in blocks]
    return History(tuple(str(a) for a in areas), cum[:, hi_b] - cum[:, lo_b], cum[:, hi_e] - cum[:, lo_e])


def pearson_dispersion(history: History) -> pd.DataFrame:
    """Per area: the Pearson χ² of its year-over-year pairs around one common share (a steady trend),
    its degrees of freedom (pairs with any incident, minus one), the pairs and the mean count of a block.
    Columns area_id, x2, df, pairs, mean."""
    later, n = history.later, history.later + history.earlier
    used = n > 0
    pairs = used.sum(axis=1)
    total = n.sum(axis=1)
    share = np.divide(later.sum(axis=1), total, out=np.zeros(len(total)), where=total > 0)
    # One pair cannot tell a trend from noise: its whole change counts as variation (share one half, 1 df).
    share = np.where(pairs == 1, 0.5, share)[:, None]
    var = n * share * (1 - share)
    terms = np.divide((later - n * share) ** 2, var, out=np.zeros_like(var), where=var > 0)
    degenerate = (share[:, 0] <= 0) | (share[:, 0] >= 1)  # every incident on one side: no spread to measure
    df = np.where(degenerate, 0, np.where(pairs == 1, 1, np.maximum(pairs - 1, 0)))
    return pd.DataFrame({"area_id": list(history.areas), "x2": np.where(degenerate, 0.0, terms.sum(axis=1)),
                         "df": df.astype(float), "pairs": pairs.astype(int),
                         "mean": np.divide(total, 2 * pairs, out=np.zeros(len(total)), where=pairs > 0)})


# Below this many areas with a history of their own, the pooled value is one number for all areas.
MIN_AREAS_FOR_SIZE = 8


def pooled_target(own: pd.DataFrame, exclude=()):
    """What an area's φ is shrunk toward, and the pool's degrees of freedom: (function of an area's mean
    block count -> φ, df), or (None, 0) when no area has any history.

    Counts vary beyond chance in two ways: by a constant factor (a month's count rises and falls by a
    share of itself) and by a wander of the level, which adds variance in proportion to the square of the
    count, so large areas are more overdispersed than small ones (the negative-binomial form φ = 1 + κ·m).
    With enough areas the pooled value is therefore a line in the mean count, φ = α + κ·m, fitted to the
    areas' own estimates weighted by their degrees of freedom (κ >= 0); with few, one pooled number.
    ``exclude``: area ids left out of the pool (incidents placed in no area)."""
    use = own[~own["area_id"].isin([area_key(a) for a in exclude]) & (own["df"] > 0)] if len(own) else own
    df = float(use["df"].sum()) if len(use) else 0.0
    if df <= 0:
        return None, 0.0
    flat = float(use["x2"].sum()) / df
    if len(use) < MIN_AREAS_FOR_SIZE:
        return (lambda m: flat), df
    w, m, y = use["df"].to_numpy(float), use["mean"].to_numpy(float), (use["x2"] / use["df"]).to_numpy(float)
    mw = np.average(m, weights=w)
    spread = np.average((m - mw) ** 2, weights=w)
    slope = max(0.0, float(np.average((m - mw) * (y - flat), weights=w) / spread)) if spread > 0 else 0.0
    intercept = flat - slope * mw
    if intercept < 1.0:  # the line may not promise less than chance for small areas: pivot it at φ = 1
        slope = max(0.0, (flat - 1.0) / mw) if mw > 0 else 0.0
        intercept = 1.0 if slope > 0 else flat
    return (lambda mean: flat if mean is None else intercept + slope * mean), df


def prior_df(own: pd.DataFrame, target, exclude=()) -> float:
    """How many degrees of freedom the pooled value is worth in each area's estimate (ν₀).

    Empirical Bayes as in limma (Smyth 2004): the areas' log φ estimates spread around the pooled target
    partly by sampling (the variance of log χ²_df/df, trigamma(df/2)) and partly because areas really
    differ; the second part, s², gives ν₀ = 2·trigamma⁻¹(s²). Areas that differ little give a large ν₀
    (the pooled value is nearly everything: no area's few years of history can outweigh forty areas'),
    areas that differ a lot a small one. With fewer than ``MIN_AREAS_FOR_SIZE`` areas, ``PRIOR_DF``."""
    use = own[~own["area_id"].isin([area_key(a) for a in exclude]) & (own["df"] > 0) & (own["x2"] > 0)]
    if target is None or len(use) < MIN_AREAS_FOR_SIZE:
        return PRIOR_DF
    df = use["df"].to_numpy(float)
    centre = np.array([target(m) for m in use["mean"]], dtype=float)
    log_ratio = np.log(use["x2"].to_numpy(float) / df) - (special.digamma(df / 2) - np.log(df / 2)) - np.log(centre)
    excess = float(np.var(log_ratio, ddof=1) - np.mean(special.polygamma(1, df / 2)))
    if excess <= special.polygamma(1, MAX_PRIOR_DF / 2):
        return MAX_PRIOR_DF
    half = brentq(lambda x: special.polygamma(1, x) - excess, 1e-6, MAX_PRIOR_DF / 2)
    return float(np.clip(2 * half, 1.0, MAX_PRIOR_DF))


def shrunk(own: pd.DataFrame, areas, target, pooled_df: float, weight: float) -> dict[str, Dispersion]:
    """Each area's ``Dispersion``: its own Pearson φ shrunk toward ``target`` (``pooled_target``) with
    ``weight`` degrees of freedom (``prior_df``, no more than the pool has), floored at 1; the pooled value
    alone for an area with no history of its own (and under ``POOL_KEY``); plain Poisson (``NONE``) when there
    is nothing at all."""
    rows = {a: r for a, r in zip(own["area_id"], own.itertuples(index=False))} if len(own) else {}
    weight = min(weight, pooled_df) if target is not None else 0.0
    out = {}
    for area in [*(area_key(a) for a in areas), POOL_KEY]:
        row = rows.get(area)
        x2, df, pairs, mean = ((float(row.x2), float(row.df), int(row.pairs), float(row.mean)) if row is not None
                               else (0.0, 0.0, 0, None))
        if df + weight <= 0:
            out[area] = PLAIN
            continue
        centre = 0.0 if target is None else target(mean if df > 0 else None)
        phi = (x2 + weight * centre) / (df + weight)
        # Floored at chance: counts are never steadier than Poisson. A floored φ resting on many degrees of
        # freedom is chance's own variance, known rather than estimated (normal reference); on few, the
        # history could not tell, and the estimate's degrees of freedom still count (t).
        known = phi <= 1.0 and df + weight >= KNOWN_DF
        out[area] = Dispersion(phi=max(1.0, phi), df=math.inf if known else df + weight, pairs=pairs,
                               basis=OWN if df > 0 else POOLED)
    return out


def area_dispersions(daily: pd.DataFrame, areas, start: dt.date, end: dt.date, history_start: dt.date | None,
                     history_end: dt.date | None = None, pool: bool = True, exclude=()) -> dict[str, Dispersion]:
    """The ``Dispersion`` of each of ``areas`` (keyed by ``area_key``) for a comparison of [start, end] with a
    year earlier, from ``daily`` (area_id, day, incidents). ``pool`` False: each area on its own history
    alone (the city)."""
    own = pearson_dispersion(history_pairs(daily, history_blocks(start, end, history_start, history_end)))
    if not pool:
        return shrunk(own, areas, None, 0.0, 0.0)
    target, pooled_df = pooled_target(own, exclude)
    return shrunk(own, areas, target, pooled_df, prior_df(own, target, exclude))


def series_dispersion(daily: pd.DataFrame, start: dt.date, end: dt.date, history_start: dt.date | None,
                      history_end: dt.date | None = None) -> Dispersion:
    """The ``Dispersion`` of one series on its own history (``daily``: day, incidents), e.g. the city's."""
    one = pd.DataFrame({"area_id": "all", "day": daily["day"], "incidents": daily["incidents"]})
    return area_dispersions(one, ["all"], start, end, history_start, history_end, pool=False)["all"]


def history_end(last_day: dt.date | None, date_basis: str) -> dt.date | None:
    """The last day a history block may end: by date occurred ``RECENT_GAP_DAYS`` before the data end
    (late reports still arrive for the latest weeks), by date reported the data's last day."""
    if last_day is None:
        return None
    return last_day - dt.timedelta(days=RECENT_GAP_DAYS) if date_basis == "occurred" else last_day


def readings(current, prior, dispersions, current_days=1.0, prior_days=1.0) -> pd.DataFrame:
    """Columns noise_z (rounded to 2 places), dispersion (φ used, 2 places) and noise_basis for counts
    and a list of ``Dispersion`` (one per row)."""
    phi = np.array([d.phi for d in dispersions], dtype=float)
    df = np.array([d.df for d in dispersions], dtype=float)
    z = np.atleast_1d(two_count_test(current, prior, phi, df, current_days, prior_days)[1]) if len(phi) else (
        np.array([], dtype=float))
    z = np.where([d.basis == NONE for d in dispersions], np.nan, z) if len(phi) else z  # no history: no reading
    return pd.DataFrame({"noise_z": np.round(z, 2) + 0.0, "dispersion": np.round(phi, 2),  # + 0.0: no "-0.0"
                         "noise_basis": [d.basis for d in dispersions]})


# --- For "How to read these numbers" -------------------------------------------------------------

METHOD_NOTE = N_(
    "**Is a change more than normal variation?** Beside every change from a year earlier the dashboard says whether "
    "it is *within normal variation*, a *possible change* or a *significant change*. It asks: if nothing had really "
    "changed, how often would the two counts differ this much? Crime counts rise and fall from one period to the "
    "next even when nothing has changed, and by more than chance alone: weather, events, enforcement campaigns and "
    "slow drifts in an area's level all move them. How much more is measured from each area's own history, on "
    "periods as long as the one compared and matched by season (for a 28-day comparison, every 28 days of earlier "
    "years against the same days a year before; for a yearly one, earlier years against the year before them), "
    "allowing for a steady rise or fall. In St. Louis, district counts vary 3 to 6 times as much as chance alone "
    "over a month and 8 to 19 times over a year, so a district's yearly count must change by far more to stand out "
    "than a rule that allows for chance alone would ask. An area with little history of its own leans on the other "
    "areas of the city; the citywide total uses the city's own history. Only years the data fully cover are used. "
    "With nothing changed, about 1 comparison in 22 reads *possible change* or more by chance alone, and about 1 in "
    "370 reads *significant change* (on simulated cities with St. Louis-like swings and no change at all: 4 in 100 "
    "and 1 in 400). Where the data hold too little history before the compared period (a yearly comparison needs "
    "three earlier years, a 28-day one a little over one) there is nothing to measure, and no reading is given "
    "(allowing for chance alone would call ordinary ups and downs a change); the "
    "tables say so. Beside the reading, z is the test's score on the usual scale (2 or more either way is a possible "
    "change, 3 or more significant) and the dispersion says how many times chance the allowed variation is.")
