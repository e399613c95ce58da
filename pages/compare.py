"""Compare districts: two to four police districts side by side, with shared scales. Reached by
the district picker or ?districts=2,5, which the picker keeps in step so the page can be shared."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import compare, compare_figures, district, metrics, privacy, series_breaks, ui

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


# --- Cached calls into the library (keyed by the warehouse build) -----------------------------


@st.cache_data(show_spinner=False, max_entries=128)
def _kpis(_store, key: tuple, ids: tuple, start: dt.date, end: dt.date, offense_group: str,
          date_basis: str, rules=None) -> pd.DataFrame:
    table = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return compare.kpi_table(_store, list(ids), start, end, offense_group, date_basis, districts_table=table)


@st.cache_data(show_spinner=False, max_entries=128)
def _monthly(_store, key: tuple, ids: tuple, end: dt.date, offense_group: str, date_basis: str,
             rules=None) -> pd.DataFrame:
    return compare.monthly_table(_store, list(ids), end, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                 rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _mix(_store, key: tuple, ids: tuple, start: dt.date, end: dt.date, offense_group: str,
         date_basis: str, rules=None) -> pd.DataFrame:
    return compare.offense_mix_table(_store, list(ids), start, end, offense_group, date_basis, rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _engagement(_store, key: tuple, ids: tuple, start: dt.date, end: dt.date) -> pd.DataFrame:
    return compare.engagement_table(_store, list(ids), start, end)


@st.cache_data(show_spinner=False, max_entries=128)
def _trust(_store, key: tuple, ids: tuple, start: dt.date, end: dt.date) -> pd.DataFrame:
    return compare.trust_table(_store, list(ids), end, start=start)


def show_numbers(frame: pd.DataFrame, name: str, column_config: dict | None = None) -> None:
    ui.numbers_behind(frame, info, f"compare_{'_'.join(chosen)}_{name}.csv", key=f"download_{name}", column_config=column_config,
                      notes=ui.filter_notes(filters))


# --- Which districts --------------------------------------------------------------------------

filters = ui.sidebar_filters(store, info)
period = filters.period
all_districts = ui.district_list(store, key)
titles = dict(zip(all_districts["district_id"], all_districts["title"]))
ids = list(titles)

st.title("Compare districts")
ui.simulated_banner(info)

if len(ids) < compare.MIN_DISTRICTS:
    st.info(f"{info.city_name} has {'no districts' if not ids else 'only one district'} loaded, so there is "
            "nothing to compare.")
    ui.data_note(info)
    st.stop()

# The URL and the picker stay in step without callbacks (as on the District page): the URL decides
# when it names districts this session has not just shown (first load, a shared link); otherwise
# the picker decides and the URL is rewritten to match.
requested = st.query_params.get("districts")
unknown: list[str] = []
if requested is not None and requested != st.session_state.get("_compare_shown"):
    wanted = compare.parse_districts(requested)
    unknown = [i for i in wanted if i not in titles]
    st.session_state["compare_districts"] = [i for i in wanted if i in titles]
elif not isinstance(st.session_state.get("compare_districts"), list) or any(
        i not in titles for i in st.session_state["compare_districts"]):
    last = [i for i in st.session_state.get("_compare_last", []) if i in titles]
    st.session_state["compare_districts"] = last or ids[:2]

picked = st.multiselect(
    f"Districts to compare ({compare.MIN_DISTRICTS}–{compare.MAX_DISTRICTS})", ids, format_func=titles.get,
    key="compare_districts", placeholder="Choose districts",
    help="The address of this page names the districts (?districts=2,5), so it can be shared or bookmarked.")
chosen = list(picked)
shown = ",".join(chosen)
st.session_state["_compare_shown"] = shown
st.session_state["_compare_last"] = chosen
if st.query_params.get("districts") != shown:
    st.query_params["districts"] = shown
if unknown:
    st.warning(f"There is no district {', '.join(repr(u) for u in unknown)}. Valid district ids: "
               + ", ".join(ids) + ".")

problem = compare.selection_problem(chosen)
if problem:
    st.info(problem)
    ui.data_note(info)
    st.stop()

coverage = ui.dataset_info(store, key)
ids_key = tuple(chosen)
st.caption(
    f"{filters.offense_label}, counted by date {filters.date_basis}, {period.label()} compared with the same days "
    f"a year earlier ({period.prior.label()}). Each chart has one column per district on the same scale, so "
    "equal heights mean equal numbers.")
if coverage.has_incidents and info.prior_incomplete(period):
    st.warning(f"The data start on {info.first_day:%b %-d, %Y}, after the comparison period begins "
               f"({period.prior.start:%b %-d, %Y}): changes from a year earlier are not meaningful for this period.")

subject = "Incidents" if filters.offense_group == "all" else filters.offense_label
window_start = district.window_start(period.end)
window_label = f"{window_start:%b %Y} – {period.end:%b %-d, %Y}"

# --- 1. Headline numbers ----------------------------------------------------------------------
st.subheader("Headline numbers")
kpis = _kpis(store, key, ids_key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
if coverage.has_incidents:
    st.markdown(f"**{compare.kpi_takeaway(kpis)}.**")
if coverage.has_incidents:
    incidents = pd.DataFrame({
        "District": kpis["title"],
        "Incidents": kpis["incidents"],
        **({"Incidents: note": kpis["incidents_note"]} if "incidents_note" in kpis else {}),
        "A year earlier": kpis["incidents_prior_year"],
        **({"A year earlier: note": kpis["incidents_prior_year_note"]} if "incidents_prior_year_note" in kpis else {}),
        "% change": kpis["pct_change"],
        "Reading": kpis["noise"],
        "Per 1,000 residents": kpis["rate_per_1000"],
        "Residents": [("not loaded" if pd.isna(p) else f"{int(p):,} ({'year unknown' if pd.isna(y) else int(y)})")
                      for p, y in zip(kpis["population"], kpis["population_year"])],
    })
    st.dataframe(incidents, hide_index=True, width="stretch", column_config={
        "Incidents": st.column_config.NumberColumn(format="localized"),
        "A year earlier": st.column_config.NumberColumn(format="localized", help="The same days one year earlier"),
        "% change": st.column_config.NumberColumn(format="%+.1f%%"),
        "Reading": st.column_config.TextColumn(help="Poisson test: |z| < 2 is within normal variation"),
        "Per 1,000 residents": st.column_config.NumberColumn(format="%.1f",
                                                             help="Incidents in the period ÷ residents × 1,000"),
        "Residents": st.column_config.TextColumn("Residents (year)", help="The denominator of the rate"),
    })
if coverage.engagement_rows or coverage.survey_rows:
    others = pd.DataFrame({"District": kpis["title"]})
    if coverage.engagement_rows:
        others["Engagement activities"] = kpis["engagement_events"]
        others["Activities a year earlier"] = kpis["engagement_events_prior_year"]
        others["Officer engagement hours"] = kpis["officer_hours"].round().astype("int64")
    if coverage.survey_rows:
        others["Latest trust (0–100)"] = kpis["trust"]
        others["Survey month"] = [("none with enough respondents" if pd.isna(d) else f"{pd.Timestamp(d):%b %Y}")
                                  for d in kpis["trust_period_start"]]
        others["Respondents"] = [("—" if pd.isna(t) else "not published" if pd.isna(r) else f"{int(r):,}")
                                 for t, r in zip(kpis["trust"], kpis["trust_respondents"])]
    st.dataframe(others, hide_index=True, width="stretch", column_config={
        "Engagement activities": st.column_config.NumberColumn(format="localized"),
        "Activities a year earlier": st.column_config.NumberColumn(format="localized"),
        "Officer engagement hours": st.column_config.NumberColumn(format="localized"),
        "Latest trust (0–100)": st.column_config.NumberColumn(format="%.1f", help=(
            "Latest survey period up to the end of the selected period with at least "
            f"{metrics.MIN_RESPONDENTS} respondents; higher is more trust")),
    })
breaks = ui.chart_breaks(store, info, filters.offense_group, every_district=True)  # each chart picks its districts
preliminary = ui.preliminary_from(info, filters.date_basis)
if coverage.has_incidents:
    ui.comparison_cautions(info, series_breaks.for_places(breaks, chosen), filters)
notes = []
if not coverage.has_incidents:
    notes.append(f"No incident data is loaded for {info.city_name}.")
notes.append(f"Rates need at least {metrics.MIN_POPULATION_FOR_RATE} residents; longer periods give higher rates.")
if rules is not None:
    notes.append(privacy.public_note(rules))
if not coverage.engagement_rows:
    notes.append(f"No engagement ledger is loaded for {info.city_name}, so engagement is not recorded.")
if not coverage.survey_rows:
    notes.append(f"No resident survey is loaded for {info.city_name}, so there is no trust score.")
st.caption(" ".join(notes))
show_numbers(kpis, "kpis")

# --- 2-4. Incidents ---------------------------------------------------------------------------
st.subheader("Incidents month by month")
if not coverage.has_incidents:
    st.info(f"No incident data is loaded for {info.city_name}, so there are no incident charts to compare.")
else:
    monthly = _monthly(store, key, ids_key, period.end, filters.offense_group, filters.date_basis, rules)
    if monthly["incidents"].isna().all():
        st.info("The incident data do not cover these months.")
    else:
        ui.plotly_chart(compare_figures.monthly_incidents(
            monthly, compare.monthly_takeaway(monthly, subject),
            f"{filters.offense_label} per month, {window_label}, by date {filters.date_basis}; "
            "dashed grey: the same month a year earlier", breaks=breaks, preliminary_from=preliminary),
            width="stretch", key="compare_series_chart")
        freshness_notes = ui.chart_freshness_notes(series_breaks.for_places(breaks, chosen), window_start, period.end,
                                                   preliminary)
        st.caption("Net incidents (reports minus corrections) per calendar month. "
                   + (f"The last month runs only to {period.end:%b %-d}. " if monthly["partial"].any() else "")
                   + "Bigger districts have more incidents: the next chart divides by residents."
                   + "".join(f" {n}" for n in freshness_notes))

        st.subheader("Per 1,000 residents")
        ui.plotly_chart(compare_figures.rate_lines(
            monthly, compare.rate_takeaway(monthly),
            f"{filters.offense_label} per 1,000 residents per month, {window_label}", breaks=breaks,
            preliminary_from=preliminary),
            width="stretch", key="compare_rate_chart")
        years = sorted({int(y) for y in monthly["population_year"].dropna()})
        st.caption("Rate = incidents in the month ÷ residents × 1,000 "
                   f"({', '.join(map(str, years)) or 'year unknown'} population; residents are in each hover). "
                   f"Districts with fewer than {metrics.MIN_POPULATION_FOR_RATE} residents get no rate.")
        show_numbers(monthly, "monthly")

    st.subheader("Which offenses")
    mix = _mix(store, key, ids_key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    if rules is not None and not mix.empty and mix["share_pct"].isna().all() and privacy.hidden(mix, "incidents").any():
        st.info("The offense groups' counts in these districts are too small to show in this public view "
                f"(\u201c{rules.label}\u201d).")
        show_numbers(mix, "offense_mix")
    elif mix.empty or mix["incidents"].sum() <= 0:
        st.info("No incidents of this kind were recorded in these districts in the period.")
    else:
        ui.plotly_chart(compare_figures.offense_mix(
            mix, compare.offense_mix_takeaway(mix),
            f"Share of each district's net incidents by offense group, {period.label()}; counts in the hover"),
            width="stretch", key="compare_mix_chart")
        st.caption("Shares compare the make-up of crime whatever a district's size. Offense groups follow the "
                   "FBI UCR classes.")
        show_numbers(mix, "offense_mix")

# --- 5. Engagement ----------------------------------------------------------------------------
st.subheader("Community engagement per resident")
if coverage.engagement_rows == 0:
    st.info(f"No community-engagement activity is recorded for {info.city_name}: there is no engagement ledger "
            "to compare.")
else:
    engagement = _engagement(store, key, ids_key, window_start, period.end)
    if engagement["events"].sum() == 0:
        st.info(f"No engagement activities are recorded in these districts between {window_label}.")
    else:
        ui.plotly_chart(compare_figures.engagement_rates(
            engagement, compare.engagement_takeaway(engagement),
            f"Engagement activities (all types) per month per 1,000 residents, {window_label}"),
            width="stretch", key="compare_engagement_chart")
        st.caption("Activities of every type (meetings, events, foot patrols, youth programs…) counted by their "
                   "own dates; hover for the count and officer hours. Engagement is often sent where crime is "
                   "high, so more engagement beside more crime does not show either caused the other.")
        show_numbers(engagement, "engagement")

# --- 6. Trust ---------------------------------------------------------------------------------
st.subheader("Resident trust")
if coverage.survey_rows == 0:
    st.info(f"No resident survey is loaded for {info.city_name}, so there is no trust trend to compare.")
else:
    trust = _trust(store, key, ids_key, window_start, period.end)
    if trust.empty or trust["score"].notna().sum() == 0:
        st.info(f"No trust survey result for these districts with at least {metrics.MIN_RESPONDENTS} respondents "
                "up to the end of the period.")
    else:
        ui.plotly_chart(compare_figures.trust_trends(
            trust, compare.trust_takeaway(trust),
            f"Trust in police by survey month, {window_label}; score 0–100 (higher is better)"
            + ("; bars: 95% margin of error" if trust["margin_of_error"].notna().any() else "")
            + "; dotted: city average"), width="stretch", key="compare_trust_chart")
        hidden = int((~trust["shown"]).sum())
        st.caption(f"Results from fewer than {metrics.MIN_RESPONDENTS} respondents are not shown (gaps in the "
                   "lines)" + (f": {hidden} hidden." if hidden else ".")
                   + " Single survey months swing by several points; compare the levels, not one month's move.")
        show_numbers(trust, "trust")

ui.data_note(info, extra="On this page incidents are counted in the district recorded for each incident. "
                         "Each district's numbers are the same as on its District page for the same filters.")
