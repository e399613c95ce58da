"""Issue 13: the README documents every manifest key, and a city written from the README alone loads.

The README's complete example (a city whose areas are ZIP codes: a headerless population table with
thousands separators, an incident export with one row per person and NIBRS codes) is read out of the
README itself, given files shaped like such a city's exports, and loaded, with every row accounted for.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from community_policing.data import manifest_keys
from community_policing.data.importers.errors import ManifestError
from community_policing.data.loader import check_city, load_city

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_readme_reference_is_the_generated_one():
    text = README.read_text(encoding="utf-8")
    block = text[text.index(manifest_keys.BEGIN):text.index(manifest_keys.END) + len(manifest_keys.END)]
    assert block == manifest_keys.markdown(), "run: python -m community_policing.data.manifest_keys --write"


def test_every_mapping_target_is_a_schema_column_or_documented_source_column():
    from community_policing.data import schema

    for section, table in manifest_keys.COLUMN_TARGETS.items():
        columns = set(schema.table(table).column_names)
        extra = set(manifest_keys.SOURCE_ONLY_TARGETS.get(section, {}))
        assert set(manifest_keys.mapping_targets(section)) <= columns | extra


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    part = text[text.index("### A complete example"):]
    return re.search(r"```toml\n(.*?)```", part, re.S).group(1)


def square(lon: float, lat: float, size: float = 0.05) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def write_zip_city(src: Path) -> Path:
    """Files shaped like a real ZIP-code city's exports, for the README's example manifest."""
    src.mkdir(parents=True, exist_ok=True)
    features = [{"type": "Feature", "properties": {"ZCTA5CE20": z},
                 "geometry": {"type": "Polygon", "coordinates": square(lon, 38.0)}}
                for z, lon in (("63101", -92.0), ("63102", -91.95), ("63103", -91.9))]
    (src / "zips.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    # No header line; numbers as the census tables write them; one unreadable, one ZIP not on the map.
    (src / "population.csv").write_text('63101,"13,343",512\n63102,"2,001",130\n63103,n/a,0\n63199,"4,000",10\n')
    (src / "incidents").mkdir(exist_ok=True)
    header = "Report_No,From_Date,Reported_Date,IBRS,Description,Zip Code,Longitude,Latitude,Involvement\n"
    rows = [
        # one report, three people: a murder and a theft from the same scene -> one homicide incident
        "R1,01/05/2024 22:10,01/05/2024 23:00,23H,ALL OTHER LARCENY,63101,-91.98,38.02,VIC\n",
        "R1,01/05/2024 22:10,01/05/2024 23:00,09A,MURDER,63101,-91.98,38.02,VIC\n",
        "R1,01/05/2024 22:10,01/05/2024 23:00,09A,MURDER,63101,-91.98,38.02,SUS\n",
        "R2,01/06/2024 10:00,01/06/2024 10:30,13A,AGGRAVATED ASSAULT,63102,-91.93,38.02,VIC\n",
        "R3,01/07/2024 09:00,01/07/2024 12:00,23F,THEFT FROM MOTOR VEHICLE,63103,,,VIC\n",
        "R3,01/07/2024 09:00,01/07/2024 12:00,290,DESTRUCTION/DAMAGE/VANDALISM,63103,,,VIC\n",
        "R4,01/08/2024 09:00,01/08/2024 09:30,ZZZ,UNKNOWN CODE,63101,-91.98,38.02,VIC\n",  # no mapping
        "R5,13/45/2024 09:00,01/09/2024 09:30,240,MOTOR VEHICLE THEFT,63102,-91.93,38.02,VIC\n",  # bad date
        "R6,01/09/2024 09:00,01/09/2024 09:30,120,ROBBERY CAFÉ,,-91.93,38.02,VIC\n",  # placed by coordinates
    ]
    body = (header + "".join(rows)).encode("utf-8")
    body = body.replace("CAFÉ".encode("utf-8"), "CAFÉ".encode("latin-1"))  # one Latin-1 line
    (src / "incidents" / "2024-01.csv").write_bytes(b"\xef\xbb\xbf" + body)  # and a byte-order mark
    manifest = src / "city.toml"
    manifest.write_text(readme_example())
    return manifest


@pytest.fixture(scope="module")
def zip_city(tmp_path_factory):
    src = tmp_path_factory.mktemp("zipcity") / "src"
    manifest = write_zip_city(src)
    db = src.parent / "zip.duckdb"
    summary = load_city(manifest, src, db)
    con = duckdb.connect(str(db), read_only=True)
    yield src, manifest, summary, lambda sql: con.execute(sql).df()
    con.close()


def test_zip_city_from_the_readme_accounts_for_every_row(zip_city):
    _, _, summary, q = zip_city
    files = q("SELECT * FROM load_files").set_index("file")
    inc = files.loc["incidents/2024-01.csv"]
    assert inc["rows_read"] == 9
    # 5 incidents (R1, R2, R3, R6 ... and R4/R5 rejected), 3 rows merged into an incident, 2 rejected
    assert (inc["rows_loaded"], inc["rows_merged"], inc["rows_rejected"]) == (4, 3, 2)
    assert inc["rows_read"] == inc["rows_loaded"] + inc["rows_merged"] + inc["rows_rejected"]
    assert "1 line(s) read as Windows-1252/Latin-1" in inc["note"]
    pop = files.loc["population.csv"]
    assert (pop["rows_read"], pop["rows_loaded"], pop["rows_rejected"]) == (4, 2, 2)
    assert files.loc["zips.geojson", "rows_loaded"] == 3
    rejects = q("SELECT file, line, \"column\", value, reason FROM rejects ORDER BY file, line")
    by_line = {(r.file, r.line): r for r in rejects.itertuples()}
    assert by_line[("population.csv", 3)].value == "n/a" and "expected a number" in by_line[("population.csv", 3)].reason
    assert by_line[("population.csv", 4)].value == "63199" and "not an id" in by_line[("population.csv", 4)].reason
    assert by_line[("incidents/2024-01.csv", 8)].value == "ZZZ"
    assert by_line[("incidents/2024-01.csv", 8)].reason.startswith("offense value not mapped")
    assert by_line[("incidents/2024-01.csv", 9)].column == "From_Date"  # the source column, as written
    assert "date_format '%m/%d/%Y %H:%M'" in by_line[("incidents/2024-01.csv", 9)].reason
    assert any("merged into an incident 3" in line for line in summary.lines())


def test_zip_city_incidents_take_their_most_serious_offense(zip_city):
    _, _, _, q = zip_city
    incidents = q("SELECT id, offense_group, offense_code, offense_rows, district_id, offense_description "
                  "FROM incidents ORDER BY id").set_index("id")
    assert list(incidents.index) == ["R1", "R2", "R3", "R6"]
    assert incidents.loc["R1", "offense_group"] == "homicide" and incidents.loc["R1", "offense_rows"] == 3
    assert incidents.loc["R1", "offense_code"] == "09A"
    assert incidents.loc["R3", "offense_group"] == "larceny"  # 23F above 290 vandalism
    assert incidents.loc["R6", "district_id"] == "63102"  # no ZIP written: placed by its coordinates
    assert incidents.loc["R6", "offense_description"] == "ROBBERY CAFÉ"
    offenses = q("SELECT incident_id, offense_group FROM incident_offenses ORDER BY ALL")
    assert len(offenses) == 7  # every valid row stays available as an offense
    assert (offenses["incident_id"] == "R1").sum() == 3
    districts = q("SELECT id, name, population FROM districts ORDER BY id").set_index("id")
    assert districts.loc["63101", "population"] == 13_343 and districts.loc["63101", "name"] == "ZIP 63101"
    assert districts["population"].isna().sum() == 1  # 63103's figure was unreadable: no population, not 0


def test_check_reports_without_writing_and_exits_1_on_rejects(zip_city, tmp_path):
    src, manifest, _, _ = zip_city
    report = check_city(manifest, src)
    assert not report.ok and report.failures == 4
    assert list(report.unmapped_offenses["value"]) == ["ZZZ"]
    assert list(report.areas_without_population["id"]) == ["63103"]
    assert report.incidents == 4 and str(report.first_occurred) == "2024-01-05"
    out = subprocess.run([sys.executable, "-m", "community_policing", "check", str(manifest), "--source-dir", str(src)],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 1, out.stderr
    assert "'ZZZ' (IBRS): 1 row(s)" in out.stdout and "areas without population (1): district 63103" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    # A clean source checks ok (exit 0).
    clean = tmp_path / "clean"
    manifest2 = write_zip_city(clean)
    (clean / "population.csv").write_text('63101,"13,343",512\n63102,"2,001",130\n63103,"950",40\n')
    text = (clean / "incidents" / "2024-01.csv").read_bytes().split(b"\n")
    (clean / "incidents" / "2024-01.csv").write_bytes(b"\n".join(line for line in text if b"R4," not in line
                                                                 and b"R5," not in line))
    out = subprocess.run([sys.executable, "-m", "community_policing", "check", str(manifest2), "--source-dir",
                          str(clean)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not list(clean.parent.glob("*.duckdb"))


def test_file_names_are_relative_to_the_source_folder_through_symlinks(tmp_path):
    real = tmp_path / "elsewhere"
    write_zip_city(real)
    src = tmp_path / "src"
    src.mkdir()
    for item in real.iterdir():
        (src / item.name).symlink_to(item)
    load_city(src / "city.toml", src, tmp_path / "db.duckdb")
    con = duckdb.connect(str(tmp_path / "db.duckdb"), read_only=True)
    files = {r[0] for r in con.execute("SELECT file FROM load_files UNION SELECT file FROM rejects").fetchall()}
    con.close()
    assert files == {"zips.geojson", "population.csv", "incidents/2024-01.csv"}


def test_an_unknown_key_names_its_section_and_the_keys_it_takes(tmp_path):
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    manifest.write_text(manifest.read_text().replace("rows_per_incident", "rows_per_incidnet"))
    with pytest.raises(ManifestError, match=r"\[\[incidents\]\] entry 1: unknown key\(s\) rows_per_incidnet; expected "):
        check_city(manifest, src)
    manifest.write_text(readme_example().replace('key = "zip"', 'key = "zip"\nheader_row = 2'))
    with pytest.raises(ManifestError, match=r"\[population\]: unknown key\(s\) header_row"):
        check_city(manifest, src)
    manifest.write_text(readme_example().replace('header = false\n', ''))
    with pytest.raises(ManifestError, match="column_names is for files without a header line"):
        check_city(manifest, src)


def test_any_tabular_source_reads_headerless_files_and_numbers_as_written(tmp_path):
    """header = false, column_names, "$1,200.50", "45%" and "1,250" in engagement and survey files; an unreadable
    number or coordinate is a reject with its file, line, column and value, never a silent empty."""
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    (src / "events.csv").write_text(
        'E1,2024-01-10,63101,community_meeting,"1,250","$1,200.50"\n'
        'E2,2024-01-11,63102,foot_patrol,12,$0\n'
        'E3,2024-01-12,63102,foot_patrol,twelve,$0\n')
    (src / "survey.csv").write_text("period_start,period_end,zip,trust\n"
                                    "2024-01-01,2024-01-31,63101,45%\n2024-01-01,2024-01-31,63102,51.5 %\n")
    manifest.write_text(manifest.read_text() + '''
[[engagement_events]]
file = "events.csv"
header = false
column_names = ["id", "day", "zip", "kind", "people", "spent"]
[engagement_events.columns]
id = "id"
date = "day"
district_id = "zip"
type = "kind"
attendees = "people"
cost = "spent"

[[trust_surveys]]
file = "survey.csv"
[trust_surveys.columns]
period_start = "period_start"
period_end = "period_end"
district_id = "zip"
[trust_surveys.measures]
trust = "trust"
''')
    text = (src / "incidents" / "2024-01.csv").read_bytes().replace(b"R2,01/06/2024 10:00,01/06/2024 10:30,13A,"
                                                                     b"AGGRAVATED ASSAULT,63102,-91.93,",
                                                                     b"R2,01/06/2024 10:00,01/06/2024 10:30,13A,"
                                                                     b"AGGRAVATED ASSAULT,63102,west,")
    (src / "incidents" / "2024-01.csv").write_bytes(text)
    db = tmp_path / "db.duckdb"
    load_city(manifest, src, db)
    con = duckdb.connect(str(db), read_only=True)
    events = con.execute("SELECT id, attendees, cost FROM engagement_events ORDER BY id").fetchall()
    scores = con.execute("SELECT district_id, score FROM trust_surveys ORDER BY 1").fetchall()
    rejects = con.execute("SELECT file, line, \"column\", value FROM rejects WHERE file IN ('events.csv', "
                          "'incidents/2024-01.csv') ORDER BY 1, 2").fetchall()
    files = con.execute("SELECT file, rows_read, rows_loaded, rows_merged, rows_rejected FROM load_files").fetchall()
    con.close()
    assert events == [("E1", 1250, 1200.5), ("E2", 12, 0.0)]
    assert scores == [("63101", 45.0), ("63102", 51.5)]
    assert ("events.csv", 3, "attendees", "twelve") in rejects  # headerless: the first record is line 1
    assert ("incidents/2024-01.csv", 5, "lon", "west") in rejects
    assert all(read == loaded + merged + rejected for _, read, loaded, merged, rejected in files)


def test_a_count_column_keeps_corrections_beside_the_count(tmp_path):
    """An export with a Count column writes a later correction (-1) under the id of the record it corrects:
    it is kept with an id of its own, linked to that record, and never netted from the count."""
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    (src / "incidents" / "2024-01.csv").write_text(
        "Report_No,From_Date,Reported_Date,IBRS,Description,Zip Code,Longitude,Latitude,Count\n"
        "R1,01/05/2024 22:10,01/05/2024 23:00,120,ROBBERY,63101,,,1\n"
        "R2,01/06/2024 10:00,01/06/2024 10:30,13A,AGGRAVATED ASSAULT,63102,,,1\n"
        "R2,01/06/2024 10:00,02/20/2024 09:00,13A,AGGRAVATED ASSAULT,63102,,,-1\n"
        "R9,12/06/2023 10:00,02/21/2024 09:00,13A,AGGRAVATED ASSAULT,63102,,,-1\n")
    text = readme_example().replace('rows_per_incident = "many"\n', "").replace('lat = "Latitude"', 'lat = "Latitude"\ncount = "Count"')
    manifest.write_text(text)
    db = tmp_path / "db.duckdb"
    load_city(manifest, src, db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT id, count, corrects_id FROM incidents ORDER BY count DESC, id").fetchall()
    daily = con.execute("SELECT SUM(incidents), SUM(corrected) FROM incident_counts_daily "
                        "WHERE date_basis = 'reported'").fetchone()
    con.close()
    assert rows == [("R1", 1, None), ("R2", 1, None),
                    ("R2 (correction, incidents/2024-01.csv line 4)", -1, "R2"),
                    ("R9", -1, None)]  # its original is not in the files: kept, never subtracted
    assert daily == (2, 1)


def test_rows_cut_short_are_rejects_at_their_file_line(tmp_path):
    """A row with too few fields is a reject with its line (not padded into a row with empty values), and
    lines are file lines after blank lines and quoted line breaks; a trailing comma shifts nothing."""
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    (src / "incidents" / "2024-01.csv").write_text(
        "Report_No,From_Date,Reported_Date,IBRS,Description,Zip Code,Longitude,Latitude,\n"
        "R1,01/05/2024 22:10,01/05/2024 23:00,120,\"ROBBERY\nSECOND LINE\",63101,,,\n"
        "\n"
        "R2,01/06/2024 10:00,01/06/2024 10:30,13A,AGGRAVATED ASSAULT,63102,,,\n"
        "R3,01/06/2024 10:00,01/06/2024 10:30\n"
        "R4,01/07/2024 10:00,01/07/2024 10:30,13A,AGGRAVATED ASSAULT,63103,,,\n")
    db = tmp_path / "db.duckdb"
    load_city(manifest, src, db)
    con = duckdb.connect(str(db), read_only=True)
    rejects = con.execute("SELECT line, reason FROM rejects WHERE table_name = 'incidents'").fetchall()
    loaded = con.execute("SELECT id, district_id FROM incidents ORDER BY id").fetchall()
    files = con.execute("SELECT rows_read, rows_loaded, rows_merged, rows_rejected FROM load_files "
                        "WHERE table_name = 'incidents'").fetchone()
    con.close()
    assert rejects == [(6, "3 fields, expected 9: the row is cut short")]
    assert loaded == [("R1", "63101"), ("R2", "63102"), ("R4", "63103")]
    assert files == (4, 3, 0, 1)


@pytest.mark.parametrize("section,key", [("[districts]", 'file = "zips.geojson"'),
                                         ("[population]", 'file = "population.csv"'),
                                         ("[[incidents]]", 'files = "incidents/*.csv"')])
def test_a_file_path_outside_the_source_folder_is_refused(tmp_path, section, key):
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    name = key.split(" = ")[0]
    manifest.write_text(readme_example().replace(key, f'{name} = "../../etc/passwd"'))
    with pytest.raises(ManifestError, match="must be a path inside the source folder"):
        check_city(manifest, src)
