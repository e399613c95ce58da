"""The engagement ledger: where staff record community engagement from the app.

It keeps four kinds of records, each validated, audited and soft-deleted the same way:
engagement activities, officer training sessions, program sites (a program in one district) and
recurring meetings, whose occurrences staff confirm one by one as activities.

Why it is built this way:

* The analytics warehouse is a DuckDB file the app opens read-only (a DuckDB file open
  read-write in one process blocks every other process). Recording activities needs many small
  concurrent writes, so the ledger is a separate SQLite file beside its warehouse and named after
  it (``data/st_louis.duckdb`` -> ``data/st_louis.ledger.sqlite``; ``$COMMON_GROUND_LEDGER`` or an
  explicit path overrides it). The warehouse ATTACHes it read-only, so every page counts a new
  record at once. A ledger belongs to one city: it records the warehouse city it was first
  written for (``ledger_meta``), and a warehouse or writer of another city is refused, so a test
  entry on the demo never counts in a real city's numbers.
* WAL mode lets readers carry on while one writer writes; every call opens its own short-lived
  connection with a 10 s busy timeout, so the class is safe to share between threads and to use
  from several processes at once. Every write takes the write lock up front (``BEGIN
  IMMEDIATE``) so two writers queue instead of failing on a lock upgrade, and checks that need
  the ledger itself (one program per name and district, one confirmation per meeting date) run
  inside that transaction.
* Nothing is ever lost: a record and its audit row are written in one transaction; edits keep
  the whole record before and after in the audit trail; deletes are soft (``deleted_at``); ids
  come from one counter that only goes up, so they are never reused. Triggers refuse to delete
  records or to change or delete audit rows.
* Fields are checked against ``schema.yaml`` (the warehouse tables each kind feeds:
  ``engagement_events`` and ``engagement_attendance``, ``training``, ``programs``) plus the
  ledger's own fields. An invalid record raises ``LedgerError`` whose ``errors`` maps each bad
  field to a message for the form, and writes nothing at all.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import pandas as pd

from community_policing.data import schema
from community_policing.ledger import schedules
from community_policing.i18n import N_, _
from community_policing.data.files import DEFAULT_LEDGER_PATH, LEDGER_ENV_VAR, resolve_ledger_path  # noqa: F401  (re-exported)
from community_policing.data.files import QUERIES_DIR

# Plain language for "How to read these numbers" (the Methodology page shows it translated).
LEDGER_SAFEGUARDS_TEXT = N_(
    "Each city keeps its own engagement ledger, a file beside its warehouse that records which city it "
    "belongs to; a ledger of another city is refused, so a test entry on the demo city never counts in a "
    "real city's numbers. An uploaded template is checked row by row and recorded in one step: either every "
    "valid row is recorded or, if anything goes wrong while writing, none is; rows with problems come back "
    "with their line and reason. Counts and amounts have generous upper limits (for example at most "
    "1,000,000 attendees at one activity), so a typing slip such as 1e23 is refused instead of skewing "
    "every total.")

BUSY_TIMEOUT_SECONDS = 10.0
LEDGER_SCHEMA_VERSION = 2

EVENTS_TABLE = "engagement_events"
ATTENDANCE_TABLE = "engagement_attendance"

TITLE_MAX_CHARS = 200
PLACE_MAX_CHARS = 200
PARTNERS_MAX_CHARS = 500
NOTES_MAX_CHARS = 10_000
SCHEDULE_MAX_CHARS = 300
OFFICERS_MAX = 100_000  # officers at one activity (a ledger field the warehouse schema does not hold)

# Fields a caller may give, in the order forms and exports show them.
ENTRY_FIELDS = (
    "date", "start_time", "district_id", "neighborhood_id", "type", "title", "place",
    "lon", "lat", "attendees", "officers", "officer_hours", "partners", "cost", "notes",
    "series_id", "attendance",
)
TRAINING_FIELDS = ("date", "district_id", "unit", "course", "title", "officers", "hours", "notes")
PROGRAM_FIELDS = ("name", "district_id", "start_date", "end_date", "description", "annual_cost", "notes")
SERIES_FIELDS = ("title", "schedule", "district_id", "neighborhood_id", "type", "start_time", "place",
                 "partners", "first_date", "last_date", "organization_id", "notes")
_BOOKKEEPING = (
    "created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by",
    "delete_reason",
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Kind:
    """One kind of record the ledger keeps: its SQLite table, id prefix and fields."""

    name: str
    table: str
    prefix: str
    fields: tuple[str, ...]
    noun: str


KINDS: dict[str, Kind] = {
    "activity": Kind("activity", "entries", "L", ENTRY_FIELDS, "activity"),
    "training": Kind("training", "training", "T", TRAINING_FIELDS, "training session"),
    "program": Kind("program", "programs", "P", PROGRAM_FIELDS, "program site"),
    "series": Kind("series", "series", "S", SERIES_FIELDS, "recurring meeting"),
}
_KIND_BY_PREFIX = {k.prefix: k for k in KINDS.values()}

# Ledger files from schema version 1 (activities only) gain the columns added since.
_ADDED_COLUMNS = {"entries": {"series_id": "TEXT"}}

# Every SQL statement of the ledger lives in queries/ledger/<name>.sql (the schema in schema.sql).
LEDGER_QUERIES_DIR = QUERIES_DIR / "ledger"
_QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_COLUMN_TYPES = frozenset({"TEXT", "INTEGER", "REAL"})
# The tables and columns a statement shared by the kinds may name: the code's own kind specifications.
_TABLE_COLUMNS: dict[str, frozenset[str]] = {
    spec.table: frozenset({"id", *(f for f in spec.fields if f != "attendance"), *_BOOKKEEPING})
    for spec in KINDS.values()
}


class LedgerError(ValueError):
    """An entry (or request) the ledger refuses; ``errors`` maps field -> message for the form.

    ``str(error)`` lists every problem as ``field: message``.
    """

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(self.messages()))

    def messages(self) -> list[str]:
        return [f"{name}: {message}" for name, message in self.errors.items()]


class _Abandoned(Exception):
    """Raised inside a write transaction to roll it back on purpose."""


class EntryNotFound(LedgerError, KeyError):
    """No entry has that id."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return ValueError.__str__(self)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def kind_of(entry_id: Any) -> Kind:
    """The kind of record an id names (by its prefix: L activity, T training, P program, S series)."""
    text = "" if is_blank(entry_id) else str(entry_id).strip()
    found = _KIND_BY_PREFIX.get(text[:1])
    if found is None or not text[1:].isdigit():
        raise EntryNotFound({"id": _("no entry with id {entry_id!r}").format(entry_id=entry_id)})
    return found


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise ValueError(f"unknown kind {name!r}; expected one of {', '.join(KINDS)}")
    return KINDS[name]


def upgrade(path: str | os.PathLike, city: str | None = None) -> None:
    """Bring a ledger file written by an earlier version up to this one (adds tables and columns);
    with ``city``, claim an unclaimed file for it, or raise LedgerError when it belongs to another."""
    book = Ledger(path, city=city)
    if city is not None:
        with book._write() as con:
            book._claim(con)


def city_mismatch(path: Path, ledger_city: str, city: str) -> LedgerError:
    """The error for a ledger file of another city: names both, and what to do."""
    return LedgerError({"ledger": _(
        "the ledger {file} belongs to {ledger_city}, not to {city}: each city keeps its own ledger beside its "
        "warehouse; use that one (or set COMMON_GROUND_LEDGER to it)").format(
        file=path, ledger_city=ledger_city, city=city)})


class Ledger:
    """The engagement ledger in one SQLite file. Cheap to create; holds no open connection.

    It keeps four kinds of records, all validated, audited and soft-deleted the same way:
    engagement activities (ids ``L…``), officer training sessions (``T…``), program sites, one per
    program and district (``P…``), and recurring meetings (``S…``) whose occurrences are confirmed
    as activities. Ids share one counter, so an id names one record of one kind forever.
    """

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
        city: str | None = None,
        db: str | os.PathLike | None = None,
    ):
        """``city``: the city whose warehouse this ledger serves. Without it, the city is read from the
        warehouse ``db`` when one is given or the path is the warehouse's default ledger (None: no check).
        A ledger file of another city is refused (LedgerError naming both); an unclaimed one is claimed
        for ``city`` on its first write."""
        self.path = resolve_ledger_path(path, db)
        if city is None and (db is not None or not path):
            from community_policing.data.files import resolve_db_path, warehouse_city

            city = warehouse_city(resolve_db_path(db))
        self.city = city
        self.valid_district_ids = _id_set(valid_district_ids)
        self.valid_neighborhood_ids = _id_set(valid_neighborhood_ids)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._open_or_create()
        except sqlite3.DatabaseError as exc:  # "file is not a database": a text file, a DuckDB file, ...
            raise LedgerError({"ledger": _("{path} is not an engagement ledger (an SQLite file): {reason}").format(
                path=self.path, reason=exc)}) from None

    def _open_or_create(self) -> None:
        with closing(self._connect()) as con:
            # Never write the ledger's tables into someone else's SQLite database given by mistake.
            tables = {row[0] for row in con.execute(_sql("user_tables"))}
            if tables and "ledger_meta" not in tables:
                raise LedgerError({"ledger": _(
                    "{path} is an SQLite database but not an engagement ledger (it holds {tables}); "
                    "give a ledger file or a new file name").format(
                    path=self.path, tables=", ".join(sorted(tables)[:5]))})
            mode = con.execute(_sql("journal_mode_wal")).fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"{self.path}: could not switch to WAL mode (got {mode})")
            version = _schema_version(con)
            if version:
                self._check_city(con)
            if version == LEDGER_SCHEMA_VERSION:
                return  # nothing to create: opening a ledger stays read-only
            with _transaction(con):
                _create_schema(con)
                for table_name, columns in _ADDED_COLUMNS.items():
                    present = {row[0] for row in con.execute(_sql("table_columns"), (table_name,))}
                    for column, decl in columns.items():
                        if column not in present:
                            con.execute(_add_column_sql(table_name, column, decl))
                con.execute(_sql("schema_version_set"), (str(LEDGER_SCHEMA_VERSION),))

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
        _run_script(con, "connection", busy_timeout_ms=str(int(BUSY_TIMEOUT_SECONDS * 1000)))
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as con, _transaction(con):
            self._claim(con)
            yield con

    def _check_city(self, con: sqlite3.Connection) -> str | None:
        """The city the file belongs to; LedgerError when it is not ``self.city``."""
        found = con.execute(_sql("city")).fetchone()
        owner = found[0] if found else None
        if owner is not None and self.city is not None and owner != self.city:
            raise city_mismatch(self.path, owner, self.city)
        return owner

    def _claim(self, con: sqlite3.Connection) -> None:
        """Inside a write transaction: refuse a file of another city; claim an unclaimed one."""
        if self._check_city(con) is None and self.city is not None:
            con.execute(_sql("city_claim"), (self.city,))

    def owner(self) -> str | None:
        """The city this ledger file was first written for (None while unclaimed)."""
        with closing(self._connect()) as con:
            found = con.execute(_sql("city")).fetchone()
        return found[0] if found else None

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
        kind: str = "activity",
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
        existing_programs: Iterable[tuple[Any, Any]] | None = None,
    ) -> str:
        """Validate and record one new record of ``kind``; returns its id (``L000001``, ...)."""
        return self.add_many([entry], user, kind=kind, valid_district_ids=valid_district_ids,
                             valid_neighborhood_ids=valid_neighborhood_ids,
                             existing_programs=existing_programs)[0]

    def add_many(
        self,
        entries: Iterable[Mapping[str, Any]],
        user: str,
        *,
        kind: str = "activity",
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
        existing_programs: Iterable[tuple[Any, Any]] | None = None,
    ) -> list[str]:
        """Record several records of one kind in one transaction: all of them, or none.

        ``existing_programs`` lists (name, district id) pairs already in the warehouse, so a
        program is not recorded twice for a district. Errors of several entries are merged by field.
        """
        user = _check_user(user)
        spec = _kind(kind)
        validated, errors = [], {}
        for entry in entries:
            unknown = {k: _unknown_field_message(spec) for k in entry if k not in spec.fields}
            try:
                validated.append(self._validated(spec, entry, valid_district_ids, valid_neighborhood_ids, unknown))
            except LedgerError as exc:
                _merge_errors(errors, exc.errors)
        if errors:
            raise LedgerError(errors)
        taken = _program_keys(existing_programs)
        at = _now()
        ids = []
        with self._write() as con:
            for row, attendance in validated:
                _check_links(con, spec, None, row, taken)
                number = con.execute(_sql("next_id")).fetchone()[0]
                entry_id = f"{spec.prefix}{number:06d}"
                _insert(con, spec.table, {"id": entry_id, **row, "created_at": at, "created_by": user})
                if spec.name == "activity":
                    _replace_attendance(con, entry_id, attendance)
                _audit(con, at, user, "insert", entry_id, None, _snapshot(con, entry_id))
                ids.append(entry_id)
        return ids

    def record_checked(
        self,
        checked: Mapping[Any, tuple[dict[str, Any], list[tuple[str, str, int]]]],
        user: str,
        *,
        kind: str = "activity",
        existing_programs: Iterable[tuple[Any, Any]] | None = None,
        all_or_nothing: bool = False,
        progress: Progress | None = None,
    ) -> tuple[dict[Any, str], dict[Any, dict[str, str]]]:
        """Record records ``validate_many`` passed, all in ONE transaction; returns (ids by key,
        problems by key).

        A record the ledger itself refuses (a program already recorded for that district, say) is
        skipped before anything of it is written and comes back with its reason; with
        ``all_or_nothing`` such a refusal records nothing at all. Any failure while writing (a full
        disk, a killed process) rolls everything back: the file holds all the records or none. Each
        record gets its own audit row, exactly as if it had been added alone.
        """
        user = _check_user(user)
        spec = _kind(kind)
        taken = _program_keys(existing_programs)
        at = _now()
        ids: dict[Any, str] = {}
        refused: dict[Any, dict[str, str]] = {}
        report = _reporter(progress, len(checked), 0.5, 1.0, _("Recording rows: {done} of {total}"))
        try:
            self._record_checked(checked, spec, user, at, taken, all_or_nothing, ids, refused, report)
        except _Abandoned:  # all_or_nothing and a record refused: everything was rolled back
            ids.clear()
        return ids, refused

    def _record_checked(self, checked, spec, user, at, taken, all_or_nothing, ids, refused, report) -> None:
        columns = _columns(spec)
        with self._write() as con:
            for done, (key, (row, attendance)) in enumerate(checked.items(), start=1):
                try:
                    _check_links(con, spec, None, row, taken)
                except LedgerError as exc:
                    refused[key] = exc.errors
                    continue
                number = con.execute(_sql("next_id")).fetchone()[0]
                entry_id = f"{spec.prefix}{number:06d}"
                record = {"id": entry_id, **row, "created_at": at, "created_by": user}
                _insert(con, spec.table, record)
                # The audit row holds what was stored, built here rather than read back (which is
                # what makes a big upload fast); it equals what _snapshot would read.
                after = {c: record.get(c) for c in columns}
                if spec.name == "activity":
                    _replace_attendance(con, entry_id, attendance)
                    after["attendance"] = _attendance_dict(attendance)
                _audit(con, at, user, "insert", entry_id, None, after)
                ids[key] = entry_id
                report(done)
            if all_or_nothing and refused:
                raise _Abandoned

    def edit(
        self,
        entry_id: str,
        changes: Mapping[str, Any],
        user: str,
        *,
        valid_district_ids: Iterable[Any] | None = None,
        valid_neighborhood_ids: Iterable[Any] | None = None,
        existing_programs: Iterable[tuple[Any, Any]] | None = None,
    ) -> None:
        """Change fields of a record (``attendance`` replaces an activity's whole breakdown).

        The merged record is validated as a whole; the audit row keeps it before and after. An
        edit that changes nothing writes nothing.
        """
        user = _check_user(user)
        spec = kind_of(entry_id)
        unknown = {k: _unknown_field_message(spec) for k in changes if k not in spec.fields}
        if unknown:
            raise LedgerError(unknown)
        taken = _program_keys(existing_programs)
        at = _now()
        with self._write() as con:
            before = _live_snapshot(con, entry_id,
                                    _("entry {entry_id} was deleted on {at}; deleted entries cannot be edited"))
            merged = {k: before.get(k) for k in spec.fields}
            merged.update(changes)
            row, attendance = self._validated(spec, merged, valid_district_ids, valid_neighborhood_ids, {})
            current = {k: before.get(k) for k in row}
            if current == row and _attendance_dict(attendance) == (before.get("attendance") or {}):
                return
            _check_links(con, spec, entry_id, row, taken)
            con.execute(_record_sql("record_update", spec.table, row), (*row.values(), at, user, entry_id))
            if spec.name == "activity":
                _replace_attendance(con, entry_id, attendance)
            _audit(con, at, user, "edit", entry_id, before, _snapshot(con, entry_id))

    def delete(self, entry_id: str, user: str, reason: str = "") -> None:
        """Soft-delete a record: it leaves the analytics but stays in the file and the audit."""
        user = _check_user(user)
        spec = kind_of(entry_id)
        reason = "" if reason is None else str(reason).strip()
        at = _now()
        with self._write() as con:
            before = _live_snapshot(con, entry_id, _("entry {entry_id} was already deleted on {at}"))
            con.execute(_record_sql("record_soft_delete", spec.table), (at, user, reason or None, entry_id))
            _audit(con, at, user, "delete", entry_id, before, _snapshot(con, entry_id))

    # -- reads ---------------------------------------------------------------------------------

    def get(self, entry_id: str) -> dict[str, Any]:
        """One record (deleted or not) as a dict; an activity comes with its attendance breakdown."""
        kind_of(entry_id)
        with closing(self._connect()) as con:
            snap = _snapshot(con, entry_id)
        if snap is None:
            raise EntryNotFound({"id": _("no entry with id {entry_id!r}").format(entry_id=entry_id)})
        return snap

    def entries(self, include_deleted: bool = False, kind: str = "activity") -> pd.DataFrame:
        """Every record of ``kind``: for activities the engagement_events columns first, then the
        ledger's own fields; then who created, changed and deleted it."""
        spec = _kind(kind)
        frame = self._read(_record_sql("records", spec.table, _columns(spec)), (int(bool(include_deleted)),))
        return _typed(spec, frame)

    def as_engagement_events(self) -> pd.DataFrame:
        """Non-deleted entries in exactly the schema's engagement_events columns and types."""
        frame = self.entries()[list(schema.table(EVENTS_TABLE).column_names)]
        return _schema_frame(EVENTS_TABLE, frame)

    def attendance(self, entry_id: str | None = None, include_deleted: bool = False) -> pd.DataFrame:
        """Attendance by group, in the schema's engagement_attendance columns."""
        frame = self._read(_sql("attendance"), (int(bool(include_deleted)), entry_id, entry_id))
        return _schema_frame(ATTENDANCE_TABLE, frame)

    def as_engagement_attendance(self) -> pd.DataFrame:
        """Attendance of non-deleted entries, for the warehouse's engagement_attendance table."""
        return self.attendance()

    def audit(self, entry_id: str | None = None) -> pd.DataFrame:
        """The audit trail, oldest first: at, user, action, entry_id, before, after (JSON text)."""
        frame = (self._read(_sql("audit")) if entry_id is None
                 else self._read(_sql("audit_of_entry"), (entry_id,)))  # one record's: through its index
        if frame.empty:
            frame = pd.DataFrame(columns=["at", "user", "action", "entry_id", "before", "after"])
        return frame.astype(object).where(frame.notna(), None)

    def export_csv(self, path_or_buffer: Any, include_deleted: bool = False, kind: str = "activity") -> int:
        """Write records of ``kind`` to CSV (dates as YYYY-MM-DD), free text neutralised against
        spreadsheet formulas (``exports``); returns the number of rows written."""
        from community_policing import exports

        frame = self.entries(include_deleted=include_deleted, kind=kind)
        if hasattr(path_or_buffer, "write"):
            path_or_buffer.write(exports.csv_text(frame))
        else:
            Path(path_or_buffer).write_bytes(exports.csv_bytes(frame))
        return len(frame)

    def confirmed_occurrences(self) -> pd.DataFrame:
        """Occurrences of recurring meetings already confirmed: series_id, date (YYYY-MM-DD), activity id."""
        frame = self._read(_sql("confirmed_occurrences"))
        return frame if not frame.empty else pd.DataFrame(columns=["series_id", "date", "id"])

    def confirmed_dates(self, series_id: str) -> dict[str, str]:
        """Occurrences of one recurring meeting already confirmed: date (YYYY-MM-DD) -> activity id."""
        frame = self.confirmed_occurrences()
        mine = frame[frame["series_id"] == series_id]
        return dict(zip(mine["date"], mine["id"]))

    def confirm_occurrence(self, series_id: str, date: Any, details: Mapping[str, Any], user: str, *,
                           valid_district_ids: Iterable[Any] | None = None,
                           valid_neighborhood_ids: Iterable[Any] | None = None) -> str:
        """Record one occurrence of a recurring meeting as an activity: the meeting's district,
        neighborhood, type, title, place, time (else the schedule's) and partners, plus ``details``
        (attendees, officers, officer hours, cost, notes, attendance; any field may override).

        Any date is accepted (a meeting may move); each date is confirmed once. Returns the id."""
        if kind_of(series_id).name != "series":
            raise LedgerError({"series_id": _("{series_id} is not a recurring meeting").format(series_id=series_id)})
        meeting = self.get(series_id)
        if meeting.get("deleted_at"):
            raise LedgerError({"series_id": _("recurring meeting {series_id} was deleted on {at}").format(
                series_id=series_id, at=meeting["deleted_at"])})
        entry = {name: meeting.get(name) for name in
                 ("district_id", "neighborhood_id", "type", "title", "place", "start_time", "partners")}
        entry.update({"date": date, "series_id": series_id})
        day = _parse_date(date)
        if entry["start_time"] is None and day is not None:  # the schedule's time for that date, if it gives one
            entry["start_time"] = dict(meeting_dates(meeting, day, day)).get(day)
        entry.update({k: v for k, v in details.items() if not is_blank(v) or k == "attendance"})
        return self.add(entry, user, valid_district_ids=valid_district_ids,
                        valid_neighborhood_ids=valid_neighborhood_ids)

    # -- validation ----------------------------------------------------------------------------

    def _validated(
        self,
        spec: Kind,
        entry: Mapping[str, Any],
        valid_district_ids: Iterable[Any] | None,
        valid_neighborhood_ids: Iterable[Any] | None,
        errors: dict[str, str],
    ) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
        districts = _id_set(valid_district_ids) if valid_district_ids is not None else self.valid_district_ids
        neighborhoods = (_id_set(valid_neighborhood_ids) if valid_neighborhood_ids is not None
                         else self.valid_neighborhood_ids)
        return validate(spec.name, entry, districts, neighborhoods, errors)


def _schema_version(con: sqlite3.Connection) -> int:
    try:
        found = con.execute(_sql("schema_version")).fetchone()
    except sqlite3.OperationalError:  # a new, empty file
        return 0
    return int(found[0]) if found else 0


def _merge_errors(errors: dict[str, str], more: Mapping[str, str]) -> None:
    for name, message in more.items():
        if name not in errors:
            errors[name] = message
        elif message not in errors[name].split("; "):
            errors[name] = f"{errors[name]}; {message}"


def _program_keys(pairs: Iterable[tuple[Any, Any]] | None) -> set[tuple[str, str]]:
    return {(str(name).strip().casefold(), _text(district)) for name, district in (pairs or ())
            if not is_blank(name) and not is_blank(district)}


def _check_links(con: sqlite3.Connection, spec: Kind, entry_id: str | None, row: Mapping[str, Any],
                 taken: set[tuple[str, str]]) -> None:
    """Checks that need the ledger itself, made inside the write transaction so that two people
    saving at once cannot both pass them: one program per name and district; an occurrence of a
    recurring meeting confirmed once, and only for a meeting that exists."""
    if spec.name == "program":
        key = (row["name"].casefold(), row["district_id"])
        if key in taken:
            raise LedgerError({"name": _("program {name!r} is already recorded for district {district} in the "
                                         "city's data").format(name=row["name"], district=row["district_id"])})
        clash = con.execute(_sql("program_clash"), (row["name"], row["district_id"], entry_id)).fetchone()
        if clash:
            raise LedgerError({"name": _("program {name!r} is already recorded for district {district} as "
                                         "{entry_id}; edit that entry instead").format(
                name=row["name"], district=row["district_id"], entry_id=clash[0])})
    if spec.name == "activity" and row.get("series_id"):
        meeting = con.execute(_sql("meeting_deleted_at"), (row["series_id"],)).fetchone()
        if meeting is None:
            raise LedgerError({"series_id": _("no recurring meeting with id {series_id!r}").format(
                series_id=row["series_id"])})
        if meeting[0] is not None:
            raise LedgerError({"series_id": _("recurring meeting {series_id} was deleted on {at}").format(
                series_id=row["series_id"], at=meeting[0])})
        twin = con.execute(_sql("occurrence_confirmed"), (row["series_id"], row["date"], entry_id)).fetchone()
        if twin:
            raise LedgerError({"date": _("the {date} meeting of {series_id} is already confirmed as {entry_id}").format(
                date=row["date"], series_id=row["series_id"], entry_id=twin[0])})


# -- validation (module level so forms can check a draft without a ledger) ----------------------


def validate(
    kind: str,
    entry: Mapping[str, Any],
    valid_district_ids: set[str] | None = None,
    valid_neighborhood_ids: set[str] | None = None,
    errors: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """Check one record of ``kind``; return (stored fields, attendance rows) or raise LedgerError."""
    if kind == "activity":
        return validate_entry(entry, valid_district_ids, valid_neighborhood_ids, errors)
    checks = {"training": _validate_training, "program": _validate_program, "series": _validate_series}
    if kind not in checks:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    found = dict(errors or {})
    row = checks[kind](entry, valid_district_ids, valid_neighborhood_ids, found)
    if found:
        raise LedgerError(found)
    return {k: row.get(k) for k in KINDS[kind].fields}, []


def _blank_to_none(entry: Mapping[str, Any], name: str) -> Any:
    value = entry.get(name)
    return None if is_blank(value) else value


def _check_text(entry: Mapping[str, Any], name: str, limit: int, required: bool, errors: dict[str, str],
                what: str = N_("give a short title")) -> str | None:
    value = _blank_to_none(entry, name)
    text = None if value is None else str(value).strip() or None
    if text is None:
        if required:
            errors[name] = _("required; {what}").format(what=_(what))
    elif len(text) > limit:
        errors[name] = _("at most {limit} characters (got {count})").format(limit=limit, count=len(text))
    return text


def _check_place_id(entry: Mapping[str, Any], name: str, valid: set[str] | None, word: str, required: bool,
                    errors: dict[str, str]) -> str | None:
    value = _blank_to_none(entry, name)
    text = None if value is None else _text(value)
    if text is None:
        if required:
            errors[name] = _("required")
    elif valid is not None and text not in valid:
        errors[name] = _unknown_place(word, text, valid)
    return text


def _check_columns(table_name: str, entry: Mapping[str, Any], names: Iterable[str], errors: dict[str, str],
                   ) -> dict[str, Any]:
    """Dates, numbers and allowed values of ``names`` as the schema file describes them."""
    table = schema.table(table_name)
    row: dict[str, Any] = {}
    for name in names:
        col = table.column(name)
        value = _blank_to_none(entry, name)
        row[name] = None
        if value is None:
            if col.required:
                errors[name] = _("required; expected a date as YYYY-MM-DD") if col.type == "DATE" else _("required")
            continue
        if col.type == "DATE":
            parsed = _parse_date(value)
            if _date_error(value):
                errors[name] = _date_error(value)
            row[name] = parsed.isoformat() if parsed else None
        elif col.type in ("SMALLINT", "INTEGER", "BIGINT", "DOUBLE"):
            whole = col.type != "DOUBLE"
            number = _number(value)
            low = col.min if col.min is not None else -math.inf
            high = col.max if col.max is not None else math.inf
            if number is None or (whole and not number.is_integer()) or not low <= number <= high:
                if col.min is not None and col.max is not None:
                    message = (_("expected a whole number from {low} to {high}") if whole else
                               _("expected a number from {low} to {high}"))
                elif col.min is not None:
                    message = _("expected a whole number ≥ {low}") if whole else _("expected a number ≥ {low}")
                else:
                    message = _("expected a whole number") if whole else _("expected a number")
                errors[name] = message.format(low=_g(col.min), high=_g(col.max))
            else:
                row[name] = int(number) if whole else number
        else:
            row[name] = _text(value)
            if col.allowed and row[name] not in col.allowed:
                errors[name] = _("expected one of {values}").format(values=", ".join(map(str, col.allowed)))
    return row


def _validate_training(entry: Mapping[str, Any], districts: set[str] | None, neighborhoods: set[str] | None,
                       errors: dict[str, str]) -> dict[str, Any]:
    row = _check_columns("training", entry, ("date", "course", "officers", "hours"), errors)
    row["district_id"] = _check_place_id(entry, "district_id", districts, "district", False, errors)
    row["unit"] = _check_text(entry, "unit", TITLE_MAX_CHARS, False, errors)
    if row["district_id"] is None and row["unit"] is None and "district_id" not in errors:
        errors["district_id"] = _("give the district whose officers were trained, or the unit")
    row["title"] = _check_text(entry, "title", TITLE_MAX_CHARS, False, errors)
    row["notes"] = _check_text(entry, "notes", NOTES_MAX_CHARS, False, errors)
    return row


def _validate_program(entry: Mapping[str, Any], districts: set[str] | None, neighborhoods: set[str] | None,
                      errors: dict[str, str]) -> dict[str, Any]:
    row = _check_columns("programs", entry, ("start_date", "end_date", "annual_cost"), errors)
    row["name"] = _check_text(entry, "name", TITLE_MAX_CHARS, True, errors, N_("give the program's name"))
    row["district_id"] = _check_place_id(entry, "district_id", districts, "district", True, errors)
    row["description"] = _check_text(entry, "description", NOTES_MAX_CHARS, False, errors)
    row["notes"] = _check_text(entry, "notes", NOTES_MAX_CHARS, False, errors)
    if row["start_date"] and row["end_date"] and row["end_date"] < row["start_date"]:
        errors["end_date"] = _("the program ends ({end}) before it starts ({start})").format(
            end=row["end_date"], start=row["start_date"])
    return row


def _validate_series(entry: Mapping[str, Any], districts: set[str] | None, neighborhoods: set[str] | None,
                     errors: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    row["title"] = _check_text(entry, "title", TITLE_MAX_CHARS, True, errors)
    row["schedule"] = _check_text(entry, "schedule", SCHEDULE_MAX_CHARS, True, errors,
                                  N_('say when it meets, like "3rd Tues every month - 6:30 pm"'))
    if row["schedule"] and "schedule" not in errors:
        parsed = schedules.parse_schedule(row["schedule"])
        if parsed.status != "parsed":
            errors["schedule"] = _('{status}: say which weekday of the month it meets, like "3rd Tues every month - '
                                   '6:30 pm" or "1st Mon of odd months at 7pm"').format(
                status=schedules.status_label(parsed.status))
    row["district_id"] = _check_place_id(entry, "district_id", districts, "district", True, errors)
    row["neighborhood_id"] = _check_place_id(entry, "neighborhood_id", neighborhoods, "neighborhood", False, errors)
    kind = _blank_to_none(entry, "type")
    allowed = schema.table(EVENTS_TABLE).column("type").allowed or ()
    row["type"] = "community_meeting" if kind is None else _text(kind)
    if row["type"] not in allowed:
        errors["type"] = _("expected one of {values}").format(values=", ".join(map(str, allowed)))
    start = _blank_to_none(entry, "start_time")
    row["start_time"] = None if start is None else _parse_time(start)
    if start is not None and row["start_time"] is None:
        errors["start_time"] = _("expected a time as HH:MM (24-hour)")
    row["place"] = _check_text(entry, "place", PLACE_MAX_CHARS, False, errors)
    row["partners"] = _check_text(entry, "partners", PARTNERS_MAX_CHARS, False, errors)
    row["organization_id"] = _check_text(entry, "organization_id", TITLE_MAX_CHARS, False, errors)
    row["notes"] = _check_text(entry, "notes", NOTES_MAX_CHARS, False, errors)
    for name, required in (("first_date", True), ("last_date", False)):
        value = _blank_to_none(entry, name)
        parsed = None if value is None else _parse_date(value)
        row[name] = parsed.isoformat() if parsed else None
        if value is None and required:
            errors[name] = _("required; the first date the meeting is held (YYYY-MM-DD)")
        elif value is not None and _date_error(value):
            errors[name] = _date_error(value)
    if row["first_date"] and row["last_date"] and row["last_date"] < row["first_date"]:
        errors["last_date"] = _("the meetings end ({end}) before they start ({start})").format(
            end=row["last_date"], start=row["first_date"])
    return row


def meeting_dates(meeting: Mapping[str, Any], start: dt.date, end: dt.date) -> list[tuple[dt.date, str | None]]:
    """Dates (and HH:MM times) a recurring meeting falls on between start and end, within its own
    first and last date. A time recorded on the meeting wins over the schedule's."""
    parsed = schedules.parse_schedule(meeting.get("schedule"))
    first = _parse_date(meeting.get("first_date")) or start
    last = _parse_date(meeting.get("last_date")) or end
    lo, hi = max(start, first), min(end, last)
    if parsed.status != "parsed" or lo > hi:
        return []
    found: dict[dt.date, str | None] = {}
    for rule in parsed.rules:
        for when in schedules.occurrences(rule, lo, hi):
            day = when.date() if isinstance(when, dt.datetime) else when
            clock = when.strftime("%H:%M") if isinstance(when, dt.datetime) else None
            found.setdefault(day, meeting.get("start_time") or clock)
    return sorted(found.items())


def validate_entry(
    entry: Mapping[str, Any],
    valid_district_ids: set[str] | None = None,
    valid_neighborhood_ids: set[str] | None = None,
    errors: dict[str, str] | None = None,
    schema_pass: bool = True,
) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    """Check one entry; return (stored fields, attendance rows) or raise LedgerError.

    Every field is checked, so the error lists all problems at once. ``schema_pass=False`` leaves the
    final check against schema.yaml to the caller (``validate_many`` runs it once for every row).
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
        errors["date"] = _("required; expected a date as YYYY-MM-DD")
    else:
        parsed = _parse_date(date)
        if _date_error(date):
            errors["date"] = _date_error(date)
        row["date"] = parsed.isoformat() if parsed else None
    start = get("start_time")
    row["start_time"] = None
    if start is not None:
        parsed_time = _parse_time(start)
        if parsed_time is None:
            errors["start_time"] = _("expected a time as HH:MM (24-hour)")
        row["start_time"] = parsed_time

    # places
    for name, valid, word in (("district_id", valid_district_ids, "district"),
                              ("neighborhood_id", valid_neighborhood_ids, "neighborhood")):
        value = get(name)
        text = None if value is None else _text(value)
        row[name] = text
        if text is None:
            if events.column(name).required:
                errors[name] = _("required")
        elif valid is not None and text not in valid:
            errors[name] = _unknown_place(word, text, valid)

    kind = get("type")
    allowed = events.column("type").allowed or ()
    row["type"] = None if kind is None else _text(kind)
    if row["type"] is None or row["type"] not in allowed:
        errors["type"] = _("expected one of {values}").format(values=", ".join(map(str, allowed)))

    # text fields
    for name, limit, required in (("title", TITLE_MAX_CHARS, True), ("place", PLACE_MAX_CHARS, False),
                                  ("partners", PARTNERS_MAX_CHARS, False), ("notes", NOTES_MAX_CHARS, False)):
        value = get(name)
        text = None if value is None else str(value).strip() or None
        row[name] = text
        if text is None:
            if required:
                errors[name] = _("required; give a short title")
        elif len(text) > limit:
            errors[name] = _("at most {limit} characters (got {count})").format(limit=limit, count=len(text))

    # location: both or neither, in range
    lon, lat = get("lon"), get("lat")
    row["lon"] = row["lat"] = None
    if (lon is None) != (lat is None):
        errors["lon/lat"] = _("give both or neither")
    else:
        for name, value in (("lon", lon), ("lat", lat)):
            if value is None:
                continue
            col = events.column(name)
            number = _number(value)
            if number is None or number < col.min or number > col.max:
                errors[name] = _("expected a number from {low} to {high}").format(low=_g(col.min), high=_g(col.max))
            row[name] = number

    # counts and amounts, within the schema's bounds (checked here, before anything is written: a number
    # too big for the file would otherwise fail half-way through a write)
    for name, whole in (("attendees", True), ("officers", True), ("officer_hours", False), ("cost", False)):
        value = get(name)
        row[name] = None
        if value is None:
            continue
        high = events.column(name).max if name in events.column_names else OFFICERS_MAX
        number = _number(value)
        if number is None or number < 0 or number > high or (whole and not number.is_integer()):
            message = (_("expected a whole number from {low} to {high}") if whole else
                       _("expected a number from {low} to {high}"))
            errors[name] = message.format(low=0, high=_g(high))
        elif whole:
            number = int(number)
        row[name] = number
    series = get("series_id")
    row["series_id"] = None if series is None else _text(series)

    attendees_bad = "attendees" in errors
    attendance = _validated_attendance(
        get("attendance"), None if attendees_bad else row.get("attendees"), attendees_bad, errors
    )

    # The schema is the last word: anything it rejects that the checks above let through.
    if not errors and schema_pass:
        errors.update(_schema_errors([(row, attendance)]).get(0, {}))
    if errors:
        raise LedgerError(errors)
    ordered = {k: row[k] for k in ENTRY_FIELDS if k != "attendance"}
    return ordered, attendance


def upper_bounds() -> dict[str, int]:
    """The largest value an activity's counts and amounts accept (schema.yaml; officers: OFFICERS_MAX)."""
    events = schema.table(EVENTS_TABLE)
    found = {name: int(events.column(name).max) for name in ("attendees", "officer_hours", "cost")}
    return {**found, "officers": OFFICERS_MAX}


def _schema_errors(checked: list[tuple[Mapping[str, Any], list[tuple[str, str, int]]]]) -> dict[int, dict[str, str]]:
    """Problems schema.yaml finds in activities the ledger's own checks passed, by position: one
    vectorised ``schema.validate`` over all of them (and one over their attendance rows)."""
    if not checked:
        return {}
    events = schema.table(EVENTS_TABLE)
    found: dict[int, dict[str, str]] = {}
    frame = pd.DataFrame([{c: row.get(c) for c in events.column_names} for row, _a in checked],
                         columns=list(events.column_names))
    frame["id"] = "pending"
    for position, column, reason in schema.validate(EVENTS_TABLE, frame).rejects[
            ["row_number", "column", "reason"]].itertuples(index=False, name=None):
        found.setdefault(int(position), {}).setdefault(column, reason)
    owners = [i for i, (_r, attendance) in enumerate(checked) for _x in attendance]
    if owners:
        att = pd.DataFrame([a for _r, attendance in checked for a in attendance],
                           columns=["dimension", "demographic_group", "attendees"])
        att.insert(0, "event_id", "pending")
        for position, column, reason in schema.validate(ATTENDANCE_TABLE, att).rejects[
                ["row_number", "column", "reason"]].itertuples(index=False, name=None):
            found.setdefault(owners[int(position)], {}).setdefault("attendance", f"{column}: {reason}")
    return found


Progress = Callable[[float, str], None]
"""A progress report: the fraction done (0 to 1) and what is being done, in the current language
(``st.progress(fraction, text=text)`` on a page)."""
_PROGRESS_STEPS = 50  # reports per stage: often enough for a bar, rare enough to cost nothing


def _reporter(progress: Progress | None, total: int, start: float, end: float, text: str):
    """A function of the rows done that reports every 1/_PROGRESS_STEPS of ``total``, mapped to start..end."""
    if progress is None or total <= 0:
        return lambda done: None
    every = max(1, total // _PROGRESS_STEPS)

    def report(done: int) -> None:
        if done % every == 0 or done == total:
            progress(start + (end - start) * done / total, text.format(done=done, total=total))
    return report


def validate_many(
    kind: str,
    entries: list[Mapping[str, Any]],
    valid_district_ids: Iterable[Any] | None = None,
    valid_neighborhood_ids: Iterable[Any] | None = None,
    progress: Progress | None = None,
) -> tuple[dict[int, tuple[dict[str, Any], list[tuple[str, str, int]]]], dict[int, dict[str, str]]]:
    """Check many records of ``kind`` at once, like the form checks one: returns (valid records by
    position, problems by position). The check against schema.yaml runs once for all of them."""
    spec = _kind(kind)
    districts, neighborhoods = _id_set(valid_district_ids), _id_set(valid_neighborhood_ids)
    valid: dict[int, tuple[dict[str, Any], list[tuple[str, str, int]]]] = {}
    problems: dict[int, dict[str, str]] = {}
    report = _reporter(progress, len(entries), 0.0, 0.5, _("Checking rows: {done} of {total}"))
    for position, entry in enumerate(entries):
        unknown = {k: _unknown_field_message(spec) for k in entry if k not in spec.fields}
        try:
            if kind == "activity":
                valid[position] = validate_entry(entry, districts, neighborhoods, unknown, schema_pass=False)
            else:
                valid[position] = validate(kind, entry, districts, neighborhoods, unknown)
        except LedgerError as exc:
            problems[position] = exc.errors
        report(position + 1)
    if kind == "activity":
        positions = list(valid)
        for index, found in _schema_errors([valid[p] for p in positions]).items():
            problems[positions[index]] = found
            del valid[positions[index]]
    return valid, problems


def _validated_attendance(value: Any, attendees: int | None, attendees_bad: bool,
                          errors: dict[str, str]) -> list[tuple[str, str, int]]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        errors["attendance"] = _('expected groups by dimension, like {"race_ethnicity": {"black": 10}}')
        return []
    dimensions = schema.table(ATTENDANCE_TABLE).column("dimension").allowed or ()
    high = schema.table(ATTENDANCE_TABLE).column("attendees").max or math.inf
    rows: list[tuple[str, str, int]] = []
    problems: list[str] = []
    for dimension, groups in value.items():
        if is_blank(groups) or (isinstance(groups, Mapping) and not groups):
            continue
        if dimension not in dimensions:
            problems.append(_("unknown dimension {dimension!r}; expected one of {values}").format(
                dimension=dimension, values=", ".join(dimensions)))
            continue
        if not isinstance(groups, Mapping):
            problems.append(_("{dimension}: expected counts by group").format(dimension=dimension))
            continue
        total = 0
        for group, count in groups.items():
            group_text = None if is_blank(group) else str(group).strip()
            if is_blank(count):
                continue
            number = _number(count)
            if group_text is None:
                problems.append(_("{dimension}: a group has no name").format(dimension=dimension))
            elif number is None or not number.is_integer() or number < 0 or number > high:
                problems.append(_("{dimension} {group}: expected a whole number from {low} to {high}").format(
                    dimension=dimension, group=group_text, low=0, high=_g(high)))
            else:
                rows.append((dimension, group_text, int(number)))
                total += int(number)
        if attendees is None and not attendees_bad:
            problems.append(_("{dimension}: give attendees when recording attendance by group").format(
                dimension=dimension))
        elif attendees is not None and total > attendees:
            problems.append(_("{dimension} counts add up to {total}, more than the {attendees} attendees").format(
                dimension=dimension, total=total, attendees=attendees))
    if problems:
        errors["attendance"] = "; ".join(dict.fromkeys(problems))
    return rows


# -- helpers ------------------------------------------------------------------------------------


@contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (so a failed write writes nothing)."""
    con.execute(_sql("begin_immediate"))
    try:
        yield
    except BaseException:
        con.execute(_sql("rollback"))
        raise
    con.execute(_sql("commit"))


@cache
def _query_text(name: str) -> str:
    """The text of ``queries/ledger/<name>.sql`` (read once), without its leading comment lines."""
    if not _QUERY_NAME.match(name):
        raise ValueError(f"invalid ledger query name {name!r}")
    path = LEDGER_QUERIES_DIR / f"{name}.sql"
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"no ledger query named {name!r} (expected {path})") from None
    while lines and lines[0].startswith("--"):
        lines.pop(0)
    return "".join(lines).rstrip()


def _sql(name: str, **parts: str) -> str:
    """The statement(s) of ``queries/ledger/<name>.sql`` with its ``{placeholders}`` filled from ``parts``.

    Placeholders stand only for identifiers and SQL the code composes from its own constants (see
    ``_record_sql``), never for values: values are always bound ``?`` parameters.
    """
    text = _query_text(name)
    wanted = set(_PLACEHOLDER.findall(text))
    if wanted != set(parts):
        raise ValueError(f"ledger query {name!r} fills {sorted(wanted)}, not {sorted(parts)}")
    return _PLACEHOLDER.sub(lambda found: parts[found.group(1)], text) if parts else text


def _run_script(con: sqlite3.Connection, name: str, **parts: str) -> None:
    """Run the statements of ``queries/ledger/<name>.sql`` one by one (inside the caller's transaction)."""
    for statement in _split_sql(_sql(name, **parts)):
        con.execute(statement)


def _record_sql(name: str, table_name: str, columns: Iterable[str] = ()) -> str:
    return _record_sql_cached(name, table_name, tuple(columns))


@cache
def _record_sql_cached(name: str, table_name: str, columns: tuple[str, ...]) -> str:
    """A statement shared by the record kinds, for one kind's table and columns.

    The table and columns come from the kind specifications (``KINDS``) and are checked against them
    before they are put into the statement; a name that is not one of them raises ValueError.
    """
    known = _TABLE_COLUMNS.get(table_name)
    if known is None or not _IDENTIFIER.match(table_name):
        raise ValueError(f"{table_name!r} is not a ledger record table")
    names = list(columns)
    unknown = [c for c in names if c not in known or not _IDENTIFIER.match(c)]
    if unknown:
        raise ValueError(f"not columns of the ledger table {table_name}: {unknown}")
    parts = {"table": table_name, "columns": ", ".join(names), "values": ", ".join("?" for _ in names),
             "assignments": ", ".join(f"{c} = ?" for c in names)}
    wanted = set(_PLACEHOLDER.findall(_query_text(name)))
    if wanted - {"table"} and not names:
        raise ValueError(f"ledger query {name!r} needs columns")
    return _sql(name, **{k: v for k, v in parts.items() if k in wanted})


def _create_schema(con: sqlite3.Connection) -> None:
    """Tables, index and triggers (queries/ledger/schema.sql and the scripts that follow it); every
    statement is idempotent, so this also completes a file from an earlier version."""
    _run_script(con, "schema", bookkeeping_columns=_query_text("bookkeeping_columns"))
    for spec in KINDS.values():
        con.execute(_record_sql("record_never_deleted", spec.table))
    _run_script(con, "audit_append_only")


def _add_column_sql(table_name: str, column: str, decl: str) -> str:
    """The statement adding a column of ``_ADDED_COLUMNS`` to a file from an earlier version (checked
    against the known tables, their columns and SQLite's column types)."""
    if column not in _TABLE_COLUMNS.get(table_name, ()) or decl not in _COLUMN_TYPES:
        raise ValueError(f"cannot add column {column!r} {decl!r} to {table_name!r}")
    return _sql("add_column", table=table_name, column=column, column_type=decl)


def _split_sql(script: str) -> list[str]:
    """Statements of a script (triggers hold inner semicolons, so split on complete ones)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]


def _columns(spec: Kind) -> list[str]:
    """Columns of a kind's table as entries() returns them."""
    if spec.name == "activity":
        event_columns = list(schema.table(EVENTS_TABLE).column_names)
        extra = [f for f in ENTRY_FIELDS if f not in event_columns and f != "attendance"]
        return event_columns + extra + list(_BOOKKEEPING)
    return ["id", *spec.fields, *_BOOKKEEPING]


def _insert(con: sqlite3.Connection, table_name: str, record: Mapping[str, Any]) -> None:
    con.execute(_record_sql("record_insert", table_name, record), tuple(record.values()))


def _replace_attendance(con: sqlite3.Connection, entry_id: str, rows: list[tuple[str, str, int]]) -> None:
    con.execute(_sql("attendance_delete"), (entry_id,))
    con.executemany(_sql("attendance_insert"), [(entry_id, *r) for r in rows])


def _attendance_dict(rows: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for dimension, group, count in rows:
        out.setdefault(dimension, {})[group] = count
    return out


def _snapshot(con: sqlite3.Connection, entry_id: str) -> dict[str, Any] | None:
    spec = kind_of(entry_id)
    cur = con.execute(_record_sql("record_select", spec.table, _columns(spec)), (entry_id,))
    found = cur.fetchone()
    if found is None:
        return None
    snap = dict(zip([d[0] for d in cur.description], found))
    if spec.name == "activity":
        rows = con.execute(_sql("attendance_of_entry"), (entry_id,)).fetchall()
        snap["attendance"] = _attendance_dict(rows)
    return snap


def _live_snapshot(con: sqlite3.Connection, entry_id: str, if_deleted: str) -> dict[str, Any]:
    """The entry as stored, refusing ids that do not exist or were deleted (``if_deleted`` says why,
    with ``{entry_id}`` and ``{at}``)."""
    before = _snapshot(con, entry_id)
    if before is None:
        raise EntryNotFound({"id": _("no entry with id {entry_id!r}").format(entry_id=entry_id)})
    if before["deleted_at"] is not None:
        raise LedgerError({"id": if_deleted.format(entry_id=entry_id, at=before["deleted_at"])})
    return before


def _audit(con: sqlite3.Connection, at: str, user: str, action: str, entry_id: str,
           before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
    con.execute(_sql("audit_insert"), (at, user, action, entry_id, _json(before), _json(after)))


def _json(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


_DATE_FIELDS = {"date", "start_date", "end_date", "first_date", "last_date"}
_WHOLE_FIELDS = {"attendees", "officers"}
_NUMBER_FIELDS = {"lon", "lat", "officer_hours", "cost", "hours", "annual_cost"}


def _typed(spec: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    columns = _columns(spec)
    if frame.empty:
        frame = pd.DataFrame(columns=columns)
    out = frame.copy()
    for name in out.columns:
        if name in _DATE_FIELDS:
            out[name] = pd.to_datetime(out[name], format="%Y-%m-%d")
        elif name in _WHOLE_FIELDS:
            out[name] = pd.to_numeric(out[name]).astype("Int64")
        elif name in _NUMBER_FIELDS:
            out[name] = pd.to_numeric(out[name]).astype("Float64")
        else:
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
        raise LedgerError({"user": _("required; say who is recording this")})
    return text


def _unknown_field_message(spec: Kind) -> str:
    return _("unknown field; expected one of {values}").format(values=", ".join(spec.fields))


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


def _g(number: float | None) -> str:
    """A schema bound as messages show it: whole numbers in full (1000000, not 1e+06)."""
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _unknown_place(word: str, text: str, valid: set[str]) -> str:
    message = (_("unknown district {value!r}; expected one of {ids}") if word == "district" else
               _("unknown neighborhood {value!r}; expected one of {ids}"))
    return message.format(value=text, ids=_list_ids(valid))


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


# Dates a ledger record may carry: a typo such as 0001-01-01 or 9999-12-31 is refused, not stored.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _date_error(value: Any) -> str | None:
    """Why ``value`` is not a usable ledger date, or None when it is one."""
    parsed = _parse_date(value)
    if parsed is None:
        return _("expected a date as YYYY-MM-DD")
    if not DATE_MIN <= parsed <= DATE_MAX:
        return _("expected a date from {low} to {high}").format(low=DATE_MIN.isoformat(), high=DATE_MAX.isoformat())
    return None


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
