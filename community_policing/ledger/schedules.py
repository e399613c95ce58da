"""Recurring meetings written the way neighborhood groups write them, e.g. "3rd Tues every month - 6:30"
or "2nd Wed. of July, September, November, January, March, and May at 7:00pm".

``parse_schedule`` turns such text into rules (which weekday of which months, at what time);
``occurrences`` lists the dates they give, so a coordinator can confirm each meeting with its
attendance instead of typing it anew. Text that states no regular meeting is recognised as such;
anything else that cannot be read is reported, never guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from community_policing.i18n import N_, _

_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4, "last": -1}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"

_RULE = re.compile(
    r"\b(?P<ordinal>1st|first|2nd|second|3rd|third|4th|fourth|last)\s+"
    r"(?P<weekday>mon|tues?|wed|thurs?|fri|sat|sun)[a-z]*\.?", re.IGNORECASE)
_TIME = re.compile(r"\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>[ap]\.?\s?m\.?)?", re.IGNORECASE)
_NO_MEETINGS = re.compile(r"\bno\b.*\bmeetings?\b|dates and times vary|participates in", re.IGNORECASE)

# Words for showing a schedule (translated where shown; the parser itself reads English text only).
STATUS_LABELS = {"parsed": N_("parsed"), "no regular meetings": N_("no regular meetings"),
                 "not understood": N_("not understood")}
_ORDINAL_WORDS = {1: N_("1st"), 2: N_("2nd"), 3: N_("3rd"), 4: N_("4th"), -1: N_("last")}
_WEEKDAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                  N_("Sunday"))
_WEEKDAY_ABBRS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTH_ABBRS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
                N_("Oct"), N_("Nov"), N_("Dec"))


def status_label(status: str) -> str:
    """A schedule's status as shown ("parsed", "no regular meetings", "not understood" stay the stored values)."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def weekday_name(weekday: int) -> str:
    """Monday ... Sunday (0-6) in the current language."""
    return _(_WEEKDAY_NAMES[weekday])


def weekday_abbr(weekday: int) -> str:
    return _(_WEEKDAY_ABBRS[weekday])


def month_abbr(month: int) -> str:
    """Jan ... Dec (1-12) in the current language."""
    return _(_MONTH_ABBRS[month - 1])


def clock_text(time: dt.time) -> str:
    """'6:30 PM' (Spanish: '6:30 p. m.')."""
    return f"{time:%-I:%M} " + (_("AM") if time.hour < 12 else _("PM"))


@dataclass(frozen=True)
class Rule:
    """The ``ordinal`` weekday (1-4, or -1 for the last) of each month in ``months``, at ``time``."""

    ordinal: int
    weekday: int
    months: tuple[int, ...]
    time: dt.time | None

    def describe(self) -> str:
        """'3rd Tuesday — every month at 6:30 PM', in the current language."""
        which = _(_ORDINAL_WORDS[self.ordinal])
        months = _("every month") if len(self.months) == 12 else ", ".join(month_abbr(m) for m in self.months)
        words = {"which": which, "weekday": weekday_name(self.weekday), "months": months}
        if self.time:
            return _("{which} {weekday} — {months} at {time}").format(**words, time=clock_text(self.time))
        return _("{which} {weekday} — {months}").format(**words)


@dataclass(frozen=True)
class Schedule:
    text: str
    status: str  # "parsed", "no regular meetings", "not understood"
    rules: tuple[Rule, ...] = ()
    note: str = ""


def _months(segment: str) -> tuple[tuple[int, ...], str]:
    """Which months a rule applies to, from the words that follow it, and any assumption made."""
    s = segment.lower()
    months = set(range(1, 13))
    note = ""
    if re.search(r"\bodd months?\b|every odd month", s):
        months = {1, 3, 5, 7, 9, 11}
    elif re.search(r"\beven months?\b|every even month", s):
        months = {2, 4, 6, 8, 10, 12}
    elif re.search(r"every other month|bimonthly", s):
        months = {2, 4, 6, 8, 10, 12} if re.search(r"\(feb", s) else {1, 3, 5, 7, 9, 11}
        if not re.search(r"\(feb|\(jan", s):
            note = _("every other month: assumed January, March, ...")
    else:
        head = re.split(r"\bexcluding\b|\bat\b|\bfrom\b|\d{1,2}(?::\d{2})?\s*[ap]", s)[0]
        found: set[int] = set()
        range_pattern = rf"({_MONTH_WORD})\s*[-–]\s*({_MONTH_WORD})"
        for ranged in re.finditer(range_pattern, head):  # "Jan-June and Aug-Nov"
            a, b = (_MONTHS[ranged.group(i).rstrip(".")[:3]] for i in (1, 2))
            found |= set(range(a, b + 1)) if a <= b else set(range(a, 13)) | set(range(1, b + 1))
        found |= {_MONTHS[m.rstrip(".")[:3]] for m in re.findall(rf"\b{_MONTH_WORD}", re.sub(range_pattern, " ", head))}
        if found:
            months = found
    excluded = re.search(r"excluding ([^)]*)", s)
    if excluded:
        months -= {_MONTHS[m.rstrip(".")[:3]] for m in re.findall(rf"\b{_MONTH_WORD}", excluded.group(1))}
    return tuple(sorted(months)), note


_RANGE = re.compile(r"\b(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>[ap]\.?\s?m\.?)?\s*(?:-|–|to)\s*"
                    r"(?P<h2>\d{1,2})(?::(?P<m2>\d{2}))?\s*(?P<ap2>[ap]\.?\s?m\.?)", re.IGNORECASE)


def _clock(hour: int, minute: int, ampm: str) -> dt.time:
    ampm = ampm.replace(".", "").replace(" ", "").lower()
    if ampm == "pm" and hour != 12:
        hour += 12
    if ampm == "am" and hour == 12:
        hour = 0
    return dt.time(hour, minute)


def _time(segment: str) -> tuple[dt.time | None, str]:
    span = _RANGE.search(segment)
    if span and int(span.group("h1")) <= 12:
        # "6-8pm", "11:00-12:30pm": the start takes the end's am/pm unless it must be the morning before.
        h1, h2 = int(span.group("h1")), int(span.group("h2"))
        end_ampm = span.group("ap2").replace(".", "").replace(" ", "").lower()
        start_ampm = span.group("ap1") or (("am" if end_ampm == "pm" else "pm") if h1 % 12 > h2 % 12 else end_ampm)
        return _clock(h1, int(span.group("m1") or 0), start_ampm), ""
    for match in _TIME.finditer(segment):
        hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
        ampm = (match.group("ampm") or "").replace(".", "").replace(" ", "").lower()
        if not ampm and match.group("minute") is None:
            continue  # a bare number ("2nd", a date) is not a time
        if hour > 12 or minute > 59:
            continue
        note = ""
        if not ampm:
            ampm = "pm" if 1 <= hour <= 11 else "am"  # community meetings are evening meetings
            note = (_("no am/pm given: read {time} as pm") if ampm == "pm" else
                    _("no am/pm given: read {time} as am")).format(time=f"{hour}:{minute:02d}")
        return _clock(hour, minute, ampm), note
    return None, ""


def parse_schedule(text: str | None) -> Schedule:
    """Read a meeting schedule written in words."""
    text = " ".join(str(text or "").split())
    if not text:
        return Schedule(text, "not understood", note=_("empty"))
    if _NO_MEETINGS.search(text) and not _RULE.search(text):
        return Schedule(text, "no regular meetings")
    matches = list(_RULE.finditer(text))
    if not matches:
        return Schedule(text, "not understood", note=_("no weekday of the month found"))
    rules, notes = [], []
    for i, m in enumerate(matches):
        segment = text[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        months, month_note = _months(segment)
        time, time_note = _time(segment) if _TIME.search(segment) else _time(text[m.end():])
        rules.append(Rule(_ORDINALS[m.group("ordinal").lower()], _WEEKDAYS[m.group("weekday").lower()[:3]],
                          months, time))
        notes += [n for n in (month_note, time_note) if n]
    unique = tuple(dict.fromkeys(rules))  # "3rd Wed ... and/or the 3rd Wed ..." is one rule
    return Schedule(text, "parsed", unique, "; ".join(dict.fromkeys(notes)))


def occurrences(rule: Rule, start: dt.date, end: dt.date) -> list[dt.datetime | dt.date]:
    """Every meeting the rule gives between start and end (inclusive)."""
    out = []
    for year in range(start.year, end.year + 1):
        for month in rule.months:
            days = [d for d in calendar.Calendar().itermonthdates(year, month)
                    if d.month == month and d.weekday() == rule.weekday]
            if rule.ordinal == -1:
                day = days[-1]
            elif rule.ordinal <= len(days):
                day = days[rule.ordinal - 1]
            else:
                continue
            if start <= day <= end:
                out.append(dt.datetime.combine(day, rule.time) if rule.time else day)
    return sorted(out)


def parse_report(texts: pd.Series) -> pd.DataFrame:
    """How many schedules were read, by status: the number the issue asks to report."""
    statuses = texts.map(lambda t: parse_schedule(t).status)
    counts = statuses.value_counts().rename_axis("status").reset_index(name="schedules")
    counts["share"] = (counts["schedules"] / len(texts)).round(3)
    return counts
