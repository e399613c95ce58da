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

import gzip
import io
import re
import zlib
from pathlib import Path

import pandas as pd

from community_policing.importers.errors import ManifestError, SourceFileError

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
    """The file's bytes, gunzipped when it is gzip data; a clear error when it cannot be read."""
    if not path.is_file():
        raise SourceFileError(path, "file is a folder" if path.exists() else "file not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceFileError(path, f"damaged gzip data ({exc}); expected a gzip-compressed file") from None
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
    from community_policing.importers.slmpd import decode_text as mixed

    text, recoded = mixed(raw)
    return text, len(recoded)


def read_text_table(path: Path, fmt: str | None = None, encoding: str | None = None, sheet: str | int | None = None,
                    delimiter: str = ",", header: bool = True, column_names: list[str] | None = None) -> pd.DataFrame:
    """All cells as stripped text ("" for empty), plus ``_line``: the line (CSV; the header, when
    there is one, is line 1) or spreadsheet row where the record is, so every problem can be
    pointed at. ``attrs["recoded_lines"]`` counts lines read as Windows-1252."""
    if not path.exists():
        raise SourceFileError(path, "file not found")
    fmt = file_format(path, fmt)
    recoded = 0
    layout = None
    try:
        if fmt == "csv":
            text, recoded = decode_text(read_source_bytes(path), path, encoding)
            if not text.strip():
                raise SourceFileError(path, "file is empty; expected " + ("a header line and rows" if header
                                                                           else "rows"))
            # index_col=False: a trailing comma on every row must not shift the columns by one.
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=delimiter,
                                skipinitialspace=True, header=0 if header else None, index_col=False)
            first_line = 2 if header else 1
            layout = _csv_layout(text, delimiter, header)
        elif fmt == "excel":
            frame = pd.read_excel(path, dtype=str, sheet_name=sheet or 0, keep_default_na=False,
                                  header=0 if header else None)
            first_line = 2 if header else 1
        else:
            frame = pd.read_parquet(path).astype("string").fillna("")
            first_line = 1
    except SourceFileError:
        raise
    except pd.errors.EmptyDataError:
        frame, first_line = pd.DataFrame(), 2
    except Exception as exc:  # parsers raise many types; the first line says what went wrong
        raise SourceFileError(path, f"cannot read as {fmt} ({str(exc).splitlines()[0]})") from None
    if not header:
        if frame.shape[1] != len(column_names):
            raise SourceFileError(path, f"the file has {frame.shape[1]} columns but column_names names "
                                        f"{len(column_names)}; give one name per column, in order")
        frame.columns = list(column_names)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    frame["_line"] = range(first_line, first_line + len(frame))
    frame["_problem"] = ""
    if fmt == "csv" and layout is not None and len(layout[0]) == len(frame):
        # File lines, whatever blank lines or quoted line breaks come before (pandas counts records).
        lines, fields = layout
        frame["_line"] = lines
        expected = frame.shape[1] - 2
        short = fields < expected
        frame.loc[short, "_problem"] = [f"{n} fields, expected {expected}: the row is cut short" for n in fields[short]]
    frame.attrs["recoded_lines"] = recoded
    return frame


def _csv_layout(text: str, delimiter: str, header: bool):
    """File line where each data record starts, and its number of fields (comma files only; None
    when the layout cannot be read this way), from the same record reader as the SLMPD files."""
    if delimiter != ",":
        return None
    from community_policing.importers.slmpd import _record_layout

    starts, fields, _ = _record_layout(text)
    return (starts[1:], fields[1:]) if header else (starts, fields)


def take_problem_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows the reader could not use whole (``_problem``), for the caller to reject with their
    line and reason; the caller keeps ``frame[frame["_problem"] == ""]``."""
    return frame.loc[frame["_problem"] != "", ["_line", "_problem"]]


def require_columns(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(c for c in frame.columns if c != "_line")
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
