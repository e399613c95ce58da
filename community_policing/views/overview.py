"""What the Overview page shows, as data: the citywide totals with their comparison and the count expected once
late reports arrive, the four standard comparison windows, the funnel plot's placement of the districts, and the
tables behind the map, the scatter and the district table, each with the columns it shows and the sentences
around it.

The functions that take ``rules`` are view functions: the page calls them through ``cached.view`` (cached; in public
mode with the privacy rules), so every number they hand it is already protected, and the unprotected tables they
start from (the totals, the rate base and the funnel's limits need them) never reach the page. The other functions
are pure helpers on frames the page already has protected. No Streamlit, no figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from community_policing import i18n
from community_policing.data import freshness, series_breaks
from community_policing.data.store import Store
from community_policing.i18n import N_, _, ngettext
from community_policing.stats import funnel, nowcast
from community_policing.views import evaluation, metrics, period_comparisons, privacy

# The names evaluation.window_comparisons gives its windows (English data), shown as the sidebar's period names.
WINDOW_NAMES = {"rolling 28 days": N_("Last 28 days"), "rolling 12 months": N_("Last 12 months"),
                "year to date": N_("Year to date"), "last full year": N_("Last full year")}


@dataclass(frozen=True)
class Kpi:
    """One headline figure as the page shows it (``st.metric``'s arguments) and the captions under it."""

    label: str
    value: str
    delta: str | None = None
    delta_color: str = "normal"
    help: str | None = None
    captions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CitySummary:
    """The Overview's citywide numbers for one choice of filters, as this reader may see them."""

    totals: metrics.CityTotals        # protected in public mode (``privacy.protect_city_totals``)
    trust_hidden: bool                # a citywide trust score exists but is from too few respondents to show
    base: int                         # the one rate base of the page: per 1,000, or per 100,000 for a rare selection
    districts: pd.DataFrame           # the district table (``metrics.area_comparison``), protected in public mode
    engagement: metrics.EngagementCoverage
    # The period's count expected once late reports arrive (None: counted by date reported, delays not measured,
    # nothing still to come, or the count itself not shown).
    cast: nowcast.Nowcast | None = None

    @property
    def to_come_share(self) -> float | None:
        """The share of the expected count still to come, for the comparison's cautions (None: no nowcast)."""
        return None if self.cast is None or self.cast.expected <= 0 else self.cast.to_come / self.cast.expected


def _raw_areas(store: Store, start: dt.date, end: dt.date, level: str, offense_group: str,
               date_basis: str) -> pd.DataFrame:
    return metrics.area_comparison(store, start, end, level=level, offense_group=offense_group, date_basis=date_basis)


def _protected(store: Store, raw_districts: pd.DataFrame, start: dt.date, end: dt.date, offense_group: str,
               date_basis: str, rules: privacy.Rules) -> privacy.ProtectedAreas:
    """The area tables as the public sees them: the same decision as ``cached.area_comparison`` (both levels together),
    so a count is hidden here exactly where every other page hides it."""
    return privacy.protect_area_tables(
        raw_districts, _raw_areas(store, start, end, "neighborhood", offense_group, date_basis), rules)


def city_summary(store: Store, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
                 rules: privacy.Rules | None = None) -> CitySummary:
    """The headline and the KPIs (incidents, engagement, trust), the rate base of every rate on the page and the
    district table of the map, the scatter and the table. The totals and the base are made from the unprotected
    district table (the citywide count is then protected as decided with the area tables, and a base only says
    per 1,000 or per 100,000); by date occurred, the count expected once late reports arrive is added when the
    period reaches into days still filling in and the count is shown."""
    raw_districts = _raw_areas(store, start, end, "district", offense_group, date_basis)
    # One base for every rate of this page (map, hover, colour bar, funnel, tables, downloads): per 100,000 for a
    # rare selection (homicide, or under 1 incident per 1,000 residents citywide), else per 1,000.
    base = metrics.table_rate_base(raw_districts, offense_group)
    totals = metrics.city_totals(store, raw_districts, start, end, offense_group, date_basis)
    surveyed = totals.city_trust  # the one citywide trust figure (population-weighted), before public-mode hiding
    districts = raw_districts
    if rules is not None:
        protected = _protected(store, raw_districts, start, end, offense_group, date_basis, rules)
        totals = privacy.protect_city_totals(totals, protected, rules, metrics.MIN_RESPONDENTS)
        districts = protected.districts
    # Counted by date occurred, the latest days are still filling in: the count expected once late reports
    # arrive (nowcast), when the period reaches into days still to be reported. Nothing is added by date reported
    # (counts do not change afterwards) or when the delays cannot be measured.
    inputs = nowcast.inputs(store, offense_group) if date_basis == "occurred" else None
    cast = None if inputs is None else nowcast.nowcast(inputs.daily, inputs.model, start, end)
    if cast is not None and (not cast.shown or totals.incidents is None or cast.counted != totals.incidents):
        cast = None
    return CitySummary(
        totals=totals, trust_hidden=totals.city_trust.score is None and surveyed.score is not None, base=base,
        districts=districts, engagement=metrics.engagement_coverage(store), cast=cast)


# --- KPIs -------------------------------------------------------------------------------------------------


def incidents_kpi(totals: metrics.CityTotals, cast: nowcast.Nowcast | None) -> Kpi:
    """The incidents KPI: the count (or why it is not shown), its change from a year earlier (grey when within
    normal variation) and the captions after the year-earlier one (``about.incident_comparison_captions``): too few
    to compare or what z means, where the noise reading comes from, and the nowcast."""
    help_text = _("Incidents counted in the period, as the agency counts them (later corrections are not "
                  "subtracted: they are shown beside the count). The arrow compares with the same days a year "
                  "earlier; it is grey when the change is within normal variation.")
    if cast is not None:
        help_text += " " + _("Counted by date occurred, the latest days are still incomplete: the count, the "
                             "arrow and the reading use the incidents counted so far; the caption adds the count "
                             "expected once late reports arrive, with its 95% interval and the change it would "
                             "make.")
    few = totals.incidents_prior_year is not None and totals.incidents_prior_year < metrics.MIN_COUNT_FOR_PCT
    too_few = few and totals.comparable and totals.incidents is not None
    if totals.pct_change is None and not too_few:
        delta = None
    elif few:
        delta = f"{totals.incidents - totals.incidents_prior_year:+,}"
    else:
        delta = f"{totals.pct_change:+.1f}% ({totals.incidents - totals.incidents_prior_year:+,})"
    captions = []
    if too_few:
        captions.append(metrics.too_few_note())
    elif totals.noise_z is not None:
        captions.append(_(metrics.Z_DEFINITION))
    if note := metrics.noise_basis_note(totals.noise_basis):
        captions.append(note[0].upper() + note[1:] + ".")
    if cast is not None:
        captions.append(cast.caption(totals.incidents_prior_year if totals.comparable else None))
    return Kpi(_("Incidents"), _(totals.incidents_note) if totals.incidents_note else f"{totals.incidents:,}",
               delta=delta, delta_color="inverse" if totals.noise != "within normal variation" else "off",
               help=help_text, captions=tuple(captions))


def engagement_kpis(totals: metrics.CityTotals, coverage: metrics.EngagementCoverage) -> tuple[Kpi, Kpi]:
    """The engagement activities and officer hours KPIs with their year-earlier change (never coloured), or "not
    recorded" (never 0) where no ledger covers the period (``metrics.engagement_kpis``)."""
    return tuple(Kpi(kpi.label, kpi.value, delta=kpi.delta, delta_color="off",
                     captions=(kpi.caption,) if kpi.caption else ())
                 for kpi in metrics.engagement_kpis(
                     totals.engagement_events, totals.engagement_events_prior_year, totals.officer_hours,
                     totals.officer_hours_prior_year, totals.engagement_recorded, totals.engagement_prior_recorded,
                     coverage))


def trust_kpi(totals: metrics.CityTotals, trust_hidden: bool, period: metrics.Period) -> Kpi:
    """Citywide trust weighted by district population, with the change's margin of error and reading, and the
    period the figure is of; in public mode, why a score from too few respondents is not shown."""
    trust = totals.city_trust  # already hidden in public mode by privacy.protect_city_totals
    title = _("Resident trust (0–100)")
    if trust.score is None:
        return Kpi(title, _("not shown") if trust_hidden else _("no survey"), captions=(
            _("Not shown in this public view: fewer than {n} residents answered in this period.").format(
                n=metrics.MIN_RESPONDENTS) if trust_hidden
            else _("No trust survey results in this period ({period}).").format(period=period.label()),))
    lines = [ngettext("{n} respondent", "{n} respondents", trust.respondents).format(n=f"{trust.respondents:,}")
             if trust.respondents else _("respondents not published")]
    if trust.prior_score is not None:
        lines.append(trust.change_caption())
    lines.append(_("surveys of {period}").format(period=period.label()))  # the period the figure is of
    coverage = trust.coverage_text()
    return Kpi(
        title, f"{trust.score:.1f}",
        delta=None if trust.change is None else _("{points} points").format(points=f"{trust.change:+.1f}"),
        delta_color="off",
        help=" ".join(part for part in (
            _("Mean of the district trust scores in the period, 0–100 (higher is more trust)."),
            trust.weighting_text(),
            _("The change compares the same days a year earlier; its margin of error allows for survey sampling "
              "and for how much the citywide score has drifted from year to year before, and the reading uses "
              "the same words as crime counts.")) if part),
        captions=(" · ".join(lines),) + ((coverage,) if coverage else ()))


# --- The standard comparisons -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The standard comparisons as the page shows them."""

    table: pd.DataFrame        # the shown columns, window names in the page's language
    expected: bool             # whether the counts expected with late reports are beside the counts so far
    notes: tuple[str, ...]     # the captions under the table
    headings: dict             # column -> heading, and the nowcast columns' help (``<column>_help``)


def window_headings(expected: bool) -> dict[str, str]:
    """The standard comparisons' column headings, and the help of the nowcast's columns (``<column>_help``): the
    count is "Counted so far" when the count expected with late reports is beside it."""
    return {
        "window": _("Window"), "start": _("Start"), "end": _("End"),
        "current_note": _("Incidents: note"), "prior_note": _("A year earlier: note"),
        "current": _("Counted so far") if expected else _("Incidents"), "prior": _("Same dates a year earlier"),
        "change": _("Change"), "pct_change": _("% change"), "noise": _("Reading"), "warning": _("Caution"),
        "expected": _("Expected with late reports"),
        "expected_help": _("The count expected once the late reports still to come arrive, from the measured "
                           "reporting delays (nowcast)."),
        "expected_interval": _("95% interval"), "expected_interval_help": _("The expected count's 95% interval."),
        "expected_pct_change": _("% change, expected"),
        "expected_pct_change_help": _("The expected count compared with the same dates a year earlier."),
    }


def standard_windows(store: Store, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
                     rules: privacy.Rules | None = None) -> Windows:
    """The four standard windows (last 28 days, 12 months, year to date, last full year), each against the same
    dates a year earlier, with the cautions of each (a series break, preliminary days). In public mode small counts
    are hidden with their change, and the window that is the page's own period (``start`` to ``end``) follows the
    citywide total's fate there. By date occurred, the count expected once late reports arrive is beside each
    count so far."""
    info = metrics.dataset_info(store)
    windows = metrics.window_comparability(evaluation.window_comparisons(store, info.last_day, offense_group,
                                                                         date_basis),
                                           metrics.incident_coverage(store), date_basis)
    breaks = series_breaks.for_place(series_breaks.for_offense(  # the breaks of the citywide series
        info.series_breaks, offense_group, series_breaks.offense_categories(store)), None)
    windows = freshness.window_cautions(windows, info.freshness, breaks, date_basis)
    if rules is not None:
        city = _protected(store, _raw_areas(store, start, end, "district", offense_group, date_basis), start, end,
                          offense_group, date_basis, rules).city
        windows = privacy.protect_windows(windows, rules, city, metrics.Period(start, end))
    inputs = nowcast.inputs(store, offense_group) if date_basis == "occurred" else None
    if inputs is not None:  # beside each count so far, the count expected once late reports arrive
        windows = nowcast.window_nowcasts(windows, inputs.daily, inputs.model)
    expected = "expected" in windows.columns
    shown = windows[privacy.columns_with_notes(
        ["window", "start", "end", "current", "prior", "change", "pct_change", "noise"]
        + (["expected", "expected_interval", "expected_pct_change"] if expected else []) + ["warning"], windows)]
    shown = metrics.translated(shown.assign(window=shown["window"].map(lambda w: WINDOW_NAMES.get(w, w))),
                               ("window", "noise", "current_note", "prior_note"))
    notes = []
    if expected:
        notes.append(_("Counted by date occurred, recent days are still incomplete. “Counted so far”, “Change”, "
                       "“% change” and “Reading” use the incidents counted so far; “Expected with late reports” adds "
                       "those the measured reporting delays say are still to come, and “% change, expected” compares "
                       "that with the same dates a year earlier.") + " " + nowcast.describe_model(inputs.model))
    notes.append(_("Each window ends on the last day with data ({day}) and is compared with the same dates a year "
                   "earlier, so seasons match.").format(day=i18n.format_date(info.last_day)))
    return Windows(shown, expected, tuple(notes), window_headings(expected))


# --- The map ----------------------------------------------------------------------------------------------


def shaded_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """The map's areas with their rates adjusted for area size (empirical Bayes), which colour the map, and a
    caution where the residents are too few for a steady rate; the raw rate and its counts are in the hover."""
    return funnel.add_denominator_notes(funnel.add_shrunk_rates(areas))


def shrinkage_note(shaded: pd.DataFrame) -> str:
    """After the rate's definition: why the map's rates are adjusted, and which areas have few residents."""
    note = _(funnel.SHRINKAGE_CAPTION)
    if few := funnel.few_residents_caption(shaded):
        note += " " + few
    return note


def change_map_words(level: str, offense_label: str) -> tuple[str, str]:
    """The title and the definition of the map shaded by % change."""
    title = (_("{offenses}: % change from a year earlier by district") if level == "district"
             else _("{offenses}: % change from a year earlier by neighborhood")).format(offenses=offense_label)
    return title, _("% change compares the same days a year earlier. Blue is fewer incidents, red is more. "
                    "Hover for the counts and whether the change is beyond normal variation.")


def map_caption(definition: str, level: str, metric: str, areas: pd.DataFrame) -> str:
    """Under the map: the definition of its shading, that a district opens its page, and (for the % change) the
    caution that with many areas some differ by chance."""
    many = period_comparisons.multiple_comparisons_note(len(areas)) if metric == "pct_change" else None
    return (definition + (" " + _("Click a district to open its page.") if level == "district" else "")
            + (f" {_(many)}" if many else ""))


def map_numbers(shaded: pd.DataFrame, base: int) -> pd.DataFrame:
    """The map's numbers as a table (what each area's hover says), for readers who cannot use the map."""
    return metrics.rates_per(metrics.translated(metrics.area_names(shaded[privacy.columns_with_notes(
        ["area_id", "area_name", "incidents", "incidents_prior_year", "pct_change", "noise", "noise_z", "dispersion",
         "population", "rate_per_1000", "rate_eb_per_1000", "rate_eb_low", "rate_eb_high", "denominator_note"],
        shaded)]), metrics.WORD_COLUMNS + funnel.WORD_COLUMNS), base)


# --- How we know: the funnel plot -------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelView:
    """The funnel plot's districts and limits as the page draws them."""

    limits: pd.DataFrame              # the control limits (empty: no funnel to draw)
    base: int
    withheld: str = ""                # why the public view shows no funnel for these filters ("" when it does)
    points: pd.DataFrame | None = None   # the districts placed, named, without those whose count is hidden
    title: str = ""
    caption: str = ""                 # under the plot: how to read it and how its limits were set
    numbers: pd.DataFrame | None = None  # the table behind the plot


def funnel_placement(store: Store, start: dt.date, end: dt.date, offense_group: str, date_basis: str, *,
                     rules: privacy.Rules | None = None) -> FunnelView:
    """Which districts stand out, fairly compared: each district's rate against its population, with the range
    chance alone would give. The city rate and the limits come from the unprotected district table (the ones staff
    see); in public mode a district whose count is hidden has no point, and there is no funnel at all when its
    centre line would give a hidden count away."""
    raw_districts = _raw_areas(store, start, end, "district", offense_group, date_basis)
    base = metrics.table_rate_base(raw_districts, offense_group)
    placed, limits = evaluation.funnel(raw_districts)
    if rules is not None and not limits.empty:
        districts = _protected(store, raw_districts, start, end, offense_group, date_basis, rules).districts
        placed = privacy.protect_funnel(placed, districts, rules)
        if placed is None:  # its centre line would give a hidden count away
            return FunnelView(limits.iloc[0:0], base, withheld=_(
                "The funnel plot is not shown in this public view for these filters: its centre line would reveal "
                "a count of {label} incidents.").format(label=_(rules.label)))
    if limits.empty:
        return FunnelView(limits, base)
    return FunnelView(
        limits, base, points=metrics.area_names(placed[~privacy.hidden(placed, "incidents")]),
        title=funnel.funnel_title(placed), caption=_(funnel.FUNNEL_CAPTION) + " " + funnel.describe_limits(placed),
        numbers=metrics.rates_per(metrics.translated(placed[privacy.columns_with_notes(
            ["area_id", "area_name", "incidents", "population", "rate_per_1000", "expected", "z_score", "z_adjusted",
             "limits", "position", "denominator_note"], placed)], metrics.WORD_COLUMNS + funnel.WORD_COLUMNS), base))


# --- Engagement beside crime change, and the district table ----------------------------------------------


def no_engagement_note(coverage: metrics.EngagementCoverage) -> str:
    """Where no ledger covers the period: why engagement is not recorded, so not set beside crime change."""
    return coverage.not_recorded_reason() + " " + _("So engagement cannot be set beside crime change here.")


def scatter_caption(association_note: str, left_out: str | None) -> str:
    """Under the engagement scatter: association is not effect (``association_note``, in bold), what the bubbles
    and the intensity are, and which districts the scatter leaves out (``left_out``)."""
    return (f"**{association_note}** " + _("Bubble size is the number of residents. "
            "Intensity is per 1,000 residents per year so that periods of any length compare.")
            + (f" {left_out}" if left_out else ""))


def scatter_numbers(with_intensity: pd.DataFrame, intensity: str) -> pd.DataFrame:
    """The numbers behind the engagement scatter: each district's engagement measure beside its crime change."""
    return metrics.translated(with_intensity[privacy.columns_with_notes(
        ["area_id", "area_name", intensity, "pct_change", "incidents", "incidents_prior_year", "population"],
        with_intensity)], metrics.WORD_COLUMNS)


def district_table(with_intensity: pd.DataFrame, totals: metrics.CityTotals, has_corrections: bool) -> pd.DataFrame:
    """The district table's columns (each count with its public-mode note): the corrections figures only where
    the source has corrections, why there is no change only when there is none, and engagement "not recorded"
    (never 0) where no ledger covers the period. The table the page selects rows of and downloads."""
    extra_columns = (["corrected", "after_corrections"] if has_corrections else []) + (
        [] if totals.comparable else ["comparison"])
    table = with_intensity[privacy.columns_with_notes(
        metrics.AREA_COLUMNS + ["events_per_1000_per_year"] + extra_columns, with_intensity)]
    return metrics.with_engagement_recorded(table, totals.engagement_recorded)


def district_table_shown(table: pd.DataFrame, base: int) -> pd.DataFrame:
    """``district_table`` as displayed: area names, words in the page's language, rates per ``base``."""
    return metrics.rates_per(
        metrics.translated(metrics.area_names(table), metrics.WORD_COLUMNS + metrics.ENGAGEMENT_COLUMNS), base)


def district_table_caption(rows: int, has_corrections: bool, public_note: str | None) -> str:
    """Under the district table: a row opens its district, the caution on many comparisons, what the corrections
    figures are (where the source has them) and the public view's note (``cached.public_note``)."""
    note = period_comparisons.multiple_comparisons_note(rows)
    return (_("Select a row to open that district's page.") + (f" {_(note)}" if note else "")
            + (" " + _("Incidents are the official counts; “After later corrections” is the same count less the "
                       "incidents that later corrections remove.") if has_corrections else "")
            + (f" {public_note}" if public_note else ""))
