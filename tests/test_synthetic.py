"""Synthetic difference-in-differences, the robustness estimator beside the main evaluation:
it recovers injected effects on seeded simulated cities, its placebo p-values are calibrated at no
effect, and it handles staggered starts, ended programs, missing survey months and few donors
with sentences that say so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from community_policing import i18n
from community_policing.data import synthetic as S

MONTHS = pd.date_range("2020-01-01", periods=80, freq="MS")
IDS = [str(i) for i in range(1, 10)]


def city(seed: int, effect: float = 0.0, starts: dict | None = None, ends: dict | None = None,
         trend_sd: float = 0.03, ids=IDS) -> tuple[pd.DataFrame, dict]:
    """Monthly incidents for 9 districts x 80 months: district levels of 80-400 a month, a shared
    season and citywide drift, district trends (sd ``trend_sd`` a year), AR(1) district shocks
    (overdispersion about 2-3x Poisson at the month level), and ``effect`` in the treated
    districts from their start to their end."""
    rng = np.random.default_rng(seed)
    starts = starts if starts is not None else {"2": pd.Timestamp("2023-04-01"), "5": pd.Timestamp("2023-04-01")}
    ends = ends or {}
    n, t = len(ids), len(MONTHS)
    base = rng.uniform(np.log(80), np.log(400), n)
    season = 0.15 * np.sin(2 * np.pi * (MONTHS.month.to_numpy() - 4) / 12)
    drift = np.cumsum(rng.normal(0, 0.02, t))
    trend = rng.normal(0, trend_sd, n)
    frames = []
    for i, d in enumerate(ids):
        shocks = rng.normal(0, 0.06, t)
        ar = np.zeros(t)
        for k in range(t):
            ar[k] = (0.5 * ar[k - 1] if k else 0.0) + shocks[k]
        mu = base[i] + season + drift + trend[i] * np.arange(t) / 12 + ar
        if d in starts:
            on = MONTHS >= starts[d]
            if ends.get(d) is not None:
                on &= MONTHS <= ends[d]
            mu = mu + np.log1p(effect) * on
        frames.append(pd.DataFrame({"district_id": d, "month": MONTHS, "incidents": rng.poisson(np.exp(mu))}))
    return pd.concat(frames, ignore_index=True), starts


def test_recovers_an_injected_effect():
    estimates = []
    for seed in range(30):
        panel, starts = city(100 + seed, effect=-0.15)
        res = S.synthetic_did(panel, starts)
        assert res.treated == ("2", "5") and res.donors == ("1", "3", "4", "6", "7", "8", "9")
        estimates.append(res.estimate)
    estimates = np.array(estimates)
    # 30 cities: Monte Carlo SE of the mean about 0.01 (each estimate's spread about 0.05).
    assert abs(estimates.mean() + 0.15) < 0.035
    assert np.all(np.abs(estimates + 0.15) < 0.15)
    # The unit weights are a proper synthetic comparison: non-negative, summing to one per cohort.
    assert res.weights["weight"].min() >= 0 and res.weights["weight"].sum() == pytest.approx(1.0)
    assert res.time_weights["weight"].sum() == pytest.approx(1.0) and len(res.time_weights) == 24


def test_placebo_p_values_are_calibrated_at_no_effect():
    p_null, p_effect = [], []
    for seed in range(100):
        panel, starts = city(2000 + seed)
        res = S.synthetic_did(panel, starts)
        assert res.n_placebos == 7 and res.min_p == pytest.approx(1 / 8)
        p_null.append(res.placebo_p)
    for seed in range(25):
        panel, starts = city(3000 + seed, effect=-0.25)
        p_effect.append(S.synthetic_did(panel, starts).placebo_p)
    p_null = np.array(p_null)
    # The p-value takes the values k/8; at no effect, P(p <= k/8) should not exceed k/8 (100 cities:
    # Monte Carlo SE up to 0.05, so 0.08 of slack).
    for k in range(1, 8):
        assert np.mean(p_null <= k / 8 + 1e-9) <= k / 8 + 0.08, k
    assert 0.45 <= p_null.mean() <= 0.65  # uniform over k/8 has mean 0.5625
    # ... and a real effect ranks first among the placebos most of the time.
    assert np.mean(np.array(p_effect) <= 1 / 8 + 1e-9) >= 0.7


def test_staggered_starts_are_estimated_per_cohort_and_averaged():
    starts = {"2": pd.Timestamp("2022-07-01"), "5": pd.Timestamp("2023-07-01")}
    own, earliest = [], []
    for seed in range(10):
        panel, _ = city(400 + seed, effect=-0.2, starts=starts)
        res = S.synthetic_did(panel, starts)
        own.append(res.estimate)
        # Treating both as starting at the earliest date mixes untreated months into "after": attenuated.
        earliest.append(S.synthetic_did(panel, {d: starts["2"] for d in starts}).estimate)
    assert abs(np.mean(own) + 0.2) < 0.04
    assert np.mean(earliest) > np.mean(own) + 0.03
    cohorts = res.cohorts.set_index("treated")
    assert list(cohorts.index) == ["2", "5"]
    assert cohorts.loc["2", "cohort"] == "July 2022" and cohorts.loc["5", "pre_months"] == 24
    assert cohorts["weight"].sum() == pytest.approx(1.0)
    assert set(res.weights["cohort"]) == {"July 2022", "July 2023"}


def test_an_ended_program_is_compared_only_while_it_ran():
    starts = {"4": pd.Timestamp("2022-01-01")}
    ends = {"4": pd.Timestamp("2023-06-30")}
    panel, _ = city(7, effect=-0.2, starts=starts, ends=ends)
    res = S.synthetic_did(panel, starts, ends)
    row = res.cohorts.iloc[0]
    assert row["post_months"] == 18 and row["cohort"] == "January 2022 to June 2023"
    assert abs(res.estimate + 0.2) < 0.08
    assert "Months after the program ended are left out." in res.notes
    # Ignoring the end dilutes the effect with the months after it stopped.
    assert S.synthetic_did(panel, starts).estimate > res.estimate + 0.03


def test_a_partly_treated_start_month_is_left_out():
    starts = {"2": pd.Timestamp("2023-04-15")}
    panel, _ = city(8, effect=-0.15, starts={"2": pd.Timestamp("2023-05-01")})
    res = S.synthetic_did(panel, starts)
    # April is partly treated: neither before nor after (the 24 months before the first full month, less April).
    assert res.cohorts.iloc[0]["pre_months"] == 23 and res.cohorts.iloc[0]["post_months"] == 24
    assert pd.Timestamp("2023-04-01") not in set(res.time_weights["month"])
    assert abs(res.estimate + 0.15) < 0.1


def test_survey_scores_with_missing_months():
    rng = np.random.default_rng(11)
    rows = []
    level = rng.uniform(45, 70, len(IDS))
    for i, d in enumerate(IDS):
        for k, m in enumerate(MONTHS):
            lift = 1.08 if d == "7" and m >= pd.Timestamp("2024-01-01") else 1.0  # +8 % from the start
            score = level[i] * (1 + 0.02 * np.sin(k / 3)) * lift
            rows.append({"district_id": d, "period_start": m, "measure": "trust",
                         "score": score + rng.normal(0, 1.0)})
    trust = pd.DataFrame(rows)
    trust.loc[(trust["district_id"] == "7") & (trust["period_start"].dt.month == 8), "score"] = np.nan  # not surveyed
    trust = trust.drop(trust[(trust["district_id"] == "9") & (trust["period_start"] >= "2023-01-01")].index)
    res = S.synthetic_did(trust, {"7": "2024-01-01"}, kind="score", time="period_start")
    assert abs(res.estimate - 0.08) < 0.03
    assert "9" not in set(res.weights["district_id"])  # missing most of the window: left out
    assert res.cohorts.iloc[0]["post_months"] < 24  # the months without a survey are dropped


def test_few_donors_say_what_the_test_cannot_do():
    panel, starts = city(5)
    few = panel[panel["district_id"].isin(["2", "5", "1", "3", "4"])]
    res = S.synthetic_did(few, starts)
    assert res.n_placebos == 3 and res.min_p == pytest.approx(0.25) and not res.can_reach_05
    assert any("smallest p-value this check can give is 0.25: it cannot reach 0.05" in n for n in res.notes)
    assert any("Only 3 districts without a program" in n for n in res.notes)
    lone = S.synthetic_did(panel[panel["district_id"].isin(["2", "5", "1"])], starts)
    assert np.isnan(lone.estimate) and not lone.estimable and np.isnan(lone.placebo_p)
    assert any("Fewer than 2 districts without a program have data in the window" in n for n in lone.notes)
    assert lone.notes[-1] == "The synthetic comparison could not be estimated."


def test_donors_must_be_untreated_and_inputs_checked():
    panel, starts = city(6)
    with pytest.raises(ValueError, match="treated"):
        S.synthetic_did(panel, starts, donors=["1", "2", "3"])
    with pytest.raises(ValueError, match="kind"):
        S.synthetic_did(panel, starts, kind="rate")
    # Districts of other programs are left out by passing the never-treated donors only.
    res = S.synthetic_did(panel, starts, donors=["1", "3", "4", "6"])
    assert res.donors == ("1", "3", "4", "6") and set(res.placebo_effects["district_id"]) == set(res.donors)


def test_agreement_sentence_says_when_the_methods_disagree():
    panel, starts = city(9, effect=-0.15)
    res = S.synthetic_did(panel, starts)
    agree, text = S.agreement(res.estimate + 0.01, res.estimate - 0.08, res.estimate + 0.1, res)
    assert agree is True and "agrees with the main estimate" in text and "placebo p = " in text
    agree, text = S.agreement(0.05, 0.01, 0.12, res)
    assert agree is False and "disagrees with the main estimate (+5.0%, 95% interval +1.0% to +12.0%)" in text
    lone = S.synthetic_did(panel[panel["district_id"].isin(["2", "5", "1"])], starts)
    assert S.agreement(-0.1, -0.2, 0.0, lone)[0] is None


def test_sentences_speak_spanish():
    panel, starts = city(5)
    few = panel[panel["district_id"].isin(["2", "5", "1", "3", "4"])]
    with i18n.speaking("es"):
        res = S.synthetic_did(few, starts)
        _agree, text = S.agreement(-0.1, -0.2, 0.0, res)
    english = S.synthetic_did(few, starts)
    assert res.method != english.method and all(a != b for a, b in zip(res.notes, english.notes))
    assert res.method.startswith("Diferencias en diferencias sintéticas") and "p de placebos" in text
