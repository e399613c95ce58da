"""Overview: citywide KPIs with their comparison, a district map, engagement vs crime change,
and the district table."""

import contextlib

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing import i18n
from community_policing.data import freshness
from community_policing.figures import base as figures
from community_policing.stats import funnel, nowcast
from community_policing.views import evaluation, metrics, period_comparisons, privacy
from community_policing.web import ui
from community_policing.i18n import N_, _, ngettext

# The map's shading and areas in the address (?shade=change&areas=neighborhood), so a shared link opens this map.
SHADE_CODES = {"rate": "rate_per_1000", "change": "pct_change"}
# The names analysis.window_comparisons gives its windows (English data), shown as the sidebar's period names.
WINDOW_NAMES = {"rolling 28 days": N_("Last 28 days"), "rolling 12 months": N_("Last 12 months"),
                "year to date": N_("Year to date"), "last full year": N_("Last full year")}


@st.cache_data(show_spinner=False, max_entries=64)
def nowcast_inputs(_store, key: tuple, offense_group: str) -> nowcast.NowcastInputs | None:
    """The measured reporting delays and the counts by date occurred (None: delays cannot be measured)."""
    return nowcast.inputs(_store, offense_group)


store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
filters = ui.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff

st.title(_("Community policing in {city}").format(city=ui.plain(info.city_name)))
ui.simulated_banner(info)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period))

if info.incident_rows == 0:
    st.info(_("No incident data is loaded for {city}, so there is no crime change to show. "
              "Survey results, where loaded, are on the Resident trust page.").format(city=ui.plain(info.city_name)))
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
totals = metrics.city_totals(store, raw_districts, period.start, period.end, filters.offense_group,
                             filters.date_basis)
# One base for every rate of this page (map, hover, colour bar, funnel, tables, downloads): per 100,000 for a
# rare selection (homicide, or under 1 incident per 1,000 residents citywide), else per 1,000.
base = metrics.table_rate_base(raw_districts, filters.offense_group)
surveyed = totals.city_trust  # the one citywide trust figure (population-weighted), before public-mode hiding
protected = None
if rules is not None:
    protected = ui.protected_areas(store, key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    totals = privacy.protect_city_totals(totals, protected, rules, metrics.MIN_RESPONDENTS)

# --- The headline a council member can repeat ---------------------------------------------------
st.markdown(f"#### {ui.plain(metrics.headline(filters.offense_label, filters.period_name, period, totals))}")

# --- KPIs, each with its comparison ---------------------------------------------------------
# Counted by date occurred, the latest days are still filling in: beside the count so far, the count expected
# once late reports arrive (nowcast), when the period reaches into days still to be reported. Nothing is added
# by date reported (counts do not change afterwards) or when the delays cannot be measured.
inputs = nowcast_inputs(store, key, filters.offense_group) if filters.date_basis == "occurred" else None
cast = None if inputs is None else nowcast.nowcast(inputs.daily, inputs.model, period.start, period.end)
if cast is not None and (not cast.shown or totals.incidents is None or cast.counted != totals.incidents):
    cast = None
k1, k2, k3, k4 = st.columns(4)
incidents_help = _("Incidents counted in the period, as the agency counts them (later corrections are not subtracted: "
                   "they are shown beside the count). The arrow compares with the same days a year earlier; it is grey "
                   "when the change is within normal variation.")
if cast is not None:
    incidents_help += " " + _("Counted by date occurred, the latest days are still incomplete: the count, the arrow "
                              "and the reading use the incidents counted so far; the caption adds the count expected "
                              "once late reports arrive, with its 95% interval and the change it would make.")
few = totals.incidents_prior_year is not None and totals.incidents_prior_year < metrics.MIN_COUNT_FOR_PCT
k1.metric(
    _("Incidents"),
    _(totals.incidents_note) if totals.incidents_note else f"{totals.incidents:,}",
    delta=None if totals.pct_change is None and not (few and totals.comparable and totals.incidents is not None)
    else (f"{totals.incidents - totals.incidents_prior_year:+,}" if few
          else f"{totals.pct_change:+.1f}% ({totals.incidents - totals.incidents_prior_year:+,})"),
    delta_color="inverse" if totals.noise != "within normal variation" else "off",
    help=incidents_help,
)
ui.incident_comparison_captions(k1, totals, info.has_corrections)
if few and totals.comparable and totals.incidents is not None:
    k1.caption(metrics.too_few_note())
elif totals.noise_z is not None:
    k1.caption(_(metrics.Z_DEFINITION))
if note := metrics.noise_basis_note(totals.noise_basis):
    k1.caption(note[0].upper() + note[1:] + ".")
if cast is not None:
    k1.caption(cast.caption(totals.incidents_prior_year if totals.comparable else None))
ledger = metrics.engagement_coverage(store)
for column, kpi in zip((k2, k3), metrics.engagement_kpis(
        totals.engagement_events, totals.engagement_events_prior_year, totals.officer_hours,
        totals.officer_hours_prior_year, totals.engagement_recorded, totals.engagement_prior_recorded, ledger)):
    column.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color="off")
    if kpi.caption:
        column.caption(kpi.caption)
# Citywide trust weighted by district population, with the change's margin of error and reading; public mode hides
# a score from too few respondents exactly as privacy.protect_city_totals does.
trust = totals.city_trust  # already hidden in public mode by privacy.protect_city_totals
trust_title = _("Resident trust (0–100)")
if trust.score is None:
    hidden = surveyed.score is not None
    k4.metric(trust_title, _("not shown") if hidden else _("no survey"))
    k4.caption(_("Not shown in this public view: fewer than {n} residents answered in this period.").format(
        n=metrics.MIN_RESPONDENTS) if hidden else _("No trust survey results in this period ({period}).").format(
        period=period.label()))
else:
    k4.metric(trust_title, f"{trust.score:.1f}",
              delta=None if trust.change is None else _("{points} points").format(points=f"{trust.change:+.1f}"),
              delta_color="off",
              help=" ".join(part for part in (
                  _("Mean of the district trust scores in the period, 0–100 (higher is more trust)."),
                  trust.weighting_text(),
                  _("The change compares the same days a year earlier; its margin of error allows for survey sampling "
                    "and for how much the citywide score has drifted from year to year before, and the reading uses "
                    "the same words as crime counts.")) if part))
    lines = [ngettext("{n} respondent", "{n} respondents", trust.respondents).format(n=f"{trust.respondents:,}")
             if trust.respondents else _("respondents not published")]
    if trust.prior_score is not None:
        lines.append(trust.change_caption())
    lines.append(_("surveys of {period}").format(period=period.label()))  # the period the figure is of
    k4.caption(" · ".join(lines))
    if coverage := trust.coverage_text():
        k4.caption(coverage)
breaks = ui.chart_breaks(store, info, filters.offense_group)  # series breaks of the citywide series
ui.comparison_cautions(info, breaks, filters, None if cast is None or cast.expected <= 0 else cast.to_come / cast.expected)


def _standard_comparisons() -> None:
    """The four standard windows, each against the same dates a year earlier (built when opened)."""
    windows = freshness.window_cautions(
        ui.window_comparisons(store, key, info.last_day, filters.offense_group, filters.date_basis),
        info.freshness, breaks, filters.date_basis)
    if rules is not None:
        windows = privacy.protect_windows(windows, rules, protected.city, period)
    if inputs is not None:  # beside each count so far, the count expected once late reports arrive
        windows = nowcast.window_nowcasts(windows, inputs.daily, inputs.model)
    expected = "expected" in windows.columns
    shown_windows = windows[privacy.columns_with_notes(
        ["window", "start", "end", "current", "prior", "change", "pct_change", "noise"]
        + (["expected", "expected_interval", "expected_pct_change"] if expected else []) + ["warning"], windows)]
    shown_windows = metrics.translated(shown_windows.assign(window=shown_windows["window"].map(
        lambda w: WINDOW_NAMES.get(w, w))), ("window", "noise", "current_note", "prior_note"))
    st.dataframe(shown_windows, placeholder=ui.MISSING,
                 hide_index=True, width="stretch", column_config={
                     "window": _("Window"), "start": st.column_config.DateColumn(_("Start"), format="localized"),
                     "end": st.column_config.DateColumn(_("End"), format="localized"),
                     "current_note": _("Incidents: note"), "prior_note": _("A year earlier: note"),
                     "current": st.column_config.NumberColumn(_("Counted so far") if expected else _("Incidents"),
                                                              format="localized"),
                     "prior": st.column_config.NumberColumn(_("Same dates a year earlier"), format="localized"),
                     "change": st.column_config.NumberColumn(_("Change"), format="%+d"),
                     "pct_change": st.column_config.NumberColumn(_("% change"), format="%+.1f%%"),
                     "noise": _("Reading"), "warning": _("Caution"),
                     "expected": st.column_config.NumberColumn(
                         _("Expected with late reports"), format="localized",
                         help=_("The count expected once the late reports still to come arrive, from the measured "
                                "reporting delays (nowcast).")),
                     "expected_interval": st.column_config.TextColumn(
                         _("95% interval"), help=_("The expected count's 95% interval.")),
                     "expected_pct_change": st.column_config.NumberColumn(
                         _("% change, expected"), format="%+.1f%%",
                         help=_("The expected count compared with the same dates a year earlier.")),
                 })
    if expected:
        st.caption(_("Counted by date occurred, recent days are still incomplete. “Counted so far”, “Change”, "
                     "“% change” and “Reading” use the incidents counted so far; “Expected with late reports” adds "
                     "those the measured reporting delays say are still to come, and “% change, expected” compares "
                     "that with the same dates a year earlier.") + " " + nowcast.describe_model(inputs.model))
    st.caption(_("Each window ends on the last day with data ({day}) and is compared with the same dates a year "
                 "earlier, so seasons match.").format(day=i18n.format_date(info.last_day)))


windows_box = ui.lazy_expander(_("Standard comparisons: last 28 days, 12 months, year to date, last full year"),
                                key="standard_comparisons")
with windows_box:
    if windows_box.open:
        _standard_comparisons()

unknown_note = ui.occurrence_unknown_note(store, key, filters, rules=rules)
if totals.incidents == 0 and not totals.incidents_prior_year:
    st.info(_("No incidents of this kind were recorded in this period or a year earlier. "
              "Try a longer period or all offenses."))
    ui.data_note(info, unknown_note, rate_base=base)
    st.stop()

# --- Map --------------------------------------------------------------------------------------
st.subheader(_("Where: incidents by area"))
c1, c2 = st.columns([2, 1])
metrics_shown = list(SHADE_CODES.values())
ui.follow_url("shade", "map_metric", SHADE_CODES)
metric = c1.radio(_("Shade areas by"), metrics_shown, key="map_metric", horizontal=True,
                  format_func=lambda m: figures.metric_label(m, base),
                  **ui.hold("map_metric", metrics_shown, metrics_shown[0]))
ui.keep("map_metric", metric)
ui.show_in_url("shade", next(code for code, m in SHADE_CODES.items() if m == metric), "rate")
ui.follow_url("areas", "map_level", {code: code for code in metrics.LEVELS})
level = c2.radio(_("Areas"), metrics.LEVELS, key="map_level", horizontal=True, format_func=metrics.level_label,
                 **ui.hold("map_level", metrics.LEVELS, metrics.LEVELS[0]))
ui.keep("map_level", level)
ui.show_in_url("areas", level, metrics.LEVELS[0])
areas = districts if level == "district" else ui.area_comparison(
    store, key, period.start, period.end, "neighborhood", filters.offense_group, filters.date_basis, rules)
features = ui.area_features(store, key, level)
# Rates adjusted for area size (empirical Bayes) colour the map; the raw rate and its counts are in the hover.
shaded = funnel.add_denominator_notes(funnel.add_shrunk_rates(areas))
if metric == "rate_per_1000":
    title = figures.rate_map_title(offense_label, level, base)
    definition = figures.rate_definition(base) + " " + _(funnel.SHRINKAGE_CAPTION)
    if few := funnel.few_residents_caption(shaded):
        definition += " " + few
else:
    title = (_("{offenses}: % change from a year earlier by district") if level == "district"
             else _("{offenses}: % change from a year earlier by neighborhood")).format(offenses=offense_label)
    definition = _("% change compares the same days a year earlier. Blue is fewer incidents, red is more. "
                   "Hover for the counts and whether the change is beyond normal variation.")
map_event = ui.plotly_chart(figures.choropleth(metrics.area_names(shaded), features, metric, title,
                                               subtitle=period.label(), base=base, context=ui.map_context(store, key)),
                            width="stretch", key="map_chart", on_select="rerun", selection_mode="points")
if blank := metrics.all_zero_note(areas, metric):  # a map with nothing to shade says so
    st.info(blank)
many = period_comparisons.multiple_comparisons_note(len(areas)) if metric == "pct_change" else None
st.caption(definition + (" " + _("Click a district to open its page.") if level == "district" else "")
           + (f" {_(many)}" if many else ""))
# The map's numbers as a table (what each area's hover says), for readers who cannot use the map.
ui.numbers_behind(metrics.rates_per(metrics.translated(metrics.area_names(shaded[privacy.columns_with_notes(
                      ["area_id", "area_name", "incidents", "incidents_prior_year", "pct_change", "noise", "noise_z",
                       "dispersion", "population", "rate_per_1000", "rate_eb_per_1000", "rate_eb_low", "rate_eb_high",
                       "denominator_note"], shaded)]), metrics.WORD_COLUMNS + funnel.WORD_COLUMNS), base),
                  info, f"map_{level}_{period.start}_{period.end}.csv",
                  key="numbers_map", column_config=ui.area_column_config(
                      metrics.level_label(level), **{c: _(label) for c, label in funnel.COLUMN_LABELS.items()},
                      **ui.rate_column_config(base)),
                  notes=ui.filter_notes(filters))
ui.open_district_on_click(map_event, level, areas)


# --- How we know: the fair ranking (funnel plot), behind an expander so the plain numbers come first ---
def _how_we_know() -> None:
    """The funnel plot and its numbers (built when opened: the plain numbers come first)."""
    st.caption(_("A funnel plot: each district's rate against its population, with the range chance alone "
                 "would give (the funnel); only districts outside it stand out."))
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
        ui.plotly_chart(figures.funnel_plot(
            metrics.area_names(placed[~privacy.hidden(placed, "incidents")]), limits, title=funnel.funnel_title(placed),
            base=base),
            kind=_("Funnel plot"), width="stretch", key="funnel_chart")
        st.caption(_(funnel.FUNNEL_CAPTION) + " " + funnel.describe_limits(placed))
        ui.numbers_behind(metrics.rates_per(metrics.translated(placed[privacy.columns_with_notes(
                              ["area_id", "area_name", "incidents", "population", "rate_per_1000", "expected", "z_score",
                               "z_adjusted", "limits", "position", "denominator_note"], placed)],
                              metrics.WORD_COLUMNS + funnel.WORD_COLUMNS), base),
                          info, "districts_funnel.csv", key="numbers_funnel",
                          column_config=ui.area_column_config(_("District"), **metrics.column_labels(["expected", "position"]),
                                                              z_score=st.column_config.NumberColumn(
                                                                  _("z (chance alone)"), format="%+.2f"),
                                                              **{c: _(label) for c, label in funnel.COLUMN_LABELS.items()},
                                                              **ui.rate_column_config(base)))


funnel_box = ui.lazy_expander(_("How we know: which districts stand out, fairly compared (funnel plot)"),
                               key="how_we_know")
with funnel_box:
    if funnel_box.open:
        _how_we_know()

# --- Engagement vs crime change -------------------------------------------------------------
st.subheader(_("Engagement beside crime change, by district"))
with_intensity = metrics.add_intensity(districts, period.days)
if not totals.engagement_recorded:
    st.info(ledger.not_recorded_reason() + " " + _("So engagement cannot be set beside crime change here."))
    if ui.viewer().is_staff:
        st.caption(_("Staff: record activities on the Engagement log page, or load the department's "
                     "engagement records with the city's data."))
        with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
            st.page_link("pages/ledger.py", label=_("Open the Engagement log"), icon=":material/edit_note:")
else:
    intensity = st.radio(_("Engagement measure"), list(figures.INTENSITY_LABELS), key="intensity", horizontal=True,
                         format_func=lambda m: _(figures.INTENSITY_LABELS[m]))
    ui.plotly_chart(
        figures.engagement_scatter(with_intensity, intensity,
                                   title=_("Engagement intensity and change in incidents, by district")),
        width="stretch", key="scatter_chart")
    left_out = figures.scatter_left_out(with_intensity, intensity)
    st.caption(f"**{_(figures.ASSOCIATION_NOT_EFFECT)}** " + _("Bubble size is the number of residents. "
               "Intensity is per 1,000 residents per year so that periods of any length compare.")
               + (f" {left_out}" if left_out else ""))
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
table = metrics.with_engagement_recorded(table, totals.engagement_recorded)  # "not recorded", never 0
unrecorded = {} if totals.engagement_recorded else {
    c: st.column_config.TextColumn(label) for c, label in (
        ("engagement_events", _("Engagement activities")), ("officer_hours", _("Officer hours")),
        ("events_per_1000_per_year", _("Activities per 1,000 per year")))}
table_event = st.dataframe(
    metrics.rates_per(metrics.translated(metrics.area_names(table), metrics.WORD_COLUMNS + metrics.ENGAGEMENT_COLUMNS),
                      base),
    placeholder=ui.MISSING, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
    key="district_table",
    column_config={**ui.area_column_config(_("District")), **ui.correction_column_config(), **unrecorded,
                   **ui.rate_column_config(base)},
)
note = period_comparisons.multiple_comparisons_note(len(table))
st.caption(_("Select a row to open that district's page.") + (f" {_(note)}" if note else "")
           + (" " + _("Incidents are the official counts; “After later corrections” is the same count less the "
                      "incidents that later corrections remove.") if info.has_corrections else "")
           + (f" {_(privacy.public_note(rules))}" if rules is not None else ""))
ui.open_district_on_row(table_event, table)
ui.download_table(metrics.rates_per(table, base), info, f"districts_{period.start}_{period.end}",
                  key="download_districts",
                  label=_("Download the district table"), notes=ui.filter_notes(filters))

ui.data_note(info, unknown_note, rate_base=base)
