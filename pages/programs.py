"""Program evaluation: did crime and trust change in the districts that got a program, compared
with districts that did not? Difference-in-differences with its checks, in plain language."""

import pandas as pd
import streamlit as st

from community_policing import evaluation, figures, metrics, ui

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)


@st.cache_data(show_spinner="Estimating program effects…", max_entries=32)
def _evaluate(_store, key: tuple, date_basis: str) -> pd.DataFrame:
    return evaluation.evaluate(_store, date_basis=date_basis)


@st.cache_data(show_spinner=False, max_entries=32)
def _detail(_store, key: tuple, program: str, date_basis: str):
    return evaluation.program_detail(_store, program, date_basis)


@st.cache_data(show_spinner=False, max_entries=32)
def _costs(_store, key: tuple, program: str, _result, date_basis: str) -> dict:
    return evaluation.program_costs(_store, program, _result, date_basis)


st.title("Program evaluation")
ui.simulated_banner(info)
st.write("For each community-policing program, this page compares the districts that got it with the "
         "districts that got no program, before and after it started (difference-in-differences). "
         "Read the checks under each estimate before quoting it.")

names = evaluation.program_names(store)
if not names:
    st.info(f"No community-policing programs are recorded for {info.city_name}, so there is nothing to "
            "evaluate. Programs come from the city manifest (a `[[programs]]` source) with their districts "
            "and start dates.")
    ui.data_note(info)
    st.stop()
if not info.has_incidents:
    st.info(f"No incident data is loaded for {info.city_name}; programs cannot be evaluated against crime.")
    ui.data_note(info)
    st.stop()

c1, c2 = st.columns([2, 1])
program = c1.selectbox("Program", names, key="program")
basis = c2.radio("Count incidents by", metrics.DATE_BASES, horizontal=True, key="program_basis",
                 format_func=lambda b: {"occurred": "date occurred", "reported": "date reported"}[b])

try:
    detail = _detail(store, key, program, basis)
except ValueError as exc:
    st.warning(f"This program cannot be evaluated with the data loaded: {exc}")
    ui.data_note(info)
    st.stop()

for outcome, result in detail:
    label = "Incidents" if outcome == "incidents" else "Resident trust"
    st.header(label)
    if isinstance(result, str):
        st.info(f"The trust surveys cannot support a comparison for this program: {result}")
        continue
    k1, k2, k3 = st.columns(3)
    k1.metric("Estimated effect", f"{result.estimate:+.1%}",
              help="Relative difference: −10% means 10% fewer incidents (or a 10% lower score) than the "
                   "comparison districts' change predicts.")
    k2.metric("95% confidence interval", f"{result.ci_low:+.1%} to {result.ci_high:+.1%}")
    k3.metric("Districts compared", f"{result.n_treated} with · {result.n_control} without",
              help=f"Treated: {', '.join(result.treated)}. Comparison: {', '.join(result.controls)}. Districts of "
                   "other programs are left out.")
    st.markdown(evaluation.plain_summary(program, result))
    if not result.pretrend_ok:
        st.warning(f"Pre-trend check failed (p = {result.pretrend_p:.2f}): before the start, the treated districts "
                   "were already moving differently from the comparison districts.")
    if result.rtm_flag:
        st.warning("Regression to the mean: the treated districts had an unusual swing just before the start "
                   f"(z = {result.rtm_z:+.1f}). Part of the change afterwards may be a return to normal, not "
                   "the program.")
    ui.plotly_chart(
        figures.event_study(result.event_study, label,
                            title=f"{label}: treated vs comparison districts around the start of the {program}",
                            pretrend_ok=result.pretrend_ok),
        width="stretch", key=f"event_{outcome}")
    st.caption(f"{result.method} Each point is one quarter; the quarter before the start is the reference (0). "
               "Points before the start should sit near zero if the comparison is fair.")
    ui.numbers_behind(result.event_study, info, f"event_study_{outcome}.csv", key=f"numbers_event_{outcome}")
    if outcome == "incidents":
        costs = _costs(store, key, program, result, basis)
        st.subheader("What it cost")
        c1, c2, c3 = st.columns(3)
        c1.metric("Annual cost", f"${costs['annual_cost']:,.0f}")
        per_hour = costs["cost_per_officer_hour"]
        c2.metric("Per officer engagement hour", "no hours recorded" if per_hour is None else f"${per_hour:,.0f}")
        per_incident = costs["cost_per_incident_averted"]
        if isinstance(per_incident, str):
            c3.metric("Per incident averted", "not estimable")
            st.caption(costs["note"])
        else:
            c3.metric("Per incident averted", f"${per_incident:,.0f}")
            st.caption(f"Range from the 95% interval: ${costs['cost_per_incident_averted_low']:,.0f} to "
                       f"${costs['cost_per_incident_averted_high']:,.0f} per incident averted; about "
                       f"{costs['incidents_averted_per_year']:,.0f} incidents averted a year "
                       f"({costs['incidents_averted_per_year_low']:,.0f} to "
                       f"{costs['incidents_averted_per_year_high']:,.0f}).")
        per_attendee = costs["cost_per_attendee"]
        if per_attendee is not None:
            st.caption(f"Per resident reached at engagement activities in the treated districts: ${per_attendee:,.2f}.")

st.header("Every program")
table = _evaluate(store, key, basis)
shown = table[["program", "outcome", "estimate", "ci_low", "ci_high", "pretrend_p", "rtm_flag", "n_treated",
               "n_control", "start"] + (["true_effect"] if "true_effect" in table else [])]
st.dataframe(shown, hide_index=True, width="stretch", column_config={
    "estimate": st.column_config.NumberColumn("Estimate", format="percent"),
    "ci_low": st.column_config.NumberColumn("95% CI low", format="percent"),
    "ci_high": st.column_config.NumberColumn("95% CI high", format="percent"),
    "pretrend_p": st.column_config.NumberColumn("Pre-trend p", format="%.2f"),
    "rtm_flag": "Regression to the mean?",
    "true_effect": st.column_config.NumberColumn("Injected effect (simulation only)", format="percent"),
})
if "true_effect" in table and info.is_simulated:
    st.caption("This is the simulated demo city, so the effect the generator injected is known and shown for "
               "checking; real cities have no such column.")
ui.download_table(shown, info, "program_estimates", key="download_programs", label="Download the estimates")
ui.data_note(info, extra="Program effects are estimated from monthly incidents in the 24 months before and after "
                         "each start; see How to read these numbers.")
