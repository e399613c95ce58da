"""Methodology: how every number on the dashboard is computed, in plain language, with references."""

import streamlit as st

from community_policing.briefing import content as briefing
from community_policing.data import freshness, limits, loader, synthetic
from community_policing.figures import trust as trust_figures
from community_policing.ledger import book as ledger
from community_policing.stats import costs, engagement_stats, funnel, harm, noise, nowcast, trust_stats
from community_policing.views import evaluation, map_layers, metrics, methodology
from community_policing.web import about, cached, echo, sidebar
from community_policing.i18n import _

store = cached.get_store()
info = cached.dataset_info(store, cached.cache_key(store))

st.title(_("How to read these numbers"))
about.simulated_banner(info)
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
                  "and are shown beside the counts.").format(city=echo.plain(info.city_name),
                                                             n=about.public_count(info.correction_rows)[0],
                                                             linked=about.public_count(info.linked_corrections)[0]))

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
    st.markdown(_("For {city}:").format(city=echo.plain(info.city_name)) + " " + " ".join(freshness.note_lines(fresh)))
else:
    st.markdown(_("No incident data are loaded for {city}, so there is no lag to measure.").format(
        city=echo.plain(info.city_name)))

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
breaks_text, breaks_outside = methodology.declared_series_breaks(info, echo.plain(info.city_name))
st.markdown(breaks_text)
if breaks_outside:
    st.caption(breaks_outside)

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
st.markdown(_(sidebar.SHARING_NOTE))

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
st.table(methodology.harm_weights())

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
for paragraph in methodology.privacy_in_public_mode(cached.public_view()):
    st.markdown(paragraph)

st.header(_("How files are read and checked"))
st.markdown(_(loader.LOAD_FAULTS_METHOD))
st.markdown(limits.describe_limits())
st.markdown(_(ledger.LEDGER_SAFEGUARDS_TEXT))

st.header(_("References"))
st.markdown(_(methodology.REFERENCES))
about.data_note(info)
