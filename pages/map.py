"""Map: one layer at a time (rate, change, engagement, trust, or engagement × change), with
engagement activities as optional points, the layer's definition, and its table."""

import streamlit as st

from community_policing.figures import areamap, base as figures, maps as map_figures
from community_policing.stats import funnel
from community_policing.views import map_layers, metrics
from community_policing.web import about, cached, display, downloads, echo, session, sidebar
from community_policing.i18n import _, ngettext

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)
filters = sidebar.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)

st.title(_("Map"))
about.simulated_banner(info)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period))

if info.incident_rows == 0 and info.survey_rows == 0:
    st.info(_("No incident or survey data is loaded for {city}, so there is nothing to map yet.").format(
        city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()

# One base for every incident rate of this page (colours, colour bar, hover, table, download), chosen as the
# Overview chooses it: per 100,000 for a rare selection, else per 1,000 (metrics.view_rate_base).
base = cached.view(map_layers.rate_base_view, store, period.start, period.end, filters.offense_group, filters.date_basis)

# --- Controls ----------------------------------------------------------------------------------
c1, c2, c3 = st.columns([2.7, 1.2, 1.5])
# Layer and areas are held for the session and carried by the address (?layer=change&level=neighborhood), like
# the sidebar filters, so a shared link opens the same map.
session.follow_url("layer", "map_layer", {code: code for code in map_layers.LAYERS})
layer = c1.radio(_("Map layer"), map_layers.LAYERS, key="map_layer", horizontal=True,
                 format_func=lambda code: figures.rate_label(base) if code == "rate" else map_layers.layer_label(code),
                 **session.hold("map_layer", map_layers.LAYERS, map_layers.LAYERS[0]))
session.keep("map_layer", layer)
session.show_in_url("layer", layer, map_layers.LAYERS[0])
session.follow_url("level", "map_level_page", {code: code for code in metrics.LEVELS})
level = c2.radio(_("Areas"), metrics.LEVELS, key="map_level_page", horizontal=True, format_func=metrics.level_label,
                 **session.hold("map_level_page", metrics.LEVELS, metrics.LEVELS[0]))
session.keep("map_level_page", level)
session.show_in_url("level", level, metrics.LEVELS[0])
has_engagement = info.engagement_rows > 0
show_events = c3.checkbox(_("Show engagement activities"), key="show_events", disabled=not has_engagement,
                          help=_("Adds each engagement activity of the period that has a recorded place as a point, "
                                 "coloured by type. Incident locations are never shown.")
                          + ("" if has_engagement else " " + _("No engagement ledger is loaded for this city.")))

data = cached.view(map_layers.layer_view, store, layer, level, period.start, period.end, filters.offense_group,
                   filters.date_basis)
if info.prior_incomplete(period, filters.date_basis) and layer in ("change", "bivariate"):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

if not data.available:
    st.info(data.message)
    about.data_note(info)
    st.stop()

events = cached.view(map_layers.points_view, store, period.start, period.end) if show_events and has_engagement else None
features = cached.area_features(store, key, level)
by_district = level == "district"
offenses = offense_label
titles = {
    "rate": figures.rate_map_title(offenses, level, base),
    "change": (_("{offenses}: % change from a year earlier by district") if by_district
               else _("{offenses}: % change from a year earlier by neighborhood")).format(offenses=offenses),
    "engagement": (_("Engagement activities per 1,000 residents per year by district") if by_district
                   else _("Engagement activities per 1,000 residents per year by neighborhood")),
    "trust": _("Resident trust score by district (latest survey month in the period)"),
    "bivariate": (_("Engagement intensity and change in {offenses} by district") if by_district
                  else _("Engagement intensity and change in {offenses} by neighborhood")).format(
        offenses=offenses.lower()),
}
definitions = {
    "rate": _("**Rate** = incidents in the period ÷ residents × {base}, **adjusted for size**: a small area's rate, "
              "which chance swings a lot, is pulled toward the city rate ({city} per {base}), while a large area "
              "keeps close to its own (empirical Bayes). Each hover gives the raw rate with its incidents and "
              "residents, and the year of that population figure. Areas with fewer than {n} residents, or no "
              "population figure (parks), are grey. Longer periods give higher rates.").format(
        n=metrics.MIN_POPULATION_FOR_RATE, city=funnel.city_rate_text(data.table, base), base=metrics.per_base(base))
    + (" " + _(figures.RARE_BASE_NOTE) if base != 1000 else ""),
    "change": _("**% change** compares the same days a year earlier: blue is fewer incidents, red is more. Areas "
                "whose change is **within normal variation** (|z| < 2: no larger than the area's counts usually "
                "move, see How to read these numbers) are drawn **faded with a light outline**: read them as no "
                "clear change. Grey areas had nothing to compare with (none a year earlier, or no data loaded a year "
                "earlier: hover says which)."),
    "engagement": (_("**Engagement intensity** = recorded engagement activities (meetings, events, foot patrols, "
                     "youth programs, feedback sessions) ÷ residents × 1,000, per year, so periods of any length "
                     "compare.") + (" " + _("At neighborhood level only activities recorded with a neighborhood "
                                            "count.") if level == "neighborhood" else "")),
    "trust": _("**Trust score**: the answer to the trust question rescaled to 0–100 (higher is more trust), for each "
               "district's latest survey month in the period, weighted by respondents. Months with fewer than "
               "{n} respondents are not used.").format(n=metrics.MIN_RESPONDENTS),
    "bivariate": _(map_layers.BIVARIATE_DEFINITION) + f" **{_(figures.ASSOCIATION_NOT_EFFECT)}**",
}

# --- Map, with its legend and definition beside it ----------------------------------------------
highlight = None
if level == "neighborhood":  # find one's way: type a neighborhood, it is outlined on the map
    names = dict(zip(data.table["area_name"], data.table["area_id"]))
    found = st.selectbox(_("Find a neighborhood"), sorted(n for n in names if isinstance(n, str)), index=None,
                         key="map_find", help=_("Type or choose a neighborhood: it is outlined in black on the map."))
    highlight = names.get(found)
if layer in ("rate", "change") and (blank := metrics.all_zero_note(data.table, "rate_per_1000" if layer == "rate"
                                                                   else "pct_change")):
    st.info(blank)
chart = map_figures.layer_map(data.table, features, layer, titles[layer], subtitle=period.label(), events=events,
                              highlight=highlight, context=cached.map_context(store, key), base=base)
map_col, key_col = st.columns([1.45, 1]) if layer == "bivariate" else (st.container(), None)
with map_col:
    event = display.altair_chart(chart, key="map_page_chart", on_select="rerun",
                                 selection_mode=areamap.selections(chart))
    st.caption(definitions[layer] + (" " + _("Click a district to open its page.") if level == "district" else ""))
    for note in data.notes:
        st.caption(note)
    if layer in ("change", "bivariate"):  # changes from a year earlier: flag a series break or preliminary days
        about.comparison_cautions(info, about.chart_breaks(store, info, filters.offense_group,
                                                           every_district=level == "district"), filters)
    if events is not None:
        st.caption(ngettext("{n} engagement activity with a recorded place is shown as a point, coloured by type "
                            "(hover for the date and attendees). Incident locations are never mapped.",
                            "{n} engagement activities with a recorded place are shown as points, coloured by "
                            "type (hover for the date and attendees). Incident locations are never mapped.",
                            len(events)).format(n=f"{len(events):,}"))
    elif show_events:
        st.caption(_("No engagement activities with a recorded place fall in this period."))
if key_col is not None:
    legend = data.legend
    with key_col:
        display.altair_chart(map_figures.bivariate_legend(legend), key="bivariate_legend")
        st.dataframe(legend[["label", "engagement_range", "change_range", "areas"]], hide_index=True,
                     width="stretch", placeholder=display.MISSING, column_config={
                         "label": _("Colour means"), "engagement_range": _("Activities per 1,000 per year"),
                         "change_range": _("% change"), "areas": st.column_config.NumberColumn(_("Areas"), format="%d")})
display.open_district_on_click(event, level, data.table)

# --- Table of the layer's values ------------------------------------------------------------------
st.subheader(_("The numbers behind the map, by district") if by_district
             else _("The numbers behind the map, by neighborhood"))
table = map_layers.layer_table(data, base)
st.dataframe(metrics.translated(table, ("noise", "incidents_note", "incidents_prior_year_note", "denominator_note")),
             hide_index=True,
             width="stretch", key="map_table", placeholder=display.MISSING, column_config=display.area_column_config(
    metrics.level_label(level),
    noise=_("Reading"),
    population_year=st.column_config.NumberColumn(_("Population year"), format="%d"),
    muted=st.column_config.CheckboxColumn(_("Faded on the map"), help=_("Within normal variation (|z| < 2)")),
    rate_per_1000=st.column_config.NumberColumn(_("Raw rate per 1,000"), format="%.1f"),
    rate_eb_per_1000=st.column_config.NumberColumn(_("Size-adjusted rate per 1,000"), format="%.1f", help=_(
        "The rate pulled toward the city rate by an amount that depends on how few incidents the area has "
        "(empirical Bayes); the map is shaded by it.")),
    rate_eb_low=st.column_config.NumberColumn(_("Size-adjusted: low (95%)"), format="%.1f"),
    rate_eb_high=st.column_config.NumberColumn(_("Size-adjusted: high (95%)"), format="%.1f"),
    times_city_rate=st.column_config.NumberColumn(_("× city rate"), format="%.2f", help=_(
        "The raw rate divided by the city rate.")),
    denominator_note=_("Denominator note"),
    trust_score=st.column_config.NumberColumn(_("Trust (0–100)"), format="%.1f"),
    trust_period=st.column_config.DateColumn(_("Survey month"), format="MMM YYYY"),
    respondents=st.column_config.NumberColumn(_("Respondents"), format="%d"),
    margin_of_error=st.column_config.NumberColumn(_("Margin of error (±)"), format="%.1f"),
    engagement_class=st.column_config.NumberColumn(_("Engagement third (1–3)"), format="%d"),
    change_class=st.column_config.NumberColumn(_("Change third (1–3)"), format="%d"),
    bivariate_label=_("Colour means"),
    **display.rate_column_config(base),
))
if cached.public_view():
    st.caption(cached.public_note() + " " + _("On the map such areas are white with a heavy outline."))
downloads.download_table(table, info, f"map_{layer}_{level}_{period.start}_{period.end}", key="download_map_layer",
                         label=_("Download this layer's table"), notes=sidebar.filter_notes(filters))

about.data_note(info, extra=_("Engagement points are engagement activities only; incident locations are never mapped."),
                rate_base=base)
