"""The one module that owns the DuckDB warehouse file.

Why it is built this way:

* A DuckDB file open read-write in one process blocks every other process, read-only opens
  included. So the app only ever opens the file read-only, keeps one connection per process
  and hands out cursors; writers never touch the live file. A load builds a complete new file
  next to it and swaps it in with an atomic rename; readers notice the new file (see
  ``file_identity``) and reopen. A failed build leaves the live file exactly as it was.
* Every SQL statement lives in ``queries/<name>.sql`` with bound ``$parameters``; this module
  loads and runs them. The only SQL composed here is DDL and bulk inserts generated from
  ``schema.yaml`` (identifiers from the schema file, never from user input).
* The spatial extension is loaded from its PyPI wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

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

from community_policing import schema

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
DB_ENV_VAR = "COMMON_GROUND_DB"

LEDGER_ENV_VAR = "COMMON_GROUND_LEDGER"
DEFAULT_LEDGER_PATH = DEFAULT_DB_PATH.parent / "ledger.sqlite"
SCHEMA_FINGERPRINT_KEY = "schema_fingerprint"
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class StoreError(RuntimeError):
    """A problem with the warehouse file, worded for the person who has to fix it."""


class DatabaseMissing(StoreError):
    pass


class DatabaseLocked(StoreError):
    pass


class DatabaseOutdated(StoreError):
    pass


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The warehouse file to use: an explicit path, else $COMMON_GROUND_DB, else data/warehouse.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB_PATH


def resolve_ledger_path(path: str | os.PathLike | None = None) -> Path:
    """The engagement ledger (SQLite): an explicit path, else $COMMON_GROUND_LEDGER, else data/ledger.sqlite."""
    if path:
        return Path(path)
    env = os.environ.get(LEDGER_ENV_VAR)
    return Path(env) if env else DEFAULT_LEDGER_PATH


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


@cache
def load_query(name: str) -> str:
    """The text of ``queries/<name>.sql``."""
    if not _QUERY_NAME.match(name):
        raise ValueError(f"invalid query name {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise ValueError(f"no query named {name!r} (expected {path})")
    return path.read_text(encoding="utf-8")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=_DUCKDB_CONFIG)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseLocked(
                f"{path} is being written by another process; try again when that load has "
                "finished (loads build a new file and swap it in, so this should be brief)"
            ) from None
        raise StoreError(f"cannot open {path}: {exc}") from None
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con


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
        self._con = _connect(self.path, read_only=True)
        self.ledger_path: Path | None = None
        self._check_schema()
        self._ledger_arg = ledger
        self.ledger_path = self._attach_ledger(ledger)

    def _attach_ledger(self, ledger: str | os.PathLike | None) -> Path | None:
        """Attach the engagement ledger read-only, when there is one, so recorded activities count at once.

        Staff write the ledger (SQLite, many small concurrent writes) while this warehouse stays
        read-only; every query sees both through the ``engagement``, ``training_records`` and
        ``program_records`` views (queries/live_views*.sql).
        """
        path = resolve_ledger_path(ledger)
        if not path.exists():
            return None
        from community_policing.ledger import upgrade  # the ledger module imports this one

        upgrade(path)  # a ledger written by an earlier version gains its new tables first (a no-op after)
        self._con.execute(f"LOAD '{sqlite_extension_path()}'")
        # IF NOT EXISTS: Stores of one file in one process share DuckDB's database instance and its attachments.
        self._con.execute(f"ATTACH IF NOT EXISTS '{path}' AS ledger (TYPE sqlite, READ_ONLY)")
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

    def is_stale(self) -> bool:
        """True when another process has swapped a new file in since this Store opened, or a ledger
        has been started since (it is attached on open)."""
        ledger_started = self.ledger_path is None and resolve_ledger_path(self._ledger_arg).exists()
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


@contextmanager
def building(path: str | os.PathLike | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Build a brand-new warehouse file and swap it in atomically when the block succeeds.

    Yields a read-write connection to a temporary file beside the target with every schema
    table created. If the block raises, the temporary file is removed and the live file is
    untouched. Readers keep their open (now unlinked) file until they notice the swap.
    """
    target = resolve_db_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".tmp-", dir=target.parent)
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
    from community_policing.shapes import map_shapes

    run_named(con, "build_incident_counts_daily")
    run_named(con, "build_reporting_delays")
    areas = con.execute(load_query("area_geometries_wkb")).df()
    for level, part in areas.groupby("level"):
        insert_frame(con, "area_shapes", map_shapes(level, list(part["area_id"]), [bytes(b) for b in part["wkb"]]))
