"""Numbers the dashboard and the command line show, computed in one place.

The Overview page and ``python -m community_policing districts`` both call
``area_comparison``, so what a reader sees on screen is exactly what the CLI prints.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from community_policing import i18n
from community_policing.i18n import N_, _, ngettext
from community_policing.data import freshness as freshness_mod
from community_policing.data import series_breaks as breaks_mod
from community_policing.data import offenses
from community_policing.stats import noise, trust_stats
from community_policing.views import privacy
from community_policing.data.store import Store
# The offense filter's vocabulary and the area rules every layer shares live in the data layer; the names stay
# importable from here, where the pages and briefings have always found them.
from community_policing.data.areas import MIN_POPULATION_FOR_RATE, UNASSIGNED_ID, UNASSIGNED_NAME  # noqa: F401
from community_policing.data.offenses import (  # noqa: F401
    CATEGORY_PREFIX, GROUP_CODES, OFFENSE_CATEGORIES, category_value, offense_filter)

LEVELS = ("district", "neighborhood")
DATE_BASES = ("occurred", "reported")

# ``noise`` is the reading of the change (``noise_label``), ``noise_z`` its score and ``dispersion`` how many times
# chance the variation it allows for is (``noise``: measured from the area's own history).
AREA_COLUMNS = [
    "area_id", "area_name", "incidents", "incidents_prior_year", "change", "pct_change",
    "noise", "noise_z", "dispersion", "population", "rate_per_1000", "engagement_events", "officer_hours",
]


# Of the counted incidents, how many later corrections remove (unfounded, reclassified): the
# "after later corrections" figure beside each count (schema: incident_counts_daily.corrected).
CORRECTION_COLUMNS = ["corrected", "corrected_prior_year"]
# incidents - corrected: the count after later corrections (the reconciled figure shown beside the official one).
RECONCILED_COLUMNS = ["after_corrections", "after_corrections_prior_year"]
COUNT_COLUMNS = ("incidents", "incidents_prior_year", *CORRECTION_COLUMNS)
# Why a row has no comparison with a year earlier ("" when it has one): nothing is loaded for (part of) the
# earlier period, which is not the same as a true 0 there. English (data); translated where shown.
NOT_COMPARABLE = N_("not comparable: no data a year earlier")
# What the ``districts`` command prints (CSV and JSON): the table of every page, with where the dispersion comes
# from, the corrections figure (empty when the source publishes no corrections) and why there is no
# comparison, when there is none.
CLI_COLUMNS = [*AREA_COLUMNS, "noise_basis", "corrected", "comparison"]


@dataclass(frozen=True)
class Period:
    """An inclusive date range and the same range one year earlier."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}")

    @property
    def prior(self) -> "Period":
        return Period(_one_year_earlier(self.start), _one_year_earlier(self.end))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{i18n.format_date(self.start)} – {i18n.format_date(self.end)}"


_one_year_earlier = noise.one_year_earlier  # 29 February -> 28 February


# No reading: the data hold too little history before the period to know how much its counts normally vary.
NO_HISTORY_READING = N_("no reading: too little history")


def noise_label(z: float | None, comparison: str | None = "", basis: str | None = None) -> str:
    """Plain-language reading of a ``noise_z`` (``noise.two_count_test``: the normal score of the test of two
    counts, allowing for how much the area's counts normally vary). English: code compares these; translate
    where shown (``_``). ``comparison``: why there is no comparison at all (``NOT_COMPARABLE``), which is then
    the reading."""
    if isinstance(comparison, str) and comparison:
        return comparison
    if (z is None or pd.isna(z)) and basis == noise.NONE:
        return NO_HISTORY_READING
    if z is None or pd.isna(z):
        return N_("no comparison")
    if abs(z) < noise.POSSIBLE_Z:
        return N_("within normal variation")
    if abs(z) < noise.SIGNIFICANT_Z:
        return N_("possible change")
    return N_("significant change")


def pct_change(current: pd.Series, prior: pd.Series) -> pd.Series:
    """Percentage change; undefined (NA) when the prior count is 0."""
    prior = prior.astype("Float64")
    return ((current - prior) / prior.where(prior > 0) * 100).astype("Float64")


def rate_per_1000(count: pd.Series, population: pd.Series) -> pd.Series:
    """Incidents per 1,000 residents; NA where the population is missing or under 300."""
    population = population.astype("Float64")
    usable = population.where(population >= MIN_POPULATION_FOR_RATE)
    return (count / usable * 1000).astype("Float64")


_offense_filter = offense_filter


def resolve_offense(store: Store, raw: str | None) -> str:
    """The filter value for an offense filter given as text (the command line's ``--offense-group``).

    Accepted: ``all``; an offense group's code (``robbery``, ``other``); ``category:<category>``
    (``category:violent``, ``category:property``, ``category:other``); ``group:<code>``; and a bare category
    name that is no group's code (``violent``, ``property``), which means that category. A group's code
    always wins: ``other`` is the group "All other offenses", and the category "Other offenses (Part II)"
    (every Part II group) is ``category:other``. ValueError for anything else.
    """
    if raw in (None, "", "all"):
        return "all"
    groups = store.query("offense_groups")
    codes = set(groups["offense_group"].astype(str))
    categories = set(groups["category"].astype(str))
    text = str(raw).strip()
    if text.startswith("group:") and text[len("group:"):] in codes:
        return text[len("group:"):]
    if text.startswith(CATEGORY_PREFIX) and text[len(CATEGORY_PREFIX):] in categories:
        return text
    if text in codes:
        return text
    if text in categories:
        return category_value(text)
    raise ValueError(f"unknown offense group {raw!r}; expected all, a group ({', '.join(sorted(codes))}) or a "
                     f"category ({', '.join(category_value(c) for c in sorted(categories))})")


@dataclass(frozen=True)
class IncidentCoverage:
    """Where the incident data start on each date basis, and whether the source has corrections at all."""

    first_occurred: dt.date | None
    first_reported: dt.date | None
    correction_rows: int = 0

    @property
    def has_corrections(self) -> bool:
        return self.correction_rows > 0

    def comparison_start(self, date_basis: str) -> dt.date | None:
        """The first day whose counts are complete on ``date_basis``: the first day reported; by date occurred
        not before it either (offenses that occurred earlier were partly reported before the data begin)."""
        if date_basis == "reported" or self.first_occurred is None:
            return self.first_reported
        if self.first_reported is None:
            return self.first_occurred
        return max(self.first_occurred, self.first_reported)

    def comparable(self, period: "Period", date_basis: str) -> bool:
        """False when (part of) the period a year earlier lies before the loaded data: its count is not a
        true count (a 0 there means nothing was loaded), so no change, % or z is made from it."""
        start = self.comparison_start(date_basis)
        return start is not None and period.prior.start >= start


def incident_coverage(store: Store) -> IncidentCoverage:
    row = store.query("incident_coverage").iloc[0]
    return IncidentCoverage(_day(row["first_occurred"]), _day(row["first_reported"]), int(row["correction_rows"]))


def window_comparability(windows: pd.DataFrame, coverage: IncidentCoverage, date_basis: str) -> pd.DataFrame:
    """``evaluation.window_comparisons`` with no year-earlier count, change, % or z (and the reading "not
    comparable: no data a year earlier") for each window whose earlier dates reach before the data."""
    out = windows.copy()
    if out.empty:
        return out
    start = coverage.comparison_start(date_basis)
    bad = pd.Series([start is None or pd.Timestamp(p).date() < start for p in out["prior_start"]], index=out.index)
    if not bad.any():
        return out
    for col in ("prior", "change"):
        out[col] = pd.array(out[col], dtype="Int64")
        out.loc[bad, col] = pd.NA
    out["pct_change"] = pd.array(out["pct_change"], dtype="Float64")
    out.loc[bad, "pct_change"] = pd.NA
    for col in ("noise_z", "dispersion"):
        if col in out.columns:
            out[col] = out[col].astype(float).mask(bad)
    out["noise"] = out["noise"].astype(object).where(~bad, NOT_COMPARABLE)
    return out


def comparison_columns(table: pd.DataFrame, comparable: bool) -> pd.DataFrame:
    """``table`` (with ``incidents_prior_year`` and what is made from it) as it reads when nothing is loaded
    a year earlier: the earlier counts, the change, the %, z and dispersion blank, and ``comparison`` saying
    why."""
    out = table.copy()
    out["comparison"] = "" if comparable else NOT_COMPARABLE
    if comparable:
        return out
    for col in ("incidents_prior_year", "change", "corrected_prior_year", "after_corrections_prior_year"):
        if col in out.columns:
            out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
    for col in ("pct_change", "noise_z", "dispersion"):
        if col in out.columns:
            out[col] = pd.array([pd.NA] * len(out), dtype="Float64") if col == "pct_change" else np.nan
    if "noise" in out.columns:
        out["noise"] = NOT_COMPARABLE
    if "noise_basis" in out.columns:
        out["noise_basis"] = ""
    return out


# --- How much counts normally vary (the noise reading's dispersion) -----------------------------------


def noise_history(store: Store, date_basis: str, start: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The span of history the noise reading of a period starting on ``start`` measures normal variation from:
    from the data's comparison start (complete counts only) to the day before ``start``, and by date occurred
    not into the last ``noise.RECENT_GAP_DAYS`` of the data (late reports)."""
    first = incident_coverage(store).comparison_start(date_basis)
    last = _day(store.query("noise_data_end", date_basis=date_basis).iloc[0]["last_day"])
    end = noise.history_end(last, date_basis)
    end = start - dt.timedelta(days=1) if end is None else min(end, start - dt.timedelta(days=1))
    return first, end


def area_dispersions(store: Store, level: str, start: dt.date, end: dt.date, offense_group: str | None = None,
                     date_basis: str = "occurred", areas=None) -> dict[str, noise.Dispersion]:
    """How much each area's counts normally vary for a comparison of [start, end] with a year earlier
    (``noise.area_dispersions``: its own history at this period length, shrunk toward the other areas of the
    level). Keyed by area id (``UNASSIGNED_ID`` for incidents in no area, ``noise.POOL_KEY`` for the pooled
    value). ``areas``: the ids wanted (default: those in the history)."""
    first, last = noise_history(store, date_basis, start)
    if first is None or last is None or last < first:
        daily = pd.DataFrame(columns=["area_id", "day", "incidents"])
    else:
        daily = store.query("noise_area_history", level=level, start=first, end=last, date_basis=date_basis,
                            offense_group=offense_filter(offense_group))
    known = set(store.query("areas", level=level)["area_id"].astype(str))
    ids = daily["area_id"].astype(object)
    daily = daily.assign(area_id=ids.where(ids.notna() & ids.astype(str).isin(known), UNASSIGNED_ID).astype(str))
    wanted = list(areas) if areas is not None else sorted(set(daily["area_id"]) | known)
    return noise.area_dispersions(daily, wanted, start, end, first, last, exclude=(UNASSIGNED_ID,))


def city_dispersion(store: Store, start: dt.date, end: dt.date, offense_group: str | None = None,
                    date_basis: str = "occurred") -> noise.Dispersion:
    """How much the citywide count normally varies for a comparison of [start, end] with a year earlier: the
    city's own history at this period length (``noise.series_dispersion``)."""
    first, last = noise_history(store, date_basis, start)
    if first is None or last is None or last < first:
        return noise.PLAIN
    daily = store.query("noise_city_history", start=first, end=last, date_basis=date_basis,
                        offense_group=offense_filter(offense_group))
    return noise.series_dispersion(daily, start, end, first, last)


def noise_basis_note(basis: str | None) -> str:
    """What a reader must know about where a reading's normal variation comes from, in the current language:
    "" unless there was no history to measure it (``noise.NONE``), when the reading allowed for chance alone."""
    if basis != noise.NONE:
        return ""
    return _("the data hold too little history before this period to measure how much counts normally vary, so "
             "no reading of the change is given (allowing for chance alone would call ordinary swings a change)")


def with_noise(table: pd.DataFrame, dispersions: dict[str, noise.Dispersion], period: Period,
               key: str = "area_id") -> pd.DataFrame:
    """``table`` (incidents, incidents_prior_year) with the noise reading of each row: ``noise_z``, the
    ``dispersion`` used, its ``noise_basis`` and the reading ``noise`` (plain Poisson for a row not in
    ``dispersions``)."""
    out = table.copy()
    chosen = [dispersions.get(noise.area_key(k), noise.PLAIN) for k in out[key]]
    read = noise.readings(out["incidents"].astype(float), out["incidents_prior_year"].astype(float), chosen,
                          period.days, period.prior.days)
    for col in ("noise_z", "dispersion", "noise_basis"):
        out[col] = read[col].to_numpy()
    out["noise"] = [noise_label(z, basis=b) for z, b in zip(out["noise_z"], out["noise_basis"])]
    return out


def area_comparison(
    store: Store,
    start: dt.date,
    end: dt.date,
    level: str = "district",
    offense_group: str | None = None,
    date_basis: str = "occurred",
    rules: privacy.Rules | None = None,
) -> pd.DataFrame:
    """One row per area: incidents in the period vs the same period a year earlier, with rate
    and engagement.

    Incidents that fall in no area are one extra row with area_id ``unassigned`` (only when
    there are any), so the rows always sum to the citywide total.

    Counts are the agency's counted incidents. ``corrected`` says how many of them later corrections
    remove and ``after_corrections`` is ``incidents - corrected`` (the same for the year earlier); all
    three are blank when the source has no corrections at all. When (part of) the year-earlier period lies
    before the loaded data, the year-earlier counts, change, % change and z are blank and ``comparison``
    says "not comparable: no data a year earlier" (else it is empty).

    The change's reading: ``noise`` ("within normal variation", "possible change", "significant change"),
    from ``noise_z``, the test of the two counts allowing for ``dispersion`` (φ: how many times chance the
    area's counts normally vary at this period length, from its own history; ``noise``). ``noise_basis``
    says where φ comes from (``noise.OWN``, ``noise.POOLED``, or ``noise.NONE``: no history, plain Poisson).

    With ``rules`` (public mode) the table is suppressed (``privacy.protect_area_tables``, both
    levels together): hidden counts are NA with a ``<column>_note``, and what is made from them blank.
    """
    if rules is not None:
        return protected_areas(store, start, end, offense_group, date_basis, rules).table(level)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    if date_basis not in DATE_BASES:
        raise ValueError(f"date basis must be one of {', '.join(DATE_BASES)}, not {date_basis!r}")
    period = Period(start, end)
    prior = period.prior
    coverage = incident_coverage(store)
    areas = store.query("areas", level=level)
    counts = store.query(
        "area_incident_counts",
        level=level,
        start=period.start,
        end=period.end,
        prior_start=prior.start,
        prior_end=prior.end,
        date_basis=date_basis,
        offense_group=_offense_filter(offense_group),
    )
    engagement = store.query("area_engagement", level=level, start=period.start, end=period.end)

    known = set(areas["area_id"])
    counts["area_id"] = counts["area_id"].where(counts["area_id"].isin(known), UNASSIGNED_ID)
    counts = counts.groupby("area_id", as_index=False)[list(COUNT_COLUMNS)].sum()

    table = areas.merge(counts, on="area_id", how="left").merge(engagement, on="area_id", how="left")
    unassigned = counts[counts["area_id"] == UNASSIGNED_ID]
    if len(unassigned) and (unassigned[["incidents", "incidents_prior_year"]].to_numpy() != 0).any():
        row = unassigned.assign(area_name=UNASSIGNED_NAME)
        table = pd.concat([table, row], ignore_index=True)

    for col in (*COUNT_COLUMNS, "engagement_events"):
        table[col] = table[col].fillna(0).astype("int64")
    table["officer_hours"] = table["officer_hours"].fillna(0).astype(float).round(1)
    table["population"] = table["population"].astype("Int64")
    table["change"] = table["incidents"] - table["incidents_prior_year"]
    table["pct_change"] = pct_change(table["incidents"], table["incidents_prior_year"]).round(1)
    table = with_noise(table, area_dispersions(store, level, period.start, period.end, offense_group, date_basis,
                                               areas=table["area_id"]), period)
    table["rate_per_1000"] = rate_per_1000(table["incidents"], table["population"]).round(2)
    for counted, corrected, after in (("incidents", "corrected", "after_corrections"),
                                      ("incidents_prior_year", "corrected_prior_year", "after_corrections_prior_year")):
        table[after] = table[counted] - table[corrected]
        if not coverage.has_corrections:  # a source without corrections: not recorded, never 0
            for col in (corrected, after):
                table[col] = pd.array([pd.NA] * len(table), dtype="Int64")
    table = comparison_columns(table, coverage.comparable(period, date_basis))
    return table[AREA_COLUMNS + ["district_id", *CORRECTION_COLUMNS, *RECONCILED_COLUMNS, "noise_basis", "comparison"]
                 ].reset_index(drop=True)


def protected_areas(store: Store, start: dt.date, end: dt.date, offense_group: str | None = None,
                    date_basis: str = "occurred", rules: privacy.Rules | None = None) -> privacy.ProtectedAreas:
    """The district and neighborhood tables of one choice of filters, suppressed together for the
    public (``privacy.protect_area_tables``), with the fate of the citywide total."""
    districts = area_comparison(store, start, end, "district", offense_group, date_basis)
    neighborhoods = area_comparison(store, start, end, "neighborhood", offense_group, date_basis)
    return privacy.protect_area_tables(districts, neighborhoods, rules or privacy.Rules())


def add_intensity(table: pd.DataFrame, period_days: int) -> pd.DataFrame:
    """Engagement per 1,000 residents per year, so periods of any length compare."""
    years = period_days / 365.25
    usable = table["population"].astype("Float64").where(table["population"] >= MIN_POPULATION_FOR_RATE)
    out = table.copy()
    out["events_per_1000_per_year"] = (out["engagement_events"] / usable * 1000 / years).astype("Float64").round(2)
    out["officer_hours_per_1000_per_year"] = (out["officer_hours"] / usable * 1000 / years).astype("Float64").round(1)
    return out


@dataclass(frozen=True)
class CityTotals:
    """Citywide headline numbers for a period, each with its comparison."""

    incidents: int
    incidents_prior_year: int
    pct_change: float | None
    noise_z: float | None
    noise: str
    engagement_events: int
    engagement_events_prior_year: int
    officer_hours: float
    officer_hours_prior_year: float
    trust: float | None
    trust_prior_year: float | None
    trust_respondents: int
    trust_respondents_prior_year: int = 0
    # Public mode (privacy.protect_city_totals): a hidden count is None and its note says why.
    incidents_note: str = ""
    incidents_prior_year_note: str = ""
    # Of the incidents, how many later corrections remove, and the count after them (None: the source has no
    # corrections, or hidden in public mode with a note).
    corrected: int | None = None
    after_corrections: int | None = None
    corrected_note: str = ""
    after_corrections_note: str = ""
    comparison: str = ""  # NOT_COMPARABLE when nothing is loaded a year earlier (no prior count, change or z)
    # The φ the noise reading allowed for (the city's own history; None without a comparison) and where it
    # comes from (noise.OWN, or noise.NONE: no history, plain Poisson).
    dispersion: float | None = None
    noise_basis: str = ""
    # The citywide trust score in full (population-weighted, its change's margin and reading): trust_stats.
    city_trust: "trust_stats.CityTrust | None" = field(default=None, compare=False)
    # False when no engagement ledger covers the period (or the year earlier): its engagement figures are then
    # "not recorded", never 0 (``EngagementCoverage``); the 0 in the int fields is only a placeholder.
    engagement_recorded: bool = True
    engagement_prior_recorded: bool = True

    @property
    def comparable(self) -> bool:
        return not self.comparison

    def correction_sentence(self) -> str:
        """"official count N; after M later corrections, N - M" ("" when there is no such figure)."""
        return correction_sentence(self.incidents, self.corrected, self.after_corrections, self.incidents_note,
                                   self.corrected_note, self.after_corrections_note)


def city_totals(store: Store, table: pd.DataFrame, start: dt.date, end: dt.date, offense_group: str | None = None,
                date_basis: str = "occurred") -> CityTotals:
    """Headline numbers from an ``area_comparison`` table (all rows, unassigned included) made with the same
    ``offense_group`` and ``date_basis`` (the noise reading measures the city's own history with them)."""
    current = int(table["incidents"].sum())
    comparison = _comparison_of(table)
    prior_count = int(table["incidents_prior_year"].sum()) if not comparison else None
    period = Period(start, end)
    dispersion = city_dispersion(store, start, end, offense_group, date_basis) if not comparison else None
    z = (float(noise.noise_z(current, prior_count, dispersion, period.days, period.prior.days))
         if not comparison else None)
    corrected = _sum_or_none(table, "corrected")
    dates = dict(start=period.start, end=period.end, prior_start=period.prior.start, prior_end=period.prior.end)
    trust = trust_stats.city_trust(store, period.start, period.end)
    engagement = store.query("engagement_totals", **dates).iloc[0]
    ledger = engagement_coverage(store)
    return CityTotals(
        incidents=current,
        incidents_prior_year=prior_count,
        pct_change=(None if not prior_count or prior_count <= 0
                    else round((current - prior_count) / prior_count * 100, 1)),
        noise_z=None if z is None or math.isnan(z) else round(z, 2),
        noise=noise_label(z, comparison, None if dispersion is None else dispersion.basis),
        engagement_events=int(engagement["engagement_events"]),
        engagement_events_prior_year=int(engagement["engagement_events_prior_year"]),
        officer_hours=float(engagement["officer_hours"]),
        officer_hours_prior_year=float(engagement["officer_hours_prior_year"]),
        trust=None if trust.score is None else round(trust.score, 1),
        trust_prior_year=None if trust.prior_score is None else round(trust.prior_score, 1),
        trust_respondents=trust.respondents,
        trust_respondents_prior_year=trust.prior_respondents,
        city_trust=trust,
        corrected=corrected,
        after_corrections=None if corrected is None else current - corrected,
        comparison=comparison,
        dispersion=None if dispersion is None else round(dispersion.phi, 2),
        noise_basis="" if dispersion is None else dispersion.basis,
        engagement_recorded=ledger.recorded(period.start),
        engagement_prior_recorded=ledger.recorded(period.prior.start),
    )


def _comparison_of(table: pd.DataFrame) -> str:
    """The table's ``comparison`` (the same on every row): "" when it compares with a year earlier."""
    if "comparison" not in table.columns or table.empty:
        return ""
    values = [v for v in table["comparison"] if isinstance(v, str) and v]
    return values[0] if values else ""


def _sum_or_none(table: pd.DataFrame, column: str) -> int | None:
    if column not in table.columns or table[column].isna().any():
        return None
    return int(table[column].sum())


@dataclass(frozen=True)
class DatasetInfo:
    """What the data note says about the dataset.

    ``first_day``/``last_day`` span the days incidents were reported (the coverage of the
    source); ``last_occurred`` is the last day an offense occurred. Occurrence dates can reach far
    back (late reports), so they do not describe coverage.
    """

    city_name: str
    source: str
    is_simulated: bool
    built_at: str
    first_day: dt.date | None
    last_day: dt.date | None
    last_occurred: dt.date | None
    incident_rows: int
    engagement_rows: int
    survey_rows: int
    training_rows: int
    program_rows: int
    districts: int
    neighborhoods: int
    # How current the incident data are (as of, measured reporting lag, preliminary days) and the
    # series breaks the city declared: both said in every data note (``freshness``, ``series_breaks``).
    freshness: freshness_mod.Freshness | None = field(default=None, compare=False)
    series_breaks: pd.DataFrame = field(default_factory=breaks_mod.empty, compare=False)
    first_occurred: dt.date | None = None
    correction_rows: int = 0   # records that correct an earlier one (count -1); 0: the source has none
    linked_corrections: int = 0  # of those, how many correct a counted incident (the others are never subtracted)
    load_notes: str = ""       # what the load said about the data (a line about corrections, ...)

    @property
    def has_incidents(self) -> bool:
        return self.incident_rows > 0

    @property
    def has_corrections(self) -> bool:
        """True when the source publishes corrections at all (else nothing mentions them)."""
        return self.correction_rows > 0

    @property
    def counted_rows(self) -> int:
        return self.incident_rows - self.correction_rows

    @property
    def coverage(self) -> IncidentCoverage:
        return IncidentCoverage(self.first_occurred, self.first_day, self.correction_rows)

    def comparable(self, period: Period, date_basis: str) -> bool:
        """Whether the period a year earlier is covered by the data on ``date_basis`` (``IncidentCoverage``)."""
        return self.coverage.comparable(period, date_basis)

    def complete_years(self) -> list[int]:
        """Calendar years the incident data covers from 1 January to 31 December."""
        if self.first_day is None or self.last_day is None:
            return []
        first = self.first_day.year + (0 if self.first_day <= dt.date(self.first_day.year, 1, 1) else 1)
        last = self.last_day.year - (0 if self.last_day >= dt.date(self.last_day.year, 12, 31) else 1)
        return list(range(first, last + 1))

    @property
    def label(self) -> str:
        return N_("Simulated demo data") if self.is_simulated else N_("Recorded data")  # translate where shown

    def prior_incomplete(self, period: Period, date_basis: str = "reported") -> bool:
        """True when the comparison period starts before the data do (on ``date_basis``): then nothing is
        compared with a year earlier (``IncidentCoverage.comparable``)."""
        return self.first_day is not None and not self.comparable(period, date_basis)


def _day(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def dataset_info(store: Store) -> DatasetInfo:
    meta = dict(store.query("metadata").itertuples(index=False, name=None))
    cov = store.query("data_coverage").iloc[0]
    last_reported, last_occurred = _day(cov["last_reported"]), _day(cov["last_occurred"])
    as_of = last_occurred or last_reported
    return DatasetInfo(
        city_name=meta.get("city_name", "Unnamed city"),
        source=meta.get("source", "not recorded"),
        is_simulated=meta.get("is_simulated", "false").lower() == "true",
        built_at=meta.get("built_at", "not recorded"),
        first_day=_day(cov["first_reported"]),
        # Periods end on the last day an offense occurred: some sources date reports only to the
        # month (SLMPD codes each record to a month), so the last report day can fall early.
        last_day=last_occurred or last_reported,
        last_occurred=last_occurred,
        incident_rows=int(cov["incident_rows"]),
        engagement_rows=int(cov["engagement_rows"]),
        survey_rows=int(cov["survey_rows"]),
        training_rows=int(cov["training_rows"]),
        program_rows=int(cov["program_rows"]),
        districts=int(cov["districts"]),
        neighborhoods=int(cov["neighborhoods"]),
        freshness=freshness_mod.freshness(store, as_of),
        series_breaks=breaks_mod.load(store),
        first_occurred=_day(cov["first_occurred"]),
        correction_rows=int(cov["correction_rows"]),
        linked_corrections=int(cov["linked_corrections"]),
        load_notes=str(meta.get("load_notes") or ""),
    )


def offense_choices(store: Store) -> list[tuple[str, str]]:
    """(value, label) pairs for the offense filter: all, the three categories (values ``category:violent``
    ...), then each group (its code); the labels in the current language. Every value is distinct, so
    the group "other" and the category "category:other" can each be chosen."""
    groups = store.query("offense_groups")
    choices = [("all", _("All offenses"))]
    choices += [(category_value(k), _(v)) for k, v in OFFENSE_CATEGORIES.items() if k in set(groups["category"])]
    choices += [(g, f"  {_(label)}") for g, label in zip(groups["offense_group"], groups["label"])]
    return choices


def occurrence_unknown(store: Store, start: dt.date, end: dt.date, district_id: str | None = None,
                       offense_group: str | None = None) -> int:
    """Incidents reported in [start, end] whose occurrence date is unknown (the source gave a placeholder
    such as 1900-01-01, or none): counted by date reported, in no period by date occurred."""
    row = store.query("occurrence_unknown", start=start, end=end, district_id=district_id,
                      offense_group=offense_filter(offense_group)).iloc[0]
    return int(row["incidents"])


def occurrence_unknown_note(count: int, rules: privacy.Rules | None = None) -> str:
    """The sentence beside counts by date occurred ("" when there are none); in public mode a count from
    1 to 3 reads "fewer than 4"."""
    if not count:
        return ""
    hidden = rules is not None and rules.is_small(count)
    shown = rules.label if hidden else f"{count:,}"
    return ngettext("{n} incident reported in this period has no known occurrence date (the source gives a "
                    "placeholder such as 1900-01-01); it is counted by date reported, not here.",
                    "{n} incidents reported in this period have no known occurrence date (the source gives a "
                    "placeholder such as 1900-01-01); they are counted by date reported, not here.",
                    2 if hidden else count).format(n=shown)  # hidden: the plural, which says nothing of the count


def correction_sentence(count, corrected, after, count_note: str = "", corrected_note: str = "",
                        after_note: str = "") -> str:
    """The reconciled figure beside an official count, in plain words: "official count 1,234; after 12 later
    corrections, 1,222" ("" when there is no corrections figure: the source has none). In public mode a
    hidden figure reads as its note; when the count itself is hidden, nothing is said."""
    if count_note or count is None or pd.isna(count):
        return ""
    if corrected_note or after_note:
        return _("official count {count}; the count after later corrections is not shown in this public view "
                 "({note})").format(count=f"{int(count):,}", note=_(corrected_note or after_note))
    if corrected is None or after is None or pd.isna(corrected) or pd.isna(after):
        return ""
    return ngettext("official count {count}; after {corrected} later correction, {after}",
                    "official count {count}; after {corrected} later corrections, {after}", int(corrected)).format(
        count=f"{int(count):,}", corrected=f"{int(corrected):,}", after=f"{int(after):,}")


PERIOD_PRESETS = (N_("Last 12 months"), N_("Last 28 days"), N_("Year to date"), N_("Last full year"))  # values code compares


def preset_period(preset: str, as_of: dt.date) -> Period:
    """Standard periods ending at the last day with data (not today: data lag behind)."""
    if preset == "Last 12 months":
        return Period(_one_year_earlier(as_of) + dt.timedelta(days=1), as_of)
    if preset == "Last 28 days":
        return Period(as_of - dt.timedelta(days=27), as_of)
    if preset == "Year to date":
        return Period(dt.date(as_of.year, 1, 1), as_of)
    if preset == "Last full year":
        year = as_of.year - 1 if as_of < dt.date(as_of.year, 12, 31) else as_of.year
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    raise ValueError(f"unknown period preset {preset!r}; expected one of {', '.join(PERIOD_PRESETS)}")


def describe_change(current: float, prior: float | None, unit: str = N_("incidents"), z: float | None = None) -> str:
    """A plain sentence with both counts, the difference, the % (when defined) and the noise reading;
    ``prior`` None: nothing is loaded a year earlier, so there is no comparison."""
    if prior is None or pd.isna(prior):
        return _("{current} {unit}; {reason}").format(current=f"{current:,.0f}", unit=_(unit), reason=_(NOT_COMPARABLE))
    diff = current - prior
    pct = f", {diff / prior * 100:+.1f}%" if prior > 0 else ""
    sentence = _("{current} {unit} vs {prior} a year earlier ({diff}{pct})").format(
        current=f"{current:,.0f}", unit=_(unit), prior=f"{prior:,.0f}", diff=f"{diff:+,.0f}", pct=pct)
    if z is not None:
        sentence += f": {_(noise_label(z))} (z = {z:+.1f})"
    return sentence


# --- Resident trust ---------------------------------------------------------------------------

MEASURE_LABELS = {  # translated where shown
    "trust": N_("Trust in police"),
    "safety": N_("Feeling safe"),
    "respect": N_("Police treat people with respect"),
    "listened": N_("Police listen to residents"),
}
# Scores from fewer respondents than this are not shown (too noisy, and small groups are identifiable).
# A deployment sets its own with COMMON_GROUND_MIN_RESPONDENTS; it can be raised, never set below 10.
MIN_RESPONDENTS_ENV = "COMMON_GROUND_MIN_RESPONDENTS"


def min_respondents_setting(value: str | None) -> int:
    """The minimum from the environment: 30 by default, never below 10."""
    return max(10, int(value)) if value else 30


MIN_RESPONDENTS = min_respondents_setting(os.environ.get(MIN_RESPONDENTS_ENV))


def trust_coverage(store: Store) -> pd.DataFrame:
    """Measures with survey data and the periods they cover (as dates)."""
    table = store.query("trust_coverage")
    for col in ("first_period", "last_period"):
        table[col] = pd.to_datetime(table[col]).dt.date
    return table


def trust_by_district(store: Store, measure: str, start: dt.date, end: dt.date,
                      min_respondents: int = MIN_RESPONDENTS) -> pd.DataFrame:
    """Scores per district and period, with ``shown`` False (and the score blanked) where fewer
    than ``min_respondents`` answered. Unknown respondent counts (not published) are shown and
    flagged in ``respondents_known``."""
    if measure not in MEASURE_LABELS:
        raise ValueError(f"measure must be one of {', '.join(MEASURE_LABELS)}, not {measure!r}")
    table = store.query("trust_by_district", measure=measure, start=start, end=end)
    table["respondents_known"] = table["respondents"].notna()
    table["shown"] = ~table["respondents_known"] | (table["respondents"] >= min_respondents)
    table["score"] = table["score"].where(table["shown"])
    table["margin_of_error"] = table["margin_of_error"].where(table["shown"])
    return table


# --- Words the area pages share (in the current language) ---------------------------------------


def level_label(level: str) -> str:
    """"district" -> "District" / "Distrito"; "neighborhood" -> "Neighborhood" / "Vecindario"."""
    return {"district": _("District"), "neighborhood": _("Neighborhood")}.get(level, str(level).capitalize())


def comparison_caption(offense_label: str, date_basis: str, period: Period) -> str:
    """What the page counts: "Violent crime, counted by date occurred, <period> compared with ..."."""
    text = (_("{offenses}, counted by date reported, {period} compared with the same days a year earlier ({prior}).")
            if date_basis == "reported" else
            _("{offenses}, counted by date occurred, {period} compared with the same days a year earlier ({prior})."))
    return text.format(offenses=_(offense_label), period=period.label(), prior=period.prior.label())


def prior_incomplete_note(first_day: dt.date, period: Period) -> str:
    """The warning when the comparison period starts before the data do."""
    return _("The data start on {first}, after the comparison period begins ({prior}): nothing is loaded for (part "
             "of) the year earlier, so no change from a year earlier is shown for this period.").format(
        first=i18n.format_date(first_day), prior=i18n.format_date(period.prior.start))


def translated(table: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy of ``table`` for display with the text of ``columns`` (readings, notes, names of special
    rows) in the current language; the table itself (and its downloads) keep their English values."""
    out = table.copy()
    for column in columns:
        if column in out.columns:
            out[column] = out[column].map(lambda v: _(v) if isinstance(v, str) and v else v)
    return out


def area_names(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the name of the row of incidents placed in no area in the current language."""
    if "area_name" not in table.columns or "area_id" not in table.columns:
        return table
    unplaced = table["area_id"] == UNASSIGNED_ID
    if not unplaced.any():
        return table
    out = table.copy()
    out.loc[unplaced, "area_name"] = _(UNASSIGNED_NAME)
    return out


# Headings of the machine columns of the tables behind the charts ("Show the numbers"), in the current
# language (``column_labels``). The tables and their downloads keep the machine names.
COLUMN_LABELS = {
    "month": N_("Month"), "last_day": N_("Last day"), "partial": N_("Partial month"), "incidents": N_("Incidents"),
    "prior_month": N_("Month a year earlier"), "prior_last_day": N_("Last day a year earlier"),
    "incidents_prior_year": N_("A year earlier"), "month_name": N_("Month name"), "average": N_("Average"),
    "lowest": N_("Lowest year"), "highest": N_("Highest year"), "years": N_("Years"),
    "offense_group": N_("Offense group code"), "label": N_("Offense group"), "category": N_("Category"),
    "change": N_("Change"), "pct_change": N_("% change"), "noise": N_("Reading"), "share_pct": N_("Share (%)"),
    "type": N_("Type code"), "type_label": N_("Type"), "events": N_("Activities"), "officer_hours": N_("Officer hours"),
    "attendees": N_("Attendees"), "cost": N_("Direct cost (US$)"), "events_prior_year": N_("Activities a year earlier"),
    "officer_hours_prior_year": N_("Officer hours a year earlier"), "period_start": N_("Survey period start"),
    "period_end": N_("Survey period end"), "score": N_("Score (0–100)"), "respondents": N_("Respondents"),
    "margin_of_error": N_("Margin of error (±)"), "respondents_known": N_("Respondents published"),
    "shown": N_("Shown"), "city_score": N_("City average"), "quarter": N_("Quarter start"),
    "quarter_label": N_("Quarter"), "course": N_("Course code"), "course_label": N_("Course"),
    "sessions": N_("Sessions"), "officers": N_("Officers"), "hours_per_sworn_officer": N_("Hours per sworn officer"),
    "district_id": N_("District"), "title": N_("Name"), "rate_per_1000": N_("Per 1,000 residents"),
    "population": N_("Residents"), "population_year": N_("Population year"),
    "engagement_events": N_("Engagement activities"), "engagement_events_prior_year": N_("Activities a year earlier"),
    "trust": N_("Latest trust (0–100)"), "trust_period_start": N_("Survey month"), "trust_respondents": N_("Respondents"),
    "trust_margin_of_error": N_("Margin of error (±)"), "events_per_1000": N_("Activities per 1,000 residents"),
    "area_id": N_("Id"), "area_name": N_("Name"), "expected": N_("Expected incidents"), "position": N_("Position"),
    "incidents_note": N_("Incidents: note"), "incidents_prior_year_note": N_("A year earlier: note"),
    "average_note": N_("Average: note"),
    "corrected": N_("Later corrected"), "after_corrections": N_("After later corrections"),
    "corrected_note": N_("Later corrected: note"), "after_corrections_note": N_("After later corrections: note"),
    "comparison": N_("Comparison"), "noise_z": N_("Noise score (z)"), "dispersion": N_("Normal variation (× chance)"),
    "noise_basis": N_("Normal variation measured from"),
}
# Columns of those tables whose values are words (readings, notes), shown in the current language.
WORD_COLUMNS = ("noise", "position", "incidents_note", "incidents_prior_year_note", "average_note", "comparison",
                "corrected_note", "after_corrections_note", "noise_basis")


def column_labels(columns) -> dict[str, str]:
    """``column_config`` headings for the known machine columns among ``columns``."""
    return {c: _(COLUMN_LABELS[c]) for c in columns if c in COLUMN_LABELS}


# For "How to read these numbers" (the Methodology page): what the headline and the empty states say, and why.
PLAIN_WORDS_METHOD = N_(
    "**Headlines, missing data and small counts.** The Overview opens with one sentence: the count in the period, "
    "the count a year earlier on the same days, the change as a percentage and what the change is: “a real drop, "
    "not normal variation” when it is larger than the area's counts usually move between years (|z| of 3 or "
    "more), “possibly a real drop” between 2 and 3, and “within normal variation” below 2. A "
    "percentage from fewer than 10 incidents a year earlier is not given (one incident more or less would move it by "
    "10 points or more): the page says “too few to compare” and gives the two counts. Rates of rare "
    "offenses (homicide, or any selection with fewer than 1 incident per 1,000 residents citywide in the period) "
    "are per 100,000 residents, others per 1,000. Where no record of community engagement, "
    "survey or program covers a period, the page says “not recorded”, never 0: a 0 would say that nothing "
    "happened. When the latest data are more than three months old, every page says how old they are at the top, "
    "because every “last 12 months” ends on the last day with data, not today."
)


# --- Not recorded is not zero -------------------------------------------------------------------

# What a table, chart or download says where no engagement ledger covers the period (English: data; translated
# where shown). A 0 there would read as "no community policing happened".
NOT_RECORDED = N_("not recorded")
ENGAGEMENT_COLUMNS = ("engagement_events", "officer_hours", "events_per_1000_per_year",
                      "officer_hours_per_1000_per_year")


@dataclass(frozen=True)
class EngagementCoverage:
    """The days the engagement ledger covers: from the month of its first activity on (None: no ledger)."""

    first_day: dt.date | None
    last_day: dt.date | None
    activities: int

    def recorded(self, start: dt.date) -> bool:
        """Whether a period starting on ``start`` is covered by the ledger (a period that starts before the
        month of its first activity is not: its engagement is "not recorded", not 0)."""
        return self.first_day is not None and start >= self.first_day.replace(day=1)

    def not_recorded_reason(self) -> str:
        """Why engagement figures are "not recorded", in the reader's words."""
        if self.first_day is None:
            return _("No community-engagement activity is recorded for this city: its police department does not "
                     "publish a record of it, which is not the same as none.")
        return _("The record of community-engagement activities starts in {month}; earlier periods are not "
                 "recorded (which is not the same as none).").format(month=i18n.format_month(self.first_day))


def engagement_coverage(store: Store) -> EngagementCoverage:
    row = store.query("engagement_span").iloc[0]
    return EngagementCoverage(_day(row["first_day"]), _day(row["last_day"]), int(row["activities"]))


def with_engagement_recorded(table: pd.DataFrame, recorded: bool) -> pd.DataFrame:
    """``table`` with its engagement columns reading "not recorded" (``NOT_RECORDED``) when no ledger covers the
    period; unchanged when one does. For display and downloads (translate the words where shown)."""
    if recorded:
        return table
    out = table.copy()
    for column in ENGAGEMENT_COLUMNS:
        if column in out.columns:
            out[column] = pd.Series([NOT_RECORDED] * len(out), index=out.index, dtype=object)
    return out


@dataclass(frozen=True)
class KpiText:
    """One headline figure as a page shows it: label, value, delta (None: no arrow) and caption."""

    label: str
    value: str
    delta: str | None
    caption: str


def engagement_kpis(events: int, events_prior: int, hours: float, hours_prior: float, recorded: bool,
                    prior_recorded: bool, coverage: EngagementCoverage) -> tuple[KpiText, KpiText]:
    """The two engagement KPIs (activities, officer hours) with their year-earlier comparison; "not recorded"
    (never 0) for a period, or a year earlier, that no engagement ledger covers."""
    labels = (_("Engagement activities"), _("Officer engagement hours"))
    if not recorded:
        reason = coverage.not_recorded_reason()
        return KpiText(labels[0], _(NOT_RECORDED), None, reason), KpiText(labels[1], _(NOT_RECORDED), None, "")
    values = (f"{events:,}", f"{hours:,.0f}")
    if not prior_recorded:
        note = _("A year earlier: not recorded (the record starts in {month}).").format(
            month=i18n.format_month(coverage.first_day)) if coverage.first_day else _("A year earlier: not recorded.")
        return KpiText(labels[0], values[0], None, note), KpiText(labels[1], values[1], None, note)
    return (KpiText(labels[0], values[0], _("{change} vs a year earlier").format(change=f"{events - events_prior:+,}"),
                    _("{count} a year earlier").format(count=f"{events_prior:,}")),
            KpiText(labels[1], values[1],
                    _("{change} vs a year earlier").format(change=f"{hours - hours_prior:+,.0f}"),
                    _("{count} a year earlier").format(count=f"{hours_prior:,.0f}")))


# --- Plain words first --------------------------------------------------------------------------

# Offense groups so rare that a rate per 1,000 residents reads as 0.0 or 0.1: their rates are per 100,000.
RARE_GROUPS = frozenset({"homicide"})


def rate_base(offense_group: str | None) -> int:
    """Residents a rate is per: 100,000 for a rare offense (homicide), else 1,000."""
    return 100_000 if offense_group in RARE_GROUPS else 1_000


def view_rate_base(offense_group: str | None, incidents, population) -> int:
    """The residents every rate of one view (a map, its colour bar and hover, the funnel, the tables and
    downloads beside them) is per: 100,000 or 1,000, chosen once for the whole view.

    Per 100,000 for a named rare group (``rate_base``: homicide) and also whenever the selected offenses'
    citywide rate over the period is below 1 per 1,000 residents (``incidents`` in the whole city, the
    residents of its areas). Why the second rule: offense names differ from city to city, and any rare
    selection (a short period of robbery, arson, a city's own rare category) would otherwise read 0.0-0.1 on
    every area, so the map could not tell areas apart and a reader would take 0.0 for none. Per 100,000 it
    reads in whole numbers. Without residents (no rate at all) the named-group rule alone decides.
    """
    named = rate_base(offense_group)
    if named == 100_000:
        return named
    try:
        incidents, population = float(incidents), float(population)
    except (TypeError, ValueError):
        return named
    if not math.isfinite(incidents) or not math.isfinite(population) or population <= 0:
        return named
    return 100_000 if incidents / population * 1000 < 1 else 1_000


def table_rate_base(table: pd.DataFrame, offense_group: str | None) -> int:
    """``view_rate_base`` of an unsuppressed ``area_comparison`` table (one level, unassigned row included):
    the citywide incidents over the residents of the areas with a rate."""
    incidents = pd.to_numeric(table["incidents"], errors="coerce").sum()
    population = pd.to_numeric(table["population"], errors="coerce")
    return view_rate_base(offense_group, incidents, population[population >= MIN_POPULATION_FOR_RATE].sum())


# For "How to read these numbers" (the Methodology page): which base a rate is per, and why.
RATE_BASE_METHOD = N_(
    "**Rates per 1,000 or per 100,000 residents.** A rate is the number of incidents in the period divided by "
    "the residents of the area. Most offenses are counted per 1,000 residents. Rare ones are counted per 100,000: "
    "homicide always, and any other choice of offenses with fewer than 1 incident per 1,000 residents in the whole "
    "city over the period (a short period, a rare offense group, a city's own category). Per 1,000, such a map "
    "reads 0.0 or 0.1 in every area, which cannot tell areas apart and reads like none; per 100,000 the same rates "
    "read in whole numbers. The base is chosen once for the whole view: the map's colours, its colour bar, each "
    "hover, the funnel plot, the tables and the downloads all use it, and their headings say which it is "
    "(\"Incidents per 100,000 residents\"). Rates per 100,000 are 100 times the same rates per 1,000: nothing "
    "else changes.")


def per_base(base: int) -> str:
    """A rate's base as written in a label: "1,000" or "100,000" (the same digits in both languages)."""
    return f"{int(base):,}"


# Rate columns (values per 1,000 in every table) and their headings per ``base`` residents, in the tables a
# reader sees and downloads when a view is per 100,000 (``rates_per``).
RATE_HEADINGS = {
    "rate_per_1000": N_("Incidents per {base} residents"),
    "rate_eb_per_1000": N_("Size-adjusted rate per {base} residents"),
    "rate_eb_low": N_("Size-adjusted rate per {base}: low (95%)"),
    "rate_eb_high": N_("Size-adjusted rate per {base}: high (95%)"),
    "city_rate_per_1000": N_("City rate per {base} residents"),
}


def rate_heading(column: str, base: int, translate: bool = False) -> str:
    """The heading of a rate column per ``base`` residents: English, the column's name in a table and its
    download (a saved file means the same in both languages); ``translate``: in the current language, for
    display (``display.rate_column_config``)."""
    text = RATE_HEADINGS[column]
    return (_(text) if translate else text).format(base=per_base(base))


def rates_per(table: pd.DataFrame, base: int) -> pd.DataFrame:
    """A table for display and download with its rates per ``base`` residents. Per 1,000 it is ``table``
    unchanged (its machine names say "per_1000"); per 100,000 the rate columns are multiplied by 100 and
    renamed to headings that name the base ("Incidents per 100,000 residents", English like every column
    name of a download), so a downloaded file can never be read per 1,000."""
    if int(base) == 1_000:
        return table
    out = table.copy()
    for column in RATE_HEADINGS:
        if column in out.columns:
            out[column] = rate_values(out, column, base).round(2)
    return out.rename(columns={c: rate_heading(c, base) for c in RATE_HEADINGS if c in out.columns})


def rate_values(table: pd.DataFrame, column: str, base: int) -> pd.Series:
    """The values of a rate column of ``table`` (per 1,000) per ``base`` residents. The raw rate is made
    again from its incidents and residents where the table has them: tables keep it rounded to 0.01 per
    1,000, which per 100,000 would be a whole number off (per 1,000: the table's own figure)."""
    if column == "rate_per_1000" and base != 1000 and {"incidents", "population"} <= set(table.columns):
        return (rate_per_1000(pd.to_numeric(table["incidents"], errors="coerce").astype("Float64"),
                              table["population"]) * (base / 1000)).astype("Float64")
    return (pd.to_numeric(table[column], errors="coerce").astype("Float64") * (base / 1000)).astype("Float64")


# Below this many incidents a year earlier a % change is not shown without "too few to compare": one incident
# more or less moves it by 10 points or more.
MIN_COUNT_FOR_PCT = 10
TOO_FEW_TO_COMPARE = N_("too few to compare")
TOO_FEW_NOTE = N_("Too few to compare as a percentage: fewer than {n} incidents a year earlier, so one incident more "
                  "or less moves it by {points} points or more.")
# One line next to each term of art, where it appears.
Z_DEFINITION = N_("z: how far the change is from no change, in units of the change's normal variation; between "
                  "−2 and +2 is within normal variation.")
PRELIMINARY_DEFINITION = N_("Preliminary: the latest days, whose counts still rise as late reports arrive.")

# "Violent crime <when>: ..." for the period presets (values code compares: metrics.PERIOD_PRESETS).
HEADLINE_WHEN = {"Last 12 months": N_("in the last 12 months"), "Last 28 days": N_("in the last 28 days"),
                 "Year to date": N_("so far this year"), "Last full year": N_("in the last full year")}


def all_zero_note(table: pd.DataFrame, metric: str = "rate_per_1000") -> str | None:
    """A map's sentence when it has nothing to shade: every area had 0 incidents in the period (a rate map), or
    no area has a % change (a change map); None when the map shows differences. For every map of areas."""
    areas = table[table["area_id"] != UNASSIGNED_ID] if "area_id" in table.columns else table
    if areas.empty:
        return _("No areas to draw.")
    counts = pd.to_numeric(areas["incidents"], errors="coerce")
    if counts.notna().all() and (counts == 0).all():
        return _("Every area had 0 incidents of this kind in this period, so every area is shaded the same: "
                 "there is no difference between areas to show.")
    if metric == "pct_change" and pd.to_numeric(areas["pct_change"], errors="coerce").isna().all():
        return _("No area has a % change from a year earlier to shade (see each area's hover for why).")
    return None


def too_few_note() -> str:
    return _(TOO_FEW_NOTE).format(n=MIN_COUNT_FOR_PCT, points=round(100 / MIN_COUNT_FOR_PCT))


def preset_label(preset: str, as_of: dt.date) -> str:
    """A period preset with its dates: "Last 12 months (Jan 1, 2019 – Dec 31, 2019)" (the filter's choices, so a
    window that ends years ago says so)."""
    if preset not in PERIOD_PRESETS:
        return _(preset)
    return f"{_(preset)} ({preset_period(preset, as_of).label()})"


def _reading_words(noise: str, fewer: bool) -> str:
    if noise == "significant change":
        return _("a real drop, not normal variation") if fewer else _("a real rise, not normal variation")
    if noise == "possible change":
        return (_("possibly a real drop, though it could still be normal variation") if fewer
                else _("possibly a real rise, though it could still be normal variation"))
    if noise == "within normal variation":
        return _("within normal variation, not a clear change")
    return _("too little history to tell a real change from normal variation")


def headline(offense_label: str, period_name: str, period: Period, totals: "CityTotals") -> str:
    """The Overview's opening sentence, one a council member can repeat: "Violent crime in the last 12 months
    (...): 4,210 incidents, 6% fewer than a year earlier (4,480) — a real drop, not normal variation". Counts
    beside the %, the noise reading in words, and no % from fewer than ``MIN_COUNT_FOR_PCT`` incidents."""
    when = _(HEADLINE_WHEN[period_name]) if period_name in HEADLINE_WHEN else _("from {start} to {end}").format(
        start=i18n.format_date(period.start), end=i18n.format_date(period.end))
    lead = _("{offenses} {when} ({dates})").format(offenses=_(offense_label), when=when, dates=period.label())
    if totals.incidents is None:
        return _("{lead}: the count is not shown in this public view ({note}).").format(
            lead=lead, note=_(totals.incidents_note))
    count = ngettext("{n} incident", "{n} incidents", totals.incidents).format(n=f"{totals.incidents:,}")
    prior = totals.incidents_prior_year
    if not totals.comparable:
        return _("{lead}: {count}; no comparison with a year earlier, because no data are loaded for then.").format(
            lead=lead, count=count)
    if prior is None or totals.incidents_prior_year_note:
        return _("{lead}: {count}; the comparison with a year earlier is not shown in this public view.").format(
            lead=lead, count=count)
    if prior < MIN_COUNT_FOR_PCT:
        return _("{lead}: {count}, against {prior} a year earlier: too few to compare.").format(
            lead=lead, count=count, prior=f"{prior:,}")
    diff = totals.incidents - prior
    pct = abs(diff) / prior * 100
    pct_text = f"{pct:.0f}%" if pct >= 1 else f"{pct:.1f}%"
    if diff == 0:
        change = _("the same as a year earlier ({prior})").format(prior=f"{prior:,}")
    elif diff < 0:
        change = _("{pct} fewer than a year earlier ({prior})").format(pct=pct_text, prior=f"{prior:,}")
    else:
        change = _("{pct} more than a year earlier ({prior})").format(pct=pct_text, prior=f"{prior:,}")
    return _("{lead}: {count}, {change} — {reading}.").format(lead=lead, count=count, change=change,
                                                              reading=_reading_words(totals.noise, diff < 0))


_DEMO_SOURCE = re.compile(r"Simulated demo data generated by community_policing\.demo \(seed (?P<seed>\d+), effect scale "
                          r"(?P<scale>[0-9.eE+-]+)(?:, realism (?P<realism>[\w-]+): real-world noise)?\)\. "
                          r"Not real crime data\.")


def source_words(info: DatasetInfo) -> str:
    """Where the data come from, in the page's language where the app wrote it (the demo city's line); a real
    city's source is shown as its manifest gives it."""
    match = _DEMO_SOURCE.fullmatch(str(info.source).strip()) if info.is_simulated else None
    if match is None:
        return str(info.source)
    if match["realism"]:
        return _("Simulated demo data generated by community_policing.demo (seed {seed}, effect scale {scale}, "
                 "realism {realism}: real-world noise). Not real crime data.").format(**match.groupdict())
    return _("Simulated demo data generated by community_policing.demo (seed {seed}, effect scale {scale}). "
             "Not real crime data.").format(seed=match["seed"], scale=match["scale"])
