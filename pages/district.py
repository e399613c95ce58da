"""District: one police district in depth. Reached by ?district=ID or the district picker, which
keeps the URL in step so the page can be shared. What it shows is made by views.district_page."""

import contextlib

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing.figures import district as district_figures
from community_policing.views import district, district_page, metrics
from community_policing.web import about, cached, display, downloads, echo, sidebar, signin
from community_policing.i18n import _

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)


def show_numbers(frame: pd.DataFrame, name: str) -> None:
    # Headings and readings in the page's language; the machine column names stay (downloads too).
    downloads.numbers_behind(metrics.translated(frame, metrics.WORD_COLUMNS), info, f"district_{chosen.id}_{name}.csv",
                             key=f"download_{name}", column_config=metrics.column_labels(frame.columns),
                             notes=sidebar.filter_notes(filters))


def show_chart(chart: district_page.Chart, figure, key: str, name: str, chart_numbers: str | None = None,
               kind: str | None = None, **options) -> None:
    """A chart from its view (``figure`` of its frame, title, subtitle and options) or why there is none, then the
    sentences under it and the numbers behind it (``chart_numbers``: the chart's own, right under it). ``kind``: what
    the text alternative calls it, when its first mark (a shaded period) is not what it is."""
    if chart.missing:
        st.info(chart.missing)
    else:
        display.altair_chart(figure(chart.frame, chart.title, chart.subtitle, **chart.options, **options), kind=kind,
                             key=key)
        if chart_numbers:
            show_numbers(chart.frame, chart_numbers)
    if chart.caption:
        st.caption(chart.caption)
    if chart.numbers is not None:
        show_numbers(chart.numbers, name)


# --- Which district ---------------------------------------------------------------------------

filters = sidebar.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
titles = district_page.titles(cached.district_list(store, key))  # in the page's language, not the cached list's
ids = list(titles)

# The URL and the picker stay in step without callbacks: the URL decides when it names a district
# this session has not just shown (first load, a shared link); otherwise the picker decides and
# the URL is rewritten to match. "_district_shown" remembers the district last shown, so coming
# back from another page returns to it.
requested = st.query_params.get("district")
if not ids or (requested is not None and requested not in titles):  # no district to show
    st.title(_("District"))
    about.simulated_banner(info)
    if not ids:
        st.info(_("No districts are loaded for {city}, so there is no district to show.").format(
            city=echo.plain(info.city_name)))
    else:
        try:
            district.get_district(store, requested)
        except ValueError as exc:
            st.error(echo.plain(exc))  # it quotes the URL's ?district= value: shown as text, never as Markdown
        picked = st.selectbox(_("Pick a district"), ids, index=None, format_func=titles.get, key="district_pick",
                              placeholder=_("Choose a district"))
        if picked is not None:
            st.session_state["district"] = st.session_state["_district_shown"] = picked
            st.query_params["district"] = picked
            st.rerun()
    about.data_note(info)
    st.stop()
if requested is not None and requested != st.session_state.get("_district_shown"):
    st.session_state["district"] = requested
elif st.session_state.get("district") not in titles:
    last = st.session_state.get("_district_shown")
    st.session_state["district"] = last if last in titles else ids[0]

heading = st.container()
selected = st.selectbox(_("District"), ids, format_func=titles.get, key="district",
                        help=_("The address of this page names the district, so it can be shared or bookmarked."))
st.session_state["_district_shown"] = selected
if st.query_params.get("district") != selected:
    st.query_params["district"] = selected
chosen = district.get_district(store, selected)
# Every section below: the district, then the filters it follows; names from the city's files print as text.
place = (store, chosen.id)
chosen_filters = (period.start, period.end, filters.offense_group, filters.date_basis)
district_name, city_name = echo.plain(chosen.title), echo.plain(info.city_name)

with heading:
    st.title(district_name)
    about.simulated_banner(info)
st.caption(district_page.facts(chosen) + metrics.comparison_caption(offense_label, filters.date_basis, period))
locator, _beside = st.columns([1, 2])
with locator:  # where the district is in the city, for a reader who does not know its number
    display.altair_chart(district_figures.locator_map(
        cached.area_features(store, key, "district"), chosen.id, _("Where {district} is in the city").format(
            district=chosen.title), context=cached.map_context(store, key)), kind=_("Map"), key="district_locator")
if st.button(_("Printable briefing for this district (PDF or slides)"), icon=":material/picture_as_pdf:",
             key="district_briefing"):
    st.switch_page("pages/briefing.py", query_params={"district": chosen.id})
if info.has_incidents and info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

# --- 1. KPIs ----------------------------------------------------------------------------------
head = cached.view(district_page.headline, *place, *chosen_filters, city_name,
                   districts_table=cached.area_table(store, key, filters, "district"))  # one table for all districts
for i, (column, kpi) in enumerate(zip(st.columns(head.widths), (head.incidents, *head.others))):
    column.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color=kpi.delta_color, help=kpi.help)
    if i == 0 and info.has_incidents:  # the incidents: their year-earlier comparison's captions come first
        about.incident_comparison_captions(column, head.kpis, info.has_corrections)
    for text in kpi.captions:
        column.caption(text)
breaks = about.chart_breaks(store, info, filters.offense_group, chosen.id)  # series breaks that concern this district
preliminary = about.preliminary_from(info, filters.date_basis)
if info.has_incidents:
    about.comparison_cautions(info, breaks, filters)
if (public_note := cached.public_note()) and info.has_incidents:
    st.caption(public_note)


# --- 2-4, 9. Incidents: month by month, season, offenses, neighborhoods (one view at a time) ---------
def _monthly() -> None:
    freshness = about.chart_freshness_notes(breaks, district.window_start(period.end), period.end, preliminary)
    show_chart(cached.view(district_page.monthly, *place, period.end, filters.offense_group, filters.date_basis,
                           offense_label, tuple(freshness), preliminary), district_figures.monthly_incidents,
               "series_chart", "monthly", kind=_("Line chart"), period_start=period.start, period_end=period.end,
               breaks=breaks, preliminary_from=preliminary)


def _neighborhoods() -> None:
    if chosen.neighborhoods == 0:
        st.info(_("No neighborhoods are loaded for {district}.").format(district=district_name))
        return
    ranked = cached.view(district_page.neighborhoods, *place, *chosen_filters, offense_label, area_tables=tuple(
        cached.area_table(store, key, filters, level) for level in ("neighborhood", "district")))
    st.markdown(ranked.heading)
    numbers = {column: st.column_config.NumberColumn(label, format=number_format, help=hint)
               for column, (label, number_format, hint) in ranked.numbers.items()}
    st.dataframe(ranked.shown, hide_index=True, width="stretch", height="content", placeholder=display.MISSING,
                 column_order=[c for c in ranked.shown.columns if c != "area_id"],
                 column_config=display.area_column_config("Id", **numbers, **ranked.labels))
    st.caption(ranked.caption)
    downloads.download_table(ranked.ranking.table, info, f"district_{chosen.id}_neighborhoods_{period.start}_{period.end}",
                             key="download_neighborhoods", label=_("Download the neighborhood table"),
                             notes=sidebar.filter_notes(filters))


st.subheader(_("Incidents"))
if not info.has_incidents:
    st.info(_("No incident data is loaded for {city}, so there are no incident charts for this district. "
              "Engagement, survey, training and program records, where loaded, follow below.").format(city=city_name))
else:
    # One view at a time, each built when chosen (a chart each; the neighborhoods need their own comparison):
    # the page's first visit draws one incident chart, not three and a table.
    views = {
        _("Month by month"): _monthly,
        _("Seasonal pattern"): lambda: show_chart(cached.view(district_page.season, *place, filters.offense_group,
                                                              filters.date_basis, offense_label),
                                                  district_figures.seasonal_pattern, "seasonal_chart", "seasonal"),
        _("Which offenses"): lambda: show_chart(cached.view(district_page.offenses, *place, *chosen_filters),
                                                district_figures.offense_mix, "mix_chart", "offense_mix"),
        _("Neighborhoods"): _neighborhoods}
    for (tab, shown), show in zip(display.lazy_tabs(list(views), key="incident_view"), views.values()):
        with tab:
            if shown:
                show()

# --- 5-8. Engagement, trust, training, programs -----------------------------------------------
st.subheader(_("Community engagement"))
show_chart(cached.view(district_page.engagement, *place, period.end, period.start, district_name),
           district_figures.engagement_timeline, "engagement_chart", "engagement", chart_numbers="engagement_monthly")
if info.engagement_rows == 0 and signin.viewer().is_staff:
    with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
        st.page_link("pages/ledger.py", label=_("Staff: record activities on the Engagement log"),
                     icon=":material/edit_note:")
st.subheader(_("Resident trust"))
show_chart(cached.view(district_page.trust, *place, period.end, district_name, city_name), district_figures.trust_trend,
           "trust_chart", "trust", kind=_("Line chart"), period_start=period.start, period_end=period.end)
st.subheader(_("Officer training"))
show_chart(cached.view(district_page.training, *place, period.end, period.start, district_name, city_name),
           district_figures.training_hours, "training_chart", "training")
st.subheader(_("Programs in this district"))
programs = cached.view(district_page.programs, *place, period.end, district_name, city_name)
if programs.missing:
    st.info(programs.missing)
else:
    st.dataframe(programs.shown, hide_index=True, width="stretch", placeholder=display.MISSING, column_config={
        "name": _("Program"), "start_date": st.column_config.DateColumn(_("Start")), "end_date": _("End"),
        "status": programs.status, "description": st.column_config.TextColumn(_("What it does"), width="large"),
        "annual_cost": _("Annual cost (US$)")})
    st.caption(programs.caption)

unknown_note = about.occurrence_unknown_note(store, key, filters, chosen.id) if info.has_incidents else ""
about.data_note(info, extra=district_page.counting_note(unknown_note))
