"""Citywide resident trust: a score weighted by where people live, its change from a year earlier,
the change's margin of error and a noise reading in the same words as crime counts.

Why. Surveys reach districts unevenly (in the demo, 60 to 150 residents a month per district), so a
mean over respondents lets the districts that answer most count most. The citywide score is instead
the **population-weighted** mean of the district scores: each surveyed district counts by its
residents, districts without a survey in the period are left out, and the caption says which share
of the city's residents the surveyed districts hold. (Without population figures the mean falls back
to respondents, or to districts equally when respondent counts are not published either, and says so.)

The change from the same days a year earlier needs a margin of error, or a 1.5-point drop reads as
news when it is the noise of a few hundred interviews. Two things move a citywide score when nothing
has changed:

* **Sampling.** Each district score is a mean of its survey results in the period (weighted by their
  respondents), with the sampling variance the survey publishes: a result's margin of error is 1.96
  standard errors (without one, the standard error is the score SD, pooled over the results that
  publish both, over the square root of its respondents). The citywide change's sampling variance is
  the sum over districts of weight^2 x (variance now + variance a year earlier).
* **Drift.** True trust wanders from year to year (a citywide mood, a district's events) even with no
  program and no trend. That drift is measured from the districts' own history: the same comparison
  (same weights, same districts, same length, a year apart) is made at every earlier month shift that
  the surveys cover without touching the compared period, and the mean of (change^2 - its sampling
  variance) over those earlier comparisons estimates the drift variance (method of moments, floored at
  0). Consecutive shifts overlap, so they count for fewer independent comparisons than there are. An
  earlier real change (a program's effect) counts as drift here: the reading errs on the cautious side.

The change is then read as a Welch-Satterthwaite t statistic: t = change / sqrt(sampling + drift) with
degrees of freedom from how many independent earlier comparisons the drift rests on (a drift measured
on three comparisons is uncertain, and the margin widens for it; overlapping comparisons count by
their measured autocorrelation, ``_independent``). The two-sided p becomes a signed z
(the normal score of the same p), and the thresholds and words are those of crime counts
(``metrics.noise_label``): |z| >= 2 "possible change", |z| >= 3 "significant change", else "within
normal variation". The 95 % margin of error is t(0.975, df) x the standard error.

Calibration (tests/test_trust_stats.py): on seeded simulated surveys with no change (sampling only,
and sampling plus district and citywide drift like the demo's), at most 6 % of comparisons read
"possible change" or stronger and at most 1 % "significant change".

Without enough history (fewer than ``MIN_COMPARISONS`` independent earlier comparisons: about three
years of surveys for a 12-month period), the change is "not assessed" and its margin covers sampling
only, and says so: a sampling-only reading would flag ordinary drift (half of no-change comparisons, on
a simulation with two and a half years of surveys). Without published margins or respondents, the
earlier changes (which then include sampling) carry the whole margin; with neither, there is no margin
and no reading.

Pure statistics (``city_trust_from``) on DataFrames, plus ``city_trust(store, ...)`` that runs the named
queries. No Streamlit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from community_policing.data.areas import natural_key as _natural_key
from community_policing.i18n import N_, _, ngettext

MEASURE = "trust"
WEIGHTINGS = ("population", "respondents", "equal")
WEIGHTING_TEXT = {  # translated where shown
    "population": N_("Weighted by district population: each surveyed district counts by its residents, not by "
                     "how many of them answered."),
    "respondents": N_("Weighted by respondents (no population figures): districts that answered more count more."),
    "equal": N_("Districts weighted equally (neither population figures nor respondent counts are published)."),
}
# Same thresholds and words as crime counts (metrics.noise_label).
POSSIBLE_Z, SIGNIFICANT_Z = 2.0, 3.0
WITHIN, POSSIBLE, SIGNIFICANT = N_("within normal variation"), N_("possible change"), N_("significant change")
# Without this many independent earlier comparisons, how much trust drifts from year to year is not
# known well enough to read a change (a sampling-only reading falsely flags real surveys' drift).
MIN_COMPARISONS = 2.0
NOT_ASSESSED = N_("not assessed")
LEVEL = 0.95
MOE_Z = 1.96  # a published margin of error is 1.96 standard errors (95 %)

METHOD_NOTE = N_(
    "**Citywide trust.** The citywide trust score is the mean of the district scores weighted by each district's "
    "population, so a district where many people answered does not count more than its residents; districts "
    "without a survey in the period are left out, and the caption says what share of the city's residents the "
    "surveyed districts hold. Its change from the same days a year earlier comes with a 95% margin of error and "
    "the same reading as crime counts (within normal variation, possible change, significant change). The margin "
    "allows for two things: the sampling error each survey publishes (its margin of error or its respondents), "
    "and how much the citywide score has moved from one year to the next before, measured by making the same "
    "comparison at every earlier month the surveys cover (earlier real changes count as ordinary movement "
    "there, so the reading is cautious). With only a few years of surveys that movement is itself uncertain and "
    "the margin widens for it; with less than about three years, the change is not assessed and the margin "
    "covers survey sampling only. On simulated surveys with no change, at most 6 in 100 comparisons read "
    "possible change or stronger, and at most 1 in 100 significant change. A reading says how surprising the "
    "change is, not what caused it.")


@dataclass(frozen=True)
class CityTrust:
    """The citywide trust score of a period and of the same days a year earlier, and their change.

    ``score``/``prior_score``: weighted means (0-100; None without a survey, or hidden in public mode).
    ``change``: score minus prior over the districts surveyed in both periods, each held at one weight
    (equal to score - prior_score when the same districts were surveyed). ``margin``: half-width of its
    95 % interval; ``z``: the signed normal score of its two-sided p; ``noise``: the reading (English,
    translated where shown; "" without a change).
    """

    score: float | None
    respondents: int
    prior_score: float | None
    prior_respondents: int
    change: float | None
    margin: float | None
    z: float | None
    noise: str
    df: float | None
    weighting: str                      # one of WEIGHTINGS (English value)
    population_share: float | None      # share of residents in the districts the score covers
    districts_used: int
    districts_total: int
    left_out: tuple[str, ...] = ()      # names of districts not in the score (no survey, or no population)
    districts_compared: int = 0
    drift_sd: float | None = None       # year-to-year drift of the weighted score, points (None: not measured)
    drift_comparisons: float = 0.0      # independent earlier comparisons it rests on
    sampling_known: bool = True         # False: no margins of error or respondents are published

    def weighting_text(self) -> str:
        return _(WEIGHTING_TEXT[self.weighting])

    def coverage_text(self) -> str:
        """Which share of residents the score covers, and which districts are left out."""
        if self.weighting != "population" or self.population_share is None:
            return ""
        text = _("The surveyed districts hold {share} of residents.").format(share=f"{self.population_share:.0%}")
        if self.left_out:
            text += " " + _("Not in the score: {names}.").format(names=", ".join(self.left_out))
        return text

    def margin_text(self) -> str:
        """"margin of error ±1.2 points (95%)", and what it covers when that is only part of the story."""
        if self.margin is None:
            return ""
        text = _("margin of error ±{margin} points (95%)").format(margin=f"{self.margin:.1f}")
        if self.drift_sd is None and self.sampling_known:
            text += "; " + _("survey sampling only: too few years of surveys to know how much trust moves from year "
                             "to year without any change")
        return text

    def change_caption(self) -> str:
        """The KPI caption about the change: "61.2 a year earlier · **within normal variation** · margin of error
        ±2.1 points (95%)"."""
        if self.prior_score is None:
            return ""
        text = _("{score} a year earlier").format(score=f"{self.prior_score:.1f}")
        if self.change is None:
            return text
        if self.noise:
            text += " · **" + _(self.noise) + "**"
        if self.margin is not None:
            text += " · " + self.margin_text()
        if self.districts_compared and self.districts_compared < self.districts_used:
            text += " · " + ngettext("change over the {n} district surveyed in both periods",
                                     "change over the {n} districts surveyed in both periods",
                                     self.districts_compared).format(n=self.districts_compared)
        return text


def noise_label(z: float | None) -> str:
    """The reading of a signed z, in the words crime counts use (English; translate where shown)."""
    if z is None or not math.isfinite(z):
        return ""
    if abs(z) >= SIGNIFICANT_Z:
        return SIGNIFICANT
    if abs(z) >= POSSIBLE_Z:
        return POSSIBLE
    return WITHIN


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = (dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month + 1, min(day.day, last))


def _one_year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _prepare(rows: pd.DataFrame) -> tuple[dict[str, np.ndarray], bool, bool]:
    """Each survey result as arrays: its district, start day (a day number), score, weight within its
    district (its respondents when every result has them, else 1), sampling variance (NaN when
    unknown) and respondents (0 when unknown)."""
    respondents = pd.to_numeric(rows["respondents"], errors="coerce").to_numpy(dtype=float)
    moe = pd.to_numeric(rows["margin_of_error"], errors="coerce").to_numpy(dtype=float)
    by_respondents = bool(len(rows)) and bool(np.all(respondents > 0))  # NaN compares False
    se = moe / MOE_Z
    both = ~np.isnan(se) & (respondents > 0)
    if both.any():  # a score SD pooled over results that publish both, for those that publish only respondents
        sd = float(np.sqrt(np.mean(se[both] ** 2 * respondents[both])))
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.where(np.isnan(se), sd / np.sqrt(np.where(respondents > 0, respondents, np.nan)), se)
    arrays = {
        "district": rows["district_id"].astype(str).to_numpy(dtype=object),
        "day": pd.to_datetime(rows["period_start"]).to_numpy().astype("datetime64[D]").astype(np.int64),
        "score": pd.to_numeric(rows["score"]).to_numpy(dtype=float),
        "weight": respondents if by_respondents else np.ones(len(rows)),
        "variance": se ** 2,
        "respondents": np.nan_to_num(respondents),
    }
    return arrays, by_respondents, bool(np.any(~np.isnan(se)))


def _district_windows(rows: dict[str, np.ndarray], districts: list[str], lows: np.ndarray, highs: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Per district (rows of the arrays) and window (columns: survey results whose period starts in
    [low, high], as day numbers): the weighted score, its sampling variance, respondents, and whether
    the district has any result in the window."""
    shape = (len(districts), len(lows))
    score, variance, respondents = np.full(shape, np.nan), np.full(shape, np.nan), np.zeros(shape)
    code = pd.Categorical(rows["district"], categories=districts).codes
    order = np.lexsort((rows["day"], code))
    code, day = code[order], rows["day"][order]
    w, v = rows["weight"][order], rows["variance"][order]
    columns = {"w": w, "ws": w * rows["score"][order], "wwv": np.where(np.isnan(v), 0.0, w * w * v),
               "unknown": np.isnan(v).astype(float), "n": rows["respondents"][order]}
    bounds = np.searchsorted(code, np.arange(len(districts) + 1))
    for i in range(len(districts)):
        a, b = bounds[i], bounds[i + 1]
        if a == b:
            continue
        cum = {k: np.concatenate([[0.0], np.cumsum(col[a:b])]) for k, col in columns.items()}
        lo, hi = np.searchsorted(day[a:b], lows, "left"), np.searchsorted(day[a:b], highs, "right")
        total = cum["w"][hi] - cum["w"][lo]
        present = hi > lo
        with np.errstate(invalid="ignore", divide="ignore"):
            score[i] = np.where(present, (cum["ws"][hi] - cum["ws"][lo]) / total, np.nan)
            known = (cum["unknown"][hi] - cum["unknown"][lo]) == 0
            variance[i] = np.where(present & known, (cum["wwv"][hi] - cum["wwv"][lo]) / total ** 2, np.nan)
        respondents[i] = cum["n"][hi] - cum["n"][lo]
    return {"score": score, "variance": variance, "respondents": respondents, "present": ~np.isnan(score)}


def city_trust_from(rows: pd.DataFrame, districts: pd.DataFrame, start: dt.date, end: dt.date) -> CityTrust:
    """The citywide score of [start, end] and of the same days a year earlier, the change, its margin
    and reading, from survey results of one measure (``rows``: period_start, district_id, score,
    respondents, margin_of_error; every result up to ``end``, for the drift) and the districts
    (``districts``: district_id, district_name, population)."""
    prior_start, prior_end = _one_year_earlier(start), _one_year_earlier(end)
    catalogue = districts.assign(district_id=districts["district_id"].astype(str))
    names = dict(zip(catalogue["district_id"], catalogue["district_name"]))
    population = pd.to_numeric(catalogue.set_index("district_id")["population"], errors="coerce")
    rows = rows.assign(district_id=rows["district_id"].astype(str))
    rows = rows[rows["score"].notna()]
    empty = CityTrust(score=None, respondents=0, prior_score=None, prior_respondents=0, change=None, margin=None,
                      z=None, noise="", df=None, weighting="population", population_share=None, districts_used=0,
                      districts_total=len(catalogue))
    if rows.empty:
        return empty
    prepared, by_respondents, sampling_known = _prepare(rows)
    ids = sorted(set(prepared["district"]), key=lambda d: (len(d), d))
    day = lambda d: np.datetime64(d, "D").astype(np.int64)  # noqa: E731

    # Windows: the period, a year earlier, and the same pair shifted back by 1, 2, ... months.
    length = max(1, round((end - start).days / 30.44))
    first = int(prepared["day"].min())
    shifts = []
    for shift in range(length, 12 * 100):
        if day(_one_year_earlier(_months_back(start, shift))) < first:
            break
        shifts.append(shift)
    starts = [start, prior_start] + [d for s in shifts for d in (_months_back(start, s),
                                                                 _one_year_earlier(_months_back(start, s)))]
    ends = [end, prior_end] + [d for s in shifts for d in (_months_back(end, s),
                                                           _one_year_earlier(_months_back(end, s)))]
    win = _district_windows(prepared, ids, np.array([day(d) for d in starts]), np.array([day(d) for d in ends]))

    pop = population.reindex(ids).to_numpy(dtype=float)
    has_pop = np.isfinite(pop) & (pop > 0)
    surveyed_now = win["present"][:, 0]
    if (surveyed_now & has_pop).any() or (not surveyed_now.any() and has_pop.any()):
        weighting = "population"
    else:
        weighting = "respondents" if by_respondents else "equal"

    def weights(column: int) -> np.ndarray:
        present = win["present"][:, column]
        if weighting == "population":
            return np.where(present & has_pop, pop, 0.0)
        if weighting == "respondents":
            return np.where(present, win["respondents"][:, column], 0.0)
        return present.astype(float)

    def city(column: int) -> tuple[float | None, int]:
        w = weights(column)
        if w.sum() <= 0:
            return None, 0
        return (float((w * np.nan_to_num(win["score"][:, column])).sum() / w.sum()),
                int(win["respondents"][w > 0, column].sum()))

    score, respondents = city(0)
    prior_score, prior_respondents = city(1)
    used = weights(0) > 0
    total_pop = population[np.isfinite(population) & (population > 0)].sum()
    share = (float(pop[used].sum() / total_pop) if weighting == "population" and total_pop > 0 and used.any()
             else None)
    left_out = tuple(str(names.get(d, d)) for d in catalogue["district_id"]
                     if d not in {ids[i] for i in np.flatnonzero(used)}) if score is not None else ()
    result = dataclasses.replace(empty, score=score, respondents=respondents, prior_score=prior_score,
                                 prior_respondents=prior_respondents, weighting=weighting, population_share=share,
                                 districts_used=int(used.sum()), left_out=left_out if share is not None else (),
                                 sampling_known=sampling_known)
    if score is None or prior_score is None:
        return result

    # The change over the districts surveyed in both periods, each at one weight (its population; with
    # respondent weights, its respondents in both periods together).
    both = used & (weights(1) > 0)
    if weighting == "population":
        w = np.where(both, pop, 0.0)
    elif weighting == "respondents":
        w = np.where(both, win["respondents"][:, 0] + win["respondents"][:, 1], 0.0)
    else:
        w = both.astype(float)
    w = w / w.sum()
    keep = w > 0

    def change_at(cur: int, pri: int) -> tuple[float, float]:
        diff = win["score"][keep, cur] - win["score"][keep, pri]
        var = win["variance"][keep, cur] + win["variance"][keep, pri]
        return float((w[keep] * diff).sum()), float((w[keep] ** 2 * var).sum())

    change, sampling = change_at(0, 1)
    # Earlier comparisons: every shift where each compared district has results in both windows.
    past, past_sampling = [], []
    for k in range(len(shifts)):
        cur, pri = 2 + 2 * k, 3 + 2 * k
        if win["present"][keep, cur].all() and win["present"][keep, pri].all():
            c, v = change_at(cur, pri)
            past.append(c)
            past_sampling.append(v)
    past, past_sampling = np.array(past), np.array(past_sampling)
    independent = _independent(past, length)
    drift, df, assessed = None, None, len(past) > 0 and independent >= MIN_COMPARISONS
    if assessed:
        mean_square = float(np.mean(past ** 2))
        if sampling_known and math.isfinite(sampling) and np.isfinite(past_sampling).all():
            drift = max(0.0, mean_square - float(np.mean(past_sampling)))
            variance = sampling + drift
        else:  # no published sampling error: the earlier changes carry sampling and drift together
            variance = mean_square
        # Welch-Satterthwaite: the mean square rests on `independent` comparisons; the sampling is known.
        df = variance ** 2 / (mean_square ** 2 / independent) if mean_square > 0 else None
    elif sampling_known and math.isfinite(sampling):
        variance = sampling  # a margin from sampling alone, and no reading: drift would be unaccounted for
    else:
        variance = None
    result = dataclasses.replace(result, change=change, districts_compared=int(keep.sum()),
                                 drift_comparisons=round(independent, 1), noise="" if assessed else NOT_ASSESSED)
    if variance is None or variance <= 0:
        return result
    se = math.sqrt(variance)
    multiplier = stats.norm.ppf(0.5 + LEVEL / 2) if df is None else stats.t.ppf(0.5 + LEVEL / 2, df)
    result = dataclasses.replace(result, margin=float(multiplier * se))
    if not assessed:
        return result
    t = change / se
    p = 2 * (stats.norm.sf(abs(t)) if df is None else stats.t.sf(abs(t), df))
    z = math.copysign(float(stats.norm.isf(p / 2)) if p > 0 else 99.0, change)
    z = max(min(z, 99.0), -99.0)
    return dataclasses.replace(result, z=round(z, 2), noise=noise_label(z), df=None if df is None else round(df, 1),
                               drift_sd=None if drift is None else round(math.sqrt(drift), 2))


def _independent(past: np.ndarray, length: int) -> float:
    """How many independent comparisons the mean of the squared earlier changes is worth.

    Consecutive shifts share months, so their changes are correlated; for normal changes the mean of n
    squares has the variance of a chi-square with n / sum_k r(k)^2 degrees of freedom (r: the changes'
    autocorrelation at lag k, taken as mean zero since no change is the null). The autocorrelations
    are estimated up to the lag where two comparisons stop sharing months (length + 12), each less its
    1/n noise; without enough changes to estimate them, one comparison per (length + 12) months spanned.
    """
    n = len(past)
    if n == 0:
        return 0.0
    lags = min(n - 1, 2 * (length + 12))
    total = float((past ** 2).sum())
    if n < 4 * (length + 12) or total <= 0:
        return max(1.0, (n + length + 11) / (length + 12)) if n else 0.0
    r = np.array([(past[:-k] * past[k:]).sum() / total for k in range(1, lags + 1)])
    shared = 1.0 + 2.0 * float(np.clip(r ** 2 - 1.0 / n, 0.0, None).sum())
    return float(min(n, max(1.0, n / shared)))


def city_trust(store, start: dt.date, end: dt.date, measure: str = MEASURE,
               min_respondents: int | None = None, districts: Sequence[str] | None = None) -> CityTrust:
    """``city_trust_from`` on the warehouse for one survey ``measure``. ``min_respondents``: leave out
    survey results (a district's period) from fewer respondents, as the briefing does (None: every
    result counts, as on the Overview). ``districts``: only these districts (a district briefing: its own
    score, with the same margin and reading)."""
    rows = store.query("trust_city_history", measure=measure, end=end)
    if min_respondents is not None:
        respondents = pd.to_numeric(rows["respondents"], errors="coerce")
        rows = rows[respondents.isna() | (respondents >= min_respondents)]
    areas = store.query("areas", level="district")[["area_id", "area_name", "population"]]
    areas = areas.rename(columns={"area_id": "district_id", "area_name": "district_name"})
    if districts is not None:
        wanted = {str(d) for d in districts}
        rows = rows[rows["district_id"].astype(str).isin(wanted)]
        areas = areas[areas["district_id"].astype(str).isin(wanted)]
    return city_trust_from(rows, areas, start, end)


def protect(trust: CityTrust, min_respondents: int) -> CityTrust:
    """The citywide trust as the public may see it, by the rule of ``privacy.protect_city_totals``: no
    score from fewer than ``min_respondents`` respondents, and then no change, margin or reading either."""
    changes: dict = {}
    if trust.score is not None and trust.respondents < min_respondents:
        changes["score"] = None
    if trust.prior_score is not None and trust.prior_respondents < min_respondents:
        changes["prior_score"] = None
    if changes:
        changes.update(change=None, margin=None, z=None, noise="", df=None)
    return dataclasses.replace(trust, **changes)


# -- Each district's change, and the takeaway title of the Resident trust page ------------------------

# The family-wise level at which the title names a district as having moved: the two-sided p of the
# "possible change" threshold (|z| = 2), held across all the districts compared (Holm). Without it, the
# largest of nine no-change districts reads "possible change" in about four periods out of ten.
TITLE_ALPHA = float(2 * stats.norm.sf(POSSIBLE_Z))

TITLE_NOTE = N_(
    "**Resident trust by district.** Each district's score in the period is the mean of its monthly survey "
    "results weighted by their respondents, and its change from the same days a year earlier carries the same "
    "95% margin of error and reading as the citywide score (survey sampling plus how much that district's score "
    "has moved from year to year before). Results from fewer than the minimum number of respondents are left "
    "out. The page's title names a district as having risen or fallen only when its change stands out after "
    "allowing for looking at every district at once (Holm's method at the level of a possible change): with "
    "nine districts and no change anywhere, one of them reads \"possible change\" in about four periods out of "
    "ten by chance alone, so a single possible change among many districts is not news. On simulated surveys "
    "with no change in any district, the title claims a rise or a fall for about 3 in 100 one-month periods and "
    "fewer for longer periods.")

DISTRICT_COLUMNS = ["district_id", "district_name", "score", "respondents", "prior_score", "prior_respondents",
                    "change", "margin", "z", "noise", "assessed", "stands_out"]


def district_trust_from(rows: pd.DataFrame, districts: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each district's score of [start, end], its change from the same days a year earlier, the change's 95 %
    margin and reading (``city_trust_from`` on the district alone: its own sampling and its own drift), and
    ``stands_out``: the change is beyond normal variation after allowing for every district compared
    (Holm at ``TITLE_ALPHA``). One row per district of ``districts`` (columns ``DISTRICT_COLUMNS``; a district
    without surveys has NaN numbers). ``rows`` and ``districts`` as for ``city_trust_from``."""
    from statsmodels.stats.multitest import multipletests

    rows = rows.assign(district_id=rows["district_id"].astype(str))
    catalogue = districts.assign(district_id=districts["district_id"].astype(str))
    by_district = dict(tuple(rows.groupby("district_id", sort=False)))
    out = []
    for _row, area in catalogue.iterrows():
        own = by_district.get(area["district_id"])
        trust = (city_trust_from(own, catalogue[catalogue["district_id"] == area["district_id"]], start, end)
                 if own is not None else None)
        assessed = trust is not None and trust.z is not None
        out.append({"district_id": area["district_id"], "district_name": area["district_name"],
                    "score": _num(trust and trust.score), "respondents": trust.respondents if trust else 0,
                    "prior_score": _num(trust and trust.prior_score),
                    "prior_respondents": trust.prior_respondents if trust else 0,
                    "change": _num(trust and trust.change), "margin": _num(trust and trust.margin),
                    "z": _num(trust and trust.z), "noise": trust.noise if trust else "", "assessed": assessed,
                    "stands_out": False})
    table = pd.DataFrame(out, columns=DISTRICT_COLUMNS)
    assessed = table["assessed"].to_numpy(dtype=bool)
    if assessed.any():
        p = 2 * stats.norm.sf(np.abs(table.loc[assessed, "z"].to_numpy(dtype=float)))
        table.loc[assessed, "stands_out"] = multipletests(p, alpha=TITLE_ALPHA, method="holm")[0]
    return table


def _num(value) -> float:
    return float("nan") if value is None or value is False else float(value)


def district_trust(store, start: dt.date, end: dt.date, measure: str = MEASURE,
                   min_respondents: int | None = None) -> pd.DataFrame:
    """``district_trust_from`` on the warehouse for one survey ``measure``; ``min_respondents`` as in
    ``city_trust`` (the Resident trust page leaves out the results it does not show)."""
    rows = store.query("trust_city_history", measure=measure, end=end)
    if min_respondents is not None:
        respondents = pd.to_numeric(rows["respondents"], errors="coerce")
        rows = rows[respondents.isna() | (respondents >= min_respondents)]
    areas = store.query("areas", level="district")[["area_id", "area_name", "population"]]
    return district_trust_from(rows, areas.rename(columns={"area_id": "district_id", "area_name": "district_name"}),
                               start, end)


def protect_districts(table: pd.DataFrame, min_respondents: int) -> pd.DataFrame:
    """The district changes as the public may see them (``protect`` row by row): no score from fewer than
    ``min_respondents`` respondents, and then no change, margin or reading. Adds ``hidden_public``."""
    small_now = table["score"].notna() & (table["respondents"] < min_respondents)
    small_prior = table["prior_score"].notna() & (table["prior_respondents"] < min_respondents)
    hidden = small_now | small_prior
    out = table.copy()
    out.loc[small_now, "score"] = np.nan
    out.loc[small_prior, "prior_score"] = np.nan
    out.loc[hidden, ["change", "margin", "z"]] = np.nan
    out.loc[hidden, "noise"] = ""
    out.loc[hidden, ["assessed", "stands_out"]] = False
    out["hidden_public"] = hidden
    return out


def _signed(value: float) -> str:
    return f"{value:+.1f}".replace("-", "−")


def takeaway(table: pd.DataFrame, measure_label: str, names: dict[str, str] | None = None) -> str:
    """The Resident trust page's title: a plain sentence naming the district whose score rose or fell, with
    its change from a year earlier and margin of error, or saying that none stands out (in the current
    language). ``table``: ``district_trust_from`` rows; ``measure_label``: the question, already translated;
    ``names``: district id -> name as shown (else the table's names)."""
    names = names or {}
    rows = table[table["change"].notna()]
    if rows.empty:
        return _("{measure}: no district has survey results both in this period and a year earlier, so no change "
                 "can be given.").format(measure=measure_label)

    def name(row) -> str:
        return names.get(str(row["district_id"]), str(row["district_name"]))

    def margin(row) -> str:
        return f"{row['margin']:.1f}" if pd.notna(row["margin"]) else "?"

    out = rows[rows["stands_out"].astype(bool)]
    if not out.empty:
        lead = out.loc[out["z"].abs().idxmax()]
        text = (_("{measure}: {district} rose {change} points from a year earlier (margin of error ±{margin}).")
                if lead["change"] > 0 else
                _("{measure}: {district} fell {change} points from a year earlier (margin of error ±{margin}).")
                ).format(measure=measure_label, district=name(lead), change=f"{abs(lead['change']):.1f}",
                         margin=margin(lead))
        others = len(out) - 1
        if others:
            text += " " + ngettext("{n} other district also moved beyond normal variation.",
                                   "{n} other districts also moved beyond normal variation.", others).format(n=others)
        else:
            text += " " + _("No other district moved beyond normal variation.")
        return text
    assessed = rows[rows["assessed"].astype(bool)]
    if not assessed.empty:
        lead = assessed.loc[assessed["change"].abs().idxmax()]
        return _("{measure}: no district's change from a year earlier stands out from normal variation across the "
                 "{n} districts compared; the largest is {district}, {change} points (margin of error ±{margin})."
                 ).format(measure=measure_label, n=len(assessed), district=name(lead), change=_signed(lead["change"]),
                          margin=margin(lead))
    lead = rows.loc[rows["change"].abs().idxmax()]
    return _("{measure}: the largest change from a year earlier is in {district}, {change} points (margin of error "
             "±{margin}, survey sampling only); too few years of surveys to tell it from normal variation.").format(
        measure=measure_label, district=name(lead), change=_signed(lead["change"]), margin=margin(lead))


REPORTING_NOTE = N_(
    "Rising trust can raise reporting, so more recorded crime may mean more confidence in the "
    "police, not more crime."
)


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
