"""Engagement vs outcomes: each district's community engagement in a quarter against crime or resident
trust in a later quarter compared with a year earlier, within districts and quarters. Association,
not effect."""

import contextlib

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing.figures import engagement as engagement_figures, base as figures
from community_policing.stats import analysis
from community_policing.views import evaluation, metrics, period_comparisons
from community_policing.web import ui
from community_policing.views import engagement_view as ev
from community_policing.i18n import N_, _, ngettext

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)
rules = ui.privacy_rules()  # public mode: small counts hidden (privacy); None for staff


# --- Cached calls into the library (keyed by the warehouse build) -----------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _intensity(_store, key: tuple) -> pd.DataFrame:
    return ev.quarterly_intensity(_store)


@st.cache_data(show_spinner=False, max_entries=16)
def _outcomes(_store, key: tuple) -> pd.DataFrame:
    return ev.quarterly_outcomes(_store, ui.dataset_info(_store, key))


@st.cache_data(show_spinner=False, max_entries=256)
def _association(_store, key: tuple, measure: str, outcome: str, lag: int, rules=None) -> ev.Association:
    # Public mode: no change is made from a quarter with a small count (privacy).
    return ev.associate(_intensity(_store, key), ev.public_outcomes(_outcomes(_store, key), rules), measure, outcome,
                        lag)


@st.cache_data(show_spinner=False, max_entries=16)
def _latest(_store, key: tuple) -> tuple[pd.DataFrame, list[str]]:
    return ev.latest_intensity(_intensity(_store, key))


@st.cache_data(show_spinner=False, max_entries=16)
def _reporting(_store, key: tuple, rules=None) -> ev.ReportingCheck:
    outcomes = _outcomes(_store, key)
    return ev.reporting_check(outcomes, _store.query("districts_table"), rules=rules,
                              dispersions=ev.reporting_dispersions(_store, outcomes))


def _download(frame: pd.DataFrame, label: str, name: str) -> None:
    ui.download_table(frame, info, f"engagement_{name}", key=f"download_{name}", label=label)


# --- 1. What this page shows ------------------------------------------------------------------

st.title(_("Engagement vs outcomes"))
ui.simulated_banner(info)
st.markdown(_(
    "Does more police community engagement in a district go with crime falling or trust rising "
    "afterwards? This page sets each district's engagement in a calendar quarter (activities, officer "
    "hours, attendees, feedback sessions, training) against its recorded incidents or its residents' trust "
    "score in a following quarter, compared with the same quarter a year earlier, and measures both from the "
    "district's usual and from that quarter's citywide level. It shows **association, not effect**: engagement "
    "is sent where and when problems are, so a pattern here (or its absence) does not tell whether engagement "
    "changed anything. Effects of specific programs are estimated on their own, against comparison districts."
))

intensity = _intensity(store, key)
outcomes = _outcomes(store, key)
measures = ev.available_measures(intensity)
outcome_keys = ev.available_outcomes(outcomes)
measure = None

if info.engagement_rows == 0:
    st.info(_("Community engagement is not recorded for {city}: its police department does not publish a record "
              "of it, which is not the same as none. So there is nothing to set beside crime or trust on this "
              "page.").format(city=ui.plain(info.city_name)))
    if ui.viewer().is_staff:
        with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
            st.page_link("pages/ledger.py", label=_("Staff: record activities on the Engagement log"),
                         icon=":material/edit_note:")
elif intensity.empty or not measures:
    st.info(_("The engagement ledger for {city} does not cover a complete calendar quarter yet, so there "
              "is no quarterly engagement to compare.").format(city=ui.plain(info.city_name)))
elif not outcome_keys:
    st.info(_("Neither incidents (a complete quarter of them) nor resident surveys are loaded for {city}, "
              "so there is no outcome to compare engagement with.").format(city=ui.plain(info.city_name)))
else:
    # --- 2. Controls ------------------------------------------------------------------------------
    c1, c2 = st.columns(2)
    measure = c1.selectbox(_("Engagement measure"), measures, key="eng_measure",
                           format_func=lambda m: _(ev.MEASURES[m].label))
    c1.caption(_(ev.MEASURES[measure].definition))
    outcome = c2.radio(_("Outcome"), outcome_keys, key="eng_outcome", horizontal=True,
                       format_func=lambda o: _(ev.OUTCOMES[o].label))
    if "trust" not in outcome_keys:
        c2.caption(_("Change in trust is not offered: no resident survey is loaded for {city}.").format(
            city=ui.plain(info.city_name)))
    elif outcome == "trust":
        c2.caption(_("Trust: the quarter's survey results (0–100, higher is more trust), weighted by respondents; "
                     "the change is in score points against the same quarter a year earlier."))
    else:
        c2.caption(_("Incidents: incidents counted in the district in the quarter, by date occurred; the change is "
                     "in % against the same quarter a year earlier."))
    c3, c4 = st.columns(2)
    lag = c3.radio(_("Lag: outcome change how many quarters after the engagement"), list(ev.LAGS), key="eng_lag",
                   horizontal=True, format_func=lambda k: ngettext("{n} quarter", "{n} quarters", k).format(n=k))
    c3.caption(ev.lag_sentence(lag))
    c4.markdown(_("**Compared within districts and quarters**"))
    c4.caption(_("Each point is measured from its district's own average and from the citywide average of its "
                 "calendar quarter, so lasting differences between districts (where engagement is usually sent, a "
                 "steady trend), the seasons and citywide swings drop out."))

    # --- 3. The scatter ---------------------------------------------------------------------------
    st.subheader(_("Engagement in a quarter and the change that followed"))
    assoc = _association(store, key, measure, outcome, lag, rules)
    if not assoc.enough:
        st.info(ev.too_few_sentence(assoc))
    else:
        spec, out = assoc.measure, assoc.outcome
        difference = _("(less the district's and the quarter's average)")
        x_label = f"{_(spec.label)} {difference}"
        y_label = f"{_(out.axis)}<br>{difference}"
        s, lo, hi = assoc.slope
        plotted = assoc.points.assign(**{c: assoc.points[c].map(ev.quarter_text)
                                         for c in ("engagement_quarter", "change_from", "change_to")})
        fig = engagement_figures.association_scatter(
            plotted,
            title=f"{assoc.takeaway()}: {assoc.r_text()}",
            subtitle=ngettext(
                "Each point is one district in one quarter ({n} district), less its district's and its quarter's "
                "average; r is their correlation.<br>{slope}, shown as the band.",
                "Each point is one district in one quarter ({n} districts), less its district's and its quarter's "
                "average; r is their correlation.<br>{slope}, shown as the band.",
                assoc.result.n_districts).format(n=assoc.result.n_districts, slope=assoc.slope_text()),
            x_label=x_label, y_label=y_label, slope=s, intercept=assoc.intercept, slope_low=lo, slope_high=hi,
            y_suffix=out.suffix, district_order=list(intensity["district_id"].drop_duplicates()))
        ui.plotly_chart(fig, width="stretch", key="eng_scatter")
        lead, _sep, rest = _(analysis.ASSOCIATION_CAPTION).partition(":")
        per_district = assoc.n / max(assoc.result.n_districts, 1)
        reshuffles = (_("all {n} ways of handing the {g} districts' engagement histories to one another")
                      if assoc.result.exact else
                      _("{n} random reshufflings that hand whole districts' engagement histories to other districts")
                      ).format(n=f"{assoc.result.permutations - (0 if assoc.result.exact else 1):,}",
                               g=assoc.result.n_districts)
        st.caption(
            f"**{lead}:**{rest} " + _(
                "What is taken out: each district's usual engagement and its usual change from a year earlier (where "
                "engagement is usually sent, a steady trend), and each quarter's citywide level (the season, citywide "
                "swings). What is not: engagement sent in response to a district's own recent crime, regression to "
                "the mean after a bad spell, and trends that change within a district. A district's quarters are "
                "not independent (each district appears about {per_district} times), so the p-value and the 95% "
                "intervals treat the district as the unit: the real pairing is compared with {reshuffles}. Only "
                "complete calendar quarters are used.").format(per_district=f"{per_district:.0f}",
                                                               reshuffles=reshuffles)
        )
        points_box = ui.lazy_expander(_("Show the numbers"), key="eng_points")
        with points_box:
            if points_box.open:
                cols = ["district_id", "district_name", "engagement_quarter", "change_from", "change_to",
                        "intensity", "change", "x", "y"]
                shown = assoc.points[cols].rename(columns={"intensity": measure, "change": f"{outcome}_change"})
                change_label, change_format = ((_("Change in incidents (%)"), "%+.1f%%") if outcome == "incidents"
                                               else (_("Change in trust (points)"), "%+.2f"))
                st.dataframe(shown.assign(**{f"{outcome}_change": shown[f"{outcome}_change"] * assoc.y_scale}),
                             hide_index=True, placeholder=ui.MISSING, width="stretch", column_config={
                    "district_id": _("District"), "district_name": _("Name"), "engagement_quarter": _("Engagement quarter"),
                    "change_from": _("Change from"), "change_to": _("Change to"),
                    measure: st.column_config.NumberColumn(_(spec.label), format="%.2f"),
                    f"{outcome}_change": st.column_config.NumberColumn(change_label, format=change_format),
                    "x": st.column_config.NumberColumn(_("x as plotted"), format="%.2f"),
                    "y": st.column_config.NumberColumn(_("y as plotted"), format="%.2f"),
                })
                st.caption(_("One row per point of the chart.") + " " + _(
                    "x and y are the engagement and the change less their district's and their quarter's averages, as "
                    "plotted and as the slope is fitted; the change is from the same quarter a year earlier (“change "
                    "from”) to the quarter shown in “change to”.")
                    + (" " + _("In the download the incident change is a proportion (0.05 = +5%).")
                       if outcome == "incidents" else ""))
                _download(shown, _("Download these points"), f"points_{measure}_{outcome}_lag{lag}")

    # --- 4. Intensity by district, latest four quarters ------------------------------------------
    table, quarters = _latest(store, key)
    span = f"{ev.quarter_text(quarters[0])} – {ev.quarter_text(quarters[-1])}" if quarters else ""
    st.subheader(ngettext("Engagement by district, latest {n} quarter ({span})",
                          "Engagement by district, latest {n} quarters ({span})", len(quarters)).format(
        n=len(quarters), span=span))
    ranked = table[["district_id", "district_name", measure]].dropna()
    if len(ranked):
        top = ranked.loc[ranked[measure].astype(float).idxmax()]
        bottom = ranked.loc[ranked[measure].astype(float).idxmin()]
        bars_title = _("{top} had the most {measure} ({top_value}); {bottom} the least ({bottom_value})").format(
            top=top["district_name"], measure=_(ev.MEASURES[measure].short), top_value=f"{float(top[measure]):,.1f}",
            bottom=bottom["district_name"], bottom_value=f"{float(bottom[measure]):,.1f}")
    else:
        bars_title = _(ev.MEASURES[measure].label)
    total_label = _(ev.MEASURES[measure].short)
    total_label = total_label[:1].upper() + total_label[1:]
    ui.plotly_chart(
        engagement_figures.intensity_bars(
            table, measure, total_label, bars_title,
            _("{measure}, summed over {span}").format(measure=total_label, span=span)),
        width="stretch", key="eng_bars")
    columns = ev.latest_table_columns(table)
    # Whole hours on screen (the download keeps the exact sums).
    rounded = {c: table[c].astype(float).round(0).astype("Int64") for c in ("officer_hours", "training_hours")
               if c in table.columns}
    st.dataframe(table[columns].assign(**rounded), hide_index=True, placeholder=ui.MISSING, width="stretch",
                 column_config={
        c: st.column_config.NumberColumn(ev.column_label(c), format="%.2f" if "per_" in c else "localized")
        if c not in ("district_id", "district_name") else ev.column_label(c) for c in columns})
    st.caption(_("Activities by type, attendees (estimated for open events), officer hours (summed over officers) "
                 "and feedback sessions come from the engagement ledger; training hours are officers trained × course "
                 "hours, for the district's own officers. Per 1,000 residents uses each district's population; "
                 "per officer its sworn officers."))
    _download(table[columns], _("Download the district engagement table"), "intensity_latest_4_quarters")

# --- 5. Reporting sensitivity ------------------------------------------------------------------
st.subheader(_("Did trust and recorded crime rise together?"))
check = _reporting(store, key, rules)
if check.missing:
    st.info(_("This check needs both incidents and resident surveys, and {city} has {missing}, "
              "so it cannot be made.").format(city=ui.plain(info.city_name), missing=check.why_not()))
else:
    year, prior_year = ev.quarter_span(check.year), ev.quarter_span(check.prior_year)
    if check.flagged.empty:
        st.markdown(_(
            "In no district did trust rise by more than {points} points while recorded incidents "
            "rose by more than {pct}% ({year} against {prior_year}).").format(
            points=f"{ev.TRUST_RISE_POINTS:g}", pct=f"{ev.CRIME_RISE_PCT:g}", year=year, prior_year=prior_year))
        st.caption(_("Why look: {note}").format(note=_(analysis.REPORTING_NOTE)))
    else:
        lines = ["- " + _("**{district}**: trust {trust} points, recorded incidents {crime}% ({before} → {after}; "
                          "{reading})").format(
            district=r.district_name, trust=f"{r.trust_change:+.1f}", crime=f"{r.crime_change:+.1f}",
            before=f"{r.incidents_prior_year:,}", after=f"{r.incidents:,}", reading=_(r.crime_noise))
                 for r in check.flagged.itertuples()]
        n_flagged = len(check.flagged)
        st.markdown(ngettext(
            "Trust rose by more than {points} points and recorded incidents by more than {pct}% together in "
            "{n} district ({year} against {prior_year}):",
            "Trust rose by more than {points} points and recorded incidents by more than {pct}% together in "
            "{n} districts ({year} against {prior_year}):", n_flagged).format(
            points=f"{ev.TRUST_RISE_POINTS:g}", pct=f"{ev.CRIME_RISE_PCT:g}", n=n_flagged, year=year,
            prior_year=prior_year) + "\n" + "\n".join(lines))
        st.warning(_(analysis.REPORTING_NOTE), icon=":material/info:")
    check_box = ui.lazy_expander(_("Trust and recorded crime by district, last year against the year before"),
                                 key="reporting_check")
    with check_box:
        if check_box.open:
            readable = metrics.translated(check.table.drop(columns=["note"]), ["crime_noise", *metrics.WORD_COLUMNS])
            st.dataframe(readable, hide_index=True, placeholder=ui.MISSING, width="stretch", column_config={
                "district_id": _("District"), "district_name": _("Name"),
                "trust_prior_year": st.column_config.NumberColumn(_("Trust, year before"), format="%.1f"),
                "trust": st.column_config.NumberColumn(_("Trust, last year"), format="%.1f"),
                "trust_change": st.column_config.NumberColumn(_("Trust change (points)"), format="%+.1f"),
                "incidents_prior_year": st.column_config.NumberColumn(_("Incidents, year before"), format="localized"),
                "incidents": st.column_config.NumberColumn(_("Incidents, last year"), format="localized"),
                "crime_change": st.column_config.NumberColumn(_("Incident change"), format="%+.1f%%"),
                "crime_noise": _("Reading"),
                "flag": st.column_config.CheckboxColumn(_("Both rose")),
                **metrics.column_labels(["incidents_note", "incidents_prior_year_note"]),  # public mode: hidden counts
            })
            st.caption(_("Last year: {year}; the year before: {prior_year}. Trust is the respondent-weighted "
                         "mean of the surveys; the reading of the incident change allows for how much each district's "
                         "yearly count normally varies, measured from its own earlier years (see How to read these "
                         "numbers).").format(year=year, prior_year=prior_year))
            _download(check.table, _("Download this table"), "reporting_sensitivity")

# --- 6. Many comparisons -------------------------------------------------------------------------
notes = []
if measure is not None:
    n_combos = ev.combinations(len(measures), len(outcome_keys))
    notes.append(_("The controls above give {n} different associations (measures × outcomes × lags). Even if "
                   "engagement and outcomes were unrelated, about 1 in 20 of them would show a clear association (a "
                   "95% interval that excludes zero) by chance: a single striking combination is not evidence on "
                   "its own.").format(n=n_combos))
if not check.missing:
    district_note = period_comparisons.multiple_comparisons_note(len(check.table))
    if district_note:
        notes.append(_("The trust and crime check scans {n} districts.").format(n=len(check.table))
                     + " " + district_note)
if notes:
    st.subheader(_("Many comparisons at once"))
    st.markdown("\n\n".join(notes))

# --- Who takes part ----------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def _representativeness(_store, key: tuple, dimension: str) -> pd.DataFrame:
    return evaluation.representativeness(_store, dimension)


DIMENSIONS = {"race_ethnicity": N_("Race and ethnicity"), "age": N_("Age (adults)")}
st.subheader(_("Who takes part, compared with who lives there"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def group_name(group: str) -> str:
    """A demographic group as a reader names it ("Black", not the data's code "black"), in the page's language."""
    return _capital(analysis.group_label(group))


rep_all = {d: _representativeness(store, key, d) for d in DIMENSIONS}
if all(t["attendee_share"].isna().all() for t in rep_all.values()):
    st.info(_("No engagement activity here records who attended (by age or race and ethnicity) alongside district "
              "census figures, so representativeness cannot be shown. Organizers can record attendee counts by group."))
else:
    r1, r2 = st.columns([1, 2])
    dimension = r1.radio(_("Compare by"), list(DIMENSIONS), format_func=lambda d: _(DIMENSIONS[d]),
                         key="rep_dimension")
    rep = rep_all[dimension]
    choices = [d for d in dict.fromkeys(rep["district_id"]) if rep.loc[rep["district_id"] == d, "attendees"].sum() > 0]
    picked = r2.selectbox(_("District"), choices, format_func=lambda d: _("District {id}").format(id=d),
                          key="rep_district")
    one = rep[rep["district_id"] == picked]
    # Groups are codes in the data: named in the page's language for the chart (its readings stay as codes).
    one = one.assign(demographic_group=one["demographic_group"].map(group_name))
    ui.plotly_chart(figures.representativeness_chart(one, _("District {id}").format(id=picked),
                                                     _(DIMENSIONS[dimension])),
                    width="stretch", key="rep_chart")
    st.caption(_("Only activities whose organizers recorded attendees by group count "
                 "({n} in this district). The interval allows for people arriving in groups "
                 "to the same activity. Residents' shares are census figures for the district.").format(
        n=int(one["activities"].max())))
    groups_box = ui.lazy_expander(_("Show the numbers for every district"), key="representativeness_numbers")
    with groups_box:
        if groups_box.open:
            readable = rep.assign(demographic_group=rep["demographic_group"].map(group_name),
                                  reading=rep["reading"].map(lambda r: _(r) if isinstance(r, str) else r))
            st.dataframe(readable, hide_index=True, placeholder=ui.MISSING, width="stretch", column_config={
                "district_id": _("District"), "demographic_group": _("Group"), "activities": _("Activities"),
                "attendees": _("Attendees"), "residents": _("Residents"), "reading": _("Reading"),
                "attendee_share": st.column_config.NumberColumn(_("Attendee share"), format="percent"),
                "share_ci_low": st.column_config.NumberColumn(_("95% CI low"), format="percent"),
                "share_ci_high": st.column_config.NumberColumn(_("95% CI high"), format="percent"),
                "resident_share": st.column_config.NumberColumn(_("Resident share"), format="percent"),
                "ratio": st.column_config.NumberColumn(_("Ratio"), format="%.2f")})
            ui.download_table(rep.assign(demographic_group=rep["demographic_group"].map(  # names, not codes (English)
                lambda g: _capital(str(analysis.GROUP_LABELS.get(g, g))))), info, f"representativeness_{dimension}",
                key="download_rep", label=_("Download"))

# --- 7. About this data ----------------------------------------------------------------------
ui.data_note(info, extra=_("On this page quarters are calendar quarters, used only when the data cover all of "
                           "them. Incidents are counted by date occurred; engagement and training by their own dates; "
                           "trust is the respondent-weighted mean of the quarter's survey results from at least "
                           "{n} respondents.").format(n=metrics.MIN_RESPONDENTS))
