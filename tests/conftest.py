"""Shared fixtures: a real DuckDB warehouse built from the demo generator, and a tiny city with
hand-countable numbers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
import shapely

from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, write_database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
DEMO_SEED = 7


def shared_data_or_skip(*parts: str) -> Path:
    """A path under ../shared/data; skip when it is absent, except in CI where it must exist."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture(scope="session")
def demo_tables() -> dict[str, pd.DataFrame]:
    from community_policing.data.demo import generate_demo_city

    return generate_demo_city(seed=DEMO_SEED)


@pytest.fixture(scope="session")
def demo_db(demo_tables, tmp_path_factory) -> Path:
    """A real warehouse file holding the demo city (built once per test session)."""
    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    write_database(demo_tables, path)
    return path


def tiny_city_tables() -> dict[str, pd.DataFrame]:
    """Two districts, three neighborhoods (one a park of 120 residents) and a handful of
    incidents whose counts can be checked by hand."""
    west = shapely.box(-92.0, 38.0, -91.9, 38.1)
    east = shapely.box(-91.9, 38.0, -91.8, 38.1)
    districts = pd.DataFrame({
        "id": ["1", "2"], "name": ["West", "East"], "geometry": [west, east],
        "population": [10_000, 5_000], "population_year": [2020, 2020], "sworn_officers": [20, 10],
    })
    neighborhoods = pd.DataFrame({
        "id": ["A", "B", "P"], "name": ["Alpha", "Beta", "Park"], "district_id": ["1", "1", "2"],
        "geometry": [shapely.box(-92.0, 38.0, -91.95, 38.1), shapely.box(-91.95, 38.0, -91.9, 38.1), east],
        "population": [6_000, 4_000, 120],
    })
    offense_groups = pd.DataFrame({
        "offense_group": ["robbery", "larceny", "vandalism"], "label": ["Robbery", "Larceny", "Vandalism"],
        "category": ["violent", "property", "other"], "ucr_part": [1, 1, 2],
    })
    rows = [
        # id, occurred, reported, group, district, neighborhood, count
        ("i1", "2024-03-01 10:00", "2024-03-01 11:00", "robbery", "1", "A", 1),
        ("i2", "2024-03-02 22:00", "2024-03-05 09:00", "larceny", "1", "B", 1),
        ("i3", "2024-03-03 01:00", "2024-03-03 02:00", "larceny", "2", "P", 1),
        ("i4", "2024-03-04 12:00", "2024-03-04 12:30", "vandalism", None, None, 1),
        ("i2-C", "2024-03-02 22:00", "2024-04-10 09:00", "larceny", "1", "B", -1),  # correction of i2
        ("p1", "2023-03-01 10:00", "2023-03-01 10:00", "robbery", "1", "A", 1),
        ("p2", "2023-03-10 10:00", "2023-03-10 10:00", "robbery", "1", "A", 1),
        ("p3", "2023-03-11 10:00", "2023-03-11 10:00", "larceny", "1", "B", 1),
        ("x1", "2024-02-28 23:00", "2024-03-01 08:00", "larceny", "2", "P", 1),  # reported inside, occurred outside
    ]
    incidents = pd.DataFrame(rows, columns=["id", "occurred_at", "reported_at", "offense_group",
                                            "district_id", "neighborhood_id", "count"])
    incidents["occurred_at"] = pd.to_datetime(incidents["occurred_at"])
    incidents["reported_at"] = pd.to_datetime(incidents["reported_at"])
    incidents["offense_code"] = None
    incidents["offense_description"] = None
    incidents["lon"] = None
    incidents["lat"] = None
    incidents["occurred_note"] = None
    incidents["offense_rows"] = 1
    incidents["corrects_id"] = incidents["id"].where(incidents["count"] == -1).str.removesuffix("-C")
    engagement = pd.DataFrame({
        "id": ["e1", "e2", "e3"], "date": [dt.date(2024, 3, 5), dt.date(2024, 3, 6), dt.date(2023, 3, 6)],
        "district_id": ["1", "1", "2"], "neighborhood_id": ["A", None, "P"],
        "type": ["community_meeting", "foot_patrol", "neighborhood_event"], "attendees": [20, 5, 100],
        "officer_hours": [3.0, 8.0, 12.0], "cost": [0.0, 0.0, 500.0], "lon": [None] * 3, "lat": [None] * 3,
    })
    trust = pd.DataFrame({
        "period_start": [dt.date(2024, 3, 1), dt.date(2024, 3, 1), dt.date(2023, 3, 1)],
        "period_end": [dt.date(2024, 3, 31), dt.date(2024, 3, 31), dt.date(2023, 3, 31)],
        "district_id": ["1", "2", "1"], "measure": ["trust", "trust", "trust"],
        "score": [60.0, 40.0, 50.0], "respondents": [100, 50, 80], "margin_of_error": [4.9, 6.9, 5.5],
    })
    metadata = pd.DataFrame({"key": ["city_name", "is_simulated", "source"],
                             "value": ["Tiny Test City", "true", "hand-made test fixture"]})
    empty = {name: pd.DataFrame(columns=cols) for name, cols in {
        "training": ["date", "district_id", "unit", "course", "officers", "hours"],
        "programs": ["name", "district_id", "start_date", "end_date", "description", "annual_cost"],
        "demo_truth": ["program", "outcome", "relative_effect"],
    }.items()}
    return {"metadata": metadata, "districts": districts, "neighborhoods": neighborhoods,
            "offense_groups": offense_groups, "incidents": incidents, "engagement_events": engagement,
            "trust_surveys": trust, **empty}


def thin_city_tables() -> dict[str, pd.DataFrame]:
    """A new city: the tiny city with its incidents of 2024 only (nothing loaded a year earlier), one incident
    whose occurrence date is a placeholder (unknown), no corrections, and a park with no population figure."""
    tables = tiny_city_tables()
    incidents = tables["incidents"]
    incidents = incidents[(incidents["reported_at"].dt.year == 2024) & (incidents["count"] == 1)].copy()
    unknown = incidents.iloc[[0]].assign(id="u1", occurred_at=pd.NaT, reported_at=pd.Timestamp("2024-03-02 09:00"),
                                         occurred_note="placeholder occurrence date 01/01/1900")
    tables["incidents"] = pd.concat([incidents, unknown], ignore_index=True)
    tables["incidents"]["corrects_id"] = None
    tables["neighborhoods"] = tables["neighborhoods"].assign(
        population=pd.array([6_000, 4_000, None], dtype="Int64"))
    tables["metadata"] = pd.DataFrame({"key": ["city_name", "is_simulated", "source"],
                                       "value": ["Thin Test City", "false", "hand-made test fixture, one year"]})
    return tables


@pytest.fixture(scope="session")
def thin_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("thin") / "thin.duckdb"
    write_database(thin_city_tables(), path)
    return path


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    write_database(tiny_city_tables(), path)
    return path


@pytest.fixture
def ledger_env(tiny_db, tmp_path, monkeypatch):
    db = tmp_path / "tiny.duckdb"
    shutil.copy(tiny_db, db)
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(ledger))
    return ledger


@pytest.fixture
def staff_app(tmp_path):
    """dashboard.py copied away from the pages/ folder, with absolute page paths.

    AppTest starts every run in Streamlit's older pages/-folder mode when a pages/ folder sits next
    to the script; the app then reruns through the entrypoint (session._ensure_entrypoint), which drops a
    form's submit click. A real server leaves that mode for good on its first run, so forms work
    there; away from pages/, AppTest runs the way the server does.
    """
    source = (PROJECT_ROOT / "dashboard.py").read_text().replace('st.Page("pages/', f'st.Page("{PROJECT_ROOT}/pages/')
    path = tmp_path / "dashboard_copy.py"
    path.write_text(f"import sys\nsys.path.insert(0, {str(PROJECT_ROOT)!r})\n" + source)
    return str(path)


@pytest.fixture(scope="session")
def stl(tmp_path_factory):
    """St. Louis loaded from the SLMPD files through data/cities/st_louis/city.toml, once per session (it
    takes close to a minute): (warehouse path, load summary, read-only SQL helper). Skips when the shared data
    are absent (not under CI=true)."""
    import duckdb

    from community_policing.data import store
    from community_policing.data.loader import load_city

    source = shared_data_or_skip("stl_crime_slmpd_monthly").parent
    db = tmp_path_factory.mktemp("stl") / "stl.duckdb"
    summary = load_city(PROJECT_ROOT / "data" / "cities" / "st_louis" / "city.toml", source, db)
    # Same configuration as the app's Store, so both can share the file within this process.
    con = duckdb.connect(str(db), read_only=True, config=store._DUCKDB_CONFIG)
    yield db, summary, lambda sql: con.execute(sql).df()
    con.close()


def open_tables(at):
    """``at`` (an AppTest not yet run) with every "Show the numbers" and other on-request section open, as
    ``?tables=open`` gives a reader: tests that read a page's tables, downloads and text see all of them."""
    from community_policing.web import display

    at.session_state[display.TABLES_OPEN_STATE] = True
    return at
