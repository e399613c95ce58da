"""Reader for the St. Louis Metropolitan Police Department (SLMPD) monthly crime files.

The files are read exactly as SLMPD published them (``slmpd_YYYY-MM.csv`` or ``.csv.gz``, see
``shared/data/SOURCES.md`` section 1): CRLF line endings, padding spaces in every field, a UTF-8
byte-order mark in some files, Windows-1252/Latin-1 bytes in a handful of rows, and three header
variants:

1. 2008-01 to 2013-08 (except 2013-06): ``MonthReportedtoMSHP, DateOccured, NewCrimeIndicator,
   UnfoundedCrimeIndicator, AdministrativeAdjustmentIndicator, Count, Crime, ...``; no
   ``Complaint`` column.
2. 2013-06 and 2013-09 to 2019-12 (except 2017-05): ``Complaint, CodedMonth, DateOccur,
   FlagCrime, FlagUnfounded, FlagAdministrative, Count, FlagCleanup, Crime, ...``.
3. 2017-05 only: the variant-2 columns spelled with spaces and hyphens (``Coded Month``,
   ``Flag-Crime``, ``X-Coord``) plus ``ILeads Add, ILeads Approve, Beat, ILeads Asg, ILeads Type,
   Date Crime Coded``.

``read_slmpd_file`` returns one normalized row per data line (crimes or not, nothing dropped) and
a table of row-level problems; what to do with a problem row is the loader's decision.

Counting convention (reproduces SLMPD's official yearly totals exactly, see the tests): sum
``count`` over the rows where ``is_crime`` is true, by the year of ``coded_month``.

* Variants 2 and 3: ``is_crime`` is ``FlagCrime == 'Y'``.
* Variant 1 has no ``FlagCrime``. Each row carries exactly one of ``NewCrimeIndicator``,
  ``UnfoundedCrimeIndicator`` and ``AdministrativeAdjustmentIndicator`` = ``Y``; the new-crime rows
  are all ``+1``, the unfounded rows all ``-1`` and the administrative rows both. ``is_crime`` is
  ``NewCrimeIndicator == 'Y'``, the same meaning as ``FlagCrime`` (in variant 2 every
  ``FlagCrime='Y'`` row is ``+1`` too, and unfounded/administrative rows are not flagged).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from community_policing.data import limits
from community_policing.data.importers.errors import SourceFileError
from community_policing.data.offense_codes import (
    PART_I_CLASSES,
    PART_II_CLASSES,
    PART_II_CODE_OVERRIDES,
    ucr_department_code_groups,
)
from community_policing.data.offenses import offense_groups_table

__all__ = [
    "OFFENSE_GROUPS",
    "PART_I_CLASSES",
    "PART_II_CLASSES",
    "PART_II_CODE_OVERRIDES",
    "SourceFileError",
    "SlmpdFile",
    "decode_text",
    "offense_group_for",
    "read_slmpd_file",
]

# --------------------------------------------------------------------------------------------
# Offense groups
# --------------------------------------------------------------------------------------------

# The warehouse's offense groups (one vocabulary for every city).
OFFENSE_GROUPS = offense_groups_table()

# The UCR class table and the code-to-group rule live in ``community_policing.data.offense_codes``
# (one copy for every importer and manifest); SLMPD crime codes are department codes there.
offense_group_for = ucr_department_code_groups


# --------------------------------------------------------------------------------------------
# Header variants
# --------------------------------------------------------------------------------------------

def _norm(name: str) -> str:
    """Header name for matching: no BOM, no spaces/hyphens/underscores, lower case."""
    return re.sub(r"[\s\-_\ufeff]", "", name).lower()


_V1 = (
    "monthreportedtomshp dateoccured newcrimeindicator unfoundedcrimeindicator "
    "administrativeadjustmentindicator count crime district description ileadsaddress ileadsstreet "
    "neighborhood locationname locationcomment cadaddress cadstreet xcoord ycoord"
).split()
_V2 = (
    "complaint codedmonth dateoccur flagcrime flagunfounded flagadministrative count flagcleanup "
    "crime district description ileadsaddress ileadsstreet neighborhood locationname "
    "locationcomment cadaddress cadstreet xcoord ycoord"
).split()
_V3 = (
    "complaint codedmonth dateoccur flagcrime flagunfounded flagadministrative count flagcleanup "
    "crime ileadsadd ileadsapprove district beat description ileadsaddress ileadsstreet "
    "neighborhood ileadsasg ileadstype locationname locationcomment cadaddress cadstreet xcoord "
    "ycoord datecrimecoded"
).split()
_VARIANT_COLUMNS: dict[int, list[str]] = {1: _V1, 2: _V2, 3: _V3}

# Canonical field -> normalized header name, per variant (only the fields this reader uses).
_COMMON = {
    "count": "count", "crime": "crime", "district": "district", "description": "description",
    "neighborhood": "neighborhood", "x": "xcoord", "y": "ycoord",
}
_V23 = {
    **_COMMON, "complaint": "complaint", "coded_month": "codedmonth", "date_occur": "dateoccur",
    "flag_crime": "flagcrime",
}
_FIELDS: dict[int, dict[str, str]] = {
    1: {**_COMMON, "coded_month": "monthreportedtomshp", "date_occur": "dateoccured",
        "flag_crime": "newcrimeindicator"},
    2: _V23,
    3: _V23,
}

_EXPECTED_HINT = (
    "expected SLMPD monthly columns such as Complaint, CodedMonth, DateOccur, FlagCrime, Count, "
    "Crime, District, Description, Neighborhood, XCoord, YCoord (or MonthReportedtoMSHP, "
    "DateOccured, NewCrimeIndicator, ... before 2013-09)"
)


def _detect_variant(header: list[str]) -> int | None:
    names = [_norm(h) for h in header]
    for variant, cols in _VARIANT_COLUMNS.items():
        if names == cols:
            return variant
    # Same columns in another order, or extra columns: accept when every used column is there,
    # preferring the variant that shares the most columns.
    present = set(names)
    candidates = [
        (len(present & set(_VARIANT_COLUMNS[v])), v)
        for v, fields in _FIELDS.items()
        if set(fields.values()) <= present
    ]
    return max(candidates)[1] if candidates else None


# --------------------------------------------------------------------------------------------
# Errors and result
# --------------------------------------------------------------------------------------------

@dataclass
class SlmpdFile:
    path: Path
    header_variant: int
    rows: pd.DataFrame
    problems: pd.DataFrame
    rows_read: int
    # Physical lines (1-based) that were not valid UTF-8 and were decoded as Windows-1252/Latin-1.
    recoded_lines: tuple[int, ...] = field(default=())
    # The file's physical lines as text (line n is item n - 1), for the raw text of rejects.
    lines: list[str] = field(default_factory=list, repr=False)

    def raw_text(self, line_numbers) -> list[str | None]:
        """The text of the given file lines as the file wrote them (cut at COMMON_GROUND_MAX_RAW_CHARS),
        for ``rejects.raw``; None for a number outside the file."""
        n = len(self.lines)
        return [limits.keep_raw(self.lines[int(k) - 1]) if 1 <= int(k) <= n else None for k in line_numbers]


ROW_COLUMNS = [
    "line", "complaint", "coded_month", "occurred_at", "reported_at", "crime_code",
    "offense_description", "offense_group", "is_crime", "count", "district_code",
    "neighborhood_code", "x_ft", "y_ft", "lon", "lat", "coord_note",
]
PROBLEM_COLUMNS = ["line", "column", "value", "reason", "raw"]

# Problem reasons (the ``reason`` column).
BAD_DATE = "expected a date as MM/DD/YYYY HH:MM"
PLACEHOLDER_DATE = "placeholder occurrence date"
OCCURRED_AFTER = "occurred after it was reported"
BAD_COUNT = "expected a count of 1 or -1"
BAD_CRIME_CODE = "expected a numeric crime code"
BAD_MONTH = "expected the coded month as YYYY-MM"
BAD_DISTRICT = "expected a district number (0-9 before 2014-01, 0-6 from 2014-01)"
BAD_NEIGHBORHOOD = "expected a neighborhood number (0-88)"
BAD_FIELD_COUNT = "wrong number of fields"
UNCLOSED_QUOTE = ("a quote opened on this line is not closed on it (SLMPD fields never span lines); "
                  "the line is rejected and the next line read on its own")

# Coordinate notes (the ``coord_note`` column).
NOT_GEOCODED = "not geocoded"
UNREADABLE_COORDS = "unreadable coordinates"
OUTSIDE_CITY = "outside St. Louis"

SOURCE_CRS = "ESRI:102696"  # NAD83 StatePlane Missouri East, US feet
STL_BBOX = (-90.45, 38.45, -90.10, 38.80)  # lon min, lat min, lon max, lat max
PLACEHOLDER_BEFORE = pd.Timestamp("1900-02-01")
DATE_FORMAT = "%m/%d/%Y %H:%M"
_OTHER_DATE_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
_TS_DTYPE = "datetime64[us]"


@functools.lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs(SOURCE_CRS, "EPSG:4326", always_xy=True)


def state_plane_to_lonlat(x_ft, y_ft) -> tuple[np.ndarray, np.ndarray]:
    """Missouri East State Plane (US feet) to WGS84 longitude/latitude, vectorized."""
    lon, lat = _transformer().transform(np.asarray(x_ft, dtype=float), np.asarray(y_ft, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        what = "is a folder" if path.exists() else "not found"
        raise SourceFileError(path, f"file {what}; expected an SLMPD monthly file (.csv or .csv.gz)")
    limits.check_file_size(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc
        raise SourceFileError(path, f"cannot be read ({reason}); expected a readable SLMPD monthly file") from None
    if raw[:2] == b"\x1f\x8b":
        raw = limits.gunzip(raw, path, "a gzip-compressed CSV")
    elif path.suffix.lower() == ".gz":
        raise SourceFileError(path, "not gzip data; expected a gzip-compressed CSV (.csv.gz)")
    return raw


def decode_text(raw: bytes) -> tuple[str, tuple[int, ...]]:
    """Text of the file without BOM; lines that are not UTF-8 are decoded as Windows-1252
    (Latin-1 for the few bytes Windows-1252 leaves undefined). Returns the text and the
    1-based numbers of the lines so decoded."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    out: list[str] = []
    recoded: list[int] = []
    for i, line in enumerate(lines):  # only files with non-UTF-8 bytes get here
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                out.append(line.decode("latin-1"))
            recoded.append(i + 1)
    return "\n".join(out), tuple(recoded)


def physical_lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them (split at LF; a CR before it is dropped). Line
    n of the file is item n - 1."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def is_blank(line: str) -> bool:
    """A line of nothing but spaces and tabs is not a record (as in pandas)."""
    return not line.strip(" \t\r")


def split_line(line: str) -> tuple[list[str], str | None]:
    """One physical line as CSV fields, and why it cannot be trusted (None when it can).

    A quote opened in a field and not closed on the same line does not run on into the next
    lines: the line is read up to its end and reported (``UNCLOSED_QUOTE``). Other quote oddities
    (``"a"b``) are read leniently, as pandas does; a stray carriage return is read as a space."""
    _raise_field_limit()
    try:
        return next(csv.reader([line], strict=True), []), None
    except csv.Error as exc:
        unclosed = "unexpected end of data" in str(exc)
    try:
        fields = next(csv.reader([line.replace("\r", " ")]), [])
    except csv.Error as exc:
        return [], f"not readable as CSV ({exc})"
    return fields, UNCLOSED_QUOTE if unclosed else None


@functools.cache
def _raise_field_limit() -> None:
    # The csv module refuses fields over 128 KiB; the decompressed-size limit is the real bound.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def _line_layout(lines: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line number (1-based) of every record (non-blank line), header included; its field count
    (commas outside quoted sections, plus one); and whether its quotes are balanced."""
    s = pd.Series(lines, dtype="str")
    record = ~s.str.fullmatch(r"[ \t]*").to_numpy(dtype=bool)
    s = s[record]
    balanced = (s.str.count('"').to_numpy(dtype=np.int64) % 2) == 0
    unquoted = s.str.replace(r'"[^"]*"', "", regex=True)
    nfields = unquoted.str.count(",").to_numpy(dtype=np.int64) + 1
    return np.flatnonzero(record) + 1, nfields, balanced


def _parse(text: str, path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray, np.ndarray, dict[int, str], list[str]]:
    """Header, data frame of raw string fields (one column per header field), the line number and
    field count of every data record, the lines that could not be read whole (line -> reason),
    and the file's physical lines.

    SLMPD writes one record per line and never quotes across lines, so every line is read on its
    own: a stray quote cannot swallow the lines after it. Fast path: pandas' C parser, used only
    when it provably reads one record per line (quotes balanced on every line, the same number of
    records as non-blank lines, no NUL or stray carriage return). Otherwise each line is split by
    the csv module (short rows padded, long rows cut, both reported by the caller)."""
    lines = physical_lines(text)
    starts, nfields, balanced = _line_layout(lines)
    if len(starts) == 0:
        raise SourceFileError(path, "file is empty; expected a header line and SLMPD monthly rows")
    df = None
    plain = "\x00" not in text and "\r" not in text.replace("\r\n", "")
    if plain and balanced.all() and (nfields == nfields[0]).all():
        try:
            df = pd.read_csv(
                io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_filter=False,
                skip_blank_lines=True, engine="c", quoting=csv.QUOTE_MINIMAL,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            df = None
        if df is not None and (len(df) != len(starts) or df.shape[1] != nfields[0]):
            df = None
    if df is not None:
        header = [str(h) for h in df.iloc[0].tolist()]
        data = df.iloc[1:].reset_index(drop=True)
        data.columns = range(data.shape[1])
        return header, data, starts[1:], nfields[1:], {}, lines
    records: list[list[str]] = []
    unreadable: dict[int, str] = {}
    for number in starts:
        fields, problem = split_line(lines[number - 1])
        records.append(fields)
        if problem:
            unreadable[int(number)] = problem
    header, body = records[0], records[1:]
    n = len(header)
    counts = np.asarray([len(r) for r in body], dtype=np.int64)
    fixed = [r[:n] + [""] * (n - len(r)) if len(r) != n else r for r in body]
    data = pd.DataFrame(fixed or None, columns=range(n), dtype=object)
    unreadable.pop(int(starts[0]), None)
    return header, data, starts[1:], counts, unreadable, lines


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series(dtype=np.int64), "column": pd.Series(dtype=object),
                         "value": pd.Series(dtype=object), "reason": pd.Series(dtype=object),
                         "raw": pd.Series(dtype=object)})


def read_slmpd_file(path) -> SlmpdFile:
    """Read one SLMPD monthly file (.csv or .csv.gz) as published.

    Returns every data line as a normalized row (see ``ROW_COLUMNS``) and the row-level problems
    (``line, column, value, reason, raw``; the affected field is NaN/None/NaT in ``rows``; ``raw``
    is the line's text as written). Each non-blank line after the header is one record, so
    ``rows_read`` is the number of such lines and every one of them is a row. Raises
    ``SourceFileError`` when the file is missing, empty, too large (``limits``) or not an SLMPD
    monthly file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    text, recoded = decode_text(raw)
    if not text.strip():
        raise SourceFileError(path, "file is empty; expected a header line and SLMPD monthly rows")

    # Check the header (the first non-blank line, read on its own) before parsing the whole file.
    first_line = next((line for line in physical_lines(text[:1_000_000]) if not is_blank(line)), "")
    header = [h.strip() for h in split_line(first_line)[0]]
    variant = _detect_variant(header)
    if variant is None:
        shown = [h if len(h) <= 40 else h[:37] + "..." for h in header[:30]]
        more = ", ..." if len(header) > 30 else ""
        got = ", ".join(repr(h)[1:-1] for h in shown) + more
        raise SourceFileError(path, f"unrecognised header; {_EXPECTED_HINT} (got: {got})")

    header, data, lines, nfields, unreadable, physical = _parse(text, path)
    multiline = bool(unreadable)  # a stray carriage return or quote: clean line breaks out of values
    header = [h.strip() for h in header]
    norm = [_norm(h) for h in header]
    position = {}
    for i, name in enumerate(norm):
        position.setdefault(name, i)
    fields = _FIELDS[variant]

    def raw_col(canon: str) -> pd.Series:
        s = data[position[fields[canon]]].astype("str")
        if multiline:  # a quoted field spanning lines: its line break becomes one space
            s = s.str.replace(r"\s*[\r\n]+\s*", " ", regex=True)
        return s.str.strip()

    def src_name(canon: str) -> str:
        return header[position[fields[canon]]]

    n = len(data)
    problems: list[pd.DataFrame] = []

    def flag(mask, canon: str | None, values, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            problems.append(pd.DataFrame({
                "line": lines[mask],
                "column": src_name(canon) if canon else None,
                "value": np.asarray(values, dtype=object)[mask],
                "reason": reason,
            }))

    n_expected = len(header)
    if unreadable:
        broken = np.isin(lines, list(unreadable))
        flag(broken, None, [f"{k} fields read" for k in nfields], "")
        problems[-1]["reason"] = [unreadable[int(k)] for k in lines[broken]]
    else:
        broken = np.zeros(len(lines), dtype=bool)
    bad_width = (nfields != n_expected) & ~broken
    if bad_width.any():
        flag(bad_width, None, [f"{k} fields, expected {n_expected}" for k in nfields], BAD_FIELD_COUNT)

    # Coded month and reported_at (first day of the coded month, 00:00).
    month = raw_col("coded_month")
    month_ok = month.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").to_numpy(dtype=bool)
    flag(~month_ok, "coded_month", month, BAD_MONTH)
    coded_month = month.where(month_ok, None)
    reported_at = pd.to_datetime(month.where(month_ok, "") + "-01", format="%Y-%m-%d", errors="coerce")
    reported_at = reported_at.astype(_TS_DTYPE)

    # Occurrence date.
    occ_raw = raw_col("date_occur")
    occurred = pd.to_datetime(occ_raw, format=DATE_FORMAT, errors="coerce")
    unparsed = occurred.isna() & (occ_raw != "")
    for fmt in _OTHER_DATE_FORMATS:  # rare: only rows the main format rejected
        if not unparsed.any():
            break
        alt = pd.to_datetime(occ_raw[unparsed], format=fmt, errors="coerce")
        occurred = occurred.where(~unparsed, alt)
        unparsed = occurred.isna() & (occ_raw != "")
    occurred = occurred.astype(_TS_DTYPE)
    bad_date = occurred.isna().to_numpy()
    flag(bad_date, "date_occur", occ_raw, BAD_DATE)
    placeholder = (occurred < PLACEHOLDER_BEFORE).to_numpy(dtype=bool)
    flag(placeholder, "date_occur", occ_raw, PLACEHOLDER_DATE)
    occurred = occurred.mask(placeholder)
    month_end = reported_at + pd.DateOffset(months=1)
    after = (occurred >= month_end + pd.Timedelta(days=1)).to_numpy(dtype=bool)
    flag(after, "date_occur", occ_raw, OCCURRED_AFTER)
    occurred = occurred.mask(after)

    # Count.
    count_raw = raw_col("count")
    count_num = pd.to_numeric(count_raw, errors="coerce")
    count_ok = count_num.isin([1, -1]).to_numpy()
    flag(~count_ok, "count", count_raw, BAD_COUNT)
    count = count_num.where(count_ok).astype("Int64")

    # Crime code and offense group.
    crime = raw_col("crime")
    crime_ok = crime.str.fullmatch(r"\d+").to_numpy(dtype=bool)
    flag(~crime_ok, "crime", crime, BAD_CRIME_CODE)
    offense_group = offense_group_for(crime.where(crime_ok, ""))

    is_crime = (raw_col("flag_crime").str.upper() == "Y").to_numpy(dtype=bool)

    def area_code(canon: str, top, reason: str) -> np.ndarray:
        s = raw_col(canon)
        num = pd.to_numeric(s.where(s != "", "0"), errors="coerce")
        ok = (num.notna() & (num % 1 == 0) & (num >= 0) & (num <= top)).to_numpy(dtype=bool)
        flag(~ok, canon, s, reason)
        return num.where(ok, 0).to_numpy(dtype=np.int64)

    # Old 9-district map before 2014-01, the current 6 districts from then on.
    district_top = np.where((month.where(month_ok, "") >= "2014-01").to_numpy(dtype=bool), 6, 9)
    district = area_code("district", district_top, BAD_DISTRICT)
    neighborhood = area_code("neighborhood", 88, BAD_NEIGHBORHOOD)

    # Coordinates.
    x_raw, y_raw = raw_col("x"), raw_col("y")
    x = pd.to_numeric(x_raw, errors="coerce").to_numpy(dtype=float, copy=True)
    y = pd.to_numeric(y_raw, errors="coerce").to_numpy(dtype=float, copy=True)
    blank_xy = ((x_raw == "") | (y_raw == "")).to_numpy() | (x == 0) | (y == 0)
    unreadable = ~blank_xy & ~(np.isfinite(x) & np.isfinite(y))
    x[blank_xy | unreadable] = np.nan
    y[blank_xy | unreadable] = np.nan
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    ok_xy = np.isfinite(x) & np.isfinite(y)
    if ok_xy.any():
        lon[ok_xy], lat[ok_xy] = state_plane_to_lonlat(x[ok_xy], y[ok_xy])
    lo0, la0, lo1, la1 = STL_BBOX
    outside = ok_xy & ~((lon >= lo0) & (lon <= lo1) & (lat >= la0) & (lat <= la1))
    lon[outside] = np.nan
    lat[outside] = np.nan
    coord_note = np.full(n, None, dtype=object)
    coord_note[blank_xy] = NOT_GEOCODED
    coord_note[unreadable] = UNREADABLE_COORDS
    coord_note[outside] = OUTSIDE_CITY

    if "complaint" in fields:
        complaint = raw_col("complaint").to_numpy(dtype=object)
    else:  # variant 1 has no complaint number
        complaint = np.full(n, None, dtype=object)
    rows = pd.DataFrame({
        "line": lines.astype(np.int64),
        "complaint": complaint,
        "coded_month": coded_month.to_numpy(dtype=object),
        "occurred_at": occurred.to_numpy(),
        "reported_at": reported_at.to_numpy(),
        "crime_code": crime.to_numpy(dtype=object),
        "offense_description": raw_col("description").to_numpy(dtype=object),
        "offense_group": offense_group.to_numpy(dtype=object),
        "is_crime": is_crime,
        "count": count.to_numpy(),
        "district_code": district,
        "neighborhood_code": neighborhood,
        "x_ft": x,
        "y_ft": y,
        "lon": lon,
        "lat": lat,
        "coord_note": coord_note,
    }, columns=ROW_COLUMNS)
    # Text columns hold str or None (object dtype), whatever pandas' string inference does.
    text_columns = ("complaint", "coded_month", "crime_code", "offense_description", "offense_group", "coord_note")
    for col in text_columns:
        values = rows[col].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        rows[col] = pd.Series(values, index=rows.index, dtype=object)
    rows["count"] = rows["count"].astype("Int64")
    rows["occurred_at"] = rows["occurred_at"].astype(_TS_DTYPE)
    rows["reported_at"] = rows["reported_at"].astype(_TS_DTYPE)

    if problems:
        prob = pd.concat(problems, ignore_index=True)
        prob = prob.sort_values("line", kind="stable", ignore_index=True)
        prob["line"] = prob["line"].astype(np.int64)
        prob["raw"] = [limits.keep_raw(physical[k - 1]) for k in prob["line"]]
        prob = prob[PROBLEM_COLUMNS]
        for col in ("column", "value", "reason", "raw"):
            prob[col] = pd.Series(prob[col].to_numpy(dtype=object), index=prob.index, dtype=object)
    else:
        prob = _empty_problems()
    return SlmpdFile(path=path, header_variant=variant, rows=rows, problems=prob, rows_read=n,
                     recoded_lines=recoded, lines=physical)
