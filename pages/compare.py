"""Compare districts: two to four police districts side by side, with shared scales. Reached by
the district picker or ?districts=2,5, which the picker keeps in step so the page can be shared."""

import pandas as pd
import streamlit as st

from community_policing.data import series_breaks
from community_policing.figures import compare as compare_figures
from community_policing.views import compare, district, metrics
from community_policing.web import about, cached, display, downloads, echo, sidebar
from community_policing.i18n import _

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)


def show_numbers(frame: pd.DataFrame, name: str, column_config: dict | None = None) -> None:
    # Headings and readings in the page's language; the machine column names stay (downloads too).
    config = {**metrics.column_labels(frame.columns), **(column_config or {})}
    downloads.numbers_behind(metrics.translated(frame, metrics.WORD_COLUMNS), info,
                             f"compare_{'_'.join(chosen)}_{name}.csv", key=f"download_{name}", column_config=config,
                             notes=sidebar.filter_notes(filters))


# --- Which districts --------------------------------------------------------------------------

filters = sidebar.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
all_districts = cached.district_list(store, key)
# Titles in the page's language ("District 2 – ..." / "Distrito 2 – ..."), not the cached list's.
titles = {i: district.district_title(i, n) for i, n in zip(all_districts["district_id"], all_districts["district_name"])}
ids = list(titles)

st.title(_("Compare districts"))
about.simulated_banner(info)

if len(ids) < compare.MIN_DISTRICTS:
    st.info((_("{city} has no districts loaded, so there is nothing to compare.") if not ids else
             _("{city} has only one district loaded, so there is nothing to compare.")).format(city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()

# The URL and the picker stay in step without callbacks (as on the District page): the URL decides
# when it names districts this session has not just shown (first load, a shared link); otherwise
# the picker decides and the URL is rewritten to match.
requested = st.query_params.get("districts")
unknown: list[str] = []
if requested is not None and requested != st.session_state.get("_compare_shown"):
    st.session_state["compare_districts"], unknown = compare.known_and_unknown(requested, titles)
elif not isinstance(st.session_state.get("compare_districts"), list) or any(
        i not in titles for i in st.session_state["compare_districts"]):
    last = [i for i in st.session_state.get("_compare_last", []) if i in titles]
    st.session_state["compare_districts"] = last or ids[:2]

picked = st.multiselect(
    _("Districts to compare ({minimum}–{maximum})").format(minimum=compare.MIN_DISTRICTS, maximum=compare.MAX_DISTRICTS),
    ids, format_func=titles.get, key="compare_districts", placeholder=_("Choose districts"),
    # At most four, and no "Select all" (Streamlit offers it by default; choosing it picked every district and
    # stopped the page with an error).
    max_selections=(compare.MAX_DISTRICTS if len(st.session_state['compare_districts']) <= compare.MAX_DISTRICTS
                    else None),  # a link naming more is told to remove some (selection_problem), not refused
    select_all=False,
    help=_("The address of this page names the districts (?districts=2,5), so it can be shared or bookmarked."))
chosen = list(picked)
shown = ",".join(chosen)
st.session_state["_compare_shown"] = shown
st.session_state["_compare_last"] = chosen
if st.query_params.get("districts") != shown:
    st.query_params["districts"] = shown
if unknown:
    # The ids come from the URL (?districts=): shown as text, never as Markdown (a shared link could show a link).
    st.warning(_("There is no district {id}. Valid district ids: {ids}.").format(
        id=", ".join(echo.plain(repr(u)) for u in unknown), ids=echo.plain(", ".join(ids))))

problem = compare.selection_problem(chosen)
if problem:
    st.info(problem)
    about.data_note(info)
    st.stop()

ids_key = tuple(chosen)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period) + " "
           + _("Each chart has one column per district on the same scale, so equal heights mean equal numbers."))
if info.has_incidents and info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

window_start = district.window_start(period.end)

# --- 1. Headline numbers ----------------------------------------------------------------------
st.subheader(_("Headline numbers"))
headline = cached.view(compare.headline_view, store, ids_key, period.start, period.end, filters.offense_group,
                       filters.date_basis, echo.plain(info.city_name),
                       districts_table=cached.area_table(store, key, filters, "district"))  # one for every choice
if headline.incidents is not None:
    st.markdown(f"**{headline.takeaway}.**")
    st.dataframe(headline.incidents, hide_index=True, width="stretch", placeholder=display.MISSING, column_config={
        _("Incidents"): st.column_config.NumberColumn(format="localized"),
        _("A year earlier"): st.column_config.NumberColumn(format="localized", help=_("The same days one year earlier")),
        _("% change"): st.column_config.NumberColumn(format="%+.1f%%"),
        _("Reading"): st.column_config.TextColumn(help=_(
            "A test of the two counts that allows for how much each district's counts normally vary over periods "
            "this long, measured from its own earlier years (see How to read these numbers)")),
        _("Per 1,000 residents"): st.column_config.NumberColumn(format="%.1f",
                                                                help=_("Incidents in the period ÷ residents × 1,000")),
        _("Residents"): st.column_config.TextColumn(_("Residents (year)"), help=_("The denominator of the rate")),
    })
if headline.others is not None:
    st.dataframe(headline.others, hide_index=True, width="stretch", placeholder=display.MISSING, column_config={
        _("Engagement activities"): st.column_config.NumberColumn(format="localized"),
        _("Activities a year earlier"): st.column_config.NumberColumn(format="localized"),
        _("Officer engagement hours"): st.column_config.NumberColumn(format="localized"),
        _("Latest trust (0–100)"): st.column_config.NumberColumn(format="%.1f", help=_(
            "Latest survey period up to the end of the selected period with at least {n} respondents; higher is "
            "more trust").format(n=metrics.MIN_RESPONDENTS)),
    })
breaks = about.chart_breaks(store, info, filters.offense_group, every_district=True)  # each chart picks its districts
preliminary = about.preliminary_from(info, filters.date_basis)
if info.has_incidents:
    about.comparison_cautions(info, series_breaks.for_places(breaks, chosen), filters)
st.caption(headline.notes)
show_numbers(headline.kpis, "kpis")

# --- 2-4. Incidents ---------------------------------------------------------------------------
st.subheader(_("Incidents month by month"))
if not info.has_incidents:
    st.info(_("No incident data is loaded for {city}, so there are no incident charts to compare.").format(
        city=echo.plain(info.city_name)))
else:
    monthly = cached.view(compare.monthly_view, store, ids_key, period.end, filters.offense_group, filters.date_basis,
                          offense_label)
    if not monthly.covered:
        st.info(_("The incident data do not cover these months."))
    else:
        display.altair_chart(compare_figures.monthly_incidents(monthly.table, monthly.takeaway, monthly.subtitle,
                                                               breaks=breaks, preliminary_from=preliminary),
                             width="content", key="compare_series_chart", kind=_("Line chart"))
        freshness_notes = about.chart_freshness_notes(series_breaks.for_places(breaks, chosen), window_start, period.end,
                                                      preliminary)
        st.caption(monthly.caption + "".join(f" {n}" for n in freshness_notes))

        st.subheader(_("Per 1,000 residents"))
        display.altair_chart(compare_figures.rate_lines(monthly.table, monthly.rate_takeaway, monthly.rate_subtitle,
                                                        breaks=breaks, preliminary_from=preliminary),
                             width="stretch", key="compare_rate_chart", kind=_("Line chart"))
        st.caption(monthly.rate_caption)
        show_numbers(monthly.table, "monthly")

    st.subheader(_("Which offenses"))
    mix = cached.view(compare.mix_view, store, ids_key, period.start, period.end, filters.offense_group,
                      filters.date_basis)
    if mix.hidden:
        st.info(mix.hidden)
        show_numbers(mix.table, "offense_mix")
    elif not mix.takeaway:
        st.info(_("No incidents of this kind were recorded in these districts in the period."))
    else:
        display.altair_chart(compare_figures.offense_mix(mix.table, mix.takeaway, mix.subtitle), width="content",
                             key="compare_mix_chart")
        st.caption(_("Shares compare the make-up of crime whatever a district's size. Offense groups follow the "
                     "FBI UCR classes."))
        show_numbers(mix.table, "offense_mix")

# --- 5. Engagement ----------------------------------------------------------------------------
st.subheader(_("Community engagement per resident"))
if info.engagement_rows == 0:
    st.info(_("No community-engagement activity is recorded for {city}: there is no engagement ledger "
              "to compare.").format(city=echo.plain(info.city_name)))
else:
    engagement = cached.view(compare.engagement_view, store, ids_key, window_start, period.end)
    if not engagement.takeaway:
        st.info(_("No engagement activities are recorded in these districts between {window}.").format(
            window=compare.window_label(period.end)))
    else:
        display.altair_chart(compare_figures.engagement_rates(engagement.table, engagement.takeaway, engagement.subtitle),
                             width="content", key="compare_engagement_chart")
        st.caption(_("Activities of every type (meetings, events, foot patrols, youth programs…) counted by their "
                     "own dates; hover for the count and officer hours. Engagement is often sent where crime is "
                     "high, so more engagement beside more crime does not show either caused the other."))
        show_numbers(engagement.table, "engagement")

# --- 6. Trust ---------------------------------------------------------------------------------
st.subheader(_("Resident trust"))
if info.survey_rows == 0:
    st.info(_("No resident survey is loaded for {city}, so there is no trust trend to compare.").format(
        city=echo.plain(info.city_name)))
else:
    trust = cached.view(compare.trust_view, store, ids_key, window_start, period.end)
    if not trust.takeaway:
        st.info(_("No trust survey result for these districts with at least {n} respondents up to the end of the "
                  "period.").format(n=metrics.MIN_RESPONDENTS))
    else:
        display.altair_chart(compare_figures.trust_trends(trust.table, trust.takeaway, trust.subtitle), width="content",
                             key="compare_trust_chart")
        st.caption(trust.caption)
        show_numbers(trust.table, "trust")

about.data_note(info, extra=_("On this page incidents are counted in the district recorded for each incident. "
                              "Each district's numbers are the same as on its District page for the same filters."))
