"""Generic tables (CSV, Excel, Parquet) mapped onto warehouse columns by a manifest.

Every value is read as text first, so that nothing is guessed away: validation against the
schema then converts it and explains any row it cannot use, with the file and line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from community_policing.importers.errors import SourceFileError

TABLE_SUFFIXES = {".csv": "csv", ".txt": "csv", ".gz": "csv", ".xlsx": "excel", ".xls": "excel",
                  ".parquet": "parquet"}


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


def read_text_table(path: Path, fmt: str | None = None, encoding: str = "utf-8", sheet: str | int | None = None,
                    delimiter: str = ",") -> pd.DataFrame:
    """All cells as stripped text ("" for empty), plus ``_line``: the line (CSV, header = 1) or
    spreadsheet row where the record is, so every problem can be pointed at."""
    if not path.exists():
        raise SourceFileError(path, "file not found")
    fmt = file_format(path, fmt)
    try:
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=delimiter,
                                skipinitialspace=True, encoding_errors="strict")
            first_line = 2
        elif fmt == "excel":
            frame = pd.read_excel(path, dtype=str, sheet_name=sheet or 0, keep_default_na=False)
            first_line = 2
        else:
            frame = pd.read_parquet(path).astype("string").fillna("")
            first_line = 1
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"not valid {encoding} text at byte {exc.start}; set encoding in the manifest "
                                    "(for example latin-1)") from None
    except Exception as exc:  # parsers raise many types; the first line says what went wrong
        raise SourceFileError(path, f"cannot read as {fmt} ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    frame["_line"] = range(first_line, first_line + len(frame))
    return frame


def require_columns(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(c for c in frame.columns if c != "_line")
        raise SourceFileError(path, f"missing column(s) {', '.join(missing)}; the file has {available}")


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Dates in the source's own format (ISO when none is given); unparseable values become NaT."""
    text = values.where(values != "")
    if date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    return pd.to_datetime(text, errors="coerce", format="ISO8601")
