"""Resident trust: survey scores by district over time, with respondents and margin of error."""

import datetime as dt

import pandas as pd
import streamlit as st

from community_policing import district, figures, i18n, metrics, ui
from community_policing.i18n import _, ngettext

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)

st.title(_("Resident trust"))
ui.simulated_banner(info)
coverage = ui.trust_coverage(store, key)
if coverage.empty:
    st.info(_("No resident survey results are loaded for {city}. Surveys come from the city's "
              "manifest (a `[[trust_surveys]]` source) or the demo city.").format(city=ui.plain(info.city_name)))
    ui.data_note(info)
    st.stop()

measures = [m for m in metrics.MEASURE_LABELS if m in set(coverage["measure"])]
c1, c2 = st.columns([1, 2])
measure = c1.selectbox(_("Survey question"), measures, format_func=lambda m: _(metrics.MEASURE_LABELS[m]),
                       key="trust_measure")
row = coverage.set_index("measure").loc[measure]
first, last = row["first_period"], row["last_period"]
# Months, named in the page's language (a date slider would name them in English whatever the language).
months = [m.date() for m in pd.date_range(pd.Timestamp(first).to_period("M").start_time,
                                          pd.Timestamp(last).to_period("M").start_time, freq="MS")]
default_start = pd.Timestamp(max(first, last - dt.timedelta(days=3 * 365))).to_period("M").start_time.date()
if len(months) > 1:
    chosen_months = c2.select_slider(_("Periods"), options=months, value=(default_start, months[-1]),
                                     format_func=i18n.format_month_short, key="trust_range")
else:
    chosen_months = (months[0], months[0])
start = max(first, chosen_months[0])
end = min(last, (pd.Timestamp(chosen_months[1]) + pd.offsets.MonthEnd(0)).date())
table = ui.trust_by_district(store, key, measure, start, end)
# "District N – name" in the page's language (the query spells it in English).
_districts = store.query("districts_table")
_titles = {str(i): district.district_title(str(i), str(n)) for i, n in zip(_districts["id"], _districts["name"])}
table = table.assign(district_name=table["district_id"].astype(str).map(_titles).fillna(table["district_name"]))
# Districts are chosen by id (named in the page's language), so a choice survives a change of language.
district_ids = list(dict.fromkeys(table["district_id"].astype(str)))
district_names = dict(zip(table["district_id"].astype(str), table["district_name"]))
chosen = st.multiselect(_("Districts"), district_ids, default=district_ids[: min(6, len(district_ids))],
                        format_func=lambda d: district_names.get(d, d), key="trust_districts")
shown = table[table["district_id"].astype(str).isin(chosen)]

if shown.empty:
    st.info(_("Pick at least one district with survey results in these periods."))
else:
    label = _(metrics.MEASURE_LABELS[measure])
    ui.plotly_chart(figures.trust_lines(shown, label, title=_("{measure} by district").format(measure=label)),
                    width="stretch", key="trust_chart")
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
    st.caption(" ".join(notes))
    readable = shown.drop(columns=["respondents_known"])
    if "measure" in readable.columns:  # the question's code (data) shown as its label
        readable = readable.assign(measure=readable["measure"].map(
            lambda m: _(metrics.MEASURE_LABELS[m]) if m in metrics.MEASURE_LABELS else m))
    st.dataframe(readable, hide_index=True, placeholder=ui.MISSING, width="stretch", column_config={
        "district_id": _("District"), "district_name": _("Name"), "measure": _("Survey question"),
        "period_start": _("Period start"), "period_end": _("Period end"), "score": _("Score (0–100)"),
        "margin_of_error": _("Margin of error"), "respondents": _("Respondents"), "shown": _("Shown")})
    ui.download_table(shown, info, f"trust_{measure}", key="download_trust", label=_("Download these survey results"))
ui.data_note(info)
