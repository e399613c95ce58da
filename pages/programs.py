"""Program evaluation: did crime and trust change in the districts that got a program, compared
with districts that did not? Difference-in-differences with its checks, in plain language."""


import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.figures import programs as program_figures
from community_policing.views import evaluation, metrics
from community_policing.web import about, cached, display, downloads, echo, sidebar
from community_policing.i18n import _

store = cached.get_store()
key = cached.cache_key(store)
info = cached.dataset_info(store, key)


# What is cached, and why this page is fast after its first fit: the inputs once per count-by; each program's
# fit once per (program, count-by, language) -- the window is fixed (24 months each side), so it is no key.
# The "Every program" table is built from those same cached fits, so the program shown is never fitted twice
# and switching to another program reuses the fit the table already made.
@st.cache_data(show_spinner=False, max_entries=8)
def _inputs(_store, key: tuple, date_basis: str) -> dict[str, pd.DataFrame]:
    return evaluation.inputs(_store, date_basis)


@st.cache_data(show_spinner=False, max_entries=32)
def _detail(_store, key: tuple, program: str, date_basis: str, lang: str):
    # The results carry sentences (method, notes, why a comparison cannot be made): keyed by language.
    return evaluation.program_detail(_store, program, date_basis, tables=_inputs(_store, key, date_basis))


def _every_program(_store, key: tuple, names: list[str], date_basis: str, lang: str) -> pd.DataFrame:
    details = []
    for name in names:
        try:
            details.append((name, _detail(_store, key, name, date_basis, lang)))
        except ValueError as exc:  # this program alone cannot be evaluated: its row says why
            details.append((name, [("incidents", str(exc))]))
    return evaluation.results_table(details, _inputs(_store, key, date_basis)["demo_truth"])


@st.cache_data(show_spinner=False, max_entries=32)
def _costs(_store, key: tuple, program: str, _result, date_basis: str, lang: str):
    # The result carries sentences: keyed by language.
    return evaluation.program_costs(_store, program, _result, date_basis)


def _show_every_program(table: pd.DataFrame, info) -> None:
    """The estimates of every program side by side, with the checks of each, and their download."""
    st.dataframe(evaluation.every_program_shown(table), hide_index=True, placeholder=display.MISSING, width="stretch",
                 column_config={
        "program": _("Program"), "outcome": _("Outcome"),
        "estimate": st.column_config.NumberColumn(_("Estimate"), format="percent"),
        "ci_low": st.column_config.NumberColumn(_("95% CI low"), format="percent"),
        "ci_high": st.column_config.NumberColumn(_("95% CI high"), format="percent"),
        "p_value": st.column_config.NumberColumn(_("p-value"), format="%.3f"),
        "pretrend_slope_p": st.column_config.NumberColumn(
            _("Pre-trend p (steady gap)"), format="%.2f",
            help=_("Test of a steady gap in trends before the start; blank: not assessed.")),
        "pretrend_p": st.column_config.NumberColumn(
            _("Pre-trend p (any gap)"), format="%.2f",
            help=_("Test of any difference in the periods before the start; blank: not assessed.")),
        "detectable_trend": st.column_config.NumberColumn(
            _("Trend gap caught half the time, per year"), format="percent",
            help=_("A steady gap in trends this large per year would pass the check before the start half the "
                   "time.")),
        "breakdown_trend": st.column_config.NumberColumn(
            _("Trend gap that explains it away, per year"), format="percent",
            help=_("A steady gap in trends this large per year, continuing after the start, would bring the interval "
                   "to zero; 0 when it already includes zero.")),
        "min_permutation_p": st.column_config.NumberColumn(
            _("Smallest possible p"), format="%.3f",
            help=_("The smallest p-value any test that reshuffles which districts got the program could give.")),
        "rtm_flag": _("Regression to the mean?"),
        "robust_estimate": st.column_config.NumberColumn(_("Second method"), format="percent"),
        "robust_p": st.column_config.NumberColumn(_("Second method p"), format="%.3f"),
        "n_treated": _("Treated districts"), "n_control": _("Comparison districts"), "start": _("Start"),
        "true_effect": st.column_config.NumberColumn(_("Injected effect (simulation only)"), format="percent"),
    })
    if "true_effect" in table and info.is_simulated:
        st.caption(_("This is the simulated demo city, so the effect the generator injected is known and shown for "
                     "checking; real cities have no such column."))
    downloads.download_table(evaluation.every_program_table(table), info, "program_estimates", key="download_programs",
                             label=_("Download the estimates"))


st.title(_("Program evaluation"))
about.simulated_banner(info)
st.write(_("For each community-policing program, this page compares the districts that got it with the "
           "districts that got no program, before and after it started (difference-in-differences). "
           "Read the checks under each estimate before quoting it."))

names = evaluation.program_names(store)
if not names:
    st.info(_("No community-policing programs are recorded for {city}, so there is nothing to "
              "evaluate. Programs come from the city manifest (a `[[programs]]` source) with their districts "
              "and start dates.").format(city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()
if not info.has_incidents:
    st.info(_("No incident data is loaded for {city}; programs cannot be evaluated against crime.").format(
        city=echo.plain(info.city_name)))
    about.data_note(info)
    st.stop()

c1, c2 = st.columns([2, 1])
program = c1.selectbox(_("Program"), names, key="program")
basis = c2.radio(_("Count incidents by"), metrics.DATE_BASES, horizontal=True, key="program_basis",
                 format_func=lambda b: _(sidebar.DATE_BASIS_WORDS[b]))

try:
    with st.spinner(_("Estimating program effects…")):
        detail = _detail(store, key, program, basis, i18n.language())
except ValueError as exc:
    st.warning(_("This program cannot be evaluated with the data loaded: {reason}").format(reason=echo.plain(exc)))
    about.data_note(info)
    st.stop()

for outcome, result in detail:
    label = _(evaluation.OUTCOME_WORDS[outcome])
    st.header(label)
    if isinstance(result, str):
        st.info(_("The trust surveys cannot support a comparison for this program: {reason}").format(reason=result))
        continue
    robust = evaluation.robust_text(result)
    cols = st.columns(4 if robust else 3)
    k1, k2, k3 = cols[:3]
    k1.metric(_("Estimated effect"), f"{result.estimate:+.1%}",
              help=_("Relative difference: −10% means 10% fewer incidents (or a 10% lower score) than the "
                     "comparison districts' change predicts."))
    k2.metric(_("95% confidence interval"), evaluation.interval_text(result))
    compared, compared_help = evaluation.districts_compared(result)
    k3.metric(_("Districts compared"), compared, help=compared_help)
    if robust:
        cols[3].metric(_("Second method"), f"{result.robust_estimate:+.1%}",
                       help=_(result.robust_method) if result.robust_method else None)
    st.markdown(evaluation.plain_summary(echo.plain(program), result))
    if robust:
        st.markdown(robust)
    dates = evaluation.dates_text(result)
    if dates:
        st.caption(dates)
    failed = evaluation.pretrend_warning(result, display.MISSING)
    if failed:
        st.warning(failed)
    st.markdown(_("**What the check before the start can see.** {text}").format(
        text=evaluation.pretrend_text(result)))
    few = evaluation.few_districts_text(result)
    if few:
        st.markdown(_("**Few districts.** {text}").format(text=few))
    rtm = evaluation.rtm_text(result)
    if rtm:
        st.warning(rtm)
    if outcome == "incidents":  # a change in how incidents were recorded, inside the months compared
        crossed = series_breaks.program_warning(
            series_breaks.for_places(about.chart_breaks(store, info, "all", every_district=True),
                                     [*result.treated, *result.controls]), *result.window)
        if crossed:
            st.warning(crossed, icon=":material/warning:")
    display.altair_chart(  # Vega draws a title as plain text: a program's name is never read as markup
        program_figures.event_study_figure(
            result, label, title=_("{outcome}: treated vs comparison districts around the start of the {program}")
            .format(outcome=label, program=program)), key=f"event_{outcome}")
    st.caption(evaluation.event_study_caption(result))
    downloads.numbers_behind(result.event_study, info, f"event_study_{outcome}.csv", key=f"numbers_event_{outcome}")
    if outcome == "incidents":
        ce = _costs(store, key, program, result, basis, i18n.language())
        st.subheader(_("What it cost"))
        by_harm = st.toggle(_("Weigh incidents by harm"), key="cost_by_harm", help=_(
            "Counts each incident by the seriousness of its offense (Cambridge Crime Harm Index), so a homicide "
            "weighs more than a theft. See How to read these numbers."))
        per = ce.per_harm if by_harm and ce.per_harm is not None else ce.per_incident
        c1, c2, c3 = st.columns(3)
        c1.metric(_("Annual cost"), _("not recorded") if ce.annual_cost is None else f"${ce.annual_cost:,.0f}")
        c2.metric(ce.hours_label, _("no hours recorded") if ce.cost_per_officer_hour is None
                  else f"${ce.cost_per_officer_hour:,.0f}", help=ce.hours_note)
        c3.metric(per.label, per.display(), help=_("95% interval: {interval}").format(interval=per.interval_text()))
        st.caption(per.sentence)
        if ce.cost_per_attendance is not None:
            st.caption(_("{label}: {cost}. {note}").format(
                label=ce.attendance_label, cost=f"${ce.cost_per_attendance:,.2f}", note=ce.attendance_note))


st.header(_("Every program"))
# Opened on request: the table fits every program (about 0.2 s each), which the program above does not need.
every = display.lazy_expander(_("Every program side by side ({n}), with the checks of each").format(n=len(names)),
                              key="every_program")
with every:
    if every.open:
        with st.spinner(_("Estimating program effects…")):
            table = _every_program(store, key, names, basis, i18n.language())
        _show_every_program(table, info)
about.data_note(info, extra=_("Program effects are estimated from monthly incidents in the 24 months before and after "
                              "each start; see How to read these numbers."))
