"""Issue 15, loader: faults and attacks performed for real and checked where a user sees them.

* Every reject keeps its line's text (rejects.raw), shown where the Data page lists rejects.
* A rejected record that runs over many file lines (a stray quote closed by another) is said loudly.
* The same month given twice (another name, gzip, a republished copy with the rows in another order)
  is counted once; SLMPD corrections coded in a later month survive.
* A hostile or careless manifest (format-string fields, a huge year, absolute paths and '..', wrong
  types, [incidents] as a table) is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from community_policing import cli
from community_policing.data import data_admin, loader

SLMPD_HEADER = (
    "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,FlagCleanup,"
    "Crime,District,Description,ILEADSAddress,ILEADSStreet,Neighborhood,LocationName,"
    "LocationComment,CADAddress,CADStreet,XCoord,YCoord"
)
GENERIC_HEADER = "case,occurred,offense,zone,notes"

MANIFEST = """
name = "Fault Town"
source = "test fixture"

[districts]
file = "districts.geojson"
id_field = "DIST"
name_template = "District {id}"

[[incidents]]
files = "slmpd/*"
profile = "slmpd"
district_codes_from = "2014-01"

[[incidents]]
files = "generic*.csv"
[incidents.columns]
id = "case"
occurred_at = "occurred"
offense_description = "offense"
district_id = "zone"
[incidents.offense_groups]
column = "offense"
map = { THEFT = "larceny", ROBBERY = "robbery" }
default = "other"
"""


def slmpd_row(i: int, month: int = 3, count: int = 1, crime: str = " 31111", desc: str = "ROBBERY",
              day: int | None = None, occurred_month: int | None = None) -> str:
    day = day or 1 + i % 27
    om = occurred_month or month
    return (f"15-{i:06d} ,2015-{month:02d},{om:02d}/{day:02d}/2015 10:00,Y, , ,{count}, ,{crime},4,{desc}  ,"
            f"100,MARKET ST,35, , ,100,MARKET,{906000 + i},{1020000 + i}")


def write_lines(path: Path, lines: list[str], crlf: bool = True, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


MARCH = [slmpd_row(i) for i in range(1, 41)]
# April: new records, and complaint 15-000005 of March coded again: a -1 correction and its +1 re-code.
APRIL = [slmpd_row(i, month=4) for i in range(101, 121)] + [
    slmpd_row(5, month=4, count=-1, occurred_month=3, day=6),
    slmpd_row(5, month=4, count=1, occurred_month=3, day=6, crime=" 41111", desc="AGG ASSAULT")]


def write_city(folder: Path, generic: list[str] | None = None) -> Path:
    """A one-district city over St. Louis: SLMPD months in slmpd/, and a generic CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    box = json.loads(shapely.to_geojson(shapely.box(-90.40, 38.50, -90.10, 38.80)))
    layer = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"DIST": "4"}, "geometry": box}]}
    (folder / "districts.geojson").write_text(json.dumps(layer))
    (folder / "city.toml").write_text(MANIFEST)
    write_lines(folder / "slmpd" / "March2015.CSV", [SLMPD_HEADER] + MARCH)
    write_lines(folder / "slmpd" / "April2015.CSV", [SLMPD_HEADER] + APRIL)
    write_lines(folder / "generic.csv", generic or [GENERIC_HEADER, "G1,2015-03-02 10:00,THEFT,4,ok"])
    return folder / "city.toml"


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def query(db: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


# --- 1. rejects.raw ----------------------------------------------------------------------------------


def test_every_reject_keeps_its_line_text_and_the_data_page_query_shows_it(tmp_path):
    cut_short = "G2,2015-03-03 10:00,THEFT"
    bad_date = "G3,31/03/2015 99:00,THEFT,4,ok"
    manifest = write_city(tmp_path / "src", [GENERIC_HEADER, "G1,2015-03-02 10:00,THEFT,4,ok", cut_short, bad_date])
    not_a_crime = slmpd_row(7).replace(",Y, ,", ",N, ,")
    write_lines(tmp_path / "src" / "slmpd" / "March2015.CSV", [SLMPD_HEADER] + MARCH[:6] + [not_a_crime] + MARCH[7:])
    db = tmp_path / "db.duckdb"
    code, _, err = run_cli("load", manifest, "--source-dir", tmp_path / "src", "--db", db)
    assert code == 0, err
    batch = query(db, "SELECT batch_id FROM load_batches")["batch_id"][0]
    shown = data_admin.rejects(db, batch).set_index(["file", "line"])  # queries/warehouse_rejects.sql
    assert "raw" in shown.columns
    assert shown.loc[("generic.csv", 3), "raw"] == cut_short          # cut short: found by the reader
    assert shown.loc[("generic.csv", 4), "raw"] == bad_date           # bad date: found by the loader
    assert shown.loc[("slmpd/March2015.CSV", 8), "raw"].strip() == not_a_crime.strip()   # excluded by rule
    assert shown.loc[("slmpd/March2015.CSV", 8), "kind"] == "excluded"


# --- 2. one reject over many lines -------------------------------------------------------------------


def test_a_stray_quote_closed_lines_later_is_a_loud_warning_naming_the_lines(tmp_path):
    rows = [GENERIC_HEADER, "G1,2015-03-02 10:00,THEFT,4,ok", 'G2,2015-03-03 10:00,THEFT,4,"stray quote']
    rows += [f"G{i},2015-03-{i + 1:02d} 10:00,THEFT,4,ok" for i in range(3, 8)]
    rows += ['G8,2015-03-09 10:00,THEFT,4,closing" quote,extra', "G9,2015-03-10 10:00,THEFT,4,ok"]
    manifest = write_city(tmp_path / "src", rows)
    code, out, _ = run_cli("check", manifest, "--source-dir", tmp_path / "src")
    warning = [line for line in out.splitlines() if "WARNING" in line]
    assert len(warning) == 1, out
    assert "generic.csv" in warning[0] and "lines 3-9, 7 lines" in warning[0] and "1 rejected record" in warning[0]
    # The load says it too, and keeps it in the data note.
    db = tmp_path / "db.duckdb"
    code, _, err = run_cli("load", manifest, "--source-dir", tmp_path / "src", "--db", db)
    assert code == 0 and "WARNING: generic.csv (incidents): 1 rejected record(s)" in err
    note = query(db, "SELECT value FROM metadata WHERE key = 'load_notes'")["value"][0]
    assert "lines 3-9" in note
    # What the reject keeps is the whole record as the file wrote it.
    raw = query(db, "SELECT raw FROM rejects WHERE file = 'generic.csv' AND line = 3")["raw"][0]
    assert raw.count("\n") == 6 and raw.startswith("G2,") and raw.endswith("extra")


def test_a_stray_quote_that_makes_one_loadable_row_of_many_lines_is_said_too(tmp_path):
    rows = [GENERIC_HEADER, 'G1,2015-03-02 10:00,THEFT,4,"stray quote']
    rows += [f"G{i},2015-03-{i + 1:02d} 10:00,THEFT,4,ok" for i in range(2, 6)] + ['G6,2015-03-07 10:00,THEFT,4,ok"']
    manifest = write_city(tmp_path / "src", rows)
    city = loader.read_city(manifest, tmp_path / "src")
    assert any("1 loaded record(s)" in w and "lines 2-7" in w for w in city.log.warnings), city.log.warnings


def test_ordinary_files_give_no_warning(tmp_path):
    manifest = write_city(tmp_path / "src")
    assert loader.read_city(manifest, tmp_path / "src").log.warnings == []


# --- 3. the same records twice -----------------------------------------------------------------------


def districts_output(db: Path) -> str:
    code, out, err = run_cli("districts", "--db", db, "--start", "2015-03-01", "--end", "2015-04-30", "--format", "csv")
    assert code == 0, err
    return out


def test_a_month_given_twice_is_counted_once_and_corrections_survive(tmp_path):
    single = write_city(tmp_path / "single")
    code, _, err = run_cli("load", single, "--source-dir", tmp_path / "single", "--db", tmp_path / "single.duckdb")
    assert code == 0, err
    twice = write_city(tmp_path / "twice")
    folder = tmp_path / "twice" / "slmpd"
    shutil.copy(folder / "March2015.CSV", folder / "March2015 (1).CSV")              # the same bytes, another name
    write_lines(folder / "April2015.csv.gz", [SLMPD_HEADER] + APRIL, gz=True)          # the same rows, gzipped
    write_lines(folder / "March2015 republished.CSV", [SLMPD_HEADER] + MARCH[::-1], crlf=False)  # other order
    db = tmp_path / "twice.duckdb"
    code, _, err = run_cli("load", twice, "--source-dir", tmp_path / "twice", "--db", db)
    assert code == 0, err
    assert districts_output(db) == districts_output(tmp_path / "single.duckdb")
    count = "SELECT COUNT(*) AS n FROM incidents WHERE count = {}"
    for sign in (1, -1):
        assert query(db, count.format(sign))["n"][0] == query(tmp_path / "single.duckdb", count.format(sign))["n"][0]
    assert query(db, count.format(-1))["n"][0] == 1                                   # the correction survives
    assert query(db, "SELECT COUNT(*) AS n FROM incidents WHERE corrects_id IS NOT NULL")["n"][0] == 1
    # The summary says how many records each file repeats, and from which file.
    assert "22 records in slmpd/April2015.csv.gz repeat records already read from slmpd/April2015.CSV: counted once" \
        in err
    assert "40 records in slmpd/March2015 republished.CSV repeat records already read from slmpd/March2015 (1).CSV" \
        in err
    assert "March2015.CSV: same bytes as slmpd/March2015 (1).CSV" in err or \
        query(db, "SELECT note FROM load_files WHERE file = 'slmpd/March2015.CSV'")["note"][0].startswith("same bytes")
    # Each copy is a duplicate reject naming the file and line of the copy kept; every file balances.
    dup = query(db, "SELECT file, line, reason, kind FROM rejects WHERE file = 'slmpd/March2015 republished.CSV' "
                    "ORDER BY line")
    assert len(dup) == 40 and set(dup["kind"]) == {"duplicate"}
    assert dup["reason"].iloc[0].startswith("duplicate of slmpd/March2015 (1).CSV line 41")  # reversed: last first
    files = query(db, "SELECT * FROM load_files")
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_merged"] + files["rows_rejected"]).all()


def test_a_record_twice_inside_one_file_is_left_to_the_file(tmp_path):
    manifest = write_city(tmp_path / "src")
    write_lines(tmp_path / "src" / "slmpd" / "March2015.CSV", [SLMPD_HEADER] + MARCH + [MARCH[0]])
    city = loader.read_city(manifest, tmp_path / "src")
    assert (city.tables["incidents"]["count"] == 1).sum() == len(MARCH) + 1 + 21 + 1  # + April + generic
    assert not any("repeat records" in n for n in city.log.notes)


# --- 4. the manifest ---------------------------------------------------------------------------------

ATTACKS = [
    ('name_template = "District {id}"', 'name_template = "District {0}"', "[districts] name_template"),
    ('name_template = "District {id}"', 'name_template = "{x.__class__}"', "[districts] name_template"),
    ('name_template = "District {id}"', 'name_template = "{id.__class__.__mro__}"', "[districts] name_template"),
    ('name_template = "District {id}"', 'name_template = "{id:>999999999}"', "[districts] name_template"),
    ('source = "test fixture"', 'source = "x"\n[population]\nfile = "p.csv"\nlevel = "district"\nkey = "z"\n'
                                'column = "n"\nyear = 99999999999999999999', "[population] year"),
    ('files = "generic*.csv"', 'files = "/etc/*.csv"', "[[incidents]] entry 2 files"),
    ('file = "districts.geojson"', 'file = "/etc/passwd"', "[districts] file"),
    ('files = "generic*.csv"', 'files = "slmpd/../../*.csv"', "[[incidents]] entry 2 files"),
    ('[districts]\nfile = "districts.geojson"\nid_field = "DIST"\nname_template = "District {id}"\n',
     'districts = "districts.geojson"\n', "districts must be one table"),
    ('id_field = "DIST"', "id_field = 5", "[districts] id_field"),
    ('district_id = "zone"', "district_id = 4", "[[incidents]] entry 2 columns.district_id"),
    ('district_codes_from = "2014-01"', "district_codes_from = 2014", "[[incidents]] entry 1 district_codes_from"),
    ('profile = "slmpd"', 'profile = ["slmpd"]', "[[incidents]] entry 1 profile"),
    ('[incidents.columns]', '[incidents.columns]\nlon = { x = 1 }', "[[incidents]] entry 2 columns.lon"),
    ('district_codes_from = "2014-01"\n\n[[incidents]]', 'district_codes_from = "2014-01"\n\n[[engagement_events]]',
     "incidents must be an array of tables"),  # with the first [[incidents]] made [incidents] below
]


@pytest.mark.parametrize("command", ["check", "load"])
@pytest.mark.parametrize("old,new,key", ATTACKS, ids=[a[2] + " " + a[1][:18] for a in ATTACKS])
def test_a_bad_manifest_is_one_line_naming_the_file_and_key(tmp_path, command, old, new, key):
    manifest = write_city(tmp_path / "src")
    text = manifest.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    if key.startswith("incidents must be"):
        text = text.replace("[[incidents]]", "[incidents]", 1)
    manifest.write_text(text)
    db = tmp_path / "db.duckdb"
    code, out, err = run_cli(command, manifest, "--source-dir", tmp_path / "src", "--db", db) if command == "load" \
        else run_cli(command, manifest, "--source-dir", tmp_path / "src")
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(manifest) in lines[0] and key in lines[0], lines[0]
    assert "expected" in lines[0] or "must be" in lines[0]
    assert not db.exists()


def test_the_error_through_a_real_process_has_no_traceback(tmp_path):
    import subprocess
    import sys

    manifest = write_city(tmp_path / "src")
    manifest.write_text(manifest.read_text().replace('"District {id}"', '"{x.__class__}"'))
    out = subprocess.run([sys.executable, "-m", "community_policing", "load", str(manifest), "--source-dir",
                          str(tmp_path / "src"), "--db", str(tmp_path / "db.duckdb")], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        f"error: {manifest}: [districts] name_template: expected text whose only field is {{id}} "
        "(\"District {id}\"), not '{x.__class__}'"]


def test_a_glob_never_hands_a_folder_to_a_reader(tmp_path):
    manifest = write_city(tmp_path / "src")
    (tmp_path / "src" / "slmpd" / "May2015.csv").mkdir()  # a folder the glob matches
    city = loader.read_city(manifest, tmp_path / "src")
    assert "slmpd/May2015.csv" not in {f["file"] for f in city.log.files}
