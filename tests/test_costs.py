"""Cost-effectiveness as a reader sees it: always shown with its interval (no winner's curse), an
interval that may include "nothing averted" is unbounded on that side and says so, denominators
named for what they count, and harm weighting from the Cambridge Crime Harm Index."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from community_policing import i18n
from community_policing.stats import costs, harm
from community_policing.data.offenses import OFFENSE_GROUPS


def effect(estimate, low, high):
    """A stand-in for did.DidResult: the three relative effects cost_effectiveness reads."""
    return SimpleNamespace(estimate=estimate, ci_low=low, ci_high=high)


def test_no_winners_curse_the_always_shown_estimate_is_median_unbiased():
    # A program that truly cuts incidents by 10 %, estimated with a log-scale standard error of 0.06
    # (a typical one-program DiD): the interval excludes zero in about 40 % of cities.
    rng = np.random.default_rng(14)
    annual_cost, baseline, true_effect, se = 480_000.0, 4_000.0, -0.10, 0.06
    true_cost = annual_cost / (-true_effect * baseline)  # $1,200 per incident averted
    always, selective = [], []
    for b in rng.normal(math.log1p(true_effect), se, 2_000):
        est, lo, hi = math.expm1(b), math.expm1(b - 1.96 * se), math.expm1(b + 1.96 * se)
        per = costs.cost_per_averted(annual_cost, est, lo, hi, baseline)
        # What is shown: a dollar figure, or "none averted at the estimate" (an infinite cost).
        always.append(per.estimate if per.estimate is not None else math.inf)
        if hi < 0:  # the old rule: shown only when the interval excludes zero
            selective.append(per.estimate)
    assert 0.3 < len(selective) / len(always) < 0.55
    assert np.median(always) == pytest.approx(true_cost, rel=0.04)
    understated = 1 - np.median(selective) / true_cost
    assert understated > 0.18  # the winner's curse the old rule had (18-42 % in simulated cities)


def test_the_interval_is_bounded_when_every_value_in_it_is_a_reduction():
    res = costs.cost_effectiveness(480_000, {"officer_hours": 4_000, "attendance": 12_000},
                                   effect(-0.15, -0.25, -0.05), baseline_incidents=4_000)
    per = res.per_incident
    assert (per.estimate, per.low, per.high) == (pytest.approx(800.0), pytest.approx(480.0), pytest.approx(2_400.0))
    assert not per.upper_unbounded and per.status == "estimate" and per.estimate_is_reduction
    assert per.averted_per_year == pytest.approx(600.0)
    assert per.display() == "$800" and per.interval_text() == "$480 to $2,400"
    assert per.sentence == ("About $800 per incident averted (95% interval: $480 to $2,400), from about 600 "
                            "incidents averted a year (95% interval: 200 to 1,000).")


def test_an_interval_crossing_zero_is_unbounded_above_and_says_so():
    res = costs.cost_effectiveness(pd.DataFrame({"annual_cost": [100_000.0, 200_000.0]}), {},
                                   effect(-0.1, -0.3, 0.05), baseline_incidents=1_000)
    per = res.per_incident
    assert res.annual_cost == 300_000.0
    assert per.estimate == pytest.approx(3_000.0) and per.low == pytest.approx(1_000.0)
    assert per.high is None and per.upper_unbounded
    assert per.interval_text() == "at least $1,000, or none averted"
    assert "at least $1,000 per incident averted, or no incidents averted at all" in per.sentence
    assert "cannot rule out that the program averted nothing" in per.sentence
    # A number field never holds a word.
    numbers = {k: v for k, v in res.to_dict().items() if k.startswith("cost_per_") and not k.endswith(
        ("_sentence", "_status", "_unbounded", "_is_reduction"))}
    assert numbers and all(v is None or isinstance(v, float) for v in numbers.values())


def test_a_point_estimate_that_is_not_a_reduction_is_shown_in_words():
    per = costs.cost_effectiveness(480_000, {}, effect(0.05, -0.1, 0.2), baseline_incidents=4_000).per_incident
    assert per.estimate is None and per.status == "not_a_reduction" and not per.estimate_is_reduction
    assert per.display() == "none averted at the estimate"
    assert per.low == pytest.approx(1_200.0) and per.high is None and per.upper_unbounded
    assert per.averted_per_year == pytest.approx(-200.0)
    assert per.sentence.startswith("The estimate is not a reduction (200 more incidents a year than the comparison "
                                   "predicts), so at the estimate the program averted nothing")
    assert "most favorable end of the 95% interval is $1,200 per incident averted" in per.sentence
    worse = costs.cost_per_averted(480_000, 0.2, 0.05, 0.4, 4_000)
    assert (worse.estimate, worse.low, worse.high) == (None, None, None)
    assert worse.interval_text() == "none averted anywhere in the interval"
    assert "Neither the estimate nor any part of its 95% interval is a reduction" in worse.sentence


def test_missing_figures_are_not_recorded_never_zero():
    res = costs.cost_effectiveness(pd.DataFrame({"annual_cost": [None, None]}), {"officer_hours": None},
                                   effect(-0.15, -0.25, -0.05), baseline_incidents=4_000)
    assert res.annual_cost is None and res.cost_per_officer_hour is None and res.cost_per_attendance is None
    assert res.per_incident.status == "cost_not_recorded" and res.per_incident.display() == "cost not recorded"
    assert "annual cost is not recorded" in res.per_incident.sentence
    none_before = costs.cost_per_averted(100_000, -0.2, -0.3, -0.1, 0)
    assert none_before.status == "no_baseline" and none_before.estimate is None
    no_interval = costs.cost_per_averted(100_000, -0.2, float("nan"), float("nan"), 1_000)
    assert no_interval.estimate == pytest.approx(500.0) and no_interval.upper_unbounded
    assert "no interval could be computed" in no_interval.sentence and no_interval.interval_text() == "no interval"


def test_denominators_are_named_for_what_they_count():
    districts = costs.cost_effectiveness(480_000, {"officer_hours": 4_000, "attendees": 12_000},
                                         effect(-0.15, -0.25, -0.05), baseline_incidents=4_000)
    assert districts.cost_per_officer_hour == pytest.approx(120.0)
    assert districts.hours_label == "Per officer hour of engagement in the program's districts"
    assert "do not say which activities belong to the program" in districts.hours_note
    assert districts.cost_per_attendance == pytest.approx(40.0) and districts.attendance_label == "Per attendance"
    assert "not the cost per resident reached" in districts.attendance_note
    program = costs.cost_effectiveness(480_000, {"officer_hours": 1_000}, effect(-0.15, -0.25, -0.05), 4_000,
                                       years=2.0, hours_scope="program")
    assert program.hours_label == "Per program officer hour" and program.cost_per_officer_hour == pytest.approx(960.0)
    assert program.to_dict()["hours_scope"] == "program"
    with pytest.raises(ValueError, match="hours_scope"):
        costs.cost_effectiveness(1.0, {}, effect(-0.1, -0.2, 0.0), 10, hours_scope="all")


def test_harm_weights_cover_every_offense_group_and_are_documented():
    table = harm.weights_table().set_index("offense_group")
    assert set(table.index) == {code for code, *_rest in OFFENSE_GROUPS}
    days = table["weight"]
    assert days["homicide"] > days["rape"] > days["robbery"] >= days["aggravated_assault"] > days["burglary"]
    assert days["burglary"] > days["arson"] > days["simple_assault"] > days["larceny"] > 0
    # Offenses found by proactive policing are left out, as the CCHI does.
    assert days["drugs"] == 0 and days["weapons"] == 0 and not table.loc["drugs", "counted"]
    assert table.loc["drugs", "basis"].startswith("Not counted")
    assert table["basis"].str.len().min() > 20 and harm.METHOD_NOTE.count("Sherman") == 1
    counts = pd.DataFrame({"offense_group": ["homicide", "larceny", "drugs", None], "incidents": [2, 500, 300, 9]})
    assert harm.harm_days(counts) == pytest.approx(2 * 5_475 + 500 * 2)
    with pytest.raises(ValueError, match="no harm weight"):
        harm.harm_days(pd.DataFrame({"offense_group": ["jaywalking"], "incidents": [1]}))
    monthly = harm.harm_monthly(pd.DataFrame({
        "district_id": ["1", "1", "2"], "month": pd.to_datetime(["2024-01-01"] * 3),
        "offense_group": ["robbery", "larceny", "robbery"], "incidents": [1, 3, 2]}))
    assert monthly.set_index("district_id")["harm"].to_dict() == {"1": 371.0, "2": 730.0}


def test_cost_per_harm_day_averted():
    res = costs.cost_effectiveness(480_000, {}, effect(-0.15, -0.25, -0.05), baseline_incidents=4_000,
                                   weight="harm", baseline_harm=200_000)
    assert res.headline is res.per_harm and res.per_harm.unit == "harm_day"
    assert res.per_harm.estimate == pytest.approx(16.0) and res.per_harm.averted_per_year == pytest.approx(30_000)
    assert res.per_harm.low == pytest.approx(9.6) and res.per_harm.high == pytest.approx(48.0)
    assert res.per_harm.label == "Per harm day averted" and "per harm day averted" in res.per_harm.sentence
    assert "reduced every kind of incident in the same proportion" in res.per_harm.sentence
    # An effect estimated on the harm-weighted counts replaces the assumption.
    own = costs.cost_effectiveness(480_000, {}, effect(-0.15, -0.25, -0.05), 4_000, weight="harm",
                                   baseline_harm=200_000, harm_did=effect(-0.3, -0.5, 0.1)).per_harm
    assert own.estimate == pytest.approx(8.0) and own.upper_unbounded and "same proportion" not in own.sentence
    counted = costs.cost_effectiveness(480_000, {}, effect(-0.15, -0.25, -0.05), 4_000)
    assert counted.headline is counted.per_incident and counted.per_harm is None
    with pytest.raises(ValueError, match="baseline_harm"):
        costs.cost_effectiveness(480_000, {}, effect(-0.15, -0.25, -0.05), 4_000, weight="harm")


def test_sentences_speak_spanish():
    with i18n.speaking("es"):
        res = costs.cost_effectiveness(480_000, {"officer_hours": 10}, effect(-0.1, -0.3, 0.05), 1_000,
                                       weight="harm", baseline_harm=50_000)
        shown = (res.per_incident.sentence, res.per_harm.sentence, res.hours_label, res.attendance_note,
                 res.per_incident.interval_text())
        status = costs.cost_per_averted(1.0, 0.1, 0.0, 0.2, 10).display()
    assert "al menos $1,600 por incidente evitado, o ningún incidente evitado" in shown[0]
    assert "por día de daño evitado" in shown[1] and "misma proporción" in shown[1]
    assert shown[2].startswith("Por hora de agente") and "residente alcanzado" in shown[3]
    assert shown[4] == "al menos $1,600, o ninguno evitado" and status == "ninguno evitado según la estimación"


def test_one_line_for_tables_and_briefings():
    bounded = costs.cost_per_averted(480_000, -0.15, -0.25, -0.05, 4_000)
    assert bounded.short() == "$800 per incident averted (95% interval: $480 to $2,400)"
    crossing = costs.cost_per_averted(300_000, -0.1, -0.3, 0.05, 1_000)
    assert crossing.short() == "$3,000 per incident averted (95% interval: at least $1,000, or none averted)"
    worse = costs.cost_per_averted(480_000, 0.05, -0.1, 0.2, 4_000)
    assert worse.short() == "none averted at the estimate (95% interval: at least $1,200, or none averted)"
    assert costs.cost_per_averted(None, -0.1, -0.2, 0.0, 10).short() == "cost not recorded"
