"""The engagement ledger: where staff record community-engagement activities from the app.

Why it is built this way:

* The analytics warehouse is a DuckDB file the app opens read-only (a DuckDB file open
  read-write in one process blocks every other process). Recording activities needs many small
  concurrent writes, so the ledger is a separate SQLite file (default ``data/ledger.sqlite``,
  beside the default warehouse; ``$COMMON_GROUND_LEDGER`` or an explicit path overrides it).
  The analytics side can later read it with DuckDB's ``ATTACH ... (TYPE sqlite)``.
* WAL mode lets readers carry on while one writer writes; every call opens its own short-lived
  connection with a 10 s busy timeout, so the class is safe to share between threads and to use
  from several processes at once. Every write takes the write lock up front (``BEGIN
  IMMEDIATE``) so two writers queue instead of failing on a lock upgrade.
* Nothing is ever lost: an entry and its audit row are written in one transaction; edits keep
  the whole entry before and after in the audit trail; deletes are soft (``deleted_at``); ids
  come from a counter that only goes up, so they are never reused. Triggers refuse to delete
  entries or to change or delete audit rows.
* Rows are checked against ``schema.yaml`` (``engagement_events`` and ``engagement_attendance``)
  with ``schema.validate``, plus the ledger's own fields. An invalid entry raises
  ``LedgerError`` whose ``errors`` maps each bad field to a message for the form, and writes
  nothing at all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import pandas as pd

from community_policing import schema
from community_policing.store import DEFAULT_LEDGER_PATH, LEDGER_ENV_VAR, resolve_ledger_path  # noqa: F401  (re-exported)

BUSY_TIMEOUT_SECONDS = 10.0
LEDGER_SCHEMA_VERSION = 1

EVENTS_TABLE = "engagement_events"
ATTENDANCE_TABLE = "engagement_attendance"

TITLE_MAX_CHARS = 200
PLACE_MAX_CHARS = 200
PARTNERS_MAX_CHARS = 500
NOTES_MAX_CHARS = 10_000

# Fields a caller may give, in the order forms and exports show them.
ENTRY_FIELDS = (
    "date", "start_time", "district_id", "neighborhood_id", "type", "title", "place",
    "lon", "lat", "attendees", "officers", "officer_hours", "partners", "cost", "notes",
    "attendance",
)
_BOOKKEEPING = (
    "created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by",
    "delete_reason",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

_DDL = """
CREATE TABLE IF NOT EXISTS ledger_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS id_counter (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    last_id INTEGER NOT NULL
);
INSERT OR IGNORE INTO id_counter (only_row, last_id) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    date TEXT NOT NULL,
    start_time TEXT,
    district_id TEXT NOT NULL,
    neighborhood_id TEXT,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT,
    lon REAL,
    lat REAL,
    attendees INTEGER,
    officers INTEGER,
    officer_hours REAL,
    partners TEXT,
    cost REAL,
    notes TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT,
    deleted_at TEXT,
    deleted_by TEXT,
    delete_reason TEXT
);
CREATE TABLE IF NOT EXISTS attendance (
    entry_id TEXT NOT NULL REFERENCES entries(id),
    dimension TEXT NOT NULL,
    demographic_group TEXT NOT NULL,
    attendees INTEGER NOT NULL CHECK (attendees >= 0),
    PRIMARY KEY (entry_id, dimension, demographic_group)
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'edit', 'delete')),
    entry_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_entry ON audit (entry_id, seq);
CREATE TRIGGER IF NOT EXISTS entries_never_deleted BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted; use Ledger.delete (soft delete)'); END;
CREATE TRIGGER IF NOT EXISTS audit_never_changed BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_never_deleted BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"""


class LedgerError(ValueError):
    """An entry (or request) the ledger refuses; ``errors`` maps field -> message for the form.

    ``str(error)`` lists every problem as ``field: message``.
    """

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(self.messages()))

    def messages(self) -> list[str]:
        return [f"{name}: {message}" for name, message in self.errors.items()]


class EntryNotFound(LedgerError, KeyError):
    """No entry has that id."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return ValueError.__str__(self)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


class Ledger:
    """The engagement ledger in one SQLite file. Cheap to create; holds no open connection."""

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
    ):
        self.path = resolve_ledger_path(path)
        self.valid_district_ids = _id_set(valid_district_ids)
        self.valid_neighborhood_ids = _id_set(valid_neighborhood_ids)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"{self.path}: could not switch to WAL mode (got {mode})")
            with _transaction(con):
                for statement in _split_sql(_DDL):
                    con.execute(statement)
                con.execute(
                    "INSERT OR IGNORE INTO ledger_meta (key, value) VALUES ('schema_version', ?)",
                    (str(LEDGER_SCHEMA_VERSION),),
                )

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = FULL")
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as con, _transaction(con):
            yield con

    def _read(self, sql: str, params: tuple = ()) -> pd.DataFrame:
        with closing(self._connect()) as con:
            cur = con.execute(sql, params)
            names = [d[0] for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=names)

    # -- writes --------------------------------------------------------------------------------

    def add(
        self,
        entry: Mapping[str, Any],
        user: str,
        *,
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
    ) -> str:
        """Validate and record a new activity; returns its id (``L000001``, ...)."""
        user = _check_user(user)
        unknown = {k: _unknown_field_message() for k in entry if k not in ENTRY_FIELDS}
        row, attendance = self._validated(entry, valid_district_ids, valid_neighborhood_ids, unknown)
        at = _now()
        with self._write() as con:
            number = con.execute(
                "UPDATE id_counter SET last_id = last_id + 1 WHERE only_row = 1 RETURNING last_id"
            ).fetchone()[0]
            entry_id = f"L{number:06d}"
            record = {"id": entry_id, **row, "created_at": at, "created_by": user}
            _insert(con, "entries", record)
            _replace_attendance(con, entry_id, attendance)
            after = _snapshot(con, entry_id)
            _audit(con, at, user, "insert", entry_id, None, after)
        return entry_id

    def edit(
        self,
        entry_id: str,
        changes: Mapping[str, Any],
        user: str,
        *,
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
    ) -> None:
        """Change fields of an entry (``attendance`` replaces the whole breakdown).

        The merged entry is validated as a whole; the audit row keeps it before and after. An
        edit that changes nothing writes nothing.
        """
        user = _check_user(user)
        unknown = {k: _unknown_field_message() for k in changes if k not in ENTRY_FIELDS}
        if unknown:
            raise LedgerError(unknown)
        at = _now()
        with self._write() as con:
            before = _live_snapshot(con, entry_id, "was deleted on {at}; deleted entries cannot be edited")
            merged = {k: before.get(k) for k in ENTRY_FIELDS}
            merged.update(changes)
            row, attendance = self._validated(merged, valid_district_ids, valid_neighborhood_ids, {})
            current = {k: before.get(k) for k in row}
            if current == row and _attendance_dict(attendance) == (before.get("attendance") or {}):
                return
            sets = ", ".join(f"{k} = ?" for k in row)
            con.execute(
                f"UPDATE entries SET {sets}, updated_at = ?, updated_by = ? WHERE id = ?",
                (*row.values(), at, user, entry_id),
            )
            _replace_attendance(con, entry_id, attendance)
            _audit(con, at, user, "edit", entry_id, before, _snapshot(con, entry_id))

    def delete(self, entry_id: str, user: str, reason: str = "") -> None:
        """Soft-delete an entry: it leaves the analytics but stays in the file and the audit."""
        user = _check_user(user)
        reason = "" if reason is None else str(reason).strip()
        at = _now()
        with self._write() as con:
            before = _live_snapshot(con, entry_id, "was already deleted on {at}")
            con.execute(
                "UPDATE entries SET deleted_at = ?, deleted_by = ?, delete_reason = ? WHERE id = ?",
                (at, user, reason or None, entry_id),
            )
            _audit(con, at, user, "delete", entry_id, before, _snapshot(con, entry_id))

    # -- reads ---------------------------------------------------------------------------------

    def get(self, entry_id: str) -> dict[str, Any]:
        """One entry (deleted or not) as a dict, with its attendance breakdown."""
        with closing(self._connect()) as con:
            snap = _snapshot(con, entry_id)
        if snap is None:
            raise EntryNotFound({"id": f"no entry with id {entry_id!r}"})
        return snap

    def entries(self, include_deleted: bool = False) -> pd.DataFrame:
        """Every entry: the engagement_events columns, then the ledger's own fields."""
        where = "" if include_deleted else "WHERE deleted_at IS NULL"
        frame = self._read(f"SELECT {', '.join(_entry_columns())} FROM entries {where} ORDER BY seq")
        return _typed_entries(frame)

    def as_engagement_events(self) -> pd.DataFrame:
        """Non-deleted entries in exactly the schema's engagement_events columns and types."""
        frame = self.entries()[list(schema.table(EVENTS_TABLE).column_names)]
        return _schema_frame(EVENTS_TABLE, frame)

    def attendance(self, entry_id: str | None = None, include_deleted: bool = False) -> pd.DataFrame:
        """Attendance by group, in the schema's engagement_attendance columns."""
        sql = ("SELECT a.entry_id AS event_id, a.dimension, a.demographic_group, a.attendees "
               "FROM attendance a JOIN entries e ON e.id = a.entry_id WHERE 1 = 1")
        params: tuple = ()
        if not include_deleted:
            sql += " AND e.deleted_at IS NULL"
        if entry_id is not None:
            sql += " AND a.entry_id = ?"
            params = (entry_id,)
        frame = self._read(sql + " ORDER BY e.seq, a.dimension, a.demographic_group", params)
        return _schema_frame(ATTENDANCE_TABLE, frame)

    def as_engagement_attendance(self) -> pd.DataFrame:
        """Attendance of non-deleted entries, for the warehouse's engagement_attendance table."""
        return self.attendance()

    def audit(self, entry_id: str | None = None) -> pd.DataFrame:
        """The audit trail, oldest first: at, user, action, entry_id, before, after (JSON text)."""
        sql = "SELECT at, user, action, entry_id, before, after FROM audit"
        params: tuple = ()
        if entry_id is not None:
            sql += " WHERE entry_id = ?"
            params = (entry_id,)
        frame = self._read(sql + " ORDER BY seq", params)
        if frame.empty:
            frame = pd.DataFrame(columns=["at", "user", "action", "entry_id", "before", "after"])
        return frame.astype(object).where(frame.notna(), None)

    def export_csv(self, path_or_buffer: Any, include_deleted: bool = False) -> int:
        """Write entries to CSV (dates as YYYY-MM-DD); returns the number of rows written."""
        frame = self.entries(include_deleted=include_deleted)
        frame.to_csv(path_or_buffer, index=False, date_format="%Y-%m-%d")
        return len(frame)

    # -- validation ----------------------------------------------------------------------------

    def _validated(
        self,
        entry: Mapping[str, Any],
        valid_district_ids: Iterable[Any] | None,
        valid_neighborhood_ids: Iterable[Any] | None,
        errors: dict[str, str],
    ) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
        districts = _id_set(valid_district_ids) if valid_district_ids is not None else self.valid_district_ids
        neighborhoods = (_id_set(valid_neighborhood_ids) if valid_neighborhood_ids is not None
                         else self.valid_neighborhood_ids)
        return validate_entry(entry, districts, neighborhoods, errors)


# -- validation (module level so forms can check a draft without a ledger) ----------------------


def validate_entry(
    entry: Mapping[str, Any],
    valid_district_ids: set[str] | None = None,
    valid_neighborhood_ids: set[str] | None = None,
    errors: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """Check one entry; return (stored fields, attendance rows) or raise LedgerError.

    Every field is checked, so the error lists all problems at once.
    """
    errors = dict(errors or {})
    events = schema.table(EVENTS_TABLE)
    row: dict[str, Any] = {}

    def get(name: str) -> Any:
        value = entry.get(name)
        return None if is_blank(value) else value

    # date and start time
    date = get("date")
    if date is None:
        errors["date"] = "required; expected a date as YYYY-MM-DD"
    else:
        parsed = _parse_date(date)
        if parsed is None:
            errors["date"] = "expected a date as YYYY-MM-DD"
        row["date"] = parsed.isoformat() if parsed else None
    start = get("start_time")
    row["start_time"] = None
    if start is not None:
        parsed_time = _parse_time(start)
        if parsed_time is None:
            errors["start_time"] = "expected a time as HH:MM (24-hour)"
        row["start_time"] = parsed_time

    # places
    for name, valid, word in (("district_id", valid_district_ids, "district"),
                              ("neighborhood_id", valid_neighborhood_ids, "neighborhood")):
        value = get(name)
        text = None if value is None else _text(value)
        row[name] = text
        if text is None:
            if events.column(name).required:
                errors[name] = "required"
        elif valid is not None and text not in valid:
            errors[name] = f"unknown {word} {text!r}; expected one of {_list_ids(valid)}"

    kind = get("type")
    allowed = events.column("type").allowed or ()
    row["type"] = None if kind is None else _text(kind)
    if row["type"] is None or row["type"] not in allowed:
        errors["type"] = "expected one of " + ", ".join(map(str, allowed))

    # text fields
    for name, limit, required in (("title", TITLE_MAX_CHARS, True), ("place", PLACE_MAX_CHARS, False),
                                  ("partners", PARTNERS_MAX_CHARS, False), ("notes", NOTES_MAX_CHARS, False)):
        value = get(name)
        text = None if value is None else str(value).strip() or None
        row[name] = text
        if text is None:
            if required:
                errors[name] = "required; give a short title"
        elif len(text) > limit:
            errors[name] = f"at most {limit} characters (got {len(text)})"

    # location: both or neither, in range
    lon, lat = get("lon"), get("lat")
    row["lon"] = row["lat"] = None
    if (lon is None) != (lat is None):
        errors["lon/lat"] = "give both or neither"
    else:
        for name, value in (("lon", lon), ("lat", lat)):
            if value is None:
                continue
            col = events.column(name)
            number = _number(value)
            if number is None or number < col.min or number > col.max:
                errors[name] = f"expected a number from {col.min:g} to {col.max:g}"
            row[name] = number

    # counts and amounts
    for name, whole in (("attendees", True), ("officers", True), ("officer_hours", False), ("cost", False)):
        value = get(name)
        row[name] = None
        if value is None:
            continue
        number = _number(value)
        if whole:
            if number is None or not number.is_integer() or number < 0:
                errors[name] = "expected a whole number ≥ 0"
            else:
                number = int(number)
        elif number is None or number < 0:
            errors[name] = "expected a number ≥ 0"
        row[name] = number

    attendees_bad = "attendees" in errors
    attendance = _validated_attendance(
        get("attendance"), None if attendees_bad else row.get("attendees"), attendees_bad, errors
    )

    # The schema is the last word: anything it rejects that the checks above let through.
    if not errors:
        frame = pd.DataFrame([{**{c: row.get(c) for c in events.column_names}, "id": "pending"}])
        for _, reject in schema.validate(EVENTS_TABLE, frame).rejects.iterrows():
            errors.setdefault(reject["column"], reject["reason"])
        if attendance:
            att = pd.DataFrame(attendance, columns=["dimension", "demographic_group", "attendees"])
            att.insert(0, "event_id", "pending")
            for _, reject in schema.validate(ATTENDANCE_TABLE, att).rejects.iterrows():
                errors.setdefault("attendance", f"{reject['column']}: {reject['reason']}")
    if errors:
        raise LedgerError(errors)
    ordered = {k: row[k] for k in ENTRY_FIELDS if k != "attendance"}
    return ordered, attendance


def _validated_attendance(value: Any, attendees: int | None, attendees_bad: bool,
                          errors: dict[str, str]) -> list[tuple[str, str, int]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        errors["attendance"] = 'expected groups by dimension, like {"race_ethnicity": {"black": 10}}'
        return []
    dimensions = schema.table(ATTENDANCE_TABLE).column("dimension").allowed or ()
    rows: list[tuple[str, str, int]] = []
    problems: list[str] = []
    for dimension, groups in value.items():
        if is_blank(groups) or (isinstance(groups, Mapping) and not groups):
            continue
        if dimension not in dimensions:
            problems.append(f"unknown dimension {dimension!r}; expected one of {', '.join(dimensions)}")
            continue
        if not isinstance(groups, Mapping):
            problems.append(f"{dimension}: expected counts by group")
            continue
        total = 0
        for group, count in groups.items():
            group_text = None if is_blank(group) else str(group).strip()
            if is_blank(count):
                continue
            number = _number(count)
            if group_text is None:
                problems.append(f"{dimension}: a group has no name")
            elif number is None or not number.is_integer() or number < 0:
                problems.append(f"{dimension} {group_text}: expected a whole number ≥ 0")
            else:
                rows.append((dimension, group_text, int(number)))
                total += int(number)
        if attendees is None and not attendees_bad:
            problems.append(f"{dimension}: give attendees when recording attendance by group")
        elif attendees is not None and total > attendees:
            problems.append(f"{dimension} counts add up to {total}, more than the {attendees} attendees")
    if problems:
        errors["attendance"] = "; ".join(dict.fromkeys(problems))
    return rows


# -- helpers ------------------------------------------------------------------------------------


@contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (so a failed write writes nothing)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _split_sql(script: str) -> list[str]:
    """Statements of the DDL script (triggers hold inner semicolons, so split on complete ones)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]


def _entry_columns() -> list[str]:
    event_columns = list(schema.table(EVENTS_TABLE).column_names)
    extra = [f for f in ENTRY_FIELDS if f not in event_columns and f != "attendance"]
    return event_columns + extra + list(_BOOKKEEPING)


def _insert(con: sqlite3.Connection, table_name: str, record: Mapping[str, Any]) -> None:
    names = ", ".join(record)
    marks = ", ".join("?" for _ in record)
    con.execute(f"INSERT INTO {table_name} ({names}) VALUES ({marks})", tuple(record.values()))


def _replace_attendance(con: sqlite3.Connection, entry_id: str, rows: list[tuple[str, str, int]]) -> None:
    con.execute("DELETE FROM attendance WHERE entry_id = ?", (entry_id,))
    con.executemany(
        "INSERT INTO attendance (entry_id, dimension, demographic_group, attendees) VALUES (?, ?, ?, ?)",
        [(entry_id, *r) for r in rows],
    )


def _attendance_dict(rows: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for dimension, group, count in rows:
        out.setdefault(dimension, {})[group] = count
    return out


def _snapshot(con: sqlite3.Connection, entry_id: str) -> dict[str, Any] | None:
    cur = con.execute(f"SELECT {', '.join(_entry_columns())} FROM entries WHERE id = ?", (entry_id,))
    found = cur.fetchone()
    if found is None:
        return None
    snap = dict(zip([d[0] for d in cur.description], found))
    rows = con.execute(
        "SELECT dimension, demographic_group, attendees FROM attendance WHERE entry_id = ? "
        "ORDER BY dimension, demographic_group", (entry_id,)
    ).fetchall()
    snap["attendance"] = _attendance_dict(rows)
    return snap


def _live_snapshot(con: sqlite3.Connection, entry_id: str, if_deleted: str) -> dict[str, Any]:
    """The entry as stored, refusing ids that do not exist or were deleted (``if_deleted`` says why)."""
    before = _snapshot(con, entry_id)
    if before is None:
        raise EntryNotFound({"id": f"no entry with id {entry_id!r}"})
    if before["deleted_at"] is not None:
        raise LedgerError({"id": f"entry {entry_id} " + if_deleted.format(at=before["deleted_at"])})
    return before


def _audit(con: sqlite3.Connection, at: str, user: str, action: str, entry_id: str,
           before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    con.execute(
        "INSERT INTO audit (at, user, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        (at, user, action, entry_id, _json(before), _json(after)),
    )


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _typed_entries(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        frame = pd.DataFrame(columns=_entry_columns())
    out = frame.copy()
    out["date"] = pd.to_datetime(out["date"], format="%Y-%m-%d")
    for name in ("attendees", "officers"):
        out[name] = pd.to_numeric(out[name]).astype("Int64")
    for name in ("lon", "lat", "officer_hours", "cost"):
        out[name] = pd.to_numeric(out[name]).astype("Float64")
    for name in out.columns:
        if name not in ("date", "attendees", "officers", "lon", "lat", "officer_hours", "cost"):
            out[name] = out[name].astype("string")
    return out


def _schema_frame(table_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Pass ledger rows through schema.validate so they carry exactly the schema's types."""
    columns = list(schema.table(table_name).column_names)
    frame = frame.reset_index(drop=True)
    result = schema.validate(table_name, frame[columns].astype(object).where(frame[columns].notna(), None))
    if not result.rejects.empty:  # cannot happen for rows the ledger validated; never drop silently
        raise schema.SchemaError(f"ledger rows do not fit {table_name}: {result.rejects.to_dict('records')}")
    return result.valid[columns]


def _check_user(user: Any) -> str:
    text = "" if is_blank(user) else str(user).strip()
    if not text:
        raise LedgerError({"user": "required; say who is recording this"})
    return text


def _unknown_field_message() -> str:
    return "unknown field; expected one of " + ", ".join(ENTRY_FIELDS)


def is_blank(value: Any) -> bool:
    """None, NA, NaN or only spaces."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _id_set(ids: Iterable[Any] | None) -> set[str] | None:
    return None if ids is None else {_text(i) for i in ids if not is_blank(i)}


def _list_ids(ids: set[str], limit: int = 20) -> str:
    ordered = sorted(ids, key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))
    shown = ", ".join(ordered[:limit])
    return shown + (", …" if len(ordered) > limit else "")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not _DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_time(value: Any) -> str | None:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    text = str(value).strip()
    if re.match(r"^\d:[0-5]\d$", text):
        text = "0" + text
    return text if _TIME.match(text) else None
