"""Every table that leaves the app or the command line as a file: CSV and Excel, made safe to open.

Free text recorded by staff (titles, notes, places, partners, names) ends up in downloads and
exports. A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return, or the full-width ``＝ ＋ － ＠``) as a formula, so a title such as
``=HYPERLINK("http://x","y")`` would become a live link, or worse, in whoever opens the file ("CSV
injection", OWASP). Some programs also trim leading blanks first, and an invisible bidirectional control
at the start can disguise a formula, so those count too (:func:`formula_like`). Every export therefore
goes through :func:`neutralise`, which puts a single quote in front of such text, as OWASP recommends.
The tables shown on pages have no toolbar download or copy of their own (``client.disableDataExport``
in ``.streamlit/config.toml``): every table leaves the app through these functions. The rules:

- **Text** is any ``str`` value, in a column of any dtype that can hold one (object, string,
  categorical), and every column header that is a ``str``. Numbers, booleans, dates and empty
  cells are never touched: a numeric -5 stays the number -5, the text ``"-5"`` becomes ``"'-5"``.
- The quote is visible when the file is opened; that is the price of the cell never being run.
  Nothing else about the text changes (no trimming, no other characters escaped).

CSV (:func:`csv_bytes`, :func:`csv_text`):

- UTF-8. Files (downloads, ``ledger export FILE``) start with a byte-order mark, because Excel
  opens a CSV without one in the legacy code page and garbles accents ("Café" shows as
  "CafÃ©"); every CSV reader used here (pandas, Python's csv with ``utf-8-sig``, LibreOffice,
  Numbers) skips it. Text written to standard output has none, so pipes and scripts get plain text.
- Every text cell is in double quotes (``csv.QUOTE_NONNUMERIC``), numbers are bare. Quoting keeps a
  cell such as ``x;=1+1`` in one piece when a spreadsheet set to a semicolon-separated locale opens
  the file, where an unquoted ``;`` would start a new cell that is then read as a formula. Empty
  cells are written ``""``, which every reader takes as empty.

Excel (:func:`excel_bytes`, :func:`excel_sheets`) is written cell by cell with openpyxl: the same
neutralised text, and every text cell typed as a string, so no cell of the workbook is a formula
(openpyxl would otherwise store any string beginning with ``=`` as one). Characters an Excel file
cannot hold (control characters other than tab, line feed and carriage return) are dropped from
text cells, so an odd character pasted into a note cannot make a download fail.

``label`` ("Simulated demo data - Riverbend, Missouri") becomes a ``data_label`` column, first, on
every row, so a copied or merged row still says what it is.

Languages: this module writes the frame it is given. Column names are machine names in every
language (a program reading a saved file finds the same columns); a page's download holds the table
as the page shows it, so its words (readings, notes, the ``data_label``) are in the page's language,
while the command line's data output is always English. The 'about' sheet is for people: its name,
heading and fixed lines are in the current language (``i18n``), or in ``lang`` when given. A workbook built later, off the page's run (a deferred download button runs
its callable in a server thread, where the run's language is not set), must pass ``lang``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from community_policing import i18n
from community_policing.i18n import N_, _

#: A cell that starts with one of these is read as a formula by some spreadsheet program. The full-width
#: forms (＝ ＋ － ＠) are on the list because some spreadsheets (Excel in East Asian locales, LibreOffice
#: with autocorrect) turn them into their ASCII twins as the cell is read.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: Invisible bidirectional controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM): at the start of a
#: cell they can hide or reverse what follows, so a formula would not look like one. A cell starting with one
#: is always quoted.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
#: What goes in front of such a cell.
QUOTE = "'"
#: The column that says, on every row, what the data are.
LABEL_COLUMN = "data_label"
BOM = "\ufeff"
CSV_MIME = "text/csv"
EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ABOUT_SHEET = N_("about")  # the sheet's name and heading, translated where written (_(ABOUT_SHEET))
ABOUT_FALLBACK = N_("about this file")  # when the data sheet already has the about sheet's name

# Control characters an .xlsx cell cannot hold (openpyxl raises IllegalCharacterError on them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula, or show it as something it is not: it starts
    with a trigger, with a bidirectional control, or with blanks (spaces, tabs, line breaks, which some
    programs trim on import) before a trigger."""
    if not text:
        return False
    if text[0] in BIDI_CONTROLS or text.startswith(FORMULA_TRIGGERS):
        return True
    start = 0  # past blanks and invisible characters (controls, format characters such as a zero-width space)
    while start < len(text) and (text[start].isspace() or unicodedata.category(text[start]) in ("Cc", "Cf")):
        start += 1
    return text.startswith(FORMULA_TRIGGERS, start)


def neutralise_text(value):
    """``value`` with a leading quote when it is text that a spreadsheet would read as a formula
    (``formula_like``); anything else (numbers, dates, None, NA) unchanged."""
    if isinstance(value, str) and formula_like(value):
        return QUOTE + value
    return value


def restore_text(value):
    """The inverse of ``neutralise_text`` for a cell read back from one of our files: "'=x" -> "=x"."""
    if isinstance(value, str) and value.startswith(QUOTE) and formula_like(value[1:]):
        return value[1:]
    return value


def _holds_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return not (ptypes.is_numeric_dtype(dtype) or ptypes.is_bool_dtype(dtype)
                or ptypes.is_datetime64_any_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype)
                or isinstance(dtype, pd.PeriodDtype))


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which every text cell and text column header that a spreadsheet would
    read as a formula starts with a single quote. Numeric, boolean and date columns, numbers inside
    object columns, and empty cells are unchanged; string columns keep their dtype."""
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if not _holds_text(column):
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        mapped = column.map(neutralise_text, na_action="ignore")
        if ptypes.is_string_dtype(frame.iloc[:, position].dtype) and not ptypes.is_object_dtype(
                frame.iloc[:, position].dtype):
            mapped = mapped.astype(frame.iloc[:, position].dtype)
        out.isetitem(position, mapped)
    out.columns = [neutralise_text(name) for name in out.columns]
    return out


def labelled(frame: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """``frame`` with ``data_label`` first on every row (replacing one already there); unchanged
    without a label."""
    if label is None:
        return frame
    out = frame.drop(columns=[LABEL_COLUMN], errors="ignore").copy()
    out.insert(0, LABEL_COLUMN, pd.Series([label] * len(out), index=out.index, dtype=object))
    return out


def csv_text(frame: pd.DataFrame, label: str | None = None) -> str:
    """The frame as neutralised CSV text (no byte-order mark): for standard output."""
    return neutralise(labelled(frame, label)).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC,
                                                     lineterminator="\n")


def csv_bytes(frame: pd.DataFrame, label: str | None = None) -> bytes:
    """The frame as a neutralised CSV file: UTF-8 with a byte-order mark (so Excel reads accents)."""
    return (BOM + csv_text(frame, label)).encode("utf-8")


def _sheet_title(name: str, taken: set[str]) -> str:
    title = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'")[:31] or "data"
    base, n = title, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _cell_value(value):
    """A Python value openpyxl writes as a plain (never formula) cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return None
        return number if math.isfinite(number) else neutralise_text(str(number))
    if isinstance(value, pd.Timestamp):
        if value.tzinfo is not None:
            value = value.tz_localize(None)
        stamp = value.to_pydatetime()
        return stamp.date() if stamp.time() == dt.time(0) else stamp
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value
    text = value if isinstance(value, str) else neutralise_text(str(value))
    return _ILLEGAL_XML.sub("", text)


def _write_sheet(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    safe = neutralise(frame)
    widths = []
    for col, name in enumerate(safe.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=_cell_value(name))
        cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
        cell.font = Font(bold=True)
        widths.append(len(str(name)))
    for row, values in enumerate(safe.itertuples(index=False, name=None), start=2):
        for col, raw in enumerate(values, start=1):
            value = _cell_value(raw)
            cell = sheet.cell(row=row, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
                widths[col - 1] = max(widths[col - 1], min(len(value), 60))
            elif value is not None:
                widths[col - 1] = max(widths[col - 1], len(str(value)))
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width, 6) + 2, 62)
    if len(safe.columns):
        sheet.freeze_panes = "A2"


def excel_sheets(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame (in order), every cell neutralised and none a formula."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for name, frame in sheets.items():
        _write_sheet(book.create_sheet(_sheet_title(name, taken)), frame)
    if not book.worksheets:
        book.create_sheet("data")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _in(lang: str | None, make):
    """``make()`` in ``lang`` (None: the current language), the current language unchanged after."""
    if lang is None:
        return make()
    before = i18n.language()
    i18n.set_language(lang)
    try:
        return make()
    finally:
        i18n.set_language(before)


def about_frame(label: str | None = None, notes: Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """The 'about' sheet: the data label first, then each note, one a row (in ``lang``, else the
    current language; the notes are written by the caller, in its language)."""
    def make() -> pd.DataFrame:
        lines = ([_("Data: {label}").format(label=label)] if label else []) + [str(n) for n in (notes or []) if n]
        return pd.DataFrame({_(ABOUT_SHEET): lines}, dtype=object)

    return _in(lang, make)


def excel_bytes(frame: pd.DataFrame, sheet: str = "data", label: str | None = None,
                notes: list[str] | None = None, lang: str | None = None) -> bytes:
    """The frame as a neutralised Excel workbook: sheet ``sheet`` (with ``data_label`` on every row
    when labelled) and an 'about' sheet holding the label and ``notes`` (source, filters, ...), its
    fixed words in ``lang`` (None: the current language)."""
    sheets = {sheet: labelled(frame, label)}
    about = about_frame(label, notes, lang)
    if not about.empty:
        name, fallback = _in(lang, lambda: (_(ABOUT_SHEET), _(ABOUT_FALLBACK)))
        sheets[name if sheet.lower() != name.lower() else fallback] = about
    return excel_sheets(sheets)
