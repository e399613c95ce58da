"""Neighborhood organizations and their published meeting schedules: in the demo city, through a
manifest's [organizations] section (every row loaded or rejected with its reason), and from the
real St. Louis list."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely

from community_policing.data import schema, store
from community_policing.data.demo import _build_geography, _neighborhood_organizations
from community_policing.data.importers.errors import ManifestError
from community_policing.data.loader import load_city
from community_policing.ledger.schedules import parse_report
from community_policing.data.store import Store
from tests.conftest import shared_data_or_skip

PROJECT_ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["org_id", "name", "neighborhood_id", "org_type", "active", "meeting_schedule", "meeting_place"]
STATUSES = {"parsed", "no regular meetings", "not understood"}


def query(db: Path, sql: str) -> pd.DataFrame:
    # The Store's configuration, so that a file another test holds open in this process can be shared.
    con = duckdb.connect(str(db), read_only=True, config=store._DUCKDB_CONFIG)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def organizations(db: Path, tmp_path: Path) -> pd.DataFrame:
    """The named query, through the Store (no ledger attached)."""
    with Store(db, ledger=tmp_path / "no-ledger.sqlite") as s:
        return s.query("neighborhood_organizations")


# --- Demo city --------------------------------------------------------------------------------


def test_demo_city_has_organizations_with_every_kind_of_schedule(demo_db, tmp_path):
    orgs = organizations(demo_db, tmp_path)
    assert list(orgs.columns) == COLUMNS
    assert 10 <= len(orgs) <= 16  # about one per three of the 40 neighborhoods
    assert list(orgs["name"]) == sorted(orgs["name"])
    assert orgs["org_id"].is_unique and orgs["name"].notna().all()
    report = parse_report(orgs["meeting_schedule"]).set_index("status")["schedules"]
    assert set(report.index) == STATUSES
    assert report["parsed"] > report["no regular meetings"] + report["not understood"]
    neighborhoods = query(demo_db, "SELECT id, name FROM neighborhoods")
    placed = orgs["neighborhood_id"].dropna()
    assert set(placed) <= set(neighborhoods["id"]) and len(placed) < len(orgs)  # one citywide council
    assert set(orgs["active"]) <= {"yes", "no", "unknown"}
    facts = dict(query(demo_db, "SELECT key, value FROM metadata").itertuples(index=False))
    assert facts["is_simulated"] == "true"


def test_demo_schedules_cover_every_status_whatever_the_seed():
    """The kinds of schedule are fixed and only their order is drawn, from the organizations' own
    random stream [seed, 2] (so adding them changed none of the demo's other numbers)."""
    for seed in (1, 2, 3):
        city = _build_geography(np.random.default_rng(seed))
        orgs = _neighborhood_organizations(np.random.default_rng([seed, 2]), city)
        assert set(parse_report(orgs["meeting_schedule"])["status"]) == STATUSES
        assert orgs["name"].is_unique


# --- A manifest's [organizations] section -----------------------------------------------------


def _layer(path: Path, features: list[tuple[dict, object]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": None if geom is None else json.loads(shapely.to_geojson(geom))}
        for props, geom in features]}))


def write_org_city(folder: Path, organizations: str = "orgs.geojson") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    west, east = shapely.box(-90.3, 38.6, -90.2, 38.7), shapely.box(-90.2, 38.6, -90.1, 38.7)
    _layer(folder / "districts.geojson", [({"DIST": 1}, shapely.box(-90.3, 38.6, -90.1, 38.7))])
    _layer(folder / "neighborhoods.geojson", [({"NUM": 1, "NAME": "West"}, west), ({"NUM": 2, "NAME": "East"}, east)])
    spot = shapely.Point(-90.25, 38.65)
    _layer(folder / "orgs.geojson", [
        # feature 1: complete
        ({"OID": 10, "title": "West Side Block Club", "nbhd": 1.0, "kind": "nbrhdAssn", "is_active": "Yes",
          "when": "3rd Tues every month - 6:30", "where": "100 Main St"}, west),
        # feature 2: no name
        ({"OID": 11, "title": " ", "nbhd": 2.0, "kind": "nbrhdAssn", "is_active": "Yes",
          "when": "2nd Wed. of odd months at 7:00pm", "where": "200 Main St"}, east),
        # feature 3: a neighborhood number the layer does not have: kept, without a neighborhood
        ({"OID": 12, "title": "Riverside Partners", "nbhd": 101.0, "kind": "communityDevCorp", "is_active": "Unknown",
          "when": "No Regular Public Meetings", "where": None}, spot),
        # feature 4: an "active" word that means nothing
        ({"OID": 13, "title": "Maybe Club", "nbhd": 2.0, "kind": "other", "is_active": "Sometimes",
          "when": "Last Thurs. of the month", "where": "300 Main St"}, east),
        # feature 5: the id of feature 1 again
        ({"OID": 10, "title": "West Side Block Club (copy)", "nbhd": 1.0, "kind": "nbrhdAssn", "is_active": "Yes",
          "when": "3rd Tues every month - 6:30", "where": "100 Main St"}, west),
        # feature 6: no geometry and no neighborhood number
        ({"OID": 14, "title": "East\u200b Neighbors", "nbhd": None, "kind": "nbrhdAssn", "is_active": "no",
          "when": "2nd week of June and December", "where": "location varies"}, None),
    ])
    manifest = folder / "city.toml"
    manifest.write_text(f"""
name = "Org Town, Missouri"

[districts]
file = "districts.geojson"
id_field = "DIST"
name_template = "District {{id}}"

[neighborhoods]
file = "neighborhoods.geojson"
id_field = "NUM"
name_field = "NAME"

[organizations]
file = "{organizations}"
id_field = "OID"
name_field = "title"
neighborhood_field = "nbhd"
type_field = "kind"
active_field = "is_active"
schedule_field = "when"
place_field = "where"
""")
    return manifest


def test_every_organization_is_loaded_or_rejected_with_its_reason(tmp_path):
    manifest = write_org_city(tmp_path / "src")
    db = tmp_path / "orgs.duckdb"
    summary = load_city(manifest, tmp_path / "src", db)
    assert summary.rows["neighborhood_organizations"] == 3
    orgs = organizations(db, tmp_path).set_index("org_id")
    assert list(orgs.index) == ["14", "12", "10"]  # by name: East Neighbors, Riverside Partners, West Side Block Club
    assert orgs.loc["10", "neighborhood_id"] == "1" and orgs.loc["10", "active"] == "yes"
    assert orgs.loc["10", "meeting_schedule"] == "3rd Tues every month - 6:30"
    assert pd.isna(orgs.loc["12", "neighborhood_id"]) and orgs.loc["12", "active"] == "unknown"
    assert pd.isna(orgs.loc["12", "meeting_place"])
    assert orgs.loc["14", "name"] == "East Neighbors"  # zero-width space gone
    assert pd.isna(orgs.loc["14", "neighborhood_id"]) and orgs.loc["14", "active"] == "no"

    rejects = query(db, "SELECT table_name, file, line, \"column\", value, reason, kind FROM rejects ORDER BY line")
    assert list(rejects["line"]) == [2, 4, 5]  # feature numbers (the first feature is 1)
    assert (rejects["table_name"] == "neighborhood_organizations").all() and (rejects["file"] == "orgs.geojson").all()
    assert rejects.iloc[0][["column", "reason", "kind"]].tolist() == ["name", "required value is missing", "invalid"]
    assert rejects.iloc[1][["column", "value", "kind"]].tolist() == ["active", "Sometimes", "invalid"]
    assert rejects.iloc[1]["reason"] == "value not allowed; expected one of yes, no, unknown"
    assert rejects.iloc[2][["column", "value", "kind"]].tolist() == ["org_id", "10", "duplicate"]
    assert rejects.iloc[2]["reason"] == "duplicate of orgs.geojson line 1"

    files = query(db, "SELECT * FROM load_files").set_index("table_name")
    row = files.loc["neighborhood_organizations"]
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (6, 3, 3)
    assert row["note"] == ("organization list; 1 kept without a neighborhood: number(s) 101 not in the "
                           "neighborhood layer; 1 give no neighborhood number")
    assert len(row["sha256"]) == 64


def test_organizations_from_a_csv_and_manifest_errors(tmp_path):
    src = tmp_path / "src"
    manifest = write_org_city(src, organizations="orgs.csv")
    pd.DataFrame({"OID": ["A1", "A2"], "title": ["Alpha Association", "Beta Association"], "nbhd": ["2", ""],
                  "kind": ["", ""], "is_active": ["TRUE", ""], "when": ["1st Mon. of the month at 7pm", ""],
                  "where": ["", ""]}).to_csv(src / "orgs.csv", index=False)
    load_city(manifest, src, tmp_path / "csv.duckdb")
    orgs = query(tmp_path / "csv.duckdb", "SELECT org_id, neighborhood_id, active, meeting_schedule "
                                          "FROM neighborhood_organizations ORDER BY org_id")
    assert orgs["neighborhood_id"].tolist()[0] == "2" and pd.isna(orgs["neighborhood_id"][1])
    assert orgs["active"].tolist()[0] == "yes" and pd.isna(orgs["active"][1])  # not stated: empty, not "unknown"

    manifest.write_text(manifest.read_text().replace('name_field = "title"\n', ""))
    with pytest.raises(ManifestError, match=r"\[organizations\] needs 'name_field'"):
        load_city(manifest, src, tmp_path / "csv.duckdb")
    manifest.write_text(manifest.read_text().replace('id_field = "OID"', 'id_field = "OID"\nname_field = "titel"'))
    with pytest.raises(Exception, match=r"orgs.csv: missing column\(s\) titel"):
        load_city(manifest, src, tmp_path / "csv.duckdb")


def test_organizations_placed_by_the_largest_overlap_of_their_polygon(tmp_path):
    """neighborhood_by = "largest_overlap": the neighborhood covering most of the organization's
    polygon wins over its published number; without a polygon in a neighborhood, the number stays."""
    src = tmp_path / "src"
    manifest = write_org_city(src)
    optional = ("type_field", "active_field", "schedule_field", "place_field")  # not needed here
    manifest.write_text("".join(line for line in manifest.read_text().splitlines(keepends=True)
                                if not line.startswith(optional)) + 'neighborhood_by = "largest_overlap"\n')
    mostly_east = shapely.box(-90.22, 38.6, -90.12, 38.7)  # 80 % in East (2), 20 % in West (1)
    inside_west = shapely.box(-90.28, 38.62, -90.22, 38.68)
    inside_east = shapely.box(-90.18, 38.62, -90.12, 38.68)
    _layer(src / "orgs.geojson", [
        ({"OID": 1, "title": "Mostly East Club", "nbhd": 1.0}, mostly_east),            # 1 -> 2 by polygon
        ({"OID": 2, "title": "No Map Club", "nbhd": 1.0}, None),                       # no geometry: keeps 1
        ({"OID": 3, "title": "Far Away Club", "nbhd": 2.0}, shapely.box(-89.0, 38.6, -88.9, 38.7)),  # keeps 2
        ({"OID": 4, "title": "Point Club", "nbhd": 101.0}, shapely.Point(-90.25, 38.65)),  # no polygon, no such number
        ({"OID": 5, "title": "West Club", "nbhd": 1.0}, inside_west),                  # 1, agrees
        ({"OID": 6, "title": "Unnumbered Club", "nbhd": None}, inside_east),           # no number -> 2
        ({"OID": 7, "title": "Tower Club", "nbhd": 101.0}, inside_west),               # 101 -> 1
        ({"OID": 8, "title": " ", "nbhd": 1.0}, mostly_east),                          # no name: rejected
    ])
    db = tmp_path / "overlap.duckdb"
    load_city(manifest, src, db)
    placed = query(db, "SELECT org_id, neighborhood_id FROM neighborhood_organizations").set_index("org_id")
    assert placed["neighborhood_id"].fillna("-").to_dict() == {
        "1": "2", "2": "1", "3": "2", "4": "-", "5": "1", "6": "2", "7": "1"}
    row = query(db, "SELECT * FROM load_files WHERE table_name = 'neighborhood_organizations'").iloc[0]
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (8, 7, 1)
    assert row["note"] == (
        "organization list; placed by polygon: 4; 3 differ from nbhd (1 another neighborhood, 1 a number not "
        "in the neighborhood layer, 1 no number); 2 placed by nbhd (no polygon in a neighborhood); "
        "1 kept without a neighborhood: number(s) 101 not in the neighborhood layer")
    assert query(db, "SELECT line, \"column\" FROM rejects").values.tolist() == [[8, "name"]]

    # A list without geometry is placed by its numbers, and the note says why.
    (src / "orgs.csv").write_text("OID,title,nbhd\nA1,Alpha Association,2\n")
    manifest.write_text(manifest.read_text().replace("orgs.geojson", "orgs.csv"))
    load_city(manifest, src, db)
    row = query(db, "SELECT * FROM load_files WHERE table_name = 'neighborhood_organizations'").iloc[0]
    assert row["note"] == "organization list; placed by polygon: 0 (the file has no polygons); 0 differ from nbhd; " \
                          "1 placed by nbhd (no polygon in a neighborhood)"
    assert query(db, "SELECT neighborhood_id FROM neighborhood_organizations")["neighborhood_id"].tolist() == ["2"]

    manifest.write_text(manifest.read_text().replace('"largest_overlap"', '"largest_area"'))
    with pytest.raises(ManifestError, match=r"neighborhood_by must be 'neighborhood_field' or 'largest_overlap'"):
        load_city(manifest, src, db)


def test_schema_describes_the_table():
    t = schema.table("neighborhood_organizations")
    assert list(t.column_names) == COLUMNS and t.primary_key == ("org_id",)
    assert t.column("neighborhood_id").references == "neighborhoods.id"
    assert t.column("active").allowed == ("yes", "no", "unknown")
    assert not t.derived


# --- Real data: the St. Louis list ------------------------------------------------------------


def _toml(spec: dict) -> str:
    """Enough TOML for a manifest of strings, numbers and one level of tables."""
    lines = [f"{k} = {json.dumps(v)}" for k, v in spec.items() if not isinstance(v, (dict, list))]
    for key, value in spec.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def stl_orgs(tmp_path_factory):
    """The St. Louis manifest without its crime files: boundaries, population and organizations
    load in about a second (the full load with 644,056 crime rows is tests/test_st_louis.py)."""
    source = shared_data_or_skip("stl_neighborhood_orgs", "stl_neighborhood_organizations.geojson").parent.parent
    spec = tomllib.loads((PROJECT_ROOT / "data" / "cities" / "st_louis" / "city.toml").read_text(encoding="utf-8"))
    assert "organizations" in spec
    spec.pop("incidents")
    folder = tmp_path_factory.mktemp("stl_orgs")
    (folder / "city.toml").write_text(_toml(spec), encoding="utf-8")
    db = folder / "stl_orgs.duckdb"
    load_city(folder / "city.toml", source, db)
    return db


def test_st_louis_organizations_are_all_accounted_for(stl_orgs, tmp_path):
    files = query(stl_orgs, "SELECT * FROM load_files WHERE table_name = 'neighborhood_organizations'")
    assert len(files) == 1
    row = files.iloc[0]
    assert row["file"] == "stl_neighborhood_orgs/stl_neighborhood_organizations.geojson"
    assert row["rows_read"] == 103 == row["rows_loaded"] + row["rows_rejected"]
    assert row["rows_loaded"] == 103  # nothing is rejected
    # Placed by polygon (neighborhood_by = "largest_overlap"), measured on this layer: every
    # organization, 47 of them not in the neighborhood nbrhdNum says.
    assert row["note"] == ("organization list; placed by polygon: 103; 47 differ from nbrhdNum (41 another "
                           "neighborhood, 4 a number not in the neighborhood layer, 2 no number)")
    assert query(stl_orgs, "SELECT COUNT(*) AS n FROM rejects")["n"][0] == 0

    orgs = organizations(stl_orgs, tmp_path)
    assert len(orgs) == 103 and orgs["org_id"].is_unique
    assert orgs["neighborhood_id"].notna().all()
    neighborhoods = set(query(stl_orgs, "SELECT id FROM neighborhoods")["id"])
    assert set(orgs["neighborhood_id"].dropna()) <= neighborhoods
    assert orgs["active"].value_counts().to_dict() == {"yes": 90, "unknown": 11, "no": 2}
    assert orgs["org_type"].value_counts()["nbrhdAssn"] == 75
    assert not orgs["name"].str.contains("\u200b").any()
    byid = orgs.set_index("org_id")
    assert byid.loc["85", "meeting_schedule"] == "3rd Tues every month - 6:30"
    assert byid.loc["85", "neighborhood_id"] == "8"  # St. Louis Hills


def test_st_louis_organizations_lie_where_their_polygons_are(stl_orgs, tmp_path):
    """nbrhdNum says otherwise for these: Patch 63, Hill 2000 44, Walnut Park East 58, Mark Twain 18,
    North Pointe 5, Skinker-DeBaliviere 27; and 101 (x2), 105, 106 or nothing for the last five."""
    orgs = organizations(stl_orgs, tmp_path)
    names = query(stl_orgs, "SELECT id, name FROM neighborhoods").set_index("id")["name"]
    placed = {row.name: names[row.neighborhood_id] for row in orgs.itertuples()}
    assert placed["Patch Neighborhood Association"] == "Patch"
    byid = orgs.set_index("org_id")["neighborhood_id"]
    assert byid["70"] == "2"    # Patch Neighborhood Association
    assert byid["42"] == "12"   # Hill 2000: The Hill
    assert byid["99"] == "72"   # Walnut Park East
    assert byid["57"] == "71"   # Mark Twain
    assert byid["65"] == "73"   # North Pointe
    assert byid["77"] == "46"   # Skinker-DeBaliviere Community Council
    assert byid[["92", "93", "59"]].tolist() == ["15", "15", "15"]  # 101, 101, 105: Tower Grove South
    assert byid["84"] == "1"    # St. Cecilia (106): Carondelet
    assert byid[["108", "109"]].tolist() == ["26", "26"]  # no number: Compton Heights


def test_st_louis_schedules_read_as_measured(stl_orgs, tmp_path):
    orgs = organizations(stl_orgs, tmp_path)
    report = parse_report(orgs["meeting_schedule"]).set_index("status")["schedules"]
    assert report.to_dict() == {"parsed": 89, "no regular meetings": 12, "not understood": 2}
