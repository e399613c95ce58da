"""Training, programs and recurring meetings in the ledger: validation, audit, soft delete, the
warehouse views, templates, the CLI, and an older ledger file upgraded in place."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3

import pandas as pd
import pytest

from community_policing.data import geo
from community_policing.figures import maps as map_figures
from community_policing.ledger import bulk as ledger_bulk, meetings
from community_policing.ledger import form as lf
from community_policing.cli import main
from community_policing.ledger.book import Ledger, LedgerError, kind_of, meeting_dates
from community_policing.data.store import Store

TRAINING = {"date": "2024-02-01", "district_id": "1", "course": "de_escalation", "officers": 12, "hours": 8,
            "title": "ICAT"}
PROGRAM = {"name": "Walk and Talk", "district_id": "1", "start_date": "2023-06-01", "annual_cost": 40000}
SERIES = {"title": "Riverside block club", "schedule": "1st Mon every month - 7pm", "district_id": "2",
          "first_date": "2024-01-01"}


@pytest.fixture
def book(tmp_path) -> Ledger:
    return Ledger(tmp_path / "ledger.sqlite", valid_district_ids={"1", "2"}, valid_neighborhood_ids={"A", "B", "P"})


def test_each_kind_gets_its_own_id_prefix_and_audit(book):
    ids = [book.add(TRAINING, "ann", kind="training"), book.add(PROGRAM, "ann", kind="program"),
           book.add(SERIES, "ann", kind="series"), book.add({"date": "2024-01-02", "district_id": "1",
                                                             "type": "foot_patrol", "title": "Walk"}, "ann")]
    assert ids == ["T000001", "P000002", "S000003", "L000004"]
    assert [kind_of(i).name for i in ids] == ["training", "program", "series", "activity"]
    audit = book.audit()
    assert list(audit["entry_id"]) == ids and set(audit["action"]) == {"insert"}
    assert json.loads(audit["after"][0])["course"] == "de_escalation"
    assert "training “ICAT” (12 officers × 8.0 h) for district 1" in lf.describe_change("insert", None, audit["after"][0])


def test_training_is_checked_field_by_field(book):
    with pytest.raises(LedgerError) as caught:
        book.add({"date": "2024-13-01", "course": "karate", "officers": 0, "hours": -2}, "ann", kind="training")
    assert set(caught.value.errors) == {"date", "course", "officers", "hours", "district_id"}
    assert "whole number from 1 to 100000" in caught.value.errors["officers"]
    unit = book.add({**TRAINING, "district_id": None, "unit": "Academy"}, "ann", kind="training")
    assert book.get(unit)["unit"] == "Academy" and book.get(unit)["district_id"] is None
    with pytest.raises(LedgerError, match="unknown district '9'"):
        book.add({**TRAINING, "district_id": "9"}, "ann", kind="training")
    assert len(book.entries(kind="training")) == 1


def test_training_edit_and_soft_delete_are_audited(book):
    entry_id = book.add(TRAINING, "ann", kind="training")
    book.edit(entry_id, {"officers": 15}, "bob")
    book.delete(entry_id, "bob", "entered twice")
    assert book.entries(kind="training").empty
    kept = book.entries(kind="training", include_deleted=True).iloc[0]
    assert kept["officers"] == 15 and kept["delete_reason"] == "entered twice"
    audit = book.audit(entry_id)
    assert list(audit["action"]) == ["insert", "edit", "delete"]
    assert json.loads(audit["before"][1])["officers"] == 12 and json.loads(audit["after"][1])["officers"] == 15
    with pytest.raises(sqlite3.IntegrityError):
        with sqlite3.connect(book.path) as con:
            con.execute("DELETE FROM training")


def test_a_program_is_recorded_once_per_district(book):
    ids = book.add_many([{**PROGRAM, "district_id": "1"}, {**PROGRAM, "district_id": "2"}], "ann", kind="program")
    assert len(ids) == 2
    with pytest.raises(LedgerError, match="already recorded for district 1 as P000001"):
        book.add({**PROGRAM, "name": "walk and TALK"}, "bob", kind="program")
    with pytest.raises(LedgerError, match="in the city's data"):
        book.add({**PROGRAM, "name": "Foot Patrol"}, "bob", kind="program", existing_programs=[("foot patrol", "1")])
    # All or nothing: one bad site stops the whole batch.
    with pytest.raises(LedgerError, match="ends .* before it starts"):
        book.add_many([{**PROGRAM, "name": "New", "district_id": "1"},
                       {**PROGRAM, "name": "New", "district_id": "2", "end_date": "2020-01-01"}], "ann", kind="program")
    assert len(book.entries(kind="program")) == 2
    # Editing a program keeps its own name; deleting frees the name for that district.
    book.edit(ids[0], {"annual_cost": 50000}, "ann")
    book.delete(ids[0], "ann")
    assert book.add({**PROGRAM, "district_id": "1"}, "ann", kind="program") == "P000003"


def test_a_recurring_meeting_needs_a_readable_schedule(book):
    with pytest.raises(LedgerError) as caught:
        book.add({**SERIES, "schedule": "when the mood takes us", "first_date": None}, "ann", kind="series")
    assert "3rd Tues every month" in caught.value.errors["schedule"] and "first_date" in caught.value.errors
    series_id = book.add(SERIES, "ann", kind="series")
    assert book.get(series_id)["type"] == "community_meeting"  # the default type
    dates = meeting_dates(book.get(series_id), dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert dates == [(dt.date(2024, 1, 1), "19:00"), (dt.date(2024, 2, 5), "19:00"), (dt.date(2024, 3, 4), "19:00")]


def test_each_occurrence_is_confirmed_once_with_its_attendance(book):
    series_id = book.add({**SERIES, "neighborhood_id": "P", "place": "Library"}, "ann", kind="series")
    first = book.confirm_occurrence(series_id, "2024-02-05", {"attendees": 18, "officers": 2,
                                                              "attendance": {"age": {"55+": 10}}}, "ann")
    entry = book.get(first)
    assert (entry["series_id"], entry["date"], entry["start_time"], entry["place"], entry["neighborhood_id"]) == \
        (series_id, "2024-02-05", "19:00", "Library", "P")
    assert entry["attendance"] == {"age": {"55+": 10}}
    with pytest.raises(LedgerError, match="already confirmed as " + first):
        book.confirm_occurrence(series_id, "2024-02-05", {"attendees": 3}, "bob")
    assert book.confirmed_dates(series_id) == {"2024-02-05": first}
    book.delete(first, "ann", "wrong meeting")  # a deleted confirmation can be made again
    assert book.confirm_occurrence(series_id, "2024-02-05", {"attendees": 17}, "ann").startswith("L")
    book.delete(series_id, "ann")
    with pytest.raises(LedgerError, match="was deleted"):
        book.confirm_occurrence(series_id, "2024-03-04", {}, "ann")


def test_due_occurrences_skip_confirmed_and_old_ones(book):
    series_id = book.add(SERIES, "ann", kind="series")
    book.confirm_occurrence(series_id, "2024-03-04", {"attendees": 5}, "ann")
    due = meetings.due_occurrences(book.entries(kind="series"), book.confirmed_occurrences(), dt.date(2024, 4, 10))
    assert list(due["date"]) == [dt.date(2024, 4, 1), dt.date(2024, 2, 5)]  # newest first, Jan 1 > 90 days ago
    assert due["label"][0].startswith("Mon Apr 1, 2024, 7:00 PM · Riverside block club")
    assert meetings.upcoming(book.entries(kind="series"), dt.date(2024, 4, 10), 2)[0].startswith("Mon May 6, 2024")


def test_suggestions_from_organizations_say_what_each_schedule_reads_as():
    orgs = pd.DataFrame({"org_id": ["1", "2", "3"], "name": ["Tower Grove South NA", "Quiet Club", "Odd One"],
                         "neighborhood_id": ["15", None, "99"],
                         "meeting_schedule": ["3rd Tues every month - 6:30", "No regular meetings", "ad hoc"],
                         "meeting_place": ["Church hall", None, None]})
    hoods = pd.DataFrame({"area_id": ["15"], "district_id": ["2"]})
    table = meetings.suggestions(orgs, hoods)
    assert list(table["status"]) == ["parsed", "not understood", "no regular meetings"]
    assert table["district_id"][0] == "2" and "3rd Tuesday" in table["reads_as"][0]
    assert meetings.parse_summary(table).startswith("1 of 3 published schedules read as regular meetings")
    values = meetings.prefill(table.iloc[0], dt.date(2026, 1, 1))
    assert values["district_id"] == "2" and values["schedule"] == "3rd Tues every month - 6:30"


def test_the_warehouse_counts_ledger_training_and_programs_at_once(tiny_db, tmp_path):
    ledger_path = tmp_path / "ledger.sqlite"
    with Store(tiny_db, ledger=ledger_path) as store:
        before = store.query("data_coverage").iloc[0]
    book = Ledger(ledger_path)
    book.add(TRAINING, "ann", kind="training")
    deleted = book.add({**TRAINING, "officers": 3}, "ann", kind="training")
    book.delete(deleted, "ann")
    book.add_many([{**PROGRAM, "district_id": d} for d in ("1", "2")], "ann", kind="program")
    with Store(tiny_db, ledger=ledger_path) as store:
        after = store.query("data_coverage").iloc[0]
        programs = store.query("programs")
        training = store.query("district_training_quarterly", district_id="1", start=dt.date(2024, 1, 1),
                               end=dt.date(2024, 3, 31))
    assert after["training_rows"] == before["training_rows"] + 1
    assert after["program_rows"] == before["program_rows"] + 2
    row = programs[programs["name"] == "Walk and Talk"].iloc[0]
    assert row["start_date"] == pd.Timestamp("2023-06-01")
    assert pd.isna(row["end_date"])
    assert training["officer_hours"].sum() >= 12 * 8


def test_a_ledger_written_by_the_first_version_is_upgraded_when_attached(tiny_db, tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:  # the version-1 layout: activities only, no series_id
        con.executescript("""
            CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO ledger_meta VALUES ('schema_version', '1');
            CREATE TABLE id_counter (only_row INTEGER PRIMARY KEY CHECK (only_row = 1), last_id INTEGER NOT NULL);
            INSERT INTO id_counter VALUES (1, 1);
            CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, date TEXT NOT NULL,
                start_time TEXT, district_id TEXT NOT NULL, neighborhood_id TEXT, type TEXT NOT NULL, title TEXT NOT NULL,
                place TEXT, lon REAL, lat REAL, attendees INTEGER, officers INTEGER, officer_hours REAL, partners TEXT,
                cost REAL, notes TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT,
                updated_by TEXT, deleted_at TEXT, deleted_by TEXT, delete_reason TEXT);
            CREATE TABLE attendance (entry_id TEXT NOT NULL, dimension TEXT NOT NULL, demographic_group TEXT NOT NULL,
                attendees INTEGER NOT NULL, PRIMARY KEY (entry_id, dimension, demographic_group));
            CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,
                action TEXT NOT NULL, entry_id TEXT NOT NULL, before TEXT, after TEXT);
            INSERT INTO entries (id, date, district_id, type, title, created_at, created_by)
                VALUES ('L000001', '2024-01-05', '1', 'foot_patrol', 'Old walk', '2024-01-05T00:00:00', 'ann');
        """)
    with Store(tiny_db, ledger=path) as store:
        assert "L000001" in set(store.query("engagement_events_all")["id"])
        assert store.query("data_coverage").iloc[0]["training_rows"] >= 0
    book = Ledger(path)
    assert book.entries().iloc[0]["title"] == "Old walk"
    assert book.add(TRAINING, "ann", kind="training") == "T000002"  # the counter carries on


@pytest.mark.parametrize("kind", ["training", "program"])
def test_training_and_program_templates_round_trip(tmp_path, kind):
    book = Ledger(tmp_path / "ledger.sqlite")
    raw = ledger_bulk.template_excel("1", kind)
    sheets = pd.read_excel(io.BytesIO(raw), sheet_name=None, dtype=str, keep_default_na=False)
    spec = ledger_bulk.template_for(kind)
    assert set(sheets) == {spec.sheet, "allowed values"}
    rows = sheets[spec.sheet].iloc[[0, 0, 0]].reset_index(drop=True)
    if kind == "training":
        assert "cultural_competence" in " ".join(sheets["allowed values"]["accepts"])
        rows.loc[0, "title"] = "ICAT"
        rows.loc[1, ["title", "district_id", "unit"]] = ["Academy class", "", "Academy"]
        rows.loc[2, ["title", "officers"]] = ["Bad", "0"]
    else:
        rows.loc[0, "name"] = "Walk and Talk"
        rows.loc[1, ["name", "district_id"]] = ["Walk and Talk", "2"]
        rows.loc[2, "name"] = "walk and talk"  # district 1 again: refused at write time
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        rows.to_excel(writer, sheet_name=spec.sheet, index=False)
    frame = ledger_bulk.read_upload("filled.xlsx", buffer.getvalue(), kind)
    result = ledger_bulk.load_rows(book, frame, "coordinator", valid_district_ids={"1", "2"}, kind=kind)
    assert result.rows_read == 3 and len(result.recorded) == 2
    assert list(result.rejects["line"].unique()) == [4]
    assert result.rows_read == len(result.recorded) + result.rejects["line"].nunique()
    assert len(book.entries(kind=kind)) == 2


def test_cli_imports_a_filled_template_and_lists_by_kind(tmp_path, capsys):
    ledger_path = tmp_path / "ledger.sqlite"
    filled = ledger_bulk.template("1", "training")
    filled.loc[0, "title"] = "ICAT"
    csv = tmp_path / "training.csv"
    filled.to_csv(csv, index=False)
    assert main(["ledger", "--ledger", str(ledger_path), "import", str(csv), "--kind", "training", "--user", "ann"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "T000001" and "1 rows read: 1 recorded, 0 rejected" in out.err
    assert main(["ledger", "--ledger", str(ledger_path), "list", "--kind", "training", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["course"] == "de_escalation" and listed[0]["created_by"] == "ann"


def test_the_place_picker_offers_points_inside_the_area_only(tiny_db):
    import shapely
    from shapely.geometry import shape

    with Store(tiny_db) as store:
        features = geo.area_features(store, "district")
    area_id = features["features"][0]["id"]
    lons, lats = geo.click_grid(features, area_id, across=20)
    area = shape(features["features"][0]["geometry"])
    assert len(lons) > 50 and shapely.contains_xy(area.buffer(1e-5), lons, lats).all()
    fig = map_figures.place_picker(features, area_id, (lons, lats), picked=(lons[0], lats[0]))
    assert fig.layout.map.style == "white-bg" and len(fig.data) == 3
    event = {"selection": {"points": [{"lon": lons[3], "lat": lats[3], "curve_number": 1}]}}
    assert lf.picked_point(event) == (round(lons[3], 6), round(lats[3], 6))
    assert lf.picked_point({"selection": {"points": []}}) is None
