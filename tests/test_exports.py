"""Downloads and exports are safe to open in a spreadsheet: text that would be read as a formula
(= + - @ tab CR first) gets a leading quote, on every way a table leaves the app or the CLI."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from community_policing import exports
from community_policing.ledger import bulk as ledger_bulk
from community_policing.ledger.book import Ledger
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR, write_database
from tests.conftest import PROJECT_ROOT, open_tables, tiny_city_tables

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "+cmd|' /C calc'!A0"
AT_SUM = "@SUM(1)"
APP = str(PROJECT_ROOT / "dashboard.py")


def read_csv(data: bytes | str, **kwargs) -> pd.DataFrame:
    if isinstance(data, bytes):
        assert data.startswith(b"\xef\xbb\xbf"), "a CSV file starts with a UTF-8 byte-order mark"
        data = data.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(data), keep_default_na=False, **kwargs)


def csv_cells(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text)))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_live_cell(rows) -> None:
    """No text cell of a table (header included) starts like a formula; in a CSV, where every cell is
    text, only a number (-5, -12.5) may start with a minus or plus sign."""
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(tuple(TRIGGERS)) and not _number(cell)), repr(cell)


def workbook_cells(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return book, [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_safe_workbook(data: bytes):
    book, cells = workbook_cells(data)
    assert all(cell.data_type != "f" for cell in cells), [c.coordinate for c in cells if c.data_type == "f"]
    assert_no_live_cell([[c.value for c in cells]])
    return book


# --- neutralise -----------------------------------------------------------------------------------

@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_trigger_gets_a_leading_quote_in_text_columns_and_headers(trigger):
    frame = pd.DataFrame({f"{trigger}head": [f"{trigger}1+1", "fine"],
                          "s": pd.array([f"{trigger}x", None], dtype="string"),
                          "c": pd.Categorical([f"{trigger}c", "d"])})
    safe = exports.neutralise(frame)
    assert list(safe.columns) == [f"'{trigger}head", "s", "c"]
    assert list(safe.iloc[:, 0]) == [f"'{trigger}1+1", "fine"]
    assert safe.loc[0, "s"] == f"'{trigger}x" and safe.loc[1, "s"] is pd.NA
    assert safe["s"].dtype == frame["s"].dtype  # string columns stay string columns
    assert list(safe["c"]) == [f"'{trigger}c", "d"]
    assert frame.iloc[0, 0] == f"{trigger}1+1"  # the input is not changed


def test_numbers_dates_and_empty_cells_are_untouched_text_numbers_are_not():
    frame = pd.DataFrame({
        "int": [-5, 3], "float": [-2.5, np.nan], "Int64": pd.array([-1, None], dtype="Int64"),
        "Float64": pd.array([-0.5, None], dtype="Float64"), "bool": [True, False],
        "date": pd.to_datetime(["2024-03-01", None]),
        "mixed": [-5, "-5"], "empty": [None, np.nan], "blank": ["", "a=b"], "inside": ["x-1", "a =1"],
    })
    safe = exports.neutralise(frame)
    pd.testing.assert_frame_equal(safe.drop(columns=["mixed"]), frame.drop(columns=["mixed"]))
    assert safe.loc[0, "mixed"] == -5 and isinstance(safe.loc[0, "mixed"], (int, np.integer))
    assert safe.loc[1, "mixed"] == "'-5"
    assert list(safe.dtypes) == list(frame.dtypes)
    # Blanks before a formula sign are no disguise (some programs trim them on import): quoted too.
    assert exports.neutralise(pd.DataFrame({"t": [" =1", "\u00a0+1"]}))["t"].tolist() == ["' =1", "'\u00a0+1"]


def test_integer_headers_and_an_empty_frame():
    assert list(exports.neutralise(pd.DataFrame({-1: ["-1"]})).columns) == [-1]
    empty = exports.neutralise(pd.DataFrame(columns=["=a", "b"]))
    assert list(empty.columns) == ["'=a", "b"] and empty.empty


# --- CSV --------------------------------------------------------------------------------------

def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame({"title": [HYPERLINK, "Café on the corner"], "notes": [DDE, None], "place": [AT_SUM, "x;=1+1"],
                         "change": [-5, 7], "pct": [-12.5, np.nan], "=header": ["\tTAB", "\rCR"]})


def test_csv_bytes_neutralises_labels_every_row_and_has_a_bom():
    data = exports.csv_bytes(hostile_frame(), label="Simulated demo data - Riverbend, Missouri")
    assert data.startswith(b"\xef\xbb\xbf") and "Café".encode() in data
    rows = csv_cells(data)
    assert rows[0] == ["data_label", "title", "notes", "place", "change", "pct", "'=header"]
    assert [r[0] for r in rows[1:]] == ["Simulated demo data - Riverbend, Missouri"] * 2
    assert rows[1][1:4] == ["'" + HYPERLINK, "'" + DDE, "'" + AT_SUM]
    assert rows[1][6] == "'\tTAB" and rows[2][6] == "'\rCR"
    assert_no_live_cell(rows)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8")  # pandas skips the BOM
    assert list(back.columns)[0] == "data_label"
    assert list(back["change"]) == [-5, 7]  # numbers stay numbers
    assert back.loc[0, "pct"] == -12.5 and pd.isna(back.loc[1, "pct"]) and pd.isna(back.loc[1, "notes"])


def test_csv_quotes_every_text_cell_and_leaves_numbers_bare():
    text = exports.csv_text(pd.DataFrame({"place": ["x;=1+1"], "n": [-5], "f": [0.5]}))
    assert not text.startswith("\ufeff")
    assert text.splitlines() == ['"place","n","f"', '"x;=1+1",-5,0.5']  # one cell in a ';' locale too


def test_the_label_is_neutralised_too_and_replaces_an_existing_label_column():
    rows = csv_cells(exports.csv_bytes(pd.DataFrame({"data_label": ["old"], "a": [1]}), label="-Evil city"))
    assert rows == [["data_label", "a"], ["'-Evil city", "1"]]


# --- Excel ------------------------------------------------------------------------------------

def test_excel_has_no_formula_cells_and_an_about_sheet():
    data = exports.excel_bytes(hostile_frame(), label="Simulated demo data - Riverbend",
                               notes=["Source: the demo generator", "=1+1 in a note"])
    book = assert_safe_workbook(data)
    assert book.sheetnames == ["data", "about"]
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    assert header == ["data_label", "title", "notes", "place", "change", "pct", "'=header"]
    first = [c.value for c in sheet[2]]
    assert first[:4] == ["Simulated demo data - Riverbend", "'" + HYPERLINK, "'" + DDE, "'" + AT_SUM]
    assert first[4] == -5 and sheet["E2"].data_type == "n"  # numbers stay numbers
    assert sheet["F3"].value is None  # NaN is an empty cell
    assert [c.value for c in book["about"]["A"]] == ["about", "Data: Simulated demo data - Riverbend",
                                                     "Source: the demo generator", "'=1+1 in a note"]


def test_excel_cells_are_typed_as_text_even_if_something_slipped_past_neutralise(monkeypatch):
    # openpyxl stores any string starting with "=" as a formula unless typed as a string.
    monkeypatch.setattr(exports, "neutralise", lambda frame: frame)
    _, cells = workbook_cells(exports.excel_bytes(pd.DataFrame({"=x": [HYPERLINK]})))
    assert [c.value for c in cells] == ["=x", HYPERLINK] and {c.data_type for c in cells} == {"s"}


def test_excel_drops_characters_a_workbook_cannot_hold_and_keeps_dates():
    frame = pd.DataFrame({"note": ["bell\x07 and \x0bvertical tab"], "date": pd.to_datetime(["2024-03-05"]),
                          "at": pd.to_datetime(["2024-03-05 18:30"]).tz_localize("UTC")})
    sheet = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(frame)))["data"]
    assert sheet["A2"].value == "bell and vertical tab"
    assert sheet["B2"].value == dt.datetime(2024, 3, 5) and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].value == dt.datetime(2024, 3, 5, 18, 30)


def test_excel_sheets_keep_their_names_for_the_template_upload():
    raw = exports.excel_sheets({"activities": ledger_bulk.template("1"), "allowed values": ledger_bulk.allowed_values()})
    assert openpyxl.load_workbook(io.BytesIO(raw)).sheetnames == ["activities", "allowed values"]
    frame = ledger_bulk.read_upload("activities.xlsx", raw)
    assert frame.loc[0, "title"].startswith(ledger_bulk.EXAMPLE_PREFIX)


def test_the_csv_template_with_its_bom_and_quotes_reads_back_as_the_template():
    frame = ledger_bulk.read_upload("activities.csv", exports.csv_bytes(ledger_bulk.template("1")))
    assert list(frame.columns[:3]) == ["date", "start_time", "district_id"]  # no BOM in the first name
    assert frame.loc[0, "title"].startswith(ledger_bulk.EXAMPLE_PREFIX) and frame.loc[0, "attendees"] == "25"


# --- the command line: every CSV it writes ----------------------------------------------------------

def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=PROJECT_ROOT)


@pytest.fixture
def hostile_ledger(ledger_env) -> Path:
    """A ledger (beside a copy of the tiny city) whose activity carries formula-like free text."""
    added = cli("ledger", "add", "--user", "=cmd", "--date", "2024-03-05", "--district", "1",
                "--type", "community_meeting", "--title", HYPERLINK, f"--notes={DDE}", f"--place={AT_SUM}",
                "--partners=-2+3", "--attendees", "12")
    assert added.returncode == 0, added.stderr
    return ledger_env


def test_cli_ledger_list_csv_is_neutralised_and_json_is_raw(hostile_ledger):
    out = cli("ledger", "list")
    assert out.returncode == 0, out.stderr
    rows = csv_cells(out.stdout)
    assert not out.stdout.startswith("\ufeff")  # standard output is for pipes: no BOM
    assert_no_live_cell(rows)
    listed = read_csv(out.stdout)
    assert (listed.loc[0, "title"], listed.loc[0, "notes"], listed.loc[0, "place"], listed.loc[0, "partners"]) == (
        "'" + HYPERLINK, "'" + DDE, "'" + AT_SUM, "'-2+3")
    assert listed.loc[0, "created_by"] == "'=cmd" and listed.loc[0, "attendees"] == 12
    raw = json.loads(cli("ledger", "list", "--format", "json").stdout)
    assert (raw[0]["title"], raw[0]["notes"], raw[0]["place"]) == (HYPERLINK, DDE, AT_SUM)


def test_cli_ledger_export_file_is_neutralised(hostile_ledger, tmp_path):
    target = tmp_path / "export.csv"
    out = cli("ledger", "export", str(target))
    assert out.returncode == 0 and "wrote 1 activities" in out.stderr
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert_no_live_cell(csv_cells(data))
    back = read_csv(data)
    assert list(back.columns) == list(Ledger(hostile_ledger).entries().columns)
    assert (back.loc[0, "title"], back.loc[0, "notes"], back.loc[0, "place"], back.loc[0, "date"]) == (
        "'" + HYPERLINK, "'" + DDE, "'" + AT_SUM, "2024-03-05")


def test_cli_ledger_export_of_the_other_kinds_is_neutralised(ledger_env, tmp_path):
    Ledger(ledger_env).add({"date": "2024-02-01", "district_id": "2", "course": "de_escalation",
                            "title": HYPERLINK, "officers": 3, "hours": 2, "notes": DDE}, user="ana", kind="training")
    target = tmp_path / "training.csv"
    assert cli("ledger", "export", str(target), "--kind", "training").returncode == 0
    assert_no_live_cell(csv_cells(target.read_bytes()))
    assert read_csv(target.read_bytes()).loc[0, "title"] == "'" + HYPERLINK


def test_cli_import_rejects_on_stderr_are_neutralised(ledger_env, tmp_path):
    columns = ledger_bulk.template("1").columns
    rows = pd.DataFrame([{c: "" for c in columns} | {"date": "2024-03-05", "district_id": "1", "type": HYPERLINK,
                                                     "title": AT_SUM}], columns=columns)
    filled = tmp_path / "filled.csv"
    filled.write_text(rows.to_csv(index=False))
    out = cli("ledger", "import", str(filled), "--user", "ana")
    assert out.returncode == 1
    rejects = out.stderr.split("\n", 1)[1]  # after the one-line summary
    assert_no_live_cell(csv_cells(rejects))
    assert "'" + HYPERLINK in read_csv(rejects)["value"].tolist()


@pytest.fixture(scope="module")
def hostile_city(tmp_path_factory) -> Path:
    """The tiny city with area names (which come from a city's published files) that look like formulas."""
    tables = tiny_city_tables()
    tables["districts"]["name"] = [HYPERLINK, DDE]
    tables["neighborhoods"]["name"] = [AT_SUM, "-Beta", "Park"]
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    write_database(tables, path)
    return path


@pytest.mark.parametrize("level", ["district", "neighborhood"])
def test_cli_districts_csv_is_neutralised_and_json_is_raw(hostile_city, tmp_path, level):
    args = ("districts", "--db", str(hostile_city), "--start", "2024-03-01", "--end", "2024-03-31", "--level", level)
    env = {LEDGER_ENV_VAR: str(tmp_path / "none.sqlite")}
    out = cli(*args, env=env)
    assert out.returncode == 0, out.stderr
    rows = csv_cells(out.stdout)
    assert_no_live_cell(rows)
    table = read_csv(out.stdout, dtype={"area_id": str}).set_index("area_id")
    raw = {r["area_id"]: r for r in json.loads(cli(*args, "--format", "json", env=env).stdout)}
    if level == "district":
        assert (table.loc["1", "area_name"], table.loc["2", "area_name"]) == ("'" + HYPERLINK, "'" + DDE)
        assert (raw["1"]["area_name"], raw["2"]["area_name"]) == (HYPERLINK, DDE)
    else:
        assert (table.loc["A", "area_name"], table.loc["B", "area_name"]) == ("'" + AT_SUM, "'-Beta")
        assert raw["A"]["area_name"] == AT_SUM
    assert table.loc[table.index[0], "incidents"] == raw[table.index[0]]["incidents"]  # numbers are numbers


def test_cli_evaluate_csv_is_neutralised_and_json_is_raw(demo_db, tmp_path):
    """Program names come from the staff ledger: free text that reaches `evaluate`."""
    book = Ledger(tmp_path / "ledger.sqlite")
    book.add({"name": HYPERLINK, "district_id": "1", "start_date": "2024-01-01"}, user="ana", kind="program")
    args = ("evaluate", "--db", str(demo_db), "--program", HYPERLINK)
    env = {LEDGER_ENV_VAR: str(book.path)}
    out = cli(*args, env=env)
    assert out.returncode == 0, out.stderr
    assert_no_live_cell(csv_cells(out.stdout))
    table = read_csv(out.stdout)
    assert set(table["program"]) == {"'" + HYPERLINK} and set(table["outcome"]) == {"incidents", "trust"}
    assert pd.api.types.is_float_dtype(table["estimate"])
    raw = json.loads(cli(*args, "--format", "json", env=env).stdout)
    assert {r["program"] for r in raw} == {HYPERLINK}


# --- the app: the bytes behind the download buttons ---------------------------------------------------

class RecordingMediaFileManager(MediaFileManager):
    """AppTest makes a fresh MediaFileManager per run; keep the last one so its files can be read."""

    last: RecordingMediaFileManager | None = None

    def __init__(self, storage) -> None:
        super().__init__(storage)
        RecordingMediaFileManager.last = self


def download_file(button):
    """The file behind an AppTest download button (content, filename): stored on the run (its url) or
    made on click (deferred, as the Excel files are)."""
    manager = RecordingMediaFileManager.last
    url = manager.execute_deferred(button.proto.deferred_file_id) if button.proto.deferred_file_id else button.proto.url
    stored = manager.read_file(url.rsplit("/", 1)[-1])
    assert stored is not None, url
    return stored


def download_data(button) -> bytes:
    return download_file(button).content


def download_buttons(at) -> dict[str, object]:
    return {b.proto.label: b for b in at.get("download_button")}


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingMediaFileManager)


def test_overview_downloads_are_neutralised_csv_and_excel(hostile_city, tmp_path, monkeypatch, recording):
    monkeypatch.setenv(DB_ENV_VAR, str(hostile_city))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    at = open_tables(AppTest.from_file(APP, default_timeout=60)).run()
    assert not at.exception, at.exception
    buttons = download_buttons(at)
    csv_button = buttons["Download the district table (CSV)"]
    csv_file = download_file(csv_button)
    assert csv_file.filename.endswith("_simulated.csv")  # the tiny city's metadata say it is simulated
    data = csv_file.content
    rows = csv_cells(data)
    assert_no_live_cell(rows)
    table = read_csv(data, dtype={"area_id": str}).set_index("area_id")
    assert table.loc["1", "area_name"] == "'" + HYPERLINK and table.loc["2", "area_name"] == "'" + DDE
    assert table["data_label"].str.endswith("Tiny Test City").all()
    excel_button = buttons["Download the district table (Excel)"]
    excel_file = download_file(excel_button)
    assert excel_file.filename == csv_file.filename.removesuffix(".csv") + ".xlsx"
    assert excel_file.mimetype == exports.EXCEL_MIME and csv_file.mimetype == exports.CSV_MIME
    book = assert_safe_workbook(excel_file.content)
    names = [c.value for c in book["data"]["C"]]
    assert names[0] == "area_name" and "'" + HYPERLINK in names and "'" + DDE in names
    about = " ".join(c.value for c in book["about"]["A"])
    assert "Tiny Test City" in about and "hand-made test fixture" in about and "Page filters" in about
    # Every other table on the page (the numbers behind the funnel, ...) offers the same two files.
    for label, button in buttons.items():
        payload = download_data(button)
        if label.endswith("(CSV)"):
            assert_no_live_cell(csv_cells(payload))
        else:
            assert label.endswith("(Excel)")
            assert_safe_workbook(payload)


def test_staff_template_downloads_go_through_exports(ledger_env, staff_app, recording):
    at = open_tables(AppTest.from_file(staff_app, default_timeout=60)).run()
    at.switch_page(str(PROJECT_ROOT / "pages" / "ledger.py")).run()
    assert not at.exception, at.exception
    buttons = download_buttons(at)
    data = download_data(buttons["Template (CSV)"])
    assert data.startswith(b"\xef\xbb\xbf")
    assert ledger_bulk.read_upload("activities.csv", data).loc[0, "title"].startswith(ledger_bulk.EXAMPLE_PREFIX)
    workbook = download_data(buttons["Template (Excel, with allowed values)"])
    assert assert_safe_workbook(workbook).sheetnames == ["activities", "allowed values"]
    assert ledger_bulk.read_upload("activities.xlsx", workbook).loc[0, "district_id"] == "1"


# --- structure: no way out of the app but through exports ----------------------------------------------

def _calls(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            yield name, node, parents


def _enclosing_function(node, parents) -> str | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
    return None


def _uses_exports(node: ast.AST) -> bool:
    """Bytes made by exports, directly or through the ledger templates (which are, see below)."""
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
               and (n.value.id == "exports" or (n.value.id == "ledger_bulk" and n.attr.startswith("template_")))
               for n in ast.walk(node))


def test_the_ledger_templates_are_written_by_exports():
    writers = {name: node for name, node, _ in _calls(PROJECT_ROOT / "community_policing" / "ledger" / "bulk.py")}
    assert "to_csv" not in writers and "ExcelWriter" not in writers and "to_excel" not in writers
    source = (PROJECT_ROOT / "community_policing" / "ledger" / "bulk.py").read_text()
    assert "exports.csv_bytes(template(" in source and "exports.excel_sheets(" in source


def _app_files() -> list[Path]:
    return sorted((PROJECT_ROOT / "pages").glob("*.py")) + [PROJECT_ROOT / "dashboard.py"]


def test_pages_never_write_files_themselves():
    """Every download on a page goes through downloads.download_table / downloads.numbers_behind (and so exports)."""
    offenders = [f"{path.name}:{node.lineno} {name}" for path in _app_files() for name, node, _ in _calls(path)
                 if name in {"download_button", "to_csv", "to_excel", "ExcelWriter", "csv_bytes"}]
    assert not offenders, ("call downloads.download_table (tables) or downloads.download_document (PDF, slides) instead: "
                           + ", ".join(offenders))


def test_every_download_button_in_the_web_layer_sends_bytes_made_by_exports():
    web = sorted((PROJECT_ROOT / "community_policing" / "web").glob("*.py"))  # the only Streamlit helpers
    buttons = [(node, parents) for path in web for name, node, parents in _calls(path) if name == "download_button"]
    assert buttons
    for node, parents in buttons:
        data = node.args[1] if len(node.args) > 1 else next(k.value for k in node.keywords if k.arg == "data")
        where = _enclosing_function(node, parents)
        if where == "download_document":  # PDF, slides: refuses spreadsheet files (tested below)
            continue
        assert _uses_exports(data), f"{where}:{node.lineno}: the file must come from exports"
        assert where in {"download_table", "ledger_bulk_entry"}
    library = [f"{path.name}:{node.lineno}" for path in sorted((PROJECT_ROOT / "community_policing").rglob("*.py"))
               if path not in web for name, node, _ in _calls(path) if name == "download_button"]
    assert not library


@pytest.mark.parametrize("name, mime", [("t.csv", "text/csv"), ("t.XLSX", "application/octet-stream"),
                                        ("t.bin", exports.EXCEL_MIME)])
def test_documents_cannot_be_spreadsheets(name, mime):
    from community_policing.web import downloads

    with pytest.raises(ValueError, match="download_table"):
        downloads.download_document("Download", b"=1+1", file_name=name, key="k", mime=mime)


def test_the_cli_writes_csv_only_through_exports():
    raw = [f"cli.py:{node.lineno} {name}" for name, node, _ in _calls(PROJECT_ROOT / "community_policing" / "cli.py")
           if name in {"to_csv", "to_excel", "export_csv", "template_csv", "template_excel"}]
    assert not raw


def test_the_about_sheet_speaks_the_language_and_the_data_stay_as_they_are():
    from community_policing import i18n

    i18n.set_language("es")
    try:
        data = exports.excel_bytes(hostile_frame(), label="Simulated demo data - Riverbend",
                                   notes=["Fuente: el generador de demostración"])
    finally:
        i18n.set_language("en")
    book = assert_safe_workbook(data)
    assert book.sheetnames == ["data", "acerca de"]
    assert [c.value for c in book["acerca de"]["A"]] == ["acerca de", "Datos: Simulated demo data - Riverbend",
                                                         "Fuente: el generador de demostración"]
    assert [c.value for c in book["data"][1]][:2] == ["data_label", "title"]  # column names are data
    assert book["data"]["A2"].value == "Simulated demo data - Riverbend"
    i18n.set_language("es")
    try:  # a data sheet already called like the about sheet
        named = exports.excel_bytes(pd.DataFrame({"a": [1]}), sheet="Acerca de", label="x")
    finally:
        i18n.set_language("en")
    assert openpyxl.load_workbook(io.BytesIO(named)).sheetnames == ["Acerca de", "acerca de este archivo"]



def test_a_workbook_made_later_speaks_the_language_it_is_given():
    """A deferred download runs off the page's run (a server thread, English by default): ``lang`` says which."""
    from community_policing import i18n

    assert i18n.language() == "en"
    book = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(pd.DataFrame({"a": [1]}), label="x", lang="es")))
    assert book.sheetnames == ["data", "acerca de"] and book["acerca de"]["A2"].value == "Datos: x"
    assert i18n.language() == "en"  # unchanged after
    i18n.set_language("es")
    try:
        book = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes(pd.DataFrame({"a": [1]}), label="x", lang="en")))
    finally:
        i18n.set_language("en")
    assert book.sheetnames == ["data", "about"] and book["about"]["A2"].value == "Data: x"
