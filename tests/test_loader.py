"""Loading a city through a manifest: any polygon layer as districts, column mappings for CSV,
Excel and Parquet, rejects with file/line/column/reason, and a failed load changing nothing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import shapely

from community_policing.data.importers.errors import ManifestError, SourceFileError
from community_policing.data.loader import load_city
from tests.conftest import shared_data_or_skip

ZIPS = {"63101": shapely.box(-90.20, 38.60, -90.18, 38.62), "63102": shapely.box(-90.18, 38.60, -90.16, 38.62),
        "63103": shapely.box(-90.20, 38.62, -90.16, 38.64)}


def write_zip_city(folder: Path) -> Path:
    """A city whose only areas are ZIP codes, with incidents in CSV, engagement in Excel and
    surveys in Parquet; a few rows are deliberately bad."""
    folder.mkdir(parents=True, exist_ok=True)
    features = [{"type": "Feature", "properties": {"ZCTA": z, "POP": pop},
                 "geometry": json.loads(shapely.to_geojson(g))}
                for (z, g), pop in zip(ZIPS.items(), (4000, 2500, 150))]
    (folder / "zips.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    pd.DataFrame({"zip": ["63101", "63102", "63103"], "residents": [4000, 2500, 150]}).to_csv(folder / "pop.csv", index=False)
    incidents = pd.DataFrame([
        ["C1", "03/15/2024 14:00", "ROBBERY", "-90.19", "38.61", ""],       # line 2: placed by coordinates
        ["C2", "03/16/2024 09:30", "THEFT", "", "", "63102"],               # line 3: placed by its ZIP column
        ["C3", "31/03/2024 25:00", "THEFT", "-90.17", "38.61", ""],         # line 4: bad date
        ["C4", "03/17/2024 10:00", "LITTERING", "-90.17", "38.63", ""],     # line 5: unmapped offense -> other
        ["C1", "03/18/2024 10:00", "ROBBERY", "-90.19", "38.61", ""],       # line 6: duplicate id
        ["C6", "03/19/2024 10:00", "THEFT", "", "", ""],                    # line 7: cannot be placed
    ], columns=["case_number", "occurred", "offense", "x", "y", "zip"])
    incidents.to_csv(folder / "incidents.csv", index=False)
    pd.DataFrame({"event_id": ["E1", "E2", "E3"], "date": ["2024-03-05", "2024-03-06", "2024-03-07"],
                  "zip": ["63101", "99999", "63103"], "kind": ["community_meeting", "foot_patrol", "bingo"],
                  "people": ["25", "4", "10"], "hours": ["3", "8", "2"]}).to_excel(folder / "engagement.xlsx", index=False)
    pd.DataFrame({"start": ["2024-03-01", "2024-03-01"], "end": ["2024-03-31", "2024-03-31"], "zip": ["63101", "63102"],
                  "trust": [61.5, 140.0], "n": [120, 80]}).to_parquet(folder / "survey.parquet")
    manifest = folder / "city.toml"
    manifest.write_text("""
name = "Zip Town, Missouri"
source = "test fixture"

[districts]
file = "zips.geojson"
id_field = "ZCTA"
name_template = "ZIP {id}"

[population]
file = "pop.csv"
level = "district"
key = "zip"
column = "residents"
year = 2020

[[incidents]]
files = "incidents*.csv"
date_format = "%m/%d/%Y %H:%M"
coordinates_crs = "EPSG:4326"
[incidents.columns]
id = "case_number"
occurred_at = "occurred"
offense_description = "offense"
lon = "x"
lat = "y"
district_id = "zip"
[incidents.offense_groups]
column = "offense"
map = { ROBBERY = "robbery", THEFT = "larceny" }
default = "other"

[[engagement_events]]
file = "engagement.xlsx"
[engagement_events.columns]
id = "event_id"
date = "date"
district_id = "zip"
type = "kind"
attendees = "people"
officer_hours = "hours"

[[trust_surveys]]
file = "survey.parquet"
[trust_surveys.columns]
period_start = "start"
period_end = "end"
district_id = "zip"
respondents = "n"
[trust_surveys.measures]
trust = "trust"
""")
    return manifest


def query(db: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.fixture()
def zip_city(tmp_path):
    manifest = write_zip_city(tmp_path / "src")
    db = tmp_path / "zip.duckdb"
    summary = load_city(manifest, tmp_path / "src", db)
    return db, summary


def test_zip_codes_serve_as_districts(zip_city):
    db, _ = zip_city
    districts = query(db, "SELECT id, name, population FROM districts ORDER BY id")
    assert list(districts["id"]) == ["63101", "63102", "63103"]
    assert districts["name"].iloc[0] == "ZIP 63101"
    assert list(districts["population"]) == [4000, 2500, 150]


def test_incidents_are_placed_and_bad_rows_kept_with_reasons(zip_city):
    db, summary = zip_city
    incidents = query(db, "SELECT id, district_id, offense_group FROM incidents ORDER BY id").set_index("id")
    assert incidents.loc["C1", "district_id"] == "63101"      # coordinates
    assert incidents.loc["C2", "district_id"] == "63102"      # the source's own ZIP column
    assert incidents.loc["C4", "offense_group"] == "other"    # unmapped offense text
    assert pd.isna(incidents.loc["C6", "district_id"])        # no place at all: loaded, unassigned
    rejects = query(db, "SELECT file, line, \"column\", reason, kind FROM rejects WHERE table_name = 'incidents' ORDER BY line")
    assert list(rejects["line"]) == [4, 6]
    assert rejects.iloc[0]["column"] == "occurred" and "expected a date in the manifest's date_format" in rejects.iloc[0]["reason"]
    assert rejects.iloc[1]["kind"] == "duplicate" and "duplicate of incidents.csv line 2" in rejects.iloc[1]["reason"]
    methods = dict(zip(summary.assignment["method"], summary.assignment["incidents"]))
    assert methods == {"coordinates": 2, "source_district": 1, "unassigned": 1}


def test_every_file_balances_read_loaded_rejected(zip_city):
    db, _ = zip_city
    files = query(db, "SELECT table_name, file, rows_read, rows_loaded, rows_rejected, sha256 FROM load_files ORDER BY file")
    assert (files["rows_read"] == files["rows_loaded"] + files["rows_rejected"]).all()
    by_file = files.set_index("file")
    assert by_file.loc["incidents.csv", "rows_read"] == 6 and by_file.loc["incidents.csv", "rows_loaded"] == 4
    assert by_file.loc["engagement.xlsx", "rows_loaded"] == 1   # unknown ZIP and unknown type rejected
    assert by_file.loc["survey.parquet", "rows_loaded"] == 1    # a score of 140 is out of range
    per_file_rejects = query(db, "SELECT file, COUNT(*) AS n FROM rejects GROUP BY file").set_index("file")["n"]
    for file, row in by_file.iterrows():
        assert per_file_rejects.get(file, 0) == row["rows_rejected"], file
    assert all(len(h) == 64 for h in files["sha256"])
    reasons = query(db, "SELECT file, reason FROM rejects WHERE table_name <> 'incidents' ORDER BY file, line")
    assert "district not in the district layer" in reasons["reason"].tolist()
    assert any("expected one of community_meeting" in r for r in reasons["reason"])
    assert any("above the maximum 100" in r for r in reasons["reason"])


def test_the_same_file_twice_is_not_double_counted(tmp_path):
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    shutil.copy(src / "incidents.csv", src / "incidents_copy.csv")
    load_city(manifest, src, tmp_path / "db.duckdb")
    assert query(tmp_path / "db.duckdb", "SELECT COUNT(*) AS n FROM incidents")["n"][0] == 4
    note = query(tmp_path / "db.duckdb", "SELECT note FROM load_files WHERE file = 'incidents_copy.csv'")["note"][0]
    assert note == "same bytes as incidents.csv; not read again"


def test_loading_again_gives_the_same_numbers(zip_city, tmp_path):
    db, _ = zip_city
    before = query(db, "SELECT * FROM incidents ORDER BY id")
    load_city(tmp_path / "src" / "city.toml", tmp_path / "src", db)
    pd.testing.assert_frame_equal(before, query(db, "SELECT * FROM incidents ORDER BY id"))


@pytest.mark.parametrize("breakage,message", [
    (lambda src: (src / "zips.geojson").unlink(), "zips.geojson: file not found"),
    (lambda src: (src / "incidents.csv").write_text("case,when\nC1,2024-01-01\n"),
     "incidents.csv: missing column(s) case_number, occurred, offense, x, y, zip; the file has case, when"),
    (lambda src: (src / "city.toml").write_text((src / "city.toml").read_text().replace(
        'coordinates_crs = "EPSG:4326"', 'coordinates_crs = "EPSG:999999"')), "unknown coordinate CRS 'EPSG:999999'"),
    (lambda src: (src / "city.toml").write_text((src / "city.toml").read_text().replace(
        'file = "survey.parquet"', 'file = "survey.sav"')), "survey.sav: file not found"),
])
def test_a_failed_load_leaves_the_database_as_it_was(zip_city, tmp_path, breakage, message):
    db, _ = zip_city
    before = db.read_bytes()
    src = tmp_path / "src"
    breakage(src)
    with pytest.raises((SourceFileError, ManifestError), match=message.replace("(", "\\(").replace(")", "\\)")):
        load_city(src / "city.toml", src, db)
    assert db.read_bytes() == before
    out = subprocess.run([sys.executable, "-m", "community_policing", "load", str(src / "city.toml"),
                          "--source-dir", str(src), "--db", str(db)], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and message in out.stderr


def test_unknown_format_is_a_one_line_error(tmp_path):
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    (src / "survey.sav").write_bytes(b"\x00\x01")
    manifest.write_text(manifest.read_text().replace('file = "survey.parquet"', 'file = "survey.sav"'))
    with pytest.raises(SourceFileError, match="unknown file type '.sav'; expected .csv, .xlsx or .parquet"):
        load_city(manifest, src, tmp_path / "db.duckdb")


def test_manifest_errors_name_the_key(tmp_path):
    bad = tmp_path / "city.toml"
    bad.write_text('name = "X"\n[districts]\nfile = "a.geojson"\n')
    with pytest.raises(ManifestError, match=r"\[districts\] needs 'id_field'"):
        load_city(bad, tmp_path, tmp_path / "db.duckdb")
    bad.write_text('name = "X"\ncolour = "red"\n')
    with pytest.raises(ManifestError, match="unknown key\\(s\\) colour"):
        load_city(bad, tmp_path, tmp_path / "db.duckdb")


# --- Real data: Chicago's police sentiment scores --------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def chicago_db(tmp_path_factory):
    source = shared_data_or_skip("chicago_police_sentiment").parent
    db = tmp_path_factory.mktemp("chicago") / "chicago.duckdb"
    load_city(PROJECT_ROOT / "data" / "cities" / "chicago" / "city.toml", source, db)
    return db


def test_chicago_trust_scores_load_by_district(chicago_db):
    districts = query(chicago_db, "SELECT id FROM districts")
    assert len(districts) == 23  # 22 districts plus 31, whose three parts are dissolved into one
    trust = query(chicago_db, "SELECT measure, COUNT(*) AS n, COUNT(DISTINCT district_id) AS d, "
                              "MIN(period_start) AS first, MAX(period_end) AS last FROM trust_surveys GROUP BY measure")
    trust = trust.set_index("measure")
    assert trust.loc["trust", "n"] == 1408 and trust.loc["trust", "d"] == 22
    assert str(trust.loc["trust", "first"])[:10] == "2017-11-01" and str(trust.loc["trust", "last"])[:10] == "2023-02-28"
    files = query(chicago_db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_files "
                              "WHERE table_name = 'trust_surveys'").iloc[0]
    assert files["rows_read"] == 6587 and files["rows_loaded"] == 1408
    assert files["rows_read"] == files["rows_loaded"] + files["rows_rejected"]
    excluded = query(chicago_db, "SELECT DISTINCT kind, reason FROM rejects")
    assert excluded["kind"].tolist() == ["excluded"]


def test_chicago_trust_page_shows_the_scores(chicago_db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMON_GROUND_DB", str(chicago_db))
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert "No incident data is loaded for Chicago" in at.info[0].value
    at.switch_page("pages/trust.py").run()
    assert not at.exception
    from tests.charts import plotly_specs, title_of, vega_charts  # one Vega-Lite panel per district

    panels = vega_charts(at)
    assert not plotly_specs(at)
    assert len(panels) == 22 and title_of(panels[0]).strip() == "District 1"  # every district (issue 16)
    assert any("does not publish respondent counts" in c.value for c in at.caption)


def test_boundaries_from_geoparquet_and_zipped_shapefile(tmp_path):
    import zipfile

    import geopandas as gpd

    from community_policing.data.importers.boundaries import read_areas

    layer = gpd.GeoDataFrame({"CODE": [1.0, 2.0], "LABEL": ["One", "Two"]},
                             geometry=[ZIPS["63101"], ZIPS["63102"]], crs="EPSG:4326")
    layer.to_parquet(tmp_path / "areas.parquet")
    from_parquet = read_areas(tmp_path / "areas.parquet", "CODE", "LABEL")
    assert list(from_parquet["id"]) == ["1", "2"] and list(from_parquet["name"]) == ["One", "Two"]

    # A shapefile in a projected CRS, zipped: reprojected to WGS84 on read.
    layer.to_crs("ESRI:102696").to_file(tmp_path / "areas.shp")
    with zipfile.ZipFile(tmp_path / "areas.zip", "w") as z:
        for part in tmp_path.glob("areas.*"):
            if part.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                z.write(part, part.name)
    from_zip = read_areas(tmp_path / "areas.zip", "CODE", "LABEL")
    assert from_zip.crs.to_epsg() == 4326
    assert from_zip.geometry.iloc[0].centroid.distance(ZIPS["63101"].centroid) < 1e-6

    # Without a .prj the CRS must come from the manifest.
    (tmp_path / "areas.prj").unlink()
    with pytest.raises(SourceFileError, match="areas.shp: the layer has no CRS; give one in the manifest"):
        read_areas(tmp_path / "areas.shp", "CODE")
    with pytest.raises(SourceFileError, match="missing field 'NOPE'; the layer has CODE, LABEL"):
        read_areas(tmp_path / "areas.parquet", "NOPE")


def test_latin1_lines_are_read_without_being_told_and_a_declared_encoding_is_strict(tmp_path):
    """Issue 13: city exports mix UTF-8 and Latin-1; a line that is not UTF-8 is read as Windows-1252,
    and the file's note says how many. A declared encoding is used as given."""
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    text = (src / "incidents.csv").read_text().replace("LITTERING", "CAFÉ DISTURBANCE")
    (src / "incidents.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("latin-1"))  # a BOM too
    load_city(manifest, src, tmp_path / "db.duckdb")
    described = query(tmp_path / "db.duckdb", "SELECT offense_description FROM incidents WHERE id = 'C4'")
    assert described.iloc[0, 0] == "CAFÉ DISTURBANCE"
    note = query(tmp_path / "db.duckdb", "SELECT note FROM load_files WHERE file = 'incidents.csv'").iloc[0, 0]
    assert "1 line(s) read as Windows-1252/Latin-1" in note
    manifest.write_text(manifest.read_text().replace('files = "incidents*.csv"', 'files = "incidents*.csv"\nencoding = "ascii"'))
    with pytest.raises(SourceFileError, match="incidents.csv: not valid ascii text at byte .*check encoding"):
        load_city(manifest, src, tmp_path / "db2.duckdb")


def test_an_offense_map_into_an_unknown_group_is_a_manifest_error(tmp_path):
    src = tmp_path / "src"
    manifest = write_zip_city(src)
    manifest.write_text(manifest.read_text().replace('default = "other"', 'default = "jaywalking"'))
    with pytest.raises(ManifestError, match="default = 'jaywalking' is not an offense group; expected one of homicide"):
        load_city(manifest, src, tmp_path / "db.duckdb")
    assert not (tmp_path / "db.duckdb").exists()


