"""Pure helpers behind the "Engagement log" page (no Streamlit): form values -> a ledger entry, checked
and recorded (``record_activity``), ledger errors -> form fields, the recent-entries editor ->
Ledger.edit / Ledger.delete calls, and the audit trail as a readable table."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from community_policing.views.district import COURSE_LABELS as DISTRICT_COURSE_LABELS
from community_policing.views.district import ENGAGEMENT_LABELS
from community_policing.i18n import N_, _
from community_policing.ledger.book import Ledger, LedgerError, is_blank, validate_entry

# The warehouse's words for the codes (marked for translation there); the forms show them through
# type_label() and course_label().
TYPE_LABELS: dict[str, str] = ENGAGEMENT_LABELS
COURSE_LABELS: dict[str, str] = DISTRICT_COURSE_LABELS
RACE_GROUPS = ("black", "white", "hispanic", "asian", "other")
RACE_LABELS = {"black": N_("Black"), "white": N_("White"), "hispanic": N_("Hispanic"), "asian": N_("Asian"),
               "other": N_("Other")}
AGE_GROUPS = ("18-34", "35-54", "55+")
RECENT_LIMIT = 50
# The Engagement log form's widget keys ("ledger_" and the field): emptied after each save.
ACTIVITY_FORM_KEYS = ("ledger_date", "ledger_start_time", "ledger_neighborhood", "ledger_type", "ledger_title",
                      "ledger_place", "ledger_lon", "ledger_lat", "ledger_attendees", "ledger_officers",
                      "ledger_officer_hours", "ledger_partners", "ledger_cost", "ledger_notes",
                      *(f"ledger_race_{g}" for g in RACE_GROUPS), *(f"ledger_age_{g}" for g in AGE_GROUPS))

# Columns staff may change in each kind's recent-entries editor (the rest are shown read-only).
EDITABLE = {
    "activity": ("date", "type", "title", "attendees", "officers", "officer_hours", "cost", "notes", "neighborhood_id"),
    "training": ("date", "course", "title", "officers", "hours", "unit", "notes"),
    "program": ("name", "start_date", "end_date", "annual_cost", "description", "notes"),
    "series": ("title", "schedule", "start_time", "place", "last_date", "notes"),
}
_READ_ONLY = {"activity": ("district_id",), "training": ("district_id",), "program": ("district_id",),
              "series": ("district_id", "first_date")}
EDITABLE_COLUMNS = EDITABLE["activity"]


def editor_columns(kind: str = "activity") -> tuple[str, ...]:
    return ("id", *_READ_ONLY[kind], *EDITABLE[kind], "created_by", "delete")


EDITOR_COLUMNS = editor_columns("activity")

# Ledger fields as a form's problem list names them (English: the field name with spaces).
FIELD_LABELS = {
    "user": N_("user"), "date": N_("date"), "start_time": N_("start time"), "district_id": N_("district id"),
    "neighborhood_id": N_("neighborhood id"), "type": N_("type"), "title": N_("title"), "place": N_("place"),
    "lon": N_("lon"), "lat": N_("lat"), "lon/lat": N_("lon/lat"), "attendees": N_("attendees"),
    "officers": N_("officers"), "officer_hours": N_("officer hours"), "partners": N_("partners"),
    "cost": N_("cost"), "notes": N_("notes"), "attendance": N_("attendance"), "unit": N_("unit"),
    "course": N_("course"), "hours": N_("hours"), "name": N_("name"), "start_date": N_("start date"),
    "end_date": N_("end date"), "annual_cost": N_("annual cost"), "description": N_("description"),
    "schedule": N_("schedule"), "first_date": N_("first date"), "last_date": N_("last date"),
    "series_id": N_("series id"), "organization_id": N_("organization id"), "id": N_("id"), "form": N_("form"),
}


def type_label(code: Any) -> str:
    """An activity type as shown (the stored value stays the code)."""
    return _(TYPE_LABELS[code]) if code in TYPE_LABELS else str(code)


def course_label(code: Any) -> str:
    """A training course as shown (the stored value stays the code)."""
    return _(COURSE_LABELS[code]) if code in COURSE_LABELS else str(code)


def race_label(group: str) -> str:
    return _(RACE_LABELS[group]) if group in RACE_LABELS else group


def field_label(name: str) -> str:
    """A field (an error key, which stays English) in words."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name.replace("_", " ")


_DATE_COLUMNS = {"date", "start_date", "end_date", "first_date", "last_date"}

# Where each ledger error field is shown on the form (ledger field -> form fields).
_ERROR_FIELDS = {"lon/lat": ("lon", "lat"), "id": ("form",)}


blank = is_blank  # the ledger's own test of an empty value


def build_entry(values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values -> the entry dict for ``Ledger.add``.

    Empty optional fields are left out (None); attendance counts of zero mean "not recorded", and a
    dimension with no count at all is left out entirely.
    """
    def opt(name: str) -> Any:
        value = values.get(name)
        return None if blank(value) else value

    date = opt("date")
    start = opt("start_time")
    entry: dict[str, Any] = {
        "date": date.isoformat() if isinstance(date, (dt.date, dt.datetime)) else date,
        "start_time": start.strftime("%H:%M") if isinstance(start, dt.time) else start,
        "district_id": opt("district_id"),
        "neighborhood_id": opt("neighborhood_id"),
        "type": opt("type"),
        "title": (values.get("title") or "").strip() or None,
        "place": (values.get("place") or "").strip() or None,
        "lon": opt("lon"),
        "lat": opt("lat"),
        "attendees": opt("attendees"),
        "officers": opt("officers"),
        "officer_hours": opt("officer_hours"),
        "partners": (values.get("partners") or "").strip() or None,
        "cost": opt("cost"),
        "notes": (values.get("notes") or "").strip() or None,
    }
    attendance = attendance_from(values.get("race_ethnicity") or {}, values.get("age") or {})
    if attendance:
        entry["attendance"] = attendance
    return entry


def form_default(name: str) -> Any:
    """The empty value of one form field (its widget key without the ``ledger_`` prefix)."""
    if name == "date":
        return dt.date.today()
    if name in ("title", "place", "partners", "notes", "neighborhood"):
        return ""
    if name.startswith(("race_", "age_")):
        return 0
    return None  # start time, coordinates, counts


def attendance_from(race: Mapping[str, Any], age: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Counts by group, dropping zeros and blanks ("not recorded")."""
    out: dict[str, dict[str, int]] = {}
    for dimension, counts in (("race_ethnicity", race), ("age", age)):
        kept = {g: c for g, c in counts.items() if not blank(c) and c != 0}
        if kept:
            out[dimension] = kept
    return out


def picked_point(event: Any) -> tuple[float, float] | None:
    """(lon, lat) of the point clicked on the place-picker map, from st.plotly_chart's selection."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        lon, lat = point.get("lon"), point.get("lat")
        if lon is not None and lat is not None:
            return round(float(lon), 6), round(float(lat), 6)
    return None


def form_errors(error: LedgerError) -> dict[str, str]:
    """Ledger error fields -> the form field (widget) each message is shown under."""
    shown: dict[str, str] = {}
    for name, message in error.errors.items():
        for target in _ERROR_FIELDS.get(name, (name,)):
            shown[target] = f"{shown[target]}; {message}" if target in shown else message
    return shown


def neighborhood_error(neighborhood_id: Any, district_id: Any, neighborhoods: pd.DataFrame) -> str | None:
    """A message when the neighborhood is not one of the district's (neighborhoods: area_id, district_id)."""
    if blank(neighborhood_id):
        return None
    inside = set(neighborhoods.loc[neighborhoods["district_id"].astype(str) == str(district_id), "area_id"].astype(str))
    if str(neighborhood_id) not in inside:
        listed = ", ".join(sorted(inside)) or _("none")
        return _("neighborhood {neighborhood!r} is not in district {district}; expected one of {ids}").format(
            neighborhood=neighborhood_id, district=district_id, ids=listed)
    return None


def district_neighborhoods(neighborhoods: pd.DataFrame, district_id: Any) -> list[Any]:
    """The neighborhoods a form offers once a district is chosen (neighborhoods: area_id, district_id)."""
    return list(neighborhoods.loc[neighborhoods["district_id"] == district_id, "area_id"])


def emptied_activity_form() -> dict[str, Any]:
    """The Engagement log form's widget values after a save: every field empty but the type, which is kept
    (staff often record several of a kind)."""
    return {name: form_default(name.removeprefix("ledger_")) for name in ACTIVITY_FORM_KEYS if name != "ledger_type"}


@dataclass
class Saved:
    """What saving a staff form did: the problems by form field (none when it was saved) and, once saved, the
    line the page shows after its rerun."""
    problems: dict[str, str]
    message: str | None = None


def missing_user(user: Any) -> dict[str, str]:
    """The problem of a form saved without 'Recorded by' (none when it is filled in)."""
    return {"user": _("required; say who is recording this")} if blank(user) else {}


def record_activity(ledger_path: Path, city: str, entry: Mapping[str, Any], user: str, *, district_title: str,
                    neighborhoods: pd.DataFrame, district_ids: Iterable[Any]) -> Saved:
    """Record the Engagement log form's activity (``build_entry``) once every field is right; else nothing is
    written and every problem is given at once, by field."""
    found = missing_user(user)
    problem = neighborhood_error(entry["neighborhood_id"], entry["district_id"], neighborhoods)
    if problem:
        found["neighborhood_id"] = problem
    in_district = district_neighborhoods(neighborhoods, entry["district_id"])
    try:
        # Validate before opening the ledger: an invalid first entry must not even create the file
        # (and every problem shows at once).
        validate_entry(entry, valid_district_ids=set(district_ids), valid_neighborhood_ids=set(in_district))
        if not found:
            new_id = Ledger(ledger_path, city=city).add(entry, user, valid_district_ids=list(district_ids),
                                                        valid_neighborhood_ids=in_district)
    except LedgerError as exc:
        found.update(form_errors(exc))
    if found:
        return Saved(found)
    return Saved({}, _("Recorded {entry_id}: {title} ({district}, {date}). It already "
                       "counts on every page.").format(entry_id=new_id, title=entry["title"],
                                                       district=district_title, date=entry["date"]))


# -- the recent-entries editor -------------------------------------------------------------------


def editor_frame(entries: pd.DataFrame, limit: int = RECENT_LIMIT, kind: str = "activity") -> pd.DataFrame:
    """The latest ``limit`` records (newest first) for st.data_editor, with a "delete" column."""
    columns = editor_columns(kind)
    if entries is None or entries.empty:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        frame["delete"] = frame["delete"].astype(bool)
        return frame
    recent = entries.tail(limit).iloc[::-1].reset_index(drop=True)
    frame = pd.DataFrame({c: recent[c] for c in columns if c != "delete"})
    for name in _DATE_COLUMNS.intersection(frame.columns):
        frame[name] = pd.to_datetime(frame[name]).dt.date
    frame["delete"] = False
    return frame


def _normal(value: Any) -> Any:
    """One cell in a comparable form: blanks -> None, dates -> ISO text, whole floats -> int."""
    if blank(value):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


@dataclass
class EditorChanges:
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)  # entry id -> changed fields
    deletes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.edits and not self.deletes


def editor_changes(original: pd.DataFrame, edited: pd.DataFrame, kind: str = "activity") -> EditorChanges:
    """Compare the editor's rows with what it was given (matched by entry id)."""
    changes = EditorChanges()
    before = {str(r["id"]): r for _i, r in original.iterrows()}
    for _i, row in edited.iterrows():
        entry_id = None if blank(row.get("id")) else str(row["id"])
        if entry_id is None or entry_id not in before:
            continue  # rows added in the editor are ignored: new entries go through the form
        if bool(row.get("delete")) is True:
            changes.deletes.append(entry_id)
            continue
        old = before[entry_id]
        diff = {c: _normal(row[c]) for c in EDITABLE[kind] if _normal(row[c]) != _normal(old[c])}
        if diff:
            changes.edits[entry_id] = diff
    return changes


@dataclass
class SaveResult:
    edited: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # entry id -> messages


def apply_changes(ledger: Ledger, changes: EditorChanges, user: str, *, reason: str = "",
                  neighborhoods: pd.DataFrame | None = None, districts_of: Mapping[str, str] | None = None,
                  valid_district_ids: Iterable[Any] | None = None,
                  valid_neighborhood_ids: Iterable[Any] | None = None,
                  existing_programs: Iterable[tuple[Any, Any]] | None = None) -> SaveResult:
    """Edits via Ledger.edit and deletes via Ledger.delete (soft), each on its own: one bad row
    does not stop the others, and a refused row writes nothing."""
    result = SaveResult()
    if not changes.empty and blank(user):
        result.errors["user"] = [_("Recorded by: required; say who is making these changes")]
        return result
    for entry_id, diff in changes.edits.items():
        if neighborhoods is not None and districts_of is not None and "neighborhood_id" in diff:
            problem = neighborhood_error(diff["neighborhood_id"], districts_of.get(entry_id), neighborhoods)
            if problem:
                result.errors[entry_id] = [f"neighborhood_id: {problem}"]
                continue
        try:
            ledger.edit(entry_id, diff, user, valid_district_ids=_set(valid_district_ids),
                        valid_neighborhood_ids=_set(valid_neighborhood_ids), existing_programs=existing_programs)
        except LedgerError as exc:
            result.errors[entry_id] = exc.messages()
        else:
            result.edited.append(entry_id)
    for entry_id in changes.deletes:
        try:
            ledger.delete(entry_id, user, reason)
        except LedgerError as exc:
            result.errors[entry_id] = exc.messages()
        else:
            result.deleted.append(entry_id)
    return result


def _set(ids: Iterable[Any] | None) -> set[str] | None:
    return None if ids is None else {str(i) for i in ids}


# -- the audit trail ---------------------------------------------------------------------------


_SKIP = {"updated_at", "updated_by", "created_at", "created_by"}


def _load(text: Any) -> dict[str, Any]:
    if blank(text):
        return {}
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return {}


def describe_change(action: str, before: Any, after: Any) -> str:
    """'before → after' in words: the fields that changed."""
    old, new = _load(before), _load(after)
    if action == "insert":
        return _("new: {record}").format(record=describe_record(new))
    if action == "delete":
        reason = new.get("delete_reason")
        return _("deleted ({reason})").format(reason=reason) if reason else _("deleted")
    parts = []
    for name in dict.fromkeys([*old, *new]):
        if name in _SKIP:
            continue
        if old.get(name) != new.get(name):
            parts.append(f"{name}: {_show(old.get(name))} → {_show(new.get(name))}")
    return "; ".join(parts) or _("no change")


def describe_record(record: Mapping[str, Any]) -> str:
    """One record in a line, by kind: what, when and where."""
    where = (_("district {district}").format(district=record.get("district_id")) if record.get("district_id")
             else str(record.get("unit") or ""))
    entry_id = str(record.get("id") or "")
    if entry_id.startswith("T"):
        return _("{date} training “{title}” ({officers} officers × {hours} h) for {where}").format(
            date=record.get("date"), title=record.get("title") or record.get("course"), officers=record.get("officers"),
            hours=record.get("hours"), where=where)
    if entry_id.startswith("P"):
        return _("program “{name}” in {where} from {start}").format(
            name=record.get("name"), where=where, start=record.get("start_date"))
    if entry_id.startswith("S"):
        return _("recurring meeting “{title}” ({schedule}) in {where}").format(
            title=record.get("title"), schedule=record.get("schedule"), where=where)
    words = {"date": record.get("date"), "type": record.get("type"), "title": record.get("title"), "where": where}
    if record.get("series_id"):
        return _("{date} {type} “{title}” in {where}, meeting {series_id}").format(
            **words, series_id=record["series_id"])
    return _("{date} {type} “{title}” in {where}").format(**words)


def _show(value: Any) -> str:
    if value is None or value == {}:
        return "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def audit_frame(audit: pd.DataFrame, limit: int = RECENT_LIMIT) -> pd.DataFrame:
    """The latest ``limit`` audit rows, newest first: when, who, action, entry, change."""
    columns = ["when", "who", "action", "entry", "change"]
    if audit is None or audit.empty:
        return pd.DataFrame(columns=columns)
    recent = audit.tail(limit).iloc[::-1]
    return pd.DataFrame({
        "when": pd.to_datetime(recent["at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "who": recent["user"],
        "action": recent["action"],
        "entry": recent["entry_id"],
        "change": [describe_change(a, b, c) for a, b, c in zip(recent["action"], recent["before"], recent["after"])],
    }).reset_index(drop=True)
