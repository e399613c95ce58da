"""What the District page shows, section by section: its numbers, chart titles and the sentences under them.

View functions (called by the page through ``cached.view``, which caches them and, in public mode, passes the privacy
``rules``): each takes the store first and ``rules`` as a keyword, and returns frames already protected for the
public with the words made from them. The numbers themselves come from ``district``; no Streamlit, no figures.

A sentence naming the district or the city takes the name as the page prints it (``district_name``,
``city_name``: escaped by the page, since names come from the city's files and are shown as text, never Markdown).
A chart's view returns a ``Chart``: what to draw, the words around it and the numbers behind it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.data.store import Store
from community_policing.i18n import _, ngettext
from community_policing.stats import funnel
from community_policing.views import district, metrics, privacy


def titles(districts: pd.DataFrame) -> dict[str, str]:
    """The districts' titles by id, in order, in the current language ("District 2 – …" / "Distrito 2 – …"),
    from the list of districts (``district.districts``)."""
    return {i: district.district_title(i, name)
            for i, name in zip(districts["district_id"], districts["district_name"])}


def facts(chosen: district.District) -> str:
    """The line under the title: residents, sworn officers, neighborhoods ("… · 4 neighborhoods. ")."""
    if chosen.population is None:
        found = [_("population not loaded")]
    else:
        found = [ngettext("{n} resident ({year})", "{n} residents ({year})", chosen.population).format(
            n=f"{chosen.population:,}", year=chosen.population_year or _("year unknown"))]
    if chosen.sworn_officers:
        found.append(ngettext("{n} sworn officer", "{n} sworn officers", chosen.sworn_officers).format(
            n=f"{chosen.sworn_officers:,}"))
    if chosen.neighborhoods:
        found.append(ngettext("{n} neighborhood", "{n} neighborhoods", chosen.neighborhoods).format(
            n=chosen.neighborhoods))
    return f"{' · '.join(found)}. "


def counting_note(unknown_note: str = "") -> str:
    """The data note's words on what this page counts where, with ``unknown_note`` (incidents whose occurrence date
    is unknown, ``about.occurrence_unknown_note``; "" none)."""
    return _("On this page incidents are counted in the district recorded for each incident; neighborhood rows "
             "count whole neighborhoods. Engagement, training and surveys are counted by their own dates, whatever "
             "the date basis.") + (" " + unknown_note if unknown_note else "")


def window_label(start: dt.date, end: dt.date) -> str:
    """A chart's span as its subtitle names it ("Jan 2024 – 31 Dec 2025")."""
    return f"{i18n.format_month_short(start)} – {i18n.format_date(end)}"


@dataclass(frozen=True)
class Chart:
    """One chart of the page and what goes with it: ``frame`` drawn by the page's figure under ``title`` and
    ``subtitle``, with ``options`` (the figure's keyword arguments that come with the data); ``caption``, the
    sentences under it; ``numbers``, the table behind it ("Show the numbers"; None: no table). ``missing``: what the
    page says instead of the chart when there is nothing to draw (the caption and numbers may still follow)."""

    frame: pd.DataFrame
    title: str = ""
    subtitle: str = ""
    caption: str = ""
    numbers: pd.DataFrame | None = None
    missing: str | None = None
    options: dict = field(default_factory=dict)


# --- 1. The headline figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One headline figure as the page shows it (``st.metric``), with the captions under it."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "off"
    help: str | None = None
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Headline:
    """The KPIs in their columns (``widths``): incidents (``kpis``: its numbers, for the corrections captions that
    come first under it), then the rate, engagement and resident trust (``others``)."""

    kpis: district.DistrictKpis
    incidents: Kpi
    others: tuple[Kpi, ...]
    widths: int | tuple[int, ...]


def headline(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str, date_basis: str,
             city_name: str, *, districts_table: pd.DataFrame | None = None,
             rules: privacy.Rules | None = None) -> Headline:
    """The KPIs of the district for the filters (its incident counts from the area table the Overview shows,
    protected for the public with the neighborhoods' as one table). ``districts_table``: that table as this reader
    may see it (``cached.area_comparison``, shared by every district's view), else built here."""
    table = districts_table if districts_table is not None else metrics.area_comparison(
        store, start, end, "district", offense_group, date_basis, rules=rules)
    kpis = district.district_kpis(store, district_id, start, end, offense_group, date_basis, districts_table=table)
    engagement = metrics.engagement_kpis(
        kpis.engagement_events, kpis.engagement_events_prior_year, kpis.officer_hours, kpis.officer_hours_prior_year,
        kpis.engagement_recorded, kpis.engagement_prior_recorded, metrics.engagement_coverage(store))
    if not kpis.engagement_recorded:  # one "not recorded" across two columns: in a fifth of the page it was cut off
        engagement = (metrics.KpiText(_("Engagement activities and officer hours"), engagement[0].value, None,
                                      engagement[0].caption),)
    others = [Kpi(k.label, k.value, k.delta, captions=(k.caption,) if k.caption else ())
              for k in (*engagement, district.trust_kpi(kpis, start, end, public=rules is not None))]
    widths = 5 if kpis.engagement_recorded else (1, 1, 2, 1)
    if not metrics.dataset_info(store).has_incidents:
        incidents = Kpi(_("Incidents"), "—", delta_color="normal",
                        captions=(_("No incident data is loaded for {city}.").format(city=city_name),))
        rate = Kpi(_("Rate per 1,000 residents"), "—", delta_color="normal", captions=(_("No incident data."),))
        return Headline(kpis, incidents, (rate, *others), widths)
    notes = []
    if district.too_few(kpis) or kpis.noise_z is not None:
        notes.append(metrics.too_few_note() if district.too_few(kpis) else _(metrics.Z_DEFINITION))
    if no_history := metrics.noise_basis_note(kpis.noise_basis):
        notes.append(no_history[0].upper() + no_history[1:] + ".")
    incidents = Kpi(_("Incidents"), _(kpis.incidents_note) if kpis.incidents_note else f"{kpis.incidents:,}",
                    district.incidents_delta(kpis), "inverse" if kpis.noise != "within normal variation" else "off",
                    _(district.INCIDENTS_HELP), tuple(notes))
    rate = district.rate_kpi(kpis, offense_group)  # per 100,000 for a rare offense (homicide)
    base = metrics.view_rate_base(offense_group, kpis.incidents, kpis.population)
    rate_help = _("Incidents in the period ÷ residents × {base}. Longer periods give higher rates.").format(
        base=f"{base:,}")
    rate = Kpi(rate.label, rate.value, delta_color="normal", help=rate_help, captions=(rate.caption,))
    return Headline(kpis, incidents, (rate, *others), widths)


# --- 2-4, 9. Incidents: month by month, season, offenses, neighborhoods ------------------------------------


def _subject(offense_group: str, offense_label: str) -> str:
    return _("Incidents") if offense_group == "all" else offense_label


def monthly(store: Store, district_id: str, end: dt.date, offense_group: str, date_basis: str, offense_label: str,
            freshness_notes: tuple[str, ...], preliminary: dt.date | None, *,
            rules: privacy.Rules | None = None) -> Chart:
    """The "Month by month" view: the 24 months to the end of the period beside the same months a year earlier
    (protected for the public as one grid with the other districts and the city, ``district.protected_monthly``).
    ``freshness_notes``: the caption's sentences on the series breaks and preliminary days drawn on the chart."""
    series = district.monthly_series(store, district_id, end, offense_group, date_basis, rules=rules)
    if series["incidents"].isna().all():
        return Chart(series, missing=_("The incident data do not cover these months."))
    dispersion = district.series_dispersion(store, district_id, end, offense_group, date_basis)
    by_basis = _("by date reported") if date_basis == "reported" else _("by date occurred")
    notes = [_("Incidents counted per calendar month, as the agency counts them; the shaded band is the selected "
               "period.")]
    if series["partial"].any():
        notes.append(_("The last month runs only to {day} (hollow marker), and its year-earlier value covers the "
                       "same days.").format(day=i18n.format_day_month(end)))
    notes += freshness_notes
    if date_basis == "occurred" and not (preliminary and preliminary <= end):
        notes.append(_("By date occurred, the latest weeks still rise as late reports come in."))
    return Chart(series, district.series_takeaway(series, _subject(offense_group, offense_label), dispersion),
                 _("{offenses} per month, {window}, {basis}; dashed grey: the same month a year earlier").format(
                     offenses=offense_label, window=window_label(district.window_start(end), end), basis=by_basis),
                 caption=" ".join(notes), numbers=series)


def season(store: Store, district_id: str, offense_group: str, date_basis: str, offense_label: str, *,
           rules: privacy.Rules | None = None) -> Chart:
    """The "Seasonal pattern" view: the average per calendar month over the complete years (public: averages only,
    ``privacy.protect_seasonal``), and any series break within those years."""
    pattern = district.seasonal_pattern(store, district_id, offense_group, date_basis, rules=rules)
    years = pattern.years
    if pattern.empty:
        return Chart(pattern.table, missing=_("The data do not yet cover a complete calendar year, so there is no "
                                              "seasonal pattern to show."))
    breaks = series_breaks.applicable(metrics.dataset_info(store).series_breaks, district_id, offense_group,
                                      series_breaks.offense_categories(store))
    spanned = series_breaks.within(breaks, dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31))
    caption = (_("Each bar is the mean over the complete years of data")
               + (_("; hover for the lowest and highest year.") + " " if rules is None else
                  _(" (public view: months whose count over those years is below {n} are not shown).").format(
                      n=rules.min_count) + " ")
               + _("Compare a month with the same month a year earlier, not with the month before.")
               + ("" if spanned.empty else " " + _(
                   "The years averaged span a series break — {breaks} — so they mix two ways of counting: see "
                   "How to read these numbers.").format(
                   breaks="; ".join(series_breaks.chart_label(r) for _i, r in spanned.iterrows()))))
    subtitle = ngettext("{offenses}: average per calendar month over {n} complete year ({years})",
                        "{offenses}: average per calendar month over {n} complete years ({years})", len(years)).format(
        offenses=offense_label, n=len(years), years=f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]))
    return Chart(pattern.table, pattern.takeaway(_subject(offense_group, offense_label)), subtitle, caption=caption,
                 numbers=pattern.table)


def offenses(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
             rules: privacy.Rules | None = None) -> Chart:
    """The "Which offenses" view: incidents by offense group against the same days a year earlier (public:
    protected against the district's count as its KPI shows it)."""
    mix = district.offense_mix(store, district_id, start, end, offense_group, date_basis, rules=rules)
    if mix.empty:
        return Chart(mix, missing=_("No incidents of this kind were recorded in this district in the period or a "
                                    "year earlier."))
    subtitle = _("Incidents by offense group, {period} vs the same days a year earlier").format(
        period=metrics.Period(start, end).label())
    return Chart(mix, district.offense_mix_takeaway(mix), subtitle, caption=_(
        "Offense groups follow the FBI UCR classes. The reading beside each change in the table allows for how much "
        "each group's count in this district normally varies over periods this long, measured from its own earlier "
        "years: |z| < 2 is within normal variation (see How to read these numbers)."), numbers=mix)


# The ranking's word columns, shown in the page's language (the download keeps them as stored).
RANKING_WORDS = ("noise", "incidents_note", "incidents_prior_year_note", "denominator_note")


@dataclass(frozen=True)
class Neighborhoods:
    """The district's neighborhoods ranked (``district.neighborhoods_ranked``): ``ranking.table`` for downloads,
    ``shown`` for the page (its words translated), the heading above and the caption below. ``labels`` and
    ``numbers`` (heading, format, help) are the table's own column headings, beside every area table's."""

    ranking: district.NeighborhoodRanking
    shown: pd.DataFrame
    heading: str
    caption: str
    labels: dict[str, str]
    numbers: dict[str, tuple[str, str | None, str | None]]


def neighborhoods(store: Store, district_id: str, start: dt.date, end: dt.date, offense_group: str, date_basis: str,
                  offense_label: str, *, area_tables: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                  rules: privacy.Rules | None = None) -> Neighborhoods:
    """The "Neighborhoods" view. Both area tables come from one decision in public mode (``protected_areas``), so
    a count hidden here is hidden on the Overview too; the caption then says what is not shown. ``area_tables``:
    the (neighborhood, district) tables as this reader may see them (``cached.area_comparison``), else built here."""
    if area_tables is not None:
        tables = dict(zip(("neighborhood", "district"), area_tables))
    elif rules is None:
        tables = {level: metrics.area_comparison(store, start, end, level, offense_group, date_basis)
                  for level in ("neighborhood", "district")}
    else:
        areas = metrics.protected_areas(store, start, end, offense_group, date_basis, rules)
        tables = {level: areas.table(level) for level in ("neighborhood", "district")}
    ranking = district.neighborhoods_ranked(store, district_id, start, end, offense_group, date_basis,
                                            neighborhoods_table=tables["neighborhood"],
                                            districts_table=tables["district"], rules=rules)
    chosen = district.get_district(store, district_id)
    notes = [_(funnel.RANKING_NOTE), _("Rate = incidents ÷ residents × 1,000 ({year} population); neighborhoods with "
                                       "fewer than {n} residents get no rate and are listed last.").format(
        year=chosen.population_year or _("year unknown"), n=metrics.MIN_POPULATION_FOR_RATE)]
    if ranking.outside or ranking.outside_prior_year:
        notes.append(_("“{name}”: incidents counted in this district without a neighborhood of its own.").format(
            name=_(district.OUTSIDE_NAME)))
    if ranking.elsewhere or ranking.elsewhere_prior_year:
        notes.append(_("{n} incidents in these neighborhoods ({prior} a year earlier) were counted in another "
                       "district: a neighborhood can straddle a district boundary.").format(
            n=f"{ranking.elsewhere:,}", prior=f"{ranking.elsewhere_prior_year:,}"))
    if rules is None and ranking.district_incidents_prior_year is None:
        notes.append(_("District total: {n} incidents.").format(n=f"{ranking.district_incidents:,}"))
    elif rules is None:
        notes.append(_("District total: {n} incidents ({prior} a year earlier).").format(
            n=f"{ranking.district_incidents:,}", prior=f"{ranking.district_incidents_prior_year:,}"))
    else:
        notes.append(_("Counts of fewer than {n} are not shown (“{label}”), nor any count that would give one "
                       "away; neighborhood counts need not add up to the district's.").format(
            n=rules.min_count, label=_(rules.label)))
    heading = f"**{ranking.takeaway()}** ({offense_label.lower()}, {metrics.Period(start, end).label()})"
    denominator = funnel.COLUMN_LABELS["denominator_note"]  # marked in funnel (a literal in _() would be extracted)
    labels = {"area_name": _("Neighborhood"), "noise": _("Reading"), "denominator_note": _(denominator)}
    numbers = {
        "noise_z": (_("Noise score (z)"), "%+.2f", _("|z| of 2 or more: a possible change; 3 or more: significant")),
        "dispersion": (_("Normal variation (× chance)"), "%.1f", _(
            "How many times chance the neighborhood's counts normally vary over periods this long, from its own "
            "earlier years")),
        "rank": (_("Rank"), None, _(funnel.RANKING_HELP)),
        "rate_per_1000": (_("Raw rate per 1,000"), "%.1f", None),
        **{c: (_(funnel.COLUMN_LABELS[c]), "%.1f", None) for c in ("rate_eb_per_1000", "rate_eb_low", "rate_eb_high")},
    }
    return Neighborhoods(ranking, metrics.translated(ranking.table, RANKING_WORDS), heading, " ".join(notes), labels,
                         numbers)


# --- 5-8. Engagement, trust, training, programs (counted by their own dates) -------------------------------


def engagement(store: Store, district_id: str, end: dt.date, period_start: dt.date, district_name: str, *,
               rules: privacy.Rules | None = None) -> Chart:
    """Engagement activities per month by type over the 24 months to the end of the period (the page shows the
    chart's own numbers under it), then the sentence on the selected period and its totals per type (``numbers``;
    the chart's numbers again when there are none)."""
    coverage = metrics.engagement_coverage(store)
    if metrics.dataset_info(store).engagement_rows == 0:
        return Chart(pd.DataFrame(), missing=coverage.not_recorded_reason())
    start = district.window_start(end)
    timeline = district.engagement_timeline(store, district_id, start, end)
    by_type = district.engagement_by_type(store, district_id, period_start, end)
    window = window_label(start, end)
    missing = None if not timeline.empty else _(
        "No engagement activities are recorded for {district} between {window}.").format(
        district=district_name, window=window)
    return Chart(timeline, district.engagement_takeaway(timeline, end),
                 _("Engagement activities per month by type, {window}").format(window=window),
                 caption=district.engagement_period_caption(by_type, coverage, period_start, end),
                 numbers=by_type if not by_type.empty else None if timeline.empty else timeline,
                 missing=missing, options={"start": start, "end": end})


def trust(store: Store, district_id: str, end: dt.date, district_name: str, city_name: str, *,
          rules: privacy.Rules | None = None) -> Chart:
    """The district's trust scores up to the end of the period beside the city's (scores from too few respondents
    are hidden for everyone), with the starts of the district's programs marked."""
    trend = district.trust_trend(store, district_id, end)
    coverage = metrics.dataset_info(store)
    if coverage.survey_rows == 0:
        return Chart(trend, missing=_("No resident survey is loaded for {city}, so there is no trust trend to "
                                      "show.").format(city=city_name))
    if trend.empty or trend["score"].notna().sum() == 0:
        return Chart(trend, missing=_("No trust survey result for {district} with at least {n} respondents up to "
                                      "the end of the period.").format(district=district_name,
                                                                       n=metrics.MIN_RESPONDENTS))
    subtitle = (_("Trust in police, score 0–100 (higher is better)")
                + (_("; band: 95% margin of error") if trend["margin_of_error"].notna().any() else "")
                + _("; dotted: city average"))
    notes = [_("Scores are the mean answer rescaled to 0–100. Results from fewer than {n} respondents are not shown "
               "(gaps in the line).").format(n=metrics.MIN_RESPONDENTS)]
    hidden = int((~trend["shown"]).sum())
    if hidden:
        notes.append(ngettext("{n} survey result hidden for too few respondents.",
                              "{n} survey results hidden for too few respondents.", hidden).format(n=hidden))
    if not trend["respondents_known"].all():
        notes.append(_("This source does not publish respondent counts or margins of error, so the uncertainty of "
                       "each score cannot be shown."))
    notes.append(_("The city average weights each district's score by its respondents.")
                 if trend["respondents_known"].all() else _("The city average is the plain mean of the districts' "
                                                            "scores."))
    program_starts = district.programs(store, district_id, end) if coverage.program_rows else None
    return Chart(trend, district.trust_takeaway(trend), subtitle, caption=" ".join(notes), numbers=trend, options={
        "district_name": district.get_district(store, district_id).title, "program_starts": program_starts})


def training(store: Store, district_id: str, end: dt.date, period_start: dt.date, district_name: str,
             city_name: str, *, rules: privacy.Rules | None = None) -> Chart:
    """Officer training hours per quarter by course over the quarters to the end of the period, and the caption on
    the selected period's hours (also when the chart's quarters have none)."""
    if metrics.dataset_info(store).training_rows == 0:
        return Chart(pd.DataFrame(), missing=_("No officer training records are loaded for {city}.").format(
            city=city_name))
    start = district.training_window_start(end)
    hours = district.training_hours(store, district_id, start, end)
    summary = district.training_summary(store, district_id, period_start, end)
    quarters = district.quarter_labels(start, end)
    per_officer = (_(", {hours} per sworn officer ({n} sworn)").format(
        hours=f"{summary.hours_per_sworn_officer:,.1f}", n=f"{summary.sworn_officers:,}")
                   if summary.hours_per_sworn_officer is not None else
                   _("; the district's sworn officers are not recorded, so there is no per-officer figure"))
    quarter_cut = (pd.Timestamp(end) + pd.offsets.QuarterEnd(0)).date() != end
    caption = (("" if hours.empty or not quarter_cut else
                _("The last quarter runs only to {day}.").format(day=i18n.format_date(end)) + " ")
               + _("Officer training hours = officers trained × course hours. In the selected period: "
                   "{hours} officer training hours{per_officer}. Courses for units that are not a "
                   "district (such as the Academy) are not counted here.").format(
                   hours=f"{summary.officer_hours:,.0f}", per_officer=per_officer))
    if hours.empty:
        return Chart(hours, caption=caption, missing=_(
            "No officer training is recorded for {district} between {first} and {last}.").format(
            district=district_name, first=i18n.format_month_short(start), last=i18n.format_date(end)))
    return Chart(hours, district.training_takeaway(hours, summary.sworn_officers, len(quarters)),
                 _("Officer training hours per quarter by course, {window}").format(window=window_label(start, end)),
                 caption=caption, numbers=hours, options={"quarters": quarters})


@dataclass(frozen=True)
class Programs:
    """The district's programs with their status at the end of the period, for the page: end dates as text, costs
    in dollars or "not recorded"; ``status`` heads the status column."""

    shown: pd.DataFrame
    missing: str | None
    status: str

    @property
    def caption(self) -> str:
        return _("A program starting here does not by itself show that it changed crime or trust: "
                 "compare with districts without it (see How to read these numbers).")


def programs(store: Store, district_id: str, as_of: dt.date, district_name: str, city_name: str, *,
             rules: privacy.Rules | None = None) -> Programs:
    """The "Programs in this district" table."""
    status = _("On {day}").format(day=i18n.format_date(as_of))
    if metrics.dataset_info(store).program_rows == 0:
        return Programs(pd.DataFrame(), _("No community-policing programs are recorded for {city}.").format(
            city=city_name), status)
    table = district.programs(store, district_id, as_of)
    missing = None if not table.empty else _("No community-policing program is recorded in {district}.").format(
        district=district_name)
    return Programs(table.assign(
        end_date=[("" if pd.isna(e) else f"{e:%Y-%m-%d}") for e in table["end_date"]],
        annual_cost=[(_("not recorded") if pd.isna(c) else f"${c:,.0f}") for c in table["annual_cost"]]),
        missing, status)
