"""Overview: citywide KPIs with their comparison, a district map, engagement vs crime change,
and the district table."""

import streamlit as st

from community_policing import evaluation, figures, freshness, i18n, metrics, period_comparisons, privacy, ui
from community_policing.i18n import N_, _, ngettext

LABEL = "label"  # the key of a metric's label in figures.METRIC_STYLE
# The names analysis.window_comparisons gives its windows (English data), translated where shown.
WINDOW_NAMES = (N_("rolling 28 days"), N_("rolling 12 months"), N_("year to date"), N_("last full year"))

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
filters = ui.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff

st.title(_("Community policing in {city}").format(city=info.city_name))
ui.simulated_banner(info)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period))

if info.incident_rows == 0:
    st.info(_("No incident data is loaded for {city}, so there is no crime change to show. "
              "Survey results, where loaded, are on the Resident trust page.").format(city=info.city_name))
    ui.data_note(info)
    st.stop()

if info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

# The unsuppressed table only feeds the totals and the funnel's limits; what is shown comes from
# ``districts`` (suppressed in public mode, the same decision as every other page's).
raw_districts = ui.area_comparison(store, key, period.start, period.end, "district", filters.offense_group,
                                   filters.date_basis)
districts = ui.area_comparison(store, key, period.start, period.end, "district", filters.offense_group,
                               filters.date_basis, rules)
totals = metrics.city_totals(store, raw_districts, period.start, period.end)
protected = None
if rules is not None:
    protected = ui.protected_areas(store, key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    totals = privacy.protect_city_totals(totals, protected, rules, metrics.MIN_RESPONDENTS)

# --- KPIs, each with its comparison ---------------------------------------------------------
k1, k2, k3, k4 = st.columns(4)
k1.metric(
    _("Incidents"),
    _(totals.incidents_note) if totals.incidents_note else f"{totals.incidents:,}",
    delta=None if totals.pct_change is None else f"{totals.pct_change:+.1f}% ({totals.incidents - totals.incidents_prior_year:+,})",
    delta_color="inverse" if totals.noise != "within normal variation" else "off",
    help=_("Incidents counted in the period, as the agency counts them (later corrections are not subtracted: "
           "they are shown beside the count). The arrow compares with the same days a year earlier; it is grey "
           "when the change is within normal variation."),
)
ui.incident_comparison_captions(k1, totals, info.has_corrections)
ui.engagement_metrics(k2, k3, info.engagement_rows > 0, totals.engagement_events,
                      totals.engagement_events_prior_year, totals.officer_hours, totals.officer_hours_prior_year)
if totals.trust is None:
    k4.metric(_("Resident trust (0–100)"), _("no survey"))
    k4.caption(_("No trust survey results in this period."))
else:
    trust_delta = (None if totals.trust_prior_year is None
                   else _("{points} points").format(points=f"{totals.trust - totals.trust_prior_year:+.1f}"))
    k4.metric(_("Resident trust (0–100)"), f"{totals.trust:.1f}", delta=trust_delta, delta_color="off",
              help=_("Respondent-weighted mean of the monthly trust question, 0–100 (higher is more trust)."))
    k4.caption(ngettext("{n} respondent", "{n} respondents", totals.trust_respondents).format(
        n=f"{totals.trust_respondents:,}")
               + ("" if totals.trust_prior_year is None
                  else " · " + _("{score} a year earlier").format(score=f"{totals.trust_prior_year:.1f}")))
breaks = ui.chart_breaks(store, info, filters.offense_group)  # series breaks of the citywide series
ui.comparison_cautions(info, breaks, filters)

with st.expander(_("Standard comparisons: last 28 days, 12 months, year to date, last full year")):
    windows = freshness.window_cautions(
        ui.window_comparisons(store, key, info.last_day, filters.offense_group, filters.date_basis),
        info.freshness, breaks, filters.date_basis)
    if rules is not None:
        windows = privacy.protect_windows(windows, rules, protected.city, period)
    shown_windows = windows[privacy.columns_with_notes(["window", "start", "end", "current", "prior", "change",
                                                        "pct_change", "noise", "warning"], windows)]
    shown_windows = metrics.translated(shown_windows, ("window", "noise", "current_note", "prior_note"))
    st.dataframe(shown_windows, placeholder=ui.MISSING,
                 hide_index=True, width="stretch", column_config={
                     "window": _("Window"), "start": _("Start"), "end": _("End"),
                     "current_note": _("Incidents: note"), "prior_note": _("A year earlier: note"),
                     "current": st.column_config.NumberColumn(_("Incidents"), format="%d"),
                     "prior": st.column_config.NumberColumn(_("Same dates a year earlier"), format="%d"),
                     "change": st.column_config.NumberColumn(_("Change"), format="%+d"),
                     "pct_change": st.column_config.NumberColumn(_("% change"), format="%+.1f%%"),
                     "noise": _("Reading"), "warning": _("Caution")})
    st.caption(_("Each window ends on the last day with data ({day}) and is compared with the same dates a year "
                 "earlier, so seasons match.").format(day=i18n.format_date(info.last_day)))

unknown_note = ui.occurrence_unknown_note(store, key, filters, rules=rules)
if totals.incidents == 0 and not totals.incidents_prior_year:
    st.info(_("No incidents of this kind were recorded in this period or a year earlier. "
              "Try a longer period or all offenses."))
    ui.data_note(info, unknown_note)
    st.stop()

# --- Map --------------------------------------------------------------------------------------
st.subheader(_("Where: incidents by area"))
c1, c2 = st.columns([2, 1])
metric = c1.radio(_("Shade areas by"), ["rate_per_1000", "pct_change"], key="map_metric", horizontal=True,
                  format_func=lambda m: _(figures.METRIC_STYLE[m].get(LABEL)))
level = c2.radio(_("Areas"), metrics.LEVELS, key="map_level", horizontal=True, format_func=metrics.level_label)
areas = districts if level == "district" else ui.area_comparison(
    store, key, period.start, period.end, "neighborhood", filters.offense_group, filters.date_basis, rules)
features = ui.area_features(store, key, level)
if metric == "rate_per_1000":
    title = (_("{offenses}: incidents per 1,000 residents by district") if level == "district"
             else _("{offenses}: incidents per 1,000 residents by neighborhood")).format(offenses=offense_label)
    definition = _("Rate = incidents in the period ÷ residents × 1,000. Areas with fewer than {n} residents, or no "
                   "population figure (parks), are left grey. Longer periods give higher rates.").format(
        n=metrics.MIN_POPULATION_FOR_RATE)
else:
    title = (_("{offenses}: % change from a year earlier by district") if level == "district"
             else _("{offenses}: % change from a year earlier by neighborhood")).format(offenses=offense_label)
    definition = _("% change compares the same days a year earlier. Blue is fewer incidents, red is more. "
                   "Hover for the counts and whether the change is beyond normal variation.")
map_event = ui.plotly_chart(figures.choropleth(metrics.area_names(areas), features, metric, title,
                                               subtitle=period.label()),
                            width="stretch", key="map_chart", on_select="rerun", selection_mode="points")
many = period_comparisons.multiple_comparisons_note(len(areas)) if metric == "pct_change" else None
st.caption(definition + (" " + _("Click a district to open its page.") if level == "district" else "")
           + (f" {_(many)}" if many else ""))
# The map's numbers as a table (what each area's hover says), for readers who cannot use the map.
ui.numbers_behind(metrics.translated(metrics.area_names(areas[privacy.columns_with_notes(
                      ["area_id", "area_name", "incidents", "incidents_prior_year", "pct_change", "poisson_z",
                       "population", "rate_per_1000"], areas)]), metrics.WORD_COLUMNS),
                  info, f"map_{level}_{period.start}_{period.end}.csv",
                  key="numbers_map", column_config=ui.area_column_config(metrics.level_label(level)),
                  notes=ui.filter_notes(filters))
ui.open_district_on_click(map_event, level, areas)

# --- Fair ranking: funnel plot ---------------------------------------------------------------
placed, limits = evaluation.funnel(raw_districts)
if rules is not None and not limits.empty:
    placed = privacy.protect_funnel(placed, districts, rules)
    if placed is None:  # its centre line would give a hidden count away
        st.subheader(_("Which districts stand out, fairly compared"))
        st.info(_("The funnel plot is not shown in this public view for these filters: its centre line would reveal "
                  "a count of {label} incidents.").format(label=_(rules.label)))
        limits = limits.iloc[0:0]
if not limits.empty:
    st.subheader(_("Which districts stand out, fairly compared"))
    beyond = placed[placed["position"].fillna("").astype(str).str.startswith(("above", "below"))]
    rated = int(placed["rate_per_1000"].notna().sum())
    ui.plotly_chart(figures.funnel_plot(
        metrics.area_names(placed[~privacy.hidden(placed, "incidents")]), limits,
        title=(ngettext("{n} of {total} district is outside the range chance allows",
                        "{n} of {total} districts are outside the range chance allows", rated).format(
            n=len(beyond), total=rated) if len(beyond) else _("Every district's rate is within the range chance allows"))),
        kind=_("Funnel plot"), width="stretch", key="funnel_chart")
    st.caption(_("A league table ranks small districts by noise. The funnel shows how far a rate can stray from the "
                 "city rate by chance alone at each population (Poisson limits, 95% and 99.8%); only points "
                 "outside it differ by more than chance. With thousands of incidents the funnel is narrow: it says a "
                 "difference is real, not that it is large or what causes it."))
    ui.numbers_behind(metrics.translated(placed[privacy.columns_with_notes(
                          ["area_id", "area_name", "incidents", "population", "rate_per_1000", "expected", "z_score",
                           "position"], placed)], metrics.WORD_COLUMNS),
                      info, "districts_funnel.csv", key="numbers_funnel",
                      column_config=ui.area_column_config(_("District"), **metrics.column_labels(["expected", "position"])))

# --- Engagement vs crime change -------------------------------------------------------------
st.subheader(_("Engagement beside crime change, by district"))
with_intensity = metrics.add_intensity(districts, period.days)
if info.engagement_rows == 0:
    st.info(_("No community-engagement activity is recorded for {city}, so engagement cannot be "
              "compared with crime change. Departments add it through an engagement ledger source in the "
              "city manifest.").format(city=info.city_name))
else:
    intensity = st.radio(_("Engagement measure"), list(figures.INTENSITY_LABELS), key="intensity", horizontal=True,
                         format_func=lambda m: _(figures.INTENSITY_LABELS[m]))
    ui.plotly_chart(
        figures.engagement_scatter(with_intensity, intensity,
                                   title=_("Engagement intensity and change in incidents, by district")),
        width="stretch", key="scatter_chart")
    st.caption(f"**{_(figures.ASSOCIATION_NOT_EFFECT)}** " + _("Bubble size is the number of residents. "
               "Intensity is per 1,000 residents per year so that periods of any length compare."))
    ui.numbers_behind(metrics.translated(with_intensity[privacy.columns_with_notes(
                          ["area_id", "area_name", intensity, "pct_change", "incidents", "incidents_prior_year",
                           "population"], with_intensity)], metrics.WORD_COLUMNS),
                      info, f"districts_engagement_{period.start}_{period.end}.csv", key="numbers_scatter",
                      column_config=ui.area_column_config(_("District"), officer_hours_per_1000_per_year=(
                          st.column_config.NumberColumn(_("Officer hours per 1,000 per year"), format="%.1f"))),
                      notes=ui.filter_notes(filters))

# --- Table ------------------------------------------------------------------------------------
st.subheader(_("District table"))
# The corrections figures only where the source has corrections; why there is no change, only when there is none.
extra_columns = (["corrected", "after_corrections"] if info.has_corrections else []) + (
    [] if totals.comparable else ["comparison"])
table = with_intensity[privacy.columns_with_notes(metrics.AREA_COLUMNS + ["events_per_1000_per_year"] + extra_columns,
                                                  with_intensity)]
table_event = st.dataframe(
    metrics.translated(metrics.area_names(table), metrics.WORD_COLUMNS), placeholder=ui.MISSING,
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="district_table",
    column_config={**ui.area_column_config(_("District")), **ui.correction_column_config()},
)
note = period_comparisons.multiple_comparisons_note(len(table))
st.caption(_("Select a row to open that district's page.") + (f" {_(note)}" if note else "")
           + (" " + _("Incidents are the official counts; “After later corrections” is the same count less the "
                      "incidents that later corrections remove.") if info.has_corrections else "")
           + (f" {_(privacy.public_note(rules))}" if rules is not None else ""))
ui.open_district_on_row(table_event, table)
ui.download_table(table, info, f"districts_{period.start}_{period.end}", key="download_districts",
                  label=_("Download the district table"), notes=ui.filter_notes(filters))

ui.data_note(info, unknown_note)
