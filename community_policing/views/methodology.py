"""What the Methodology page shows beside its plain-language essay: the privacy rules of public mode as this
server applies them, the series breaks a city declares, the harm weights, and the references. Pure (no Streamlit);
the page lays these out."""

from __future__ import annotations

import pandas as pd

from community_policing import i18n
from community_policing.data import series_breaks
from community_policing.i18n import N_, _
from community_policing.stats import harm
from community_policing.views import metrics, privacy

REFERENCES = N_(
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
)


def privacy_in_public_mode(public_view: bool) -> list[str]:
    """The section "Privacy in public mode" as Markdown paragraphs, in order: the two modes and which one the reader
    is looking at (``public_view``), the rules in plain sentences, then how counts are hidden, what is not hidden,
    the limits and the settings. The rules are this server's (``$COMMON_GROUND_MIN_COUNT``) in both modes, so staff
    read what the public gets."""
    rules = privacy.rules_from_env()
    modes = _(
        "The dashboard runs in one of two modes. **Public** (a transparency portal) is read-only and applies the "
        "privacy rules below everywhere: every page, table, chart, map, download, briefing (PDF and slides) and the "
        "command line's `districts` and `briefing` output with `--mode public`. **Staff** sees every number.")
    looking = (_("**You are looking at the public view.**") if public_view else _(
        "**You are looking at the staff view: the rules below are not applied to what you see.**"))
    described = "\n".join(f"- {line}" for line in privacy.describe(rules, metrics.MIN_RESPONDENTS))
    smallest = rules.min_count
    details = "\n\n".join([
        _("**How counts are hidden.** A small count (1 to {largest}) is blank in tables and downloads, with a note "
          "column (`incidents_note`, `incidents_prior_year_note`) reading \u201c{label}\u201d; a blank without a note "
          "means there is no data. On maps such an area is white with a heavy outline (areas with no value are grey), "
          "and on monthly charts a hidden month is a cross on the baseline whose hover gives the note, never the "
          "number. Changes, % changes, noise readings, rates and shares made from a hidden count are left out, and so "
          "are the sentences (chart titles, briefing takeaways) that would state one.").format(
            largest=smallest - 1, label=rules.label),
        _("**Complementary suppression.** A hidden count could be worked out by subtraction wherever the numbers "
          "around it add up to a total that is shown. These sums are protected: the districts (with the row of "
          "incidents placed in no district) and the citywide total; the neighborhoods and the citywide total; each "
          "district's neighborhoods and the district's count; a district's offense groups and its count; each month's "
          "districts and the city's month; each area's last 12 months and its count for those days (its year-earlier "
          "months likewise). In each sum, while a hidden count could be pinned to a single value from the numbers "
          "shown (knowing that a small count is 1 to {largest} and that a count hidden to protect it is at least {n}), "
          "the smallest other count of that sum (at least {n}) is hidden too, reading \u201c{complementary}\u201d. "
          "Where no such count is left (a 1 beside counts of exactly {n}, or beside zeros, under a total shown "
          "elsewhere), the whole breakdown, its small counts and zeros included, reads \u201c{withheld}\u201d. The "
          "period and the year earlier are protected separately. The choice depends only on the numbers of the filters "
          "chosen, so a count is hidden in the same way on the Overview, the Map, the District and Compare pages, in "
          "briefings and in the command line. On the District page the public ranking of neighborhoods leaves out "
          "incidents outside the district's neighborhoods.").format(
            largest=smallest - 1, n=smallest, complementary=rules.complementary_label, withheld=rules.withheld_label),
        _("**What is not suppressed, and why.** Engagement activities, officer hours, attendees and training hours "
          "record police work, not victims, and are shown as they are. Program evaluation shows model estimates "
          "(relative effects with intervals), not counts. Engagement vs outcomes shows changes in % between quarters; "
          "a quarter with a small count gives no change. Survey scores from too few respondents are hidden on every "
          "page; in public mode the citywide average is hidden too when it rests on too few."),
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
            min_count_env=privacy.MIN_COUNT_ENV, default_min_count=privacy.DEFAULT_MIN_COUNT, min_count=smallest,
            respondents_env=metrics.MIN_RESPONDENTS_ENV, min_respondents=metrics.MIN_RESPONDENTS),
        _("The command line follows `COMMON_GROUND_MODE` too (staff when it is not set); `--mode public` or "
          "`--mode staff` on `districts` and `briefing` overrides it."),
    ])
    return [modes + " " + looking, described, details]


def declared_series_breaks(info: metrics.DatasetInfo, city: str) -> tuple[str, str | None]:
    """The section "Series breaks" for this city (``city``: its name as Markdown shows it): the breaks it declares,
    one line each with what changed and its source (or that it declares none), and a caption naming the breaks
    outside the loaded data (None when there is none)."""
    declared = info.series_breaks
    if declared is None or declared.empty:
        return (_("{city} declares no series break.").format(city=city)
                + (" " + _("The simulated city is generated the same way from its first day to its last, so it has "
                           "none.") if info.is_simulated else ""), None)
    listed = (_("Series breaks declared for {city}:").format(city=city) + "\n\n"
              + "\n".join(_break_line(r) for _i, r in declared.iterrows()))
    if not (info.first_day and info.last_day):
        return listed, None
    outside = declared[(declared["day"] <= info.first_day) | (declared["day"] > info.last_day)]
    if outside.empty:
        return listed, None
    return listed, _("Outside the data loaded here ({first} to {last}): {breaks}. Recorded so that newer files, "
                     "once loaded, are marked; no chart of the current data draws them.").format(
        first=i18n.format_month_short(info.first_day), last=i18n.format_month_short(info.last_day),
        breaks=", ".join(series_breaks.label(r) for _i, r in outside.iterrows()))


def _break_line(r) -> str:
    """One declared break: its day, label, kind and scope, what changed and its source."""
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


def harm_weights() -> pd.DataFrame:
    """The harm weights table: each offense group's weight in days and why, in the page's language."""
    weights = harm.weights_table()
    return pd.DataFrame({_("Offense group"): weights["label"].map(_),
                         _("Weight (days)"): weights["weight"].map("{:,.0f}".format),
                         _("Why this weight"): weights["basis"].map(_)}).set_index(_("Offense group"))
