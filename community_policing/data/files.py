"""Where the warehouse, its ledger and the SQL files are, and how a value or a path goes into SQL safely.

Both the store (the warehouse) and the ledger (staff's SQLite file) read their paths and SQL text from here, so
neither needs the other to find a file. Why the paths are resolved this way: a warehouse is named on the command
line, in $COMMON_GROUND_DB, or is ``data/warehouse.duckdb``; its ledger sits beside it, named after it
(``data/st_louis.duckdb`` -> ``data/st_louis.ledger.sqlite``), unless $COMMON_GROUND_LEDGER names another.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Mapping

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
DB_ENV_VAR = "COMMON_GROUND_DB"

LEDGER_ENV_VAR = "COMMON_GROUND_LEDGER"
LEDGER_SUFFIX = ".ledger.sqlite"
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class StoreError(RuntimeError):
    """A problem with the warehouse file, worded for the person who has to fix it."""


def sql_literal(value: str | os.PathLike) -> str:
    """``value`` as one SQL string literal, for the few places DuckDB cannot bind a parameter (the
    file of ``ATTACH`` and ``LOAD``): single quotes doubled, so the text can never end the literal."""
    text = os.fspath(value)
    if "\x00" in text:
        raise ValueError("a file path cannot contain a NUL character")
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """``name`` as one double-quoted SQL identifier (double quotes doubled)."""
    if "\x00" in name:
        raise ValueError("an identifier cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'


def resolve_db_path(path: str | os.PathLike | None = None) -> Path:
    """The warehouse file to use: an explicit path, else $COMMON_GROUND_DB, else data/warehouse.duckdb."""
    if path:
        return Path(path)
    env = os.environ.get(DB_ENV_VAR)
    return Path(env) if env else DEFAULT_DB_PATH


def ledger_path_for(db_path: str | os.PathLike) -> Path:
    """The ledger file that belongs to a warehouse: beside it, named after it
    (``data/st_louis.duckdb`` -> ``data/st_louis.ledger.sqlite``)."""
    db = Path(db_path)
    stem = db.name[: -len(db.suffix)] if db.suffix else db.name
    return db.with_name(stem + LEDGER_SUFFIX)


DEFAULT_LEDGER_PATH = ledger_path_for(DEFAULT_DB_PATH)


def resolve_ledger_path(path: str | os.PathLike | None = None, db: str | os.PathLike | None = None) -> Path:
    """The engagement ledger (SQLite): an explicit path, else $COMMON_GROUND_LEDGER, else the ledger of
    the warehouse ``db`` (itself resolved like ``resolve_db_path``: data/warehouse.ledger.sqlite by default)."""
    if path:
        return Path(path)
    env = os.environ.get(LEDGER_ENV_VAR)
    return Path(env) if env else ledger_path_for(resolve_db_path(db))


def city_identity(facts: Mapping[str, Any]) -> str | None:
    """The city a warehouse holds, from its ``metadata`` facts: what a ledger records as its owner."""
    name = facts.get("city_name")
    return str(name).strip() or None if name is not None else None


def warehouse_city(db_path: str | os.PathLike) -> str | None:
    """The city of a warehouse file (None when there is no file or it names none), read without the
    spatial extension through an in-memory connection that attaches the file read-only."""
    path = Path(db_path)
    if not path.exists():
        return None
    con = duckdb.connect(":memory:", config=_DUCKDB_CONFIG)
    try:
        con.execute(f"ATTACH {sql_literal(path)} AS warehouse (READ_ONLY)")
        found = con.execute(load_query("warehouse_city")).fetchone()
    except duckdb.Error as exc:
        raise StoreError(f"cannot read the city of {path}: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return city_identity({"city_name": found[0]}) if found else None


@cache
def load_query(name: str) -> str:
    """The text of ``queries/<name>.sql``."""
    if not _QUERY_NAME.match(name):
        raise ValueError(f"invalid query name {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        raise ValueError(f"no query named {name!r} (expected {path})")
    return path.read_text(encoding="utf-8")
