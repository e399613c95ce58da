"""Program evaluation with staggered starts, ended programs, pre-trend checks that say what they can see,
few districts, regression to the mean and a second estimator: on hand-built panels with known effects.

Calibration over many seeds is benchmarks/did_coverage.py; the few seeds here only show each property.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from community_policing.stats import did as A
from community_policing import i18n
from community_policing.figures import programs as program_figures
from community_policing.views import evaluation

LEVEL = {"A": 400.0, "B": 250.0, "C": 300.0, "D": 200.0, "E": 350.0, "F": 150.0}
CONTROLS = ("C", "D", "E", "F")
JAN22, JAN23 = dt.date(2022, 1, 1), dt.date(2023, 1, 1)


def staggered_panel(starts: dict[str, dt.date], *, effect: float = -0.2, ends: dict | None = None,
                    trend: float = 0.0, seed: int | None = None, drift_sd: float = 0.0,
                    controls=CONTROLS) -> pd.DataFrame:
    """Monthly counts 2020-01..2025-12: level x season, times (1 + effect) in a treated district from its own
    start to its end; ``trend`` (log per year) in treated districts throughout; optional random-walk drift
    (log SD per month) in every district and Poisson noise."""
    months = pd.date_range("2020-01-01", "2025-12-01", freq="MS")
    season = 1 + 0.15 * np.sin(2 * np.pi * (months.month.to_numpy() - 4) / 12)
    rng = np.random.default_rng(seed if seed is not None else 0)
    rows = []
    for d in list(starts) + list(controls):
        mu = LEVEL[d] * season
        if d in starts:
            on = months >= pd.Timestamp(starts[d])
            if ends and ends.get(d):
                on &= months <= pd.Timestamp(ends[d])
            mu = mu * np.where(on, 1 + effect, 1.0) * np.exp(
                trend * ((months - pd.Timestamp(starts[d])).days / 365.25).to_numpy())
        if drift_sd:
            mu = mu * np.exp(np.cumsum(rng.normal(0, drift_sd, len(months))))
        rows.append(pd.DataFrame({"district_id": d, "month": months, "incidents": mu}))
    out = pd.concat(rows, ignore_index=True)
    if seed is not None:
        out["incidents"] = rng.poisson(out["incidents"]).astype("int64")
    return out


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


# --------------------------------------------------------------------------------------------
# Staggered starts and ended programs
# --------------------------------------------------------------------------------------------


def test_staggered_starts_are_compared_at_their_own_dates_and_the_old_single_start_is_attenuated():
    starts = {"A": JAN22, "B": JAN23}
    clean = staggered_panel(starts)
    res = A.did_incidents(clean, ["A", "B"], starts, controls=CONTROLS)
    assert res.estimate == pytest.approx(-0.2, abs=1e-6)
    assert res.staggered and dict(res.starts) == starts and res.start == JAN22
    assert np.allclose(res.event_study.loc[res.event_study["rel_period"] >= 0, "coef"], -0.2, atol=1e-6)
    assert np.allclose(res.event_study.loc[res.event_study["rel_period"] < 0, "coef"], 0.0, atol=1e-6)
    assert "Callaway-Sant'Anna" in res.method
    assert any("started on different dates (A: Jan 2022; B: Jan 2023)" in n for n in res.notes)
    # Evaluating both from the earliest start (what program_results did) counts B's untreated year as treated.
    old = A.did_incidents(clean, ["A", "B"], JAN22, controls=CONTROLS)
    assert -0.17 < old.estimate < -0.15  # a fifth too small: B's first year counted as treated
    # With Poisson noise: the old estimator stays attenuated, the new one is unbiased.
    new_est, old_est = [], []
    for seed in range(8):
        noisy = staggered_panel(starts, seed=seed, drift_sd=0.005)
        new_est.append(A.did_incidents(noisy, ["A", "B"], starts, controls=CONTROLS).estimate)
        old_est.append(A.did_incidents(noisy, ["A", "B"], JAN22, controls=CONTROLS).estimate)
    assert np.mean(new_est) == pytest.approx(-0.2, abs=0.015)
    assert np.mean(old_est) > -0.185 and np.mean(old_est) - np.mean(new_est) > 0.02


def test_program_results_use_each_districts_own_dates():
    starts = {"A": JAN22, "B": JAN23}
    monthly = staggered_panel(starts)
    programs = pd.DataFrame({"name": ["P", "P"], "district_id": ["A", "B"], "start_date": [JAN22, JAN23],
                             "end_date": [None, None], "annual_cost": [1.0, 1.0]})
    tables = {"programs": programs, "monthly_incidents": monthly,
              "districts": pd.DataFrame({"id": ["A", "B", *CONTROLS]})}
    assert A.program_dates(programs, "P") == (["A", "B"], starts, {"A": None, "B": None})
    out = A.evaluate_programs(tables).iloc[0]
    assert out["estimate"] == pytest.approx(-0.2, abs=2e-3) and bool(out["staggered"])  # counts rounded
    assert out["start"] == JAN22 and out["min_permutation_p"] == pytest.approx(1 / 30)


def test_months_after_a_program_ended_are_not_compared():
    ends = {"A": dt.date(2023, 6, 30), "B": dt.date(2023, 6, 30)}
    ended = staggered_panel({"A": JAN22, "B": JAN22}, ends=ends)
    res = A.did_incidents(ended, ["A", "B"], JAN22, controls=CONTROLS, end=ends)
    assert res.estimate == pytest.approx(-0.2, abs=1e-6)
    assert res.post_months == 18 and res.ended and res.window[1] == dt.date(2023, 6, 30)
    assert any("ended are not compared" in n for n in res.notes)
    ignoring = A.did_incidents(ended, ["A", "B"], JAN22, controls=CONTROLS)  # the end not known
    assert ignoring.estimate > -0.15
    # One district ended, the other still runs: each has its own post period.
    one = {"A": dt.date(2023, 6, 30), "B": None}
    mixed = staggered_panel({"A": JAN22, "B": JAN22}, ends=one)
    res = A.did_incidents(mixed, ["A", "B"], JAN22, controls=CONTROLS, end=one)
    assert res.estimate == pytest.approx(-0.2, abs=1e-6) and res.post_months == 24
    text = evaluation.dates_text(res)
    assert text == "The program ended (June 2023: district A); months after that are not compared."
    both = A.did_incidents(ended, ["A", "B"], JAN22, controls=CONTROLS, end=ends)
    assert evaluation.dates_text(both) == ("The program ended (June 2023: districts A, B); months after that are "
                                           "not compared.")


def test_dates_are_checked():
    p = staggered_panel({"A": JAN22})
    with pytest.raises(ValueError, match="no start date for district A"):
        A.did_incidents(p, ["A"], {"B": JAN22}, controls=CONTROLS, label="P")
    with pytest.raises(ValueError, match="ends .* before it starts"):
        A.did_incidents(p, ["A"], JAN22, controls=CONTROLS, end=dt.date(2021, 1, 1), label="P")


# --------------------------------------------------------------------------------------------
# Pre-trends
# --------------------------------------------------------------------------------------------


def test_linear_pretrend_test_sees_a_trend_gap_the_joint_test_misses():
    joint, slope = 0, 0
    for seed in range(20):
        p = staggered_panel({"A": JAN23}, effect=0.0, trend=0.10, seed=seed, drift_sd=0.01)
        res = A.did_incidents(p, ["A"], JAN23, controls=CONTROLS)
        joint += res.pretrend_p < 0.05
        slope += res.pretrend_slope_p < 0.05
        assert res.pretrend_ok is (min(res.pretrend_p, res.pretrend_slope_p) >= 0.05)
    assert slope >= joint + 3, (slope, joint)
    # Noise-free: the slope is the trend, and a trend that continues biases the estimate by trend x gap.
    exact = A.did_incidents(staggered_panel({"A": JAN23}, effect=0.0, trend=0.10), ["A"], JAN23, controls=CONTROLS)
    assert exact.pretrend_slope == pytest.approx(math.expm1(0.10), abs=0.002)
    assert exact.gap_years == pytest.approx(2.0)
    assert exact.estimate == pytest.approx(math.expm1(0.10 * 2.0), rel=1e-3)
    assert exact.pretrend_slope_p == 0.0 and exact.pretrend_ok is False


def test_detectable_trend_and_breakdown_value():
    noisy = staggered_panel({"A": JAN23}, effect=-0.25, seed=3, drift_sd=0.01)
    res = A.did_incidents(noisy, ["A"], JAN23, controls=CONTROLS)
    assert res.ci_high < 0  # a clear reduction
    # The trend gap the one-slope check catches half the time: noncentral t at the test's df.
    assert 0.01 < res.detectable_trend < 0.5
    # Breakdown: a downward trend gap of |b| a year, over the gap_years between the pre and post
    # periods' centres, moves the interval's upper end to 0.
    b = math.log1p(res.breakdown_trend)
    assert b < 0 and math.log1p(res.ci_high) - b * res.gap_years == pytest.approx(0.0, abs=1e-9)
    lo_band = math.log1p(res.ci_low) - math.log1p(res.detectable_trend) * res.gap_years
    assert math.log1p(res.trend_band_low) == pytest.approx(lo_band)
    text = evaluation.pretrend_text(res)
    assert f"would catch a steady gap of {res.detectable_trend:.1%} a year only half the time" in text
    assert f"drifting down by {abs(res.breakdown_trend):.1%} a year" in text
    null = A.did_incidents(staggered_panel({"A": JAN23}, effect=0.0, seed=3, drift_sd=0.01), ["A"], JAN23,
                           controls=CONTROLS)
    assert null.ci_low < 0 < null.ci_high and null.breakdown_trend == 0.0
    assert "already includes zero" in evaluation.pretrend_text(null)


def test_a_pretrend_that_cannot_be_tested_reads_not_assessed_never_failed():
    p = staggered_panel({"A": JAN23}, seed=1)
    res = A.did_incidents(p, ["A"], JAN23, controls=CONTROLS, bin_months=6, window_months=6)
    assert math.isnan(res.pretrend_p) and math.isnan(res.pretrend_slope_p) and res.pretrend_ok is None
    assert any("Pre-trend test not possible" in n for n in res.notes)
    summary = evaluation.plain_summary("P", res)
    assert "could not be checked (not assessed)" in summary
    assert "do **not** support" not in summary and "consistent with" not in summary
    assert evaluation.pretrend_text(res).startswith("**Not assessed**")
    assert evaluation.pretrend_reading(res) == "the months before the start were not assessed"
    subtitle = program_figures.event_study_figure(res, "Incidents", "t").to_dict()["title"]["subtitle"]
    subtitle = " ".join(subtitle) if isinstance(subtitle, list) else subtitle
    assert "not assessed" in subtitle and "failed" not in subtitle
    programs = pd.DataFrame({"name": ["P"], "district_id": ["A"], "start_date": [JAN23], "end_date": [None],
                             "annual_cost": [1.0]})
    row = A.evaluate_programs({"programs": programs, "monthly_incidents": p}, window_months=6,
                              bin_months=6).iloc[0]
    assert row["pretrend_ok"] is pd.NA
    passed = A.did_incidents(p, ["A"], JAN23, controls=CONTROLS)
    assert passed.pretrend_ok is True
    summary = evaluation.plain_summary("P", passed)
    assert "consistent with" not in summary and "that check is weak" in summary and "only half the time" in summary
    assert evaluation.pretrend_reading(passed) == ("no clear difference before the start (a weak check with few "
                                                   "districts)")


# --------------------------------------------------------------------------------------------
# Few districts
# --------------------------------------------------------------------------------------------


def test_smallest_attainable_permutation_p():
    one = A.did_incidents(staggered_panel({"A": JAN23}), ["A"], JAN23, controls=CONTROLS)
    assert one.min_permutation_p == pytest.approx(1 / 5)
    text = evaluation.few_districts_text(one)
    assert text.startswith("With 1 treated district and 4 comparison districts there are only 5 ways to choose "
                           "which districts got the program, so even a test that reshuffles them could not give a "
                           "p-value below 0.2.")
    assert "No such test can reach p < 0.05 here." in text and "districts drift alike" in text
    two = A.did_incidents(staggered_panel({"A": JAN23, "B": JAN23}), ["A", "B"], JAN23, controls=CONTROLS)
    assert two.min_permutation_p == pytest.approx(1 / 15)
    staggered = A.did_incidents(staggered_panel({"A": JAN22, "B": JAN23}), ["A", "B"], {"A": JAN22, "B": JAN23},
                                controls=CONTROLS)
    assert staggered.min_permutation_p == pytest.approx(1 / 30)
    text = evaluation.few_districts_text(staggered)
    assert "30 ways to choose which districts got the program and when" in text
    assert "No such test can reach" not in text


# --------------------------------------------------------------------------------------------
# Regression to the mean
# --------------------------------------------------------------------------------------------


def test_regression_to_the_mean_is_judged_against_earlier_pseudo_starts_and_the_runup_can_be_left_out():
    base = staggered_panel({"A": JAN23, "B": JAN23}, effect=0.0, seed=2, drift_sd=0.01)
    quiet = A.did_incidents(base, ["A", "B"], JAN23, controls=CONTROLS)
    assert not quiet.rtm_flag and quiet.rtm_p > 0.05 and math.isnan(quiet.runup_estimate)
    assert evaluation.rtm_text(quiet) is None
    spiked = base.copy()
    runup = spiked["district_id"].isin(["A", "B"]) & spiked["month"].between("2022-10-01", "2022-12-01")
    spiked.loc[runup, "incidents"] = (spiked.loc[runup, "incidents"] * 1.4).round().astype("int64")
    res = A.did_incidents(spiked, ["A", "B"], JAN23, controls=CONTROLS)
    assert res.rtm_flag and res.rtm_z > 0 and res.rtm_p < 0.05
    # The run-up inflates the baseline, so the estimate shows a fall that is not there; without the run-up
    # months it is back near the estimate without the spike.
    assert res.estimate < quiet.estimate - 0.03
    assert res.runup_estimate == pytest.approx(quiet.estimate, abs=0.01)
    text = evaluation.rtm_text(res)
    assert text.startswith("Regression to the mean: just before the start, the treated districts were unusually "
                           "high")
    assert f"Leaving out the 3 months before the start, the estimate is {res.runup_estimate:+.1%}" in text
    # Too little history for even one comparison: not assessed, with a note.
    short = base[base["month"] >= "2022-01-01"]
    res = A.did_incidents(short, ["A", "B"], JAN23, controls=CONTROLS)
    assert math.isnan(res.rtm_z) and not res.rtm_flag
    assert any("Regression to the mean not assessed: needs 15 months" in n for n in res.notes)


# --------------------------------------------------------------------------------------------
# Trust: survey margins of error plus drift
# --------------------------------------------------------------------------------------------


def trust_rows(moe_treated: float, *, seed: int = 0) -> pd.DataFrame:
    months = pd.date_range("2021-01-01", "2024-12-01", freq="MS")
    rng = np.random.default_rng(seed)
    rows = []
    for d, base in {"A": 48.0, "C": 60.0, "D": 55.0, "E": 66.0, "F": 52.0}.items():
        drift = np.cumsum(rng.normal(0, 0.4, len(months)))
        moe = moe_treated if d == "A" else 4.0
        score = base + drift + rng.normal(0, moe / 1.96, len(months))
        rows.append(pd.DataFrame({"period_start": months.date, "period_end": (months + pd.offsets.MonthEnd(0)).date,
                                  "district_id": d, "measure": "trust", "score": score, "respondents": 100,
                                  "margin_of_error": moe}))
    return pd.concat(rows, ignore_index=True)


def test_trust_interval_adds_each_districts_survey_variance_to_the_drift():
    precise = A.did_trust(trust_rows(4.0), ["A"], JAN23)
    noisy_treated = A.did_trust(trust_rows(4.0).assign(
        margin_of_error=lambda f: np.where(f["district_id"] == "A", 40.0, f["margin_of_error"])), ["A"], JAN23)
    # Same scores, but the treated district's surveys are said to be ten times less precise: wider interval.
    assert noisy_treated.se_log > 1.5 * precise.se_log
    assert "margins of error" in precise.method and "Hartung-Knapp" in precise.method and precise.df == 3
    unknown = A.did_trust(trust_rows(4.0).drop(columns="margin_of_error"), ["A"], JAN23)
    assert any("Margins of error are not recorded" in n for n in unknown.notes)
    assert np.isfinite(unknown.ci_low)


# --------------------------------------------------------------------------------------------
# A second estimator beside the main one
# --------------------------------------------------------------------------------------------


def test_robust_estimate_is_shown_beside_the_main_one_and_disagreement_is_said():
    res = A.did_incidents(staggered_panel({"A": JAN23}, seed=1), ["A"], JAN23, controls=CONTROLS)
    assert res.robust_estimate is None and evaluation.robust_text(res) is None
    assert res.significant  # -20 % on clean counts
    agree = replace(res, robust_estimate=-0.18, robust_p=0.01, robust_method="synthetic difference-in-differences")
    assert evaluation.robust_text(agree) == ("A second method (synthetic difference-in-differences) estimates -18.0% "
                                             "(p = 0.01). The two methods agree.")
    weaker = replace(agree, robust_p=0.4)
    assert "disagree on whether the effect is clearly different from zero" in evaluation.robust_text(weaker)
    flipped = replace(agree, robust_estimate=0.05, robust_ci_low=-0.1, robust_ci_high=0.2)
    text = evaluation.robust_text(flipped)
    assert "(95% interval: -10.0% to +20.0%)" in text and "disagree on the direction" in text
    row = A._evaluate_row("P", agree)
    assert row["robust_estimate"] == -0.18 and row["robust_method"] == "synthetic difference-in-differences"


def test_new_texts_are_spanish_under_es():
    res = A.did_incidents(staggered_panel({"A": JAN22, "B": JAN23}, seed=1), ["A", "B"],
                          {"A": JAN22, "B": JAN23}, controls=CONTROLS)
    english = (evaluation.pretrend_text(res), evaluation.few_districts_text(res), evaluation.dates_text(res))
    i18n.set_language("es")
    spanish = (evaluation.pretrend_text(res), evaluation.few_districts_text(res), evaluation.dates_text(res))
    for en, es in zip(english, spanish):
        assert en != es
    assert "30 maneras" in spanish[1]
    assert evaluation.METHOD_NOTE != i18n._(evaluation.METHOD_NOTE)
