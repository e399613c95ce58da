"""Entries recorded in the engagement ledger count at once: in the library, the CLI and the pages."""

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from community_policing.views import metrics
from community_policing.ledger.book import Ledger
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, Store

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
ENTRY = {"date": "2024-03-20", "district_id": "2", "type": "feedback_session", "title": "Listening session",
         "attendees": 25, "officer_hours": 6}


def test_library_and_cli_count_ledger_entries(tiny_db, tmp_path):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    book = Ledger(tmp_path / "ledger.sqlite")
    with Store(db, ledger=book.path) as s:
        before = metrics.area_comparison(s, *MARCH).set_index("area_id")
    entry_id = book.add(ENTRY, user="officer.ana")
    with Store(db, ledger=book.path) as s:
        after = metrics.area_comparison(s, *MARCH).set_index("area_id")
        assert s.ledger_version() > 0
    assert after.loc["2", "engagement_events"] == before.loc["2", "engagement_events"] + 1
    assert after.loc["2", "officer_hours"] == before.loc["2", "officer_hours"] + 6
    book.delete(entry_id, user="officer.ana", reason="duplicate")
    out = subprocess.run([sys.executable, "-m", "community_policing", "districts", "--db", str(db), "--start",
                          "2024-03-01", "--end", "2024-03-31", "--format", "json"], capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, LEDGER_ENV_VAR: str(book.path)})
    rows = {r["area_id"]: r for r in json.loads(out.stdout)}
    assert rows["2"]["engagement_events"] == before.loc["2", "engagement_events"]  # soft-deleted: not counted


def test_a_new_entry_shows_on_the_overview_at_once(tiny_db, tmp_path, monkeypatch):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    at = AppTest.from_file(APP, default_timeout=60).run()  # last 12 months, ending 2024-03-04
    assert not at.exception
    before = at.metric[1].value
    Ledger(tmp_path / "ledger.sqlite").add({**ENTRY, "date": "2024-03-01"}, user="officer.ana")
    at.run()
    assert not at.exception
    assert int(at.metric[1].value) == int(before) + 1


def test_an_empty_ledger_file_breaks_nothing(tiny_db, tmp_path):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    book = Ledger(tmp_path / "ledger.sqlite")  # created, nothing recorded yet
    with Store(db, ledger=book.path) as s:
        assert s.ledger_version() == 0
        assert metrics.area_comparison(s, *MARCH)["engagement_events"].sum() >= 0
