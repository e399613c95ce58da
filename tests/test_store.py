"""The store: tables from the schema, read-only access, named queries, build-then-swap."""

import subprocess
import sys

import pytest

from community_policing.data import schema, store
from community_policing.data.store import DatabaseLocked, DatabaseMissing, Store, write_database
from tests.conftest import tiny_city_tables


def test_every_schema_table_is_created_with_its_columns(tiny_db):
    import duckdb

    con = duckdb.connect(str(tiny_db), read_only=True)
    try:
        for t in schema.load_schema().values():
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [t.name]).fetchall()]
            assert cols == list(t.column_names), t.name
    finally:
        con.close()


def test_named_queries_bind_parameters_and_reject_bad_names(tiny_db):
    with Store(tiny_db) as s:
        areas = s.query("areas", level="district")
        assert list(areas["area_id"]) == ["1", "2"]
        with pytest.raises(ValueError, match="invalid query name"):
            s.query("../etc/passwd")
        with pytest.raises(ValueError, match="no query named"):
            s.query("does_not_exist")


def test_store_is_read_only(tiny_db):
    with Store(tiny_db) as s:
        with pytest.raises(Exception, match="read-only"):
            s._con.execute("DELETE FROM districts")


def test_missing_database_says_how_to_build_one(tmp_path):
    with pytest.raises(DatabaseMissing, match="community_policing demo"):
        Store(tmp_path / "nothing.duckdb")


def test_failed_build_leaves_the_live_file_as_it_was(tmp_path):
    path = tmp_path / "w.duckdb"
    write_database(tiny_city_tables(), path)
    before = path.read_bytes()
    with pytest.raises(RuntimeError, match="boom"):
        with store.building(path) as con:
            store.insert_frame(con, "districts", tiny_city_tables()["districts"])
            raise RuntimeError("boom")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]  # no temporary files left


def test_invalid_rows_stop_a_build_with_a_specific_message(tmp_path):
    tables = tiny_city_tables()
    tables["incidents"].loc[0, "count"] = 2
    with pytest.raises(schema.SchemaError, match="incidents: 1 invalid row.*column count = '2'.*expected one of 1, -1"):
        write_database(tables, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


def test_readers_see_a_rebuild_through_an_atomic_swap(tmp_path):
    path = tmp_path / "w.duckdb"
    write_database(tiny_city_tables(), path)
    reader = Store(path)
    assert not reader.is_stale()
    tables = tiny_city_tables()
    tables["districts"].loc[0, "name"] = "Renamed"
    write_database(tables, path)  # while the reader holds the old file open
    assert reader.is_stale()
    assert reader.query("areas", level="district")["area_name"].iloc[0] == "West"  # old snapshot, no error
    reader.close()
    with Store(path) as fresh:
        assert fresh.query("areas", level="district")["area_name"].iloc[0] == "Renamed"


def test_other_processes_can_read_while_the_app_reads(tiny_db):
    with Store(tiny_db):
        code = ("from community_policing.data.store import Store; "
                f"s = Store({str(tiny_db)!r}); print(len(s.query('areas', level='neighborhood')))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "3"


def test_a_file_held_read_write_elsewhere_gives_a_plain_message(tmp_path):
    path = tmp_path / "w.duckdb"
    write_database(tiny_city_tables(), path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseLocked, match="being written by another process"):
            Store(path)
    finally:
        holder.kill()
        holder.wait()


def test_database_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(store.DB_ENV_VAR, str(tmp_path / "x.duckdb"))
    assert store.resolve_db_path() == tmp_path / "x.duckdb"
    assert store.resolve_db_path("other.duckdb").name == "other.duckdb"
    monkeypatch.delenv(store.DB_ENV_VAR)
    assert store.resolve_db_path() == store.DEFAULT_DB_PATH


def test_map_shapes_are_prepared_for_every_area(tiny_db):
    from community_policing.data import geo

    with Store(tiny_db) as s:
        for level, ids in (("district", {"1", "2"}), ("neighborhood", {"A", "B", "P"})):
            features = geo.area_features(s, level)
            assert {f["id"] for f in features["features"]} == ids
            assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features["features"])
            assert all(f["properties"]["name"] for f in features["features"])


def test_a_file_from_another_schema_version_is_refused_with_the_fix(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    write_database(tiny_city_tables(), path)
    monkeypatch.setattr(schema, "fingerprint", lambda: "something-else")
    with pytest.raises(store.DatabaseOutdated, match="rebuild it: `make demo`"):
        Store(path)
