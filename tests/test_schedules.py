"""Recurring meeting schedules written in words, on the St. Louis neighborhood organizations' own text."""

import datetime as dt

import pytest

from community_policing.ledger.schedules import occurrences, parse_report, parse_schedule
from tests.conftest import shared_data_or_skip


@pytest.mark.parametrize("text,ordinal,weekday,months,time", [
    ("3rd Tues every month - 6:30", 3, 1, tuple(range(1, 13)), dt.time(18, 30)),
    ("2nd Wed. of July, September, November, January, March, and May at 7:00pm", 2, 2, (1, 3, 5, 7, 9, 11),
     dt.time(19)),
    ("4th Mon. of the month (excluding May, November, and December) at 6:30pm", 4, 0,
     (1, 2, 3, 4, 6, 7, 8, 9, 10), dt.time(18, 30)),
    ("1st Mon. of every other month (Feb-Dec) at 7:00pm", 1, 0, (2, 4, 6, 8, 10, 12), dt.time(19)),
    ("Last Thurs. of the month", -1, 3, tuple(range(1, 13)), None),
    ("Second Sat. of the month at 10am", 2, 5, tuple(range(1, 13)), dt.time(10)),
    ("3rd Wed. of the month (March - November) from 5:30 to 6:30pm PM", 3, 2, tuple(range(3, 12)), dt.time(17, 30)),
])
def test_single_rules(text, ordinal, weekday, months, time):
    s = parse_schedule(text)
    assert s.status == "parsed" and len(s.rules) == 1
    r = s.rules[0]
    assert (r.ordinal, r.weekday, r.months, r.time) == (ordinal, weekday, months, time)


def test_two_rules_and_month_ranges():
    s = parse_schedule("First Monday of Jan-June and Aug-Nov; third Wednesday of Jul; 6:30 p.m. (confirm by email)")
    assert [(r.ordinal, r.weekday, r.months) for r in s.rules] == [
        (1, 0, (1, 2, 3, 4, 5, 6, 8, 9, 10, 11)), (3, 2, (7,))]
    assert all(r.time == dt.time(18, 30) for r in s.rules)


def test_time_ranges_take_their_am_pm_from_the_end():
    s = parse_schedule("3rd Thurs. of even months from 5:30-7:00pm and 3rd Saturday of odd months from 11:00-12:30pm")
    assert [r.time for r in s.rules] == [dt.time(17, 30), dt.time(11, 0)]
    s = parse_schedule("Committee - last Wednesday of the month from 6-8pm; second Thursdays of the month 6:30-7:30pm")
    assert [r.time for r in s.rules] == [dt.time(18, 0), dt.time(18, 30)]


def test_no_meetings_and_unreadable_text_are_said_not_guessed():
    assert parse_schedule("No Regular Public Meetings").status == "no regular meetings"
    assert parse_schedule("Dates and Times Vary").status == "no regular meetings"
    unread = parse_schedule("2020 meetings: May 16, from 10am-12pm and October 10 from 10am-12pm")
    assert unread.status == "not understood" and not unread.rules


def test_occurrences():
    rule = parse_schedule("3rd Tues every month - 6:30").rules[0]
    dates = occurrences(rule, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert dates == [dt.datetime(2026, 1, 20, 18, 30), dt.datetime(2026, 2, 17, 18, 30),
                     dt.datetime(2026, 3, 17, 18, 30)]
    last = parse_schedule("Last Wed. of February, May at 7pm").rules[0]
    assert occurrences(last, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == [
        dt.datetime(2026, 2, 25, 19), dt.datetime(2026, 5, 27, 19)]


def test_st_louis_schedules_parse_rate():
    import geopandas as gpd

    path = shared_data_or_skip("stl_neighborhood_orgs", "stl_neighborhood_organizations.geojson")
    texts = gpd.read_file(path)["mtgDateTime"]
    report = parse_report(texts).set_index("status")["schedules"]
    assert report.sum() == 103
    assert report["parsed"] >= 85  # 89 of 103 read into rules at the time of writing
    assert report.get("not understood", 0) <= 5
