"""One police district in depth: the numbers behind the District page.

Pure functions: a Store and parameters in, DataFrames and dataclasses out. No Streamlit, no
figures. Incident numbers come from ``metrics.area_comparison`` (the function the Overview page
and the ``districts`` command call) or from named queries over the daily aggregate
``incident_counts_daily``, never from raw incidents, so a district's numbers here agree with the
Overview table and the CLI for the same filters.

Every public function taking a ``district_id`` raises ``ValueError`` naming the valid ids when the
district does not exist.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from community_policing import i18n
from community_policing.stats import funnel, noise, trust_stats
from community_policing.views import metrics, privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.data.store import Store

# The monthly chart covers this many months up to the end of the period.
SERIES_MONTHS = 24
# The training chart covers this many calendar quarters up to the end of the period.
TRAINING_QUARTERS = 8
# A change in the seasonal pattern smaller than this (peak / low month) is "little variation".
FLAT_SEASON_RATIO = 1.1

# Labels of codes, marked for translation here and translated where shown (``type_label``,
# ``course_label``); the codes are what is stored and compared.
ENGAGEMENT_LABELS = {
    "community_meeting": N_("Community meeting"),
    "neighborhood_event": N_("Neighborhood event"),
    "foot_patrol": N_("Foot patrol"),
    "school_youth": N_("School or youth program"),
    "feedback_session": N_("Feedback session or survey"),
    "other": N_("Other activity"),
}
ENGAGEMENT_PLURALS = {
    "community_meeting": N_("community meetings"),
    "neighborhood_event": N_("neighborhood events"),
    "foot_patrol": N_("foot patrols"),
    "school_youth": N_("school or youth programs"),
    "feedback_session": N_("feedback sessions or surveys"),
    "other": N_("other activities"),
}
COURSE_LABELS = {
    "de_escalation": N_("De-escalation"),
    "cultural_competence": N_("Cultural competence"),
    "communication": N_("Communication"),
    "other": N_("Other course"),
}
OUTSIDE_ID = "outside"
OUTSIDE_NAME = N_("Not in one of its neighborhoods")


def type_label(code) -> str:
    """An engagement type as shown, in the current language (the stored value stays the code)."""
    return _(ENGAGEMENT_LABELS[code]) if code in ENGAGEMENT_LABELS else str(code)


def course_label(code) -> str:
    """A training course as shown, in the current language (the stored value stays the code)."""
    return _(COURSE_LABELS[code]) if code in COURSE_LABELS else str(code)


def quarter_label(day) -> str:
    """A calendar quarter: "2025 Q1" / "2025 T1"."""
    return _("{year} Q{quarter}").format(year=day.year, quarter=(day.month - 1) // 3 + 1)


_offense_filter = metrics.offense_filter  # "all" -> None; a group code or "category:<name>" as it is


def _day(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _int_or_none(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(month: dt.date) -> dt.date:
    return _add_months(month, 1) - dt.timedelta(days=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def window_start(end: dt.date, months: int = SERIES_MONTHS) -> dt.date:
    """First day of the monthly window of ``months`` calendar months that ends with ``end``'s month."""
    return _add_months(_month_start(end), -(months - 1))


# --- Districts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    id: str
    name: str
    population: int | None
    population_year: int | None
    sworn_officers: int | None
    neighborhoods: int

    @property
    def title(self) -> str:
        return district_title(self.id, self.name)


def district_title(district_id: str, name: str) -> str:
    """"District N – name", without repeating "District N" when the name already starts with it
    (in the current language: "Distrito N – name")."""
    english = f"District {district_id}"
    prefix = _("District {id}").format(id=district_id)
    name = name.strip()
    if name.lower().startswith(english.lower()):
        return prefix + name[len(english):]
    return f"{prefix} – {name}"


def districts(store: Store) -> pd.DataFrame:
    """Every district in natural id order, with its title, residents and sworn officers."""
    table = store.warehouse_query("district_list")
    table["title"] = [district_title(i, n) for i, n in zip(table["district_id"], table["district_name"])]
    return table


def get_district(store: Store, district_id: str) -> District:
    """The district with this id; ValueError listing the valid ids when there is none."""
    table = districts(store)
    match = table[table["district_id"] == str(district_id)]
    if match.empty:
        if table.empty:
            raise ValueError(_("There is no district {id}: no districts are loaded.").format(id=repr(district_id)))
        raise ValueError(_("There is no district {id}. Valid district ids: {ids}.").format(
            id=repr(district_id), ids=", ".join(table["district_id"])))
    row = match.iloc[0]
    return District(
        id=str(row["district_id"]), name=str(row["district_name"]),
        population=_int_or_none(row["population"]), population_year=_int_or_none(row["population_year"]),
        sworn_officers=_int_or_none(row["sworn_officers"]), neighborhoods=int(row["neighborhoods"]),
    )


# --- What the data covers -------------------------------------------------------------------


# The span of incident data and which optional sources the city has: the same facts the data note uses.
Coverage = metrics.DatasetInfo


def data_coverage(store: Store) -> Coverage:
    return metrics.dataset_info(store)


# --- Headline numbers -----------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictKpis:
    """The district's headline numbers for a period, each with its comparison."""

    incidents: int | None          # None: hidden in public mode (``incidents_note`` says why)
    incidents_prior_year: int | None
    change: int | None
    pct_change: float | None
    noise_z: float | None               # the reading's score (metrics.noise_label); None without a comparison
    noise: str
    population: int | None
    population_year: int | None
    rate_per_1000: float | None
    engagement_events: int
    engagement_events_prior_year: int
    officer_hours: float
    officer_hours_prior_year: float
    trust: float | None
    trust_period_start: dt.date | None
    trust_respondents: int | None
    trust_margin_of_error: float | None
    incidents_note: str = ""             # public mode: "fewer than 4", or why a count is hidden
    incidents_prior_year_note: str = ""
    # Of the incidents, how many later corrections remove, and the count after them (None: the source has no
    # corrections, or hidden in public mode: the note says why).
    corrected: int | None = None
    after_corrections: int | None = None
    corrected_note: str = ""
    after_corrections_note: str = ""
    comparison: str = ""                 # metrics.NOT_COMPARABLE when nothing is loaded a year earlier
    # The φ the noise reading allowed for (the district's own history, shrunk toward the other districts';
    # None without a comparison) and where it comes from (noise.OWN, noise.POOLED or noise.NONE).
    dispersion: float | None = None
    noise_basis: str = ""
    # False when no engagement ledger covers the period (or the year earlier): "not recorded", never 0.
    engagement_recorded: bool = True
    engagement_prior_recorded: bool = True
    # The district's trust in the period, the way the Overview gives the city's (trust_stats.city_trust on
    # this district alone: its period's mean score, the change and its reading); None without surveys.
    period_trust: "trust_stats.CityTrust | None" = None

    @property
    def comparable(self) -> bool:
        return not self.comparison

    def correction_sentence(self) -> str:
        """"official count N; after M later corrections, N - M" ("" when there is no such figure)."""
        return metrics.correction_sentence(self.incidents, self.corrected, self.after_corrections,
                                           self.incidents_note, self.corrected_note, self.after_corrections_note)

    @property
    def denominator(self) -> str:
        """The rate's denominator in words, or why there is no rate."""
        if self.population is None:
            return _("no population figure is loaded for this district, so there is no rate")
        if self.population < metrics.MIN_POPULATION_FOR_RATE:
            return _("{population} residents: fewer than {minimum}, too few for a rate").format(
                population=f"{self.population:,}", minimum=metrics.MIN_POPULATION_FOR_RATE)
        if self.population_year:
            return _("per 1,000 of {population} residents ({year} population)").format(
                population=f"{self.population:,}", year=self.population_year)
        return _("per 1,000 of {population} residents (year of the figure unknown)").format(
            population=f"{self.population:,}")


def _district_row(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str | None,
                  date_basis: str, districts_table: pd.DataFrame | None) -> pd.Series:
    table = districts_table if districts_table is not None else metrics.area_comparison(
        store, start, end, level="district", offense_group=offense_group, date_basis=date_basis)
    return table[table["area_id"] == district_id].iloc[0]


def district_kpis(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str | None = None,
                  date_basis: str = "occurred", districts_table: pd.DataFrame | None = None) -> DistrictKpis:
    """Incidents vs the same days a year earlier, rate, engagement and the latest trust score.

    ``districts_table`` may be the ``area_comparison`` district table for the same filters (the
    page passes its cached copy); the incident numbers are that table's row for the district. A
    suppressed table (public mode, ``privacy``) gives None for a hidden count, with its note, and no
    change.
    """
    district = get_district(store, district_id)
    row = _district_row(store, district.id, start, end, offense_group, date_basis, districts_table)
    engagement = engagement_by_type(store, district.id, start, end)
    trust = trust_trend(store, district.id, end)
    latest = trust[trust["score"].notna()].tail(1)
    ledger = metrics.engagement_coverage(store)
    counts = privacy.kpi_counts(row)
    current, prior = counts["incidents"], counts["incidents_prior_year"]
    both = current is not None and prior is not None and not counts["comparison"]
    z = float(row["noise_z"]) if both and pd.notna(row["noise_z"]) else None  # the table's reading (metrics)
    dispersion = row.get("dispersion")
    return DistrictKpis(
        incidents=current,
        incidents_prior_year=prior,
        change=current - prior if both else None,
        pct_change=None if not both or prior <= 0 else round((current - prior) / prior * 100, 1),
        noise_z=z,
        noise=(counts["comparison"] or metrics.noise_label(z, basis=row.get("noise_basis"))) if both or counts["comparison"]
        else privacy.NOT_SHOWN_READING,
        population=district.population,
        population_year=district.population_year,
        rate_per_1000=None if pd.isna(row["rate_per_1000"]) else float(row["rate_per_1000"]),
        engagement_events=int(row["engagement_events"]),
        engagement_events_prior_year=int(engagement["events_prior_year"].sum()),
        officer_hours=float(row["officer_hours"]),
        officer_hours_prior_year=round(float(engagement["officer_hours_prior_year"].sum()), 1),
        trust=None if latest.empty else round(float(latest["score"].iloc[0]), 1),
        trust_period_start=None if latest.empty else _day(latest["period_start"].iloc[0]),
        trust_respondents=None if latest.empty else _int_or_none(latest["respondents"].iloc[0]),
        trust_margin_of_error=None if latest.empty or pd.isna(latest["margin_of_error"].iloc[0])
        else float(latest["margin_of_error"].iloc[0]),
        incidents_note=counts["incidents_note"],
        incidents_prior_year_note=counts["incidents_prior_year_note"],
        corrected=counts["corrected"], after_corrections=counts["after_corrections"],
        corrected_note=counts["corrected_note"], after_corrections_note=counts["after_corrections_note"],
        comparison=counts["comparison"],
        dispersion=float(dispersion) if both and dispersion is not None and pd.notna(dispersion) else None,
        noise_basis=str(row.get("noise_basis") or "") if both else "",
        engagement_recorded=ledger.recorded(start),
        engagement_prior_recorded=ledger.recorded(metrics.Period(start, end).prior.start),
        period_trust=trust_stats.city_trust(store, start, end, districts=[district.id]),
    )


# --- Incidents over time ----------------------------------------------------------------------


def _monthly(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str | None,
             date_basis: str) -> dict[dt.date, int]:
    # district_id None: citywide, the unassigned included
    table = store.query("district_monthly_incidents", district_id=district_id, start=start, end=end,
                        date_basis=date_basis, offense_group=_offense_filter(offense_group))
    return {_day(m): int(n) for m, n in zip(table["month"], table["incidents"])}


def monthly_series(store: Store, district_id: str | None, end: dt.date, offense_group: str | None = None,
                   date_basis: str = "occurred", months: int = SERIES_MONTHS,
                   coverage: Coverage | None = None, rules: privacy.Rules | None = None) -> pd.DataFrame:
    """Net incidents per month for the ``months`` calendar months up to ``end``, beside the same
    month a year earlier.

    The last month stops at ``end`` (``partial`` True when that is before the month's last day),
    and its year-earlier value covers the same days, so the rows sum exactly to the
    ``area_comparison`` numbers for [first month's first day, end] and its prior year. Months the
    data do not fully cover are NA, not 0.

    With ``rules`` (public mode) the series as the public sees it (``protected_monthly``).
    """
    place = None if district_id is None else get_district(store, district_id).id  # None: citywide
    if rules is not None:
        return protected_monthly(store, end, offense_group, date_basis, rules, months, coverage)[place]
    return _series(store, place, end, offense_group, date_basis, months, coverage or data_coverage(store))


def _series(store: Store, place: str | None, end: dt.date, offense_group: str | None, date_basis: str,
            months: int, coverage: Coverage) -> pd.DataFrame:
    """``monthly_series`` of a known district id (None: citywide)."""
    period = metrics.Period(window_start(end, months), end)
    prior = period.prior
    current_counts = _monthly(store, place, period.start, period.end, offense_group, date_basis)
    prior_counts = _monthly(store, place, prior.start, prior.end, offense_group, date_basis)

    def covered(first: dt.date, last: dt.date) -> bool:
        return (coverage.first_day is not None and coverage.last_day is not None
                and first >= coverage.first_day and last <= coverage.last_day)

    rows = []
    for i in range(months):
        month = _add_months(period.start, i)
        last = min(_month_end(month), end)
        prior_month = _add_months(month, -12)
        prior_last = min(_month_end(prior_month), prior.end)
        rows.append({
            "month": month,
            "last_day": last,
            "partial": last < _month_end(month),
            "incidents": current_counts.get(month, 0) if covered(month, last) else pd.NA,
            "prior_month": prior_month,
            "prior_last_day": prior_last,
            "incidents_prior_year": prior_counts.get(prior_month, 0) if covered(prior_month, prior_last) else pd.NA,
        })
    table = pd.DataFrame(rows)
    for col in ("incidents", "incidents_prior_year"):
        table[col] = table[col].astype("Int64")
    return table


def protected_monthly(store: Store, end: dt.date, offense_group: str | None, date_basis: str,
                      rules: privacy.Rules, months: int = SERIES_MONTHS,
                      coverage: Coverage | None = None) -> dict[str | None, pd.DataFrame]:
    """Every district's monthly series and the city's (key None) as the public sees them, suppressed
    as one grid (``privacy.protect_monthly``): each month the districts add up to the city, and each
    area's last 12 months add up to its count for those days, whose fate is taken from the area
    tables of that period (so the chart agrees with the KPIs of the "Last 12 months" view)."""
    coverage = coverage or data_coverage(store)
    ids = [str(i) for i in districts(store)["district_id"]]
    series: dict[str | None, pd.DataFrame] = {
        d: _series(store, d, end, offense_group, date_basis, months, coverage) for d in ids}
    series[None] = _series(store, None, end, offense_group, date_basis, months, coverage)
    window = min(12, months)
    first = series[None].tail(window)["month"].iloc[0]
    areas = metrics.protected_areas(store, first, end, offense_group, date_basis, rules)
    status: dict = {None: dict(areas.city)}
    for _i, row in areas.districts.iterrows():
        status[str(row["area_id"])] = privacy.status_of(row, rules)
    return privacy.protect_monthly(series, rules, window, status)


def series_dispersion(store: Store, district_id: str | None, end: dt.date, offense_group: str | None = None,
                      date_basis: str = "occurred", months: int = 12) -> noise.Dispersion:
    """How much the district's count (None: the city's) normally varies over the ``months`` calendar months to
    ``end`` (the span ``series_takeaway`` compares with a year earlier): ``metrics.area_dispersions`` of the
    districts, or ``metrics.city_dispersion``."""
    start = window_start(end, months)
    if district_id is None:
        return metrics.city_dispersion(store, start, end, offense_group, date_basis)
    place = get_district(store, district_id).id
    return metrics.area_dispersions(store, "district", start, end, offense_group, date_basis, areas=[place])[place]


def series_takeaway(series: pd.DataFrame, subject: str | None = None,
                    dispersion: noise.Dispersion | None = None) -> str:
    """The monthly chart's title: the last 12 months against the same months a year earlier
    (no numbers when a month of them is hidden in public mode). ``subject``: what is counted, worded
    (default "Incidents" in the current language). ``dispersion``: how much the count normally varies over
    those months (``series_dispersion``); without it the reading allows for chance alone (plain Poisson),
    which calls ordinary swings a change."""
    subject = subject or _("Incidents")
    if privacy.window_hidden(series):
        return _("{subject} per month: months with very few incidents are not shown").format(subject=subject)
    both = series.dropna(subset=["incidents", "incidents_prior_year"]).tail(12)
    if both.empty:
        return _("{subject}: no months with a comparison a year earlier").format(subject=subject)
    current, prior = int(both["incidents"].sum()), int(both["incidents_prior_year"].sum())
    end = both["last_day"].iloc[-1]
    span = (_("the {n} months to {day}").format(n=len(both), day=i18n.format_date(end)) if len(both) > 1
            else i18n.format_month(end))
    reading = metrics.noise_label(noise.noise_z(current, prior, dispersion or noise.PLAIN))
    values = dict(subject=subject, count=f"{current:,}", span=span, noise=_(reading))
    if prior <= 0:
        return _("{subject}: {count} in {span}, none in the same months a year earlier").format(**values)
    pct = (current - prior) / prior * 100
    if reading == "within normal variation":
        return _("{subject}: {count} in {span}, about the same as a year earlier ({pct}, {noise})").format(
            pct=f"{pct:+.0f}%", **values)
    if current < prior:
        return _("{subject}: {count} in {span}, down {pct} from a year earlier ({noise})").format(
            pct=f"{abs(pct):.0f}%", **values)
    return _("{subject}: {count} in {span}, up {pct} from a year earlier ({noise})").format(
        pct=f"{abs(pct):.0f}%", **values)


@dataclass(frozen=True)
class SeasonalPattern:
    """Average incidents per calendar month over the complete years of data."""

    table: pd.DataFrame  # month (1-12), month_name, average, lowest, highest, years
    years: tuple[int, ...]

    @property
    def empty(self) -> bool:
        return not self.years

    def takeaway(self, subject: str | None = None) -> str:
        subject = subject or _("Incidents")
        if self.empty or self.table["average"].isna().all():
            return _("{subject}: no complete year of data for a seasonal pattern").format(subject=subject)
        values = self.table.set_index("month")["average"].astype(float)
        high, low = i18n.month_name(int(values.idxmax())), i18n.month_name(int(values.idxmin()))
        if values.max() <= 0:
            return _("{subject}: none recorded in the complete years of data").format(subject=subject)
        if values.min() > 0 and values.max() / values.min() < FLAT_SEASON_RATIO:
            return _("{subject} vary little through the year (from {low} to {high} a month)").format(
                subject=subject, low=f"{values.min():,.0f}", high=f"{values.max():,.0f}")
        return _("{subject} peak in {high_month} ({high} a month on average) and are lowest in {low_month} "
                 "({low})").format(subject=subject, high_month=high, high=f"{values.max():,.0f}", low_month=low,
                                   low=f"{values.min():,.0f}")


def seasonal_pattern(store: Store, district_id: str, offense_group: str | None = None,
                     date_basis: str = "occurred", coverage: Coverage | None = None,
                     rules: privacy.Rules | None = None) -> SeasonalPattern:
    """Average, lowest and highest net incidents per calendar month over every complete year (with
    ``rules``, public mode: ``privacy.protect_seasonal``, averages only)."""
    district = get_district(store, district_id)
    coverage = coverage or data_coverage(store)
    years = tuple(coverage.complete_years())
    months = pd.DataFrame({"month": range(1, 13)})
    months["month_name"] = [i18n.month_name(m) for m in months["month"]]  # in the current language
    if not years:
        table = months.assign(average=np.nan, lowest=pd.NA, highest=pd.NA, years=0)
        return SeasonalPattern(table, years)
    counts = _monthly(store, district.id, dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31), offense_group,
                      date_basis)
    grid = pd.DataFrame([(y, m, counts.get(dt.date(y, m, 1), 0)) for y in years for m in range(1, 13)],
                        columns=["year", "month", "incidents"])
    stats = grid.groupby("month")["incidents"].agg(average="mean", lowest="min", highest="max").reset_index()
    table = months.merge(stats, on="month")
    table["average"] = table["average"].round(1)
    table["years"] = len(years)
    if rules is not None:
        table = privacy.protect_seasonal(table, rules)
    return SeasonalPattern(table, years)


# --- Offense mix ------------------------------------------------------------------------------


def offense_dispersions(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str | None,
                        date_basis: str, groups) -> dict[str, noise.Dispersion]:
    """How much each offense group's count in the district normally varies for a comparison of [start, end]
    with a year earlier: its own history, shrunk toward the district's other groups (``noise``)."""
    first, last = metrics.noise_history(store, date_basis, start)
    if first is None or last is None or last < first:
        daily = pd.DataFrame(columns=["area_id", "day", "incidents"])
    else:
        daily = store.query("noise_offense_history", district_id=district_id, start=first, end=last,
                            date_basis=date_basis, offense_group=_offense_filter(offense_group))
    return noise.area_dispersions(daily, list(groups), start, end, first, last)


def offense_mix(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str | None = None,
                date_basis: str = "occurred", rules: privacy.Rules | None = None) -> pd.DataFrame:
    """Net incidents per offense group in the period and the same days a year earlier, largest
    group first. Sums to the district's KPI incidents for the same filters. With ``rules`` (public
    mode) suppressed against the district's count as its KPI shows it (``privacy.protect_offense_mix``).
    Each change has its reading (``noise``, ``noise_z``, ``dispersion``: the group's own history in the
    district, shrunk toward the district's other groups)."""
    district = get_district(store, district_id)
    period = metrics.Period(start, end)
    table = store.query("district_offense_mix", district_id=district.id, start=period.start, end=period.end,
                        prior_start=period.prior.start, prior_end=period.prior.end, date_basis=date_basis,
                        offense_group=_offense_filter(offense_group))
    table = table[(table["incidents"] != 0) | (table["incidents_prior_year"] != 0)].copy()
    for col in ("incidents", "incidents_prior_year"):
        table[col] = table[col].astype("int64")
    table["change"] = table["incidents"] - table["incidents_prior_year"]
    table["pct_change"] = metrics.pct_change(table["incidents"], table["incidents_prior_year"]).round(1)
    table = metrics.with_noise(table, offense_dispersions(store, district.id, start, end, offense_group, date_basis,
                                                          table["offense_group"]), period, key="offense_group")
    table = table.drop(columns="noise_basis")
    table = metrics.comparison_columns(table, metrics.incident_coverage(store).comparable(period, date_basis)).drop(
        columns="comparison")  # the reading says it
    total = table["incidents"].sum()
    table["share_pct"] = (table["incidents"] / total * 100).round(1) if total > 0 else np.nan
    table["label"] = table["label"].map(lambda label: _(label))  # the group's name in the current language
    table = table.sort_values(["incidents", "incidents_prior_year"], ascending=False, kind="stable")
    table = table.drop(columns=["ucr_part"]).reset_index(drop=True)
    if rules is not None:
        areas = metrics.area_comparison(store, start, end, "district", offense_group, date_basis, rules=rules)
        row = areas[areas["area_id"] == district.id].iloc[0]
        table = privacy.protect_offense_mix(table, rules, privacy.status_of(row, rules))
    return table


def offense_mix_takeaway(mix: pd.DataFrame) -> str:
    """The offense chart's title: the largest group, and the clearest change beyond normal variation."""
    if not mix.empty and mix["incidents"].fillna(0).sum() <= 0 and privacy.hidden(mix, "incidents").any():
        return _("Incidents by offense group: counts too small to show in this public view")
    if mix.empty or mix["incidents"].sum() <= 0:
        return _("No incidents in the period to break down by offense")
    top = mix.iloc[0]
    total = int(mix["incidents"].sum())
    group = str(top["label"])
    if privacy.hidden(mix, "incidents").any():  # public mode: the shown groups are not the whole
        text = _("{group} is the largest group shown: {count} incidents").format(
            group=_(group), count=f"{int(top['incidents']):,}")
    else:
        text = _("{group} is the largest group: {count} of {total} incidents ({share})").format(
            group=_(group), count=f"{int(top['incidents']):,}", total=f"{total:,}",
            share=f"{top['incidents'] / total * 100:.0f}%")
    movers = mix[mix["noise"] == "significant change"]
    if len(movers):
        biggest = movers.loc[movers["noise_z"].abs().idxmax()]
        n = abs(int(biggest["change"]))
        change = (_("{n} fewer than a year earlier") if biggest["change"] < 0
                  else _("{n} more than a year earlier")).format(n=f"{n:,}")
        if biggest["offense_group"] == top["offense_group"]:
            text += f", {change}"
        else:
            moved = str(biggest["label"])
            text += f"; {_(moved).lower()}: {change}"
    return text


# --- Engagement -------------------------------------------------------------------------------


def engagement_timeline(store: Store, district_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Engagement activities per month and type between ``start`` and ``end``."""
    district = get_district(store, district_id)
    table = store.query("district_engagement_monthly", district_id=district.id, start=start, end=end)
    table["month"] = pd.to_datetime(table["month"])
    table["type_label"] = table["type"].map(type_label)
    table["events"] = table["events"].astype("int64")
    table["officer_hours"] = table["officer_hours"].astype(float).round(1)
    return table[["month", "type", "type_label", "events", "officer_hours", "attendees", "cost"]]


def engagement_by_type(store: Store, district_id: str | None, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Engagement activities, officer hours, attendees and cost per type in the period, with the
    activities and officer hours of the same days a year earlier (citywide when district_id is None)."""
    place = None if district_id is None else get_district(store, district_id).id
    period = metrics.Period(start, end)
    table = store.query("district_engagement_by_type", district_id=place, start=period.start,
                        end=period.end, prior_start=period.prior.start, prior_end=period.prior.end)
    order = {t: i for i, t in enumerate(ENGAGEMENT_LABELS)}
    table = table.sort_values("type", key=lambda s: s.map(lambda t: order.get(t, len(order)))).reset_index(drop=True)
    table.insert(1, "type_label", table["type"].map(type_label))
    for col in ("events", "events_prior_year", "attendees"):
        table[col] = table[col].astype("int64")
    for col in ("officer_hours", "officer_hours_prior_year", "cost"):
        table[col] = table[col].astype(float).round(1)
    return table


def engagement_takeaway(timeline: pd.DataFrame, end: dt.date, months: int = SERIES_MONTHS) -> str:
    total = int(timeline["events"].sum()) if len(timeline) else 0
    if total == 0:
        return _("No engagement activities recorded in the {months} months to {day}").format(
            months=months, day=i18n.format_date(end))
    by_type = timeline.groupby("type")["events"].sum().sort_values(ascending=False)
    top = by_type.index[0]
    hours = timeline["officer_hours"].sum()
    return _("{total} engagement activities and {hours} officer hours in the {months} months to {day}; "
             "{share} were {kind}").format(
        total=f"{total:,}", hours=f"{hours:,.0f}", months=months, day=i18n.format_date(end),
        share=f"{by_type.iloc[0] / total * 100:.0f}%",
        kind=_(ENGAGEMENT_PLURALS[top]) if top in ENGAGEMENT_PLURALS else top)


# --- Resident trust ---------------------------------------------------------------------------


def trust_trend(store: Store, district_id: str, end: dt.date, measure: str = "trust",
                start: dt.date = dt.date(1900, 1, 1)) -> pd.DataFrame:
    """The district's survey scores for ``measure`` by period up to ``end``, beside the city average.

    Scores from fewer than ``metrics.MIN_RESPONDENTS`` respondents are blanked (``shown`` False), as
    on the Resident trust page. ``city_score`` is the respondent-weighted mean of the shown scores
    of all districts in the same period (a plain mean where respondents are not published).
    """
    district = get_district(store, district_id)
    table = metrics.trust_by_district(store, measure, start, end)
    table["period_start"] = pd.to_datetime(table["period_start"])
    table["period_end"] = pd.to_datetime(table["period_end"])
    shown = table[table["score"].notna()].copy()
    shown["weight"] = shown["respondents"].astype("Float64").fillna(1.0).astype(float)
    shown["weighted"] = shown["score"].astype(float) * shown["weight"]
    city = shown.groupby("period_start").agg(weighted=("weighted", "sum"), weight=("weight", "sum"),
                                             districts=("district_id", "nunique"))
    city["city_score"] = (city["weighted"] / city["weight"]).round(1)
    own = table[table["district_id"] == district.id].drop(columns=["district_id", "district_name"])
    own = own.merge(city[["city_score"]].reset_index(), on="period_start", how="left")
    own["respondents"] = own["respondents"].astype("Int64")
    return own.reset_index(drop=True)


def _weighted_mean(part: pd.DataFrame) -> tuple[float, float | None]:
    """Respondent-weighted mean score and its 95% margin of error (None when any is unpublished)."""
    weights = part["respondents"].astype("Float64").fillna(1.0).astype(float).to_numpy()
    scores = part["score"].astype(float).to_numpy()
    mean = float((weights * scores).sum() / weights.sum())
    if part["margin_of_error"].isna().any() or part["respondents"].isna().any():
        return mean, None
    moe = part["margin_of_error"].astype(float).to_numpy()
    return mean, float(np.sqrt(((weights * moe) ** 2).sum()) / weights.sum())


def trust_takeaway(trend: pd.DataFrame, measure_label: str = N_("Trust in police")) -> str:
    """The trust chart's title: the latest year's average against the year before.

    Single survey months carry margins of error of several points, so the title compares
    12-month respondent-weighted averages, with the margin of error of each average.
    """
    measure_label = _(measure_label)
    shown = trend[trend["score"].notna()]
    if shown.empty:
        return _("{measure}: no survey result with enough respondents").format(measure=measure_label)
    starts = pd.to_datetime(shown["period_start"])
    latest = starts.max()
    year = shown[starts > latest - pd.DateOffset(years=1)]
    before = shown[(starts > latest - pd.DateOffset(years=2)) & (starts <= latest - pd.DateOffset(years=1))]
    if len(year) < 2 or before.empty:
        last = shown.iloc[-1]
        return _("{measure}: {score} of 100 in {month}").format(
            measure=measure_label, score=f"{float(last['score']):.1f}", month=i18n.format_month(latest))
    mean, moe = _weighted_mean(year)
    mean_before, moe_before = _weighted_mean(before)
    diff = mean - mean_before
    if round(abs(diff), 1) == 0:
        how = _("the same as the year before")
    elif diff > 0:
        how = _("{points} points above the year before").format(points=f"{abs(diff):.1f}")
    else:
        how = _("{points} points below the year before").format(points=f"{abs(diff):.1f}")
    text = _("{measure}: {score} of 100 over the 12 months to {month}, {how}").format(
        measure=measure_label, score=f"{mean:.1f}", month=i18n.format_month(latest), how=how)
    if moe is not None and moe_before is not None:
        text += (_(" (within the margin of error)") if abs(diff) < math.hypot(moe, moe_before)
                 else _(" (beyond the margin of error)"))
    return text


# --- Training ---------------------------------------------------------------------------------


def training_window_start(end: dt.date, quarters: int = TRAINING_QUARTERS) -> dt.date:
    return _add_months(_quarter_start(end), -3 * (quarters - 1))


def quarter_labels(start: dt.date, end: dt.date) -> list[str]:
    """Labels ("2025 Q1") of the calendar quarters from ``start``'s to ``end``'s."""
    labels, quarter = [], _quarter_start(start)
    while quarter <= end:
        labels.append(quarter_label(quarter))
        quarter = _add_months(quarter, 3)
    return labels


def training_hours(store: Store, district_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Officer training hours (officers x hours per officer) by calendar quarter and course, with
    hours per sworn officer in the quarter when the district's sworn officers are known."""
    district = get_district(store, district_id)
    table = store.query("district_training_quarterly", district_id=district.id, start=start, end=end)
    table["quarter"] = pd.to_datetime(table["quarter"])
    table["quarter_label"] = [quarter_label(q) for q in table["quarter"]]
    table["course_label"] = table["course"].map(course_label)
    for col in ("sessions", "officers"):
        table[col] = table[col].astype("int64")
    table["officer_hours"] = table["officer_hours"].astype(float).round(1)
    if district.sworn_officers:
        table["hours_per_sworn_officer"] = (table["officer_hours"] / district.sworn_officers).round(2)
    else:
        table["hours_per_sworn_officer"] = np.nan
    return table[["quarter", "quarter_label", "course", "course_label", "sessions", "officers", "officer_hours",
                  "hours_per_sworn_officer"]]


@dataclass(frozen=True)
class TrainingSummary:
    officer_hours: float
    officers_trained: int
    sworn_officers: int | None

    @property
    def hours_per_sworn_officer(self) -> float | None:
        return None if not self.sworn_officers else round(self.officer_hours / self.sworn_officers, 1)


def training_summary(store: Store, district_id: str, start: dt.date, end: dt.date) -> TrainingSummary:
    """Officer training hours in a period, and per sworn officer when that is known."""
    district = get_district(store, district_id)
    table = training_hours(store, district.id, start, end)
    return TrainingSummary(officer_hours=round(float(table["officer_hours"].sum()), 1),
                           officers_trained=int(table["officers"].sum()), sworn_officers=district.sworn_officers)


def training_takeaway(training: pd.DataFrame, sworn_officers: int | None, quarters: int = TRAINING_QUARTERS) -> str:
    """The training chart's title: officer hours over the quarters shown, per sworn officer when known."""
    if training.empty or training["officer_hours"].sum() <= 0:
        return _("No officer training recorded in these quarters")
    total = float(training["officer_hours"].sum())
    by_course = training.groupby("course")["officer_hours"].sum().sort_values(ascending=False)
    text = _("{hours} officer training hours in {quarters} quarters").format(hours=f"{total:,.0f}", quarters=quarters)
    if sworn_officers:
        text += _(", {hours} per sworn officer").format(hours=f"{total / sworn_officers:,.1f}")
    return text + _("; most in {course} ({share})").format(
        course=course_label(by_course.index[0]).lower(), share=f"{by_course.iloc[0] / total * 100:.0f}%")


# --- Programs ---------------------------------------------------------------------------------


def programs(store: Store, district_id: str, as_of: dt.date | None = None) -> pd.DataFrame:
    """The community-policing programs that ran in the district, with their status on ``as_of``."""
    district = get_district(store, district_id)
    table = store.query("district_programs", district_id=district.id)
    for col in ("start_date", "end_date"):
        table[col] = pd.to_datetime(table[col]).dt.date
    as_of = as_of or dt.date.today()

    def status(start: dt.date, end: dt.date | None) -> str:
        if start > as_of:
            return _("starts {day}").format(day=i18n.format_date(start))
        if end is not None and not pd.isna(end) and end < as_of:
            return _("ended {day}").format(day=i18n.format_date(end))
        return _("running")

    table["status"] = [status(s, e) for s, e in zip(table["start_date"], table["end_date"])]
    return table[["name", "start_date", "end_date", "status", "description", "annual_cost"]]


# --- Neighborhoods ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NeighborhoodRanking:
    """The district's neighborhoods ranked by incidents per 1,000 residents, and how they add up.

    Neighborhood counts cover whole neighborhoods (the ``area_comparison`` neighborhood rows). The
    district total = their sum + ``outside`` (incidents in the district but in none of its
    neighborhoods) - ``elsewhere`` (incidents in its neighborhoods counted in another district or
    in none, where a neighborhood straddles a district boundary). ``table`` ends with an
    ``outside`` row when there are any.

    In public mode (``privacy``) there is no ``outside`` row and no reconciliation (both 0), and a
    hidden district count is None.
    """

    table: pd.DataFrame
    district_incidents: int | None
    district_incidents_prior_year: int | None
    outside: int
    outside_prior_year: int
    elsewhere: int
    elsewhere_prior_year: int

    @property
    def neighborhoods(self) -> pd.DataFrame:
        return self.table[self.table["area_id"] != OUTSIDE_ID]

    def takeaway(self) -> str:
        ranked = self.neighborhoods.dropna(subset=["rate_eb_per_1000"])
        if ranked.empty:
            return _("No neighborhood has enough residents for a rate")
        top = ranked.iloc[0]
        text = _(funnel.RANKING_TAKEAWAY).format(name=top["area_name"], rate=f"{float(top['rate_eb_per_1000']):,.1f}")
        if len(ranked) > 1:
            low = ranked.iloc[-1]
            text += _("; lowest: {name}, {rate}").format(name=low["area_name"],
                                                         rate=f"{float(low['rate_eb_per_1000']):,.1f}")
        return text


# Ranked by the size-adjusted (empirical-Bayes) rate, the raw rate beside it (``funnel.add_shrunk_rates``).
RANKING_COLUMNS = ["rank", "area_id", "area_name", "rate_eb_per_1000", "rate_eb_low", "rate_eb_high", "rate_per_1000",
                   "incidents", "incidents_prior_year", "change", "pct_change", "noise", "population", "noise_z",
                   "dispersion", "denominator_note"]


def neighborhoods_ranked(store: Store, district_id: str, start: dt.date, end: dt.date,
                         offense_group: str | None = None, date_basis: str = "occurred",
                         neighborhoods_table: pd.DataFrame | None = None,
                         districts_table: pd.DataFrame | None = None,
                         rules: privacy.Rules | None = None) -> NeighborhoodRanking:
    """The district's neighborhoods from ``area_comparison(level="neighborhood")``, ranked by rate
    per 1,000 residents (no rate under ``metrics.MIN_POPULATION_FOR_RATE`` residents; those come
    last, by count). The tables may be passed in when the caller already has them (suppressed ones
    in public mode).

    With ``rules`` (public mode) the tables are the suppressed ones; hidden neighborhoods have no
    rate and come last by name, and the incidents outside the district's neighborhoods are not
    shown (with the district total they would give a hidden neighborhood away)."""
    district = get_district(store, district_id)
    period = metrics.Period(start, end)
    table = neighborhoods_table if neighborhoods_table is not None else metrics.area_comparison(
        store, start, end, level="neighborhood", offense_group=offense_group, date_basis=date_basis, rules=rules)
    # Shrunk toward the city rate with the whole city's neighborhoods, before keeping the district's own.
    shrunk = funnel.add_denominator_notes(funnel.add_shrunk_rates(table[table["area_id"] != metrics.UNASSIGNED_ID]))
    own = shrunk[shrunk["district_id"] == district.id].copy()
    own["_has_rate"] = own["rate_eb_per_1000"].notna()
    own = own.sort_values(["_has_rate", "rate_eb_per_1000", "incidents", "area_name"],
                          ascending=[False, False, False, True], kind="stable", na_position="last")
    own["rank"] = pd.array([i + 1 if has else pd.NA for i, has in enumerate(own["_has_rate"])], dtype="Int64")
    own["noise"] = privacy.noise_labels(own, metrics.noise_label)
    if rules is not None or privacy.is_protected(table):
        if districts_table is None:
            districts_table = metrics.area_comparison(store, start, end, "district", offense_group, date_basis,
                                                      rules=rules)
        row = privacy.kpi_counts(_district_row(store, district.id, start, end, offense_group, date_basis,
                                               districts_table))
        return NeighborhoodRanking(
            table=own[privacy.columns_with_notes(RANKING_COLUMNS, own)].reset_index(drop=True),
            district_incidents=row["incidents"], district_incidents_prior_year=row["incidents_prior_year"],
            outside=0, outside_prior_year=0, elsewhere=0, elsewhere_prior_year=0)

    rec = store.query("district_neighborhood_reconciliation", district_id=district.id, start=period.start,
                      end=period.end, prior_start=period.prior.start, prior_end=period.prior.end,
                      date_basis=date_basis, offense_group=_offense_filter(offense_group)).iloc[0]
    outside, outside_prior = int(rec["outside"]), int(rec["outside_prior_year"])
    comparable = metrics.incident_coverage(store).comparable(period, date_basis)
    rows = own[RANKING_COLUMNS]
    if outside or (outside_prior and comparable):
        # No history of its own: the neighborhoods' pooled normal variation (noise.POOL_KEY).
        pooled = metrics.area_dispersions(store, "neighborhood", period.start, period.end, offense_group, date_basis,
                                          areas=[])[noise.POOL_KEY]
        z = round(float(noise.noise_z(outside, outside_prior, pooled, period.days, period.prior.days)), 2)
        extra = pd.DataFrame([{
            "rank": pd.NA, "area_id": OUTSIDE_ID, "area_name": _(OUTSIDE_NAME), "incidents": outside,
            "incidents_prior_year": outside_prior, "change": outside - outside_prior,
            "pct_change": round((outside - outside_prior) / outside_prior * 100, 1) if outside_prior > 0 else pd.NA,
            "noise_z": z, "dispersion": round(pooled.phi, 2), "noise": metrics.noise_label(z, basis=pooled.basis), "population": pd.NA,
            "rate_per_1000": pd.NA, "rate_eb_per_1000": pd.NA, "rate_eb_low": pd.NA, "rate_eb_high": pd.NA,
            "denominator_note": "",
        }])
        extra = metrics.comparison_columns(extra, comparable).drop(columns="comparison")
        dtypes = {c: rows[c].dtype for c in ("rank", "incidents_prior_year", "change", "population", "rate_per_1000",
                                             "pct_change", "rate_eb_per_1000", "rate_eb_low", "rate_eb_high")}
        rows = pd.concat([rows, extra.astype(dtypes)], ignore_index=True)
    row = _district_row(store, district.id, start, end, offense_group, date_basis, districts_table)
    return NeighborhoodRanking(
        table=rows.reset_index(drop=True),
        district_incidents=int(row["incidents"]),
        district_incidents_prior_year=_int_or_none(row["incidents_prior_year"]),
        outside=outside, outside_prior_year=outside_prior,
        elsewhere=int(rec["elsewhere"]), elsewhere_prior_year=int(rec["elsewhere_prior_year"]),
    )


# --- What the District page's KPIs say (kept here so the page stays thin) -------------------------------

INCIDENTS_HELP = N_("Incidents counted in this district in the period, as the agency counts them (later corrections "
                    "are not subtracted: they are shown beside the count). The arrow compares with the same days a "
                    "year earlier; it is grey when the change is within normal variation.")


def incidents_delta(kpis: DistrictKpis) -> str | None:
    """The incidents KPI's arrow: % and count, only the count below ``metrics.MIN_COUNT_FOR_PCT`` a year earlier
    (the page adds ``metrics.too_few_note``), None without a comparison."""
    if kpis.change is None:
        return None
    if kpis.incidents_prior_year is not None and kpis.incidents_prior_year < metrics.MIN_COUNT_FOR_PCT:
        return f"{kpis.change:+,}"
    return None if kpis.pct_change is None else f"{kpis.pct_change:+.1f}% ({kpis.change:+,})"


def rate_kpi(kpis: DistrictKpis, offense_group: str | None) -> metrics.KpiText:
    """The rate KPI: per 1,000 residents, or per 100,000 for a rare offense (homicide, or any selection under 1
    per 1,000: ``metrics.view_rate_base``), whose rate per 1,000 would read 0.0 or 0.1; the caption names the
    denominator."""
    base = metrics.view_rate_base(offense_group, kpis.incidents, kpis.population)
    label = (_("Rate per 100,000 residents") if base == 100_000 else _("Rate per 1,000 residents"))
    value = (_("not shown") if kpis.incidents_note else _("no rate") if kpis.rate_per_1000 is None
             else f"{kpis.rate_per_1000 * base / 1000:,.1f}")
    caption = kpis.denominator[0].upper() + kpis.denominator[1:]
    if base == 100_000 and kpis.rate_per_1000 is not None:
        caption = _("Per 100,000 of {population} residents ({year} population): a rare offense, so per 100,000 "
                    "rather than per 1,000.").format(population=f"{kpis.population:,}",
                                                     year=kpis.population_year or _("year unknown"))
    return metrics.KpiText(label, value, None, caption)


def too_few(kpis: DistrictKpis) -> bool:
    return (kpis.change is not None and kpis.incidents_prior_year is not None
            and kpis.incidents_prior_year < metrics.MIN_COUNT_FOR_PCT)


def trust_kpi(kpis: DistrictKpis, start: dt.date, end: dt.date, public: bool) -> metrics.KpiText:
    """The trust KPI given the way the Overview gives the city's: the district's score in the period (its surveys
    averaged), the period named, the change with its reading; in public mode a score from fewer than
    ``metrics.MIN_RESPONDENTS`` respondents is not shown."""
    label = _("Resident trust (0–100)")
    period = metrics.Period(start, end).label()
    surveyed = kpis.period_trust
    shown = surveyed if surveyed is None or not public else trust_stats.protect(surveyed, metrics.MIN_RESPONDENTS)
    if shown is None or shown.score is None:
        if surveyed is not None and surveyed.score is not None:
            return metrics.KpiText(label, _("not shown"), None, _(
                "Not shown in this public view: fewer than {n} residents answered in this period.").format(
                n=metrics.MIN_RESPONDENTS))
        none = _("No trust survey results in this period ({period}).").format(period=period)
        if kpis.trust is None:
            return metrics.KpiText(label, _("no survey"), None, none)
        # No survey in the period: the latest one, its month said, rather than nothing (a trust-only city).
        return metrics.KpiText(label, f"{kpis.trust:.1f}", None, none + " " + _(
            "Shown: the latest survey, {month}.").format(month=i18n.format_month(kpis.trust_period_start)))
    lines = [ngettext("{n} respondent", "{n} respondents", shown.respondents).format(n=f"{shown.respondents:,}")
             if shown.respondents else _("respondents not published")]
    if shown.prior_score is not None:
        lines.append(shown.change_caption())
    lines.append(_("surveys of {period}").format(period=period))  # the period the figure is of, as on the Overview
    delta = None if shown.change is None else _("{points} points").format(points=f"{shown.change:+.1f}")
    return metrics.KpiText(label, f"{shown.score:.1f}", delta, " · ".join(lines))


def engagement_period_caption(by_type: pd.DataFrame, coverage: metrics.EngagementCoverage, start: dt.date,
                              end: dt.date) -> str:
    """The engagement section's sentence on the selected period (``start`` to ``end``, its totals ``by_type``):
    "not recorded" (never 0) for a period, or a year earlier, that the ledger does not cover."""
    if not coverage.recorded(start):
        return coverage.not_recorded_reason()
    if by_type.empty:
        return _("No engagement activities in the selected period.")
    prior = (_("{prior} activities a year earlier").format(prior=f"{int(by_type['events_prior_year'].sum()):,}")
             if coverage.recorded(metrics.Period(start, end).prior.start) else _("a year earlier: not recorded"))
    return _("In the selected period: **{events} activities**, {hours} officer hours, {attendees} attendees and "
             "{cost} direct cost ({prior}). Officer hours are summed over officers; attendees are estimated for "
             "open events.").format(
        events=f"{int(by_type['events'].sum()):,}", hours=f"{by_type['officer_hours'].sum():,.0f}",
        attendees=f"{int(by_type['attendees'].sum()):,}", cost=f"${by_type['cost'].sum():,.0f}", prior=prior)
