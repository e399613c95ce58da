"""The Engagement log page: recording an activity counts at once, invalid entries write nothing,
and edits from the recent-entries editor leave an audit row."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.ledger import form as lf
from community_policing.ledger.book import Ledger, LedgerError
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "ledger.py")


def _fill(at, **values):
    for name, value in values.items():
        at.session_state[f"ledger_{name}"] = value


def _overview_engagement(at) -> int:
    at.switch_page(f"{ROOT}/pages/overview.py").run()
    assert not at.exception
    return int(at.metric[1].value)


def test_recording_an_activity_counts_on_the_overview_at_once(ledger_env, staff_app):
    at = AppTest.from_file(staff_app, default_timeout=60).run()
    assert not at.exception
    before = _overview_engagement(at)
    assert not ledger_env.exists()  # no ledger yet: the form still works, the first add creates it

    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Engagement log"
    at.selectbox(key="ledger_district").set_value("2").run()
    at.text_input(key="ledger_user").set_value("officer.ana")
    at.date_input(key="ledger_date").set_value(dt.date(2024, 3, 1))
    at.selectbox(key="ledger_neighborhood").set_value("P")
    at.selectbox(key="ledger_type").set_value("feedback_session")
    at.text_input(key="ledger_title").set_value("Listening session")
    at.number_input(key="ledger_attendees").set_value(25)
    at.number_input(key="ledger_officer_hours").set_value(6.0)
    at.number_input(key="ledger_race_black").set_value(10)
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception
    assert any("L000001" in s.value and "every page" in s.value for s in at.success)

    rows = Ledger(ledger_env).entries()
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["district_id"], row["neighborhood_id"], row["title"], row["attendees"]) == ("2", "P", "Listening session", 25)
    assert row["created_by"] == "officer.ana"
    assert Ledger(ledger_env).get("L000001")["attendance"] == {"race_ethnicity": {"black": 10}}
    assert at.session_state["ledger_title"] == ""  # fresh form for the next activity

    assert _overview_engagement(at) == before + 1


def test_an_invalid_entry_shows_its_message_and_writes_nothing(ledger_env):
    book = Ledger(ledger_env)
    book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "Walk"}, user="sgt.lee")
    entries, audit = book.entries(include_deleted=True), book.audit()

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    at.text_input(key="ledger_user").set_value("sgt.lee")
    at.text_input(key="ledger_title").set_value("   ")  # empty title
    at.button[0].click()
    at.run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any("not saved" in m and "title" in m for m in messages)  # summary at the top of the form
    assert "required; give a short title" in messages  # next to the field
    pd.testing.assert_frame_equal(Ledger(ledger_env).entries(include_deleted=True), entries)
    pd.testing.assert_frame_equal(Ledger(ledger_env).audit(), audit)

    # No "Recorded by": refused as well, and nothing written.
    at.text_input(key="ledger_user").set_value("")
    at.text_input(key="ledger_title").set_value("Block party")
    at.button[0].click()
    at.run()
    assert "required; say who is recording this" in [e.value for e in at.error]
    assert len(Ledger(ledger_env).audit()) == len(audit)


def test_the_page_runs_with_entries_and_shows_the_audit_trail(ledger_env):
    book = Ledger(ledger_env)
    entry_id = book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "Walk",
                         "attendees": 4}, user="sgt.lee")
    book.edit(entry_id, {"attendees": 9}, user="sgt.lee")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    audit = at.dataframe[-1].value
    assert list(audit["action"]) == ["edit", "insert"]
    assert audit["change"].iloc[0] == "attendees: 4 → 9"


def test_an_edit_in_the_editor_leaves_an_audit_row_with_old_and_new_values(ledger_env):
    # AppTest in Streamlit 1.67 cannot edit st.data_editor cells, so this drives the page's own
    # helpers with the frame the editor would return.
    book = Ledger(ledger_env)
    keep = book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "Walk",
                     "attendees": 4}, user="sgt.lee")
    drop = book.add({"date": "2024-03-03", "district_id": "2", "type": "other", "title": "Dup"}, user="sgt.lee")
    original = lf.editor_frame(book.entries())
    assert list(original["id"]) == [drop, keep]  # newest first
    edited = original.copy()
    edited.loc[edited["id"] == keep, ["attendees", "title", "neighborhood_id"]] = [12, "Evening walk", "B"]
    edited.loc[edited["id"] == drop, "delete"] = True

    changes = lf.editor_changes(original, edited)
    assert changes.edits == {keep: {"title": "Evening walk", "attendees": 12, "neighborhood_id": "B"}}
    assert changes.deletes == [drop]
    result = lf.apply_changes(book, changes, "lt.diaz", reason="duplicate")
    assert (result.edited, result.deleted, result.errors) == ([keep], [drop], {})

    trail = book.audit()
    edit = trail[trail["action"] == "edit"].iloc[-1]
    before, after = json.loads(edit["before"]), json.loads(edit["after"])
    assert (before["attendees"], after["attendees"]) == (4, 12)
    assert (before["title"], after["title"]) == ("Walk", "Evening walk")
    assert edit["user"] == "lt.diaz"
    assert book.get(drop)["deleted_at"] is not None and book.get(drop)["delete_reason"] == "duplicate"
    assert list(book.entries()["id"]) == [keep]
    shown = lf.audit_frame(trail)
    assert shown["change"].iloc[1] == "neighborhood_id: — → B; attendees: 4 → 12; title: Walk → Evening walk"


def test_a_refused_row_is_reported_and_the_others_are_saved(ledger_env):
    book = Ledger(ledger_env)
    a = book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "A"}, user="u")
    b = book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "B"}, user="u")
    original = lf.editor_frame(book.entries())
    edited = original.copy()
    edited.loc[edited["id"] == a, "title"] = ""  # required
    edited.loc[edited["id"] == b, "neighborhood_id"] = "P"  # a neighborhood of district 2
    edited.loc[edited["id"] == b, "officers"] = 3
    neighborhoods = pd.DataFrame({"area_id": ["A", "B", "P"], "district_id": ["1", "1", "2"]})
    audit = len(book.audit())
    result = lf.apply_changes(book, lf.editor_changes(original, edited), "u", neighborhoods=neighborhoods,
                              districts_of={a: "1", b: "1"})
    assert set(result.errors) == {a, b} and result.edited == []
    assert len(book.audit()) == audit  # nothing written
    assert lf.apply_changes(book, lf.editor_changes(original, edited), "  ").errors == {
        "user": ["Recorded by: required; say who is making these changes"]}


def test_form_helpers():
    entry = lf.build_entry({"date": dt.date(2024, 3, 1), "start_time": dt.time(18, 30), "district_id": "1",
                            "neighborhood_id": None, "type": "other", "title": " T ", "place": "",
                            "lon": None, "lat": None, "attendees": 5, "race_ethnicity": {"black": 0, "white": 2},
                            "age": {"18-34": 0}})
    assert entry["date"] == "2024-03-01" and entry["start_time"] == "18:30" and entry["title"] == "T"
    assert entry["place"] is None and entry["attendance"] == {"race_ethnicity": {"white": 2}}
    assert lf.form_errors(LedgerError({"lon/lat": "give both or neither", "title": "x"})) == {
        "lon": "give both or neither", "lat": "give both or neither", "title": "x"}
    assert lf.editor_frame(pd.DataFrame()).empty


def test_editing_in_the_page_editor_saves_and_audits(ledger_env):
    book = Ledger(ledger_env)
    keep = book.add({"date": "2024-03-02", "district_id": "1", "type": "foot_patrol", "title": "Walk",
                     "attendees": 4}, user="sgt.lee")
    drop = book.add({"date": "2024-03-03", "district_id": "2", "type": "other", "title": "Dup"}, user="sgt.lee")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert list(at.data_editor(key="ledger_editor").value["id"]) == [drop, keep]
    at.text_input(key="ledger_user").set_value("lt.diaz")
    # AppTest 1.67 applies data_editor edits through the editor's edit state in session state.
    at.session_state["ledger_editor"] = {"edited_rows": {1: {"attendees": 12, "title": "Evening walk"},
                                                         0: {"delete": True}},
                                         "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="ledger_save").click().run()
    assert not at.exception
    assert any("1 edit(s) and 1 delete(s)" in s.value for s in at.success)
    edit = book.audit(keep).iloc[-1]
    assert edit["action"] == "edit" and edit["user"] == "lt.diaz"
    before, after = json.loads(edit["before"]), json.loads(edit["after"])
    assert (before["attendees"], after["attendees"], before["title"], after["title"]) == (4, 12, "Walk", "Evening walk")
    assert list(book.entries()["id"]) == [keep]
    assert list(at.data_editor(key="ledger_editor").value["id"]) == [keep]
    assert at.dataframe[-1].value["change"].iloc[0] == "deleted"


def test_an_invalid_first_entry_does_not_create_the_ledger(ledger_env, staff_app):
    at = AppTest.from_file(staff_app, default_timeout=60).run()
    at.switch_page(PAGE).run()
    at.text_input(key="ledger_user").set_value("sgt.lee")
    at.button[0].click()
    at.run()  # title left empty
    assert not at.exception
    assert "required; give a short title" in [e.value for e in at.error]
    assert not ledger_env.exists()
    at.switch_page(f"{ROOT}/pages/overview.py").run()
    assert not at.exception
