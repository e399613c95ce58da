"""Loading a city's data from the app (the staff Data page): stage the upload, check it, load it,
and keep the history of loads. No Streamlit here; ``pages/data.py`` shows it.

How it works:

* **Staging.** ``stage_upload`` makes a fresh folder under the staging root (``$COMMON_GROUND_UPLOADS``,
  else ``uploads/`` beside the warehouse: ``data/uploads/``; a ``.gitignore`` of ``*`` is written in it, so
  uploaded police records never reach git). The folder is the source folder of the load: every file of
  the current source folder that the upload does not replace (hard links where the file system allows,
  else a symbolic link to the original, or a copy when the original is itself staged), plus the upload.
  A single file goes to the folder of the manifest source whose file-name pattern it matches (a new
  month ``slmpd_2020_01.csv`` goes to ``stl_crime_slmpd_monthly/``); a ``.zip`` is a source folder and
  is unpacked, safely: no absolute path, ``..``, hidden name, symbolic link, encrypted or repeated entry,
  at most ``MAX_ARCHIVE_FILES`` entries and ``MAX_UNPACKED_BYTES`` unpacked (gzip files are measured
  unpacked too; an .xlsx is measured by what it unzips to). Each uploaded file is at most
  ``limits.max_upload_bytes()`` (COMMON_GROUND_MAX_UPLOAD_MB), checked from its size before it is read
  (``check_upload_sizes``). Everything is checked before anything is written; a refused upload writes nothing.
  Uploaded names are used only after ``safe_name`` (a bare file name: no separator, no leading dot).
  After a load, the staged folder is the warehouse's source folder (``load_batches.source_dir``), so the
  next upload starts from it; ``prune_staging`` removes the other, older staged folders.
* **Check and load** are the loader's ``check_city`` and ``load_city`` (a new warehouse file built and
  swapped in atomically: all or nothing); every error reaches the page as one line (``DataAdminError``).
  One load at a time per process.
* **History.** A load builds a whole new warehouse, whose ``load_batches`` / ``load_files`` / ``rejects``
  describe only that build. So each load is also appended to a small SQLite file beside the warehouse,
  ``<warehouse>.loads.sqlite`` (``data/warehouse.loads.sqlite``): the batch (who, when, manifest, source
  folder, what was uploaded), its ``load_files`` rows and its rejected-row counts by file, kind and
  reason. The rejected rows themselves are kept only in the warehouse, for the current load. Before each
  load the current warehouse's batch is added too (a load from the command line is recorded the next
  time the app loads), and ``history`` always includes the current warehouse's batch. SQLite suits a
  file written now and then and read by every app process (DuckDB would lock readers out while writing).
* **Reading the warehouse.** Through an in-memory DuckDB connection that ATTACHes the file read-only: a
  plain ``duckdb.connect(path)`` in a process that already has the path open returns that open database,
  the old file's contents after a swap (ENGINEERING.md), which would read the wrong batch right after a load.

Every SQL statement is a named file in ``queries/`` (``load_history_*.sql`` for the SQLite history,
``warehouse_*.sql`` for the warehouse's bookkeeping) with bound parameters.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import gzip
import io
import logging
import os
import re
import shutil
import sqlite3
import stat
import threading
import tomllib
import uuid
import zipfile
import zlib
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

import duckdb
import pandas as pd

from community_policing.data import limits, loader, schema, store
from community_policing.i18n import N_, _
from community_policing.data.importers.errors import ManifestError, SourceFileError

PROJECT_ROOT = store.PROJECT_ROOT
CITIES_DIR = PROJECT_ROOT / "data" / "cities"
UPLOADS_ENV_VAR = "COMMON_GROUND_UPLOADS"
HISTORY_SUFFIX = ".loads.sqlite"
MAX_UNPACKED_BYTES = 2 * 1024**3     # a zip (or a gzip file) may unpack to at most this
MAX_ARCHIVE_FILES = 10_000           # entries in one zip
MAX_SOURCE_FILES = 50_000            # files taken over from the current source folder
MAX_REJECT_ROWS = 100_000            # rejected rows read for the page (their counts are always complete)
ABANDONED = dt.timedelta(days=1)     # a staged folder nobody loaded is removed after this
STAGED_NAME = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{8}$")
_ARCHIVE_JUNK = {"__MACOSX"}                  # folders a zip made on a Mac carries, skipped
_JUNK_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_CHUNK = 1024 * 1024
_LOAD_LOCK = threading.Lock()
_LOG = logging.getLogger(__name__)

Progress = Callable[[float, str], None]


class DataAdminError(Exception):
    """A problem with an upload, a check or a load, in one line: the file, what is wrong, what was expected."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


# --- manifests and where files go ------------------------------------------------------------------------


def manifest_choices(current: str | os.PathLike | None = None) -> list[Path]:
    """The city manifests staff can pick: the current warehouse's first (when it still exists), then
    ``data/cities/*/city.toml``."""
    found = [p.resolve() for p in sorted(CITIES_DIR.glob("*/city.toml"))]
    if current:
        here = next((p.resolve() for p in (Path(current), PROJECT_ROOT / current) if p.is_file()), None)
        if here is not None:
            found = [here, *(p for p in found if p != here)]
    return found


@dataclass(frozen=True)
class SourcePattern:
    """Where the manifest expects one source's files: ``folder`` (relative, "" for the top) and the
    file-name pattern (a glob such as ``slmpd_*.csv*`` or a plain name)."""

    section: str
    folder: str
    name: str

    def label(self) -> str:
        return f"{self.folder}/{self.name}" if self.folder else self.name


def source_patterns(manifest_path: str | os.PathLike) -> list[SourcePattern]:
    """Every source file pattern the manifest names, in its order (incidents first)."""
    path = Path(manifest_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataAdminError(_("{file}: manifest not found").format(file=path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataAdminError(_("{file}: not a valid manifest ({reason})").format(file=path, reason=exc)) from None
    specs: list[tuple[str, dict]] = [("incidents", s) for s in raw.get("incidents", []) if isinstance(s, dict)]
    for section in ("districts", "neighborhoods", "population", "organizations"):
        if isinstance(raw.get(section), dict):
            specs.append((section, raw[section]))
    for section in loader.GENERIC_TABLES:
        specs += [(section, s) for s in raw.get(section, []) if isinstance(s, dict)]
    out = []
    for section, spec in specs:
        pattern = spec.get("files") or spec.get("file")
        if not isinstance(pattern, str) or not pattern:
            continue
        pure = PurePosixPath(pattern)
        folder = "" if str(pure.parent) == "." else str(pure.parent)
        if pure.is_absolute() or ".." in pure.parts or _has_wildcard(folder):
            continue  # nowhere definite to put a file (the loader reports a bad pattern itself)
        out.append(SourcePattern(section, folder, pure.name))
    return out


def _has_wildcard(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def safe_name(name: str) -> str:
    """An uploaded file's name, if it is a bare file name that is safe to write under; else an error."""
    text = str(name)
    if (not text or text != PurePosixPath(text).name or "/" in text or "\\" in text or "\x00" in text
        or text.startswith(".") or len(text.encode("utf-8")) > 255 or text.strip() != text):
        raise DataAdminError(_("{name!r}: not a usable file name; expected a plain name such as "
                               "incidents_2024_04.csv (no folders, not starting with a dot)").format(name=text))
    return text


def destination(name: str, patterns: list[SourcePattern], manifest_path) -> str:
    """The folder (relative to the source folder, "" for the top) where the manifest expects a file named
    ``name``; an error naming the file and the expected patterns when it matches none, or several folders."""
    folders = list(dict.fromkeys(p.folder for p in patterns if fnmatch.fnmatchcase(name, p.name)))
    if not folders:
        expected = ", ".join(f"{p.label()} ({p.section})" for p in patterns)
        raise DataAdminError(_("{name}: matches no source of {manifest}; expected one of: {patterns}, "
                               "or a .zip of the source folder").format(
            name=name, manifest=Path(manifest_path).name, patterns=expected))
    if len(folders) > 1:
        raise DataAdminError(_("{name}: matches sources in several folders ({folders}); upload it in a .zip "
                               "of the source folder, in the folder it belongs to").format(
            name=name, folders=", ".join(f or "." for f in folders)))
    return folders[0]


# --- staging -----------------------------------------------------------------------------------------------


def staging_root(db_path: str | os.PathLike | None = None) -> Path:
    """Where uploads are staged: $COMMON_GROUND_UPLOADS, else ``uploads/`` beside the warehouse."""
    env = os.environ.get(UPLOADS_ENV_VAR)
    return Path(env) if env else store.resolve_db_path(db_path).parent / "uploads"


@dataclass(frozen=True)
class _Planned:
    """One file the staged folder will hold from the upload: its path there and where its bytes come from."""

    relative: PurePosixPath
    upload: str                      # the uploaded file's name
    data: bytes | None = None        # a single uploaded file
    entry: zipfile.ZipInfo | None = None  # an entry of an uploaded zip
    archive: zipfile.ZipFile | None = None


def check_upload_sizes(files: Iterable[tuple[str, int]]) -> None:
    """Refuse an upload with a file above the upload limit (``limits.max_upload_bytes``, set by
    COMMON_GROUND_MAX_UPLOAD_MB), from the sizes alone: the page calls it before reading the files."""
    for name, size in files:
        try:
            limits.check_upload_size(safe_name(name), int(size))
        except SourceFileError as exc:
            raise DataAdminError(str(exc)) from None


def _check_spreadsheet(name: str, handle) -> None:
    """An .xlsx is a zip of XML: refuse one whose parts unzip to more than the decompressed-size limit
    (a few KB can claim gigabytes), from the archive's own size claims, before anything reads it."""
    try:
        with zipfile.ZipFile(handle) as book:
            total = sum(info.file_size for info in book.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable workbook: the loader says so in its own words
    limit = limits.max_decompressed_bytes()
    if total > limit:
        raise DataAdminError(_("{name}: the spreadsheet unzips to {size}, more than {limit}; expected at most "
                               "that (COMMON_GROUND_MAX_DECOMPRESSED_MB)").format(
            name=name, size=_size(total), limit=_size(limit)))


def stage_upload(files: list[tuple[str, bytes]], manifest_path: str | os.PathLike,
                 base_source_dir: str | os.PathLike | None, staging_root: str | os.PathLike) -> Path:
    """A fresh source folder holding the current source folder's files with the upload in place
    (see the module's description). Everything is checked first: a refused upload writes nothing."""
    patterns = source_patterns(manifest_path)
    base = Path(base_source_dir) if base_source_dir else None
    if base is not None and not base.is_dir():
        raise DataAdminError(_("{folder}: source folder not found; expected the folder the manifest's files "
                               "are in").format(folder=base))
    plan: dict[PurePosixPath, _Planned] = {}
    check_upload_sizes((name, len(data)) for name, data in files)
    for name, data in files:
        name = safe_name(name)
        if name.lower().endswith(".zip"):
            planned = _archive_plan(name, data, patterns)
        else:
            _check_gzip_size(name, io.BytesIO(data))
            if name.lower().endswith((".xlsx", ".xlsm")):
                _check_spreadsheet(name, io.BytesIO(data))
            planned = [_Planned(PurePosixPath(destination(name, patterns, manifest_path), name), name, data=data)]
        for item in planned:
            if item.relative in plan:
                raise DataAdminError(_("{file}: given twice in this upload ({first} and {second}); expected each "
                                       "file once").format(file=item.relative, first=plan[item.relative].upload,
                                                           second=item.upload))
            plan[item.relative] = item
    root = Path(staging_root)
    root.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Uploaded source files (police records): never committed.\n*\n", encoding="utf-8")
    staged = root / f"{dt.datetime.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staged.mkdir()
    try:
        unpacked = 0
        for item in plan.values():
            target = staged.joinpath(*item.relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if item.data is not None:
                target.write_bytes(item.data)
            else:
                unpacked = _unpack(item, target, unpacked)
                # Whatever its name: the loader unpacks any file that starts with gzip's magic bytes.
                with target.open("rb") as handle:
                    _check_gzip_size(f"{item.upload}: {item.entry.filename}", handle)
                if target.suffix.lower() in (".xlsx", ".xlsm"):
                    with target.open("rb") as handle:
                        _check_spreadsheet(f"{item.upload}: {item.entry.filename}", handle)
        if base is not None:
            _take_over(base, staged, root.resolve())
    except OSError as exc:  # a file and a folder of one name, a full disk: nothing is kept
        shutil.rmtree(staged, ignore_errors=True)
        raise DataAdminError(_("The upload could not be staged in {folder}: {reason}").format(
            folder=root, reason=_one_line(exc, staged))) from None
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _archive_plan(name: str, data: bytes, patterns: list[SourcePattern]) -> list[_Planned]:
    """The entries of an uploaded zip as files of the source folder, every entry checked (nothing unpacked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DataAdminError(_("{name}: not a readable zip archive ({reason}); expected a .zip of the source "
                               "folder").format(name=name, reason=exc)) from None
    if len(infos) > MAX_ARCHIVE_FILES:
        raise DataAdminError(_("{name}: {count} entries; expected at most {limit}").format(
            name=name, count=f"{len(infos):,}", limit=f"{MAX_ARCHIVE_FILES:,}"))
    entries: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    declared = 0
    for info in infos:
        entry = info.filename

        def refuse(reason: str) -> DataAdminError:
            return DataAdminError(_("{name}: entry {entry!r} refused: {reason}").format(
                name=name, entry=entry, reason=reason))

        if "\x00" in entry or "\\" in entry:
            raise refuse(_("a backslash or NUL in its name; expected folder/file names separated by /"))
        pure = PurePosixPath(entry)
        if pure.is_absolute() or re.match(r"^[A-Za-z]:", entry):
            raise refuse(_("an absolute path; expected paths inside the source folder"))
        if any(part in ("", ".", "..") for part in entry.removesuffix("/").split("/")):
            raise refuse(_("a '..', '.' or empty part in its path; expected paths inside the source folder"))
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refuse(_("a symbolic link; expected plain files"))
        if info.is_dir():
            continue
        if pure.parts[0] in _ARCHIVE_JUNK or pure.name in _JUNK_FILES:
            continue
        if any(part.startswith(".") for part in pure.parts):
            raise refuse(_("a hidden name (starting with a dot); expected the source files only"))
        if info.flag_bits & 0x1:
            raise refuse(_("encrypted; expected a zip without a password"))
        declared += info.file_size
        if declared > MAX_UNPACKED_BYTES:
            raise DataAdminError(_("{name}: unpacks to more than {limit}; expected at most that").format(
                name=name, limit=_size(MAX_UNPACKED_BYTES)))
        entries.append((info, pure))
    if not entries:
        raise DataAdminError(_("{name}: the zip holds no files; expected the source folder's files").format(name=name))
    # A zip of the folder itself ("st_louis/stl_crime_.../x.csv"): its top folder is the source folder.
    tops = {pure.parts[0] for _info, pure in entries}
    named_folders = {p.folder.split("/")[0] for p in patterns if p.folder}
    if len(tops) == 1 and all(len(pure.parts) > 1 for _info, pure in entries) and not tops & named_folders:
        entries = [(info, PurePosixPath(*pure.parts[1:])) for info, pure in entries]
    # A zip of loose files ("slmpd_2020-01.csv", ...): each goes where the manifest expects it, as a single upload.
    top_names = [p.name for p in patterns if not p.folder]
    placed = []
    for info, pure in entries:
        if len(pure.parts) == 1 and not any(fnmatch.fnmatchcase(pure.name, n) for n in top_names):
            folders = {p.folder for p in patterns if fnmatch.fnmatchcase(pure.name, p.name)}
            if len(folders) == 1:
                pure = PurePosixPath(folders.pop(), pure.name)
        placed.append((info, pure))
    return [_Planned(pure, name, entry=info, archive=archive) for info, pure in placed]


def _unpack(item: _Planned, target: Path, unpacked: int) -> int:
    """Write one zip entry, counting the bytes actually unpacked (a zip may understate its sizes)."""
    try:
        with item.archive.open(item.entry) as source, target.open("xb") as out:
            while chunk := source.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_UNPACKED_BYTES:
                    raise DataAdminError(_("{name}: unpacks to more than {limit}; expected at most that").format(
                        name=item.upload, limit=_size(MAX_UNPACKED_BYTES)))
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise DataAdminError(_("{name}: entry {entry!r} is damaged or cannot be unpacked ({reason}); expected a "
                               "plain .zip").format(name=item.upload, entry=item.entry.filename,
                                                    reason=_one_line(exc))) from None
    return unpacked


def _check_gzip_size(name: str, handle) -> None:
    """A gzip file (the loader unpacks .gz sources in memory) must not unpack to more than the limit."""
    start = handle.read(2)
    handle.seek(0)
    if start != b"\x1f\x8b":
        return
    total = 0
    try:
        with gzip.GzipFile(fileobj=handle) as unpacked:
            while chunk := unpacked.read(_CHUNK):
                total += len(chunk)
                if total > MAX_UNPACKED_BYTES:
                    raise DataAdminError(_("{name}: unpacks to more than {limit}; expected at most that").format(
                        name=name, limit=_size(MAX_UNPACKED_BYTES)))
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataAdminError(_("{name}: damaged gzip data ({reason}); expected a gzip-compressed file").format(
            name=name, reason=exc)) from None


def _size(n: int) -> str:
    return f"{n / 1024**3:.0f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def _take_over(base: Path, staged: Path, root: Path) -> None:
    """Link every file of the current source folder that the upload does not replace into ``staged``."""
    count = 0
    seen = {base.resolve(), root}  # a folder linked twice (or into itself) is walked once; never the staging root
    for folder, dirs, names in os.walk(base, followlinks=True):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".") and (here / d).resolve() not in seen]
        seen.update((here / d).resolve() for d in dirs)
        relative = here.relative_to(base)
        for name in names:
            if name.startswith(".") or name in _JUNK_FILES:
                continue
            target = staged / relative / name
            if target.exists():
                continue  # replaced by the upload
            count += 1
            if count > MAX_SOURCE_FILES:
                raise DataAdminError(_("{folder}: more than {limit} files; expected a city's source folder").format(
                    folder=base, limit=f"{MAX_SOURCE_FILES:,}"))
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(here / name, target, root)


def _link(source: Path, target: Path, root: Path) -> None:
    real = source.resolve()
    try:
        os.link(real, target)  # its own name for the same bytes: survives the source folder's pruning
        return
    except OSError:
        pass
    if real.is_relative_to(root):
        shutil.copy2(real, target)  # another staged folder, which may be pruned later
    else:
        os.symlink(real, target)  # the city's own source folder (the loader names a file by its link)


def discard(staged_dir: str | os.PathLike, staging_root: str | os.PathLike) -> None:
    """Remove a staged folder that will not be loaded (only a folder this module made under the root)."""
    folder = Path(staged_dir)
    if folder.parent.resolve() == Path(staging_root).resolve() and STAGED_NAME.match(folder.name):
        shutil.rmtree(folder, ignore_errors=True)


def prune_staging(staging_root: str | os.PathLike, keep: Iterable[str | os.PathLike] = (),
                  older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[Path]:
    """Remove staged folders older than ``older_than`` except ``keep`` (the loaded one); returns them."""
    root = Path(staging_root)
    if not root.is_dir():
        return []
    kept = {Path(k).resolve() for k in keep if k}
    cutoff = dt.datetime.now().timestamp() - older_than.total_seconds()
    removed = []
    for folder in root.iterdir():
        if (folder.is_dir() and not folder.is_symlink() and STAGED_NAME.match(folder.name)
            and folder.resolve() not in kept and folder.stat().st_mtime < cutoff):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


# --- check and load ----------------------------------------------------------------------------------------


def _one_line(exc: BaseException, staged_dir: Path | None = None) -> str:
    """The error's message in one line, with the staged folder's path left out of file names."""
    text = str(exc)
    if staged_dir is not None:
        for prefix in {str(staged_dir), str(Path(staged_dir).resolve())}:
            text = text.replace(prefix + os.sep, "").replace(prefix, ".")
    return " ".join(text.split())


_UNEXPECTED = {"check": N_("The check failed unexpectedly: {reason} (details in the server log)"),
               "load": N_("The load failed unexpectedly: {reason} (details in the server log; the warehouse is "
                          "as it was)")}


@contextmanager
def _loader_errors(staged_dir: Path, doing: str) -> Iterator[None]:
    try:
        yield
    except DataAdminError:
        raise
    except (SourceFileError, ManifestError, schema.SchemaError, store.StoreError) as exc:
        raise DataAdminError(_one_line(exc, staged_dir)) from None
    except Exception as exc:  # anything else: one line on the page, the traceback in the server log
        _LOG.exception("%s of %s failed", doing, staged_dir)
        raise DataAdminError(_(_UNEXPECTED[doing]).format(
            reason=_one_line(exc, staged_dir) or type(exc).__name__)) from None


def check(staged_dir: str | os.PathLike, manifest_path: str | os.PathLike,
          progress: Progress | None = None) -> loader.CheckReport:
    """What loading the staged folder would do, nothing written (``loader.check_city``)."""
    staged = Path(staged_dir)
    with _loader_errors(staged, "check"):
        return loader.check_city(Path(manifest_path), staged, progress=progress)


def stage_and_check(files: list[tuple[str, bytes]], manifest_path: str | os.PathLike,
                    base_source_dir: str | os.PathLike | None, staging_root: str | os.PathLike,
                    progress: Progress | None = None) -> tuple[Path, loader.CheckReport]:
    """``stage_upload`` then ``check``: the staged folder and its report (the folder is removed when the
    check fails)."""
    staged = stage_upload(files, manifest_path, base_source_dir, staging_root)
    try:
        return staged, check(staged, manifest_path, progress=progress)
    except BaseException:
        discard(staged, staging_root)
        raise


def check_uploads(uploads: Iterable, manifest_path: str | os.PathLike, base_source_dir: str | os.PathLike | None,
                  staging_root: str | os.PathLike, progress: Progress | None = None) -> tuple[Path, loader.CheckReport]:
    """``stage_and_check`` of the files of an upload box (each with ``name``, ``size`` and ``getvalue()``): the
    sizes first, so that a file above the upload limit is refused before it is read into memory."""
    uploads = list(uploads)
    check_upload_sizes((f.name, f.size) for f in uploads)
    return stage_and_check([(f.name, f.getvalue()) for f in uploads], manifest_path, base_source_dir, staging_root,
                           progress=progress)


def load(staged_dir: str | os.PathLike, manifest_path: str | os.PathLike, db_path: str | os.PathLike,
         user: str, progress: Progress | None = None, uploaded: Iterable[str] = (),
         base_source_dir: str | os.PathLike | None = None) -> loader.LoadSummary:
    """Load the staged folder into a new warehouse, swapped in whole (``loader.load_city``), by ``user``;
    then append it to the history. A failure leaves the warehouse as it was."""
    user = (user or "").strip()
    if not user:
        raise DataAdminError(_("Say who is loading: every load is recorded with the name of who ran it."))
    staged, db = Path(staged_dir), Path(db_path)
    if not _LOAD_LOCK.acquire(blocking=False):
        raise DataAdminError(_("Another load is running; try again when it has finished."))
    try:
        try:
            _remember_current(db, base_source_dir=None, uploaded=())
        except Exception:  # the history is a convenience: never a reason to refuse a load
            _LOG.warning("could not record the current warehouse's load in the history", exc_info=True)
        with _loader_errors(staged, "load"):
            summary = loader.load_city(Path(manifest_path), staged, db, loaded_by=user, progress=progress)
        try:
            _remember_current(db, base_source_dir=base_source_dir, uploaded=uploaded)
        except Exception:
            _LOG.warning("could not record load %s in the history", summary.batch_id, exc_info=True)
        return summary
    finally:
        _LOAD_LOCK.release()


# --- reading the warehouse -----------------------------------------------------------------------------------


@contextmanager
def _warehouse(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the warehouse file as it is now (None when there is none). The bookkeeping
    tables read here need no extension (the spatial one would cost 0.3 s per connection)."""
    if not db_path.exists():
        yield None
        return
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False})
    try:
        try:
            con.execute(f"ATTACH {store.sql_literal(db_path)} AS warehouse (READ_ONLY)")
            con.execute("USE warehouse")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise DataAdminError(_("{file} is being written by another process; try again when that load "
                                       "has finished").format(file=db_path)) from None
            raise DataAdminError(_("cannot open {file}: {reason}").format(file=db_path, reason=_one_line(exc))) from None
        except duckdb.Error as exc:
            raise DataAdminError(_("cannot open {file}: {reason}").format(file=db_path, reason=_one_line(exc))) from None
        yield con
    finally:
        con.close()


def _query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    try:
        return con.execute(store.load_query(name), params or None).df()
    except duckdb.Error as exc:
        raise DataAdminError(_("The warehouse cannot be read ({reason}); rebuild it with a load.").format(
            reason=_one_line(exc))) from None


@dataclass(frozen=True)
class CurrentData:
    """What the warehouse holds now."""

    city: str
    is_simulated: bool
    built_at: str
    manifest: str | None
    source_dir: str | None
    batch_id: str | None
    loaded_by: str | None
    incidents: int
    first_reported: dt.date | None
    last_reported: dt.date | None


def current(db_path: str | os.PathLike | None = None) -> CurrentData | None:
    """The current warehouse's city, build time, size, dates and latest load (None when there is no file)."""
    db = store.resolve_db_path(db_path)
    with _warehouse(db) as con:
        if con is None:
            return None
        meta = dict(_query(con, "metadata").itertuples(index=False, name=None))
        span = _query(con, "warehouse_incident_span").iloc[0]
        batches = _query(con, "warehouse_load_batches")
    latest = batches.iloc[0] if len(batches) else None

    def day(value):
        return None if value is None or pd.isna(value) else pd.Timestamp(value).date()

    return CurrentData(
        city=meta.get("city_name", "?"), is_simulated=meta.get("is_simulated", "false").lower() == "true",
        built_at=meta.get("built_at", ""), manifest=meta.get("manifest"),
        source_dir=None if latest is None else latest["source_dir"],
        batch_id=None if latest is None else latest["batch_id"],
        loaded_by=None if latest is None else latest["loaded_by"],
        incidents=int(span["incidents"]), first_reported=day(span["first_reported"]),
        last_reported=day(span["last_reported"]))


# --- the history of loads ----------------------------------------------------------------------------------


HISTORY_COLUMNS = ["batch_id", "started_at", "finished_at", "loaded_by", "manifest", "source_dir",
                   "base_source_dir", "uploaded", "table_name", "file", "sha256", "rows_read", "rows_loaded",
                   "rows_merged", "rows_rejected", "note"]


def history_path(db_path: str | os.PathLike | None = None) -> Path:
    """The history beside the warehouse: ``warehouse.duckdb`` -> ``warehouse.loads.sqlite``."""
    return store.resolve_db_path(db_path).with_suffix(HISTORY_SUFFIX)


@contextmanager
def _history(db_path: Path, create: bool) -> Iterator[sqlite3.Connection | None]:
    path = history_path(db_path)
    if not create and not path.exists():
        yield None
        return
    with closing(sqlite3.connect(path, timeout=10, isolation_level=None)) as con:
        if create:
            con.executescript(store.load_query("load_history_schema"))
        yield con


def _remember_current(db_path: Path, base_source_dir, uploaded: Iterable[str]) -> None:
    """Append the current warehouse's batch (batch, files, reject counts) to the history, once."""
    with _warehouse(db_path) as con:
        if con is None:
            return
        batches = _query(con, "warehouse_load_batches")
        if batches.empty:
            return
        batch = batches.iloc[0]
        files = _query(con, "warehouse_load_files", batch_id=batch["batch_id"])
        counts = _query(con, "warehouse_reject_counts", batch_id=batch["batch_id"])
    row = {"batch_id": batch["batch_id"], "started_at": _iso(batch["started_at"]),
           "finished_at": _iso(batch["finished_at"]), "manifest": batch["manifest"],
           "source_dir": batch["source_dir"], "loaded_by": batch["loaded_by"],
           "base_source_dir": str(base_source_dir) if base_source_dir else None,
           "uploaded": ", ".join(uploaded) or None}
    with _history(db_path, create=True) as history:
        history.execute("BEGIN IMMEDIATE")
        try:
            added = history.execute(store.load_query("load_history_add_batch"), row).rowcount
            if added:
                for record in files.to_dict("records"):
                    history.execute(store.load_query("load_history_add_file"), _plain(record))
                for record in counts.to_dict("records"):
                    history.execute(store.load_query("load_history_add_reject_count"), _plain(record))
            history.execute("COMMIT")
        except BaseException:
            history.execute("ROLLBACK")
            raise


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat(timespec="seconds")


def _plain(record: dict) -> dict:
    """Values SQLite takes (numpy numbers to Python, missing to None)."""
    out = {}
    for key, value in record.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def history(db_path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every recorded load, one row per source file, newest load first (``HISTORY_COLUMNS`` and ``current``:
    whether it is the load the warehouse holds now)."""
    db = store.resolve_db_path(db_path)
    with _history(db, create=False) as con:
        kept = (pd.read_sql_query(store.load_query("load_history_files"), con) if con is not None
                else pd.DataFrame(columns=HISTORY_COLUMNS))
    with _warehouse(db) as con:
        now = pd.DataFrame(columns=HISTORY_COLUMNS)
        if con is not None:
            batches = _query(con, "warehouse_load_batches")
            if len(batches):
                batch = batches.iloc[0]
                files = _query(con, "warehouse_load_files", batch_id=batch["batch_id"])
                now = files.assign(**{k: batch[k] for k in ("batch_id", "loaded_by", "manifest", "source_dir")},
                                   started_at=_iso(batch["started_at"]), finished_at=_iso(batch["finished_at"]))
    current_batch = now["batch_id"].iloc[0] if len(now) else None
    if current_batch is not None:
        extra = kept[kept["batch_id"] == current_batch][["batch_id", "base_source_dir", "uploaded"]].drop_duplicates()
        now = now.drop(columns=["base_source_dir", "uploaded"], errors="ignore").merge(extra, on="batch_id", how="left")
        kept = kept[kept["batch_id"] != current_batch]
    frames = [f.reindex(columns=HISTORY_COLUMNS) for f in (now, kept) if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HISTORY_COLUMNS)
    out["current"] = out["batch_id"] == current_batch
    for column in ("rows_read", "rows_loaded", "rows_merged", "rows_rejected"):
        out[column] = pd.to_numeric(out[column]).fillna(0).astype("int64")
    for column in ("started_at", "finished_at"):
        out[column] = pd.to_datetime(out[column])
    return out.sort_values(["finished_at", "table_name", "file"], ascending=[False, True, True],
                           kind="stable").reset_index(drop=True)


def load_summaries(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per load of a ``history`` frame: when, who, what was uploaded, files and rows; newest first."""
    columns = ["batch_id", "finished_at", "loaded_by", "uploaded", "files", "rows_read", "rows_loaded",
               "rows_merged", "rows_rejected", "current"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    grouped = frame.groupby("batch_id", sort=False)
    out = grouped.agg(finished_at=("finished_at", "first"), loaded_by=("loaded_by", "first"),
                      uploaded=("uploaded", "first"), files=("file", "count"), rows_read=("rows_read", "sum"),
                      rows_loaded=("rows_loaded", "sum"), rows_merged=("rows_merged", "sum"),
                      rows_rejected=("rows_rejected", "sum"), current=("current", "first")).reset_index()
    return out[columns]


def rejects(db_path: str | os.PathLike | None, batch_id: str, limit: int = MAX_REJECT_ROWS) -> pd.DataFrame:
    """The rejected rows of load ``batch_id`` (file, line, column, value, reason, kind), when it is the load
    the warehouse holds now (earlier loads keep only their counts: ``reject_counts``); at most ``limit``."""
    with _warehouse(store.resolve_db_path(db_path)) as con:
        if con is None:
            return pd.DataFrame(columns=["table_name", "file", "line", "column", "value", "reason", "kind", "raw"])
        return _query(con, "warehouse_rejects", batch_id=batch_id, limit=int(limit))


def reject_counts(db_path: str | os.PathLike | None, batch_id: str) -> pd.DataFrame:
    """Rejected rows of load ``batch_id`` counted by table, file, kind and reason (any recorded load)."""
    db = store.resolve_db_path(db_path)
    with _warehouse(db) as con:
        if con is not None:
            counts = _query(con, "warehouse_reject_counts", batch_id=batch_id)
            if len(counts) or batch_id == _current_batch(con):
                return counts
    with _history(db, create=False) as con:
        if con is None:
            return pd.DataFrame(columns=["batch_id", "table_name", "file", "kind", "reason", "rows"])
        return pd.read_sql_query(store.load_query("load_history_reject_counts"), con, params={"batch_id": batch_id})


def rejected_rows(db_path: str | os.PathLike | None, batch_id: str, in_use: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load ``batch_id``'s rejected rows counted (``reject_counts``, without the batch), and the rows themselves
    when it is the load in use and has any (``rejects``; else the counts again)."""
    counts = reject_counts(db_path, batch_id).drop(columns=["batch_id"])
    return counts, rejects(db_path, batch_id) if in_use and len(counts) else counts


def _current_batch(con: duckdb.DuckDBPyConnection) -> str | None:
    batches = _query(con, "warehouse_load_batches")
    return batches["batch_id"].iloc[0] if len(batches) else None
