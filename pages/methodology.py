"""Methodology: how every number on the dashboard is computed, in plain language, with references."""

import streamlit as st

from community_policing import metrics, ui

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
