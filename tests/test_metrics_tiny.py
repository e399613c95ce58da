"""area_comparison and friends on a city small enough to count by hand."""

import datetime as dt

import pandas as pd
import pytest

from community_policing.views import metrics
from community_policing.data.store import Store

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


@pytest.fixture()
def store(tiny_db):
    with Store(tiny_db) as s:
        yield s


def by_id(table):
    return table.set_index("area_id")


def test_district_counts_follow_the_published_convention_with_unassigned_row(store):
    t = by_id(metrics.area_comparison(store, *MARCH))
    # West: i1 robbery + i2 larceny = 2 counted (i2's later correction i2-C is its own figure);
    # a year earlier p1, p2, p3 = 3.
    assert t.loc["1", "incidents"] == 2
    assert t.loc["1", "corrected"] == 1 and t.loc["1", "corrected_prior_year"] == 0
    assert t.loc["1", "incidents_prior_year"] == 3
    assert t.loc["1", "change"] == -1
    assert t.loc["1", "pct_change"] == pytest.approx(-33.3)
    # East: i3 only (x1 occurred in February); nothing a year earlier -> no percentage.
    assert t.loc["2", "incidents"] == 1
    assert t.loc["2", "incidents_prior_year"] == 0
    assert pd.isna(t.loc["2", "pct_change"])
    # i4 has no place: it is its own row, so the rows add up to the citywide total of 4.
    assert t.loc[metrics.UNASSIGNED_ID, "incidents"] == 1
    assert t.loc[metrics.UNASSIGNED_ID, "area_name"] == metrics.UNASSIGNED_NAME
    assert t["incidents"].sum() == 4 and t["corrected"].sum() == 1
    assert list(t.reset_index().columns[: len(metrics.AREA_COLUMNS)]) == metrics.AREA_COLUMNS


def test_rates_name_their_denominator_and_skip_tiny_populations(store):
    t = by_id(metrics.area_comparison(store, *MARCH, level="neighborhood"))
    assert t.loc["A", "rate_per_1000"] == pytest.approx(1 / 6000 * 1000, abs=0.01)
    assert t.loc["A", "population"] == 6000
    assert pd.isna(t.loc["P", "rate_per_1000"])  # 120 residents: no rate
    assert t.loc["P", "incidents"] == 1


def test_offense_filter_takes_a_group_or_a_category(store):
    violent = by_id(metrics.area_comparison(store, *MARCH, offense_group="category:violent"))
    assert violent.loc["1", "incidents"] == 1 and violent.loc["1", "incidents_prior_year"] == 2
    # A bare category name that is no group's code reads as its category.
    pd.testing.assert_frame_equal(by_id(metrics.area_comparison(store, *MARCH, offense_group="violent")), violent)
    # "other" is a group and "category:other" the category (here: vandalism, the unplaced incident).
    assert by_id(metrics.area_comparison(store, *MARCH, offense_group="category:other"))["incidents"].sum() == 1
    assert by_id(metrics.area_comparison(store, *MARCH, offense_group="other"))["incidents"].sum() == 0
    larceny = by_id(metrics.area_comparison(store, *MARCH, offense_group="larceny"))
    assert larceny.loc["1", "incidents"] == 1 and larceny.loc["2", "incidents"] == 1  # i2 (corrected later)
    assert metrics.UNASSIGNED_ID not in larceny.index  # the unplaced incident is vandalism


def test_reported_date_basis_counts_by_report_day(store):
    t = by_id(metrics.area_comparison(store, *MARCH, date_basis="reported"))
    # Reported in March: i1, i2, i3 and x1 (occurred in February); the correction came in April.
    assert t.loc["1", "incidents"] == 2
    assert t.loc["2", "incidents"] == 2


def test_engagement_per_area(store):
    t = by_id(metrics.area_comparison(store, *MARCH))
    assert t.loc["1", "engagement_events"] == 2
    assert t.loc["1", "officer_hours"] == pytest.approx(11.0)
    assert t.loc["2", "engagement_events"] == 0
    n = by_id(metrics.area_comparison(store, *MARCH, level="neighborhood"))
    assert n.loc["A", "engagement_events"] == 1  # e2 has no neighborhood


def test_city_totals(store):
    table = metrics.area_comparison(store, *MARCH)
    totals = metrics.city_totals(store, table, *MARCH)
    assert (totals.incidents, totals.incidents_prior_year) == (4, 3)
    assert totals.pct_change == pytest.approx(33.3, abs=0.1)
    assert totals.noise == metrics.NO_HISTORY_READING and totals.noise_z is None  # a month of data: no history
    assert (totals.engagement_events, totals.engagement_events_prior_year) == (2, 1)
    assert totals.officer_hours == pytest.approx(11.0)
    assert totals.trust == pytest.approx((60 * 100 + 40 * 50) / 150, abs=0.1)
    assert totals.trust_prior_year == pytest.approx(50.0)
    assert totals.trust_respondents == 150


def test_bad_arguments_are_refused(store):
    with pytest.raises(ValueError, match="level"):
        metrics.area_comparison(store, *MARCH, level="ward")
    with pytest.raises(ValueError, match="date basis"):
        metrics.area_comparison(store, *MARCH, date_basis="coded")
    with pytest.raises(ValueError, match="before its start"):
        metrics.area_comparison(store, dt.date(2024, 3, 2), dt.date(2024, 3, 1))


def test_noise_labels():
    assert metrics.noise_label(1.99) == "within normal variation"
    assert metrics.noise_label(-2.0) == "possible change"
    assert metrics.noise_label(3.0) == "significant change"
    assert metrics.noise_label(None) == "no comparison"


def test_period_prior_handles_leap_day():
    p = metrics.Period(dt.date(2024, 2, 29), dt.date(2024, 3, 31))
    assert p.prior == metrics.Period(dt.date(2023, 2, 28), dt.date(2023, 3, 31))


def test_presets_end_on_the_last_day_with_data():
    as_of = dt.date(2026, 10, 31)
    assert metrics.preset_period("Last 28 days", as_of) == metrics.Period(dt.date(2026, 10, 4), as_of)
    assert metrics.preset_period("Last 12 months", as_of) == metrics.Period(dt.date(2025, 11, 1), as_of)
    assert metrics.preset_period("Year to date", as_of).start == dt.date(2026, 1, 1)
    assert metrics.preset_period("Last full year", as_of) == metrics.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_describe_change_gives_counts_beside_the_percentage():
    assert metrics.describe_change(90, 100, z=-1.0) == (
        "90 incidents vs 100 a year earlier (-10, -10.0%): within normal variation (z = -1.0)")
    assert "%" not in metrics.describe_change(5, 0)


def test_minimum_respondents_is_configurable_but_has_a_floor():
    assert metrics.min_respondents_setting("50") == 50
    assert metrics.min_respondents_setting("3") == 10
    assert metrics.min_respondents_setting(None) == 30


def test_small_samples_are_hidden(store):
    table = metrics.trust_by_district(store, "trust", MARCH[0], MARCH[1], min_respondents=60)
    hidden = table.set_index("district_id")
    assert pd.isna(hidden.loc["2", "score"]) and not hidden.loc["2", "shown"]  # 50 respondents
    assert hidden.loc["1", "score"] == 60.0
