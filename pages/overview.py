"""Overview: citywide KPIs with their comparison, a district map, engagement vs crime change,
and the district table."""

import contextlib

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing.figures import areamap, base as figures
from community_policing.figures import overview as overview_figures
from community_policing.stats import funnel
from community_policing.views import metrics, overview
from community_policing.web import about, cached, display, downloads, echo, session, sidebar, signin
from community_policing.i18n import _

# The map's shading and areas in the address (?shade=change&areas=neighborhood), so a shared link opens this map.
SHADE_CODES = {"rate": "rate_per_1000", "change": "pct_change"}

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)
filters = sidebar.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)

st.title(_("Community policing in {city}").format(city=echo.plain(info.city_name)))
about.simulated_banner(info)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period))

if info.incident_rows == 0:
    st.info(_("No incident data is loaded for {city}, so there is no crime change to show. "
              "Survey results, where loaded, are on the Resident trust page.").format(city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()

if info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

# The totals, the one rate base of the page and the district table (in public mode protected, the same decision as
# every other page's), with the count expected once late reports arrive.
summary = cached.view(overview.city_summary, store, period.start, period.end, filters.offense_group, filters.date_basis)
totals, base, districts = summary.totals, summary.base, summary.districts

# --- The headline a council member can repeat ---------------------------------------------------
st.markdown(f"#### {echo.plain(metrics.headline(filters.offense_label, filters.period_name, period, totals))}")


# --- KPIs, each with its comparison ---------------------------------------------------------
def show_kpi(column, kpi: overview.Kpi, comparison=None) -> None:
    """One KPI and its captions; ``comparison``: the incidents' year-earlier captions, which come first."""
    column.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color=kpi.delta_color, help=kpi.help)
    if comparison is not None:
        about.incident_comparison_captions(column, comparison, info.has_corrections)
    for text in kpi.captions:
        column.caption(text)


k1, k2, k3, k4 = st.columns(4)
show_kpi(k1, overview.incidents_kpi(totals, summary.cast), comparison=totals)
for column, kpi in zip((k2, k3), overview.engagement_kpis(totals, summary.engagement)):
    show_kpi(column, kpi)
show_kpi(k4, overview.trust_kpi(totals, summary.trust_hidden, period))
# Why the comparison may mislead: a series break of the citywide series, days still filling in.
about.comparison_cautions(info, about.chart_breaks(store, info, filters.offense_group), filters, summary.to_come_share)

# The four standard windows, each against the same dates a year earlier (built when opened).
windows_box = display.lazy_expander(_("Standard comparisons: last 28 days, 12 months, year to date, last full year"),
                                    key="standard_comparisons")
with windows_box:
    if windows_box.open:
        windows = cached.view(overview.standard_windows, store, period.start, period.end, filters.offense_group,
                              filters.date_basis)
        h = windows.headings  # each column's heading, in the page's language
        st.dataframe(windows.table, placeholder=display.MISSING, hide_index=True, width="stretch", column_config={
            **{c: h[c] for c in ("window", "current_note", "prior_note", "noise", "warning")},
            "start": st.column_config.DateColumn(h["start"], format="localized"),
            "end": st.column_config.DateColumn(h["end"], format="localized"),
            "current": st.column_config.NumberColumn(h["current"], format="localized"),
            "prior": st.column_config.NumberColumn(h["prior"], format="localized"),
            "change": st.column_config.NumberColumn(h["change"], format="%+d"),
            "pct_change": st.column_config.NumberColumn(h["pct_change"], format="%+.1f%%"),
            "expected": st.column_config.NumberColumn(h["expected"], format="localized", help=h["expected_help"]),
            "expected_interval": st.column_config.TextColumn(h["expected_interval"], help=h["expected_interval_help"]),
            "expected_pct_change": st.column_config.NumberColumn(h["expected_pct_change"], format="%+.1f%%",
                                                                 help=h["expected_pct_change_help"]),
        })
        for note in windows.notes:
            st.caption(note)

unknown_note = about.occurrence_unknown_note(store, key, filters)
if totals.incidents == 0 and not totals.incidents_prior_year:
    st.info(_("No incidents of this kind were recorded in this period or a year earlier. "
              "Try a longer period or all offenses."))
    about.data_note(info, unknown_note, rate_base=base)
    st.stop()

# --- Map --------------------------------------------------------------------------------------
st.subheader(_("Where: incidents by area"))
c1, c2 = st.columns([2, 1])
metrics_shown = list(SHADE_CODES.values())
session.follow_url("shade", "map_metric", SHADE_CODES)
metric = c1.radio(_("Shade areas by"), metrics_shown, key="map_metric", horizontal=True,
                  format_func=lambda m: figures.metric_label(m, base),
                  **session.hold("map_metric", metrics_shown, metrics_shown[0]))
session.keep("map_metric", metric)
session.show_in_url("shade", next(code for code, m in SHADE_CODES.items() if m == metric), "rate")
session.follow_url("areas", "map_level", {code: code for code in metrics.LEVELS})
level = c2.radio(_("Areas"), metrics.LEVELS, key="map_level", horizontal=True, format_func=metrics.level_label,
                 **session.hold("map_level", metrics.LEVELS, metrics.LEVELS[0]))
session.keep("map_level", level)
session.show_in_url("areas", level, metrics.LEVELS[0])
areas = districts if level == "district" else cached.area_comparison(
    store, key, period.start, period.end, "neighborhood", filters.offense_group, filters.date_basis)
features = cached.area_features(store, key, level)
shaded = overview.shaded_areas(areas)  # adjusted rates colour the map; the raw rate and its counts are in the hover
if metric == "rate_per_1000":
    title = figures.rate_map_title(offense_label, level, base)
    definition = figures.rate_definition(base) + " " + overview.shrinkage_note(shaded)
else:
    title, definition = overview.change_map_words(level, offense_label)
area_map = overview_figures.choropleth(metrics.area_names(shaded), features, metric, title, subtitle=period.label(),
                                      base=base, context=cached.map_context(store, key))
map_event = display.altair_chart(area_map, key="map_chart", on_select="rerun",
                                 selection_mode=areamap.selections(area_map))
if blank := metrics.all_zero_note(areas, metric):  # a map with nothing to shade says so
    st.info(blank)
st.caption(overview.map_caption(definition, level, metric, areas))
downloads.numbers_behind(overview.map_numbers(shaded, base), info, f"map_{level}_{period.start}_{period.end}.csv",
                         key="numbers_map", column_config=display.area_column_config(
                      metrics.level_label(level), **{c: _(label) for c, label in funnel.COLUMN_LABELS.items()},
                      **display.rate_column_config(base)),
                         notes=sidebar.filter_notes(filters))
display.open_district_on_click(map_event, level, areas)

# --- How we know: the fair ranking (funnel plot), behind an expander so the plain numbers come first ---
funnel_box = display.lazy_expander(_("How we know: which districts stand out, fairly compared (funnel plot)"),
                                   key="how_we_know")
with funnel_box:
    if funnel_box.open:  # the funnel plot and its numbers, built when opened
        st.caption(_("A funnel plot: each district's rate against its population, with the range chance alone "
                     "would give (the funnel); only districts outside it stand out."))
        placement = cached.view(overview.funnel_placement, store, period.start, period.end, filters.offense_group,
                                filters.date_basis)
        if placement.withheld or not placement.limits.empty:
            st.subheader(_("Which districts stand out, fairly compared"))
        if placement.withheld:  # public view: its centre line would give a hidden count away
            st.info(placement.withheld)
        if not placement.limits.empty:
            display.plotly_chart(figures.funnel_plot(placement.points, placement.limits, title=placement.title, base=base),
                                 kind=_("Funnel plot"), width="stretch", key="funnel_chart")
            st.caption(placement.caption)
            downloads.numbers_behind(placement.numbers, info, "districts_funnel.csv", key="numbers_funnel",
                                     column_config=display.area_column_config(
                                  _("District"), **metrics.column_labels(["expected", "position"]),
                                  z_score=st.column_config.NumberColumn(_("z (chance alone)"), format="%+.2f"),
                                  **{c: _(label) for c, label in funnel.COLUMN_LABELS.items()},
                                  **display.rate_column_config(base)))

# --- Engagement vs crime change -------------------------------------------------------------
st.subheader(_("Engagement beside crime change, by district"))
with_intensity = metrics.add_intensity(districts, period.days)
if not totals.engagement_recorded:
    st.info(overview.no_engagement_note(summary.engagement))
    if signin.viewer().is_staff:
        st.caption(_("Staff: record activities on the Engagement log page, or load the department's "
                     "engagement records with the city's data."))
        with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
            st.page_link("pages/ledger.py", label=_("Open the Engagement log"), icon=":material/edit_note:")
else:
    intensity = st.radio(_("Engagement measure"), list(overview_figures.INTENSITY_LABELS), key="intensity",
                         horizontal=True, format_func=lambda m: _(overview_figures.INTENSITY_LABELS[m]))
    display.altair_chart(
        overview_figures.engagement_scatter(with_intensity, intensity,
                                            title=_("Engagement intensity and change in incidents, by district")),
        key="scatter_chart")
    st.caption(overview.scatter_caption(_(figures.ASSOCIATION_NOT_EFFECT), overview_figures.scatter_left_out(with_intensity, intensity)))
    downloads.numbers_behind(overview.scatter_numbers(with_intensity, intensity),
                             info, f"districts_engagement_{period.start}_{period.end}.csv", key="numbers_scatter",
                             column_config=display.area_column_config(_("District"), officer_hours_per_1000_per_year=(
                          st.column_config.NumberColumn(_("Officer hours per 1,000 per year"), format="%.1f"))),
                             notes=sidebar.filter_notes(filters))

# --- Table ------------------------------------------------------------------------------------
st.subheader(_("District table"))
table = overview.district_table(with_intensity, totals, info.has_corrections)
unrecorded = {} if totals.engagement_recorded else {
    c: st.column_config.TextColumn(label) for c, label in (
        ("engagement_events", _("Engagement activities")), ("officer_hours", _("Officer hours")),
        ("events_per_1000_per_year", _("Activities per 1,000 per year")))}
table_event = st.dataframe(
    overview.district_table_shown(table, base), placeholder=display.MISSING, hide_index=True, width="stretch",
    on_select="rerun", selection_mode="single-row", key="district_table",
    column_config={**display.area_column_config(_("District")), **display.correction_column_config(), **unrecorded,
                   **display.rate_column_config(base)})
st.caption(overview.district_table_caption(len(table), info.has_corrections, cached.public_note()))
display.open_district_on_row(table_event, table)
downloads.download_table(metrics.rates_per(table, base), info, f"districts_{period.start}_{period.end}",
                  key="download_districts", label=_("Download the district table"), notes=sidebar.filter_notes(filters))

about.data_note(info, unknown_note, rate_base=base)
