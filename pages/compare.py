"""Compare districts: two to four police districts side by side, with shared scales. Reached by
the district picker or ?districts=2,5, which the picker keeps in step so the page can be shared."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.figures import compare as compare_figures
from community_policing.stats import noise
from community_policing.views import compare, district, metrics, privacy
from community_policing.web import ui
from community_policing.i18n import _, ngettext

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


# --- Cached calls into the library (keyed by the warehouse build and the language: results hold text) ---


@st.cache_data(show_spinner=False, max_entries=128)
def _kpis(_store, key: tuple, lang: str, ids: tuple, start: dt.date, end: dt.date, offense_group: str,
          date_basis: str, rules=None) -> pd.DataFrame:
    table = ui.area_comparison(_store, key, start, end, "district", offense_group, date_basis, rules)
    return compare.kpi_table(_store, list(ids), start, end, offense_group, date_basis, districts_table=table)


@st.cache_data(show_spinner=False, max_entries=128)
def _monthly(_store, key: tuple, lang: str, ids: tuple, end: dt.date, offense_group: str, date_basis: str,
             rules=None) -> pd.DataFrame:
    return compare.monthly_table(_store, list(ids), end, offense_group, date_basis, coverage=ui.dataset_info(_store, key),
                                 rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _series_dispersions(_store, key: tuple, ids: tuple, end: dt.date, offense_group: str, date_basis: str) -> dict:
    return compare.series_dispersions(_store, list(ids), end, offense_group, date_basis)


@st.cache_data(show_spinner=False, max_entries=128)
def _mix(_store, key: tuple, lang: str, ids: tuple, start: dt.date, end: dt.date, offense_group: str,
         date_basis: str, rules=None) -> pd.DataFrame:
    return compare.offense_mix_table(_store, list(ids), start, end, offense_group, date_basis, rules=rules)


@st.cache_data(show_spinner=False, max_entries=128)
def _engagement(_store, key: tuple, lang: str, ids: tuple, start: dt.date, end: dt.date) -> pd.DataFrame:
    return compare.engagement_table(_store, list(ids), start, end)


@st.cache_data(show_spinner=False, max_entries=128)
def _trust(_store, key: tuple, lang: str, ids: tuple, start: dt.date, end: dt.date) -> pd.DataFrame:
    return compare.trust_table(_store, list(ids), end, start=start)


def show_numbers(frame: pd.DataFrame, name: str, column_config: dict | None = None) -> None:
    # Headings and readings in the page's language; the machine column names stay (downloads too).
    config = {**metrics.column_labels(frame.columns), **(column_config or {})}
    ui.numbers_behind(metrics.translated(frame, metrics.WORD_COLUMNS), info,
                      f"compare_{'_'.join(chosen)}_{name}.csv", key=f"download_{name}", column_config=config,
                      notes=ui.filter_notes(filters))


# --- Which districts --------------------------------------------------------------------------

filters = ui.sidebar_filters(store, info)
period = filters.period
offense_label = _(filters.offense_label)  # in the page's language (the filter's own label may be English)
all_districts = ui.district_list(store, key)
# Titles in the page's language ("District 2 – ..." / "Distrito 2 – ..."), not the cached list's.
titles = {i: district.district_title(i, n) for i, n in zip(all_districts["district_id"], all_districts["district_name"])}
ids = list(titles)
lang = i18n.language()

st.title(_("Compare districts"))
ui.simulated_banner(info)

if len(ids) < compare.MIN_DISTRICTS:
    st.info((_("{city} has no districts loaded, so there is nothing to compare.") if not ids else
             _("{city} has only one district loaded, so there is nothing to compare.")).format(city=ui.plain(info.city_name)))
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
        id=", ".join(ui.plain(repr(u)) for u in unknown), ids=ui.plain(", ".join(ids))))

problem = compare.selection_problem(chosen)
if problem:
    st.info(problem)
    ui.data_note(info)
    st.stop()

coverage = ui.dataset_info(store, key)
ids_key = tuple(chosen)
st.caption(metrics.comparison_caption(offense_label, filters.date_basis, period) + " "
           + _("Each chart has one column per district on the same scale, so equal heights mean equal numbers."))
if coverage.has_incidents and info.prior_incomplete(period, filters.date_basis):
    st.warning(metrics.prior_incomplete_note(info.coverage.comparison_start(filters.date_basis), period))

subject = _("Incidents") if filters.offense_group == "all" else offense_label
window_start = district.window_start(period.end)
window_label = f"{i18n.format_month_short(window_start)} – {i18n.format_date(period.end)}"
by_basis = (_("by date reported") if filters.date_basis == "reported" else _("by date occurred"))

# --- 1. Headline numbers ----------------------------------------------------------------------
st.subheader(_("Headline numbers"))
kpis = _kpis(store, key, lang, ids_key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
if coverage.has_incidents:
    st.markdown(f"**{compare.kpi_takeaway(kpis)}.**")
if coverage.has_incidents:
    # A table built for display: its columns are named in the page's language.
    incidents = pd.DataFrame({
        _("District"): kpis["title"],
        _("Incidents"): kpis["incidents"],
        **({_("Incidents: note"): [_(n) if n else n for n in kpis["incidents_note"]]}
           if "incidents_note" in kpis else {}),
        _("A year earlier"): kpis["incidents_prior_year"],
        **({_("A year earlier: note"): [_(n) if n else n for n in kpis["incidents_prior_year_note"]]}
           if "incidents_prior_year_note" in kpis else {}),
        _("% change"): kpis["pct_change"],
        _("Reading"): [_(n) for n in kpis["noise"]],
        _("Per 1,000 residents"): kpis["rate_per_1000"],
        _("Residents"): [(_("not loaded") if pd.isna(p) else
                          f"{int(p):,} ({_('year unknown') if pd.isna(y) else int(y)})")
                         for p, y in zip(kpis["population"], kpis["population_year"])],
    })
    st.dataframe(incidents, hide_index=True, width="stretch", placeholder=ui.MISSING, column_config={
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
if coverage.engagement_rows or coverage.survey_rows:
    others = pd.DataFrame({_("District"): kpis["title"]})
    if coverage.engagement_rows:
        # "not recorded" where the ledger does not cover the period (issue 16: never a 0 that reads as "did nothing")
        others[_("Engagement activities")] = kpis["engagement_events"].astype(object).where(
            kpis["engagement_recorded"], _("not recorded"))
        others[_("Activities a year earlier")] = kpis["engagement_events_prior_year"].astype(object).where(
            kpis["engagement_prior_recorded"], _("not recorded"))
        others[_("Officer engagement hours")] = kpis["officer_hours"].round().astype("int64")
    if coverage.survey_rows:
        others[_("Latest trust (0–100)")] = kpis["trust"]
        others[_("Survey month")] = [(_("none with enough respondents") if pd.isna(d)
                                      else i18n.format_month_short(pd.Timestamp(d)))
                                     for d in kpis["trust_period_start"]]
        others[_("Respondents")] = [("—" if pd.isna(t) else _("not published") if pd.isna(r) else f"{int(r):,}")
                                    for t, r in zip(kpis["trust"], kpis["trust_respondents"])]
    st.dataframe(others, hide_index=True, width="stretch", placeholder=ui.MISSING, column_config={
        _("Engagement activities"): st.column_config.NumberColumn(format="localized"),
        _("Activities a year earlier"): st.column_config.NumberColumn(format="localized"),
        _("Officer engagement hours"): st.column_config.NumberColumn(format="localized"),
        _("Latest trust (0–100)"): st.column_config.NumberColumn(format="%.1f", help=_(
            "Latest survey period up to the end of the selected period with at least {n} respondents; higher is "
            "more trust").format(n=metrics.MIN_RESPONDENTS)),
    })
breaks = ui.chart_breaks(store, info, filters.offense_group, every_district=True)  # each chart picks its districts
preliminary = ui.preliminary_from(info, filters.date_basis)
if coverage.has_incidents:
    ui.comparison_cautions(info, series_breaks.for_places(breaks, chosen), filters)
notes = []
if not coverage.has_incidents:
    notes.append(_("No incident data is loaded for {city}.").format(city=ui.plain(info.city_name)))
notes.append(_("Rates need at least {n} residents; longer periods give higher rates.").format(
    n=metrics.MIN_POPULATION_FOR_RATE))
if rules is not None:
    notes.append(_(privacy.public_note(rules)))
no_history = metrics.noise_basis_note(noise.NONE) if coverage.has_incidents and (
    kpis["noise_basis"] == noise.NONE).any() else ""
if no_history:
    notes.append(no_history[0].upper() + no_history[1:] + ".")
if not coverage.engagement_rows:
    notes.append(_("No engagement ledger is loaded for {city}, so engagement is not recorded.").format(city=ui.plain(info.city_name)))
if not coverage.survey_rows:
    notes.append(_("No resident survey is loaded for {city}, so there is no trust score.").format(city=ui.plain(info.city_name)))
st.caption(" ".join(notes))
show_numbers(kpis, "kpis")

# --- 2-4. Incidents ---------------------------------------------------------------------------
st.subheader(_("Incidents month by month"))
if not coverage.has_incidents:
    st.info(_("No incident data is loaded for {city}, so there are no incident charts to compare.").format(
        city=ui.plain(info.city_name)))
else:
    monthly = _monthly(store, key, lang, ids_key, period.end, filters.offense_group, filters.date_basis, rules)
    if monthly["incidents"].isna().all():
        st.info(_("The incident data do not cover these months."))
    else:
        ui.plotly_chart(compare_figures.monthly_incidents(
            monthly, compare.monthly_takeaway(monthly, subject, _series_dispersions(
                store, key, ids_key, period.end, filters.offense_group, filters.date_basis)),
            _("{offenses} per month, {window}, {basis}; dashed grey: the same month a year earlier").format(
                offenses=offense_label, window=window_label, basis=by_basis),
            breaks=breaks, preliminary_from=preliminary),
            width="stretch", key="compare_series_chart")
        freshness_notes = ui.chart_freshness_notes(series_breaks.for_places(breaks, chosen), window_start, period.end,
                                                   preliminary)
        st.caption(_("Incidents counted per calendar month, as the agency counts them.") + " "
                   + (_("The last month runs only to {day}.").format(day=i18n.format_day_month(period.end)) + " "
                      if monthly["partial"].any() else "")
                   + _("Bigger districts have more incidents: the next chart divides by residents.")
                   + "".join(f" {n}" for n in freshness_notes))

        st.subheader(_("Per 1,000 residents"))
        ui.plotly_chart(compare_figures.rate_lines(
            monthly, compare.rate_takeaway(monthly),
            _("{offenses} per 1,000 residents per month, {window}").format(offenses=offense_label,
                                                                             window=window_label),
            breaks=breaks, preliminary_from=preliminary),
            width="stretch", key="compare_rate_chart")
        years = sorted({int(y) for y in monthly["population_year"].dropna()})
        st.caption(_("Rate = incidents in the month ÷ residents × 1,000 ({years} population; residents are in each "
                     "hover). Districts with fewer than {n} residents get no rate.").format(
            years=", ".join(map(str, years)) or _("year unknown"), n=metrics.MIN_POPULATION_FOR_RATE))
        show_numbers(monthly, "monthly")

    st.subheader(_("Which offenses"))
    mix = _mix(store, key, lang, ids_key, period.start, period.end, filters.offense_group, filters.date_basis, rules)
    if rules is not None and not mix.empty and mix["share_pct"].isna().all() and privacy.hidden(mix, "incidents").any():
        st.info(_("The offense groups' counts in these districts are too small to show in this public view "
                  "(“{label}”).").format(label=_(rules.label)))
        show_numbers(mix, "offense_mix")
    elif mix.empty or mix["incidents"].sum() <= 0:
        st.info(_("No incidents of this kind were recorded in these districts in the period."))
    else:
        ui.plotly_chart(compare_figures.offense_mix(
            mix, compare.offense_mix_takeaway(mix),
            _("Share of each district's incidents by offense group, {period}; counts in the hover").format(
                period=period.label())),
            width="stretch", key="compare_mix_chart")
        st.caption(_("Shares compare the make-up of crime whatever a district's size. Offense groups follow the "
                     "FBI UCR classes."))
        show_numbers(mix, "offense_mix")

# --- 5. Engagement ----------------------------------------------------------------------------
st.subheader(_("Community engagement per resident"))
if coverage.engagement_rows == 0:
    st.info(_("No community-engagement activity is recorded for {city}: there is no engagement ledger "
              "to compare.").format(city=ui.plain(info.city_name)))
else:
    engagement = _engagement(store, key, lang, ids_key, window_start, period.end)
    if engagement["events"].sum() == 0:
        st.info(_("No engagement activities are recorded in these districts between {window}.").format(
            window=window_label))
    else:
        ui.plotly_chart(compare_figures.engagement_rates(
            engagement, compare.engagement_takeaway(engagement),
            _("Engagement activities (all types) per month per 1,000 residents, {window}").format(window=window_label)),
            width="stretch", key="compare_engagement_chart")
        st.caption(_("Activities of every type (meetings, events, foot patrols, youth programs…) counted by their "
                     "own dates; hover for the count and officer hours. Engagement is often sent where crime is "
                     "high, so more engagement beside more crime does not show either caused the other."))
        show_numbers(engagement, "engagement")

# --- 6. Trust ---------------------------------------------------------------------------------
st.subheader(_("Resident trust"))
if coverage.survey_rows == 0:
    st.info(_("No resident survey is loaded for {city}, so there is no trust trend to compare.").format(
        city=ui.plain(info.city_name)))
else:
    trust = _trust(store, key, lang, ids_key, window_start, period.end)
    if trust.empty or trust["score"].notna().sum() == 0:
        st.info(_("No trust survey result for these districts with at least {n} respondents up to the end of the "
                  "period.").format(n=metrics.MIN_RESPONDENTS))
    else:
        ui.plotly_chart(compare_figures.trust_trends(
            trust, compare.trust_takeaway(trust),
            _("Trust in police by survey month, {window}; score 0–100 (higher is better)").format(window=window_label)
            + (_("; bars: 95% margin of error") if trust["margin_of_error"].notna().any() else "")
            + _("; dotted: city average")), width="stretch", key="compare_trust_chart")
        hidden = int((~trust["shown"]).sum())
        st.caption(_("Results from fewer than {n} respondents are not shown (gaps in the lines)").format(
            n=metrics.MIN_RESPONDENTS)
                   + (ngettext(": {n} hidden.", ": {n} hidden.", hidden).format(n=hidden) if hidden else ".")
                   + " " + _("Single survey months swing by several points; compare the levels, not one month's move."))
        show_numbers(trust, "trust")

ui.data_note(info, extra=_("On this page incidents are counted in the district recorded for each incident. "
                           "Each district's numbers are the same as on its District page for the same filters."))
