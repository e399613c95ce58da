"""Engagement vs outcomes: each district's community engagement in a quarter against crime or resident
trust in a later quarter compared with a year earlier, within districts and quarters. Association,
not effect."""

import contextlib

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from community_policing.figures import engagement as engagement_figures
from community_policing.stats import did, trust_stats
from community_policing.views import metrics
from community_policing.web import about, cached, display, downloads, echo, signin
from community_policing.views import engagement_view as ev
from community_policing.i18n import _, ngettext

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)


def _download(frame: pd.DataFrame, label: str, name: str) -> None:
    downloads.download_table(frame, info, f"engagement_{name}", key=f"download_{name}", label=label)


# --- 1. What this page shows ------------------------------------------------------------------

st.title(_("Engagement vs outcomes"))
about.simulated_banner(info)
st.markdown(_(
    "Does more police community engagement in a district go with crime falling or trust rising "
    "afterwards? This page sets each district's engagement in a calendar quarter (activities, officer "
    "hours, attendees, feedback sessions, training) against its recorded incidents or its residents' trust "
    "score in a following quarter, compared with the same quarter a year earlier, and measures both from the "
    "district's usual and from that quarter's citywide level. It shows **association, not effect**: engagement "
    "is sent where and when problems are, so a pattern here (or its absence) does not tell whether engagement "
    "changed anything. Effects of specific programs are estimated on their own, against comparison districts."
))

page = cached.view(ev.page_view, store)
measure = None

if info.engagement_rows == 0:
    st.info(_("Community engagement is not recorded for {city}: its police department does not publish a record "
              "of it, which is not the same as none. So there is nothing to set beside crime or trust on this "
              "page.").format(city=echo.plain(info.city_name)))
    if signin.viewer().is_staff:
        with contextlib.suppress(StreamlitPageNotFoundError):  # run alone (tests), the page has no navigation
            st.page_link("pages/ledger.py", label=_("Staff: record activities on the Engagement log"),
                         icon=":material/edit_note:")
elif not page.has_quarters or not page.measures:
    st.info(_("The engagement ledger for {city} does not cover a complete calendar quarter yet, so there "
              "is no quarterly engagement to compare.").format(city=echo.plain(info.city_name)))
elif not page.outcomes:
    st.info(_("Neither incidents (a complete quarter of them) nor resident surveys are loaded for {city}, "
              "so there is no outcome to compare engagement with.").format(city=echo.plain(info.city_name)))
else:
    # --- 2. Controls ------------------------------------------------------------------------------
    c1, c2 = st.columns(2)
    measure = c1.selectbox(_("Engagement measure"), page.measures, key="eng_measure",
                           format_func=lambda m: _(ev.MEASURES[m].label))
    c1.caption(_(ev.MEASURES[measure].definition))
    outcome = c2.radio(_("Outcome"), page.outcomes, key="eng_outcome", horizontal=True,
                       format_func=lambda o: _(ev.OUTCOMES[o].label))
    c2.caption(ev.outcome_caption(outcome, page.outcomes, echo.plain(info.city_name)))
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
    assoc = cached.view(ev.association_view, store, measure, outcome, lag)
    if not assoc.enough:
        st.info(ev.too_few_sentence(assoc))
    else:
        s, lo, hi = assoc.slope
        x_label, y_label = assoc.axis_labels()
        fig = engagement_figures.association_scatter(
            assoc.plotted_points(), title=assoc.chart_title(), subtitle=assoc.chart_subtitle(),
            x_label=x_label, y_label=y_label, slope=s, intercept=assoc.intercept, slope_low=lo, slope_high=hi,
            y_suffix=assoc.outcome.suffix, district_order=page.district_order)
        display.altair_chart(fig, kind=_("Scatter plot"), key="eng_scatter")
        st.caption(assoc.caption())
        points_box = display.lazy_expander(_("Show the numbers"), key="eng_points")
        with points_box:
            if points_box.open:
                change_label, change_format = assoc.change_heading()
                st.dataframe(assoc.points_shown(), hide_index=True, placeholder=display.MISSING, width="stretch",
                             column_config={
                    "district_id": _("District"), "district_name": _("Name"),
                    "engagement_quarter": _("Engagement quarter"), "change_from": _("Change from"),
                    "change_to": _("Change to"),
                    measure: st.column_config.NumberColumn(_(assoc.measure.label), format="%.2f"),
                    f"{outcome}_change": st.column_config.NumberColumn(change_label, format=change_format),
                    "x": st.column_config.NumberColumn(_("x as plotted"), format="%.2f"),
                    "y": st.column_config.NumberColumn(_("y as plotted"), format="%.2f"),
                })
                st.caption(assoc.points_caption())
                _download(assoc.points_table(), _("Download these points"), f"points_{measure}_{outcome}_lag{lag}")

    # --- 4. Intensity by district, latest four quarters ------------------------------------------
    table = page.latest
    st.subheader(ev.latest_heading(page.quarters))
    bars_title, total_label, bars_subtitle = ev.bars_words(table, measure, page.quarters)
    display.altair_chart(engagement_figures.intensity_bars(table, measure, total_label, bars_title, bars_subtitle),
                         key="eng_bars")
    columns = ev.latest_table_columns(table)
    st.dataframe(ev.latest_shown(table), hide_index=True, placeholder=display.MISSING, width="stretch", column_config={
        c: st.column_config.NumberColumn(ev.column_label(c), format="%.2f" if "per_" in c else "localized")
        if c not in ("district_id", "district_name") else ev.column_label(c) for c in columns})
    st.caption(_("Activities by type, attendees (estimated for open events), officer hours (summed over officers) "
                 "and feedback sessions come from the engagement ledger; training hours are officers trained × course "
                 "hours, for the district's own officers. Per 1,000 residents uses each district's population; "
                 "per officer its sworn officers."))
    _download(table[columns], _("Download the district engagement table"), "intensity_latest_4_quarters")

# --- 5. Reporting sensitivity ------------------------------------------------------------------
st.subheader(_("Did trust and recorded crime rise together?"))
check = page.reporting
if check.missing:
    st.info(_("This check needs both incidents and resident surveys, and {city} has {missing}, "
              "so it cannot be made.").format(city=echo.plain(info.city_name), missing=check.why_not()))
else:
    st.markdown(check.summary())
    if check.flagged.empty:
        st.caption(_("Why look: {note}").format(note=_(trust_stats.REPORTING_NOTE)))
    else:
        st.warning(_(trust_stats.REPORTING_NOTE), icon=":material/info:")
    check_box = display.lazy_expander(_("Trust and recorded crime by district, last year against the year before"),
                                      key="reporting_check")
    with check_box:
        if check_box.open:
            st.dataframe(check.readable(), hide_index=True, placeholder=display.MISSING, width="stretch", column_config={
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
            st.caption(check.table_caption())
            _download(check.table, _("Download this table"), "reporting_sensitivity")

# --- 6. Many comparisons -------------------------------------------------------------------------
notes = page.comparisons_notes(measure is not None)
if notes:
    st.subheader(_("Many comparisons at once"))
    st.markdown("\n\n".join(notes))

# --- Who takes part ----------------------------------------------------------------------------
st.subheader(_("Who takes part, compared with who lives there"))
rep_all = cached.view(ev.representativeness_view, store)
if not ev.attendance_recorded(rep_all):
    st.info(_("No engagement activity here records who attended (by age or race and ethnicity) alongside district "
              "census figures, so representativeness cannot be shown. Organizers can record attendee counts by group."))
else:
    r1, r2 = st.columns([1, 2])
    dimension = r1.radio(_("Compare by"), list(ev.DIMENSIONS), format_func=lambda d: _(ev.DIMENSIONS[d]),
                         key="rep_dimension")
    rep = rep_all[dimension]
    picked = r2.selectbox(_("District"), ev.districts_with_attendees(rep),
                          format_func=lambda d: _("District {id}").format(id=d), key="rep_district")
    one = ev.named_groups(rep[rep["district_id"] == picked])
    display.altair_chart(engagement_figures.representativeness_chart(one, _("District {id}").format(id=picked),
                                                                     _(ev.DIMENSIONS[dimension])), key="rep_chart")
    st.caption(ev.attendance_caption(one))
    groups_box = display.lazy_expander(_("Show the numbers for every district"), key="representativeness_numbers")
    with groups_box:
        if groups_box.open:
            st.dataframe(ev.representativeness_shown(rep), hide_index=True, placeholder=display.MISSING, width="stretch",
                         column_config={
                "district_id": _("District"), "demographic_group": _("Group"), "activities": _("Activities"),
                "attendees": _("Attendees"), "residents": _("Residents"), "reading": _("Reading"),
                "attendee_share": st.column_config.NumberColumn(_("Attendee share"), format="percent"),
                "share_ci_low": st.column_config.NumberColumn(_("95% CI low"), format="percent"),
                "share_ci_high": st.column_config.NumberColumn(_("95% CI high"), format="percent"),
                "resident_share": st.column_config.NumberColumn(_("Resident share"), format="percent"),
                "ratio": st.column_config.NumberColumn(_("Ratio"), format="%.2f")})
            downloads.download_table(ev.representativeness_download(rep), info, f"representativeness_{dimension}",
                                     key="download_rep", label=_("Download"))

# --- 7. About this data ----------------------------------------------------------------------
about.data_note(info, extra=_("On this page quarters are calendar quarters, used only when the data cover all of "
                           "them. Incidents are counted by date occurred; engagement and training by their own dates; "
                              "trust is the respondent-weighted mean of the quarter's survey results from at least "
                              "{n} respondents.").format(n=metrics.MIN_RESPONDENTS))
