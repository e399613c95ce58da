"""The one module that owns the DuckDB warehouse file.

Why it is built this way:

* A DuckDB file open read-write in one process blocks every other process, read-only opens
  included. So the app only ever opens the file read-only, keeps one connection per process
  and hands out cursors; writers never touch the live file. A load builds a complete new file
  next to it and swaps it in with an atomic rename; readers notice the new file (see
  ``file_identity``) and reopen. A failed build leaves the live file exactly as it was.
* Every SQL statement lives in ``queries/<name>.sql`` with bound ``$parameters``; this module
  loads and runs them. The only SQL composed here is DDL and bulk inserts generated from
  ``schema.yaml`` (identifiers from the schema file, never from user input), and the file paths
  of ``LOAD`` and ``ATTACH``, which DuckDB cannot take as bound parameters: those go through
  ``sql_literal`` (a quote in a folder name such as ``O'Fallon`` is data, never SQL).
* The engagement ledger belongs to one warehouse: its default file is named after the
  warehouse's (``data/st_louis.duckdb`` -> ``data/st_louis.ledger.sqlite``), and the ledger
  records the city it was first written for; a ledger of another city is refused on open.
* The spatial extension is loaded from its PyPI wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Iterator, Mapping

import duckdb
import pandas as pd
import shapely

from community_policing.data import schema
# Paths, SQL text and literals live in data.files (shared with the ledger); the names stay importable from here.
from community_policing.data.files import (  # noqa: F401
    _DUCKDB_CONFIG, DB_ENV_VAR, DEFAULT_DB_PATH, DEFAULT_LEDGER_PATH, LEDGER_ENV_VAR, LEDGER_SUFFIX, PROJECT_ROOT,
    QUERIES_DIR, StoreError, city_identity, ledger_path_for, load_query, resolve_db_path, resolve_ledger_path,
    sql_identifier, sql_literal, warehouse_city)

SCHEMA_FINGERPRINT_KEY = "schema_fingerprint"


class DatabaseMissing(StoreError):
    pass


class DatabaseLocked(StoreError):
    pass


class DatabaseOutdated(StoreError):
    pass


class LedgerOfAnotherCity(StoreError):
    """The ledger file was written for another city's warehouse."""


def file_identity(path: Path) -> tuple[int, int] | None:
    """(inode, mtime) of the file, or None if absent: changes when a new build is swapped in."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns)


@cache
def spatial_extension_path() -> Path:
    import duckdb_extension_spatial

    ext = (
        Path(duckdb_extension_spatial.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "spatial.duckdb_extension"
    )
    if not ext.exists():
        raise StoreError(
            f"the DuckDB spatial extension for duckdb {duckdb.__version__} is not installed "
            f"(looked for {ext}); install the pinned requirements.txt"
        )
    return ext


@cache
def sqlite_extension_path() -> Path:
    import duckdb_extension_sqlite_scanner

    return (Path(duckdb_extension_sqlite_scanner.__file__).parent / "extensions" / f"v{duckdb.__version__}"
            / "sqlite_scanner.duckdb_extension")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    # DuckDB would answer an SQLite file (a ledger given as the warehouse) with a page about installing
    # its sqlite extension; say plainly what the file is instead.
    if read_only and path.is_file():
        with open(path, "rb") as handle:
            if handle.read(16) == b"SQLite format 3\x00":
                raise StoreError(f"{path} is an SQLite file (an engagement ledger?), not a warehouse; "
                                 "give the city's .duckdb file")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=_DUCKDB_CONFIG)
    except (duckdb.IOException, duckdb.InvalidInputException, duckdb.SerializationException) as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"{path} is being written by another process; try again when that load has "
                "finished (loads build a new file and swap it in, so this should be brief)"
            ) from None
        raise StoreError(f"cannot open {path}: {exc}") from None
    con.execute(f"LOAD {sql_literal(spatial_extension_path())}")
    return con


_READ_ALIASES = itertools.count()  # numbers the one-use names of connect_afresh


def connect_afresh(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file at ``path`` now, never DuckDB's cached database of an earlier file.

    DuckDB keeps one database per (resolved) file path in a process and hands it back to every connect to that
    path while any connection to it is open. After a load swaps a new file in, a session still on the old Store
    keeps that database alive, so reopening by the path gave the old, deleted file, and the app served the old
    build until restarted. So the file is opened through a hard link under a name used once
    (``<db>.read-<pid>-<n>``): another path to the same new file, which DuckDB opens as a database of its own.
    The link is removed at once (the open file stays readable, as the old one does for the sessions still on
    it). Where no link can be made (a folder the app may not write, a file system without hard links) the file
    is opened by its name, as before.
    """
    alias = path.with_name(f"{path.name}.read-{os.getpid()}-{next(_READ_ALIASES)}")
    try:
        alias.unlink(missing_ok=True)  # left by a killed process that had this process id
        os.link(path, alias)
    except OSError:
        return _connect(path, read_only=True)
    try:
        return _connect(alias, read_only=True)
    except StoreError as exc:  # name the file the user knows, not the link
        raise type(exc)(str(exc).replace(str(alias), str(path))) from None
    finally:
        alias.unlink(missing_ok=True)


class Store:
    """A read-only view of one warehouse file: run named queries, get DataFrames.

    One Store per process is enough: DuckDB connections are thread-safe through ``cursor()``,
    which each query uses.
    """

    def __init__(self, path: str | os.PathLike | None = None, ledger: str | os.PathLike | None = None):
        self.path = resolve_db_path(path)
        if not self.path.exists():
            raise DatabaseMissing(
                f"no warehouse at {self.path}; build the demo city with "
                f"`python -m community_policing demo --db {self.path}` (or `make demo`)"
            )
        self.identity = file_identity(self.path)
        self._warehouse_answers: dict[str, pd.DataFrame] = {}
        self._con = connect_afresh(self.path)
        self.ledger_path: Path | None = None
        self.city: str | None = None
        self._check_schema()
        self._ledger_arg = ledger
        # The ledger file this warehouse uses, whether or not it exists yet (pages write to it).
        self.ledger_file = resolve_ledger_path(ledger, self.path)
        try:
            self.ledger_path = self._attach_ledger(self.ledger_file)
        except BaseException:
            self.close()
            raise

    def _attach_ledger(self, path: Path) -> Path | None:
        """Attach the engagement ledger read-only, when there is one, so recorded activities count at once.

        Staff write the ledger (SQLite, many small concurrent writes) while this warehouse stays
        read-only; every query sees both through the ``engagement``, ``training_records`` and
        ``program_records`` views (queries/live_views*.sql). A ledger written for another city is
        refused (``LedgerOfAnotherCity``); one not yet claimed is claimed for this warehouse's city.
        """
        if not path.exists():
            return None
        from community_policing.ledger.book import LedgerError, upgrade  # the ledger module imports this one

        try:
            # A ledger written by an earlier version gains its new tables first (a no-op after); it is
            # claimed for this city, or refused when it belongs to another.
            upgrade(path, city=self.city)
        except LedgerError as exc:
            raise LedgerOfAnotherCity(str(exc)) from None
        self._con.execute(f"LOAD {sql_literal(sqlite_extension_path())}")
        # IF NOT EXISTS: Stores of one file in one process share DuckDB's database instance and its attachments.
        self._con.execute(f"ATTACH IF NOT EXISTS {sql_literal(path)} AS ledger (TYPE sqlite, READ_ONLY)")
        return path

    def ledger_version(self) -> int:
        """Grows with every ledger write (the audit trail only grows): part of every cache key."""
        if self.ledger_path is None:
            return 0
        return int(self.query("ledger_version").iloc[0, 0])

    def _check_schema(self) -> None:
        """Refuse a file built for another version of the schema, with the way to rebuild it."""
        try:
            facts = dict(self.query("metadata").itertuples(index=False, name=None))
        except duckdb.CatalogException:
            facts = {}
        self.city = city_identity(facts)
        if facts.get(SCHEMA_FINGERPRINT_KEY) != schema.fingerprint():
            self.close()
            raise DatabaseOutdated(
                f"{self.path} was built by another version of Common Ground (its tables differ from "
                "this version's schema); rebuild it: `make demo` for the demo city, or run "
                "`python -m community_policing load ...` again for a real city"
            )

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """Run ``queries/<name>.sql`` with ``params`` bound to its ``$name`` parameters."""
        cursor = self._con.cursor()
        try:
            # Temporary views live per cursor: the warehouse's rows plus the live ledger's.
            cursor.execute(load_query("live_views_with_ledger" if self.ledger_path else "live_views"))
            return cursor.execute(load_query(name), params or None).df()
        finally:
            cursor.close()

    def warehouse_query(self, name: str) -> pd.DataFrame:
        """``query(name)`` for a parameterless query of the warehouse's own tables (not the ledger), run once
        per Store: the file is never written while open (a new build is a new file and a new Store), so the
        answer cannot change. A copy each time, so a caller may add columns."""
        if name not in self._warehouse_answers:
            self._warehouse_answers[name] = self.query(name)
        return self._warehouse_answers[name].copy()

    def is_stale(self) -> bool:
        """True when another process has swapped a new file in since this Store opened, or a ledger
        has been started since (it is attached on open)."""
        ledger_started = self.ledger_path is None and self.ledger_file.exists()
        return file_identity(self.path) != self.identity or ledger_started

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- Writing: build a new file, then swap it in --------------------------------------------


def _create_table_ddl(t: schema.Table) -> str:
    cols = []
    for c in t.columns:
        not_null = " NOT NULL" if c.required else ""
        cols.append(f'"{c.name}" {c.type}{not_null}')
    if t.primary_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in t.primary_key) + ")")
    return f'CREATE TABLE "{t.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def _insert_sql(t: schema.Table) -> str:
    select = ", ".join(
        f'ST_GeomFromWKB("{c.name}") AS "{c.name}"' if c.is_geometry else f'"{c.name}"' for c in t.columns
    )
    return f'INSERT INTO "{t.name}" BY NAME SELECT {select} FROM staged'


def _to_insertable(t: schema.Table, frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({name: frame[name].to_numpy() for name in t.column_names}, index=frame.index)
    for c in t.columns:
        if c.is_geometry:
            out[c.name] = [None if g is None else shapely.to_wkb(g) for g in out[c.name]]
    return out


STALE_BUILD_AGE = 15 * 60  # seconds: a temporary file of unknown builder untouched this long is a leftover


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def sweep_stale_builds(target: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Remove what killed builds of ``target`` left behind (``<db>.tmp-<pid>-*`` and their ``.wal``), and the
    one-use read links of ``connect_afresh`` (``<db>.read-<pid>-*``) a reader killed at the wrong moment left.

    A file whose builder (or reader) process is gone is removed at once; one whose builder is still running is
    never touched, however old (a big load can take long). A file without a process id (written by
    an earlier version) is removed once it has not changed for ``STALE_BUILD_AGE`` seconds.
    Returns the files removed.
    """
    import time

    target = Path(target)
    now = time.time() if now is None else now
    removed = []
    pattern = re.compile(re.escape(target.name) + r"\.(?:tmp-(?:(\d+)-)?|read-(\d+)-\d+$)")
    leftovers = [*target.parent.glob(glob_escape(target.name) + ".tmp-*"),
                 *target.parent.glob(glob_escape(target.name) + ".read-*")]
    for leftover in leftovers:
        found = pattern.match(leftover.name)
        if not found:
            continue
        try:
            age = now - leftover.stat().st_mtime
        except FileNotFoundError:
            continue
        pid = found.group(1) or found.group(2)
        pid = int(pid) if pid else None
        if pid == os.getpid():
            continue  # this process builds it (or built it and cleans up itself)
        stale = not _process_alive(pid) if pid is not None else age > STALE_BUILD_AGE
        if stale:
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with the glob wildcards ``*?[`` taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextmanager
def building(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Build a brand-new warehouse file and swap it in atomically when the block succeeds.

    Yields a read-write connection to a temporary file beside the target with every schema
    table created. If the block raises, the temporary file is removed and the live file is
    untouched. Readers keep their open (now unlinked) file until they notice the swap.
    """
    target = resolve_db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_builds(target)
    # The builder's process id is in the name, so a later build can tell a killed build's leftovers
    # from a concurrent build's live file.
    fd, tmp_name = tempfile.mkstemp(prefix=f"{target.name}.tmp-{os.getpid()}-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB wants to create the file itself
    try:
        con = _connect(tmp, read_only=False)
        try:
            for t in schema.load_schema().values():
                con.execute(_create_table_ddl(t))
            insert_frame(con, "metadata", pd.DataFrame({"key": [SCHEMA_FINGERPRINT_KEY],
                                                        "value": [schema.fingerprint()]}))
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)


def insert_frame(con: duckdb.DuckDBPyConnection, table_name: str, frame: pd.DataFrame) -> int:
    """Insert rows whose columns match the schema of ``table_name``; returns rows inserted."""
    t = schema.table(table_name)
    if frame.empty:
        return 0
    staged = _to_insertable(t, frame)  # noqa: F841  (DuckDB reads the local by name)
    con.register("staged", staged)
    try:
        con.execute(_insert_sql(t))
    finally:
        con.unregister("staged")
    return len(frame)


def run_named(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> None:
    """Run a named statement on a build connection (used for derived tables)."""
    con.execute(load_query(name), params or None)


def write_database(tables: Mapping[str, pd.DataFrame], path: str | os.PathLike | None = None) -> Path:
    """Create a complete warehouse from DataFrames (validated first), then swap it in.

    Raises SchemaError if any row fails validation: a build from generated or pre-cleaned data
    must be complete, so nothing is silently dropped.
    """
    target = resolve_db_path(path)
    checked: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        result = schema.validate(name, frame)
        if len(result.rejects):
            first = result.rejects.iloc[0]
            raise schema.SchemaError(
                f"{name}: {len(result.rejects)} invalid row(s); first at row {first.row_number}, "
                f"column {first.column} = {first.value!r}: {first.reason}"
            )
        checked[name] = result.valid
    with building(target) as con:
        for name, frame in checked.items():
            insert_frame(con, name, frame)
        refresh_aggregates(con)
    return target


def refresh_aggregates(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables pages read: the daily incident aggregate, the reporting delays
    (for the data note's reporting lag) and the map shapes."""
    from community_policing.data.shapes import map_shapes

    run_named(con, "build_incident_counts_daily")
    run_named(con, "build_reporting_delays")
    areas = con.execute(load_query("area_geometries_wkb")).df()
    for level, part in areas.groupby("level"):
        insert_frame(con, "area_shapes", map_shapes(level, list(part["area_id"]), [bytes(b) for b in part["wkb"]]))
