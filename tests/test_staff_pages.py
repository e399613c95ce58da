"""The other staff pages: Training and programs, Recurring meetings; and two sessions recording at once."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from community_policing.ledger.book import Ledger
from community_policing.data.store import Store

ROOT = Path(__file__).resolve().parent.parent
TRAINING = str(ROOT / "pages" / "training.py")
MEETINGS = str(ROOT / "pages" / "meetings.py")
LEDGER = str(ROOT / "pages" / "ledger.py")


def _open(staff_app, page):
    at = AppTest.from_file(staff_app, default_timeout=60).run()
    assert not at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _count(query: str) -> int:
    with Store() as store:
        return len(store.query(query))


def test_recording_training_counts_at_once(ledger_env, staff_app):
    before = _count("training_all")
    at = _open(staff_app, TRAINING)
    assert at.title[0].value == "Training and programs"
    at.text_input(key="ledger_user").set_value("sgt.lee")
    at.date_input(key="training_date").set_value(dt.date(2024, 2, 1))
    at.selectbox(key="training_district").set_value("2")
    at.selectbox(key="training_course").set_value("de_escalation")
    at.number_input(key="training_officers").set_value(14)
    at.number_input(key="training_hours").set_value(8.0)
    _button(at, "Record training").click()
    at.run()
    assert not at.exception
    assert any("T000001" in s.value for s in at.success)
    row = Ledger(ledger_env).entries(kind="training").iloc[0]
    assert (row["district_id"], row["course"], row["officers"], row["hours"]) == ("2", "de_escalation", 14, 8.0)
    assert _count("training_all") == before + 1
    assert at.number_input(key="training_officers").value is None  # a fresh form for the next one


def test_invalid_training_shows_its_message_and_writes_nothing(ledger_env, staff_app):
    at = _open(staff_app, TRAINING)
    at.text_input(key="ledger_user").set_value("sgt.lee")
    at.selectbox(key="training_district").set_value("")  # a unit ...
    at.number_input(key="training_hours").set_value(8.0)  # ... but no unit named, and no officers
    _button(at, "Record training").click()
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "officers" in shown and "give the district whose officers were trained, or the unit" in shown
    assert not ledger_env.exists()
    assert at.number_input(key="training_hours").value == 8.0  # nothing typed is lost


def test_a_program_in_two_districts_reaches_program_evaluation(ledger_env, staff_app):
    at = _open(staff_app, TRAINING)
    at.text_input(key="ledger_user").set_value("cpt.diaz")
    at.text_input(key="program_name").set_value("Walk and Talk")
    at.multiselect(key="program_districts").set_value(["1", "2"])
    at.date_input(key="program_start").set_value(dt.date(2023, 6, 1))
    at.number_input(key="program_cost").set_value(40000.0)
    _button(at, "Record program").click()
    at.run()
    assert not at.exception
    with Store() as store:
        programs = store.query("programs")
    mine = programs[programs["name"] == "Walk and Talk"]
    assert sorted(mine["district_id"]) == ["1", "2"] and set(mine["annual_cost"]) == {40000.0}

    # The same program again for district 1 is refused, and nothing is written.
    at.text_input(key="program_name").set_value("walk and talk")
    at.multiselect(key="program_districts").set_value(["1"])
    at.date_input(key="program_start").set_value(dt.date(2023, 6, 1))
    _button(at, "Record program").click()
    at.run()
    assert any("already recorded for district 1" in e.value for e in at.error)
    assert len(Ledger(ledger_env).entries(kind="program")) == 2


def test_a_recurring_meeting_is_defined_once_and_each_occurrence_confirmed(ledger_env, staff_app):
    today = dt.date.today()
    at = _open(staff_app, MEETINGS)
    assert at.title[0].value == "Recurring meetings"
    at.text_input(key="ledger_user").set_value("po.kim")
    at.text_input(key="meeting_title").set_value("Riverside block club")
    at.text_input(key="meeting_schedule").set_value("1st Mon every month - 7pm").run()
    assert any("1st Monday" in c.value and "7:00 PM" in c.value for c in at.caption)
    at.selectbox(key="meeting_district").set_value("2").run()
    at.date_input(key="meeting_first").set_value(today - dt.timedelta(days=75))
    _button(at, "Save recurring meeting").click()
    at.run()
    assert not at.exception
    meeting = Ledger(ledger_env).entries(kind="series").iloc[0]
    assert meeting["id"] == "S000001" and meeting["district_id"] == "2"

    waiting = at.selectbox(key="confirm_choice").options
    assert 2 <= len(waiting) <= 3  # first Mondays of the last 75 days
    chosen = at.selectbox(key="confirm_choice").value
    at.number_input(key="confirm_attendees").set_value(18)
    at.number_input(key="confirm_officer_hours").set_value(3.0)
    at.number_input(key="confirm_race_black").set_value(9)
    _button(at, "Confirm this meeting").click()
    at.run()
    assert not at.exception
    activity = Ledger(ledger_env).entries().iloc[0]
    assert activity["series_id"] == "S000001" and activity["attendees"] == 18
    assert activity["start_time"] == "19:00" and activity["title"] == "Riverside block club"
    assert activity["date"].strftime("%a %b %-d, %Y") in chosen
    assert Ledger(ledger_env).attendance(activity["id"])["attendees"].tolist() == [9]
    assert chosen not in at.selectbox(key="confirm_choice").options  # confirmed once, no longer waiting
    with Store() as store:
        assert activity["id"] in set(store.query("engagement_events_all")["id"])


def test_an_unreadable_schedule_is_refused_with_a_hint(ledger_env, staff_app):
    at = _open(staff_app, MEETINGS)
    at.text_input(key="ledger_user").set_value("po.kim")
    at.text_input(key="meeting_title").set_value("Somewhere")
    at.text_input(key="meeting_schedule").set_value("whenever we can")
    _button(at, "Save recurring meeting").click()
    at.run()
    assert any("3rd Tues every month" in e.value for e in at.error)
    assert not ledger_env.exists()


def test_two_sessions_recording_at_the_same_time_both_succeed(ledger_env, staff_app):
    """Two staff members have the Engagement log open, fill the form and press save at the same moment."""
    sessions = [_open(staff_app, LEDGER) for _ in range(2)]
    for at, (who, title, district) in zip(sessions, [("ana", "Coffee with a cop", "1"), ("ben", "Park walk", "2")]):
        at.selectbox(key="ledger_district").set_value(district).run()
        at.text_input(key="ledger_user").set_value(who)
        at.date_input(key="ledger_date").set_value(dt.date(2024, 4, 2))
        at.text_input(key="ledger_title").set_value(title)
        at.number_input(key="ledger_attendees").set_value(20)
        _button(at, "Record activity").click()

    # Both sessions were opened and filled before either saved, so each saves from a page that does
    # not know of the other's entry. Their script runs go one after the other: AppTest runs are not
    # thread-safe (two threads compiling the script at once break Python 3.11's AST compiler), and
    # truly simultaneous writers are tested with two processes in tests/test_ledger.py.
    for at in sessions:
        at.run()
    for at in sessions:
        assert not at.exception, at.exception
        assert any("Recorded L00000" in s.value for s in at.success)

    book = Ledger(ledger_env)
    entries = book.entries()
    assert sorted(entries["title"]) == ["Coffee with a cop", "Park walk"]
    assert sorted(entries["id"]) == ["L000001", "L000002"]
    assert sorted(book.audit()["user"]) == ["ana", "ben"]
    # Each session sees both entries once it reruns, and the dashboard counts both.
    for at in sessions:
        at.run()
        assert len(at.dataframe) >= 1 and not at.exception
    with Store() as store:
        assert {"L000001", "L000002"} <= set(store.query("engagement_events_all")["id"])
