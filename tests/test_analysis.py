"""community_policing.stats.did (and the trust and representativeness functions it once held): checked against scipy/statsmodels, hand-built panels with known
effects, and (a few seeds of) the demo generator's injected truth.

The full coverage study (100+ seeds) is benchmarks/did_coverage.py.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from community_policing.stats import did as A, trust_stats
from community_policing.stats import costs, engagement_stats, funnel
from community_policing.views import period_comparisons
from community_policing.stats import noise
from community_policing.views import metrics
from community_policing.data.demo import generate_demo_city
from tests.conftest import PROJECT_ROOT, tiny_city_tables

START = dt.date(2022, 7, 1)


# --------------------------------------------------------------------------------------------
# Hand-built panels
# --------------------------------------------------------------------------------------------


def panel(effect: float = -0.2, *, noise_seed: int | None = None, treated=("A", "B"),
          controls=("C", "D"), pre_trend: float = 0.0, spike: float = 0.0) -> pd.DataFrame:
    """Monthly counts 2020-07..2024-06: district level x season x (1 + effect) after START in
    treated districts; optional Poisson noise, a treated pre-start trend per month, and a
    treated spike in the 3 months before START."""
    months = pd.date_range("2020-07-01", "2024-06-01", freq="MS")
    season = 1 + 0.15 * np.sin(2 * np.pi * (months.month.to_numpy() - 4) / 12)
    level = {"A": 300.0, "B": 150.0, "C": 220.0, "D": 90.0, "E": 180.0}
    rel = (months.year - 2022) * 12 + (months.month - 7)
    rows = []
    for d in list(treated) + list(controls):
        mu = level[d] * season
        if d in treated:
            mu = mu * np.where(rel >= 0, 1 + effect, 1.0)
            mu = mu * np.exp(pre_trend * np.minimum(rel, 0))
            mu = mu * np.where((rel >= -3) & (rel < 0), 1 + spike, 1.0)
        rows.append(pd.DataFrame({"district_id": d, "month": months, "incidents": mu}))
    out = pd.concat(rows, ignore_index=True)
    if noise_seed is not None:
        out["incidents"] = np.random.default_rng(noise_seed).poisson(out["incidents"]).astype("int64")
    return out


def survey_panel(effect: float = 0.1, *, noise_seed: int | None = None) -> pd.DataFrame:
    months = pd.date_range("2020-07-01", "2024-06-01", freq="MS")
    rel = (months.year - 2022) * 12 + (months.month - 7)
    base = {"A": 45.0, "B": 52.0, "C": 63.0, "D": 70.0}
    rng = np.random.default_rng(noise_seed or 0)
    rows = []
    for i, (d, b) in enumerate(base.items()):
        score = b * (1 + 0.02 * np.cos(months.month.to_numpy())) * np.where((rel >= 0) & (d in "AB"), 1 + effect, 1.0)
        if noise_seed is not None:
            score = score + rng.normal(0, 2.0, len(months))
        rows.append(pd.DataFrame({
            "period_start": months.date, "period_end": (months + pd.offsets.MonthEnd(0)).date,
            "district_id": d, "measure": "trust", "score": score,
            "respondents": 60 + 20 * i + (np.arange(len(months)) % 7), "margin_of_error": 5.0,
        }))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------------------------
# monthly_incidents
# --------------------------------------------------------------------------------------------


def test_monthly_incidents_counted_zero_filled_and_unplaced_dropped():
    inc = tiny_city_tables()["incidents"]
    m = A.monthly_incidents(inc, districts=["1", "2", "3"])
    assert list(m.columns) == ["district_id", "month", "incidents"]
    # months 2023-03 .. 2024-03 for every district, zeros filled
    assert m["month"].min() == pd.Timestamp("2023-03-01") and m["month"].max() == pd.Timestamp("2024-03-01")
    assert len(m) == 3 * 13
    t = m.set_index(["district_id", "month"])["incidents"]
    assert t[("1", pd.Timestamp("2023-03-01"))] == 3
    # i1 + i2 counted (i2's later correction is its own figure); the unplaced i4 is not counted anywhere
    assert t[("1", pd.Timestamp("2024-03-01"))] == 2
    assert t[("2", pd.Timestamp("2024-03-01"))] == 1  # i3; x1 occurred in February
    assert t[("2", pd.Timestamp("2024-02-01"))] == 1
    assert t[("3", pd.Timestamp("2024-03-01"))] == 0
    assert m["incidents"].sum() == ((inc["district_id"].notna()) & (inc["count"] == 1)).sum()
    rep = A.monthly_incidents(inc, date_basis="reported").set_index(["district_id", "month"])["incidents"]
    assert ("1", pd.Timestamp("2024-04-01")) not in rep.index  # the April correction is not a count
    assert rep[("2", pd.Timestamp("2024-03-01"))] == 2  # x1 reported in March
    with pytest.raises(ValueError):
        A.monthly_incidents(inc, date_basis="coded")


# --------------------------------------------------------------------------------------------
# DiD: exact recovery, agreement with statsmodels, the district-level standard error
# --------------------------------------------------------------------------------------------


def test_did_recovers_noise_free_multiplicative_effect():
    res = A.did_incidents(panel(-0.2), ["A", "B"], START)
    assert res.estimate == pytest.approx(-0.2, abs=1e-6)
    assert res.ci_low == pytest.approx(-0.2, abs=1e-6) and res.ci_high == pytest.approx(-0.2, abs=1e-6)
    assert (res.n_treated, res.n_control, res.pre_months, res.post_months) == (2, 2, 24, 24)
    assert res.df == 2
    es = res.event_study
    assert list(es.columns) == ["rel_period", "first_month", "coef", "ci_low", "ci_high", "reference"]
    assert es.loc[es["reference"], "rel_period"].tolist() == [-1]
    assert np.allclose(es.loc[es["rel_period"] >= 0, "coef"], -0.2, atol=1e-6)
    assert np.allclose(es.loc[es["rel_period"] < 0, "coef"], 0.0, atol=1e-6)
    assert res.pretrend_ok and not res.rtm_flag
    one = A.did_incidents(panel(0.3, treated=("A",), controls=("C", "D", "E")), ["A"], START)
    assert one.estimate == pytest.approx(0.3, abs=1e-6)


def test_did_trust_recovers_noise_free_relative_effect():
    res = A.did_trust(survey_panel(0.1), ["A", "B"], START)
    assert res.outcome == "trust"
    assert res.estimate == pytest.approx(0.1, abs=1e-9)
    post = res.event_study["rel_period"] >= 0
    assert np.allclose(res.event_study.loc[post, "coef"], 0.1, atol=1e-9)


def window(df: pd.DataFrame, months: int = 24) -> pd.DataFrame:
    rel = (df["month"].dt.year - 2022) * 12 + (df["month"].dt.month - 7)
    out = df[(rel >= -months) & (rel < months)].copy()
    out["D"] = (out["district_id"].isin(["A", "B"]) & (rel[out.index] >= 0)).astype(float)
    out["m"] = out["month"].dt.strftime("%Y-%m")
    return out


def test_did_point_estimate_and_cr1_match_statsmodels_and_closed_form():
    noisy = panel(-0.1, noise_seed=3)
    res = A.did_incidents(noisy, ["A", "B"], START)
    df = window(noisy)
    ref = smf.glm("incidents ~ C(district_id) + C(m) + D", df, family=sm.families.Poisson()).fit(tol=1e-12)
    assert res.log_estimate == pytest.approx(ref.params["D"], abs=1e-7)
    # Balanced panel: the Poisson two-way FE estimate is the pooled 2x2 log ratio of totals.
    tot = df.groupby([df["district_id"].isin(["A", "B"]), df["month"] >= "2022-07-01"])["incidents"].sum()
    closed = math.log(tot[True, True] / tot[True, False]) - math.log(tot[False, True] / tot[False, False])
    assert res.log_estimate == pytest.approx(closed, abs=1e-7)
    # CR1 option = statsmodels' cluster-robust errors with the small-sample correction, t(G-1).
    cr1 = A.did_incidents(noisy, ["A", "B"], START, inference="cr1")
    groups = pd.Categorical(df["district_id"]).codes
    cl = smf.glm("incidents ~ C(district_id) + C(m) + D", df, family=sm.families.Poisson()).fit(
        tol=1e-12, cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True, "df_correction": True})
    assert cr1.se_log == pytest.approx(cl.bse["D"], rel=1e-6)
    q = stats.t.ppf(0.975, 3)
    assert cr1.ci_low == pytest.approx(math.expm1(cl.params["D"] - q * cl.bse["D"]), rel=1e-6)
    assert cr1.df == 3


def test_district_level_standard_error_by_hand():
    """One treated district: SE = s * sqrt(1 + sum of squared control weights), where s pools the
    controls' pre->post log changes and a control's weight is its share of control incidents."""
    noisy = panel(-0.1, noise_seed=11, treated=("A",), controls=("C", "D", "E"))
    res = A.did_incidents(noisy, ["A"], START)
    df = window(noisy)
    post = df["month"] >= "2022-07-01"
    by = df.groupby(["district_id", post])["incidents"].sum().unstack()
    change = np.log(by[True] / by[False])
    controls = ["C", "D", "E"]
    resid = change[controls] - change[controls].mean()
    s = math.sqrt((resid**2).sum() / (4 - 2))
    share = by.loc[controls].sum(axis=1) / by.loc[controls].to_numpy().sum()
    se = s * math.sqrt(1 + (share**2).sum())
    assert res.se_log == pytest.approx(se, rel=1e-6)
    assert res.df == 2
    q = stats.t.ppf(0.975, 2)
    assert res.ci_high == pytest.approx(math.expm1(res.log_estimate + q * se), rel=1e-6)
    assert res.p_value == pytest.approx(2 * stats.t.sf(abs(res.log_estimate) / se, 2), rel=1e-6)
    assert "G-2 = 2 df" in res.method


def test_pretrend_and_regression_to_the_mean_detected():
    trending = A.did_incidents(panel(0.0, noise_seed=5, pre_trend=0.02, controls=("C", "D", "E")),
                               ["A", "B"], START)
    assert trending.pretrend_p < 0.05 and trending.pretrend_ok is False
    # 2 % a month before the start: the one-slope test sees it too, as a trend of about 27 % a year.
    assert trending.pretrend_slope_p < 0.05 and trending.pretrend_slope == pytest.approx(math.expm1(0.24), abs=0.05)
    flat = A.did_incidents(panel(0.0, noise_seed=5, controls=("C", "D", "E")), ["A", "B"], START)
    assert flat.pretrend_ok is True and flat.pretrend_slope_p >= 0.05
    assert 0 < flat.detectable_trend < 0.2  # Poisson noise only: the check sees a few % a year
    assert not flat.rtm_flag and flat.rtm_p > 0.05
    spiking = A.did_incidents(panel(0.0, noise_seed=5, spike=0.4, controls=("C", "D", "E")), ["A", "B"], START)
    assert spiking.rtm_flag and spiking.rtm_z > 2 and spiking.rtm_p < 0.05
    assert any("Regression to the mean" in n for n in spiking.notes)
    # The spike sits in the baseline: leaving the run-up out takes the spurious fall away.
    assert spiking.estimate < -0.03 and abs(spiking.runup_estimate) < 0.01


def test_did_edge_cases():
    p = panel(-0.2, noise_seed=1)
    with pytest.raises(ValueError, match="no control districts"):
        A.did_incidents(p, ["A", "B"], START, exclude=["C", "D"])
    with pytest.raises(ValueError, match="Test Program.*outside"):
        A.did_incidents(p, ["A"], dt.date(2030, 1, 1), label="Test Program")
    with pytest.raises(ValueError, match="Test Program.*outside"):
        A.did_incidents(p, ["A"], dt.date(2020, 9, 1), label="Test Program")
    with pytest.raises(ValueError, match="both treated and controls"):
        A.did_incidents(p, ["A"], START, controls=["A", "C"])
    with pytest.raises(ValueError, match="Z"):
        A.did_incidents(p, ["Z"], START)
    # Zeros: a control district with no incidents at all is left out, with a note; sparse
    # months with zeros are fine.
    zeros = pd.concat([p, p[p["district_id"] == "C"].assign(district_id="E", incidents=0)])
    sparse = zeros.copy()
    sparse.loc[(sparse["district_id"] == "D") & (sparse["month"].dt.month == 1), "incidents"] = 0
    res = A.did_incidents(sparse, ["A", "B"], START)
    assert res.n_control == 2 and "E" not in res.controls
    assert any("no incidents" in n for n in res.notes)
    assert np.isfinite(res.ci_low) and np.isfinite(res.ci_high)
    # Mid-month start: the partly treated month is left out.
    mid = A.did_incidents(panel(-0.2), ["A", "B"], dt.date(2022, 6, 15))
    assert mid.estimate == pytest.approx(-0.2, abs=1e-6)
    assert any("partly treated" in n for n in mid.notes)
    # Too few districts for an interval: estimate only.
    tiny = A.did_incidents(p, ["A"], START, controls=["C"])
    assert np.isfinite(tiny.estimate) and math.isnan(tiny.ci_low)


# --------------------------------------------------------------------------------------------
# Against the demo generator's truth (few seeds; the full study is the benchmark)
# --------------------------------------------------------------------------------------------

FOOT_PATROL = "Foot Patrol Initiative"
SEEDS = range(1, 13)


def test_demo_truth_small_seed_coverage_and_false_positives():
    covered = {"incidents": 0, "trust": 0}
    false_pos = {"incidents": 0, "trust": 0}
    for seed in SEEDS:
        for scale in (1.0, 0.0):
            # Just the 24 months either side of the Foot Patrol start (2023-04-01): faster.
            tables = generate_demo_city(seed, effect_scale=scale, start=dt.date(2021, 4, 1),
                                        end=dt.date(2025, 3, 31))
            out = A.evaluate_programs(tables, program=FOOT_PATROL).set_index("outcome")
            for outcome in ("incidents", "trust"):
                r = out.loc[outcome]
                # Nothing wildly off: the hard demo city's district-months vary ~3x Poisson and its districts wander,
                # so incident intervals are about ±0.25 wide (benchmarks/README.md).
                assert abs(r["estimate"] - r["true_effect"]) < 0.3
                if scale == 1.0:
                    covered[outcome] += r["ci_low"] <= r["true_effect"] <= r["ci_high"]
                else:
                    false_pos[outcome] += r["p_value"] < 0.05
    for outcome in covered:
        assert covered[outcome] >= 9, (outcome, covered)
        assert false_pos[outcome] <= 3, (outcome, false_pos)


def test_evaluate_programs_on_the_demo_city(demo_tables):
    out = A.evaluate_programs(demo_tables)
    for col in ["program", "outcome", "estimate", "ci_low", "ci_high", "pretrend_p", "rtm_flag", "pretrend_slope_p",
                "detectable_trend", "breakdown_trend", "min_permutation_p", "robust_estimate", "staggered"]:
        assert col in out.columns
    assert len(out) == 6 and set(out["outcome"]) == {"incidents", "trust"}
    # The demo city (realism "hard") starts the Foot Patrol's two districts a year apart; 2 of 6 districts:
    # 15 ways, 1 of 5: 5 ways.
    assert set(out.loc[out["staggered"].astype(bool), "program"]) == {"Foot Patrol Initiative"}
    # The second estimator (synthetic difference-in-differences) sits beside every estimate, with its placebo p.
    assert out["robust_estimate"].notna().all() and out["robust_p"].between(0, 1).all()
    assert (out["robust_method"] == "synthetic difference-in-differences").all()
    perm = out.set_index(["program", "outcome"])["min_permutation_p"]
    assert perm[("Foot Patrol Initiative", "incidents")] == pytest.approx(1 / 30)  # and which started first
    assert perm[("Neighborhood Liaison Officers", "incidents")] == pytest.approx(1 / 5)
    assert (out["detectable_trend"] > 0).all() and (out["breakdown_trend"].notna()).all()
    assert (out["ci_low"] <= out["estimate"]).all() and (out["estimate"] <= out["ci_high"]).all()
    assert (out["n_control"] == 4).all()  # districts 1, 4, 6 and 9 were never in a program
    assert "true_effect" in out.columns
    one = A.evaluate_programs(demo_tables, program="Neighborhood Liaison Officers")
    assert set(one["program"]) == {"Neighborhood Liaison Officers"} and (one["n_treated"] == 1).all()
    with pytest.raises(ValueError, match="unknown program"):
        A.evaluate_programs(demo_tables, program="Nope")


def test_evaluate_programs_edge_cases(demo_tables):
    no_surveys = dict(demo_tables, trust_surveys=demo_tables["trust_surveys"].iloc[0:0])
    out = A.evaluate_programs(no_surveys)
    assert set(out["outcome"]) == {"incidents"} and len(out) == 3
    late = demo_tables["programs"].copy()
    late.loc[late["name"] == "Youth Outreach Partnership", "start_date"] = dt.date(2031, 1, 1)
    with pytest.raises(ValueError, match="Youth Outreach Partnership"):
        A.evaluate_programs(dict(demo_tables, programs=late))
    everywhere = pd.DataFrame({"name": "Citywide", "district_id": demo_tables["districts"]["id"],
                               "start_date": dt.date(2023, 1, 1), "end_date": None, "annual_cost": 1.0})
    with pytest.raises(ValueError, match="Citywide: no control districts"):
        A.evaluate_programs(dict(demo_tables, programs=everywhere))
    assert A.evaluate_programs(dict(demo_tables, programs=everywhere.iloc[0:0])).empty


# --------------------------------------------------------------------------------------------
# Period comparisons
# --------------------------------------------------------------------------------------------


def daily(first: str, last: str, per_day: int = 1) -> pd.DataFrame:
    days = pd.date_range(first, last, freq="D")
    return pd.DataFrame({"day": days.date, "incidents": per_day})


def test_compare_windows_rows_numbers_and_warnings():
    t = period_comparisons.compare_windows(daily("2022-01-01", "2024-06-30"), dt.date(2024, 2, 15)).set_index("window")
    assert list(t.index) == ["rolling 28 days", "rolling 12 months", "year to date", "last full year"]
    for col in ["start", "end", "current", "prior", "change", "pct_change", "noise_z", "dispersion", "noise", "warning"]:
        assert col in t.columns
    assert t.loc["rolling 28 days", ["current", "prior"]].tolist() == [28, 28]
    assert t.loc["rolling 12 months", "current"] == 365
    assert t.loc["year to date", ["current", "prior"]].tolist() == [46, 46]
    assert "Year to date covers only 46 days" in t.loc["year to date", "warning"]
    assert t.loc["last full year", ["start", "end"]].tolist() == [dt.date(2023, 1, 1), dt.date(2023, 12, 31)]
    assert t.loc["last full year", ["current", "prior"]].tolist() == [365, 365]
    assert t.loc["rolling 28 days", "noise"] == "within normal variation"
    assert pd.isna(t.loc["rolling 28 days", "warning"])
    # Doubling: the z and label come from metrics.
    d = daily("2014-01-01", "2024-12-31")
    d.loc[pd.to_datetime(d["day"]) >= "2024-01-01", "incidents"] = 2
    t2 = period_comparisons.compare_windows(d, dt.date(2024, 12, 31)).set_index("window")
    row = t2.loc["rolling 12 months"]
    # A series without any variation: its history allows for chance alone (φ = 1), and a doubling is significant.
    assert row["dispersion"] == 1.0 and row["noise_z"] > 3
    # Without history before the compared period there is no reading at all (plain Poisson would over-read).
    short = period_comparisons.compare_windows(daily("2023-01-01", "2024-12-31"), dt.date(2024, 12, 31))
    assert short.set_index("window").loc["rolling 12 months", "noise"] == metrics.NO_HISTORY_READING
    assert row["pct_change"] == pytest.approx(100.0, abs=0.5)
    assert row["noise"] == metrics.noise_label(row["noise_z"]) == "significant change"
    assert pd.isna(t2.loc["year to date", "warning"]) or "Year to date" not in t2.loc["year to date", "warning"]


def test_compare_windows_zero_prior_is_na_and_flagged():
    t = period_comparisons.compare_windows(daily("2024-01-01", "2024-06-30"), dt.date(2024, 6, 30)).set_index("window")
    row = t.loc["rolling 28 days"]
    assert row["prior"] == 0 and pd.isna(row["pct_change"])
    assert "not fully covered" in row["warning"]


def test_compare_windows_uses_the_metrics_presets():
    assert set(period_comparisons.PERIOD_PRESETS_ORDER) == set(metrics.PERIOD_PRESETS)


def test_multiple_comparisons_note():
    assert period_comparisons.multiple_comparisons_note(9) is None
    assert period_comparisons.multiple_comparisons_note(10) is None
    note = period_comparisons.multiple_comparisons_note(40)
    assert note.startswith("With 40 comparisons, about 2 will look like a 'possible change' by chance alone")
    assert "about 1 " in period_comparisons.multiple_comparisons_note(12)


# --------------------------------------------------------------------------------------------
# Funnel plot
# --------------------------------------------------------------------------------------------


def test_funnel_limits_match_scipy_poisson_quantiles():
    pops = np.array([500, 2_000, 10_000, 50_000])
    rate = 60.0
    exact = funnel.funnel_limits(pops, rate, interpolate=False)
    mean = pops * rate / 1000
    assert list(exact.columns) == ["population", "expected", "lower_95", "upper_95", "lower_99.8", "upper_99.8"]
    assert np.allclose(exact["expected"], mean)
    for z, cov in ((1.96, "95"), (3.09, "99.8")):
        assert np.allclose(exact[f"upper_{cov}"], stats.poisson.ppf(stats.norm.cdf(z), mean) / pops * 1000)
        assert np.allclose(exact[f"lower_{cov}"], stats.poisson.ppf(stats.norm.cdf(-z), mean) / pops * 1000)
    smooth = funnel.funnel_limits(pops, rate)
    for col in ["lower_95", "upper_95", "lower_99.8", "upper_99.8"]:
        assert (smooth[col] <= exact[col] + 1e-12).all()
        assert (smooth[col] >= exact[col] - 1000 / pops - 1e-12).all()
    # Limits narrow as populations grow, around the city rate.
    assert (np.diff(smooth["upper_95"]) < 0).all() and (np.diff(smooth["lower_95"]) > 0).all()
    assert ((smooth["lower_99.8"] < rate) & (rate < smooth["upper_99.8"])).all()


def test_funnel_table_positions_and_small_populations():
    areas = pd.DataFrame({
        "area_id": ["a", "b", "c", "d", "park"],
        "area_name": ["A", "B", "C", "D", "Park"],
        "incidents": [500, 1_000, 1_300, 700, 25],
        "population": [10_000, 20_000, 20_000, 20_000, 120],
    })
    t = funnel.funnel_table(areas).set_index("area_id")
    city = 3_500 / 70_000 * 1000
    assert t["city_rate_per_1000"].iloc[0] == pytest.approx(city)
    assert t.loc["b", "rate_per_1000"] == pytest.approx(50.0)
    assert t.loc["b", "expected"] == pytest.approx(1_000.0)
    assert t.loc["b", "position"] == "within expected range"
    assert t.loc["c", "position"] == "above 99.8% limit"
    assert t.loc["d", "position"] == "below 99.8% limit"
    assert t.loc["c", "z_score"] == pytest.approx(2 * (math.sqrt(1_300) - math.sqrt(1_000)))
    assert pd.isna(t.loc["park", "rate_per_1000"]) and pd.isna(t.loc["park", "z_score"])
    assert t.loc["park", "position"].startswith("no rate")
    near = pd.DataFrame({"area_id": ["x", "y"], "area_name": ["X", "Y"], "incidents": [1_070, 930],
                         "population": [20_000, 20_000]})
    assert funnel.funnel_table(near).set_index("area_id").loc["x", "position"] == "above 95% limit"


# --------------------------------------------------------------------------------------------
# Engagement
# --------------------------------------------------------------------------------------------


def test_engagement_intensity_tiny_city():
    tables = tiny_city_tables()
    training = pd.DataFrame({"date": [dt.date(2024, 3, 10), dt.date(2024, 3, 11)], "district_id": ["1", None],
                             "unit": [None, "Academy"], "course": ["de_escalation", "other"],
                             "officers": [10, 25], "hours": [8.0, 40.0]})
    out = engagement_stats.engagement_intensity(tables["engagement_events"], training, tables["districts"])
    assert len(out) == 2 * 13  # districts x months 2023-03 .. 2024-03
    row = out[(out["district_id"] == "1") & (out["period"] == pd.Timestamp("2024-03-01"))].iloc[0]
    assert row["events_total"] == 2 and row["events_community_meeting"] == 1 and row["events_foot_patrol"] == 1
    assert row["attendees"] == 25 and row["officer_hours"] == 11.0 and row["feedback_sessions"] == 0
    assert row["training_hours"] == 80.0  # the Academy course is not a district's
    assert row["training_hours_per_officer"] == pytest.approx(80.0 / 20)
    assert row["events_total_per_1000"] == pytest.approx(2 / 10_000 * 1000)
    assert row["attendees_per_1000"] == pytest.approx(2.5)
    for t in engagement_stats.engagement_types():
        assert f"events_{t}" in out.columns and f"events_{t}_per_1000" in out.columns
    empty = out[(out["district_id"] == "2") & (out["period"] == pd.Timestamp("2024-01-01"))].iloc[0]
    assert empty["events_total"] == 0 and empty["officer_hours"] == 0
    q = engagement_stats.engagement_intensity(tables["engagement_events"], training, tables["districts"], freq="Q")
    assert q["events_total"].sum() == 3 and q["period"].min() == pd.Timestamp("2023-01-01")


def test_engagement_vs_change_is_year_over_year_within_districts_and_quarters():
    rng = np.random.default_rng(4)
    quarters = pd.period_range("2022Q1", "2024Q4", freq="Q")
    rows_i, rows_o = [], []
    for d in "ABCDEF":
        for q in quarters:
            rows_i.append((d, q, rng.gamma(2.0, 5.0)))
            rows_o.append((d, q, rng.poisson(200)))
    inten = pd.DataFrame(rows_i, columns=["district_id", "quarter", "intensity"])
    outc = pd.DataFrame(rows_o, columns=["district_id", "quarter", "value"])
    res = engagement_stats.engagement_vs_change(inten, outc, lag=1)
    val = outc.set_index(["district_id", "quarter"])["value"]
    p0 = res.points.iloc[0]
    d0, q0 = p0["district_id"], p0["quarter"]
    assert p0["change"] == pytest.approx(val[(d0, q0 + 1)] / val[(d0, q0 - 3)] - 1)  # against a year earlier
    assert res.n == 6 * (len(quarters) - 4)  # 3 quarters have no year-earlier quarter, the last no next one
    pts = res.points.assign(q=res.points["quarter"].astype(str))
    fit = smf.ols("change ~ intensity + C(district_id) + C(q)", data=pts).fit()
    assert res.slope == pytest.approx(fit.params["intensity"])  # two-way fixed effects
    assert res.slope_ci_low < res.slope < res.slope_ci_high and 0 < res.p_value <= 1
    assert res.exact and res.permutations == 720  # 6 districts: every permutation of their series
    assert res.caption == engagement_stats.ASSOCIATION_CAPTION and res.caption.startswith("Association, not effect")
    # lag 0: the engagement quarter against the same quarter a year earlier; strings work as quarters.
    r0 = engagement_stats.engagement_vs_change(inten.assign(quarter=inten["quarter"].astype(str)), outc, lag=0,
                                               change="absolute")
    first = r0.points.iloc[0]
    d1, q1 = first["district_id"], first["quarter"]
    assert first["change"] == val[(d1, q1)] - val[(d1, q1 - 4)]


def test_trust_table_suppresses_small_samples():
    tr = pd.DataFrame({"period_start": [dt.date(2024, 1, 1)] * 3, "district_id": ["1", "2", "3"],
                       "measure": "trust", "score": [60.0, 40.0, 55.0], "respondents": [100, 12, None],
                       "margin_of_error": [4.9, 14.1, None]})
    t = trust_stats.trust_table(tr).set_index("district_id")
    assert t.loc["1", "score"] == 60.0 and not t.loc["1", "suppressed"]
    assert pd.isna(t.loc["2", "score"]) and pd.isna(t.loc["2", "margin_of_error"]) and t.loc["2", "suppressed"]
    assert "12 respondents" in t.loc["2", "suppression_reason"]
    assert t.loc["3", "suppressed"] and "not recorded" in t.loc["3", "suppression_reason"]


def test_reporting_sensitivity_flags_trust_and_crime_rising_together():
    out = trust_stats.reporting_sensitivity(
        pd.DataFrame({"district_id": ["1", "2", "3"], "change": [3.0, 4.0, -2.0]}),
        pd.DataFrame({"district_id": ["1", "2", "3"], "change": [8.0, -5.0, 6.0]}),
    ).set_index("district_id")
    assert out["flag"].tolist() == [True, False, False]
    assert out.loc["1", "note"] == trust_stats.REPORTING_NOTE and "more confidence" in trust_stats.REPORTING_NOTE


def _did_stub(estimate, lo, hi) -> A.DidResult:
    res = A.did_incidents(panel(-0.2), ["A", "B"], START)
    from dataclasses import replace
    return replace(res, estimate=estimate, ci_low=lo, ci_high=hi)


def test_cost_effectiveness():
    good = costs.cost_effectiveness(480_000, {"officer_hours": 4_000, "attendance": 12_000},
                                    _did_stub(-0.15, -0.25, -0.05), baseline_incidents=4_000)
    assert good.cost_per_officer_hour == pytest.approx(120.0)
    assert good.cost_per_attendance == pytest.approx(40.0)
    assert good.per_incident.averted_per_year == pytest.approx(600.0)
    assert good.per_incident.estimate == pytest.approx(800.0)
    assert good.per_incident.low == pytest.approx(480.0)
    assert good.per_incident.high == pytest.approx(2_400.0)
    unclear = costs.cost_effectiveness(pd.DataFrame({"annual_cost": [100.0, 200.0]}), {"officer_hours": 0},
                                       _did_stub(-0.1, -0.3, 0.05), baseline_incidents=1_000)
    assert unclear.annual_cost == 300.0 and unclear.cost_per_officer_hour is None
    assert unclear.per_incident.estimate == pytest.approx(3.0) and unclear.per_incident.upper_unbounded
    assert "or no incidents averted at all" in unclear.per_incident.sentence


def test_library_does_not_import_streamlit():
    code = "import sys, community_policing.stats.did; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT).returncode == 0
