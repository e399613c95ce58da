"""Size limits on what an import reads, so that a broken or hostile file is refused with one clear
line before the memory is spent (a 300 MB gzip of zeros, a 5 KB spreadsheet that claims cell
XFD1048576, a quote that never closes).

Every limit can be set in the environment (a whole number; unset or empty gives the default):

* ``COMMON_GROUND_MAX_DECOMPRESSED_MB`` (default 512): the largest source file, in MB, as read:
  a plain file's size, a gzip file's size once decompressed (decompressed in chunks and stopped
  at the limit), an .xlsx or zipped shapefile's content once unzipped.
* ``COMMON_GROUND_MAX_SHEET_CELLS`` (default 20,000,000): the most cells (rows x columns) a
  spreadsheet or Parquet table may have. An .xlsx's own size claim (``<dimension>``) is checked
  before any cell is read, and the cells actually read are counted as they come.
* ``COMMON_GROUND_MAX_UPLOAD_MB`` (default 200): the largest file accepted from an upload on the
  Data and Ledger pages (``max_upload_bytes``), checked before the upload is read.
* ``COMMON_GROUND_MAX_RECORD_LINES`` (default 20): the most physical lines one record of a CSV may
  span through quoted line breaks. A quote that stays open longer (a stray ``"``) does not swallow
  the lines after it: the line where it opens is rejected and reading goes on from the next line.
* ``COMMON_GROUND_MAX_RAW_CHARS`` (default 4,000): how much of a rejected line's text is kept in
  ``rejects.raw``.

The values are read at each use, so a test or a server can change them without a restart.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

from community_policing.i18n import N_, _
from community_policing.data.importers.errors import SourceFileError

MB = 1024 * 1024
DEFAULTS = {
    "COMMON_GROUND_MAX_DECOMPRESSED_MB": 512,
    "COMMON_GROUND_MAX_SHEET_CELLS": 20_000_000,
    "COMMON_GROUND_MAX_UPLOAD_MB": 200,
    "COMMON_GROUND_MAX_RECORD_LINES": 20,
    "COMMON_GROUND_MAX_RAW_CHARS": 4_000,
}

# Plain-language note for the Data page / "How to read these numbers" (format with describe_limits()).
LIMITS_TEXT = N_(
    "To keep a damaged or hostile file from exhausting the server, an import refuses, with a message "
    "naming the file: a file larger than {decompressed_mb:,} MB once decompressed, a spreadsheet or "
    "table of more than {cells:,} cells, and an upload larger than {upload_mb:,} MB. In a CSV file a "
    "quoted cell may run over at most {record_lines:,} lines; a quote that stays open longer is treated "
    "as a mistake: its line is rejected, with its text, and the lines after it are read on their own, so "
    "no line is lost without a trace.")


def _setting(name: str) -> int:
    text = os.environ.get(name, "").strip().replace("_", "").replace(",", "")
    if not text:
        return DEFAULTS[name]
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"{name} must be a positive whole number, not {os.environ[name]!r}")
    return value


def max_decompressed_bytes() -> int:
    return _setting("COMMON_GROUND_MAX_DECOMPRESSED_MB") * MB


def max_sheet_cells() -> int:
    return _setting("COMMON_GROUND_MAX_SHEET_CELLS")


def max_upload_bytes() -> int:
    return _setting("COMMON_GROUND_MAX_UPLOAD_MB") * MB


def max_record_lines() -> int:
    return _setting("COMMON_GROUND_MAX_RECORD_LINES")


def max_raw_chars() -> int:
    return _setting("COMMON_GROUND_MAX_RAW_CHARS")


def describe_limits() -> str:
    """``LIMITS_TEXT`` in the current language, with the limits in force."""
    return _(LIMITS_TEXT).format(decompressed_mb=max_decompressed_bytes() // MB, cells=max_sheet_cells(),
                                 upload_mb=max_upload_bytes() // MB, record_lines=max_record_lines())


def _too_big(size_words: str) -> str:
    limit = max_decompressed_bytes() // MB
    return (f"{size_words} more than {limit:,} MB, the limit for one source file; split the file, or raise "
            "COMMON_GROUND_MAX_DECOMPRESSED_MB if it is genuine")


def check_upload_size(path_or_name: Path | str, size: int) -> None:
    """Refuse an upload of ``size`` bytes above COMMON_GROUND_MAX_UPLOAD_MB (before reading it)."""
    limit = max_upload_bytes()
    if size > limit:
        raise SourceFileError(path_or_name, f"the upload is {size / MB:,.1f} MB, more than {limit // MB:,} MB, "
                                            "the limit for one upload (COMMON_GROUND_MAX_UPLOAD_MB)")


def check_file_size(path: Path) -> None:
    """Refuse a plain file larger than the decompressed-size limit, before it is read."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader reports the missing or unreadable file itself
    if size > max_decompressed_bytes():
        raise SourceFileError(path, _too_big(f"the file is {size / MB:,.1f} MB,"))


def check_zip(path: Path) -> None:
    """Refuse a zip container (.xlsx, zipped shapefile) whose members unzip to more than the limit.
    The sizes are the archive's own claims; Python's zip reader never returns more than a member
    claims, so a false claim cannot get past this."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the reader says so in its own words
    if total > max_decompressed_bytes():
        raise SourceFileError(path, _too_big(f"the archive unzips to {total / MB:,.1f} MB,"))


def gunzip(data: bytes, path: Path, expected: str = "a gzip-compressed file") -> bytes:
    """Decompress gzip ``data`` (several members allowed, as ``gzip.decompress``) in chunks,
    stopping as soon as the output passes the decompressed-size limit."""
    limit = max_decompressed_bytes()
    out = bytearray()
    rest = data
    chunk = 4 * MB
    try:
        while rest:
            d = zlib.decompressobj(wbits=31)
            pending = rest
            while not d.eof:
                piece = d.decompress(pending, chunk)
                out += piece
                if len(out) > limit:
                    raise SourceFileError(path, _too_big("the file decompresses to"))
                pending = d.unconsumed_tail
                if not pending and not piece:
                    break  # all input used and nothing more comes out: the data ends early
            if not d.eof:
                raise SourceFileError(path, f"damaged gzip data (the file ends early); expected {expected}")
            rest = d.unused_data.lstrip(b"\x00")  # gzip tools allow zero padding after a member
            if rest and rest[:2] != b"\x1f\x8b":
                raise SourceFileError(path, f"damaged gzip data (bytes after the end); expected {expected}")
    except zlib.error as exc:
        raise SourceFileError(path, f"damaged gzip data ({exc}); expected {expected}") from None
    return bytes(out)


def keep_raw(text: str | None) -> str | None:
    """A rejected line's text as kept in ``rejects.raw``: whole, or cut at COMMON_GROUND_MAX_RAW_CHARS."""
    if text is None:
        return None
    limit = max_raw_chars()
    return text if len(text) <= limit else text[:limit]
