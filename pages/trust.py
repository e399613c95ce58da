"""Resident trust: each district's survey score in the sidebar's period and the year before it, as small
multiples on one scale, opening with a sentence that says which district's score rose or fell (and by how
much, with its margin of error), and a note naming any district that is not shown and why."""

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.figures import trust as trust_figures, vega
from community_policing.stats import trust_stats
from community_policing.views import district, metrics, trust_view
from community_policing.web import about, cached, display, downloads, echo, sidebar, signin
from community_policing.i18n import _, ngettext

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)

st.title(_("Resident trust"))
about.simulated_banner(info)
filters = sidebar.sidebar_filters(store, info)  # the period chosen on any page holds here too
coverage = cached.trust_coverage(store, key)
if coverage.empty:
    text = _("No resident survey results are loaded for {city}.").format(city=echo.plain(info.city_name))
    if signin.viewer().is_staff:  # the way to fix it is for staff; the public never sees manifest words
        text += " " + _("Surveys come from the city's manifest (a `[[trust_surveys]]` source) or the demo city.")
    st.info(text)
    about.data_note(info)
    st.stop()

measures = [m for m in metrics.MEASURE_LABELS if m in set(coverage["measure"])]
measure = st.selectbox(_("Survey question"), measures, format_func=lambda m: _(metrics.MEASURE_LABELS[m]),
                       key="trust_measure")
label = _(metrics.MEASURE_LABELS[measure])
row = coverage.set_index("measure").loc[measure]
first, last = row["first_period"], row["last_period"]

# Surveys are reported by month: the period takes every survey month it touches (the last 28 days take
# the month they start in), compared with the same days a year earlier.
period = filters.period
start, end = period.start.replace(day=1), period.end
moved = None
if last < start or first > end:  # no survey in the period chosen (surveys that stopped, a city without incidents)
    moved = period.label()
    end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    start = max(first, (pd.Timestamp(end) - pd.DateOffset(months=11)).to_period("M").start_time.date())
    period = metrics.Period(start, end)
# The panels show the period and the year before it (at least two years, so a short period has context).
chart_start = min(start.replace(year=start.year - 1),  # start is a first of the month: never 29 February
                  (pd.Timestamp(end) - pd.DateOffset(months=23)).to_period("M").start_time.date())

table = cached.trust_by_district(store, key, measure, chart_start, end)
districts = store.query("districts_table")
titles = {str(i): district.district_title(str(i), str(n)) for i, n in zip(districts["id"], districts["name"])}
table = table.assign(district_name=table["district_id"].astype(str).map(titles).fillna(table["district_name"]))
# In public mode a district whose period had too few respondents gets no change (the view leaves it out).
changes = cached.view(trust_view.changes_view, store, measure, start, end)
in_period = table[pd.to_datetime(table["period_start"]).dt.date >= start]

st.subheader(trust_stats.takeaway(changes, label, titles))
st.caption(_("Survey results from {first} to {last}, compared with the same days a year earlier ({prior}). "
             "Change the period in the sidebar.").format(
    first=i18n.format_month(start), last=i18n.format_month(end), prior=period.prior.label()))
if moved:
    st.info(_("No survey results for this question fall in the period chosen ({period}); the page shows the "
              "latest surveys instead. Surveys run from {first} to {last}.").format(
        period=moved, first=i18n.format_month(first), last=i18n.format_month(last)))
elif in_period.empty:
    st.info(_("No survey results for this question fall in the period chosen. Surveys run from {first} to "
              "{last}.").format(first=i18n.format_month(first), last=i18n.format_month(last)))

# Every district with a score to draw is drawn; the note names the others and why.
drawn = trust_view.drawn_districts(table)
st.caption(trust_view.not_shown_note(table, districts["id"].astype(str), {d: echo.plain(t) for d, t in titles.items()},
                                     changes))

chosen = st.multiselect(_("Districts"), drawn, default=drawn, format_func=lambda d: titles.get(d, d),
                        key="trust_districts")
shown = table[table["district_id"].astype(str).isin(chosen)]
if shown.empty:
    st.info(_("Pick at least one district with survey results in these periods."))
else:
    title = _("{measure} by district").format(measure=label)
    subtitle = _("{measure}, score 0–100 (higher is better)").format(measure=label) + "<br>" + _(
        "Shaded: the period chosen. Orange: a change from a year earlier beyond normal variation.")
    panels = trust_figures.trust_small_multiples(shown, changes, title, subtitle, start, end)
    if vega.message_of(panels[0]):  # nothing to draw: one chart that says why
        display.altair_chart(panels[0], key="trust_chart")
    else:  # one chart per district, a row of columns at a time (a phone stacks them in district order)
        st.markdown(f"**{title}**")
        st.caption(subtitle.replace("<br>", "  \n"))
        ids = list(dict.fromkeys(shown["district_id"].astype(str)))
        for first_panel in range(0, len(panels), trust_figures.COLUMNS):
            for column, did, panel in zip(st.columns(trust_figures.COLUMNS), ids[first_panel:],
                                          panels[first_panel:first_panel + trust_figures.COLUMNS]):
                with column:
                    display.altair_chart(panel, kind=_("Line chart"), key=f"trust_chart_{did}")
    notes = [_("Scores are the mean answer rescaled to 0–100. Results from fewer than {n} "
               "respondents are not shown.").format(n=metrics.MIN_RESPONDENTS)]
    if not table["respondents_known"].all():
        notes.append(_("This source does not publish respondent counts or margins of error, so the "
                       "uncertainty of each score cannot be shown; treat month-to-month moves of a few points "
                       "with caution."))
    else:
        notes.append(_("Bars show the 95% margin of error."))
    hidden = int((~table["shown"]).sum())
    if hidden:
        notes.append(ngettext("{n} district-period result hidden for too few respondents.",
                              "{n} district-period results hidden for too few respondents.", hidden).format(n=hidden))
    notes.append(_("The title names a district only when its change stands out after allowing for looking at "
                   "every district at once; see How to read these numbers."))
    st.caption(" ".join(notes))
    readable = shown.drop(columns=["respondents_known"])
    if "measure" in readable.columns:  # the question's code (data) shown as its label
        readable = readable.assign(measure=readable["measure"].map(
            lambda m: _(metrics.MEASURE_LABELS[m]) if m in metrics.MEASURE_LABELS else m))
    st.dataframe(readable, hide_index=True, placeholder=display.MISSING, width="stretch", column_config={
        "district_id": _("District"), "district_name": _("Name"), "measure": _("Survey question"),
        "period_start": _("Period start"), "period_end": _("Period end"), "score": _("Score (0–100)"),
        "margin_of_error": _("Margin of error"), "respondents": _("Respondents"), "shown": _("Shown")})
    downloads.download_table(shown, info, f"trust_{measure}", key="download_trust", label=_("Download these survey results"))
about.data_note(info)
