"""Freshness: the day the data run to, the reporting lag measured from the data, and the preliminary days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from community_policing.data import freshness
from community_policing.views import metrics
from community_policing.data.store import Store


def _delays(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["occurred_month", "months_later", "days_later", "records"])


# --- Pure: measure() ---------------------------------------------------------------------------


def test_day_precision_lag_is_the_delay_by_which_95_percent_have_arrived():
    delays = _delays([(dt.date(2022, 1, 1), 0, 0, 900), (dt.date(2022, 1, 1), 0, 10, 60),
                      (dt.date(2022, 1, 1), 1, 40, 30), (dt.date(2022, 1, 1), 13, 366, 10)])
    fresh = freshness.measure(delays, "day", dt.date(2024, 6, 30))
    assert fresh.settle == 10 and not fresh.settle_beyond_year  # 96% within 10 days
    assert fresh.share_late == pytest.approx(0.04) and fresh.share_later_month == pytest.approx(0.04)
    assert fresh.preliminary_from == dt.date(2024, 6, 21) and fresh.preliminary_days == 10
    assert fresh.full_follow_up and fresh.measured_through == dt.date(2022, 1, 1)
    assert "95% of records arrive within 10 days of the offense" in fresh.lag_text()
    assert "4.0% arrive more than 30 days after the offense" in fresh.lag_text()
    assert fresh.preliminary_text().startswith("Preliminary: offenses from Jun 21, 2024 to Jun 30, 2024 (10 days)")


def test_recent_months_without_a_year_of_follow_up_are_left_out_of_the_measurement():
    # The last months have no late records yet; counting them would make the lag look shorter.
    delays = _delays([(dt.date(2023, 1, 1), 0, 0, 80), (dt.date(2023, 1, 1), 0, 20, 20),
                      (dt.date(2024, 5, 1), 0, 0, 1000)])
    fresh = freshness.measure(delays, "day", dt.date(2024, 6, 30))
    assert fresh.records_measured == 100 and fresh.settle == 20
    young = freshness.measure(delays[delays["occurred_month"] == dt.date(2024, 5, 1)], "day", dt.date(2024, 6, 30))
    assert not young.full_follow_up and young.settle == 0 and young.preliminary_from is None
    assert "no month of offenses has yet had a full year" in young.lag_text()
    assert young.preliminary_text().startswith("Preliminary: no recent days")


def test_month_precision_counts_whole_months_after_the_last_coded_month():
    # SLMPD-like: records dated to the first of the month they were coded (days can be negative).
    delays = _delays([(dt.date(2015, 3, 1), 0, -14, 920), (dt.date(2015, 3, 1), 1, 17, 50),
                      (dt.date(2015, 3, 1), 4, 100, 30)])
    fresh = freshness.measure(delays, "month", dt.date(2019, 12, 31), last_reported=dt.date(2019, 12, 1))
    assert fresh.precision == "month" and fresh.settle == 1 and fresh.share_late is None
    assert fresh.preliminary_from == dt.date(2019, 12, 1) and fresh.preliminary_days == 31
    # December's offenses: only those coded in December (92%) are in; 8% are still to come.
    assert fresh.share_to_come(dt.date(2019, 12, 1), dt.date(2019, 12, 31)) == pytest.approx(0.08)
    assert "dates records only to the month" in fresh.lag_text()
    assert "coded within 1 month after the offense's month" in fresh.lag_text()
    settled = freshness.measure(delays.assign(months_later=0), "month", dt.date(2019, 12, 31))
    assert settled.settle == 0 and settled.preliminary_from is None


def test_a_lag_beyond_a_year_says_so_and_marks_the_last_year_preliminary():
    fresh = freshness.measure(_delays([(dt.date(2020, 1, 1), 0, 1, 50), (dt.date(2020, 1, 1), 13, 366, 50)]), "day",
                              dt.date(2024, 6, 30))
    assert fresh.settle is None and fresh.settle_beyond_year
    assert fresh.preliminary_from == dt.date(2023, 7, 1)
    assert "do not arrive within a year" in fresh.lag_text()


def test_no_incidents_no_lag():
    fresh = freshness.measure(_delays([]), None, None)
    assert not fresh.has_lag and freshness.note_lines(fresh) == []
    assert fresh.preliminary_overlap(dt.date(2024, 1, 1), dt.date(2024, 2, 1)) is None


def test_report_precision_from_the_report_days():
    frame = lambda other, total: pd.DataFrame({"other_days": [other], "report_days": [total],  # noqa: E731
                                               "last_reported": [None]})
    assert freshness.report_precision(frame(5, 30)) == "day"
    assert freshness.report_precision(frame(0, 12)) == "month"
    assert freshness.report_precision(frame(0, 0)) is None


def test_only_occurred_counts_are_preliminary_and_the_caption_names_the_days():
    fresh = freshness.measure(_delays([(dt.date(2022, 1, 1), 0, 14, 100)]), "day", dt.date(2024, 6, 30))
    assert fresh.preliminary_from == dt.date(2024, 6, 17)
    assert fresh.preliminary_overlap(dt.date(2024, 6, 1), dt.date(2024, 6, 30)) == (dt.date(2024, 6, 17),
                                                                                     dt.date(2024, 6, 30))
    assert fresh.preliminary_overlap(dt.date(2024, 6, 1), dt.date(2024, 6, 30), "reported") is None
    assert fresh.preliminary_overlap(dt.date(2024, 1, 1), dt.date(2024, 5, 31)) is None
    note = fresh.period_note(dt.date(2023, 7, 1), dt.date(2024, 6, 30), "occurred")
    assert note.startswith("Preliminary: Jun 17 – Jun 30, 2024 (14 of the period's 366 days) still rise")
    # Every record arrives exactly 14 days late: none of the 14 preliminary days is in yet.
    assert fresh.share_to_come(dt.date(2023, 7, 1), dt.date(2024, 6, 30)) == pytest.approx(14 / 366)
    assert "about 3.8% of this period's incidents are probably not reported yet" in note
    assert fresh.share_to_come(dt.date(2024, 6, 17), dt.date(2024, 6, 30)) == pytest.approx(1.0)
    assert fresh.share_to_come(dt.date(2024, 6, 17), dt.date(2024, 6, 30), "reported") == 0.0
    assert fresh.period_note(dt.date(2023, 7, 1), dt.date(2024, 6, 30), "reported") is None


# --- On the fixtures ---------------------------------------------------------------------------


def test_tiny_city_freshness_by_hand(tiny_db):
    # Delays of the 9 records: six the same day, 2 and 3 days, and the correction of i2 39 days later.
    with Store(tiny_db) as s:
        info = metrics.dataset_info(s)
        delays = s.query("reporting_delays")
    assert int(delays["records"].sum()) == info.incident_rows == 9  # every record, reports and corrections
    fresh = info.freshness
    assert fresh.as_of == info.last_day == dt.date(2024, 3, 4)
    assert fresh.precision == "day" and fresh.settle == 39 and not fresh.full_follow_up
    assert fresh.share_late == pytest.approx(1 / 9) and fresh.share_later_month == pytest.approx(2 / 9)
    assert fresh.preliminary_from == dt.date(2024, 3, 4) - dt.timedelta(days=38)


def test_demo_city_lag_matches_the_raw_incidents(demo_db, demo_tables):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
    fresh = info.freshness
    assert fresh.as_of == dt.date(2026, 10, 31) and fresh.precision == "day" and fresh.full_follow_up
    # The same measurement straight from the generated records: offenses whose month ended a year
    # before the data end, days from the offense to the record.
    incidents = demo_tables["incidents"]
    occurred = incidents["occurred_at"].dt.normalize()
    month_end = occurred.dt.to_period("M").dt.end_time.dt.normalize()
    followed = month_end <= pd.Timestamp(fresh.as_of - dt.timedelta(days=freshness.FOLLOW_UP_DAYS))
    days = (incidents["reported_at"].dt.normalize() - occurred).dt.days[followed]
    assert fresh.records_measured == len(days)
    assert np.mean(days <= fresh.settle) >= freshness.SETTLED_SHARE > np.mean(days <= fresh.settle - 1)
    assert fresh.share_late == pytest.approx(np.mean(days > freshness.LATE_DAYS))
    assert fresh.preliminary_from == fresh.as_of - dt.timedelta(days=fresh.settle - 1)
    assert 7 <= fresh.settle <= 30  # the generator: most within hours, a tail of weeks
