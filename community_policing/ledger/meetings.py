"""Recurring meetings (no Streamlit): what a schedule text reads as, which occurrences are waiting
to be confirmed, and suggested meetings from a city's neighborhood organizations."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import pandas as pd

from community_policing.ledger import schedules
from community_policing.i18n import _
from community_policing.ledger.book import meeting_dates

LOOKBACK_DAYS = 90  # occurrences older than this are no longer offered for confirmation


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
