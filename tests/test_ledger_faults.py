"""Issue 15, the ledger and the store: each test performs the attack or fault and checks what a person sees.

SQL through a path, one ledger per city, big uploads all or nothing, huge numbers, upload size limits, and
the temporary files a killed build leaves behind.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from community_policing import cli, exports
from community_policing.data import data_admin, store
from community_policing.ledger import book as ledger, bulk as ledger_bulk
from community_policing.views import metrics
from community_policing.data.importers.errors import SourceFileError
from community_policing.ledger.book import Ledger, LedgerError
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, Store
from tests.conftest import tiny_city_tables

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
ENTRY = {"date": "2024-03-20", "district_id": "2", "type": "feedback_session", "title": "Listening session",
         "attendees": 777}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(LEDGER_ENV_VAR, raising=False)
    monkeypatch.delenv(DB_ENV_VAR, raising=False)


def _activities(db: Path, **kw) -> dict[str, int]:
    """Engagement activities in March 2024 by district, as the Districts comparison counts them."""
    with Store(db, **kw) as s:
        table = metrics.area_comparison(s, *MARCH).set_index("area_id")
    return {str(k): int(v) for k, v in table["engagement_events"].fillna(0).items()}


def _city(tiny_db: Path, folder: Path, name: str, city: str | None = None) -> Path:
    """A copy of the tiny city in ``folder`` (or, with ``city``, a tiny city of that name built there)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if city is None:
        shutil.copy(tiny_db, path)
    else:
        tables = tiny_city_tables()
        tables["metadata"] = tables["metadata"].assign(value=[city, "true", "hand-made test fixture"])
        store.write_database(tables, path)
    return path


def _run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. SQL through a path ------------------------------------------------------------------------------


def test_a_city_in_a_folder_named_o_fallon_opens_and_counts_its_ledger(tiny_db, tmp_path):
    db = _city(tiny_db, tmp_path / "O'Fallon", "o'fallon.duckdb")
    before = _activities(db)
    entry_id = Ledger(db=db).add(ENTRY, user="ann")
    assert store.ledger_path_for(db).exists() and store.ledger_path_for(db).name == "o'fallon.ledger.sqlite"
    with Store(db) as s:
        assert s.ledger_path == store.ledger_path_for(db) and s.city == "Tiny Test City"
    after = _activities(db)
    assert entry_id == "L000001"
    assert after != before and sum(after.values()) > sum(before.values())


def test_a_ledger_path_that_carries_sql_runs_none_of_it(tiny_db, tmp_path, monkeypatch, capsys):
    db = _city(tiny_db, tmp_path / "city", "tiny.duckdb")
    pwned = tmp_path / "pwned.csv"
    crafted = Path(f"{tmp_path}/x.sqlite' AS l; COPY (SELECT 1) TO '{pwned}'; --")
    baseline = _activities(db, ledger=tmp_path / "absent.sqlite")
    # A ledger file of exactly that name exists (the attack needs the path to reach ATTACH).
    Ledger(crafted, city="Tiny Test City").add(ENTRY, user="ann")
    monkeypatch.setenv(LEDGER_ENV_VAR, str(crafted))
    counted = _activities(db)
    assert not pwned.exists()
    assert counted["2"] == baseline["2"] + 1  # the file is read as a ledger, nothing else
    code, out, err = _run_cli(capsys, "districts", "--db", str(db), "--start", "2024-03-01", "--end", "2024-03-31")
    assert not pwned.exists()
    assert code == 0 and "Traceback" not in err


def test_sql_literal_doubles_quotes():
    assert store.sql_literal("a'b") == "'a''b'"
    assert store.sql_literal(Path("/x/O'Fallon/w.duckdb")) == "'/x/O''Fallon/w.duckdb'"
    assert store.sql_identifier('we"ird') == '"we""ird"'
    with pytest.raises(ValueError):
        store.sql_literal("a\x00b")


# --- 2. A ledger per city -----------------------------------------------------------------------------


def test_two_cities_in_one_folder_keep_their_entries_apart(tiny_db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "data"
    demo = _city(tiny_db, folder, "warehouse.duckdb")
    other = _city(tiny_db, folder, "st_louis.duckdb", city="Other Town")
    assert store.resolve_ledger_path(db=other) == folder / "st_louis.ledger.sqlite"
    before_other, before_demo = _activities(other), _activities(demo)
    monkeypatch.setenv(DB_ENV_VAR, str(demo))
    code, out, err = _run_cli(capsys, "ledger", "add", "--user", "ann", "--date", "2024-03-20", "--district", "2",
                              "--type", "feedback_session", "--title", "A test entry on the demo", "--attendees", "777")
    assert code == 0, err
    assert (folder / "warehouse.ledger.sqlite").exists() and not (folder / "st_louis.ledger.sqlite").exists()
    assert Ledger(folder / "warehouse.ledger.sqlite").owner() == "Tiny Test City"
    assert _activities(other) == before_other  # the demo's entry is not St. Louis's
    assert _activities(demo)["2"] == before_demo["2"] + 1


def test_a_ledger_of_another_city_is_refused_naming_both(tiny_db, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "data"
    a = _city(tiny_db, folder, "a.duckdb")
    b = _city(tiny_db, folder, "b.duckdb", city="Other Town")
    Ledger(db=a).add(ENTRY, user="ann")
    a_ledger = store.ledger_path_for(a)
    with pytest.raises(store.LedgerOfAnotherCity) as refused:
        Store(b, ledger=a_ledger)
    message = str(refused.value)
    assert "Tiny Test City" in message and "Other Town" in message and str(a_ledger) in message
    with pytest.raises(LedgerError) as written:
        Ledger(a_ledger, db=b).add(ENTRY, user="ann")
    assert "Other Town" in str(written.value) and "Tiny Test City" in str(written.value)
    assert len(Ledger(a_ledger).entries()) == 1  # nothing written
    monkeypatch.setenv(LEDGER_ENV_VAR, str(a_ledger))
    monkeypatch.setenv(DB_ENV_VAR, str(b))
    code, out, err = _run_cli(capsys, "ledger", "add", "--user", "ann", "--date", "2024-03-20", "--district", "2",
                              "--type", "feedback_session", "--title", "x")
    assert code != 0 and "Traceback" not in err
    assert "Other Town" in err and "Tiny Test City" in err
    assert len([line for line in err.splitlines() if not line.startswith("note:")]) == 1
    assert len(Ledger(a_ledger).entries()) == 1


# --- 3. Big uploads: complete, one transaction, audited --------------------------------------------------


def _template_frame(n: int, **override) -> pd.DataFrame:
    rows = pd.DataFrame({"date": "2024-03-05", "district_id": ["1", "2"] * (n // 2) + ["1"] * (n % 2),
                         "type": "community_meeting", "title": [f"Meeting {i}" for i in range(n)],
                         "attendees": [str(i) for i in range(n)], "officers": "2", "cost": "0"})
    for column, values in override.items():
        rows[column] = values
    return ledger_bulk.read_upload("activities.csv", exports.csv_bytes(rows))


def test_a_bulk_upload_killed_part_way_records_nothing(tmp_path, monkeypatch):
    book = Ledger(tmp_path / "l.sqlite")
    frame = _template_frame(300)
    real, calls = ledger._audit, {"n": 0}

    def failing_audit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 150:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger, "_audit", failing_audit)
    with pytest.raises(OSError):
        ledger_bulk.load_rows(book, frame, "ann", valid_district_ids={"1", "2"})
    monkeypatch.setattr(ledger, "_audit", real)
    assert book.entries().empty and book.audit().empty
    # The id counter rolled back too: the next record is the first.
    assert book.add(ENTRY, user="ann") == "L000001"


def test_a_killed_import_process_leaves_nothing(tmp_path):
    """A real SIGKILL while the upload is being written: the ledger holds none of it."""
    path = tmp_path / "l.sqlite"
    Ledger(path).add(ENTRY, user="ann")
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from community_policing import exports
from community_policing.ledger import book as ledger, bulk as ledger_bulk
import pandas as pd
rows = pd.DataFrame({{"date": "2024-03-05", "district_id": "1", "type": "community_meeting",
                     "title": [f"t{{i}}" for i in range(400)]}})
frame = ledger_bulk.read_upload("a.csv", exports.csv_bytes(rows))
real, n = ledger._audit, [0]
def audit(*a, **k):
    n[0] += 1
    if n[0] == 200:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*a, **k)
ledger._audit = audit
ledger_bulk.load_rows(ledger.Ledger({str(path)!r}), frame, "bob")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()
    book = Ledger(path)
    assert list(book.entries()["id"]) == ["L000001"] and len(book.audit()) == 1


def test_a_bulk_upload_keeps_one_audit_row_per_record_and_reports_progress(tmp_path):
    book = Ledger(tmp_path / "l.sqlite")
    seen: list[tuple[float, str]] = []
    result = ledger_bulk.load_rows(book, _template_frame(120), "ann", valid_district_ids={"1", "2"},
                                   progress=lambda fraction, text: seen.append((fraction, text)))
    assert len(result.recorded) == 120 and result.rejects.empty
    trail = book.audit()
    assert list(trail["entry_id"]) == result.recorded and set(trail["action"]) == {"insert"}
    import json

    for entry_id in (result.recorded[0], result.recorded[-1]):
        after = json.loads(trail.set_index("entry_id").at[entry_id, "after"])
        assert after == json.loads(json.dumps(book.get(entry_id)))  # exactly what a one-by-one add keeps
    fractions = [f for f, _t in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 < len(seen) < 2 * 120
    assert seen[0][1].startswith("Checking rows") and seen[-1][1] == "Recording rows: 120 of 120"


def test_valid_rows_are_recorded_and_rejects_come_back_or_nothing_when_asked(tmp_path):
    frame = _template_frame(6, attendees=["1", "2", "x", "4", "5", "6"])
    book = Ledger(tmp_path / "keep.sqlite")
    result = ledger_bulk.load_rows(book, frame, "ann", valid_district_ids={"1", "2"})
    assert len(result.recorded) == 5 and list(result.rejects["line"]) == [4]
    strict = Ledger(tmp_path / "strict.sqlite")
    result = ledger_bulk.load_rows(strict, frame, "ann", valid_district_ids={"1", "2"}, all_or_nothing=True)
    assert result.recorded == [] and list(result.rejects["line"]) == [4] and strict.entries().empty


# --- 4. Huge numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field,value", [("attendees", "1e23"), ("officers", str(2**63)),
                                         ("attendees", "1000001"), ("cost", "1e300")])
def test_a_huge_number_on_the_command_line_is_one_line_and_writes_nothing(tmp_path, capsys, field, value):
    path = tmp_path / "l.sqlite"
    code, out, err = _run_cli(capsys, "ledger", "--ledger", str(path), "add", "--user", "ann", "--date",
                              "2024-03-20", "--district", "2", "--type", "feedback_session", "--title", "x",
                              f"--{field}", value)
    errors = [line for line in err.splitlines() if not line.startswith("note:")]
    assert code != 0 and "Traceback" not in err and len(errors) == 1
    assert errors[0].startswith(f"error: {field}: expected a") and "from 0 to" in errors[0]
    assert Ledger(path).entries().empty and Ledger(path).audit().empty


def test_huge_numbers_in_an_import_are_rejected_lines(tmp_path, capsys):
    rows = pd.DataFrame({"date": "2024-03-05", "district_id": "1", "type": "community_meeting",
                         "title": ["ok", "huge", "wide"], "attendees": ["3", "1e23", "5"],
                         "officers": ["1", "1", str(2**63)]})
    upload = tmp_path / "activities.csv"
    upload.write_bytes(exports.csv_bytes(rows))
    path = tmp_path / "l.sqlite"
    code, out, err = _run_cli(capsys, "ledger", "--ledger", str(path), "import", str(upload), "--user", "ann")
    assert code == 1 and "Traceback" not in err
    assert "3 rows read: 1 recorded, 2 rejected" in err
    assert "expected a whole number from 0 to 1000000" in err and "expected a whole number from 0 to 100000" in err
    assert len(Ledger(path).entries()) == 1


def test_training_and_program_bounds_come_from_the_schema(tmp_path):
    book = Ledger(tmp_path / "l.sqlite")
    with pytest.raises(LedgerError) as caught:
        book.add({"date": "2024-03-01", "district_id": "1", "course": "other", "officers": 2**63, "hours": 1e23},
                 "ann", kind="training")
    assert set(caught.value.errors) == {"officers", "hours"}
    with pytest.raises(LedgerError) as caught:
        book.add({"name": "Walks", "district_id": "1", "start_date": "2024-01-01", "annual_cost": 1e23},
                 "ann", kind="program")
    assert "annual_cost" in caught.value.errors
    assert book.entries(kind="training").empty and book.audit().empty


# --- 5. Upload size limits -------------------------------------------------------------------------------


def _bomb_xlsx(unpacked_mb: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/worksheets/sheet1.xml", b"\0" * (unpacked_mb * 1024 * 1024))
    return buffer.getvalue()


def test_a_ledger_upload_above_the_limit_is_refused_before_it_is_read(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("COMMON_GROUND_MAX_UPLOAD_MB", "1")
    big = exports.csv_bytes(pd.DataFrame({"date": ["2024-03-05"] * 40_000, "district_id": "1",
                                          "type": "community_meeting", "title": "a long enough title"}))
    assert len(big) > 1024 * 1024
    with pytest.raises(SourceFileError) as refused:
        ledger_bulk.read_upload("activities.csv", big)
    assert "more than 1 MB" in str(refused.value) and "COMMON_GROUND_MAX_UPLOAD_MB" in str(refused.value)
    upload = tmp_path / "activities.csv"
    upload.write_bytes(big)
    code, out, err = _run_cli(capsys, "ledger", "--ledger", str(tmp_path / "l.sqlite"), "import", str(upload),
                              "--user", "ann")
    assert code != 0 and "Traceback" not in err and "more than 1 MB" in err


def test_an_xlsx_bomb_is_refused_in_ledger_and_data_uploads(monkeypatch, tmp_path):
    monkeypatch.setenv("COMMON_GROUND_MAX_DECOMPRESSED_MB", "1")
    bomb = _bomb_xlsx(3)
    assert len(bomb) < 100_000
    with pytest.raises(SourceFileError) as refused:
        ledger_bulk.read_upload("activities.xlsx", bomb)
    assert "unzips to" in str(refused.value)
    manifest = Path(__file__).resolve().parent.parent / "data" / "cities" / "st_louis" / "city.toml"
    for files in ([("slmpd.xlsx", bomb)], [("folder.zip", _zip_of("stl/slmpd.xlsx", bomb))]):
        with pytest.raises(data_admin.DataAdminError) as staged:
            data_admin.stage_upload(files, manifest, None, tmp_path / "uploads")
        assert "unzips to" in str(staged.value) and "slmpd.xlsx" in str(staged.value)
    assert not [p for p in (tmp_path / "uploads").iterdir() if p.name != ".gitignore"]


def _zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_a_data_upload_above_the_limit_is_refused_from_its_size(monkeypatch):
    monkeypatch.setenv("COMMON_GROUND_MAX_UPLOAD_MB", "2")
    data_admin.check_upload_sizes([("a.csv", 1024)])
    with pytest.raises(data_admin.DataAdminError) as refused:
        data_admin.check_upload_sizes([("a.csv", 1024), ("slmpd_2020_01.csv", 3 * 1024 * 1024)])
    assert "slmpd_2020_01.csv" in str(refused.value) and "more than 2 MB" in str(refused.value)


# --- 6. Stale temporary files of a killed build -----------------------------------------------------------


def test_a_killed_builds_temp_files_are_swept_and_a_live_ones_kept(tmp_path):
    target = tmp_path / "O'Fallon" / "w.duckdb"
    target.parent.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead_tmp = target.with_name(f"w.duckdb.tmp-{dead_pid}-abc123")
        dead_wal = target.with_name(f"w.duckdb.tmp-{dead_pid}-abc123.wal")
        live_tmp = target.with_name(f"w.duckdb.tmp-{live.pid}-def456")
        old_legacy = target.with_name("w.duckdb.tmp-k3j_9x")
        new_legacy = target.with_name("w.duckdb.tmp-q8z_1y")
        other = target.with_name("x.duckdb.tmp-1-abc")
        dead_read = target.with_name(f"w.duckdb.read-{dead_pid}-0")  # a reader's one-use link (connect_afresh)
        live_read = target.with_name(f"w.duckdb.read-{live.pid}-3")
        for planted in (dead_tmp, dead_wal, live_tmp, old_legacy, new_legacy, other, dead_read, live_read):
            planted.write_bytes(b"partial build")
        hour_ago = time.time() - 3600
        for planted in (live_tmp, old_legacy):
            os.utime(planted, (hour_ago, hour_ago))
        store.write_database(tiny_city_tables(), target)
        left = sorted(p.name for p in target.parent.iterdir())
        assert not dead_tmp.exists() and not dead_wal.exists() and not old_legacy.exists()
        assert live_tmp.exists() and new_legacy.exists() and other.exists()  # a live build is never touched
        assert not dead_read.exists() and live_read.exists()
        assert "w.duckdb" in left and len([n for n in left if ".tmp-" in n]) == 3
    finally:
        live.kill()
        live.wait()


# --- Files that are not ledgers, dates out of range, an SQLite file given as the warehouse -----------------

def test_someone_elses_sqlite_database_is_never_turned_into_a_ledger(tmp_path, capsys):
    import sqlite3

    other = tmp_path / "someapp.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        con.execute("INSERT INTO customers VALUES (1, 'Ada')")
    before = other.read_bytes()
    with pytest.raises(LedgerError, match="not an engagement ledger.*customers"):
        Ledger(other)
    assert other.read_bytes() == before  # no ledger table written into it
    code = cli.main(["ledger", "--ledger", str(other), "list"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and "not an engagement ledger" in err


def test_a_text_file_given_as_the_ledger_is_a_clear_error(tmp_path):
    notes = tmp_path / "notes.sqlite"
    notes.write_text("these are my meeting notes, not a database\n" * 50)
    with pytest.raises(LedgerError, match="is not an engagement ledger"):
        Ledger(notes)
    assert notes.read_text().startswith("these are my meeting notes")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_dates_outside_the_ledgers_range_are_refused(tmp_path, day):
    book = Ledger(tmp_path / "city.ledger.sqlite")
    with pytest.raises(LedgerError) as raised:
        book.add({**ENTRY, "date": day}, user="tester")
    assert raised.value.errors["date"] == "expected a date from 1900-01-01 to 2199-12-31"
    assert book.entries().empty


def test_an_sqlite_file_given_as_the_warehouse_says_what_it_is(tmp_path):
    ledger_file = tmp_path / "city.ledger.sqlite"
    Ledger(ledger_file).add(ENTRY, user="tester")
    with pytest.raises(store.StoreError, match="is an SQLite file .*not a warehouse"):
        Store(ledger_file)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_ledger_files_and_their_sidecars_are_git_ignored():
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    names = ["data/warehouse.ledger.sqlite", "data/st_louis.ledger.sqlite-wal", "data/st_louis.ledger.sqlite-shm",
             "elsewhere/o'fallon.ledger.sqlite", "data/warehouse.duckdb.tmp-123-abc", "data/warehouse.duckdb.read-9-0"]
    found = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=root, capture_output=True, text=True)
    assert sorted(found.stdout.split("\n")[:-1]) == sorted(names)
