"""The engagement ledger: SQLite store with validation, audit trail, soft deletes, concurrency."""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from community_policing.data import schema
from community_policing.ledger.book import (
    DEFAULT_LEDGER_PATH,
    LEDGER_ENV_VAR,
    EntryNotFound,
    Ledger,
    LedgerError,
    resolve_ledger_path,
)

GOOD = {
    "date": "2024-05-01",
    "start_time": "18:30",
    "district_id": "1",
    "neighborhood_id": "A",
    "type": "community_meeting",
    "title": "Spring town hall",
    "place": "Library, 5th St",
    "lon": -91.95,
    "lat": 38.05,
    "attendees": 40,
    "officers": 3,
    "officer_hours": 6.5,
    "partners": "Library; Neighborhood association",
    "cost": 120.0,
    "notes": "Parking raised twice.",
    "attendance": {"race_ethnicity": {"black": 20, "white": 15}, "age": {"18-34": 10, "55+": 25}},
}


@pytest.fixture
def ledger(tmp_path) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite", valid_district_ids={"1", "2"}, valid_neighborhood_ids={"A", "B"})


def counts(ledger: Ledger) -> tuple[int, int, int]:
    with sqlite3.connect(ledger.path) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                     for t in ("entries", "audit", "attendance"))


def test_file_is_wal_with_tables(ledger):
    with sqlite3.connect(ledger.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"entries", "attendance", "audit"} <= tables
    Ledger(ledger.path)  # opening an existing ledger again is harmless
    assert counts(ledger) == (0, 0, 0)


def test_add_shows_in_entries_events_and_audit(ledger):
    entry_id = ledger.add(GOOD, user="ann")
    assert entry_id == "L000001"

    events = ledger.as_engagement_events()
    assert list(events.columns) == list(schema.table("engagement_events").column_names)
    assert schema.validate("engagement_events", events).rejects.empty
    row = events.iloc[0]
    assert row["id"] == entry_id and row["type"] == "community_meeting"
    assert row["date"] == pd.Timestamp("2024-05-01")
    assert row["attendees"] == 40 and row["cost"] == 120.0 and row["lat"] == 38.05

    entries = ledger.entries()
    for name in ("title", "place", "officers", "partners", "notes", "created_at", "created_by",
                 "updated_at", "deleted_at", "start_time"):
        assert name in entries.columns
    assert entries.loc[0, "title"] == "Spring town hall" and entries.loc[0, "created_by"] == "ann"
    assert entries.loc[0, "start_time"] == "18:30" and entries.loc[0, "officers"] == 3
    assert pd.isna(entries.loc[0, "updated_at"]) and pd.isna(entries.loc[0, "deleted_at"])

    attendance = ledger.attendance(entry_id)
    assert list(attendance.columns) == list(schema.table("engagement_attendance").column_names)
    assert len(attendance) == 4 and attendance["attendees"].sum() == 70

    audit = ledger.audit()
    assert list(audit.columns) == ["at", "user", "action", "entry_id", "before", "after"]
    assert len(audit) == 1
    first = audit.iloc[0]
    assert (first["action"], first["user"], first["entry_id"], first["before"]) == ("insert", "ann", entry_id, None)
    after = json.loads(first["after"])
    assert after["title"] == "Spring town hall" and after["attendees"] == 40
    assert after["attendance"]["race_ethnicity"] == {"black": 20, "white": 15}


def test_edit_keeps_before_and_after(ledger):
    entry_id = ledger.add(GOOD, user="ann")
    ledger.edit(entry_id, {"attendees": 45, "title": "Spring town hall (rescheduled)"}, user="bob")

    entry = ledger.entries().iloc[0]
    assert entry["attendees"] == 45 and entry["title"] == "Spring town hall (rescheduled)"
    assert pd.notna(entry["updated_at"]) and entry["updated_by"] == "bob"
    assert entry["created_by"] == "ann"

    edits = ledger.audit(entry_id)
    assert list(edits["action"]) == ["insert", "edit"]
    edit = edits.iloc[1]
    before, after = json.loads(edit["before"]), json.loads(edit["after"])
    assert edit["user"] == "bob"
    assert (before["attendees"], after["attendees"]) == (40, 45)
    assert before["title"] == "Spring town hall" and after["title"].endswith("(rescheduled)")

    # An edit that changes nothing writes nothing.
    ledger.edit(entry_id, {"attendees": 45}, user="bob")
    assert len(ledger.audit(entry_id)) == 2

    # attendance is replaced as a whole and kept in the audit
    ledger.edit(entry_id, {"attendance": {"age": {"18-34": 5}}}, user="bob")
    assert ledger.get(entry_id)["attendance"] == {"age": {"18-34": 5}}
    last = ledger.audit(entry_id).iloc[-1]
    assert json.loads(last["before"])["attendance"]["race_ethnicity"] == {"black": 20, "white": 15}


def test_delete_is_soft_and_audited(ledger):
    keep = ledger.add(GOOD, user="ann")
    gone = ledger.add({**GOOD, "title": "Duplicate"}, user="ann")
    ledger.delete(gone, user="bob", reason="entered twice")

    assert list(ledger.as_engagement_events()["id"]) == [keep]
    assert list(ledger.entries()["id"]) == [keep]
    assert list(ledger.attendance()["event_id"].unique()) == [keep]
    everything = ledger.entries(include_deleted=True).set_index("id")
    assert list(everything.index) == [keep, gone]
    assert pd.notna(everything.loc[gone, "deleted_at"]) and everything.loc[gone, "deleted_by"] == "bob"
    assert everything.loc[gone, "delete_reason"] == "entered twice"

    stored = ledger.get(gone)
    assert stored["title"] == "Duplicate" and stored["attendance"]  # nothing lost

    last = ledger.audit(gone).iloc[-1]
    assert last["action"] == "delete" and last["user"] == "bob"
    assert json.loads(last["before"])["deleted_at"] is None
    assert json.loads(last["after"])["deleted_at"] is not None

    with pytest.raises(LedgerError):
        ledger.delete(gone, user="bob")
    with pytest.raises(LedgerError):
        ledger.edit(gone, {"attendees": 1}, user="bob")
    with pytest.raises(EntryNotFound):
        ledger.delete("L999999", user="bob")

    # ids are never reused
    assert ledger.add(GOOD, user="ann") == "L000003"


def test_rows_cannot_be_hard_deleted_nor_audit_rewritten(ledger):
    ledger.add(GOOD, user="ann")
    with sqlite3.connect(ledger.path) as con:
        with pytest.raises(sqlite3.DatabaseError):
            con.execute("DELETE FROM entries")
        with pytest.raises(sqlite3.DatabaseError):
            con.execute("UPDATE audit SET user = 'mallory'")
        with pytest.raises(sqlite3.DatabaseError):
            con.execute("DELETE FROM audit")


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"type": "barbecue"}, {"type"}),
        ({"attendees": -1}, {"attendees"}),
        ({"attendees": 2.5}, {"attendees"}),
        ({"attendees": "many"}, {"attendees"}),
        ({"title": None}, {"title"}),
        ({"title": "   "}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"lat": None}, {"lon/lat"}),
        ({"lon": 200.0}, {"lon"}),
        ({"date": "05/01/2024"}, {"date"}),
        ({"date": "2024-02-30"}, {"date"}),
        ({"date": None}, {"date"}),
        ({"start_time": "25:00"}, {"start_time"}),
        ({"district_id": "99"}, {"district_id"}),
        ({"district_id": None}, {"district_id"}),
        ({"neighborhood_id": "Z"}, {"neighborhood_id"}),
        ({"cost": -5}, {"cost"}),
        ({"officer_hours": "lots"}, {"officer_hours"}),
        ({"officers": -2}, {"officers"}),
        ({"attendance": {"race_ethnicity": {"black": 30, "white": 15}}}, {"attendance"}),
        ({"attendance": {"religion": {"x": 1}}}, {"attendance"}),
        ({"color": "blue"}, {"color"}),
        ({"type": "barbecue", "attendees": -1, "lat": None}, {"type", "attendees", "lon/lat"}),
    ],
)
def test_invalid_entries_raise_and_write_nothing(ledger, changes, fields):
    ledger.add(GOOD, user="ann")
    before = counts(ledger)
    audit_before = ledger.audit()

    with pytest.raises(LedgerError) as raised:
        ledger.add({**GOOD, **changes}, user="ann")
    assert set(raised.value.errors) == fields
    for field in fields:
        assert str(raised.value).count(f"{field}: ") >= 1

    assert counts(ledger) == before
    pd.testing.assert_frame_equal(ledger.audit(), audit_before)

    # an edit that would make the entry invalid is refused the same way
    if "color" not in changes:
        with pytest.raises(LedgerError) as raised_edit:
            ledger.edit("L000001", changes, user="bob")
        assert set(raised_edit.value.errors) == fields
        assert counts(ledger) == before
        assert ledger.entries().iloc[0]["attendees"] == 40


def test_messages_are_specific(ledger):
    with pytest.raises(LedgerError) as raised:
        ledger.add({**GOOD, "district_id": "99", "attendees": -3, "type": "x", "date": "1 May",
                    "lat": None}, user="ann")
    errors = raised.value.errors
    assert errors["district_id"] == "unknown district '99'; expected one of 1, 2"
    assert errors["attendees"] == "expected a whole number from 0 to 1000000"
    assert errors["type"].startswith("expected one of community_meeting, neighborhood_event")
    assert errors["date"] == "expected a date as YYYY-MM-DD"
    assert errors["lon/lat"] == "give both or neither"
    assert "attendees: expected a whole number from 0 to 1000000" in str(raised.value)

    with pytest.raises(LedgerError) as raised:
        ledger.add({**GOOD, "attendance": {"age": {"18-34": 50}}}, user="ann")
    assert "more than the 40 attendees" in raised.value.errors["attendance"]

    with pytest.raises(LedgerError) as raised:
        ledger.add(GOOD, user=" ")
    assert set(raised.value.errors) == {"user"}


def test_valid_ids_per_call_and_lenient_inputs(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")  # no id sets: any district accepted
    minimal = {"date": "2024-06-01", "district_id": 7, "type": "foot_patrol", "title": "Walk"}
    entry_id = ledger.add(minimal, user="ann")
    row = ledger.as_engagement_events().iloc[0]
    assert row["district_id"] == "7" and pd.isna(row["attendees"]) and pd.isna(row["lon"])
    with pytest.raises(LedgerError) as raised:
        ledger.add(minimal, user="ann", valid_district_ids=[1, 2])
    assert set(raised.value.errors) == {"district_id"}
    ledger.edit(entry_id, {"attendees": "12", "lon": "-90.2", "lat": "38.6", "start_time": "9:05"}, user="b")
    entry = ledger.get(entry_id)
    assert (entry["attendees"], entry["lon"], entry["start_time"]) == (12, -90.2, "09:05")


def _add_many(path: str, worker: int, n: int, start) -> None:
    start.wait()
    ledger = Ledger(path)
    for i in range(n):
        ledger.add({"date": "2024-01-01", "district_id": "1", "type": "other",
                    "title": f"worker {worker} entry {i}", "attendees": i}, user=f"w{worker}")


def test_two_processes_add_concurrently(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    Ledger(path)
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_add_many, args=(path, w, 50, start)) for w in (1, 2)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]

    ledger = Ledger(path)
    entries = ledger.entries()
    assert len(entries) == 100 and entries["id"].nunique() == 100
    assert entries["title"].nunique() == 100
    assert (entries["created_by"].value_counts() == 50).all()
    audit = ledger.audit()
    assert len(audit) == 100 and set(audit["action"]) == {"insert"}
    assert set(audit["entry_id"]) == set(entries["id"])


def test_export_csv_round_trip(ledger, tmp_path):
    ledger.add(GOOD, user="ann")
    second = ledger.add({"date": "2024-06-02", "district_id": "2", "type": "school_youth",
                         "title": 'Reading "club", part 2'}, user="bob")
    ledger.delete(second, user="bob", reason="cancelled")
    ledger.add({**GOOD, "notes": "line one\nline two, with comma", "lon": None, "lat": None}, user="ann")

    for include_deleted in (False, True):
        expected = ledger.entries(include_deleted=include_deleted)
        for target in (tmp_path / f"out_{include_deleted}.csv", io.StringIO()):
            written = ledger.export_csv(target, include_deleted=include_deleted)
            assert written == len(expected)
            if isinstance(target, io.StringIO):
                target.seek(0)
            back = pd.read_csv(target, dtype="string", keep_default_na=False, na_values=[""])
            assert list(back.columns) == list(expected.columns)
            back["date"] = pd.to_datetime(back["date"], format="%Y-%m-%d")
            for name in ("attendees", "officers"):
                back[name] = pd.to_numeric(back[name]).astype("Int64")
            for name in ("lon", "lat", "officer_hours", "cost"):
                back[name] = pd.to_numeric(back[name]).astype("Float64")
            back["date"] = back["date"].astype(expected["date"].dtype)
            pd.testing.assert_frame_equal(back, expected)


def test_path_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv(LEDGER_ENV_VAR, raising=False)
    assert resolve_ledger_path() == DEFAULT_LEDGER_PATH
    assert DEFAULT_LEDGER_PATH.name == "warehouse.ledger.sqlite" and DEFAULT_LEDGER_PATH.parent.name == "data"

    env_path = tmp_path / "from_env" / "ledger.sqlite"
    monkeypatch.setenv(LEDGER_ENV_VAR, str(env_path))
    assert resolve_ledger_path() == env_path
    assert resolve_ledger_path(tmp_path / "explicit.sqlite") == tmp_path / "explicit.sqlite"

    ledger = Ledger()
    assert ledger.path == env_path and env_path.exists()
    ledger.add(GOOD, user="ann")
    assert len(Ledger(str(env_path)).entries()) == 1
    assert not Path(tmp_path / "explicit.sqlite").exists()
