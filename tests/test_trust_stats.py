"""Citywide trust: weighted by district population, with the change's margin of error and a noise reading
calibrated on seeded simulated surveys with no change (at most 6 % "possible change" or stronger, at most
1 % "significant change")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from community_policing.stats import trust_stats
from community_policing.views import metrics
from community_policing.data.store import Store

READ_AS_CHANGE = {trust_stats.POSSIBLE, trust_stats.SIGNIFICANT}


def _ar1(rng, n, shape, phi, sd):
    out = np.empty((n, *shape))
    out[0] = rng.normal(0.0, sd / np.sqrt(1 - phi ** 2), shape)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + rng.normal(0.0, sd, shape)
    return out


def survey(seed: int, months: int = 80, n_districts: int = 9, drift: bool = True, published: bool = True):
    """Monthly surveys of every district with no change: true scores that wander like the demo city's
    (a citywide and a district drift) or stay put, 60-150 respondents a month (a few poor months), answers
    with SD 25; the margins of error published as surveys do (1.96 SE), or nothing but the scores."""
    rng = np.random.default_rng(seed)
    first = pd.Timestamp("2019-01-01")
    starts = pd.date_range(first, periods=months, freq="MS")
    true = np.repeat(rng.uniform(45, 75, n_districts)[None, :], months, axis=0)
    if drift:
        true = (true + _ar1(rng, months, (1,), 0.95, 0.5) + _ar1(rng, months, (n_districts,), 0.9, 0.4)
                + _ar1(rng, months, (n_districts,), 0.8, 0.3))
    mean_respondents = rng.uniform(60, 150, n_districts)
    poor = rng.random((months, n_districts)) < 0.05
    respondents = np.maximum(rng.poisson(np.where(poor, 18.0, mean_respondents[None, :])), 5)
    score = np.clip(true + rng.normal(0, 1, true.shape) * 25 / np.sqrt(respondents), 0, 100).round(1)
    month, district = (a.ravel() for a in np.meshgrid(np.arange(months), np.arange(n_districts), indexing="ij"))
    rows = pd.DataFrame({"period_start": starts[month].date, "district_id": (district + 1).astype(str),
                         "score": score.ravel(), "respondents": respondents.ravel().astype(float),
                         "margin_of_error": np.round(1.96 * 25 / np.sqrt(respondents), 1).ravel()})
    if not published:
        rows[["respondents", "margin_of_error"]] = np.nan
    districts = pd.DataFrame({"district_id": [str(i + 1) for i in range(n_districts)],
                              "district_name": [f"District {i + 1}" for i in range(n_districts)],
                              "population": rng.integers(20_000, 50_000, n_districts)})
    return rows, districts, starts[-1]


def period(last_month: pd.Timestamp, months: int) -> tuple[dt.date, dt.date]:
    return (last_month - pd.DateOffset(months=months - 1)).date(), (last_month + pd.offsets.MonthEnd(0)).date()


def readings(seeds, lengths, **kwargs) -> list[str]:
    out = []
    for seed in seeds:
        rows, districts, last = survey(seed, **kwargs)
        for months in lengths:
            result = trust_stats.city_trust_from(rows, districts, *period(last, months))
            assert result.margin is not None and result.margin > 0
            out.append(result.noise)
    return out


@pytest.mark.parametrize("kwargs, seeds, lengths", [
    # Demo-like: true trust wanders (citywide and by district) with nothing changing.
    ({"drift": True}, range(70), (1, 12)),
    # Sampling noise only.
    ({"drift": False}, range(1000, 1060), (1, 3)),
    # Scores published without margins of error or respondents: the earlier changes carry the whole margin.
    ({"drift": True, "published": False}, range(2000, 2040), (3, 12)),
    # A short history: 4 years of monthly surveys (a 12-month change is not assessed on so few years).
    ({"drift": True, "months": 48}, range(3000, 3040), (1, 3)),
])
def test_no_change_rarely_reads_as_one(kwargs, seeds, lengths):
    """Measured on 150-300 seeds per case: 0-5 % "possible change" or stronger, 0-0.5 % "significant"."""
    found = readings(seeds, lengths, **kwargs)
    assert trust_stats.NOT_ASSESSED not in found and "" not in found
    share = np.mean([r in READ_AS_CHANGE for r in found])
    assert share <= 0.06, (share, len(found))
    assert np.mean([r == trust_stats.SIGNIFICANT for r in found]) <= 0.01


def test_a_real_change_reads_as_one():
    """Trust 4 points higher in every district for the last 12 months, with survey noise only: at least
    "possible change" every time (the 95 % margin is about 1 point)."""
    found = []
    for seed in range(500, 510):
        rows, districts, last = survey(seed, drift=False)
        later = pd.to_datetime(rows["period_start"]) > last - pd.DateOffset(months=12)
        rows.loc[later, "score"] += 4.0
        result = trust_stats.city_trust_from(rows, districts, *period(last, 12))
        assert 2.5 < result.change < 5.5 and result.margin < 2.0
        found.append(result.noise)
    assert set(found) <= READ_AS_CHANGE and trust_stats.SIGNIFICANT in found


def test_too_little_history_gives_a_sampling_margin_and_no_reading():
    """Two and a half years of surveys: a 12-month comparison has no earlier one to measure drift on, so the
    change is "not assessed" (a sampling-only reading falsely flags half of such no-change comparisons)."""
    rows, districts, last = survey(7, months=30)
    result = trust_stats.city_trust_from(rows, districts, *period(last, 12))
    assert result.noise == trust_stats.NOT_ASSESSED and result.z is None and result.drift_sd is None
    assert 0 < result.margin < 1.5
    assert "survey sampling only" in result.margin_text()


def test_the_score_is_weighted_by_population_and_says_what_it_covers():
    """District A: 1,000 residents, 200 respondents, score 40; B: 9,000 residents, 20 respondents, 80; C has no
    survey. Weighted by residents the city reads 76, not the respondents' 43.6; C is named as left out."""
    rows = pd.DataFrame({"period_start": [dt.date(2024, 5, 1)] * 2, "district_id": ["A", "B"], "score": [40.0, 80.0],
                         "respondents": [200, 20], "margin_of_error": [3.5, 11.0]})
    districts = pd.DataFrame({"district_id": ["A", "B", "C"], "district_name": ["Alpha", "Beta", "Gamma"],
                              "population": [1_000, 9_000, 10_000]})
    result = trust_stats.city_trust_from(rows, districts, dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    assert result.score == pytest.approx(76.0) and result.respondents == 220 and result.weighting == "population"
    assert result.population_share == pytest.approx(0.5) and result.left_out == ("Gamma",)
    assert result.coverage_text() == "The surveyed districts hold 50% of residents. Not in the score: Gamma."
    assert result.prior_score is None and result.change is None and result.noise == ""
    unpopulated = districts.assign(population=np.nan)
    by_respondents = trust_stats.city_trust_from(rows, unpopulated, dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    assert by_respondents.weighting == "respondents" and by_respondents.score == pytest.approx(48_000 / 1_100)
    assert "Weighted by respondents" in by_respondents.weighting_text()


def test_public_mode_hides_small_samples_as_the_city_totals_do():
    shown = trust_stats.CityTrust(score=61.0, respondents=metrics.MIN_RESPONDENTS, prior_score=60.0,
                                  prior_respondents=500, change=1.0, margin=2.0, z=1.0,
                                  noise=trust_stats.WITHIN, df=30.0, weighting="population", population_share=1.0,
                                  districts_used=2, districts_total=2)
    assert trust_stats.protect(shown, metrics.MIN_RESPONDENTS) == shown
    few = trust_stats.protect(shown.__class__(**{**shown.__dict__, "respondents": metrics.MIN_RESPONDENTS - 1}),
                              metrics.MIN_RESPONDENTS)
    assert few.score is None and few.prior_score == 60.0
    assert few.change is None and few.margin is None and few.noise == "" and few.z is None
    few_before = trust_stats.protect(shown.__class__(**{**shown.__dict__, "prior_respondents": 3}),
                                     metrics.MIN_RESPONDENTS)
    assert few_before.score == 61.0 and few_before.prior_score is None and few_before.change is None


def test_demo_city_score_is_the_population_weighted_mean_of_its_districts(demo_db):
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    with Store(demo_db) as s:
        result = trust_stats.city_trust(s, start, end)
        table = s.query("trust_by_district", measure="trust", start=start, end=end)
        population = s.query("areas", level="district").set_index("area_id")["population"]
        one = trust_stats.city_trust(s, start, end, districts=["3"])
    table["ws"] = table["score"] * table["respondents"]
    by_district = table.groupby("district_id")[["ws", "respondents"]].sum()
    scores = by_district["ws"] / by_district["respondents"]
    expected = float((scores * population.reindex(scores.index)).sum() / population.reindex(scores.index).sum())
    assert result.score == pytest.approx(expected) and result.weighting == "population"
    assert result.respondents == int(table["respondents"].sum()) and result.population_share == pytest.approx(1.0)
    assert result.change is not None and result.margin > 0 and result.noise in {trust_stats.WITHIN, *READ_AS_CHANGE}
    assert result.drift_sd is not None and result.df > 1
    assert one.score == pytest.approx(float(scores["3"])) and one.districts_used == 1 and one.margin > 0
