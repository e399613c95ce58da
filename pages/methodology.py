"""Methodology: how every number on the dashboard is computed, in plain language, with references."""

import pandas as pd
import streamlit as st

from community_policing import i18n
from community_policing.briefing import content as briefing
from community_policing.data import freshness, limits, loader, series_breaks, synthetic
from community_policing.figures import trust as trust_figures
from community_policing.ledger import book as ledger
from community_policing.stats import costs, engagement_stats, funnel, harm, noise, nowcast, trust_stats
from community_policing.views import evaluation, map_layers, metrics, privacy
from community_policing.web import ui
from community_policing.i18n import _

store = ui.get_store()
info = ui.dataset_info(store, ui.cache_key(store))

st.title(_("How to read these numbers"))
ui.simulated_banner(info)
st.write(_(
    "Common Ground compares community-engagement activity with crime and resident trust. Those "
    "comparisons are easy to over-read, so every method here is chosen to be honest about noise, "
    "denominators and cause. This page explains each one."
))

st.header(_("Counting incidents"))
st.markdown(_(
    "- **Official counts.** Counts follow the agency's published counting convention: the records it counts "
    "(for SLMPD, the rows flagged as crimes, by the month they were coded), so yearly totals match what the "
    "department publishes.\n"
    "- **Later corrections, beside the counts.** Some sources record a report later found to be unfounded, or "
    "reclassified, as a correction record (−1) that names the record it corrects. Corrections are never subtracted "
    "from the counts. Where counts are shown (the headline numbers of the Overview and District pages, the district "
    "table and its download, briefings), the figure after later corrections is shown beside the official count: "
    "“official count N; after M later corrections, N − M”. The rule is symmetric: a correction counts against an "
    "incident only when that incident is itself counted; a correction of a record that is not counted (not a crime, "
    "or not in the loaded files) is never subtracted from anything. Recent periods have had less time to be "
    "corrected than older ones, so changes from a year earlier compare official counts. A source without "
    "corrections shows none.\n"
    "- **Date occurred or date reported.** Counting by when offenses occurred describes what happened; "
    "counting by when they were reported is what police records show each month. Recent "
    "'occurred' counts keep rising for weeks as late reports arrive.\n"
    "- **Occurrence date unknown.** Some records carry no usable occurrence date (a placeholder such as 1900-01-01, "
    "or a date after the record was made). They are counted by date reported; by date occurred they fall in no "
    "period, and pages say how many were reported in the period shown.\n"
    "- **Not comparable: no data a year earlier.** When the same days a year earlier lie (wholly or partly) before "
    "the first day of loaded data, nothing was loaded there: that is not a count of 0. No earlier count, change, % "
    "change or noise reading is shown then, only “not comparable: no data a year earlier”. By date occurred the "
    "data count as complete only from the first day reported (earlier offenses were partly reported before it).\n"
    "- **Unassigned incidents** (no usable location) are counted citywide and shown as their own row, "
    "so tables always add up to the city total."
))
if info.has_corrections:
    st.markdown(_("For {city}: the source has {n} later corrections; {linked} of them correct a counted incident "
                  "and are shown beside the counts.").format(city=ui.plain(info.city_name),
                                                            n=ui.public_count(info.correction_rows)[0],
                                                            linked=ui.public_count(info.linked_corrections)[0]))

st.header(_("How fresh the data are: as of, reporting lag, preliminary days"))
fresh = info.freshness
st.markdown(_(
    "- **Data as of** is the last day with incident data. Periods end there, not today: police data always "
    "lag behind the calendar.\n"
    "- **Reporting lag.** An offense is often reported days or weeks after it happened, and a correction "
    "(an unfounded report, say) comes later still. The lag is **measured from the data**, not assumed: for every "
    "record, the time from the offense to the date the record carries (table `reporting_delays`, rebuilt with "
    "each load). It is the delay by which {share} of records have arrived, measured on "
    "offenses that have had at least {days} days for their records to arrive (recent offenses "
    "would make it look shorter than it is). Where a source dates records only to the month (SLMPD codes each "
    "record to a month), the lag is counted in months.\n"
    "- **Preliminary days.** Counted by date occurred, the most recent days are still incomplete: the offenses of "
    "the last lag-many days have not all been reported. Charts shade them grey and label them *preliminary*, and "
    "a comparison with a year earlier that reaches into them says so: the earlier count is complete, the "
    "current one is not, so the change is understated. Counts by date reported do not change afterwards and "
    "have no preliminary days."
).format(share=f"{freshness.SETTLED_SHARE:.0%}", days=freshness.FOLLOW_UP_DAYS))
if fresh is not None and fresh.has_lag:
    st.markdown(_("For {city}:").format(city=ui.plain(info.city_name)) + " " + " ".join(freshness.note_lines(fresh)))
else:
    st.markdown(_("No incident data are loaded for {city}, so there is no lag to measure.").format(
        city=ui.plain(info.city_name)))

st.markdown(_(nowcast.METHOD_NOTE))

st.header(_("Series breaks"))
st.markdown(_(
    "A **series break** is a date on which the way incidents are counted changed, so that counts before and after "
    "it do not compare directly even when crime did not change: a new district map, a new counting standard "
    "(the FBI's move from UCR summary reporting, which counted only the most serious offense of an incident, to "
    "NIBRS, which counts every offense), a new records system. A city declares its breaks in its manifest "
    "(`[[series_breaks]]`, with the date, a short label, what changed and where that is documented); they are "
    "kept in the table `series_breaks`.\n\n"
    "- Monthly charts draw each break that falls inside their months as a **dashed vertical line** with its "
    "label, and the caption underneath explains it. A break outside a chart's months is not drawn.\n"
    "- A comparison with a year earlier that spans a break (some of the compared days before it, some after) "
    "carries a warning: part of the change may come from the recording, not from crime.\n"
    "- A break can concern every series, or only counts by district (when only the placing of incidents in "
    "districts changed, citywide totals are unaffected), one district, or one offense group."
))
declared = info.series_breaks
if declared is None or declared.empty:
    st.markdown(_("{city} declares no series break.").format(city=ui.plain(info.city_name))
                + (" " + _("The simulated city is generated the same way from its first day to its last, so it has "
                           "none.") if info.is_simulated else ""))
else:
    def _break_line(r) -> str:
        kind = series_breaks.KIND_WORDS.get(r["kind"])
        details = [_(kind) if kind else str(r["kind"]),
                   _("every series") if r["scope"] == "all" else _("counts by district only")]
        if r["district_id"]:
            details.append(_("district {id}").format(id=r["district_id"]))
        if r["offense_group"]:
            details.append(_("{group} only").format(group=r["offense_group"]))
        line = (f"- **{i18n.format_date(r['day'])}: {series_breaks.label(r)}** ({'; '.join(details)}). "
                f"{series_breaks.description(r).rstrip('.')}.")
        if r["source"]:
            line += " *" + _("Source: {source}.").format(source=str(r["source"]).rstrip(".")) + "*"
        return line

    st.markdown(_("Series breaks declared for {city}:").format(city=ui.plain(info.city_name)) + "\n\n"
                + "\n".join(_break_line(r) for _i, r in declared.iterrows()))
    if info.first_day and info.last_day:
        outside = declared[(declared["day"] <= info.first_day) | (declared["day"] > info.last_day)]
        if len(outside):
            st.caption(_("Outside the data loaded here ({first} to {last}): {breaks}. Recorded so that newer files, "
                         "once loaded, are marked; no chart of the current data draws them.").format(
                first=i18n.format_month_short(info.first_day), last=i18n.format_month_short(info.last_day),
                breaks=", ".join(series_breaks.label(r) for _i, r in outside.iterrows())))

st.header(_("Change from a year earlier, and whether it is noise"))
st.markdown(_(
    "Every change compares the same calendar days one year earlier, which removes the seasonal pattern. "
    "Counts are always shown beside the percentage, and no percentage is given when the earlier count is 0."
))
st.markdown(_(noise.METHOD_NOTE))
st.markdown(_(
    "| reading | what it takes |\n|---|---|\n"
    "| within normal variation | a change the area's usual ups and downs often produce |\n"
    "| possible change | a change its usual ups and downs produce about 1 time in 22 or less |\n"
    "| significant change | a change its usual ups and downs produce about 1 time in 370 or less |\n\n"
    "When a view scans many districts and offense groups at once, some comparisons will read 'possible change' "
    "by chance alone; treat single flags in a long table with care."
))

st.markdown(_(metrics.PLAIN_WORDS_METHOD))
st.markdown(_(metrics.RATE_BASE_METHOD))
st.markdown(_(briefing.OFFENSE_NOTE))
st.markdown(_(ui.SHARING_NOTE))

st.header(_("Rates"))
st.markdown(_(
    "A rate is incidents ÷ residents × 1,000 over the chosen period. The denominator is the residential "
    "population of the area, and each map and table names its source year. Areas with fewer than "
    "{n} residents (parks, industrial land) get no rate: a handful of "
    "incidents there would produce an enormous, meaningless rate. Residents are not the only people "
    "present (commuters, visitors), so downtown rates overstate the risk to any one person."
).format(n=metrics.MIN_POPULATION_FOR_RATE))

st.markdown(_(funnel.METHOD_NOTE))

st.markdown(_(map_layers.METHOD_NOTE))

st.header(_("Engagement beside crime: association, not effect"))
st.markdown(_(
    "Charts that put engagement intensity beside crime change show an **association, not an effect**. "
    "Departments send foot patrols and hold meetings where crime is high or rising, so engagement and "
    "crime are linked in both directions, and both follow neighborhood conditions the dashboard does not "
    "see. Intensity is expressed per 1,000 residents so districts of different sizes compare."
))
st.markdown(_(engagement_stats.METHOD_NOTE))

st.header(_("Evaluating a program"))
st.markdown(_(
    "A program's effect on crime is estimated by **difference-in-differences**: the change in monthly "
    "incidents in the districts that got the program, minus the change over the same months in districts "
    "that never had one. District and month fixed effects absorb stable differences between districts and "
    "citywide shocks. Months within a district are not independent, and there are only a handful of districts, "
    "so uncertainty is computed at the district level: each district's own before-after change counts as one "
    "observation, with a t distribution on few degrees of freedom (Donald & Lang 2007). Conventional "
    "district-clustered standard errors were tested on the simulated city and were far too narrow with one or two "
    "treated districts. With only a handful of districts, estimates are imprecise; a confidence interval that "
    "spans zero means the data cannot tell the program's effect apart from no effect."
))
st.markdown(_(evaluation.METHOD_NOTE))
st.markdown(_(synthetic.METHOD_NOTE))
st.markdown(_(costs.METHOD_NOTE))
st.markdown(_(harm.METHOD_NOTE))
_weights = harm.weights_table()
st.table(pd.DataFrame({_("Offense group"): _weights["label"].map(_), _("Weight (days)"): _weights["weight"].map("{:,.0f}".format),
                       _("Why this weight"): _weights["basis"].map(_)}).set_index(_("Offense group")))

st.header(_("Resident trust surveys"))
st.markdown(_(
    "Scores are the mean answer rescaled to 0–100. Each comes with its number of respondents and its 95% "
    "margin of error where the source publishes them. Scores from fewer than {n} "
    "respondents are not shown. Rising trust can raise reporting: when trust and reported crime rise "
    "together, more recorded crime may reflect more confidence in police rather than more crime."
).format(n=metrics.MIN_RESPONDENTS))

st.markdown(_(trust_stats.METHOD_NOTE))
st.markdown(_(trust_stats.TITLE_NOTE))
st.markdown(_(trust_figures.TRUST_PANELS_METHOD))

st.header(_("Privacy in public mode"))
_rules = privacy.rules_from_env()
_viewing = ui.privacy_rules()
st.markdown(_(
    "The dashboard runs in one of two modes. **Public** (a transparency portal) is read-only and applies the "
    "privacy rules below everywhere: every page, table, chart, map, download, briefing (PDF and slides) and the "
    "command line's `districts` and `briefing` output with `--mode public`. **Staff** sees every number.")
    + " " + (_("**You are looking at the public view.**") if _viewing is not None else _(
        "**You are looking at the staff view: the rules below are not applied to what you see.**"))
)
st.markdown("\n".join(f"- {line}" for line in privacy.describe(_rules, metrics.MIN_RESPONDENTS)))
_min = _rules.min_count
st.markdown("\n\n".join([
    _("**How counts are hidden.** A small count (1 to {largest}) is blank in tables and downloads, with a "
      "note column (`incidents_note`, `incidents_prior_year_note`) reading \u201c{label}\u201d; a blank without a "
      "note means there is no data. On maps such an area is white with a heavy outline (areas with no value are "
      "grey), and on monthly charts a hidden month is a cross on the baseline whose hover gives the note, never the "
      "number. Changes, % changes, noise readings, rates and shares made from a hidden count are left out, and so "
      "are the sentences (chart titles, briefing takeaways) that would state one.").format(
        largest=_min - 1, label=_rules.label),
    _("**Complementary suppression.** A hidden count could be worked out by subtraction wherever the numbers around "
      "it add up to a total that is shown. These sums are protected: the districts (with the row of incidents placed "
      "in no district) and the citywide total; the neighborhoods and the citywide total; each district's "
      "neighborhoods and the district's count; a district's offense groups and its count; each month's districts and "
      "the city's month; each area's last 12 months and its count for those days (its year-earlier months likewise). "
      "In each sum, while a hidden count could be pinned to a single value from the numbers shown (knowing that a "
      "small count is 1 to {largest} and that a count hidden to protect it is at least {n}), the smallest other "
      "count of that sum (at least {n}) is hidden too, reading \u201c{complementary}\u201d. Where no such count is "
      "left (a 1 beside counts of exactly {n}, or beside zeros, under a total shown elsewhere), the whole breakdown, "
      "its small counts and zeros included, reads \u201c{withheld}\u201d. The period and the year earlier are "
      "protected separately. The choice depends only on the numbers of the filters chosen, so a count is hidden in "
      "the same way on the Overview, the Map, the District and Compare pages, in briefings and in the command line. "
      "On the District page the public ranking of neighborhoods leaves out incidents outside the district's "
      "neighborhoods.").format(largest=_min - 1, n=_min, complementary=_rules.complementary_label,
                               withheld=_rules.withheld_label),
    _("**What is not suppressed, and why.** Engagement activities, officer hours, attendees and training hours "
      "record police work, not victims, and are shown as they are. Program evaluation shows model estimates "
      "(relative effects with intervals), not counts. Engagement vs outcomes shows changes in % between quarters; a "
      "quarter with a small count gives no change. Survey scores from too few respondents are hidden on every page; "
      "in public mode the citywide average is hidden too when it rests on too few."),
    _("**Sensitive offenses and points.** No incident is ever drawn as a point: the Map page's points are "
      "engagement activities only, in both modes. Were incident points added, sex offenses (rape) and domestic "
      "violence would never get them and other incidents would be generalised to a block or hexagon. Choosing a "
      "sensitive offense group in the filters gives area counts under the same small-count rules as any other "
      "group."),
    _("**Limits.** Each sum is checked on its own, not by a full linear-programming audit across every view. Cell "
      "suppression protects each view of one choice of filters; someone who compares views with different filters "
      "(two overlapping periods, or each offense group in turn) can sometimes narrow a hidden count down. A portal "
      "that must rule that out needs fixed reporting periods or noise added to the counts, which this dashboard "
      "does not do."),
    _("**Configuration** (environment variables, or `mode` in `.streamlit/secrets.toml`'s `[common_ground]`):"),
    _("| setting | what | default |\n|---|---|---|\n"
      "| `COMMON_GROUND_MODE` | `public` or `staff` (a server reachable from other machines without a staff "
      "sign-in is always public) | staff |\n"
      "| `{min_count_env}` | counts below this are hidden (at least 2) | {default_min_count} (now {min_count}) |\n"
      "| `{respondents_env}` | survey results from fewer respondents are hidden (never below 10) | 30 "
      "(now {min_respondents}) |").format(
        min_count_env=privacy.MIN_COUNT_ENV, default_min_count=privacy.DEFAULT_MIN_COUNT, min_count=_min,
        respondents_env=metrics.MIN_RESPONDENTS_ENV, min_respondents=metrics.MIN_RESPONDENTS),
    _("The command line follows `COMMON_GROUND_MODE` too (staff when it is not set); `--mode public` or "
      "`--mode staff` on `districts` and `briefing` overrides it."),
]))

st.header(_("How files are read and checked"))
st.markdown(_(loader.LOAD_FAULTS_METHOD))
st.markdown(limits.describe_limits())
st.markdown(_(ledger.LEDGER_SAFEGUARDS_TEXT))

st.header(_("References"))
st.markdown(_(
    "- Gill, C., Weisburd, D., Telep, C. W., Vitter, Z., & Bennett, T. (2014). Community-oriented "
    "policing to reduce crime, disorder and fear and increase satisfaction and legitimacy among "
    "citizens: a systematic review. *Journal of Experimental Criminology*, 10(4), 399–428 (Campbell "
    "Collaboration systematic review).\n"
    "- Weisburd, D., & Eck, J. E. (2004). What can police do to reduce crime, disorder, and fear? "
    "*The Annals of the American Academy of Political and Social Science*, 593(1), 42–65.\n"
    "- Przyborowski, J., & Wileński, H. (1940). Homogeneity of results in testing samples from Poisson series. "
    "*Biometrika*, 31(3/4), 313–323 (the conditional test of two counts behind the noise reading).\n"
    "- McCullagh, P., & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., §6.2 (quasi-Poisson "
    "overdispersion).\n"
    "- Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5 "
    "(difference-in-differences).\n"
    "- Donald, S. G., & Lang, K. (2007). Inference with difference-in-differences and other panel data. "
    "*Review of Economics and Statistics*, 89(2), 221–233.\n"
    "- Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for "
    "inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414–427.\n"
    "- Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. *Statistics "
    "in Medicine*, 24(8), 1185–1202; and Handling over-dispersion of performance indicators. *Quality and "
    "Safety in Health Care*, 14(5), 347–351.\n"
    "- Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods. "
    "*Journal of Econometrics*, 225(2), 200–230.\n"
    "- Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with heterogeneous "
    "treatment effects. *Journal of Econometrics*, 225(2), 175–199.\n"
    "- Rambachan, A., & Roth, J. (2023). A more credible approach to parallel trends. *Review of Economic "
    "Studies*, 90(5), 2555–2591.\n"
    "- Roth, J. (2022). Pretest with caution: event-study estimates after testing for parallel trends. "
    "*American Economic Review: Insights*, 4(3), 305–322.\n"
    "- Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W., & Wager, S. (2021). Synthetic "
    "difference-in-differences. *American Economic Review*, 111(12), 4088–4118.\n"
    "- Sherman, L., Neyroud, P. W., & Neyroud, E. (2016). The Cambridge Crime Harm Index. *Policing*, 10(3), "
    "171–183.\n"
    "- Höhle, M., & an der Heiden, M. (2014). Bayesian nowcasting during the STEC O104:H4 outbreak in Germany, "
    "2011. *Biometrics*, 70(4), 993–1002 (nowcasting counts from reporting delays)."
))
ui.data_note(info)
