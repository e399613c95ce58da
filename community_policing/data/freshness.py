"""How fresh the incident data are: the day they run to, how long records take to arrive, and
which recent days are still "preliminary".

Counts by the day an offense *occurred* keep rising after the fact: an offense is reported days,
weeks or months later, and a correction (an unfounded report) takes one off later still. So the
last weeks of any occurred-date series are low, and a comparison of them with a year earlier (whose
late reports are all in) understates the current count. Counts by the day a record was *reported*
do not change once the day (for a source that dates records only to the month, the month) is over.

The reporting lag is **measured from the data**, not assumed: ``reporting_delays`` (rebuilt with
every load) counts records by month of occurrence and delay, and ``measure`` reads it:

* Only occurrences with at least ``FOLLOW_UP_DAYS`` of follow-up before the data end are measured,
  so that late records of recent months, which have not arrived yet, do not make the lag look short
  (when the data cover less than that, everything is measured and the note says so).
* A source that dates reports to the day: the lag is the number of days after an offense by which
  ``SETTLED_SHARE`` of its records have arrived; offenses in the last that-many days are preliminary.
* A source that dates reports only to the month (SLMPD's coded month): the lag is the number of
  months after an offense's month by which ``SETTLED_SHARE`` of its records are coded; the months
  after the data's last coded month minus that lag are preliminary (none when it is 0).

Pure functions of DataFrames, plus ``freshness(store)`` that runs the two named queries. No Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from community_policing import i18n
from community_policing.i18n import N_, _, ngettext

# A month's count has "settled" once this share of its records has arrived.
SETTLED_SHARE = 0.95
# Occurrences need this much follow-up before the data end to count in the lag measurement.
FOLLOW_UP_DAYS = 365
# "Late" reports, for the share quoted in the note.
LATE_DAYS = 30
# The delay table caps delays at a year: these values mean "more than a year".
CAP_DAYS = 366
CAP_MONTHS = 13
PRECISIONS = ("day", "month")
# Data whose last day is more than this many days before today are "old": every page and briefing says so at
# the top. Three months allows for an ordinary monthly publication lag plus the reporting lag.
STALE_AFTER_DAYS = 90


def _day(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Freshness:
    """What the data note says about how current the incident data are.

    ``settle`` is the measured lag in ``precision`` units (days or months after the offense, or
    after its month, by which ``SETTLED_SHARE`` of its records have arrived); None when there are no
    incidents, or when not even a year gets there (``settle_beyond_year``).
    ``preliminary_from`` is the first occurred-date day that is still preliminary (None: none is).
    """

    as_of: dt.date | None
    precision: str | None           # "day", "month", or None without incidents
    settle: int | None
    settle_beyond_year: bool
    share_late: float | None        # day precision: records dated more than LATE_DAYS after the offense
    share_later_month: float | None  # records dated in a later month than the offense
    records_measured: int
    measured_through: dt.date | None  # last occurrence month measured (its first day)
    full_follow_up: bool            # False: no month of offenses has had FOLLOW_UP_DAYS of follow-up yet
    preliminary_from: dt.date | None
    # Share of records arrived within 0, 1, 2, ... days (or months) of the offense, up to a year: the
    # measured delay distribution, for the share of a period still to be reported.
    arrived: tuple[float, ...] = ()
    last_month: dt.date | None = None  # month precision: the last coded month (its first day)

    @property
    def has_lag(self) -> bool:
        return self.precision is not None and self.records_measured > 0

    @property
    def preliminary_days(self) -> int:
        if self.preliminary_from is None or self.as_of is None:
            return 0
        return (self.as_of - self.preliminary_from).days + 1

    def preliminary_overlap(self, start: dt.date, end: dt.date, date_basis: str = "occurred"
                            ) -> tuple[dt.date, dt.date] | None:
        """The preliminary days inside [start, end] (counted by ``date_basis``), or None.

        Only counts by date occurred are preliminary: counts by date reported do not change later.
        """
        if date_basis != "occurred" or self.preliminary_from is None or self.as_of is None:
            return None
        lo, hi = max(start, self.preliminary_from), min(end, self.as_of)
        return (lo, hi) if lo <= hi else None

    def lag_text(self) -> str:
        """The reporting lag in one sentence, saying it was measured and on what."""
        if not self.has_lag:
            return _("Reporting lag: no incident records to measure it from.")
        share = f"{SETTLED_SHARE:.0%}"
        records = f"{self.records_measured:,}"
        if self.full_follow_up and self.measured_through:
            basis = _("measured on {records} records of offenses up to {month}, each with at least a year to "
                      "arrive").format(records=records, month=i18n.format_month_short(self.measured_through))
        else:
            basis = _("measured on all {records} records: no month of offenses has yet had a full year for late "
                      "records to arrive, so the lag may be longer").format(records=records)
        if self.precision == "day":
            late = _("; {share} arrive more than {days} days after the offense").format(
                share=f"{self.share_late:.1%}", days=LATE_DAYS) if self.share_late is not None else ""
            if self.settle_beyond_year:
                when = _("{share} of records do not arrive within a year of the offense").format(share=share)
            elif self.settle == 0:
                when = _("{share} of records are dated the day of the offense").format(share=share)
            else:
                when = ngettext("{share} of records arrive within {n} day of the offense, so a month's counts by "
                                "date occurred settle about {n} day after it ends",
                                "{share} of records arrive within {n} days of the offense, so a month's counts by "
                                "date occurred settle about {n} days after it ends",
                                self.settle).format(share=share, n=f"{self.settle:,}")
            return _("Reporting lag (measured from this data): {when}{late} ({basis}).").format(
                when=when, late=late, basis=basis)
        later = (_("; {share} are coded in a later month than the offense").format(
            share=f"{self.share_later_month:.1%}") if self.share_later_month is not None else "")
        if self.settle_beyond_year:
            when = _("{share} of records are not coded within a year of the offense's month").format(share=share)
        elif self.settle == 0:
            when = _("{share} of records are coded in the month the offense occurred").format(share=share)
        else:
            when = ngettext("{share} of records are coded within {n} month after the offense's month, so a month's "
                            "counts by date occurred settle about {n} month after it ends",
                            "{share} of records are coded within {n} months after the offense's month, so a month's "
                            "counts by date occurred settle about {n} months after it ends",
                            self.settle).format(share=share, n=f"{self.settle:,}")
        return _("Reporting lag (measured from this data; the source dates records only to the month they were "
                 "coded): {when}{later} ({basis}).").format(when=when, later=later, basis=basis)

    def preliminary_text(self) -> str:
        """Which recent days are preliminary, in one sentence."""
        if not self.has_lag or self.as_of is None:
            return ""
        if self.preliminary_from is None:
            return _("Preliminary: no recent days; by date occurred the latest counts are already {share} complete "
                     "by the lag above.").format(share=f"{SETTLED_SHARE:.0%}")
        return ngettext(
            "Preliminary: offenses from {first} to {last} ({n} day). Counted by date occurred, these days are still "
            "incomplete and rise as late reports arrive, so a comparison with a year earlier understates them; "
            "counts by date reported do not change afterwards.",
            "Preliminary: offenses from {first} to {last} ({n} days). Counted by date occurred, these days are still "
            "incomplete and rise as late reports arrive, so a comparison with a year earlier understates them; "
            "counts by date reported do not change afterwards.",
            self.preliminary_days).format(first=i18n.format_date(self.preliminary_from),
                                          last=i18n.format_date(self.as_of), n=f"{self.preliminary_days:,}")

    def share_to_come(self, start: dt.date, end: dt.date, date_basis: str = "occurred") -> float:
        """The share of the period's eventual records (by date occurred) not reported yet, by the
        measured delays, if incidents were spread evenly over its days (0 when none is preliminary)."""
        overlap = self.preliminary_overlap(start, end, date_basis)
        if overlap is None or not self.arrived:
            return 0.0
        missing = 0.0
        for i in range((overlap[1] - overlap[0]).days + 1):
            day = overlap[0] + dt.timedelta(days=i)
            if self.precision == "day":
                waited = (self.as_of - day).days
            else:  # coded through the last month: months of follow-up since the offense's month
                last = self.last_month or _month_start(self.as_of)
                waited = (last.year - day.year) * 12 + last.month - day.month
            missing += 1.0 - (self.arrived[waited] if waited < len(self.arrived) else 1.0)
        return missing / ((end - start).days + 1)

    def period_note(self, start: dt.date, end: dt.date, date_basis: str, to_come_share: float | None = None
                    ) -> str | None:
        """A KPI caption when the period touches the preliminary days (None when it does not).
        ``to_come_share``: the share still to come when a nowcast of the period has measured it (the page shows
        that figure too, so both say the same); else the lag's own estimate."""
        overlap = self.preliminary_overlap(start, end, date_basis)
        if overlap is None:
            return None
        lo, hi = overlap
        span = i18n.format_day_month(lo) if lo == hi else f"{i18n.format_day_month(lo)} – {i18n.format_date(hi)}"
        share = self.share_to_come(start, end, date_basis) if to_come_share is None else to_come_share
        size = _("about {share}").format(share=f"{share:.1%}") if share >= 0.0005 else _("under 0.1%")
        return _("Preliminary: {span} ({days} of the period's {period_days} days) still rise as late reports arrive, "
                 "while the year-earlier days are complete. By the measured reporting lag, {size} of this period's "
                 "incidents are probably not reported yet, so the count and the change are low by about that "
                 "much.").format(span=span, days=f"{(hi - lo).days + 1:,}", period_days=f"{(end - start).days + 1:,}",
                                 size=size)


def report_precision(report_days: pd.DataFrame) -> str | None:
    """"day" when some records are dated on a day other than the first of a month, "month" when
    every report date is a first of the month (the source dates reports only to the month), None
    without report dates. ``report_days``: the ``report_date_precision`` query."""
    if report_days.empty:
        return None
    row = report_days.iloc[0]
    if int(row["report_days"]) == 0:
        return None
    return "day" if int(row["other_days"]) > 0 else "month"


def _arrived(delays: pd.Series, records: pd.Series, cap: int) -> tuple[float, ...]:
    """Cumulative share of records arrived within 0, 1, ..., cap - 1 units of delay."""
    by_delay = records.groupby(delays.clip(lower=0)).sum().reindex(range(cap + 1), fill_value=0)
    cumulative = by_delay.cumsum() / max(int(by_delay.sum()), 1)
    return tuple(round(float(v), 6) for v in cumulative.iloc[:cap])


def _settle(delays: pd.Series, records: pd.Series, cap: int) -> tuple[int | None, bool]:
    """The smallest delay by which SETTLED_SHARE of records have arrived (delays at ``cap`` mean
    beyond a year: (None, True) when the share is only reached there)."""
    by_delay = records.groupby(delays.clip(lower=0)).sum().sort_index()
    share = by_delay.cumsum() / by_delay.sum()
    reached = share[share >= SETTLED_SHARE - 1e-12]
    first = int(reached.index[0])
    if first >= cap:
        return None, True
    return first, False


def measure(delays: pd.DataFrame, precision: str | None, as_of: dt.date | None,
            last_reported: dt.date | None = None) -> Freshness:
    """Freshness from the ``reporting_delays`` table (columns occurred_month, months_later,
    days_later, records), the report-date ``precision`` and ``as_of`` (the last day with data).

    ``last_reported`` (the last report date) fixes the last complete month for a source dated by
    month; it defaults to ``as_of``.
    """
    empty = Freshness(as_of=as_of, precision=None, settle=None, settle_beyond_year=False, share_late=None,
                      share_later_month=None, records_measured=0, measured_through=None, full_follow_up=False,
                      preliminary_from=None)
    if as_of is None or precision is None or delays.empty or int(delays["records"].sum()) <= 0:
        return empty
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    data = delays.assign(occurred_month=pd.to_datetime(delays["occurred_month"]).dt.date)
    # Occurrence months that ended at least FOLLOW_UP_DAYS before the data end.
    cutoff = as_of - dt.timedelta(days=FOLLOW_UP_DAYS)
    month_ends = data["occurred_month"].map(lambda m: _add_months(m, 1) - dt.timedelta(days=1))
    followed = data[month_ends <= cutoff]
    full = not followed.empty and int(followed["records"].sum()) > 0
    used = followed if full else data
    records = used["records"].astype("int64")
    total = int(records.sum())
    later_month = float(records[used["months_later"] > 0].sum() / total)
    if precision == "day":
        settle, beyond = _settle(used["days_later"], records, CAP_DAYS)
        arrived = _arrived(used["days_later"], records, CAP_DAYS)
        last_month = None
        share_late = float(records[used["days_later"] > LATE_DAYS].sum() / total)
        preliminary = None if beyond else (as_of - dt.timedelta(days=settle - 1) if settle > 0 else None)
        if beyond:
            preliminary = as_of - dt.timedelta(days=CAP_DAYS - 1)
    else:
        settle, beyond = _settle(used["months_later"], records, CAP_MONTHS)
        arrived = _arrived(used["months_later"], records, CAP_MONTHS)
        share_late = None
        last_month = _month_start(last_reported or as_of)
        lag = CAP_MONTHS if beyond else settle
        # Months later than (last complete month - lag) have not had the lag to arrive.
        preliminary = _add_months(last_month, 1 - lag) if lag > 0 else None
    return Freshness(as_of=as_of, precision=precision, settle=settle, settle_beyond_year=beyond,
                     share_late=share_late, share_later_month=later_month, records_measured=total,
                     measured_through=max(used["occurred_month"]) if full else None, full_follow_up=full,
                     preliminary_from=preliminary, arrived=arrived, last_month=last_month)


def freshness(store, as_of: dt.date | None) -> Freshness:
    """``measure`` on the warehouse: the reporting delays and the precision of report dates."""
    dates = store.query("report_date_precision")
    last_reported = _day(dates["last_reported"].iloc[0]) if len(dates) else None
    return measure(store.query("reporting_delays"), report_precision(dates), as_of, last_reported)


def note_lines(fresh: Freshness | None) -> list[str]:
    """The data note's lines about freshness: the measured reporting lag and the preliminary days."""
    if fresh is None or not fresh.has_lag:
        return []
    return [line for line in (fresh.lag_text(), fresh.preliminary_text()) if line]


def comparison_cautions(fresh: Freshness | None, breaks: pd.DataFrame | None, start: dt.date, end: dt.date,
                        prior_start: dt.date, date_basis: str, to_come_share: float | None = None) -> dict[str, str]:
    """Why a comparison of [start, end] with the same days a year earlier (from ``prior_start``) may
    mislead, as {short name: sentence}: "series break" when it spans a break (``breaks``: those that
    concern the series), "preliminary days" when the period reaches into them (by date occurred)."""
    from community_policing.data import series_breaks

    out = {}
    warning = series_breaks.comparison_warning(series_breaks.crossed(breaks, start, end, prior_start))
    if warning:
        out["series break"] = warning
    note = fresh.period_note(start, end, date_basis, to_come_share) if fresh is not None else None
    if note:
        out["preliminary days"] = note
    return out


def window_cautions(windows: pd.DataFrame, fresh: Freshness | None, breaks: pd.DataFrame | None,
                    date_basis: str) -> pd.DataFrame:
    """The standard comparisons (``period_comparisons.compare_windows``) with their ``warning`` extended by
    ``comparison_cautions``: a window that spans a series break, or reaches into preliminary days."""
    out = windows.copy()
    if out.empty:
        return out
    warnings = []
    for _index, row in out.iterrows():
        start, end, prior_start = (pd.Timestamp(row[c]).date() for c in ("start", "end", "prior_start"))
        cautions = comparison_cautions(fresh, breaks, start, end, prior_start, date_basis)
        parts = [row["warning"]] if isinstance(row["warning"], str) and row["warning"] else []
        warnings.append(" ".join(parts + list(cautions.values())) or None)
    out["warning"] = pd.Series(warnings, index=out.index, dtype=object)
    return out


def _last_day(info_or_day) -> dt.date | None:
    if info_or_day is None or isinstance(info_or_day, dt.date):
        return info_or_day
    return getattr(info_or_day, "last_day", None)


def data_age(info_or_day, today: dt.date | None = None) -> tuple[int, str] | None:
    """How long before ``today`` the data end, as (n, "years" | "months"), rounded to the nearest (None without
    data). From two years on the age is said in years, under that in months."""
    last = _last_day(info_or_day)
    if last is None:
        return None
    today = today or dt.date.today()
    months = (today.year - last.year) * 12 + today.month - last.month - (1 if today.day < last.day else 0)
    if months >= 24:
        return round(months / 12), "years"
    return max(months, 0), "months"


def staleness_text(info_or_day, today: dt.date | None = None) -> str | None:
    """"The latest data is from December 2019, about 7 years ago." when the data (a ``metrics.DatasetInfo`` or
    its last day) end more than ``STALE_AFTER_DAYS`` before ``today`` (default: the real today); None when
    they are recent or there are none. Said at the top of every page and in every briefing, because a "last 12
    months" that ends years ago reads as this year's numbers."""
    last = _last_day(info_or_day)
    today = today or dt.date.today()
    if last is None or (today - last).days <= STALE_AFTER_DAYS:
        return None
    n, unit = data_age(last, today)
    if unit == "years":
        ago = ngettext("about {n} year ago", "about {n} years ago", n).format(n=f"{n:,}")
    else:
        ago = ngettext("about {n} month ago", "about {n} months ago", n).format(n=f"{n:,}")
    return _("The latest data is from {month}, {ago}.").format(month=i18n.format_month(last), ago=ago)


# Said after ``staleness_text`` on the pages, whose period filter ends on the last day with data.
STALE_PERIODS_NOTE = N_("Every “last 12 months”, “year to date” or “last 28 days” here ends then, not today.")


def built_day(built_at: str | None) -> str:
    """When the database was built, as a reader reads a date ("Dec 6, 2026"), not a machine timestamp."""
    try:
        return i18n.format_date(dt.datetime.fromisoformat(str(built_at)).date())
    except (TypeError, ValueError):
        return _("date not recorded")
