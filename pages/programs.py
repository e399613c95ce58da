"""Program evaluation: did crime and trust change in the districts that got a program, compared
with districts that did not? Difference-in-differences with its checks, in plain language."""

import pandas as pd
import streamlit as st

from community_policing import evaluation, figures, i18n, metrics, series_breaks, ui
from community_policing.i18n import N_, _

store = ui.get_store()
key = ui.cache_key(store)
info = ui.dataset_info(store, key)


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluate(_store, key: tuple, date_basis: str, lang: str) -> pd.DataFrame:
    return evaluation.evaluate(_store, date_basis=date_basis)  # its note column is text: keyed by language


@st.cache_data(show_spinner=False, max_entries=32)
def _detail(_store, key: tuple, program: str, date_basis: str, lang: str):
    # The results carry sentences (method, notes, why a comparison cannot be made): keyed by language.
    return evaluation.program_detail(_store, program, date_basis)


@st.cache_data(show_spinner=False, max_entries=32)
def _costs(_store, key: tuple, program: str, _result, date_basis: str) -> dict:
    return evaluation.program_costs(_store, program, _result, date_basis)


st.title(_("Program evaluation"))
ui.simulated_banner(info)
st.write(_("For each community-policing program, this page compares the districts that got it with the "
           "districts that got no program, before and after it started (difference-in-differences). "
           "Read the checks under each estimate before quoting it."))

names = evaluation.program_names(store)
if not names:
    st.info(_("No community-policing programs are recorded for {city}, so there is nothing to "
              "evaluate. Programs come from the city manifest (a `[[programs]]` source) with their districts "
              "and start dates.").format(city=info.city_name))
    ui.data_note(info)
    st.stop()
if not info.has_incidents:
    st.info(_("No incident data is loaded for {city}; programs cannot be evaluated against crime.").format(
        city=info.city_name))
    ui.data_note(info)
    st.stop()

c1, c2 = st.columns([2, 1])
OUTCOME_WORDS = {"incidents": N_("Incidents"), "trust": N_("Resident trust")}
program = c1.selectbox(_("Program"), names, key="program")
basis = c2.radio(_("Count incidents by"), metrics.DATE_BASES, horizontal=True, key="program_basis",
                 format_func=lambda b: _(ui.DATE_BASIS_WORDS[b]))

try:
    with st.spinner(_("Estimating program effects…")):
        detail = _detail(store, key, program, basis, i18n.language())
except ValueError as exc:
    st.warning(_("This program cannot be evaluated with the data loaded: {reason}").format(reason=exc))
    ui.data_note(info)
    st.stop()

for outcome, result in detail:
    label = _(OUTCOME_WORDS[outcome])
    st.header(label)
    if isinstance(result, str):
        st.info(_("The trust surveys cannot support a comparison for this program: {reason}").format(reason=result))
        continue
    k1, k2, k3 = st.columns(3)
    k1.metric(_("Estimated effect"), f"{result.estimate:+.1%}",
              help=_("Relative difference: −10% means 10% fewer incidents (or a 10% lower score) than the "
                     "comparison districts' change predicts."))
    k2.metric(_("95% confidence interval"), _("{low} to {high}").format(low=f"{result.ci_low:+.1%}",
                                                                         high=f"{result.ci_high:+.1%}"))
    k3.metric(_("Districts compared"), _("{treated} with · {control} without").format(
        treated=result.n_treated, control=result.n_control),
              help=_("Treated: {treated}. Comparison: {control}. Districts of other programs are left out.").format(
                  treated=", ".join(result.treated), control=", ".join(result.controls)))
    st.markdown(evaluation.plain_summary(program, result))
    if not result.pretrend_ok:
        st.warning(_("Pre-trend check failed (p = {p}): before the start, the treated districts "
                     "were already moving differently from the comparison districts.").format(
            p=f"{result.pretrend_p:.2f}"))
    if result.rtm_flag:
        st.warning(_("Regression to the mean: the treated districts had an unusual swing just before the start "
                     "(z = {z}). Part of the change afterwards may be a return to normal, not "
                     "the program.").format(z=f"{result.rtm_z:+.1f}"))
    if outcome == "incidents":  # a change in how incidents were recorded, inside the months compared
        crossed = series_breaks.program_warning(
            series_breaks.for_places(ui.chart_breaks(store, info, "all", every_district=True),
                                     [*result.treated, *result.controls]), *result.window)
        if crossed:
            st.warning(crossed, icon=":material/warning:")
    ui.plotly_chart(
        figures.event_study(result.event_study, label,
                            title=_("{outcome}: treated vs comparison districts around the start of the {program}")
                            .format(outcome=label, program=program),
                            pretrend_ok=result.pretrend_ok),
        width="stretch", key=f"event_{outcome}")
    st.caption(result.method + " " + _("Each point is one quarter; the quarter before the start is the reference "
                                       "(0). Points before the start should sit near zero if the comparison is fair."))
    ui.numbers_behind(result.event_study, info, f"event_study_{outcome}.csv", key=f"numbers_event_{outcome}")
    if outcome == "incidents":
        costs = _costs(store, key, program, result, basis)
        st.subheader(_("What it cost"))
        c1, c2, c3 = st.columns(3)
        c1.metric(_("Annual cost"), f"${costs['annual_cost']:,.0f}")
        per_hour = costs["cost_per_officer_hour"]
        c2.metric(_("Per officer engagement hour"), _("no hours recorded") if per_hour is None
                  else f"${per_hour:,.0f}")
        per_incident = costs["cost_per_incident_averted"]
        if isinstance(per_incident, str):
            c3.metric(_("Per incident averted"), _("not estimable"))
            why_not = costs["note"]  # English from the library, translated here
            st.caption(_(why_not))
        else:
            c3.metric(_("Per incident averted"), f"${per_incident:,.0f}")
            st.caption(_("Range from the 95% interval: {low} to {high} per incident averted; about {averted} "
                         "incidents averted a year ({averted_low} to {averted_high}).").format(
                low=f"${costs['cost_per_incident_averted_low']:,.0f}",
                high=f"${costs['cost_per_incident_averted_high']:,.0f}",
                averted=f"{costs['incidents_averted_per_year']:,.0f}",
                averted_low=f"{costs['incidents_averted_per_year_low']:,.0f}",
                averted_high=f"{costs['incidents_averted_per_year_high']:,.0f}"))
        per_attendee = costs["cost_per_attendee"]
        if per_attendee is not None:
            st.caption(_("Per resident reached at engagement activities in the treated districts: {cost}.").format(
                cost=f"${per_attendee:,.2f}"))

st.header(_("Every program"))
with st.spinner(_("Estimating program effects…")):
    table = _evaluate(store, key, basis, i18n.language())
shown = table[["program", "outcome", "estimate", "ci_low", "ci_high", "pretrend_p", "rtm_flag", "n_treated",
               "n_control", "start"] + (["true_effect"] if "true_effect" in table else [])]
st.dataframe(shown.assign(outcome=shown["outcome"].map(lambda o: _(OUTCOME_WORDS.get(o, o)))),
             hide_index=True, placeholder=ui.MISSING, width="stretch", column_config={
    "program": _("Program"), "outcome": _("Outcome"),
    "estimate": st.column_config.NumberColumn(_("Estimate"), format="percent"),
    "ci_low": st.column_config.NumberColumn(_("95% CI low"), format="percent"),
    "ci_high": st.column_config.NumberColumn(_("95% CI high"), format="percent"),
    "pretrend_p": st.column_config.NumberColumn(_("Pre-trend p"), format="%.2f"),
    "rtm_flag": _("Regression to the mean?"),
    "n_treated": _("Treated districts"), "n_control": _("Comparison districts"), "start": _("Start"),
    "true_effect": st.column_config.NumberColumn(_("Injected effect (simulation only)"), format="percent"),
})
if "true_effect" in table and info.is_simulated:
    st.caption(_("This is the simulated demo city, so the effect the generator injected is known and shown for "
                 "checking; real cities have no such column."))
ui.download_table(shown, info, "program_estimates", key="download_programs", label=_("Download the estimates"))
ui.data_note(info, extra=_("Program effects are estimated from monthly incidents in the 24 months before and after "
                           "each start; see How to read these numbers."))
