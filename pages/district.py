"""District: one police district in depth. Reached by ?district=ID or the district picker, which
keeps the URL in step so the page can be shared."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import district, district_figures, metrics, privacy, series_breaks, ui

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


# --- Cached calls into the library (keyed by the warehouse build) -----------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def _kpis(_store, key: tuple, district_id: str, start: dt.date, end: dt.date, offense_group: str,
          date_basis: str, rules=None) -> district.DistrictKpis:
    table = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return district.district_kpis(_store, district_id, start, end, offense_group, date_basis, districts_table=table)


@st.cache_data(show_spinner=False, max_entries=256)
def _series(_store, key: tuple, district_id: str, end: dt.date, offense_group: str, date_basis: str,
            rules=None) -> pd.DataFrame:
    return district.monthly_series(_store, district_id, end, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                   rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _seasonal(_store, key: tuple, district_id: str, offense_group: str, date_basis: str,
              rules=None) -> district.SeasonalPattern:
    return district.seasonal_pattern(_store, district_id, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                     rules=rules)


@st.cache_data(show_spinner=False, max_entries=256)
def _mix(_store, key: tuple, district_id: str, start: dt.date, end: dt.date, offense_group: str,
         date_basis: str, rules=None) -> pd.DataFrame:
    return district.offense_mix(_store, district_id, start, end, offense_group, date_basis, rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _engagement(_store, key: tuple, district_id: str, start: dt.date, end: dt.date,
                period_start: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (district.engagement_timeline(_store, district_id, start, end),
            district.engagement_by_type(_store, district_id, period_start, end))


@st.cache_data(show_spinner=False, max_entries=128)
def _trust(_store, key: tuple, district_id: str, end: dt.date) -> pd.DataFrame:
    return district.trust_trend(_store, district_id, end)


@st.cache_data(show_spinner=False, max_entries=128)
def _training(_store, key: tuple, district_id: str, start: dt.date, end: dt.date,
              period_start: dt.date) -> tuple[pd.DataFrame, district.TrainingSummary]:
    return (district.training_hours(_store, district_id, start, end),
            district.training_summary(_store, district_id, period_start, end))


@st.cache_data(show_spinner=False, max_entries=64)
def _programs(_store, key: tuple, district_id: str, as_of: dt.date) -> pd.DataFrame:
    return district.programs(_store, district_id, as_of)


@st.cache_data(show_spinner=False, max_entries=256)
def _neighborhoods(_store, key: tuple, district_id: str, start: dt.date, end: dt.date, offense_group: str,
                   date_basis: str, rules=None) -> district.NeighborhoodRanking:
    nbhd = ui.area_comparison(_store, key, start, end, "neighborhood", offense_group, date_basis, rules)
    dist = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return district.neighborhoods_ranked(_store, district_id, start, end, offense_group, date_basis,
                                         neighborhoods_table=nbhd, districts_table=dist, rules=rules)


def show_numbers(frame: pd.DataFrame, name: str, column_config: dict | None = None) -> None:
    ui.numbers_behind(frame, info, f"district_{chosen.id}_{name}.csv", key=f"download_{name}", column_config=column_config,
                      notes=ui.filter_notes(filters))


# --- Which district ---------------------------------------------------------------------------

filters = ui.sidebar_filters(store, info)
period = filters.period
all_districts = ui.district_list(store, key)
titles = dict(zip(all_districts["district_id"], all_districts["title"]))
ids = list(titles)

if not ids:
    st.title("District")
    ui.simulated_banner(info)
    st.info(f"No districts are loaded for {info.city_name}, so there is no district to show.")
    ui.data_note(info)
    st.stop()

# The URL and the picker stay in step without callbacks: the URL decides when it names a district
# this session has not just shown (first load, a shared link); otherwise the picker decides and
# the URL is rewritten to match. "_district_shown" remembers the district last shown, so coming
# back from another page returns to it.
requested = st.query_params.get("district")
if requested is not None and requested not in titles:
    st.title("District")
    ui.simulated_banner(info)
    try:
        district.get_district(store, requested)
    except ValueError as exc:
        st.error(str(exc))
    picked = st.selectbox("Pick a district", ids, index=None, format_func=titles.get, key="district_pick",
                          placeholder="Choose a district")
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
selected = st.selectbox("District", ids, format_func=titles.get, key="district",
                        help="The address of this page names the district, so it can be shared or bookmarked.")
st.session_state["_district_shown"] = selected
if st.query_params.get("district") != selected:
    st.query_params["district"] = selected
chosen = district.get_district(store, selected)
coverage = ui.dataset_info(store, key)

with heading:
    st.title(chosen.title)
    ui.simulated_banner(info)
facts = [f"{chosen.population:,} residents ({chosen.population_year or 'year unknown'})"
         if chosen.population is not None else "population not loaded"]
if chosen.sworn_officers:
    facts.append(f"{chosen.sworn_officers:,} sworn officers")
if chosen.neighborhoods:
    facts.append(f"{chosen.neighborhoods} neighborhood{'s' if chosen.neighborhoods != 1 else ''}")
st.caption(
    f"{' · '.join(facts)}. {filters.offense_label}, counted by date {filters.date_basis}, {period.label()} "
    f"compared with the same days a year earlier ({period.prior.label()})."
)
if st.button("Printable briefing for this district (PDF or slides)", icon=":material/picture_as_pdf:",
             key="district_briefing"):
    st.switch_page("pages/briefing.py", query_params={"district": chosen.id})
if coverage.has_incidents and info.prior_incomplete(period):
    st.warning(f"The data start on {info.first_day:%b %-d, %Y}, after the comparison period begins "
               f"({period.prior.start:%b %-d, %Y}): changes from a year earlier are not meaningful for this period.")

# --- 1. KPIs ----------------------------------------------------------------------------------
kpis = _kpis(store, key, chosen.id, period.start, period.end, filters.offense_group, filters.date_basis, rules)
k1, k2, k3, k4, k5 = st.columns(5)
if not coverage.has_incidents:
    k1.metric("Incidents", "—")
    k1.caption(f"No incident data is loaded for {info.city_name}.")
    k2.metric("Rate per 1,000 residents", "—")
    k2.caption("No incident data.")
else:
    k1.metric(
        "Incidents", kpis.incidents_note or f"{kpis.incidents:,}",
        delta=None if kpis.pct_change is None else f"{kpis.pct_change:+.1f}% ({kpis.change:+,})",
        delta_color="inverse" if kpis.noise != "within normal variation" else "off",
        help="Net incidents (reports minus corrections) counted in this district in the period. The arrow "
             "compares with the same days a year earlier; it is grey when the change is within normal variation.",
    )
    if kpis.poisson_z is None:  # public mode: a count too small to show, so no comparison either
        k1.caption(f"{kpis.incidents_prior_year_note or f'{kpis.incidents_prior_year:,}'} a year earlier · "
                   "**no comparison shown**: small counts are hidden in this public view")
    else:
        k1.caption(f"{kpis.incidents_prior_year:,} a year earlier · **{kpis.noise}** (z = {kpis.poisson_z:+.2f})")
    k2.metric("Rate per 1,000 residents",
              "not shown" if kpis.incidents_note else "no rate" if kpis.rate_per_1000 is None
              else f"{kpis.rate_per_1000:,.1f}",
              help="Incidents in the period ÷ residents × 1,000. Longer periods give higher rates.")
    k2.caption(kpis.denominator[0].upper() + kpis.denominator[1:])
ui.engagement_metrics(k3, k4, coverage.engagement_rows > 0, kpis.engagement_events, kpis.engagement_events_prior_year,
                      kpis.officer_hours, kpis.officer_hours_prior_year)
breaks = ui.chart_breaks(store, info, filters.offense_group, chosen.id)  # series breaks that concern this district
preliminary = ui.preliminary_from(info, filters.date_basis)
if kpis.trust is None:
    k5.metric("Latest trust score (0–100)", "—")
    k5.caption("No trust survey result with enough respondents up to the end of the period."
               if coverage.survey_rows else "No resident survey is loaded for this city.")
else:
    k5.metric("Latest trust score (0–100)", f"{kpis.trust:.1f}",
              help="Share of trust in police, 0–100 (higher is more trust), from the latest survey period "
                   f"up to the end of the selected period with at least {metrics.MIN_RESPONDENTS} respondents.")
    respondents = ("respondents not published" if kpis.trust_respondents is None
                   else f"{kpis.trust_respondents:,} respondents")
    moe = "" if kpis.trust_margin_of_error is None else f" · ±{kpis.trust_margin_of_error:.1f}"
    k5.caption(f"{kpis.trust_period_start:%B %Y} survey · {respondents}{moe}")
if coverage.has_incidents:
    ui.comparison_cautions(info, breaks, filters)

if rules is not None and coverage.has_incidents:
    st.caption(privacy.public_note(rules))

subject = "Incidents" if filters.offense_group == "all" else filters.offense_label
window_start = district.window_start(period.end)
window_label = f"{window_start:%b %Y} – {period.end:%b %-d, %Y}"

# --- 2-4. Incidents over time, season, offense mix -------------------------------------------
st.subheader("Incidents month by month")
if not coverage.has_incidents:
    st.info(f"No incident data is loaded for {info.city_name}, so there are no incident charts for this district. "
            "Engagement, survey, training and program records, where loaded, follow below.")
else:
    series = _series(store, key, chosen.id, period.end, filters.offense_group, filters.date_basis, rules)
    if series["incidents"].isna().all():
        st.info("The incident data do not cover these months.")
    else:
        ui.plotly_chart(
            district_figures.monthly_incidents(
                series, district.series_takeaway(series, subject),
                f"{filters.offense_label} per month, {window_label}, by date {filters.date_basis}; "
                "dashed grey: the same month a year earlier",
                period_start=period.start, period_end=period.end, breaks=breaks, preliminary_from=preliminary),
            width="stretch", key="series_chart")
        notes = ["Net incidents (reports minus corrections) per calendar month; the shaded band is the selected period."]
        if series["partial"].any():
            notes.append(f"The last month runs only to {period.end:%b %-d} (hollow marker), and its year-earlier "
                         "value covers the same days.")
        notes += ui.chart_freshness_notes(breaks, window_start, period.end, preliminary)
        if filters.date_basis == "occurred" and not (preliminary and preliminary <= period.end):
            notes.append("By date occurred, the latest weeks still rise as late reports come in.")
        st.caption(" ".join(notes))
        show_numbers(series, "monthly")

    st.subheader("Seasonal pattern")
    seasonal = _seasonal(store, key, chosen.id, filters.offense_group, filters.date_basis, rules)
    if seasonal.empty:
        st.info("The data do not yet cover a complete calendar year, so there is no seasonal pattern to show.")
    else:
        years = (f"{seasonal.years[0]}–{seasonal.years[-1]}" if len(seasonal.years) > 1 else str(seasonal.years[0]))
        ui.plotly_chart(
            district_figures.seasonal_pattern(
                seasonal.table, seasonal.takeaway(subject),
                f"{filters.offense_label}: average per calendar month over {len(seasonal.years)} complete "
                f"year{'s' if len(seasonal.years) > 1 else ''} ({years})"),
            width="stretch", key="seasonal_chart")
        spanned = series_breaks.within(breaks, dt.date(seasonal.years[0], 1, 1), dt.date(seasonal.years[-1], 12, 31))
        st.caption("Each bar is the mean over the complete years of data"
                   + ("; hover for the lowest and highest year. " if rules is None else
                      f" (public view: months whose count over those years is below {rules.min_count} are not shown). ")
                   + "Compare a month with the same month a year earlier, not with the month before."
                   + ("" if spanned.empty else " The years averaged span a series break ("
                      + "; ".join(series_breaks.chart_label(r) for _, r in spanned.iterrows())
                      + "), so they mix two ways of counting: see How to read these numbers."))
        show_numbers(seasonal.table, "seasonal")

    st.subheader("Which offenses")
    mix = _mix(store, key, chosen.id, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    if mix.empty:
        st.info("No incidents of this kind were recorded in this district in the period or a year earlier.")
    else:
        ui.plotly_chart(
            district_figures.offense_mix(mix, district.offense_mix_takeaway(mix),
                                         f"Net incidents by offense group, {period.label()} vs the same days a year earlier"),
            width="stretch", key="mix_chart")
        st.caption("Offense groups follow the FBI UCR classes. The reading beside each change in the table comes "
                   "from the Poisson test: |z| < 2 is within normal variation.")
        show_numbers(mix, "offense_mix")

# --- 5. Engagement ----------------------------------------------------------------------------
st.subheader("Community engagement")
if coverage.engagement_rows == 0:
    st.info(f"No community-engagement activity is recorded for {info.city_name}: there is no engagement ledger "
            "to show. Departments add one through an engagement ledger source in the city manifest.")
else:
    timeline, by_type = _engagement(store, key, chosen.id, window_start, period.end, period.start)
    if timeline.empty:
        st.info(f"No engagement activities are recorded for {chosen.title} between {window_label}.")
    else:
        ui.plotly_chart(
            district_figures.engagement_timeline(
                timeline, district.engagement_takeaway(timeline, period.end),
                f"Engagement activities per month by type, {window_label}", start=window_start, end=period.end),
            width="stretch", key="engagement_chart")
        show_numbers(timeline, "engagement_monthly")  # the chart's own numbers; the period's totals follow
    if by_type.empty:
        st.caption("No engagement activities in the selected period.")
    else:
        st.caption(
            f"In the selected period: **{int(by_type['events'].sum()):,} activities**, "
            f"{by_type['officer_hours'].sum():,.0f} officer hours, {int(by_type['attendees'].sum()):,} attendees "
            f"and ${by_type['cost'].sum():,.0f} direct cost ({int(by_type['events_prior_year'].sum()):,} activities "
            "a year earlier). Officer hours are summed over officers; attendees are estimated for open events.")
    if not timeline.empty or not by_type.empty:
        show_numbers(by_type if not by_type.empty else timeline, "engagement")

# --- 6. Trust ---------------------------------------------------------------------------------
st.subheader("Resident trust")
trend = _trust(store, key, chosen.id, period.end)
if coverage.survey_rows == 0:
    st.info(f"No resident survey is loaded for {info.city_name}, so there is no trust trend to show.")
elif trend.empty or trend["score"].notna().sum() == 0:
    st.info(f"No trust survey result for {chosen.title} with at least {metrics.MIN_RESPONDENTS} respondents "
            "up to the end of the period.")
else:
    program_rows = _programs(store, key, chosen.id, period.end) if coverage.program_rows else None
    ui.plotly_chart(
        district_figures.trust_trend(
            trend, district.trust_takeaway(trend),
            "Trust in police, score 0–100 (higher is better)"
            + ("; band: 95% margin of error" if trend["margin_of_error"].notna().any() else "")
            + "; dotted: city average",
            district_name=chosen.title, program_starts=program_rows, period_start=period.start, period_end=period.end),
        width="stretch", key="trust_chart")
    notes = [f"Scores are the mean answer rescaled to 0–100. Results from fewer than {metrics.MIN_RESPONDENTS} "
             "respondents are not shown (gaps in the line)."]
    hidden = int((~trend["shown"]).sum())
    if hidden:
        notes.append(f"{hidden} survey result(s) hidden for too few respondents.")
    if not trend["respondents_known"].all():
        notes.append("This source does not publish respondent counts or margins of error, so the uncertainty of "
                     "each score cannot be shown.")
    notes.append("The city average weights each district's score by its respondents."
                 if trend["respondents_known"].all() else "The city average is the plain mean of the districts' scores.")
    st.caption(" ".join(notes))
    show_numbers(trend, "trust")

# --- 7. Training ------------------------------------------------------------------------------
st.subheader("Officer training")
if coverage.training_rows == 0:
    st.info(f"No officer training records are loaded for {info.city_name}.")
else:
    train_start = district.training_window_start(period.end)
    training, summary = _training(store, key, chosen.id, train_start, period.end, period.start)
    quarters = district.quarter_labels(train_start, period.end)
    if training.empty:
        st.info(f"No officer training is recorded for {chosen.title} between {train_start:%b %Y} and "
                f"{period.end:%b %-d, %Y}.")
    else:
        ui.plotly_chart(
            district_figures.training_hours(
                training, district.training_takeaway(training, chosen.sworn_officers, len(quarters)),
                f"Officer training hours per quarter by course, {train_start:%b %Y} – {period.end:%b %-d, %Y}",
                quarters=quarters),
            width="stretch", key="training_chart")
    per_officer = (f", {summary.hours_per_sworn_officer:,.1f} per sworn officer ({chosen.sworn_officers:,} sworn)"
                   if summary.hours_per_sworn_officer is not None else
                   "; the district's sworn officers are not recorded, so there is no per-officer figure")
    quarter_cut = (pd.Timestamp(period.end) + pd.offsets.QuarterEnd(0)).date() != period.end
    st.caption(("" if training.empty or not quarter_cut else
                f"The last quarter runs only to {period.end:%b %-d, %Y}. ")
               + "Officer training hours = officers trained × course hours. In the selected period: "
               f"{summary.officer_hours:,.0f} officer training hours{per_officer}. Courses for units that are not a "
               "district (such as the Academy) are not counted here.")
    if not training.empty:
        show_numbers(training, "training")

# --- 8. Programs ------------------------------------------------------------------------------
st.subheader("Programs in this district")
if coverage.program_rows == 0:
    st.info(f"No community-policing programs are recorded for {info.city_name}.")
else:
    program_table = _programs(store, key, chosen.id, period.end)
    if program_table.empty:
        st.info(f"No community-policing program is recorded in {chosen.title}.")
    else:
        shown = program_table.assign(
            end_date=[("" if pd.isna(e) else f"{e:%Y-%m-%d}") for e in program_table["end_date"]],
            annual_cost=[("not recorded" if pd.isna(c) else f"${c:,.0f}") for c in program_table["annual_cost"]])
        st.dataframe(shown, hide_index=True, width="stretch", column_config={
            "name": "Program", "start_date": st.column_config.DateColumn("Start"), "end_date": "End",
            "status": f"On {period.end:%b %-d, %Y}",
            "description": st.column_config.TextColumn("What it does", width="large"),
            "annual_cost": "Annual cost (US$)",
        })
        st.caption("A program starting here does not by itself show that it changed crime or trust: "
                   "compare with districts without it (see How to read these numbers).")

# --- 9. Neighborhoods -------------------------------------------------------------------------
st.subheader("Neighborhoods")
if not coverage.has_incidents:
    st.info("Without incident data there are no neighborhood counts to rank.")
elif chosen.neighborhoods == 0:
    st.info(f"No neighborhoods are loaded for {chosen.title}.")
else:
    ranking = _neighborhoods(store, key, chosen.id, period.start, period.end, filters.offense_group,
                             filters.date_basis, rules)
    st.markdown(f"**{ranking.takeaway()}** ({filters.offense_label.lower()}, {period.label()})")
    st.dataframe(ranking.table, hide_index=True, width="stretch", height="content",
                 column_order=[c for c in ranking.table.columns if c != "area_id"], column_config=ui.area_column_config(
                     "Id", area_name="Neighborhood",
                     rank=st.column_config.NumberColumn("Rank", help="By incidents per 1,000 residents, highest first")))
    notes = [f"Rate = incidents ÷ residents × 1,000 ({chosen.population_year or 'year unknown'} population); "
             f"neighborhoods with fewer than {metrics.MIN_POPULATION_FOR_RATE} residents get no rate and are listed last."]
    if ranking.outside or ranking.outside_prior_year:
        notes.append(f"“{district.OUTSIDE_NAME}”: incidents counted in this district without a neighborhood of "
                     "its own.")
    if ranking.elsewhere or ranking.elsewhere_prior_year:
        notes.append(f"{ranking.elsewhere:,} incidents in these neighborhoods ({ranking.elsewhere_prior_year:,} a year "
                     "earlier) were counted in another district: a neighborhood can straddle a district boundary.")
    if rules is None:
        notes.append(f"District total: {ranking.district_incidents:,} incidents "
                     f"({ranking.district_incidents_prior_year:,} a year earlier).")
    else:
        notes.append(f"Counts of fewer than {rules.min_count} are not shown (“{rules.label}”), nor any count that "
                     "would give one away; neighborhood counts need not add up to the district's.")
    st.caption(" ".join(notes))
    ui.download_table(ranking.table, info, f"district_{chosen.id}_neighborhoods_{period.start}_{period.end}",
                      key="download_neighborhoods", label="Download the neighborhood table",
                      notes=ui.filter_notes(filters))

ui.data_note(info, extra="On this page incidents are counted in the district recorded for each incident; "
                         "neighborhood rows count whole neighborhoods. Engagement, training and surveys are "
                         "counted by their own dates, whatever the date basis.")
