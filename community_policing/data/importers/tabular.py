"""Generic tables (CSV, Excel, Parquet) mapped onto warehouse columns by a manifest.

Every value is read as text first, so that nothing is guessed away: validation against the
schema then converts it and explains any row it cannot use, with the file and line.

The reading options a manifest may give any tabular source live here, in one place, so that they
move together when the import's row handling moves into DuckDB:

* ``format`` (csv, excel, parquet; else from the file name), ``sheet``, ``delimiter``;
* ``encoding``: by default UTF-8 with or without a byte-order mark, and any line that is not
  UTF-8 read as Windows-1252/Latin-1 (city exports mix them); a named encoding is used as given;
* ``header = false`` with ``column_names = [...]``: a file without a header line, its columns
  named by position;
* numbers as people write them: thousands separators ("13,343"), a currency sign ("$1,200.50"),
  a percent sign ("45%" is read as 45), accounting negatives ("(12)"). ``clean_numbers`` does
  this for the columns that hold numbers; anything else it leaves as written, so validation
  rejects it with its file, line, column and value instead of a silent empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from community_policing.data import limits
from community_policing.data.importers.errors import ManifestError, SourceFileError
from community_policing.data.importers.slmpd import _raise_field_limit, is_blank, physical_lines

TABLE_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".gz": "csv", ".xlsx": "excel", ".xls": "excel",
                  ".parquet": "parquet"}
# Manifest keys that say how to read a tabular source (any section that names a table file).
READ_KEYS = ("format", "encoding", "sheet", "delimiter", "header", "column_names")


def file_format(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in ("csv", "excel", "parquet"):
            raise SourceFileError(path, f"unknown format {declared!r}; expected csv, excel or parquet")
        return declared
    fmt = TABLE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise SourceFileError(path, f"unknown file type {path.suffix!r}; expected .csv, .xlsx or .parquet "
                                    "(or set format in the manifest)")
    return fmt


def read_options(spec: dict, where: str) -> dict:
    """The reading options of one manifest section, checked: header is true or false, and a file
    without a header names its columns (column_names, a list of distinct non-empty texts)."""
    header = spec.get("header", True)
    if not isinstance(header, bool):
        raise ManifestError(f"{where}: header must be true or false, not {header!r}")
    names = spec.get("column_names")
    if names is not None:
        if header:
            raise ManifestError(f"{where}: column_names is for files without a header line; add header = false")
        if (not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names)):
            raise ManifestError(f"{where}: column_names must be a list of column names, one per column in order")
        if len(set(names)) != len(names):
            raise ManifestError(f"{where}: column_names repeats a name")
    elif not header:
        raise ManifestError(f"{where}: header = false needs column_names = [...] (the columns' names, in order)")
    delimiter = spec.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ManifestError(f"{where}: delimiter must be one character, not {delimiter!r}")
    return {"fmt": spec.get("format"), "encoding": spec.get("encoding"), "sheet": spec.get("sheet"),
            "delimiter": delimiter, "header": header, "column_names": names}


def read_spec_table(path: Path, spec: dict, where: str) -> pd.DataFrame:
    """``read_text_table`` with the reading options of a manifest section."""
    return read_text_table(path, **read_options(spec, where))


def read_source_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip data; a clear error when it cannot be read or is
    larger than the decompressed-size limit (``limits``; gzip is decompressed in chunks and stopped
    at the limit, so a decompression bomb never reaches memory)."""
    if not path.is_file():
        raise SourceFileError(path, "file is a folder" if path.exists() else "file not found")
    limits.check_file_size(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        return limits.gunzip(raw, path)
    return raw


def decode_text(raw: bytes, path: Path, encoding: str | None) -> tuple[str, int]:
    """Text of a file and how many lines were read as Windows-1252/Latin-1.

    No encoding given (or "utf-8"): a UTF-8 byte-order mark is dropped, and a line that is not
    valid UTF-8 is read as Windows-1252 (Latin-1 for the bytes it leaves undefined). Another
    encoding is used strictly, with the byte where it fails."""
    if encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        try:
            return raw.decode(encoding), 0
        except LookupError:
            raise SourceFileError(path, f"unknown encoding {encoding!r}; expected for example utf-8 or latin-1") from None
        except UnicodeDecodeError as exc:
            raise SourceFileError(path, f"not valid {encoding} text at byte {exc.start}; check encoding in the "
                                        "manifest") from None
    from community_policing.data.importers.slmpd import decode_text as mixed

    text, recoded = mixed(raw)
    return text, len(recoded)


INTERNAL_COLUMNS = ("_line", "_problem", "_raw")


def read_text_table(path: Path, fmt: str | None = None, encoding: str | None = None, sheet: str | int | None = None,
                    delimiter: str = ",", header: bool = True, column_names: list[str] | None = None) -> pd.DataFrame:
    """All cells as stripped text ("" for empty), plus

    * ``_line``: the file line where the record starts (CSV; the header, when there is one, is
      line 1, and a record whose quoted cell runs over lines 7-9 is line 7, the next one line 10),
      the spreadsheet row, or the row's position in a Parquet table (the first is 1);
    * ``_problem``: why the record cannot be used whole ("" when it can): cut short, extra
      values, or a quote that never closes (see ``read_csv_records``);
    * ``_raw``: the record's text as the file wrote it (for a spreadsheet, its cells joined by the
      delimiter), cut at COMMON_GROUND_MAX_RAW_CHARS, for ``rejects.raw``.

    Every non-blank CSV line is in exactly one record, so nothing read is lost without a reject.
    Spreadsheet date cells come out as ISO dates ("2026-09-15", "2026-09-15 14:30") and time cells
    as "14:30". ``attrs["recoded_lines"]`` counts lines read as Windows-1252. Sizes are checked
    against ``limits`` before the memory is spent."""
    if not path.exists():
        raise SourceFileError(path, "file not found")
    fmt = file_format(path, fmt)
    recoded = 0
    try:
        if fmt == "csv":
            text, recoded = decode_text(read_source_bytes(path), path, encoding)
            if not text.strip():
                raise SourceFileError(path, "file is empty; expected " + ("a header line and rows" if header
                                                                           else "rows"))
            records = read_csv_records(text, delimiter)
        elif fmt == "excel":
            records = _excel_records(path, sheet, delimiter)
        else:
            records = _parquet_records(path, delimiter)
            if not header:
                records = records[1:]
    except SourceFileError:
        raise
    except Exception as exc:  # parsers raise many types; the first line says what went wrong
        raise SourceFileError(path, f"cannot read as {fmt} ({(str(exc).splitlines() or [type(exc).__name__])[0]})") \
            from None
    frame = _frame(path, records, header, column_names, fmt)
    frame.attrs["recoded_lines"] = recoded
    return frame


@dataclass
class Record:
    """One record of a table file: where it starts and ends, its fields, and any problem."""
    line: int
    end: int
    fields: list[str]
    raw: str
    problem: str = ""


def read_csv_records(text: str, delimiter: str = ",") -> list[Record]:
    """The records of CSV text, each with the file lines it covers.

    A quoted cell may run over several lines (legal CSV), but at most COMMON_GROUND_MAX_RECORD_LINES
    lines: a quote still open after that, or at the end of the file, is a stray quote. Then the line
    where it opened becomes a record of its own with the problem said plainly (its text as far as
    the line goes), and reading starts again on the next line, so a stray quote never swallows the
    lines after it. Blank lines outside quotes are not records. Every non-blank line is in exactly
    one record."""
    lines = physical_lines(text)
    records: list[Record] = []
    body = [(i, line) for i, line in enumerate(lines) if not is_blank(line)]
    # Fast path: every non-blank line is one whole record (no quote runs past its line).
    _raise_field_limit()
    try:
        parsed = list(csv.reader([line for _i, line in body], delimiter=delimiter, skipinitialspace=True,
                             strict=True))
    except csv.Error:
        parsed = None
    if parsed is not None and len(parsed) == len(body):
        return [Record(i + 1, i + 1, fields, line) for (i, line), fields in zip(body, parsed)]
    most = limits.max_record_lines()
    i, n = 0, len(lines)
    while i < n:
        if is_blank(lines[i]):
            i += 1
            continue
        fields, problem = split_line(lines[i], delimiter)
        if problem != UNCLOSED:
            records.append(Record(i + 1, i + 1, fields, lines[i], problem or ""))
            i += 1
            continue
        end = None
        for j in range(i + 1, min(n, i + most)):
            joined, why = split_line("\n".join(lines[i:j + 1]), delimiter)
            if why != UNCLOSED:
                end, fields, problem = j, joined, why
                break
        if end is not None:
            records.append(Record(i + 1, end + 1, fields, "\n".join(lines[i:end + 1]), problem or ""))
            i = end + 1
            continue
        last = min(n, i + most)
        if last >= n:
            reason = (f"an opening quote on line {i + 1} is never closed (it would run to the end of the file, "
                      f"line {n}); line {i + 1} is rejected and the lines after it are read on their own")
        else:
            reason = (f"an opening quote on line {i + 1} is not closed within {most} lines (lines {i + 1}-{last}, "
                      f"COMMON_GROUND_MAX_RECORD_LINES); line {i + 1} is rejected and the lines after it are read "
                      "on their own")
        records.append(Record(i + 1, i + 1, fields, lines[i], reason))
        i += 1
    return records


UNCLOSED = "unclosed"


def split_line(line: str, delimiter: str = ",") -> tuple[list[str], str | None]:
    """CSV text (one record) as fields, and a problem: ``UNCLOSED`` when a quote is still open at
    its end, a reason when the csv module cannot read it, else None. Quote oddities such as
    ``"a"b`` are read leniently, as pandas does; a stray carriage return is read as a space."""
    _raise_field_limit()
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True), []), None
    except csv.Error as exc:
        unclosed = "unexpected end of data" in str(exc)
    try:
        fields = next(csv.reader([line.replace("\r", " ")], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error as exc:
        return [], f"not readable as CSV ({exc})"
    return fields, UNCLOSED if unclosed else None


def _frame(path: Path, records: list[Record], header: bool, column_names: list[str] | None,
           fmt: str) -> pd.DataFrame:
    """Records as the text frame ``read_text_table`` returns (columns, ``_line``, ``_problem``, ``_raw``)."""
    if header:
        if not records:
            raise SourceFileError(path, "file is empty; expected a header line and rows")
        names = _column_names(records[0].fields)
        body = records[1:]
    else:
        names = list(column_names)
        body = records
        width = len(body[0].fields) if body else len(names)
        if width != len(names):
            raise SourceFileError(path, f"the file has {width} columns but column_names names "
                                        f"{len(names)}; give one name per column, in order")
    n = len(names)
    rows, problems = [], []
    for rec in body:
        fields = [f.strip() for f in rec.fields]
        problem = rec.problem
        if len(fields) > n and not any(fields[n:]):  # a trailing delimiter on a line
            fields = fields[:n]
        if not problem and len(fields) < n:
            problem = f"{len(fields)} fields, expected {n}: the row is cut short"
        elif not problem and len(fields) > n:
            problem = f"{len(fields)} fields, expected {n}: the row has more values than the header has columns"
        if problem and rec.end > rec.line:
            problem += f" (the record runs over lines {rec.line}-{rec.end})"
        rows.append(fields[:n] + [""] * (n - len(fields)))
        problems.append(problem)
    frame = pd.DataFrame(rows, columns=range(n), dtype=object) if rows else \
        pd.DataFrame({i: pd.Series(dtype=object) for i in range(n)})
    frame.columns = names
    frame["_line"] = np.asarray([r.line for r in body], dtype=np.int64)
    frame["_problem"] = problems
    frame["_raw"] = [limits.keep_raw(r.raw) for r in body]
    return frame


def _column_names(fields: list[str]) -> list[str]:
    """Header cells as column names, as pandas names them: stripped, without a byte-order mark,
    "Unnamed: 3" for an empty one, "x.1" for a second "x"."""
    names = [str(f).strip().lstrip("\ufeff").strip() for f in fields]
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        name = name or f"Unnamed: {i}"
        base = name
        while name in seen or name in INTERNAL_COLUMNS:
            seen[base] = seen.get(base, 0) + 1
            name = f"{base}.{seen[base]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def cell_text(value) -> str:
    """A spreadsheet or Parquet cell as the text a person sees: dates as ISO ("2026-09-15", with
    " 14:30" when there is a time of day), times as "14:30" (seconds only when there are any),
    whole numbers without ".0", empty cells as ""."""
    if value is None or (not isinstance(value, (str, bytes)) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        value = pd.Timestamp(value).round("s")  # Excel stores times as fractions of a day
        if value == value.normalize():
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        rounded = (dt.datetime.combine(dt.date(2000, 1, 1), value) + dt.timedelta(microseconds=500_000)).time() \
            if value.microsecond >= 500_000 else value
        return rounded.strftime("%H:%M" if rounded.second == 0 else "%H:%M:%S")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def _excel_records(path: Path, sheet, delimiter: str) -> list[Record]:
    """A worksheet's rows (row n is line n) as text records, blank rows skipped. The archive's
    unzipped size and the sheet's claimed dimensions are checked before any cell is read, and the
    cells read are counted as they come, so a small file claiming a huge sheet is refused early."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    limits.check_zip(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except InvalidFileException as exc:
        raise SourceFileError(path, f"cannot read as excel ({exc})") from None
    try:
        if sheet is None or sheet == 0:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(book.worksheets):
                raise SourceFileError(path, f"no sheet number {sheet}; the file has {len(book.worksheets)}")
            ws = book.worksheets[sheet]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise SourceFileError(path, f"no sheet named {sheet!r}; the file has {', '.join(book.sheetnames)}")
        cap = limits.max_sheet_cells()
        rows, cols = ws.max_row or 0, ws.max_column or 0
        if rows * cols > cap:
            raise SourceFileError(path, _too_many_cells(f"sheet {ws.title!r} says it spans {rows:,} rows x {cols:,} "
                                                        "columns", cap))
        ws.reset_dimensions()  # then read the cells that are there, whatever the sheet claims
        records, seen = [], 0
        for number, values in enumerate(ws.iter_rows(min_row=1, min_col=1, values_only=True), start=1):
            seen += max(len(values), 1)
            if seen > cap:
                raise SourceFileError(path, _too_many_cells(f"sheet {ws.title!r} has more cells than that", cap))
            cells = [cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                records.append(Record(number, number, cells, delimiter.join(cells)))
        return records
    finally:
        book.close()


def _parquet_records(path: Path, delimiter: str) -> list[Record]:
    import pyarrow.parquet as pq

    limits.check_file_size(path)
    meta = pq.ParquetFile(path).metadata
    cap = limits.max_sheet_cells()
    if meta.num_rows * meta.num_columns > cap:
        raise SourceFileError(path, _too_many_cells(f"the table has {meta.num_rows:,} rows x {meta.num_columns:,} "
                                                    "columns", cap))
    table = pd.read_parquet(path)
    names = [str(c) for c in table.columns]
    out = [Record(0, 0, names, delimiter.join(names))]
    for number, values in enumerate(table.itertuples(index=False, name=None), start=1):
        cells = [cell_text(v) for v in values]
        out.append(Record(number, number, cells, delimiter.join(cells)))
    return out


def _too_many_cells(what: str, cap: int) -> str:
    return (f"{what}, more than {cap:,} cells, the limit for one sheet; remove the empty or unused part of the sheet, "
            "or raise COMMON_GROUND_MAX_SHEET_CELLS if it is genuine")


def take_problem_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows the reader could not use whole (``_problem``), for the caller to reject with their
    line and reason; the caller keeps ``frame[frame["_problem"] == ""]``."""
    columns = [c for c in ("_line", "_problem", "_raw") if c in frame.columns]
    return frame.loc[frame["_problem"] != "", columns]


def require_columns(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(c for c in frame.columns if c not in INTERNAL_COLUMNS)
        raise SourceFileError(path, f"missing column(s) {', '.join(missing)}; the file has {available}")


def date_expectation(date_format: str | None) -> str:
    """The reason given for a date that does not read: the format it was read with."""
    if date_format:
        return f"expected a date in the manifest's date_format {date_format!r}"
    return "expected an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DD HH:MM), or set date_format in the manifest"


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Dates in the source's own format (ISO when none is given); unparseable values become NaT."""
    text = values.where(values != "")
    if date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    return pd.to_datetime(text, errors="coerce", format="ISO8601")


# A number as people write it: optional sign, optional currency sign, digits with or without
# thousands separators (groups of three after the first), optional decimals, optional percent;
# or the same in accounting parentheses for a negative amount.
_NUMBER = re.compile(
    r"^(?P<open>\()?\s*(?P<sign>[-+])?\s*(?:US\$|\$|€|£)?\s*(?P<sign2>[-+])?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?\s*%?\s*(?P<close>\))?$")


def clean_numbers(values: pd.Series) -> pd.Series:
    """Numbers as written ("13,343", "$1,200.50", "45%", "(12)") as plain numeric text ("13343",
    "1200.50", "45", "-12"). Empty stays empty; text that is not such a number is returned as it
    was, so that validation rejects it with the value the source wrote."""
    text = values.astype("string")
    out = text.copy()
    distinct = text.dropna().unique()
    cleaned = {}
    for value in distinct:
        m = _NUMBER.match(value.strip())
        if not value.strip() or m is None or (m["int"] is None and m["frac"] is None) or \
                bool(m["open"]) != bool(m["close"]) or (m["sign"] and m["sign2"]):
            continue
        negative = bool(m["open"]) or "-" in ((m["sign"] or "") + (m["sign2"] or ""))
        number = (m["int"] or "0").replace(",", "") + (m["frac"] or "")
        cleaned[value] = ("-" if negative else "") + number
    if cleaned:
        out = text.map(lambda v: cleaned.get(v, v) if isinstance(v, str) else v)
    return out.astype(object).where(out.notna(), None)
