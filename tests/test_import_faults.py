"""Issue 15, importers: faults and attacks on source files, performed for real, checked where a user sees
them (the loader's accounting and rejects, the command line's one-line error, the ledger upload).

* A stray quote in a source row does not swallow the lines after it (SLMPD: every line is one record;
  generic CSV: a quote open longer than COMMON_GROUND_MAX_RECORD_LINES lines, or to the end, is a stray).
* Reject line numbers are file lines, also after a quoted cell that runs over lines.
* A gzip bomb and a spreadsheet that claims XFD1048576 are refused with a clear message before the
  memory is spent.
* Excel date and time cells are read as dates and times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import shapely

from community_policing import cli
from community_policing.data import limits, loader
from community_policing.ledger import bulk as ledger_bulk
from community_policing.data.importers import slmpd, tabular
from community_policing.data.importers.errors import SourceFileError
from community_policing.ledger.book import Ledger

SLMPD_HEADER = (
    "Complaint,CodedMonth,DateOccur,FlagCrime,FlagUnfounded,FlagAdministrative,Count,FlagCleanup,"
    "Crime,District,Description,ILEADSAddress,ILEADSStreet,Neighborhood,LocationName,"
    "LocationComment,CADAddress,CADStreet,XCoord,YCoord"
)


def slmpd_row(i: int, desc: str = "ROBBERY", month: int = 3) -> str:
    return (f"15-{i:06d} ,2015-{month:02d},{month:02d}/{1 + i % 28:02d}/2015 10:00,Y, , ,1, , 31111,4,{desc}  ,"
            f"100,MARKET ST,35, , ,100,MARKET,{906000 + i % 5000},{1020000 + i % 5000}")


def slmpd_lines(n: int) -> list[str]:
    return [SLMPD_HEADER] + [slmpd_row(i) for i in range(1, n + 1)]


GENERIC_HEADER = "case,occurred,offense,zone,notes"


def generic_row(i: int, notes: str = "ok") -> str:
    return f"G{i},2024-03-{1 + i % 28:02d} 10:00,THEFT,4,{notes}"


MANIFEST = """
name = "Fault Town"
source = "test fixture"

[districts]
file = "districts.geojson"
id_field = "DIST"
name_template = "District {id}"

[[incidents]]
files = "slmpd_*.csv*"
profile = "slmpd"
district_codes_from = "2014-01"

[[incidents]]
files = "generic*.csv*"
coordinates_crs = "EPSG:4326"
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


def write_city(folder: Path) -> Path:
    """A one-district city (a box over St. Louis) whose manifest reads SLMPD files (slmpd_*.csv*) and
    generic CSVs (generic*.csv*)."""
    folder.mkdir(parents=True, exist_ok=True)
    box = json.loads(shapely.to_geojson(shapely.box(-90.40, 38.50, -90.10, 38.80)))
    layer = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"DIST": "4"}, "geometry": box}]}
    (folder / "districts.geojson").write_text(json.dumps(layer))
    (folder / "city.toml").write_text(MANIFEST)
    # One clean file of each kind, so that each [[incidents]] section always finds a file.
    write_lines(folder / "slmpd_2015-02.csv", [SLMPD_HEADER] + [slmpd_row(i, month=2) for i in range(90001, 90004)])
    write_lines(folder / "generic_base.csv", [GENERIC_HEADER] + [generic_row(i) for i in range(9001, 9004)])
    return folder / "city.toml"


def write_lines(path: Path, lines: list[str], crlf: bool = True, gz: bool = False) -> Path:
    data = (("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def file_entry(city, name: str) -> dict:
    return next(f for f in city.log.files if f["file"] == name)


def rejects_of(city, name: str) -> pd.DataFrame:
    rejects = city.log.all_rejects()
    return rejects[rejects["file"] == name].set_index("line")


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


# --- a stray quote ----------------------------------------------------------------------------------


def test_a_stray_quote_in_an_slmpd_row_rejects_that_line_only(tmp_path):
    manifest = write_city(tmp_path)
    lines = slmpd_lines(4547)  # 4,548 lines, as in the file that was read as "3 rows"
    lines[16] = slmpd_row(16, desc='"ARMED ROBBERY')  # line 17: a quote that never closes
    write_lines(tmp_path / "slmpd_2015-03.csv", lines)
    city = loader.read_city(manifest, tmp_path)
    entry = file_entry(city, "slmpd_2015-03.csv")
    assert entry["rows_read"] == 4547
    assert entry["rows_loaded"] == 4546 and entry["rows_rejected"] == 1
    rejects = rejects_of(city, "slmpd_2015-03.csv")
    assert list(rejects.index) == [17]
    assert rejects.loc[17, "reason"] == slmpd.UNCLOSED_QUOTE
    assert rejects.loc[17, "raw"] == lines[16]  # the line's text as the file wrote it
    loaded = set(city.tables["incidents"].query("_file == 'slmpd_2015-03.csv'")["_line"])
    assert loaded == set(range(2, 4549)) - {17}


def test_a_stray_quote_in_a_generic_csv_does_not_swallow_the_file(tmp_path):
    manifest = write_city(tmp_path)
    lines = [GENERIC_HEADER] + [generic_row(i) for i in range(1, 200)]
    lines[16] = generic_row(16, notes='"said hi')  # line 17: the opening quote never closes
    write_lines(tmp_path / "generic.csv", lines, crlf=False)
    city = loader.read_city(manifest, tmp_path)
    entry = file_entry(city, "generic.csv")
    assert entry["rows_read"] == 199 and entry["rows_loaded"] == 198 and entry["rows_rejected"] == 1
    rejects = rejects_of(city, "generic.csv")
    assert list(rejects.index) == [17]
    assert rejects.loc[17, "reason"].startswith("an opening quote on line 17 is not closed within 20 lines "
                                                "(lines 17-36, COMMON_GROUND_MAX_RECORD_LINES)")
    assert "line 17 is rejected and the lines after it are read on their own" in rejects.loc[17, "reason"]
    assert rejects.loc[17, "raw"] == lines[16]


def test_a_quote_open_for_more_lines_than_the_limit_is_a_stray(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMON_GROUND_MAX_RECORD_LINES", "5")
    lines = [GENERIC_HEADER] + [generic_row(i) for i in range(1, 30)]
    lines[9] = generic_row(9, notes='"opens here')  # line 10
    lines[20] = generic_row(20, notes='closes here"')  # line 21: 12 lines later
    path = write_lines(tmp_path / "generic.csv", lines)
    table = tabular.read_text_table(path)
    assert list(table["_line"]) == list(range(2, 31))  # every line is a record of its own
    problems = table.set_index("_line")["_problem"]
    assert problems[10].startswith("an opening quote on line 10 is not closed within 5 lines (lines 10-14, ")
    assert (problems.drop([10, 21]) == "").all()  # line 21's stray closing quote leaves 5 fields: read as written


# --- line numbers are file lines ---------------------------------------------------------------------


def test_reject_lines_are_file_lines_after_a_multiline_cell(tmp_path):
    manifest = write_city(tmp_path)
    lines = [GENERIC_HEADER,
             generic_row(1), generic_row(2), "", generic_row(4), generic_row(5),  # lines 2-6, line 4 blank
             'G7,2024-03-07 10:00,THEFT,4,"a note', "over three", 'lines"',       # one record, lines 7-9
             "G10,31/31/2024,THEFT,4,bad date",                                  # line 10
             generic_row(11)]
    write_lines(tmp_path / "generic.csv", lines, crlf=True)
    city = loader.read_city(manifest, tmp_path)
    entry = file_entry(city, "generic.csv")
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_rejected"]) == (7, 6, 1)
    rejects = rejects_of(city, "generic.csv")
    assert list(rejects.index) == [10] and rejects.loc[10, "value"] == "31/31/2024"
    loaded = city.tables["incidents"].query("_file == 'generic.csv'").set_index("_line")
    assert sorted(loaded.index) == [2, 3, 5, 6, 7, 11]
    assert loaded.loc[7, "id"] == "G7"


# --- bombs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["slmpd_2015-03.csv.gz", "generic.csv.gz"])
def test_a_gzip_bomb_is_refused_before_memory_is_spent(tmp_path, monkeypatch, name):
    monkeypatch.setenv("COMMON_GROUND_MAX_DECOMPRESSED_MB", "5")
    manifest = write_city(tmp_path)
    header = (SLMPD_HEADER if name.startswith("slmpd") else GENERIC_HEADER).encode() + b"\n"
    with gzip.open(tmp_path / name, "wb", compresslevel=9) as out:  # 50 MB of zeros, 50 KB on disk
        out.write(header)
        block = b"\x00" * (1 << 20)
        for _ in range(50):
            out.write(block)
    assert (tmp_path / name).stat().st_size < 200_000
    code, out, err = run_cli("check", str(manifest), "--source-dir", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {tmp_path / name}: the file decompresses to more than 5 MB, the limit for one "
                          "source file")


def bomb_xlsx(path: Path, dimension: str, far_cell: str | None, rows: int = 2) -> Path:
    """A real small workbook whose sheet claims ``dimension`` (and, optionally, has one cell at ``far_cell``)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "activities"
    sheet.append(["date", "district_id", "type", "title"])
    for i in range(rows - 1):
        sheet.append(["2026-01-15", "1", "community_meeting", f"row {i}"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', data.decode())
                if far_cell:
                    row = re.sub(r"\D", "", far_cell)
                    text = text.replace("</sheetData>", f'<row r="{row}"><c r="{far_cell}" t="n"><v>1</v></c></row>'
                                                        "</sheetData>")
                data = text.encode()
            out.writestr(item, data)
    return path


def test_a_spreadsheet_claiming_xfd1048576_is_refused_before_it_is_read(tmp_path):
    path = bomb_xlsx(tmp_path / "activities.xlsx", "A1:XFD1048576", "XFD1048576")
    assert path.stat().st_size < 20_000
    with pytest.raises(SourceFileError) as err:
        ledger_bulk.read_upload("activities.xlsx", path.read_bytes())
    message = str(err.value)
    assert "\n" not in message and message.endswith(
        "activities.xlsx: sheet 'activities' says it spans 1,048,576 rows x 16,384 columns, more than 20,000,000 "
        "cells, the limit for one sheet; remove the empty or unused part of the sheet, or raise "
        "COMMON_GROUND_MAX_SHEET_CELLS if it is genuine")


def test_a_spreadsheet_that_hides_its_size_is_stopped_as_its_cells_are_counted(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMON_GROUND_MAX_SHEET_CELLS", "1000")
    path = bomb_xlsx(tmp_path / "activities.xlsx", "A1:D2", None, rows=400)  # 1,600 cells, claims 8
    with pytest.raises(SourceFileError, match="sheet 'activities' has more cells than that, more than 1,000 cells"):
        tabular.read_text_table(path)
    monkeypatch.setenv("COMMON_GROUND_MAX_SHEET_CELLS", "2000")
    assert len(tabular.read_text_table(path)) == 399  # within the limit, every row, whatever the claim


def test_an_upload_over_the_limit_is_refused_by_its_size(monkeypatch):
    monkeypatch.setenv("COMMON_GROUND_MAX_UPLOAD_MB", "1")
    with pytest.raises(SourceFileError, match=r"big.csv: the upload is 2.0 MB, more than 1 MB"):
        limits.check_upload_size("big.csv", 2 * limits.MB)
    limits.check_upload_size("small.csv", limits.MB)


def test_a_bad_limit_setting_is_one_clear_line(monkeypatch):
    monkeypatch.setenv("COMMON_GROUND_MAX_SHEET_CELLS", "lots")
    with pytest.raises(ValueError, match="COMMON_GROUND_MAX_SHEET_CELLS must be a positive whole number, not 'lots'"):
        limits.max_sheet_cells()


# --- Excel dates and times ------------------------------------------------------------------------------


def test_excel_date_and_time_cells_load_through_the_ledger_template(tmp_path):
    raw = ledger_bulk.template_excel("1")
    book = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = book["activities"]
    columns = [c.value for c in sheet[1]]
    sheet.delete_rows(2)  # the example row
    values = {"date": dt.datetime(2026, 9, 15), "start_time": dt.time(14, 30), "district_id": "1",
              "type": "community_meeting", "title": "Block party"}
    sheet.append([values.get(c) for c in columns])
    sheet.cell(row=2, column=columns.index("date") + 1).number_format = "yyyy-mm-dd"
    sheet.cell(row=2, column=columns.index("start_time") + 1).number_format = "hh:mm"
    buffer = io.BytesIO()
    book.save(buffer)
    frame = ledger_bulk.read_upload("activities.xlsx", buffer.getvalue())
    assert frame.loc[0, "date"] == "2026-09-15" and frame.loc[0, "start_time"] == "14:30"
    ledger = Ledger(tmp_path / "ledger.sqlite")
    result = ledger_bulk.load_rows(ledger, frame, user="coordinator", valid_district_ids={"1"})
    assert result.rejects.empty and len(result.recorded) == 1
    entry = ledger.entries().iloc[0]
    assert str(entry["date"])[:10] == "2026-09-15" and entry["start_time"] == "14:30"


def test_excel_datetime_cells_are_iso_text_the_date_parsers_accept(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["when", "at", "n"])
    for row in ([dt.datetime(2026, 9, 15), dt.time(9, 5), 1.0], [dt.datetime(2026, 9, 15, 14, 30), dt.time(23, 59, 59), 2.5],
                [dt.datetime(2026, 9, 15, 14, 30, 5), None, 3]):
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    table = tabular.read_text_table(path)
    assert list(table["when"]) == ["2026-09-15", "2026-09-15 14:30", "2026-09-15 14:30:05"]
    assert list(table["at"]) == ["09:05", "23:59:59", ""]
    assert list(table["n"]) == ["1", "2.5", "3"]
    assert list(table["_line"]) == [2, 3, 4]
    parsed = tabular.parse_dates(table["when"], None)
    assert list(parsed) == [pd.Timestamp("2026-09-15"), pd.Timestamp("2026-09-15 14:30"),
                            pd.Timestamp("2026-09-15 14:30:05")]
