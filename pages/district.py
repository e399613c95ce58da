"""District: one police district in depth. Reached by ?district=ID or the district picker, which
keeps the URL in step so the page can be shared."""

import contextlib
import datetime as dt

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing import i18n
from community_policing.data import geo, series_breaks
from community_policing.figures import district as district_figures, maps as map_figures
from community_policing.stats import funnel, noise
from community_policing.views import district, metrics, privacy
from community_policing.web import ui
from community_policing.i18n import _, ngettext

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


# --- Cached calls into the library (keyed by the warehouse build and the language: results hold text) ---


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(_store, key: tuple, lang: str, district_id: str, start: dt.date, end: dt.date, offense_group: str,
          date_basis: str, rules=None) -> district.DistrictKpis:
    table = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return district.district_kpis(_store, district_id, start, end, offense_group, date_basis, districts_table=table)


@st.cache_data(show_spinner=False, max_entries=256)
def _series(_store, key: tuple, lang: str, district_id: str, end: dt.date, offense_group: str, date_basis: str,
            rules=None) -> pd.DataFrame:
    return district.monthly_series(_store, district_id, end, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                   rules=rules)


@st.cache_data(show_spinner=False, max_entries=256)
def _series_dispersion(_store, key: tuple, district_id: str, end: dt.date, offense_group: str,
                       date_basis: str) -> noise.Dispersion:
    return district.series_dispersion(_store, district_id, end, offense_group, date_basis)


@st.cache_data(show_spinner=False, max_entries=128)
def _seasonal(_store, key: tuple, lang: str, district_id: str, offense_group: str, date_basis: str,
              rules=None) -> district.SeasonalPattern:
    return district.seasonal_pattern(_store, district_id, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                     rules=rules)


@st.cache_data(show_spinner=False, max_entries=256)
def _mix(_store, key: tuple, lang: str, district_id: str, start: dt.date, end: dt.date, offense_group: str,
         date_basis: str, rules=None) -> pd.DataFrame:
    return district.offense_mix(_store, district_id, start, end, offense_group, date_basis, rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _engagement(_store, key: tuple, lang: str, district_id: str, start: dt.date, end: dt.date,
                period_start: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (district.engagement_timeline(_store, district_id, start, end),
            district.engagement_by_type(_store, district_id, period_start, end))


@st.cache_data(show_spinner=False, max_entries=8)
def _context(_store, key: tuple) -> dict:
    return geo.context_features(_store)


@st.cache_data(show_spinner=False, max_entries=128)
def _trust(_store, key: tuple, lang: str, district_id: str, end: dt.date) -> pd.DataFrame:
    return district.trust_trend(_store, district_id, end)


@st.cache_data(show_spinner=False, max_entries=128)
def _training(_store, key: tuple, lang: str, district_id: str, start: dt.date, end: dt.date,
              period_start: dt.date) -> tuple[pd.DataFrame, district.TrainingSummary]:
    return (district.training_hours(_store, district_id, start, end),
            district.training_summary(_store, district_id, period_start, end))


@st.cache_data(show_spinner=False, max_entries=64)
def _programs(_store, key: tuple, lang: str, district_id: str, as_of: dt.date) -> pd.DataFrame:
    return district.programs(_store, district_id, as_of)


@st.cache_data(show_spinner=False, max_entries=256)
def _neighborhoods(_store, key: tuple, lang: str, district_id: str, start: dt.date, end: dt.date, offense_group: str,
                   date_basis: str, rules=None) -> district.NeighborhoodRanking:
    nbhd = ui.area_comparison(_store, key, start, end, "neighborhood", offense_group, date_basis, rules)
    dist = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return district.neighborhoods_ranked(_store, district_id, start, end, offense_group, date_basis,
                                         neighborhoods_table=nbhd, districts_table=dist, rules=rules)


def show_numbers(frame: pd.DataFrame, name: str, column_config: dict | None = None) -> None:
    # Headings and readings in the page's language; the machine column names stay (downloads too).
    config = {**metrics.column_labels(frame.columns), **(column_config or {})}
    ui.numbers_behind(metrics.translated(frame, metrics.WORD_COLUMNS), info, f"district_{chosen.id}_{name}.csv",
                      key=f"download_{name}", column_config=config, notes=ui.filter_notes(filters))


lang = i18n.language()


# --- Which district ---------------------------------------------------------------------------

filters = ui.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
all_districts = ui.district_list(store, key)
# Titles in the page's language ("District 2 – ..." / "Distrito 2 – ..."), not the cached list's.
titles = {i: district.district_title(i, n) for i, n in zip(all_districts["district_id"], all_districts["district_name"])}
ids = list(titles)

if not ids:
    st.title(_("District"))
    ui.simulated_banner(info)
    st.info(_("No districts are loaded for {city}, so there is no district to show.").format(city=ui.plain(info.city_name)))
    ui.data_note(info)
    st.stop()

# The URL and the picker stay in step without callbacks: the URL decides when it names a district
# this session has not just shown (first load, a shared link); otherwise the picker decides and
# the URL is rewritten to match. "_district_shown" remembers the district last shown, so coming
# back from another page returns to it.
requested = st.query_params.get("district")
if requested is not None and requested not in titles:
    st.title(_("District"))
    ui.simulated_banner(info)
    try:
        district.get_district(store, requested)
    except ValueError as exc:
        st.error(ui.plain(exc))  # it quotes the URL's ?district= value: shown as text, never as Markdown
    picked = st.selectbox(_("Pick a district"), ids, index=None, format_func=titles.get, key="district_pick",
                          placeholder=_("Choose a district"))
    if picked is not None:
        st.session_state["district"] = st.session_state["_district_shown"] = picked
        st.query_params["district"] = picked
        st.rerun()
    ui.data_note(info)
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
coverage = ui.dataset_info(store, key)

with heading:
    st.title(ui.plain(chosen.title))
    ui.simulated_banner(info)
if chosen.population is None:
    facts = [_("population not loaded")]
else:
    facts = [ngettext("{n} resident ({year})", "{n} residents ({year})", chosen.population).format(
        n=f"{chosen.population:,}", year=chosen.population_year or _("year unknown"))]
if chosen.sworn_officers:
    facts.append(ngettext("{n} sworn officer", "{n} sworn officers", chosen.sworn_officers).format(
        n=f"{chosen.sworn_officers:,}"))
if chosen.neighborhoods:
    facts.append(ngettext("{n} neighborhood", "{n} neighborhoods", chosen.neighborhoods).format(n=chosen.neighborhoods))
st.caption(f"{' · '.join(facts)}. " + metrics.comparison_caption(offense_label, filters.date_basis, period))
locator, _beside = st.columns([1, 2])
with locator:  # where the district is in the city, for a reader who does not know its number
    ui.plotly_chart(map_figures.locator_map(ui.area_features(store, key, "district"), chosen.id,
                                            _("Where {district} is in the city").format(district=chosen.title),
                                            context=_context(store, key)), kind=_("Map"), width="stretch",
                    key="district_locator")
if st.button(_("Printable briefing for this district (PDF or slides)"), icon=":material/picture_as_pdf:",
             key="district_briefing"):
    st.switch_page("pages/briefing.py", query_params={"district": chosen.id})
if coverage.has_incidents and info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

# --- 1. KPIs ----------------------------------------------------------------------------------
kpis = _kpis(store, key, lang, chosen.id, period.start, period.end, filters.offense_group, filters.date_basis, rules)
engagement = metrics.engagement_kpis(
    kpis.engagement_events, kpis.engagement_events_prior_year, kpis.officer_hours, kpis.officer_hours_prior_year,
    kpis.engagement_recorded, kpis.engagement_prior_recorded, metrics.engagement_coverage(store))
if kpis.engagement_recorded:
    k1, k2, k3, k4, k5 = st.columns(5)
    engagement_columns = list(zip((k3, k4), engagement))
else:  # one "not recorded" across two columns: in a fifth of the page the words were cut off ("not recor…")
    k1, k2, k3, k5 = st.columns([1, 1, 2, 1])
    engagement_columns = [(k3, metrics.KpiText(_("Engagement activities and officer hours"), engagement[0].value,
                                               None, engagement[0].caption))]
if not coverage.has_incidents:
    k1.metric(_("Incidents"), "—")
    k1.caption(_("No incident data is loaded for {city}.").format(city=ui.plain(info.city_name)))
    k2.metric(_("Rate per 1,000 residents"), "—")
    k2.caption(_("No incident data."))
else:
    k1.metric(
        _("Incidents"), _(kpis.incidents_note) if kpis.incidents_note else f"{kpis.incidents:,}",
        delta=district.incidents_delta(kpis), delta_color="inverse" if kpis.noise != "within normal variation" else "off",
        help=_(district.INCIDENTS_HELP))
    ui.incident_comparison_captions(k1, kpis, info.has_corrections)
    if district.too_few(kpis) or kpis.noise_z is not None:
        k1.caption(metrics.too_few_note() if district.too_few(kpis) else _(metrics.Z_DEFINITION))
    if no_history := metrics.noise_basis_note(kpis.noise_basis):
        k1.caption(no_history[0].upper() + no_history[1:] + ".")
    rate = district.rate_kpi(kpis, filters.offense_group)  # per 100,000 for a rare offense (homicide)
    k2.metric(rate.label, rate.value, help=_("Incidents in the period ÷ residents × {base}. Longer periods give higher "
                                             "rates.").format(
        base=f"{metrics.view_rate_base(filters.offense_group, kpis.incidents, kpis.population):,}"))
    k2.caption(rate.caption)
for column, kpi in [*engagement_columns, (k5, district.trust_kpi(kpis, period.start, period.end,
                                                                  public=rules is not None))]:
    column.metric(kpi.label, kpi.value, delta=kpi.delta, delta_color="off")
    if kpi.caption:
        column.caption(kpi.caption)
breaks = ui.chart_breaks(store, info, filters.offense_group, chosen.id)  # series breaks that concern this district
preliminary = ui.preliminary_from(info, filters.date_basis)
if coverage.has_incidents:
    ui.comparison_cautions(info, breaks, filters)

if rules is not None and coverage.has_incidents:
    st.caption(_(privacy.public_note(rules)))

subject = _("Incidents") if filters.offense_group == "all" else offense_label
window_start = district.window_start(period.end)
window_label = f"{i18n.format_month_short(window_start)} – {i18n.format_date(period.end)}"
by_basis = (_("by date reported") if filters.date_basis == "reported" else _("by date occurred"))


# --- 2-4, 9. Incidents: month by month, season, offenses, neighborhoods (one view at a time) ---------
def _monthly() -> None:
    """The monthly series beside the same month a year earlier, with its notes and numbers."""
    series = _series(store, key, lang, chosen.id, period.end, filters.offense_group, filters.date_basis, rules)
    if series["incidents"].isna().all():
        st.info(_("The incident data do not cover these months."))
    else:
        ui.plotly_chart(
            district_figures.monthly_incidents(
                series, district.series_takeaway(series, subject, _series_dispersion(
                    store, key, chosen.id, period.end, filters.offense_group, filters.date_basis)),
                _("{offenses} per month, {window}, {basis}; dashed grey: the same month a year earlier").format(
                    offenses=offense_label, window=window_label, basis=by_basis),
                period_start=period.start, period_end=period.end, breaks=breaks, preliminary_from=preliminary),
            width="stretch", key="series_chart")
        notes = [_("Incidents counted per calendar month, as the agency counts them; the shaded band is the selected "
                   "period.")]
        if series["partial"].any():
            notes.append(_("The last month runs only to {day} (hollow marker), and its year-earlier value covers the "
                           "same days.").format(day=i18n.format_day_month(period.end)))
        notes += ui.chart_freshness_notes(breaks, window_start, period.end, preliminary)
        if filters.date_basis == "occurred" and not (preliminary and preliminary <= period.end):
            notes.append(_("By date occurred, the latest weeks still rise as late reports come in."))
        st.caption(" ".join(notes))
        show_numbers(series, "monthly")


def _season() -> None:
    """The average per calendar month over the complete years."""
    seasonal = _seasonal(store, key, lang, chosen.id, filters.offense_group, filters.date_basis, rules)
    if seasonal.empty:
        st.info(_("The data do not yet cover a complete calendar year, so there is no seasonal pattern to show."))
    else:
        years = (f"{seasonal.years[0]}–{seasonal.years[-1]}" if len(seasonal.years) > 1 else str(seasonal.years[0]))
        ui.plotly_chart(
            district_figures.seasonal_pattern(
                seasonal.table, seasonal.takeaway(subject),
                ngettext("{offenses}: average per calendar month over {n} complete year ({years})",
                         "{offenses}: average per calendar month over {n} complete years ({years})",
                         len(seasonal.years)).format(offenses=offense_label, n=len(seasonal.years),
                                                     years=years)),
            width="stretch", key="seasonal_chart")
        spanned = series_breaks.within(breaks, dt.date(seasonal.years[0], 1, 1), dt.date(seasonal.years[-1], 12, 31))
        st.caption(_("Each bar is the mean over the complete years of data")
                   + (_("; hover for the lowest and highest year.") + " " if rules is None else
                      _(" (public view: months whose count over those years is below {n} are not shown).").format(
                          n=rules.min_count) + " ")
                   + _("Compare a month with the same month a year earlier, not with the month before.")
                   + ("" if spanned.empty else " " + _(
                       "The years averaged span a series break — {breaks} — so they mix two ways of counting: see "
                       "How to read these numbers.").format(
                       breaks="; ".join(series_breaks.chart_label(r) for _i, r in spanned.iterrows()))))
        show_numbers(seasonal.table, "seasonal")


def _offenses() -> None:
    """Incidents by offense group against the same days a year earlier."""
    mix = _mix(store, key, lang, chosen.id, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    if mix.empty:
        st.info(_("No incidents of this kind were recorded in this district in the period or a year earlier."))
    else:
        ui.plotly_chart(
            district_figures.offense_mix(mix, district.offense_mix_takeaway(mix),
                                         _("Incidents by offense group, {period} vs the same days a year "
                                           "earlier").format(period=period.label())),
            width="stretch", key="mix_chart")
        st.caption(_("Offense groups follow the FBI UCR classes. The reading beside each change in the table allows "
                     "for how much each group's count in this district normally varies over periods this long, "
                     "measured from its own earlier years: |z| < 2 is within normal variation (see How to read "
                     "these numbers)."))
        show_numbers(mix, "offense_mix")


def _neighborhoods_ranked() -> None:
    """The district's neighborhoods ranked, with their counts, rates and readings."""
    if not coverage.has_incidents:
        st.info(_("Without incident data there are no neighborhood counts to rank."))
    elif chosen.neighborhoods == 0:
        st.info(_("No neighborhoods are loaded for {district}.").format(district=ui.plain(chosen.title)))
    else:
        ranking = _neighborhoods(store, key, lang, chosen.id, period.start, period.end, filters.offense_group,
                                 filters.date_basis, rules)
        st.markdown(f"**{ranking.takeaway()}** ({offense_label.lower()}, {period.label()})")
        st.dataframe(metrics.translated(ranking.table, ("noise", "incidents_note", "incidents_prior_year_note",
                                                        "denominator_note")),
                     hide_index=True, width="stretch", height="content", placeholder=ui.MISSING,
                     column_order=[c for c in ranking.table.columns if c != "area_id"], column_config=ui.area_column_config(
                         "Id", area_name=_("Neighborhood"), noise=_("Reading"),
                         noise_z=st.column_config.NumberColumn(_("Noise score (z)"), format="%+.2f", help=_(
                             "|z| of 2 or more: a possible change; 3 or more: significant")),
                         dispersion=st.column_config.NumberColumn(_("Normal variation (× chance)"), format="%.1f", help=_(
                             "How many times chance the neighborhood's counts normally vary over periods this long, "
                             "from its own earlier years")),
                         rank=st.column_config.NumberColumn(_("Rank"), help=_(funnel.RANKING_HELP)),
                         rate_per_1000=st.column_config.NumberColumn(_("Raw rate per 1,000"), format="%.1f"),
                         **{c: st.column_config.NumberColumn(_(funnel.COLUMN_LABELS[c]), format="%.1f")
                            for c in ("rate_eb_per_1000", "rate_eb_low", "rate_eb_high")},
                         **{c: _(funnel.COLUMN_LABELS[c]) for c in ("denominator_note",)}))
        notes = [_(funnel.RANKING_NOTE), _("Rate = incidents ÷ residents × 1,000 ({year} population); neighborhoods with fewer than {n} residents "
                   "get no rate and are listed last.").format(year=chosen.population_year or _("year unknown"),
                                                              n=metrics.MIN_POPULATION_FOR_RATE)]
        if ranking.outside or ranking.outside_prior_year:
            notes.append(_("“{name}”: incidents counted in this district without a neighborhood of its own.").format(
                name=_(district.OUTSIDE_NAME)))
        if ranking.elsewhere or ranking.elsewhere_prior_year:
            notes.append(_("{n} incidents in these neighborhoods ({prior} a year earlier) were counted in another district: "
                           "a neighborhood can straddle a district boundary.").format(
                n=f"{ranking.elsewhere:,}", prior=f"{ranking.elsewhere_prior_year:,}"))
        if rules is None and ranking.district_incidents_prior_year is None:
            notes.append(_("District total: {n} incidents.").format(n=f"{ranking.district_incidents:,}"))
        elif rules is None:
            notes.append(_("District total: {n} incidents ({prior} a year earlier).").format(
                n=f"{ranking.district_incidents:,}", prior=f"{ranking.district_incidents_prior_year:,}"))
        else:
            notes.append(_("Counts of fewer than {n} are not shown (“{label}”), nor any count that would give one away; "
                           "neighborhood counts need not add up to the district's.").format(
                n=rules.min_count, label=_(rules.label)))
        st.caption(" ".join(notes))
        ui.download_table(ranking.table, info, f"district_{chosen.id}_neighborhoods_{period.start}_{period.end}",
                          key="download_neighborhoods", label=_("Download the neighborhood table"),
                          notes=ui.filter_notes(filters))


st.subheader(_("Incidents"))
if not coverage.has_incidents:
    st.info(_("No incident data is loaded for {city}, so there are no incident charts for this district. "
              "Engagement, survey, training and program records, where loaded, follow below.").format(
        city=ui.plain(info.city_name)))
else:
    # One view at a time, each built when chosen (a chart each; the neighborhoods need their own comparison):
    # the page's first visit draws one incident chart, not three and a table.
    views = ui.lazy_tabs([_("Month by month"), _("Seasonal pattern"), _("Which offenses"), _("Neighborhoods")],
                         key="incident_view")
    for (tab, shown), show in zip(views, (_monthly, _season, _offenses, _neighborhoods_ranked)):
        with tab:
            if shown:
                show()

# --- 5. Engagement ----------------------------------------------------------------------------
st.subheader(_("Community engagement"))
if coverage.engagement_rows == 0:
    st.info(metrics.engagement_coverage(store).not_recorded_reason())
    if ui.viewer().is_staff:
        with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
            st.page_link("pages/ledger.py", label=_("Staff: record activities on the Engagement log"),
                         icon=":material/edit_note:")
else:
    timeline, by_type = _engagement(store, key, lang, chosen.id, window_start, period.end, period.start)
    if timeline.empty:
        st.info(_("No engagement activities are recorded for {district} between {window}.").format(
            district=ui.plain(chosen.title), window=window_label))
    else:
        ui.plotly_chart(
            district_figures.engagement_timeline(
                timeline, district.engagement_takeaway(timeline, period.end),
                _("Engagement activities per month by type, {window}").format(window=window_label),
                start=window_start, end=period.end),
            width="stretch", key="engagement_chart")
        show_numbers(timeline, "engagement_monthly")  # the chart's own numbers; the period's totals follow
    st.caption(district.engagement_period_caption(by_type, kpis, metrics.engagement_coverage(store)))
    if not timeline.empty or not by_type.empty:
        show_numbers(by_type if not by_type.empty else timeline, "engagement")

# --- 6. Trust ---------------------------------------------------------------------------------
st.subheader(_("Resident trust"))
trend = _trust(store, key, lang, chosen.id, period.end)
if coverage.survey_rows == 0:
    st.info(_("No resident survey is loaded for {city}, so there is no trust trend to show.").format(city=ui.plain(info.city_name)))
elif trend.empty or trend["score"].notna().sum() == 0:
    st.info(_("No trust survey result for {district} with at least {n} respondents up to the end of the period.").format(
        district=ui.plain(chosen.title), n=metrics.MIN_RESPONDENTS))
else:
    program_rows = _programs(store, key, lang, chosen.id, period.end) if coverage.program_rows else None
    ui.plotly_chart(
        district_figures.trust_trend(
            trend, district.trust_takeaway(trend),
            _("Trust in police, score 0–100 (higher is better)")
            + (_("; band: 95% margin of error") if trend["margin_of_error"].notna().any() else "")
            + _("; dotted: city average"),
            district_name=chosen.title, program_starts=program_rows, period_start=period.start, period_end=period.end),
        width="stretch", key="trust_chart")
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
                 if trend["respondents_known"].all() else _("The city average is the plain mean of the districts' scores."))
    st.caption(" ".join(notes))
    show_numbers(trend, "trust")

# --- 7. Training ------------------------------------------------------------------------------
st.subheader(_("Officer training"))
if coverage.training_rows == 0:
    st.info(_("No officer training records are loaded for {city}.").format(city=ui.plain(info.city_name)))
else:
    train_start = district.training_window_start(period.end)
    training, summary = _training(store, key, lang, chosen.id, train_start, period.end, period.start)
    quarters = district.quarter_labels(train_start, period.end)
    train_window = f"{i18n.format_month_short(train_start)} – {i18n.format_date(period.end)}"
    if training.empty:
        st.info(_("No officer training is recorded for {district} between {first} and {last}.").format(
            district=ui.plain(chosen.title), first=i18n.format_month_short(train_start), last=i18n.format_date(period.end)))
    else:
        ui.plotly_chart(
            district_figures.training_hours(
                training, district.training_takeaway(training, chosen.sworn_officers, len(quarters)),
                _("Officer training hours per quarter by course, {window}").format(window=train_window),
                quarters=quarters),
            width="stretch", key="training_chart")
    per_officer = (_(", {hours} per sworn officer ({n} sworn)").format(
        hours=f"{summary.hours_per_sworn_officer:,.1f}", n=f"{chosen.sworn_officers:,}")
                   if summary.hours_per_sworn_officer is not None else
                   _("; the district's sworn officers are not recorded, so there is no per-officer figure"))
    quarter_cut = (pd.Timestamp(period.end) + pd.offsets.QuarterEnd(0)).date() != period.end
    st.caption(("" if training.empty or not quarter_cut else
                _("The last quarter runs only to {day}.").format(day=i18n.format_date(period.end)) + " ")
               + _("Officer training hours = officers trained × course hours. In the selected period: "
                   "{hours} officer training hours{per_officer}. Courses for units that are not a "
                   "district (such as the Academy) are not counted here.").format(
                   hours=f"{summary.officer_hours:,.0f}", per_officer=per_officer))
    if not training.empty:
        show_numbers(training, "training")

# --- 8. Programs ------------------------------------------------------------------------------
st.subheader(_("Programs in this district"))
if coverage.program_rows == 0:
    st.info(_("No community-policing programs are recorded for {city}.").format(city=ui.plain(info.city_name)))
else:
    program_table = _programs(store, key, lang, chosen.id, period.end)
    if program_table.empty:
        st.info(_("No community-policing program is recorded in {district}.").format(district=ui.plain(chosen.title)))
    else:
        shown = program_table.assign(
            end_date=[("" if pd.isna(e) else f"{e:%Y-%m-%d}") for e in program_table["end_date"]],
            annual_cost=[(_("not recorded") if pd.isna(c) else f"${c:,.0f}") for c in program_table["annual_cost"]])
        st.dataframe(shown, hide_index=True, width="stretch", placeholder=ui.MISSING, column_config={
            "name": _("Program"), "start_date": st.column_config.DateColumn(_("Start")), "end_date": _("End"),
            "status": _("On {day}").format(day=i18n.format_date(period.end)),
            "description": st.column_config.TextColumn(_("What it does"), width="large"),
            "annual_cost": _("Annual cost (US$)"),
        })
        st.caption(_("A program starting here does not by itself show that it changed crime or trust: "
                     "compare with districts without it (see How to read these numbers)."))

unknown_note = (ui.occurrence_unknown_note(store, key, filters, chosen.id, rules=rules)
                if coverage.has_incidents else "")
ui.data_note(info, extra=_("On this page incidents are counted in the district recorded for each incident; "
                           "neighborhood rows count whole neighborhoods. Engagement, training and surveys are "
                           "counted by their own dates, whatever the date basis.")
             + (" " + unknown_note if unknown_note else ""))
