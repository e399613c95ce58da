"""Map: one layer at a time (rate, change, engagement, trust, or engagement × change), with
engagement activities as optional points, the layer's definition, and its table."""

import streamlit as st

from community_policing import figures, map_figures, map_layers, metrics, privacy, ui

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
filters = ui.sidebar_filters(store, info)
period = filters.period
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


@st.cache_data(show_spinner=False, max_entries=64)
def _layer(_store, key, layer, level, start, end, offense_group, date_basis, has_engagement, rules=None):
    p = metrics.Period(start, end)
    areas = ui.area_comparison(_store, key, start, end, level, offense_group, date_basis, rules)
    areas = map_layers.with_population_year(_store, areas, level)
    trust = map_layers.latest_trust(_store, start, end) if layer == "trust" and level == "district" else None
    unplaced = (map_layers.events_without_neighborhood(_store, start, end)
                if level == "neighborhood" and has_engagement else 0)
    return map_layers.build_layer(layer, level, areas, p, has_engagement=has_engagement, trust=trust,
                                  events_unplaced=unplaced)


@st.cache_data(show_spinner=False, max_entries=32)
def _points(_store, key, start, end):
    return map_layers.engagement_points(_store, start, end)


st.title("Map")
ui.simulated_banner(info)
st.caption(f"{filters.offense_label}, counted by date {filters.date_basis}, {period.label()} compared with the "
           f"same days a year earlier ({period.prior.label()}).")

if info.incident_rows == 0 and info.survey_rows == 0:
    st.info(f"No incident or survey data is loaded for {info.city_name}, so there is nothing to map yet.")
    ui.data_note(info)
    st.stop()

# --- Controls ----------------------------------------------------------------------------------
c1, c2, c3 = st.columns([3, 1.3, 1.2])
layer = c1.radio("Map layer", map_layers.LAYERS, key="map_layer", horizontal=True,
                 format_func=map_layers.LAYER_LABELS.get)
level = c2.radio("Areas", metrics.LEVELS, key="map_level_page", horizontal=True, format_func=str.capitalize)
has_engagement = info.engagement_rows > 0
show_events = c3.checkbox("Show engagement activities", key="show_events", disabled=not has_engagement,
                          help="Adds each engagement activity of the period that has a recorded place as a point, "
                               "coloured by type. Incident locations are never shown."
                               + ("" if has_engagement else " No engagement ledger is loaded for this city."))

data = _layer(store, key, layer, level, period.start, period.end, filters.offense_group, filters.date_basis,
              has_engagement, rules)
if info.prior_incomplete(period) and layer in ("change", "bivariate"):
    st.warning(f"The data start on {info.first_day:%b %-d, %Y}, after the comparison period begins "
               f"({period.prior.start:%b %-d, %Y}): changes from a year earlier are not meaningful for this period.")

if not data.available:
    st.info(data.message)
    ui.data_note(info)
    st.stop()

events = _points(store, key, period.start, period.end) if show_events and has_engagement else None
features = ui.area_features(store, key, level)
word = "district" if level == "district" else "neighborhood"
titles = {
    "rate": f"{filters.offense_label}: incidents per 1,000 residents by {word}",
    "change": f"{filters.offense_label}: % change from a year earlier by {word}",
    "engagement": f"Engagement activities per 1,000 residents per year by {word}",
    "trust": "Resident trust score by district (latest survey month in the period)",
    "bivariate": f"Engagement intensity and change in {filters.offense_label.lower()} by {word}",
}
definitions = {
    "rate": (f"**Rate** = incidents in the period ÷ residents × 1,000. Each hover gives the residents and the year "
             f"of that population figure. Areas with fewer than {metrics.MIN_POPULATION_FOR_RATE} residents are grey. "
             "Longer periods give higher rates."),
    "change": ("**% change** compares the same days a year earlier: blue is fewer incidents, red is more. Areas "
               "whose change is **within normal variation** (|z| < 2, where z = 2(√current − √earlier)) are "
               "drawn "
               "**faded with a light outline**: read them as no clear change. Grey areas had nothing to compare with."),
    "engagement": ("**Engagement intensity** = recorded engagement activities (meetings, events, foot patrols, "
                   "youth programs, feedback sessions) ÷ residents × 1,000, per year, so periods of any length "
                   "compare." + (" At neighborhood level only activities recorded with a neighborhood count."
                                 if level == "neighborhood" else "")),
    "trust": (f"**Trust score**: the answer to the trust question rescaled to 0–100 (higher is more trust), for each "
              f"district's latest survey month in the period, weighted by respondents. Months with fewer than "
              f"{metrics.MIN_RESPONDENTS} respondents are not used."),
    "bivariate": ("**Two things at once.** Each area is put in a third (tercile) of the areas by engagement "
                  "intensity (left to right: teal deepens) and by % change in incidents (bottom to top: pink "
                  "deepens); dark blue is more engagement where crime rose most. Terciles are relative to this "
                  f"city's areas. **{figures.ASSOCIATION_NOT_EFFECT}**"),
}

# --- Map, with its legend and definition beside it ----------------------------------------------
fig = map_figures.layer_map(data.table, features, layer, titles[layer], subtitle=period.label(), events=events)
map_col, key_col = st.columns([1.45, 1]) if layer == "bivariate" else (st.container(), None)
with map_col:
    event = ui.plotly_chart(fig, width="stretch", key="map_page_chart", on_select="rerun", selection_mode="points")
    st.caption(definitions[layer] + (" Click a district to open its page." if level == "district" else ""))
    for note in data.notes:
        st.caption(note)
    if layer in ("change", "bivariate"):  # changes from a year earlier: flag a series break or preliminary days
        ui.comparison_cautions(info, ui.chart_breaks(store, info, filters.offense_group,
                                                     every_district=level == "district"), filters)
    if events is not None:
        st.caption(f"{len(events):,} engagement activities with a recorded place are shown as points, coloured by "
                   "type (hover for the date and attendees). Incident locations are never mapped.")
    elif show_events:
        st.caption("No engagement activities with a recorded place fall in this period.")
if key_col is not None:
    legend = data.legend
    with key_col:
        ui.plotly_chart(map_figures.bivariate_legend(legend), width="stretch", key="bivariate_legend")
        st.dataframe(legend[["label", "engagement_range", "change_range", "areas"]], hide_index=True,
                     width="stretch", column_config={
                         "label": "Colour means", "engagement_range": "Activities per 1,000 per year",
                         "change_range": "% change", "areas": st.column_config.NumberColumn("Areas", format="%d")})
ui.open_district_on_click(event, level, data.table)

# --- Table of the layer's values ------------------------------------------------------------------
st.subheader(f"The numbers behind the map, by {word}")
base = ["area_id", "area_name", "incidents", "incidents_prior_year", "pct_change", "poisson_z", "noise",
        "population", "population_year", "rate_per_1000"]
extra = {
    "rate": [],
    "change": ["muted"],
    "engagement": ["engagement_events", "officer_hours", "events_per_1000_per_year"],
    "trust": ["trust_score", "trust_period", "respondents", "margin_of_error"],
    "bivariate": ["engagement_events", "events_per_1000_per_year", "engagement_class", "change_class",
                  "bivariate_label"],
}[layer]
table = data.table[privacy.columns_with_notes(base + extra, data.table)]
st.dataframe(table, hide_index=True, width="stretch", key="map_table", column_config=ui.area_column_config(
    word.capitalize(),
    muted=st.column_config.CheckboxColumn("Faded on the map", help="Within normal variation (|z| < 2)"),
    trust_score=st.column_config.NumberColumn("Trust (0–100)", format="%.1f"),
    trust_period=st.column_config.DateColumn("Survey month", format="MMM YYYY"),
    respondents=st.column_config.NumberColumn("Respondents", format="%d"),
    margin_of_error=st.column_config.NumberColumn("Margin of error (±)", format="%.1f"),
    engagement_class=st.column_config.NumberColumn("Engagement third (1–3)", format="%d"),
    change_class=st.column_config.NumberColumn("Change third (1–3)", format="%d"),
    bivariate_label="Colour means",
))
if rules is not None:
    st.caption(privacy.public_note(rules) + " On the map such areas are white with a heavy outline.")
ui.download_table(table, info, f"map_{layer}_{level}_{period.start}_{period.end}", key="download_map_layer",
                  label="Download this layer's table", notes=ui.filter_notes(filters))

ui.data_note(info, extra="Engagement points are engagement activities only; incident locations are never mapped.")
