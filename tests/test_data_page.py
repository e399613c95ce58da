"""The staff Data page: upload a new month, check it, load it (the app then reads it), the history of loads
and a formula-safe download of their rejected rows; staging an upload safely (community_policing.data.data_admin)."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from community_policing import settings
from community_policing.data import data_admin
from community_policing.data.data_admin import DataAdminError
from community_policing.data.loader import load_city
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR
from tests.test_exports import download_file, recording  # noqa: F401  (recording: a fixture)

ROOT = Path(__file__).resolve().parent.parent
DATA = str(ROOT / "pages" / "data.py")
OVERVIEW = str(ROOT / "pages" / "overview.py")
BOXES = {"1": shapely.box(-90.20, 38.60, -90.18, 38.62), "2": shapely.box(-90.18, 38.60, -90.16, 38.62)}
MANIFEST = """
name = "Small Town, Missouri"
source = "test fixture"

[districts]
file = "areas/districts.geojson"
id_field = "DIST"
name_template = "District {id}"

[population]
file = "areas/population.csv"
level = "district"
key = "district"
column = "residents"
year = 2020

[[incidents]]
files = "incidents/incidents_*.csv"
date_format = "%Y-%m-%d %H:%M"
coordinates_crs = "EPSG:4326"
[incidents.columns]
id = "case_number"
occurred_at = "occurred"
offense_description = "offense"
lon = "x"
lat = "y"
[incidents.offense_groups]
column = "offense"
map = { ROBBERY = "robbery", THEFT = "larceny" }
default = "other"
"""
COLUMNS = ["case_number", "occurred", "offense", "x", "y"]
MARCH = [["A1", "2024-03-01 10:00", "ROBBERY", "-90.19", "38.61"], ["A2", "2024-03-02 10:00", "THEFT", "-90.17", "38.61"],
         ["A3", "2024-03-03 10:00", "THEFT", "-90.17", "38.61"]]
APRIL = [["B1", "2024-04-01 10:00", "ROBBERY", "-90.19", "38.61"], ["B2", "2024-04-02 10:00", "THEFT", "-90.17", "38.61"],
         ["B3", "=HYPERLINK(\"http://x\",\"y\")", "THEFT", "-90.17", "38.61"]]  # line 4: not a date, formula-like


def month(rows, columns=COLUMNS) -> bytes:
    return pd.DataFrame([r[:len(columns)] for r in rows], columns=columns).to_csv(index=False).encode()


def write_city(folder: Path) -> tuple[Path, Path]:
    """A small city: two districts (GeoJSON), their population (CSV), March's incidents (CSV, in a folder)."""
    source = folder / "source"
    (source / "areas").mkdir(parents=True)
    (source / "incidents").mkdir()
    features = [{"type": "Feature", "properties": {"DIST": k}, "geometry": json.loads(shapely.to_geojson(g))}
                for k, g in BOXES.items()]
    (source / "areas" / "districts.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    pd.DataFrame({"district": ["1", "2"], "residents": [4000, 2500]}).to_csv(source / "areas" / "population.csv",
                                                                             index=False)
    (source / "incidents" / "incidents_2024_03.csv").write_bytes(month(MARCH))
    manifest = folder / "city.toml"
    manifest.write_text(MANIFEST)
    return manifest, source


@pytest.fixture
def city(tmp_path, monkeypatch):
    """The city loaded once from the command line's function, as the app's warehouse."""
    manifest, source = write_city(tmp_path / "city")
    db = tmp_path / "warehouse.duckdb"
    load_city(manifest, source, db, loaded_by="first.user")
    monkeypatch.setenv(DB_ENV_VAR, str(db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    monkeypatch.setenv(data_admin.UPLOADS_ENV_VAR, str(tmp_path / "uploads"))
    monkeypatch.delenv(settings.MODE_ENV, raising=False)
    return {"manifest": manifest, "source": source, "db": db, "uploads": tmp_path / "uploads"}


def _open(staff_app) -> AppTest:
    at = AppTest.from_file(staff_app, default_timeout=60)
    at.switch_page(DATA).run()  # straight to the page (the Overview first would cost seconds)
    assert not at.exception, at.exception
    return at


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _upload(at, *files: tuple[str, bytes]) -> None:
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files])
    at.run()
    assert not at.exception, at.exception


def _click(at, label) -> None:
    _button(at, label).click()
    at.run()
    assert not at.exception, at.exception


def _shown(at) -> str:
    return " ".join(e.value for kind in ("markdown", "error", "warning", "success", "caption", "info")
                    for e in getattr(at, kind))


def test_upload_check_load_then_the_app_reads_it_and_the_history_shows_both(city, staff_app, recording):  # noqa: F811
    at = AppTest.from_file(staff_app, default_timeout=60).run()  # the Overview first: the app holds the file open
    assert not at.exception, at.exception
    assert "3 records" in " ".join(m.value for m in at.markdown)
    at.switch_page(DATA).run()
    assert at.title[0].value == "Data"
    assert "Small Town, Missouri" in _shown(at) and r"by first\.user" in _shown(at)  # Markdown-escaped
    assert _button(at, "Load").disabled  # nothing checked yet
    _upload(at, ("incidents_2024_04.csv", month(APRIL)))
    _click(at, "Check")
    frames = [d.value for d in at.dataframe]
    by_table = frames[0].set_index("table_name")
    assert by_table.loc["incidents", "rows_read"] == 6 and by_table.loc["incidents", "rows_loaded"] == 5
    assert by_table.loc["incidents", "rows_rejected"] == 1
    assert "1 row(s) would be rejected" in _shown(at)
    reasons = next(f for f in frames if "reason" in f.columns)
    assert reasons["value"].iloc[0].startswith("'=HYPERLINK")  # shown (and toolbar-downloaded) neutralised
    assert _button(at, "Load").disabled  # a failed check asks for confirmation first
    at.checkbox(key="data_confirm").check().run()
    at.text_input(key="ledger_user").set_value("second.user").run()
    _click(at, "Load")
    assert any("Every page now shows the new data" in s.value for s in at.success), _shown(at)
    now = data_admin.current(city["db"])
    assert (now.incidents, now.loaded_by, str(now.last_reported)) == (5, "second.user", "2024-04-02")
    staged = Path(now.source_dir)
    assert staged.parent == city["uploads"] and (staged / "incidents" / "incidents_2024_03.csv").exists()
    assert not any(city["source"].rglob("incidents_2024_04.csv"))  # the city's own folder is never changed
    # The history: both loads with who ran them; the rejected row downloads neutralised.
    loads = next(d.value for d in at.dataframe if "loaded_by" in d.value.columns)
    assert list(loads["loaded_by"]) == ["second.user", "first.user"]
    assert list(loads["rows_rejected"]) == [1, 0]
    files = next(d.value for d in at.dataframe if "sha256" in d.value.columns)
    assert "incidents/incidents_2024_04.csv" in set(files["file"])
    button = next(b for b in at.get("download_button") if b.proto.label == "Download the rejected rows (CSV)")
    rows = list(csv.DictReader(io.StringIO(download_file(button).content.decode("utf-8-sig"))))
    assert [(r["file"], r["line"], r["value"]) for r in rows] == [
        ("incidents/incidents_2024_04.csv", "4", "'=HYPERLINK(\"http://x\",\"y\")")]
    # The source folder now starts from the loaded folder: the next month builds on April.
    assert at.text_input(key="data_source_dir").value == str(staged)
    # The other pages read the new file at once (the data note counts its records).
    at.switch_page(OVERVIEW).run()
    assert not at.exception, at.exception
    assert "5 records" in " ".join(m.value for m in at.markdown)
    # An earlier load keeps its counts.
    at.switch_page(DATA).run()
    first = data_admin.history(city["db"])["batch_id"].iloc[-1]
    next(b for b in at.selectbox if b.label == "A load").set_value(first).run()
    assert not at.exception and "No row of this load was rejected." in _shown(at)


def test_a_failed_load_leaves_the_warehouse_byte_identical(city, staff_app):
    before = city["db"].read_bytes()
    at = _open(staff_app)
    # A file missing a column fails the check with a one-line message naming the file and the column.
    _upload(at, ("incidents_2024_04.csv", month(APRIL, COLUMNS[:2])))
    _click(at, "Check")
    error = " ".join(e.value for e in at.error)
    assert "incidents/incidents_2024_04.csv" in error and "offense" in error and "Traceback" not in error
    assert _button(at, "Load").disabled
    # A file that checks well but changes before the load: the load fails and changes nothing.
    _upload(at, ("incidents_2024_04.csv", month(APRIL[:2])))
    _click(at, "Check")
    at.text_input(key="ledger_user").set_value("second.user").run()
    staged = Path(at.session_state["_data_checked"]["staged"])
    (staged / "incidents" / "incidents_2024_04.csv").write_bytes(month(APRIL, COLUMNS[:2]))
    _click(at, "Load")
    assert any(e.value.startswith("Nothing was loaded") and "offense" in e.value for e in at.error), _shown(at)
    assert city["db"].read_bytes() == before
    assert data_admin.current(city["db"]).loaded_by == "first.user"


def test_a_zip_reaching_outside_is_refused_and_nothing_is_written(city, staff_app):
    before = city["db"].read_bytes()
    at = _open(staff_app)
    _upload(at, ("source.zip", zip_of({"incidents/incidents_2024_04.csv": month(APRIL), "../evil.csv": b"x"})))
    _click(at, "Check")
    assert any("source.zip: entry '../evil.csv' refused" in e.value for e in at.error), _shown(at)
    assert _button(at, "Load").disabled
    assert not [p for p in city["uploads"].glob("*") if p.name != ".gitignore"]
    assert not (city["uploads"].parent / "evil.csv").exists() and city["db"].read_bytes() == before


def test_the_page_is_refused_in_public_mode(city, monkeypatch):
    monkeypatch.setenv(settings.MODE_ENV, "public")
    at = AppTest.from_file(DATA, default_timeout=60).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Staff only"]
    assert not at.button and not at.file_uploader and not at.dataframe
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    app.switch_page(DATA).run()  # opened by its URL: registered, hidden from the navigation
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Staff only"]
    assert not app.file_uploader and not app.dataframe


# --- staging an upload (no app) --------------------------------------------------------------------------


def zip_of(entries: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.fixture
def town(tmp_path):
    manifest, source = write_city(tmp_path / "city")
    return manifest, source, tmp_path / "uploads"


def test_a_month_goes_to_its_folder_beside_the_current_files(town):
    manifest, source, root = town
    staged = data_admin.stage_upload([("incidents_2024_04.csv", month(APRIL))], manifest, source, root)
    assert staged.parent == root and (root / ".gitignore").read_text().strip().endswith("*")
    files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file())
    assert files == ["areas/districts.geojson", "areas/population.csv", "incidents/incidents_2024_03.csv",
                     "incidents/incidents_2024_04.csv"]
    assert (staged / "incidents" / "incidents_2024_03.csv").read_bytes() == month(MARCH)
    # A replaced file is the upload's, and the city's own file is untouched.
    again = data_admin.stage_upload([("incidents_2024_03.csv", month(APRIL))], manifest, source, root)
    assert (again / "incidents" / "incidents_2024_03.csv").read_bytes() == month(APRIL)
    assert (source / "incidents" / "incidents_2024_03.csv").read_bytes() == month(MARCH)
    # A new population file goes to its own folder.
    third = data_admin.stage_upload([("population.csv", b"district,residents\n1,1\n2,2\n")], manifest, source, root)
    assert (third / "areas" / "population.csv").read_bytes().startswith(b"district,residents\n1,1")


def test_a_zip_of_the_source_folder_is_unpacked_with_or_without_its_top_folder(town):
    manifest, source, root = town
    staged = data_admin.stage_upload([("city.zip", zip_of({
        "my_city/incidents/incidents_2024_04.csv": month(APRIL), "my_city/areas/population.csv": b"district,residents\n",
        "__MACOSX/my_city/._x": b"junk", "my_city/.DS_Store": b"junk"}))], manifest, source, root)
    assert (staged / "incidents" / "incidents_2024_04.csv").read_bytes() == month(APRIL)
    assert (staged / "areas" / "population.csv").read_bytes() == b"district,residents\n"
    assert not (staged / "my_city").exists() and not (staged / "__MACOSX").exists()
    flat = data_admin.stage_upload([("c.zip", zip_of({"incidents/incidents_2024_05.csv": b"x"}))], manifest, None, root)
    assert [p.relative_to(flat).as_posix() for p in flat.rglob("*.csv")] == ["incidents/incidents_2024_05.csv"]
    # Loose files in a zip go where the manifest expects them, as single uploads do.
    loose = data_admin.stage_upload([("months.zip", zip_of({"incidents_2024_05.csv": b"x", "incidents_2024_06.csv": b"y",
                                                            "README.txt": b"z"}))], manifest, None, root)
    assert sorted(p.relative_to(loose).as_posix() for p in loose.rglob("*") if p.is_file()) == [
        "README.txt", "incidents/incidents_2024_05.csv", "incidents/incidents_2024_06.csv"]


@pytest.mark.parametrize("entries, links, message", [
    ({"/etc/evil.csv": b"x"}, (), "entry '/etc/evil.csv' refused: an absolute path"),
    ({"incidents/../../evil.csv": b"x"}, (), "entry 'incidents/../../evil.csv' refused: a '..'"),
    ({"..\\evil.csv": b"x"}, (), "refused: a backslash"),
    ({"incidents/.hidden.csv": b"x"}, (), "entry 'incidents/.hidden.csv' refused: a hidden name"),
    ({"incidents/ok.csv": b"x"}, ("incidents/link.csv",), "entry 'incidents/link.csv' refused: a symbolic link"),
])
def test_unsafe_zip_entries_are_refused_before_anything_is_written(town, entries, links, message):
    manifest, source, root = town
    upload = [("source.zip", zip_of(entries, links))]
    with pytest.raises(DataAdminError, match=message.replace("(", r"\(").replace(".", r"\.").replace("*", r"\*")):
        data_admin.stage_upload(upload, manifest, source, root)
    assert not root.exists()


def test_zip_and_gzip_bombs_and_too_many_entries_are_refused(town, monkeypatch):
    manifest, source, root = town
    monkeypatch.setattr(data_admin, "MAX_UNPACKED_BYTES", 1024 * 1024)
    zeros = b"\0" * (3 * 1024 * 1024)
    with pytest.raises(DataAdminError, match=r"bomb\.zip: unpacks to more than 1 MB"):
        data_admin.stage_upload([("bomb.zip", zip_of({"incidents/incidents_2024_04.csv": zeros}))], manifest, source,
                                root)
    with pytest.raises(DataAdminError, match=r"incidents_2024_04\.csv\.gz: unpacks to more than 1 MB"):
        data_admin.stage_upload([("incidents_2024_04.csv.gz", gzip.compress(zeros))], manifest, source, root)
    monkeypatch.setattr(data_admin, "MAX_ARCHIVE_FILES", 3)
    with pytest.raises(DataAdminError, match=r"many\.zip: 4 entries; expected at most 3"):
        data_admin.stage_upload([("many.zip", zip_of({f"incidents/incidents_{i}.csv": b"x" for i in range(4)}))],
                                manifest, source, root)
    with pytest.raises(DataAdminError, match=r"broken\.zip: not a readable zip archive"):
        data_admin.stage_upload([("broken.zip", b"PK\x03\x04 not really")], manifest, source, root)
    assert not root.exists()


@pytest.mark.parametrize("name", ["../incidents_2024_04.csv", "incidents/incidents_2024_04.csv", ".incidents_2024.csv",
                                  "a\\incidents_2024_04.csv", "", "..", "incidents_2024_04.csv\x00.txt"])
def test_an_unsafe_upload_name_is_refused(town, name):
    manifest, source, root = town
    with pytest.raises(DataAdminError, match="not a usable file name"):
        data_admin.stage_upload([(name, b"x")], manifest, source, root)
    assert not root.exists()


def test_an_upload_matching_no_source_names_the_file_and_the_patterns(town):
    manifest, source, root = town
    with pytest.raises(DataAdminError, match=r"crimes_april\.csv: matches no source of city\.toml; expected one of: "
                                             r"incidents/incidents_\*\.csv \(incidents\), areas/districts\.geojson"):
        data_admin.stage_upload([("crimes_april.csv", b"x")], manifest, source, root)
    with pytest.raises(DataAdminError, match="given twice"):
        data_admin.stage_upload([("incidents_2024_04.csv", b"x"),
                                 ("c.zip", zip_of({"incidents/incidents_2024_04.csv": b"y"}))], manifest, source, root)
    with pytest.raises(DataAdminError, match="source folder not found"):
        data_admin.stage_upload([("incidents_2024_04.csv", b"x")], manifest, source / "nowhere", root)
    assert not root.exists()


def test_a_folder_linked_into_itself_is_taken_over_once(town):
    manifest, source, root = town
    (source / "incidents" / "loop").symlink_to(source, target_is_directory=True)
    staged = data_admin.stage_upload([], manifest, source, root)
    assert (staged / "incidents" / "incidents_2024_03.csv").read_bytes() == month(MARCH)
    assert len([p for p in staged.rglob("*.csv")]) < 20


def test_pruning_keeps_the_loaded_folder_and_removes_only_staged_folders(town):
    manifest, source, root = town
    loaded = data_admin.stage_upload([], manifest, source, root)
    other = data_admin.stage_upload([], manifest, source, root)
    mine = root / "notes"
    mine.mkdir()
    removed = data_admin.prune_staging(root, keep=[loaded], older_than=dt.timedelta(0))
    assert removed == [other] and loaded.exists() and mine.exists()
    data_admin.discard(source, root)  # not a staged folder: left alone
    assert source.exists()


def test_the_page_speaks_spanish(city, staff_app):
    from community_policing import i18n

    i18n.set_language("es")  # AppTest re-applies format_func in the test's own thread
    try:
        at = AppTest.from_file(staff_app, default_timeout=60)
        at.query_params["lang"] = "es"
        at.switch_page(DATA).run()
        assert not at.exception, at.exception
        assert at.title[0].value == "Datos"
        assert {"Los datos actuales", "Agregar datos", "Historial de cargas"} <= {s.value for s in at.subheader}
        assert {"Comprobar", "Cargar"} <= {b.label for b in at.button}
        _upload(at, ("incidents_2024_05.txt", b"x"))
        _click(at, "Comprobar")
        assert "no corresponde a ninguna fuente de city.toml" in " ".join(e.value for e in at.error)
    finally:
        i18n.set_language("en")
