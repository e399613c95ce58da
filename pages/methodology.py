"""Methodology: how every number on the dashboard is computed, in plain language, with references."""

import streamlit as st

from community_policing import freshness, metrics, privacy, series_breaks, ui

store = ui.get_store()
info = ui.dataset_info(store, ui.cache_key(store))

st.title("How to read these numbers")
ui.simulated_banner(info)
st.write(
    "Common Ground compares community-engagement activity with crime and resident trust. Those "
    "comparisons are easy to over-read, so every method here is chosen to be honest about noise, "
    "denominators and cause. This page explains each one."
)

st.header("Counting incidents")
st.markdown(
    "- **Net counts.** A report later found to be unfounded, or reclassified, appears as a correction "
    "record of −1, so counts are reports minus corrections.\n"
    "- **Date occurred or date reported.** Counting by when offenses occurred describes what happened; "
    "counting by when they were reported is what police records show each month. Recent "
    "'occurred' counts keep rising for weeks as late reports arrive.\n"
    "- **Unassigned incidents** (no usable location) are counted citywide and shown as their own row, "
    "so tables always add up to the city total."
)

st.header("How fresh the data are: as of, reporting lag, preliminary days")
fresh = info.freshness
st.markdown(
    "- **Data as of** is the last day with incident data. Periods end there, not today: police data always "
    "lag behind the calendar.\n"
    "- **Reporting lag.** An offense is often reported days or weeks after it happened, and a correction "
    "(an unfounded report, say) comes later still. The lag is **measured from the data**, not assumed: for every "
    "record, the time from the offense to the date the record carries (table `reporting_delays`, rebuilt with "
    f"each load). It is the delay by which {freshness.SETTLED_SHARE:.0%} of records have arrived, measured on "
    f"offenses that have had at least {freshness.FOLLOW_UP_DAYS} days for their records to arrive (recent offenses "
    "would make it look shorter than it is). Where a source dates records only to the month (SLMPD codes each "
    "record to a month), the lag is counted in months.\n"
    "- **Preliminary days.** Counted by date occurred, the most recent days are still incomplete: the offenses of "
    "the last lag-many days have not all been reported. Charts shade them grey and label them *preliminary*, and "
    "a comparison with a year earlier that reaches into them says so: the earlier count is complete, the "
    "current one is not, so the change is understated. Counts by date reported do not change afterwards and "
    "have no preliminary days."
)
if fresh is not None and fresh.has_lag:
    st.markdown(f"For {info.city_name}: " + " ".join(freshness.note_lines(fresh)))
else:
    st.markdown(f"No incident data are loaded for {info.city_name}, so there is no lag to measure.")

st.header("Series breaks")
st.markdown(
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
)
declared = info.series_breaks
if declared is None or declared.empty:
    st.markdown(f"{info.city_name} declares no series break."
                + (" The simulated city is generated the same way from its first day to its last, so it has "
                   "none." if info.is_simulated else ""))
else:
    st.markdown(f"Series breaks declared for {info.city_name}:\n\n"
                + "\n".join(f"- **{r['day']:%b %-d, %Y}: {r['label']}** "
                             f"({series_breaks.KIND_WORDS.get(r['kind'], r['kind'])}; "
                             + ("every series" if r["scope"] == "all" else "counts by district only")
                             + (f"; district {r['district_id']}" if r["district_id"] else "")
                             + (f"; {r['offense_group']} only" if r["offense_group"] else "")
                             + f"). {str(r['description']).rstrip('.')}."
                             + (f" *Source: {str(r['source']).rstrip('.')}.*" if r["source"] else "")
                             for _, r in declared.iterrows()))
    if info.first_day and info.last_day:
        outside = declared[(declared["day"] <= info.first_day) | (declared["day"] > info.last_day)]
        if len(outside):
            st.caption("Outside the data loaded here (" + f"{info.first_day:%b %Y} to {info.last_day:%b %Y}): "
                       + ", ".join(outside["label"]) + ". Recorded so that newer files, once loaded, are marked; "
                       "no chart of the current data draws them.")

st.header("Change from a year earlier, and whether it is noise")
st.markdown(
    "Every change compares the same calendar days one year earlier, which removes the seasonal pattern. "
    "Counts are always shown beside the percentage, and no percentage is given when the earlier count is 0.\n\n"
    "Crime counts bounce around by chance even when nothing changes. For two counts that follow a "
    "Poisson distribution, **z = 2(√current − √earlier)** is roughly standard normal when the "
    "underlying rate has not changed (the variance-stabilising square-root transform). We read it as:\n\n"
    "| z | reading |\n|---|---|\n"
    "| below 2 in size | within normal variation |\n"
    "| 2 to 3 | possible change |\n"
    "| 3 or more | significant change |\n\n"
    "When a view scans many districts and offense groups at once, about one in twenty comparisons will "
    "look like a 'possible change' by chance alone; treat single flags in a long table with care."
)

st.header("Rates")
st.markdown(
    f"A rate is incidents ÷ residents × 1,000 over the chosen period. The denominator is the residential "
    f"population of the area, and each map and table names its source year. Areas with fewer than "
    f"{metrics.MIN_POPULATION_FOR_RATE} residents (parks, industrial land) get no rate: a handful of "
    "incidents there would produce an enormous, meaningless rate. Residents are not the only people "
    "present (commuters, visitors), so downtown rates overstate the risk to any one person."
)

st.header("Engagement beside crime: association, not effect")
st.markdown(
    "Charts that put engagement intensity beside crime change show an **association, not an effect**. "
    "Departments send foot patrols and hold meetings where crime is high or rising, so engagement and "
    "crime are linked in both directions, and both follow neighborhood conditions the dashboard does not "
    "see. Intensity is expressed per 1,000 residents per year so districts of different sizes and periods "
    "of different lengths compare."
)

st.header("Evaluating a program")
st.markdown(
    "A program's effect on crime is estimated by **difference-in-differences**: the change in monthly "
    "incidents in the districts that got the program, minus the change over the same months in districts "
    "that did not. District and month fixed effects absorb stable differences between districts and "
    "citywide shocks. Months within a district are not independent, and there are only a handful of districts, "
    "so uncertainty is computed at the district level: each district's own before-after change counts as one "
    "observation, with a t distribution on few degrees of freedom (Donald & Lang 2007). Conventional "
    "district-clustered standard errors were tested on the simulated city and were far too narrow with one or two "
    "treated districts. Two checks come with every estimate:\n\n"
    "- **Pre-trends:** before the start, treated and comparison districts should move in parallel. An "
    "event-study chart shows the gap in each period before and after the start; a failed pre-trend test "
    "is flagged.\n"
    "- **Regression to the mean:** programs often start after a spike, and spikes fade on their own. A "
    "warning appears when treated districts had an unusual rise just before the start.\n\n"
    "With only a handful of districts, estimates are imprecise; a confidence interval that spans zero "
    "means the data cannot tell the program's effect apart from no effect."
)

st.header("Resident trust surveys")
st.markdown(
    f"Scores are the mean answer rescaled to 0–100. Each comes with its number of respondents and its 95% "
    f"margin of error where the source publishes them. Scores from fewer than {metrics.MIN_RESPONDENTS} "
    "respondents are not shown. Rising trust can raise reporting: when trust and reported crime rise "
    "together, more recorded crime may reflect more confidence in police rather than more crime."
)

st.header("Privacy in public mode")
_rules = privacy.rules_from_env()
_viewing = ui.privacy_rules()
st.markdown(
    "The dashboard runs in one of two modes. **Public** (a transparency portal) is read-only and applies the "
    "privacy rules below everywhere: every page, table, chart, map, download, briefing (PDF and slides) and the "
    "command line's `districts` and `briefing` output with `--mode public`. **Staff** sees every number. "
    + ("**You are looking at the public view.**" if _viewing is not None else "**You are looking at the staff view: "
       "the rules below are not applied to what you see.**")
)
st.markdown("\n".join(f"- {line}" for line in privacy.describe(_rules, metrics.MIN_RESPONDENTS)))
st.markdown(
    f"**How counts are hidden.** A small count (1 to {_rules.min_count - 1}) is blank in tables and downloads, with a "
    f"note column (`incidents_note`, `incidents_prior_year_note`) reading \u201c{_rules.label}\u201d; a blank without a "
    "note means there is no data. On maps such an area is white with a heavy outline (areas with no value are "
    "grey), and on monthly charts a hidden month is a cross on the baseline whose hover gives the note, never the "
    "number. Changes, % changes, noise readings, rates and shares made from a hidden count are left out, and so "
    "are the sentences (chart titles, briefing takeaways) that would state one.\n\n"
    "**Complementary suppression.** A hidden count could be worked out by subtraction wherever the numbers around it "
    "add up to a total that is shown. These sums are protected: the districts (with the row of incidents placed in "
    "no district) and the citywide total; the neighborhoods and the citywide total; each district's neighborhoods "
    "and the district's count; a district's offense groups and its count; each month's districts and the city's "
    "month; each area's last 12 months and its count for those days (its year-earlier months likewise). In each "
    "sum, while a hidden count could be pinned to a single value from the numbers shown (knowing that a small count "
    f"is 1 to {_rules.min_count - 1} and that a count hidden to protect it is at least {_rules.min_count}), the "
    f"smallest other count of that sum (at least {_rules.min_count}) is hidden too, reading "
    f"\u201c{_rules.complementary_label}\u201d. Where no such count is left (a 1 beside counts of exactly "
    f"{_rules.min_count}, or beside zeros, under a total shown elsewhere), the whole breakdown, its small counts "
    f"and zeros included, reads \u201c{_rules.withheld_label}\u201d. The period and the year earlier are protected "
    "separately. The "
    "choice depends only on the numbers of the filters chosen, so a count is hidden in the same way on the "
    "Overview, the Map, the District and Compare pages, in briefings and in the command line. On the District page "
    "the public ranking of neighborhoods leaves out incidents outside the district's neighborhoods.\n\n"
    "**What is not suppressed, and why.** Engagement activities, officer hours, attendees and training hours "
    "record police work, not victims, and are shown as they are. Program evaluation shows model estimates "
    "(relative effects with intervals), not counts. Engagement vs outcomes shows changes in % between quarters; a "
    "quarter with a small count gives no change. Survey scores from too few respondents are hidden on every page; in "
    "public mode the citywide average is hidden too when it rests on too few.\n\n"
    "**Sensitive offenses and points.** No incident is ever drawn as a point: the Map page's points are engagement "
    "activities only, in both modes. Were incident points added, sex offenses (rape) and domestic violence would "
    "never get them and other incidents would be generalised to a block or hexagon. Choosing a sensitive offense "
    "group in the filters gives area counts under the same small-count rules as any other group.\n\n"
    "**Limits.** Each sum is checked on its own, not by a full linear-programming audit across every view. Cell "
    "suppression protects each view of one choice of filters; someone who compares views with different filters "
    "(two overlapping periods, or each offense group in turn) can sometimes narrow a hidden count down. A portal "
    "that must rule that out needs fixed reporting periods or noise added to the counts, which this dashboard does "
    "not do.\n\n"
    "**Configuration** (environment variables, or `mode` in `.streamlit/secrets.toml`'s `[common_ground]`):\n\n"
    "| setting | what | default |\n|---|---|---|\n"
    "| `COMMON_GROUND_MODE` | `public` or `staff` (a server reachable from other machines without a staff "
    "sign-in is always public) | staff |\n"
    f"| `{privacy.MIN_COUNT_ENV}` | counts below this are hidden (at least 2) | {privacy.DEFAULT_MIN_COUNT} "
    f"(now {_rules.min_count}) |\n"
    f"| `{metrics.MIN_RESPONDENTS_ENV}` | survey results from fewer respondents are hidden (never below 10) | 30 "
    f"(now {metrics.MIN_RESPONDENTS}) |\n\n"
    "The command line follows `COMMON_GROUND_MODE` too (staff when it is not set); `--mode public` or `--mode staff` "
    "on `districts` and `briefing` overrides it."
)

st.header("References")
st.markdown(
    "- Gill, C., Weisburd, D., Telep, C. W., Vitter, Z., & Bennett, T. (2014). Community-oriented "
    "policing to reduce crime, disorder and fear and increase satisfaction and legitimacy among "
    "citizens: a systematic review. *Journal of Experimental Criminology*, 10(4), 399–428 (Campbell "
    "Collaboration systematic review).\n"
    "- Weisburd, D., & Eck, J. E. (2004). What can police do to reduce crime, disorder, and fear? "
    "*The Annals of the American Academy of Political and Social Science*, 593(1), 42–65.\n"
    "- Anscombe, F. J. (1948). The transformation of Poisson, binomial and negative-binomial data. "
    "*Biometrika*, 35(3/4), 246–254 (the square-root transform behind the z above).\n"
    "- Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5 "
    "(difference-in-differences).\n"
    "- Donald, S. G., & Lang, K. (2007). Inference with difference-in-differences and other panel data. "
    "*Review of Economics and Statistics*, 89(2), 221–233.\n"
    "- Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for "
    "inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414–427.\n"
    "- Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance. *Statistics "
    "in Medicine*, 24(8), 1185–1202."
)
ui.data_note(info)
