"""Recurring meetings (no Streamlit): what a schedule text reads as, which occurrences are waiting
to be confirmed, suggested meetings from a city's neighborhood organizations, and saving the Recurring
meetings page's two forms (define a meeting, confirm an occurrence)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from community_policing.ledger import schedules
from community_policing.ledger.form import AGE_GROUPS, RACE_GROUPS, Saved, form_errors, missing_user
from community_policing.i18n import _
from community_policing.ledger.book import Ledger, LedgerError, meeting_dates, validate

LOOKBACK_DAYS = 90  # occurrences older than this are no longer offered for confirmation
# The Recurring meetings page's two forms as they are emptied after a save (widget key -> empty value); the page
# starts the define form's first date from today again.
DEFINE_DEFAULTS = {"meeting_title": "", "meeting_schedule": "", "meeting_neighborhood": "", "meeting_time": None,
                   "meeting_place": "", "meeting_partners": "", "meeting_last": None, "meeting_notes": ""}
CONFIRM_DEFAULTS = {"confirm_attendees": None, "confirm_officers": None, "confirm_officer_hours": None,
                    "confirm_cost": None, "confirm_notes": "", **{f"confirm_race_{g}": 0 for g in RACE_GROUPS},
                    **{f"confirm_age_{g}": 0 for g in AGE_GROUPS}}


def reads_as(text: Any) -> str:
    """A schedule in plain words, or why it cannot be used."""
    parsed = schedules.parse_schedule(text)
    if parsed.status == "parsed":
        words = "; ".join(rule.describe() for rule in parsed.rules)
        return words + (f" ({parsed.note})" if parsed.note else "")
    return schedules.status_label(parsed.status) + (f" ({parsed.note})" if parsed.note else "")


def next_dates(schedule_text: Any, start_time: str | None, today: dt.date, count: int = 3) -> list[str]:
    """The next few meetings a schedule gives from today, e.g. ['Tue Dec 15, 6:30 PM', ...]."""
    meeting = {"schedule": schedule_text, "start_time": start_time}
    found = meeting_dates(meeting, today, today + dt.timedelta(days=400))[:count]
    return [_when(day, clock) for day, clock in found]


def _when(day: dt.date, clock: str | None) -> str:
    text = _("{weekday} {month} {day}, {year}").format(
        weekday=schedules.weekday_abbr(day.weekday()), month=schedules.month_abbr(day.month), day=day.day,
        year=day.year)
    if clock:
        text += ", " + schedules.clock_text(dt.datetime.strptime(clock, "%H:%M").time())
    return text


def day_label(day: dt.date) -> str:
    """'Dec 15' (Spanish: '15 de dic')."""
    return _("{month} {day}").format(month=schedules.month_abbr(day.month), day=day.day)


def _occurrences(meetings: pd.DataFrame, start: dt.date, end: dt.date, confirmed: pd.DataFrame | None = None,
                 ) -> pd.DataFrame:
    """Occurrences of the meetings between start and end, less the confirmed ones."""
    columns = ["series_id", "title", "district_id", "date", "start_time", "label"]
    done = (set(zip(confirmed["series_id"].astype(str), confirmed["date"].astype(str)))
            if confirmed is not None and not confirmed.empty else set())
    rows = []
    for meeting in ([] if meetings.empty else meetings.to_dict("records")):
        record = {k: (None if pd.isna(v) else v) for k, v in meeting.items()}
        for name in ("first_date", "last_date"):
            if isinstance(record.get(name), pd.Timestamp):
                record[name] = record[name].date()
        for day, clock in meeting_dates(record, start, end):
            if (str(record["id"]), day.isoformat()) not in done:
                rows.append({"series_id": record["id"], "title": record["title"], "district_id": record["district_id"],
                             "date": day, "start_time": clock,
                             "label": f"{_when(day, clock)} · {record['title']} ({record['id']})"})
    return pd.DataFrame(rows, columns=columns)


def due_occurrences(meetings: pd.DataFrame, confirmed: pd.DataFrame, today: dt.date,
                    lookback_days: int = LOOKBACK_DAYS) -> pd.DataFrame:
    """Occurrences of live recurring meetings from ``lookback_days`` ago to today not yet confirmed,
    newest first: series_id, title, district_id, date, start_time, label."""
    frame = _occurrences(meetings, today - dt.timedelta(days=lookback_days), today, confirmed)
    return frame.sort_values(["date", "series_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def upcoming(meetings: pd.DataFrame, today: dt.date, count: int = 3) -> list[str]:
    """The next few meetings after today, soonest first, as labels."""
    frame = _occurrences(meetings, today + dt.timedelta(days=1), today + dt.timedelta(days=400))
    return frame.sort_values(["date", "series_id"], kind="stable")["label"].head(count).tolist()


def suggestions(organizations: pd.DataFrame, neighborhoods: pd.DataFrame) -> pd.DataFrame:
    """Neighborhood organizations with what their published schedule reads as, and the district of
    their neighborhood: org_id, name, neighborhood_id, district_id, meeting_schedule, meeting_place,
    status, reads_as. Organizations with a readable schedule come first."""
    columns = ["org_id", "name", "neighborhood_id", "district_id", "meeting_schedule", "meeting_place", "status",
               "reads_as"]
    if organizations is None or organizations.empty:
        return pd.DataFrame(columns=columns)
    out = organizations.copy()
    district_of = dict(zip(neighborhoods["area_id"].astype(str), neighborhoods["district_id"].astype(str)))
    out["neighborhood_id"] = out["neighborhood_id"].map(lambda n: None if pd.isna(n) else str(n))
    out["district_id"] = out["neighborhood_id"].map(district_of)
    out["status"] = out["meeting_schedule"].map(lambda t: schedules.parse_schedule(t).status)
    out["reads_as"] = out["meeting_schedule"].map(reads_as)
    order = {"parsed": 0, "not understood": 1, "no regular meetings": 2}
    out = out.sort_values(["status", "name"], key=lambda c: c.map(order) if c.name == "status" else c.str.lower(),
                          kind="stable")
    return out[columns].reset_index(drop=True)


def parse_summary(suggested: pd.DataFrame) -> str:
    """'89 of 103 schedules read (12 say there are no regular meetings; 2 not understood)'."""
    counts = suggested["status"].value_counts()
    total = len(suggested)
    return _("{parsed} of {total} published schedules read as regular meetings ({none} say there are no "
             "regular meetings; {unread} could not be read).").format(
        parsed=counts.get("parsed", 0), total=total, none=counts.get("no regular meetings", 0),
        unread=counts.get("not understood", 0))


def prefill(suggestion: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """Form values for defining a recurring meeting from one suggestion."""
    return {"title": str(suggestion["name"]), "schedule": str(suggestion.get("meeting_schedule") or ""),
            "district_id": suggestion.get("district_id"), "neighborhood_id": suggestion.get("neighborhood_id") or "",
            "place": str(suggestion.get("meeting_place") or "")[:200], "organization_id": str(suggestion["org_id"]),
            "first_date": today}


def prefilled_form(values: Mapping[str, Any], district_ids: Iterable[Any]) -> dict[str, Any]:
    """The define form's widget values from a suggestion (``prefill``); its district only when it is one of
    ``district_ids``."""
    return {"meeting_title": values["title"], "meeting_schedule": values["schedule"], "meeting_place": values["place"],
            "meeting_first": values["first_date"], "meeting_neighborhood": values["neighborhood_id"] or "",
            **({"meeting_district": values["district_id"]} if values["district_id"] in district_ids else {})}


def schedule_caption(schedule: str, today: dt.date) -> str:
    """What a schedule being typed reads as, and its next meetings from today."""
    coming = next_dates(schedule, None, today)
    return (_("Reads as: {words}").format(words=reads_as(schedule))
            + ((". " + _("Next: {dates}.").format(dates="; ".join(coming))) if coming else ""))


def nothing_waits(series: pd.DataFrame, today: dt.date) -> str:
    """The line shown when no meeting of the last LOOKBACK_DAYS is left to confirm, with the next ones."""
    soon = upcoming(series, today)
    return _("Nothing waits: no meeting of the last {days} days is left to confirm.").format(
        days=LOOKBACK_DAYS) + (" " + _("Next: {dates}.").format(dates="; ".join(soon)) if soon else "")


def confirm(book: Ledger, occurrence: Mapping[str, Any], user: str, counts: Mapping[str, Any], notes: str,
            attendance: Mapping[str, Any], *, district_ids: set, neighborhood_ids: set) -> Saved:
    """Confirm that one occurrence (a row of ``due_occurrences``) took place, with its attendance: recorded as an
    engagement activity. ``counts``: attendees, officers, officer_hours and cost, as the form gives them."""
    details = {**counts, "notes": notes.strip() or None, "start_time": occurrence["start_time"]}
    if attendance:
        details["attendance"] = attendance
    found = missing_user(user)
    if found:
        return Saved(found)
    try:
        new_id = book.confirm_occurrence(occurrence["series_id"], occurrence["date"], details, user,
                                         valid_district_ids=district_ids, valid_neighborhood_ids=neighborhood_ids)
    except LedgerError as exc:
        return Saved(form_errors(exc))
    return Saved({}, _("Confirmed {title} on {day} as {entry_id}. It already counts "
                       "on every page.").format(title=occurrence["title"], day=day_label(occurrence["date"]),
                                                entry_id=new_id))


def define(ledger_path: Path, city: str, entry: Mapping[str, Any], user: str, *, district_ids: set,
           neighborhood_ids: set) -> Saved:
    """Record a recurring meeting from the define form once every field is right; else nothing is written and
    every problem is given at once, by field."""
    found = missing_user(user)
    try:
        validate("series", entry, district_ids, neighborhood_ids)  # nothing is written for a bad entry
        if not found:
            new_id = Ledger(ledger_path, city=city).add(entry, user, kind="series", valid_district_ids=district_ids,
                                                        valid_neighborhood_ids=neighborhood_ids)
    except LedgerError as exc:
        found.update(form_errors(exc))
    if found:
        return Saved(found)
    return Saved({}, _("Saved {entry_id}: {title} ({reads_as}). Its meetings wait under "
                       "'Confirm' once they are held.").format(entry_id=new_id, title=entry["title"].strip(),
                                                               reads_as=reads_as(entry["schedule"])))
