"""Resident trust: survey scores by district over time, with respondents and margin of error."""

import datetime as dt

import streamlit as st

from community_policing import figures, metrics, ui

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)

st.title("Resident trust")
ui.simulated_banner(info)
coverage = ui.trust_coverage(store, key)
if coverage.empty:
    st.info(f"No resident survey results are loaded for {info.city_name}. Surveys come from the city's "
            "manifest (a `[[trust_surveys]]` source) or the demo city.")
    ui.data_note(info)
    st.stop()

measures = [m for m in metrics.MEASURE_LABELS if m in set(coverage["measure"])]
c1, c2 = st.columns([1, 2])
measure = c1.selectbox("Survey question", measures, format_func=metrics.MEASURE_LABELS.get, key="trust_measure")
row = coverage.set_index("measure").loc[measure]
first, last = row["first_period"], row["last_period"]
picked = c2.slider("Periods", min_value=first, max_value=last, value=(max(first, last - dt.timedelta(days=3 * 365)), last),
                   format="MMM YYYY", key="trust_range")
table = ui.trust_by_district(store, key, measure, picked[0], picked[1])
districts = list(dict.fromkeys(table["district_name"]))
chosen = st.multiselect("Districts", districts, default=districts[: min(6, len(districts))], key="trust_districts")
shown = table[table["district_name"].isin(chosen)]

if shown.empty:
    st.info("Pick at least one district with survey results in these periods.")
else:
    ui.plotly_chart(figures.trust_lines(shown, metrics.MEASURE_LABELS[measure],
                                        title=f"{metrics.MEASURE_LABELS[measure]} by district"),
                    width="stretch", key="trust_chart")
    notes = [f"Scores are the mean answer rescaled to 0–100. Results from fewer than {metrics.MIN_RESPONDENTS} "
             "respondents are not shown."]
    if not table["respondents_known"].all():
        notes.append("This source does not publish respondent counts or margins of error, so the "
                     "uncertainty of each score cannot be shown; treat month-to-month moves of a few points "
                     "with caution.")
    else:
        notes.append("Bars show the 95% margin of error.")
    hidden = int((~table["shown"]).sum())
    if hidden:
        notes.append(f"{hidden} district-period result(s) hidden for too few respondents.")
    st.caption(" ".join(notes))
    st.dataframe(shown.drop(columns=["respondents_known"]), hide_index=True, width="stretch")
    ui.download_table(shown, info, f"trust_{measure}", key="download_trust", label="Download these survey results")
ui.data_note(info)
