"""What a page says about its data: the simulated-data banner, the data note, corrections, old or
preliminary data, series breaks, and the captions under its comparisons.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.data import freshness, series_breaks
from community_policing.data.store import Store
from community_policing.i18n import _, ngettext
from community_policing.views import metrics, privacy
from community_policing.web.cached import _occurrence_unknown, cache_key, offense_categories
from community_policing.web.sidebar import Filters
from community_policing.web.signin import privacy_rules
from community_policing.web.echo import plain


def simulated_banner(info: metrics.DatasetInfo) -> None:
    """The warnings every page opens with: simulated data, and data that end long before today."""
    if info.is_simulated:
        st.warning(
            _("**Simulated demo data.** {city} is a fictional city; every number on this page was generated "
              "to demonstrate the dashboard and describes no real place or people.").format(city=plain(info.city_name)),
            icon=":material/science:",
        )
    # Old data are said at the top of every page, before any number (issue 16).
    if stale := freshness.staleness_text(info, dt.date.today()):
        st.warning(f"{stale} {_(freshness.STALE_PERIODS_NOTE)}", icon=":material/history:")  # the app's own words


# The demo generator's source line, stored in English in the warehouse, worded in the page's language (in metrics:
# the briefing, which has no Streamlit, uses it too).
source_words = metrics.source_words


def data_note(info: metrics.DatasetInfo, extra: str = "", rate_base: int | None = None) -> None:
    """The 'about this data' note every page ends with. ``rate_base``: the residents the page's rates are per
    (``metrics.view_rate_base``); None on a page whose rates may differ (per 100,000 only for rare offenses)."""
    st.divider()
    st.subheader(_("About this data"))
    if info.first_day and info.last_day:
        incidents = _("Incidents reported {first} to {last}: {rows} counted records").format(
            first=i18n.format_date(info.first_day), last=i18n.format_date(info.last_day),
            rows=f"{info.counted_rows:,}")
    else:
        incidents = _("Incidents: none loaded")
    lines = [
        _("**{label}** for {city}. Source: {source}").format(label=_(info.label), city=plain(info.city_name),
                                                             source=plain(source_words(info))),
        _("{incidents}; {activities} engagement activities; {surveys} survey results; {districts} districts, "
          "{neighborhoods} neighborhoods.").format(
            incidents=incidents, activities=f"{info.engagement_rows:,}", surveys=f"{info.survey_rows:,}",
            districts=info.districts, neighborhoods=info.neighborhoods),
        _("Data as of {as_of}; database built {built}.").format(
            as_of=i18n.format_date(info.last_day) if info.last_day else _("n/a"), built=freshness.built_day(info.built_at)),
        *freshness_notes(info),
        *correction_notes(info),
        (_("Rates are per {base} residents of the area (population and its year are in each hover) and are not "
           "shown for areas with fewer than {minimum} residents or no population figure.") if rate_base else
         _("Rates are per 1,000 residents of the area, or per 100,000 for rare offenses such as homicide "
           "(population and its year are in each hover), and are not shown for areas with fewer than {minimum} "
           "residents or no population figure.")).format(
            base=metrics.per_base(rate_base or 1000), minimum=metrics.MIN_POPULATION_FOR_RATE),
        *([extra] if extra else []),
    ]
    st.markdown("".join(f"- {line}\n" for line in lines))


def correction_notes(info: metrics.DatasetInfo) -> list[str]:
    """The data note's line on how incidents are counted and, only when the source has any, on its corrections."""
    if not info.has_incidents:
        return []
    lines = [_("Counts follow the agency's counting convention: the records it counts (for SLMPD, the rows flagged "
               "as crimes, by the month they were coded).")]
    if info.has_corrections:
        other = info.correction_rows - info.linked_corrections
        (n, n_form), (linked, linked_form), (other_text, other_form) = (
            public_count(v) for v in (info.correction_rows, info.linked_corrections, other))
        lines.append(ngettext(
            "The source has {n} later correction (an unfounded or reclassified report): ",
            "The source has {n} later corrections (unfounded or reclassified reports): ", n_form).format(n=n)
            + ngettext("{linked} corrects a counted incident and is shown beside the counts (“after later "
                       "corrections”), never subtracted from them; ",
                       "{linked} correct a counted incident and are shown beside the counts (“after later "
                       "corrections”), never subtracted from them; ", linked_form).format(linked=linked)
            + ngettext("{other} corrects a record that is not counted and is left out.",
                       "{other} correct records that are not counted and are left out.", other_form).format(
                other=other_text))
    return lines


def public_count(count: int) -> tuple[str, int]:
    """A count for a sentence, and the number its plural follows: in public mode one from 1 to 3 reads "fewer
    than 4" (and takes the plural, which says nothing of it)."""
    rules = privacy_rules()
    if rules is not None and rules.is_small(count):
        return rules.label, 2
    return f"{count:,}", count


def occurrence_unknown_note(store: Store, key: tuple, filters: "Filters", district_id: str | None = None) -> str:
    """By date occurred, the sentence on incidents reported in the period whose occurrence date is unknown
    ("" by date reported, or when there are none; in public mode a small count is not given)."""
    rules = privacy_rules()
    if filters.date_basis != "occurred":
        return ""
    count = _occurrence_unknown(store, key, filters.period.start, filters.period.end, district_id,
                                filters.offense_group)
    return metrics.occurrence_unknown_note(count, rules)


def freshness_notes(info: metrics.DatasetInfo) -> list[str]:
    """The data note's lines on how current the data are (measured reporting lag, preliminary days) and
    on the series breaks the city declared (``freshness``, ``series_breaks``)."""
    if not info.has_incidents:
        return []
    return freshness.note_lines(info.freshness) + series_breaks.note_lines(info.series_breaks)


def chart_breaks(store: Store, info: metrics.DatasetInfo, offense_group: str,
                 district_id: str | None = None, *, every_district: bool = False) -> pd.DataFrame:
    """The series breaks that concern a chart of one offense filter and one district (None: citywide);
    ``every_district`` keeps the breaks of any district (a chart with a column per district picks its own)."""
    breaks = series_breaks.for_offense(info.series_breaks, offense_group, offense_categories(store, cache_key(store)))
    return breaks if every_district else series_breaks.for_place(breaks, district_id)


def preliminary_from(info: metrics.DatasetInfo, date_basis: str) -> dt.date | None:
    """First preliminary day for charts counted by ``date_basis`` (None by date reported: those counts are final)."""
    return info.freshness.preliminary_from if info.freshness is not None and date_basis == "occurred" else None


def comparison_cautions(info: metrics.DatasetInfo, breaks: pd.DataFrame, filters: Filters,
                        to_come_share: float | None = None) -> None:
    """Under the KPIs: a caption for each reason the comparison with a year earlier may mislead (it crosses a
    series break; the period reaches into the preliminary days: ``to_come_share``, the nowcast's share still to
    come, when the page shows one)."""
    period = filters.period
    cautions = freshness.comparison_cautions(info.freshness, breaks, period.start, period.end, period.prior.start,
                                             filters.date_basis, to_come_share)
    for text in cautions.values():
        st.caption(f":material/warning: {text}")


def chart_freshness_notes(breaks: pd.DataFrame, first: dt.date, last: dt.date, prelim: dt.date | None) -> list[str]:
    """Caption sentences for a monthly chart showing ``first`` to ``last``: each series break drawn on it, and
    the preliminary days shaded on it."""
    notes = []
    drawn = series_breaks.caption(series_breaks.within(breaks, first, last))
    if drawn:
        notes.append(drawn)
    if prelim is not None and prelim <= last:
        notes.append(_("The grey band marks preliminary days (from {day}): counted by date occurred, they still "
                       "rise as late reports arrive (see About this data).").format(day=i18n.format_date(prelim)))
    return notes


def data_label(info: metrics.DatasetInfo | None) -> str | None:
    """What every row of a download says it is ("Simulated demo data - Riverbend, Missouri")."""
    return f"{_(info.label)} - {info.city_name}" if info is not None else None


def about_notes(info: metrics.DatasetInfo | None, notes: list[str] | None = None) -> list[str]:
    """The lines of a download workbook's 'about' sheet after the data label: source, dates, the page's notes
    (filters) and why some text starts with a quote."""
    lines = []
    if info is not None:
        lines.append(_("Source: {source}").format(source=source_words(info)))
        lines.append(_("Data as of {as_of}; database built {built}.").format(
            as_of=i18n.format_date(info.last_day) if info.last_day else _("n/a"), built=freshness.built_day(info.built_at)))
    lines.extend(notes or [])
    if info is not None and (rules := privacy_rules()) is not None:
        lines.append(privacy.public_note(rules))
    lines.append(_("Text that began with =, +, -, @ (or their full-width forms), a tab, a carriage return, an "
                   "invisible direction mark, or blanks before one of these, starts with ' in this file, so that no "
                   "spreadsheet reads it as a formula."))
    return lines


def incident_comparison_captions(column, kpi, has_corrections: bool) -> None:
    """Under an incidents KPI (the Overview's city totals, the District page's KPIs): the year-earlier
    count with its noise reading, or why there is none; then the count after later corrections, only
    where the source has corrections."""
    if not kpi.comparable:  # nothing loaded a year earlier: no count, change or z to show
        column.caption(f"**{_(kpi.comparison)}**")
    elif kpi.noise_z is None and kpi.noise == metrics.NO_HISTORY_READING:  # too little history for a reading
        column.caption(_("{prior} a year earlier · **{noise}**").format(
            prior=f"{kpi.incidents_prior_year:,}", noise=_(kpi.noise)))
    elif kpi.noise_z is None:  # public mode: a count too small to show, so no comparison either
        column.caption(_("{prior} a year earlier · **no comparison shown**: small counts are hidden in this public "
                         "view").format(prior=_(kpi.incidents_prior_year_note) if kpi.incidents_prior_year_note
                                        else f"{kpi.incidents_prior_year:,}"))
    else:
        column.caption(_("{prior} a year earlier · **{noise}** (z = {z})").format(
            prior=f"{kpi.incidents_prior_year:,}", noise=_(kpi.noise), z=f"{kpi.noise_z:+.2f}"))
    if has_corrections and (reconciled := kpi.correction_sentence()):
        column.caption(reconciled[0].upper() + reconciled[1:] + ".")


def engagement_metrics(events_col, hours_col, recorded: bool, events: int, events_prior: int, hours: float,
                       hours_prior: float) -> None:
    """The two engagement KPIs (activities, officer hours) with their year-earlier comparison, or
    'not recorded' when the city keeps no engagement ledger."""
    if not recorded:
        events_col.metric(_("Engagement activities"), _("not recorded"))
        hours_col.metric(_("Officer engagement hours"), _("not recorded"))
        events_col.caption(_("No engagement ledger is loaded for this city."))
        return
    events_col.metric(_("Engagement activities"), f"{events:,}",
                      delta=_("{change} vs a year earlier").format(change=f"{events - events_prior:+,}"),
                      delta_color="off")
    events_col.caption(_("{count} a year earlier").format(count=f"{events_prior:,}"))
    hours_col.metric(_("Officer engagement hours"), f"{hours:,.0f}",
                     delta=_("{change} vs a year earlier").format(change=f"{hours - hours_prior:+,.0f}"),
                     delta_color="off")
    hours_col.caption(_("{count} a year earlier").format(count=f"{hours_prior:,.0f}"))
