"""The numbers behind the "Engagement vs outcomes" page.

Store-backed functions returning DataFrames and dataclasses; no Streamlit, no figures. The
statistics are ``engagement_stats.engagement_intensity`` and ``engagement_stats.engagement_vs_change``; this module
only reads their inputs through named queries (``evaluation.inputs`` / ``evaluation.engagement_inputs``)
and shapes them into quarters:

* Engagement intensity per district and calendar quarter, complete quarters of the ledger only.
* Outcomes per district and quarter: incidents summed from the monthly per-district aggregate
  (itself read from the daily aggregate, never raw incident rows), complete quarters of the
  incident data only; trust as the respondent-weighted mean of the quarter's survey results.
* The association of a measure with the outcome 1-4 quarters later against the same quarter a year
  earlier, within districts and calendar quarters, with a permutation p-value and interval
  (``engagement_stats.engagement_vs_change`` explains the method).
* The latest four quarters' intensity per district, and the reporting-sensitivity check.

A partial quarter (the data start or end inside it) would read as a sudden drop in counts, so
quarters are kept only when the data cover every day (incidents) or every month (engagement) of them.

The page reads them through ``page_view``, ``association_view`` and ``representativeness_view`` (``cached.view``:
cached, and called with the privacy rules in public mode), with the sentences made from their numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from community_policing.data import areas
from community_policing.stats import did, engagement_stats, noise, trust_stats
from community_policing.views import evaluation, metrics, period_comparisons, privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.views.district import ENGAGEMENT_LABELS, district_title
from community_policing.data.store import Store

LAGS = (1, 2, 3, 4)
LATEST_QUARTERS = 4
# Below this many district-quarter pairs no association is shown: its interval spans nearly everything.
MIN_PAIRS = 10
TRUST_MEASURE = "trust"
# Reporting sensitivity: a "rise" must exceed these, so survey and Poisson noise alone rarely qualify.
TRUST_RISE_POINTS = 2.0
CRIME_RISE_PCT = 5.0


@dataclass(frozen=True)
class Measure:
    column: str
    label: str  # axis and menu label (per quarter)
    short: str  # within a sentence
    unit: str  # one unit of it, for the slope: "per extra <unit>"
    definition: str  # how it is counted


MEASURES: dict[str, Measure] = {m.column: m for m in (
    Measure("events_total_per_1000", N_("Engagement activities per 1,000 residents per quarter"),
            N_("engagement activities per 1,000 residents"), N_("activity per 1,000 residents"),
            N_("Every activity in the ledger (meetings, events, foot patrols, school and youth programs, feedback "
               "sessions, other) in the district in the quarter, per 1,000 residents.")),
    Measure("officer_hours_per_1000", N_("Officer engagement hours per 1,000 residents per quarter"),
            N_("officer engagement hours per 1,000 residents"), N_("officer hour per 1,000 residents"),
            N_("Officer time spent on engagement activities, summed over officers, per 1,000 residents.")),
    Measure("attendees_per_1000", N_("Attendees per 1,000 residents per quarter"),
            N_("attendees per 1,000 residents"), N_("attendee per 1,000 residents"),
            N_("Residents taking part in engagement activities (estimated for open events), per 1,000 residents; "
               "one person at two events counts twice.")),
    Measure("feedback_sessions_per_1000", N_("Feedback sessions per 1,000 residents per quarter"),
            N_("feedback sessions per 1,000 residents"), N_("feedback session per 1,000 residents"),
            N_("Feedback sessions and surveys held in the district in the quarter, per 1,000 residents.")),
    Measure("training_hours_per_officer", N_("Officer training hours per sworn officer per quarter"),
            N_("officer training hours per sworn officer"), N_("training hour per sworn officer"),
            N_("Community-policing training of the district's officers (officers trained × course hours) in the "
               "quarter, per sworn officer of the district.")),
)}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str  # menu label
    change: str  # "relative" or "absolute", as engagement_stats.engagement_vs_change takes it
    axis: str  # y-axis label of the change
    short: str  # within a sentence
    slope_unit: str  # unit of the slope's numerator
    suffix: str  # tick suffix of the y axis


OUTCOMES: dict[str, Outcome] = {o.key: o for o in (
    Outcome("incidents", N_("Change in incidents"), "relative", N_("% change in incidents from a year earlier"),
            N_("change in incidents from a year earlier"), N_("percentage points"), "%"),
    Outcome("trust", N_("Change in trust score"), "absolute",
            N_("Change in trust score from a year earlier (points on 0–100)"),
            N_("change in the trust score from a year earlier"), N_("points"), ""),
)}


def lag_sentence(lag: int) -> str:
    """What a lag means, as ``engagement_stats.engagement_vs_change`` defines it."""
    if lag == 1:
        return _("Lag 1: each district's engagement in a quarter is set against its outcome in the next quarter, "
                 "compared with the same quarter a year earlier.")
    return _("Lag {lag}: each district's engagement in a quarter is set against its outcome {lag} quarters later, "
             "compared with the same quarter a year earlier.").format(lag=lag)


def quarter_label(value) -> str:
    q = pd.Timestamp(value).to_period("Q")
    return f"{q.year} Q{q.quarter}"


def quarter_text(label: str) -> str:
    """A quarter label ("2025 Q4", as stored in tables and downloads) as shown in the current language."""
    year, _sep, quarter = str(label).partition(" Q")
    if not quarter:
        return str(label)
    return _("{year} Q{quarter}").format(year=year, quarter=quarter)


def quarter_span(labels) -> str:
    """ "2025 Q4 – 2026 Q3" (stored) as shown in the current language."""
    return " – ".join(quarter_text(p.strip()) for p in str(labels).split(" – ")) if labels else ""


def _quarter_end(start: pd.Timestamp) -> pd.Timestamp:
    return start + pd.offsets.QuarterEnd(0)


# --- Engagement -------------------------------------------------------------------------------


def quarterly_intensity(store: Store) -> pd.DataFrame:
    """``engagement_stats.engagement_intensity`` by calendar quarter, complete quarters of the ledger only.

    The ledger covers the months from its first to its last activity (events or training); a
    quarter is kept when all three of its months are inside that span. Adds ``quarter`` (first
    day, Timestamp), ``quarter_label`` and ``district_name``. Empty (with the columns) when the city
    has no engagement ledger.
    """
    data = evaluation.engagement_inputs(store)
    events, training, districts = data["engagement_events"], data["training"], data["districts"]
    out = engagement_stats.engagement_intensity(events, training, districts, freq="Q")
    out = out.rename(columns={"period": "quarter"})
    out["quarter"] = pd.to_datetime(out["quarter"])
    dates = pd.concat([pd.to_datetime(events["date"]), pd.to_datetime(training["date"])]).dropna()
    if len(out) and len(dates):
        first_month = dates.min().to_period("M").start_time
        last_day = dates.max().to_period("M").end_time.normalize()
        complete = (out["quarter"] >= first_month) & (out["quarter"].map(_quarter_end) <= last_day)
        out = out[complete]
    out = out.reset_index(drop=True)
    out.insert(2, "quarter_label", [quarter_label(q) for q in out["quarter"]])
    names = _district_names(districts)
    out.insert(1, "district_name", out["district_id"].map(names).fillna(out["district_id"]))
    return out


def _district_names(districts: pd.DataFrame) -> dict[str, str]:
    return {str(i): district_title(str(i), str(n)) for i, n in zip(districts["id"], districts["name"])}


def available_measures(intensity_q: pd.DataFrame) -> list[str]:
    """Measures with at least one non-zero value (no training records: no training measure)."""
    keep = []
    for column in MEASURES:
        if column in intensity_q.columns:
            values = pd.to_numeric(intensity_q[column], errors="coerce").astype(float)
            if values.notna().any() and (values.fillna(0) != 0).any():
                keep.append(column)
    return keep


def latest_intensity(intensity_q: pd.DataFrame, quarters: int = LATEST_QUARTERS) -> tuple[pd.DataFrame, list[str]]:
    """Each district's engagement summed over the latest ``quarters`` complete quarters.

    Columns: district_id, district_name, events by type, events_total, attendees, officer_hours,
    feedback_sessions, training_hours, training_hours_per_officer and each count per 1,000
    residents. Returns the table and the quarter labels it covers (empty when there are none).
    """
    if intensity_q.empty:
        return intensity_q.drop(columns=["quarter", "quarter_label"], errors="ignore"), []
    last = sorted(intensity_q["quarter"].unique())[-quarters:]
    part = intensity_q[intensity_q["quarter"].isin(last)]
    value_cols = [c for c in part.columns if c not in ("district_id", "district_name", "quarter", "quarter_label")]
    order = list(dict.fromkeys(part["district_id"]))
    table = (part.groupby(["district_id", "district_name"], sort=False)[value_cols]
             .sum(min_count=1).reset_index())
    table = table.set_index("district_id").loc[order].reset_index()
    for col in value_cols:
        if col.startswith("events") and not col.endswith("_per_1000") or col in ("attendees", "feedback_sessions"):
            table[col] = table[col].astype("int64")
        else:
            table[col] = pd.to_numeric(table[col], errors="coerce").astype("Float64").round(2)
    return table, [quarter_label(q) for q in last]


def latest_table_columns(table: pd.DataFrame) -> list[str]:
    """A readable order: each total beside its rate, training per officer, then activities by type,
    each beside its rate."""
    types = [c for c in table.columns if c.startswith("events_") and not c.endswith("_per_1000")
             and c != "events_total"]
    order = []
    for col in ["events_total", "attendees", "officer_hours", "feedback_sessions"]:
        order += [col, f"{col}_per_1000"]
    order += ["training_hours", "training_hours_per_officer"]
    for col in types:
        order += [col, f"{col}_per_1000"]
    return ["district_id", "district_name"] + [c for c in order if c in table.columns]


def column_label(column: str) -> str:
    """Table header for an intensity column."""
    if column in COLUMN_LABELS:
        return _(COLUMN_LABELS[column])
    if column.endswith("_per_1000"):
        return _("{column} per 1,000").format(column=column_label(column[: -len("_per_1000")]))
    if column.startswith("events_"):
        kind = column[len("events_"):]
        return _(ENGAGEMENT_LABELS[kind]) if kind in ENGAGEMENT_LABELS else kind.replace("_", " ").capitalize()
    return column.replace("_", " ").capitalize()


COLUMN_LABELS = {
    "district_id": N_("District"), "district_name": N_("Name"), "events_total": N_("All activities"),
    "attendees": N_("Attendees"), "officer_hours": N_("Officer hours"), "feedback_sessions": N_("Feedback sessions"),
    "training_hours": N_("Training hours"), "training_hours_per_officer": N_("Training hours per officer"),
}


# --- Outcomes ---------------------------------------------------------------------------------


def complete_quarters(first_day: dt.date | None, last_day: dt.date | None) -> list[pd.Timestamp]:
    """Starts of the calendar quarters whose every day lies within [first_day, last_day]."""
    if first_day is None or last_day is None:
        return []
    first = pd.Timestamp(first_day).to_period("Q")
    if pd.Timestamp(first_day) > first.start_time:
        first += 1
    last = pd.Timestamp(last_day).to_period("Q")
    if pd.Timestamp(last_day) < last.end_time.normalize():
        last -= 1
    if last < first:
        return []
    return [p.start_time for p in pd.period_range(first, last, freq="Q")]


def quarterly_outcomes(store: Store, info: metrics.DatasetInfo | None = None,
                       date_basis: str = "occurred") -> pd.DataFrame:
    """Incidents and trust per district and quarter.

    ``incidents``: net incidents summed over the quarter's months from ``evaluation.inputs``'
    monthly per-district aggregate (zeros filled by ``did.monthly_grid``), only for quarters the
    incident data cover completely, NA otherwise. ``trust``: respondent-weighted mean of the
    quarter's ``trust`` survey results (results from fewer than ``metrics.MIN_RESPONDENTS`` are left
    out, as on the Resident trust page; unpublished respondent counts weigh 1), with
    ``trust_respondents``, for quarters the surveys cover from their first to their last day. Columns: district_id, quarter, quarter_label, incidents, trust,
    trust_respondents.
    """
    info = info or metrics.dataset_info(store)
    data = evaluation.inputs(store, date_basis)
    ids = [str(i) for i in data["districts"]["id"]]
    parts = []
    quarters = complete_quarters(info.first_day, info.last_day)
    monthly = data["monthly_incidents"]
    if len(monthly) and quarters:
        grid = did.monthly_grid(monthly, ids)
        grid["quarter"] = grid["month"].dt.to_period("Q").dt.start_time
        inc = grid[grid["quarter"].isin(quarters)].groupby(["district_id", "quarter"])["incidents"].sum()
        parts.append(inc.round().astype("int64").rename("incidents"))
    trust = data["trust_surveys"]
    trust = trust[trust["measure"] == TRUST_MEASURE] if len(trust) else trust
    if len(trust):
        resp = pd.to_numeric(trust["respondents"], errors="coerce")
        shown = trust[resp.isna() | (resp >= metrics.MIN_RESPONDENTS)].copy()
        shown["weight"] = pd.to_numeric(shown["respondents"], errors="coerce").fillna(1.0).astype(float)
        shown["weighted"] = shown["score"].astype(float) * shown["weight"]
        shown["district_id"] = shown["district_id"].astype(str)
        shown["quarter"] = pd.to_datetime(shown["period_start"]).dt.to_period("Q").dt.start_time
        # Only quarters the surveys cover from start to end, as for incidents.
        covered = complete_quarters(pd.to_datetime(trust["period_start"]).min().date(),
                                    pd.to_datetime(trust["period_end"]).max().date())
        shown = shown[shown["quarter"].isin(covered)]
        sums = shown.groupby(["district_id", "quarter"])[["weighted", "weight"]].sum()
        parts.append((sums["weighted"] / sums["weight"]).rename("trust"))
        known = shown.assign(r=pd.to_numeric(shown["respondents"], errors="coerce"))
        parts.append(known.groupby(["district_id", "quarter"])["r"].sum(min_count=1).rename("trust_respondents"))
    columns = ["district_id", "quarter", "quarter_label", "incidents", "trust", "trust_respondents"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = pd.concat(parts, axis=1).reset_index()
    for col in ("incidents", "trust", "trust_respondents"):
        if col not in out.columns:
            out[col] = np.nan
    out["incidents"] = out["incidents"].astype("Int64")
    out["trust_respondents"] = out["trust_respondents"].astype("Int64")
    out["trust"] = out["trust"].astype(float).round(2)
    out["quarter_label"] = [quarter_label(q) for q in out["quarter"]]
    out = out.sort_values(["district_id", "quarter"], key=lambda s: s.map(areas.natural_key)
                          if s.name == "district_id" else s, ignore_index=True)
    return out[columns]


def available_outcomes(outcomes_q: pd.DataFrame) -> list[str]:
    """Outcomes with data: incidents when complete quarters exist, trust when surveys exist."""
    return [k for k in OUTCOMES if k in outcomes_q.columns and outcomes_q[k].notna().any()]


# --- The association --------------------------------------------------------------------------


@dataclass(frozen=True)
class Association:
    """``engagement_stats.AssocResult`` for one choice of measure, outcome and lag.

    ``points`` adds what the chart draws: x and y (the engagement and the year-over-year change,
    each less its district's and its calendar quarter's mean, as the slope is fitted; y in
    percentage points for incidents), district_name and the quarter labels of the engagement and of
    the two quarters compared (change_from a year before change_to). The slope is in the units of x
    and y.
    """

    measure: Measure
    outcome: Outcome
    lag: int
    result: engagement_stats.AssocResult
    points: pd.DataFrame
    quarters_available: int  # outcome quarters with data

    @property
    def n(self) -> int:
        return self.result.n

    @property
    def r(self) -> float:
        return self.result.r

    @property
    def enough(self) -> bool:
        """Enough pairs and districts for a slope with a p-value and interval."""
        return (self.n >= MIN_PAIRS and self.result.n_districts >= engagement_stats.MIN_DISTRICTS
                and math.isfinite(self.r) and math.isfinite(self.result.p_value))

    @property
    def y_scale(self) -> float:
        return 100.0 if self.outcome.change == "relative" else 1.0

    @property
    def slope(self) -> tuple[float, float, float]:
        """The within slope and its 95% interval in chart units (change per unit of x)."""
        r, k = self.result, self.y_scale
        return r.slope * k, r.slope_ci_low * k, r.slope_ci_high * k

    @property
    def intercept(self) -> float:
        """Where the fitted line crosses x = 0: it passes through the points' mean (0, 0 here)."""
        if self.points.empty or not math.isfinite(self.slope[0]):
            return math.nan
        return float(self.points["y"].mean() - self.slope[0] * self.points["x"].mean())

    def r_text(self) -> str:
        """"r = 0.12 (95% CI −0.10 to 0.33), p = 0.41, n = 180 district-quarters in 9 districts"."""
        r = self.result
        if not math.isfinite(r.r):
            return _("r not defined, n = {n} district-quarters").format(n=f"{r.n:,}")
        if not r.assessed:
            return _("r = {r}, n = {n} district-quarters (too few districts for an interval)").format(
                r=_signed(r.r), n=f"{r.n:,}")
        return ngettext("r = {r} (95% CI {low} to {high}), {p}, n = {n} district-quarters in {g} district",
                        "r = {r} (95% CI {low} to {high}), {p}, n = {n} district-quarters in {g} districts",
                        r.n_districts).format(r=_signed(r.r), low=_signed(r.r_ci_low), high=_signed(r.r_ci_high),
                                              p=p_text(r.p_value), n=f"{r.n:,}", g=r.n_districts)

    def slope_text(self) -> str:
        """The fitted slope and its 95% interval, in the chart's units."""
        s, lo, hi = self.slope
        if not math.isfinite(s):
            return _("no slope: the engagement measure does not vary within districts and quarters")
        if not self.result.assessed:
            return _("Slope {slope} {unit} per extra {per}").format(
                slope=_signed(s, plus=True), unit=_(self.outcome.slope_unit), per=_(self.measure.unit))
        return _("Slope {slope} {unit} per extra {per} (95% CI {low} to {high})").format(
            slope=_signed(s, plus=True), unit=_(self.outcome.slope_unit), per=_(self.measure.unit),
            low=_signed(lo, plus=True), high=_signed(hi, plus=True))

    def takeaway(self) -> str:
        """A plain reading: a direction and strength only when the association is clear (p <= 0.05,
        interval excluding zero), otherwise "no clear association"."""
        r = self.result
        words = dict(subject=_(self.measure.short), outcome=_(self.outcome.short), when=self._when())
        if not math.isfinite(r.r):
            return _("No association can be computed between {subject} and the {outcome} {when}").format(**words)
        if not r.clear:
            return _("No clear association between {subject} and the {outcome} {when}").format(**words)
        size = abs(r.r)
        strength = _("weak") if size < 0.3 else _("moderate") if size < 0.5 else _("strong")
        incidents = self.outcome.key == "incidents"
        if r.r > 0:
            text = (_("Quarters in which a district had more {subject} than its usual (beyond that quarter's citywide "
                      "level) saw incidents that rose more (or fell less) from a year earlier {when}, a {strength} "
                      "association") if incidents else
                    _("Quarters in which a district had more {subject} than its usual (beyond that quarter's citywide "
                      "level) saw trust that rose more (or fell less) from a year earlier {when}, a {strength} "
                      "association"))
        else:
            text = (_("Quarters in which a district had more {subject} than its usual (beyond that quarter's citywide "
                      "level) saw incidents that fell more (or rose less) from a year earlier {when}, a {strength} "
                      "association") if incidents else
                    _("Quarters in which a district had more {subject} than its usual (beyond that quarter's citywide "
                      "level) saw trust that fell more (or rose less) from a year earlier {when}, a {strength} "
                      "association"))
        return text.format(strength=strength, **words)

    def _when(self) -> str:
        return _("in the next quarter") if self.lag == 1 else _("{lag} quarters on").format(lag=self.lag)

    # -- what the page's scatter says and shows --

    def chart_title(self) -> str:
        return f"{self.takeaway()}: {self.r_text()}"

    def chart_subtitle(self) -> str:
        return ngettext(
            "Each point is one district in one quarter ({n} district), less its district's and its quarter's "
            "average; r is their correlation.<br>{slope}, shown as the band.",
            "Each point is one district in one quarter ({n} districts), less its district's and its quarter's "
            "average; r is their correlation.<br>{slope}, shown as the band.",
            self.result.n_districts).format(n=self.result.n_districts, slope=self.slope_text())

    def axis_labels(self) -> tuple[str, str]:
        """The x and y axis titles of the scatter."""
        difference = _("(less the district's and the quarter's average)")
        return f"{_(self.measure.label)} {difference}", f"{_(self.outcome.axis)}<br>{difference}"

    def plotted_points(self) -> pd.DataFrame:
        """``points`` with the quarters named in the current language, as the chart draws them."""
        return self.points.assign(**{c: self.points[c].map(quarter_text)
                                     for c in ("engagement_quarter", "change_from", "change_to")})

    def caption(self) -> str:
        """Under the scatter: association, not effect, and what the comparison takes out and what it does not."""
        result = self.result
        lead, _sep, rest = _(engagement_stats.ASSOCIATION_CAPTION).partition(":")
        per_district = self.n / max(result.n_districts, 1)
        reshuffles = (_("all {n} ways of handing the {g} districts' engagement histories to one another")
                      if result.exact else
                      _("{n} random reshufflings that hand whole districts' engagement histories to other districts")
                      ).format(n=f"{result.permutations - (0 if result.exact else 1):,}", g=result.n_districts)
        return f"**{lead}:**{rest} " + _(
            "What is taken out: each district's usual engagement and its usual change from a year earlier (where "
            "engagement is usually sent, a steady trend), and each quarter's citywide level (the season, citywide "
            "swings). What is not: engagement sent in response to a district's own recent crime, regression to "
            "the mean after a bad spell, and trends that change within a district. A district's quarters are "
            "not independent (each district appears about {per_district} times), so the p-value and the 95% "
            "intervals treat the district as the unit: the real pairing is compared with {reshuffles}. Only "
            "complete calendar quarters are used.").format(per_district=f"{per_district:.0f}", reshuffles=reshuffles)

    def points_table(self) -> pd.DataFrame:
        """One row per point of the chart, as downloaded: the measure and the change under their codes (the
        incident change a proportion)."""
        cols = ["district_id", "district_name", "engagement_quarter", "change_from", "change_to",
                "intensity", "change", "x", "y"]
        return self.points[cols].rename(columns={"intensity": self.measure.column,
                                                 "change": f"{self.outcome.key}_change"})

    def points_shown(self) -> pd.DataFrame:
        """``points_table`` as shown: the change in the chart's units (% or points)."""
        shown = self.points_table()
        change = f"{self.outcome.key}_change"
        return shown.assign(**{change: shown[change] * self.y_scale})

    def change_heading(self) -> tuple[str, str]:
        """The change column's heading and number format on screen (where it is in % or in points)."""
        return ((_("Change in incidents (%)"), "%+.1f%%") if self.outcome.key == "incidents"
                else (_("Change in trust (points)"), "%+.2f"))

    def points_caption(self) -> str:
        return (_("One row per point of the chart.") + " " + _(
            "x and y are the engagement and the change less their district's and their quarter's averages, as "
            "plotted and as the slope is fitted; the change is from the same quarter a year earlier (“change "
            "from”) to the quarter shown in “change to”.")
                + (" " + _("In the download the incident change is a proportion (0.05 = +5%).")
                   if self.outcome.key == "incidents" else ""))


def p_text(p: float) -> str:
    """"p = 0.41", "p = 0.048" (three decimals below 0.1, so a p near 0.05 reads on the right side), "p < 0.001"."""
    if not math.isfinite(p):
        return _("p not assessed")
    return _("p < 0.001") if p < 0.001 else _("p = {p}").format(p=f"{p:.3f}" if p < 0.1 else f"{p:.2f}")


def _signed(value: float, plus: bool = False) -> str:
    """Two decimals with a true minus sign (and a plus sign when asked); infinity as ∞."""
    if math.isinf(value):
        return ("+∞" if plus else "∞") if value > 0 else "−∞"
    if round(value, 2) == 0:
        value = 0.0  # no "−0.00"
    return (f"{value:+,.2f}" if plus else f"{value:,.2f}").replace("-", "−")


def _label(periods: pd.PeriodIndex) -> list[str]:
    return [f"{p.year} Q{p.quarter}" for p in periods]


def associate(intensity_q: pd.DataFrame, outcomes_q: pd.DataFrame, measure: str, outcome: str,
              lag: int) -> Association:
    """``engagement_stats.engagement_vs_change`` for one measure, outcome and lag (pure)."""
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    spec = OUTCOMES[outcome]
    x = pd.DataFrame({
        "district_id": intensity_q["district_id"].astype(str),
        "quarter": pd.to_datetime(intensity_q["quarter"]),
        "intensity": pd.to_numeric(intensity_q[measure], errors="coerce").astype(float) if measure in intensity_q
        else np.nan,
    }).dropna(subset=["intensity"])
    o = outcomes_q[["district_id", "quarter", outcome]].rename(columns={outcome: "value"})
    o = o.assign(district_id=o["district_id"].astype(str), quarter=pd.to_datetime(o["quarter"]),
                 value=pd.to_numeric(o["value"], errors="coerce").astype(float)).dropna(subset=["value"])
    result = engagement_stats.engagement_vs_change(x, o, lag=lag, change=spec.change)
    pts = result.points.copy()
    scale = 100.0 if spec.change == "relative" else 1.0
    names = dict(zip(intensity_q["district_id"].astype(str), intensity_q.get("district_name", intensity_q["district_id"])))
    quarters = pd.PeriodIndex(pts["quarter"]) if len(pts) else pd.PeriodIndex([], freq="Q")
    pts["district_name"] = pts["district_id"].map(names).fillna(pts["district_id"])
    pts["engagement_quarter"] = _label(quarters)
    pts["change_from"] = _label(quarters + (lag - engagement_stats.YEAR))
    pts["change_to"] = _label(quarters + lag)
    pts["x"] = pts["intensity_within"].astype(float).to_numpy()
    pts["y"] = pts["change_within"].astype(float).to_numpy() * scale
    pts["quarter"] = quarters.start_time if len(pts) else pd.Series(dtype="datetime64[ns]")
    return Association(measure=MEASURES[measure], outcome=spec, lag=lag, result=result, points=pts,
                       quarters_available=int(o["quarter"].nunique()))


def association(store: Store, measure: str, outcome: str, lag: int) -> Association:
    """``associate`` on the store's quarterly intensity and outcomes."""
    return associate(quarterly_intensity(store), quarterly_outcomes(store), measure, outcome, lag)


def too_few_sentence(assoc: Association) -> str:
    """Why no association is shown for this lag."""
    if assoc.n == 0:
        then = ngettext("{lag} quarter after the engagement and a year before that",
                        "{lag} quarters after the engagement and a year before that", assoc.lag).format(lag=assoc.lag)
        return ngettext(
            "Too few quarters for a lag of {lag}: no district has the outcome recorded both {then} for two or more "
            "quarters of engagement (the data have {n} complete quarter of the outcome).",
            "Too few quarters for a lag of {lag}: no district has the outcome recorded both {then} for two or more "
            "quarters of engagement (the data have {n} complete quarters of the outcome).",
            assoc.quarters_available).format(lag=assoc.lag, then=then, n=assoc.quarters_available)
    if assoc.result.n_districts < engagement_stats.MIN_DISTRICTS:
        return ngettext(
            "Only {n} district has engagement and the {outcome} {when} in two or more quarters. At least {needed} "
            "are needed: the p-value reshuffles whole districts, and fewer districts cannot tell an association "
            "from chance.",
            "Only {n} districts have engagement and the {outcome} {when} in two or more quarters. At least {needed} "
            "are needed: the p-value reshuffles whole districts, and fewer districts cannot tell an association "
            "from chance.",
            assoc.result.n_districts).format(n=assoc.result.n_districts, outcome=_(assoc.outcome.short),
                                             when=assoc._when(), needed=engagement_stats.MIN_DISTRICTS)
    if assoc.n < MIN_PAIRS:
        return ngettext(
            "Only {n} district-quarter pair has both engagement and the {outcome} {when} — too few (at least "
            "{needed} are needed) for an association worth showing.",
            "Only {n} district-quarter pairs have both engagement and the {outcome} {when} — too few (at least "
            "{needed} are needed) for an association worth showing.",
            assoc.n).format(n=assoc.n, outcome=_(assoc.outcome.short), when=assoc._when(), needed=MIN_PAIRS)
    return _("The {measure} or the {outcome} does not vary across these {n} district-quarters once each district's "
             "and each quarter's average is taken out, so there is no association to show.").format(
        measure=_(assoc.measure.short), outcome=_(assoc.outcome.short), n=assoc.n)


def combinations(measures: int, outcomes: int) -> int:
    """How many associations the page's controls can show (measure x outcome x lag)."""
    return measures * outcomes * len(LAGS)


# --- Reporting sensitivity ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingCheck:
    table: pd.DataFrame  # district_id, district_name, trust/crime before and after, changes, flag, note
    flagged: pd.DataFrame
    year: str  # "2025 Q4 – 2026 Q3"
    prior_year: str
    missing: str | None = None  # why the check cannot be made, when it cannot (English)
    missing_quarters: int = 0  # when too few quarters of incidents: how many are needed

    def why_not(self) -> str:
        """``missing`` in the current language."""
        if self.missing_quarters:
            return _("fewer than {n} complete quarters of incidents").format(n=self.missing_quarters)
        return _(self.missing) if self.missing else ""

    def summary(self) -> str:
        """The finding in a sentence, with the districts flagged as a Markdown list (none: one sentence)."""
        year, prior_year = quarter_span(self.year), quarter_span(self.prior_year)
        if self.flagged.empty:
            return _(
                "In no district did trust rise by more than {points} points while recorded incidents "
                "rose by more than {pct}% ({year} against {prior_year}).").format(
                points=f"{TRUST_RISE_POINTS:g}", pct=f"{CRIME_RISE_PCT:g}", year=year, prior_year=prior_year)
        lines = ["- " + _("**{district}**: trust {trust} points, recorded incidents {crime}% ({before} → {after}; "
                          "{reading})").format(
            district=r.district_name, trust=f"{r.trust_change:+.1f}", crime=f"{r.crime_change:+.1f}",
            before=f"{r.incidents_prior_year:,}", after=f"{r.incidents:,}", reading=_(r.crime_noise))
                 for r in self.flagged.itertuples()]
        n_flagged = len(self.flagged)
        return ngettext(
            "Trust rose by more than {points} points and recorded incidents by more than {pct}% together in "
            "{n} district ({year} against {prior_year}):",
            "Trust rose by more than {points} points and recorded incidents by more than {pct}% together in "
            "{n} districts ({year} against {prior_year}):", n_flagged).format(
            points=f"{TRUST_RISE_POINTS:g}", pct=f"{CRIME_RISE_PCT:g}", n=n_flagged, year=year,
            prior_year=prior_year) + "\n" + "\n".join(lines)

    def readable(self) -> pd.DataFrame:
        """The table as shown: readings in the current language, without the analysis' note."""
        return metrics.translated(self.table.drop(columns=["note"]), ["crime_noise", *metrics.WORD_COLUMNS])

    def table_caption(self) -> str:
        return _("Last year: {year}; the year before: {prior_year}. Trust is the respondent-weighted "
                 "mean of the surveys; the reading of the incident change allows for how much each district's "
                 "yearly count normally varies, measured from its own earlier years (see How to read these "
                 "numbers).").format(year=quarter_span(self.year), prior_year=quarter_span(self.prior_year))


def reporting_year(outcomes_q: pd.DataFrame, quarters: int = LATEST_QUARTERS) -> tuple[dt.date, dt.date] | None:
    """First and last day of the year ``reporting_check`` compares with the year before (its latest
    ``quarters`` complete quarters of incidents); None without enough of them."""
    if outcomes_q.empty or not outcomes_q["incidents"].notna().any():
        return None
    inc_quarters = sorted(outcomes_q.loc[outcomes_q["incidents"].notna(), "quarter"].unique())
    if len(inc_quarters) < 2 * quarters:
        return None
    return pd.Timestamp(inc_quarters[-quarters]).date(), _quarter_end(pd.Timestamp(inc_quarters[-1])).date()


def reporting_dispersions(store: Store, outcomes_q: pd.DataFrame) -> dict[str, noise.Dispersion]:
    """How much each district's yearly count normally varies (``metrics.area_dispersions``), for the
    reading of ``reporting_check``'s incident change; empty when the check cannot be made."""
    year = reporting_year(outcomes_q)
    return metrics.area_dispersions(store, "district", *year) if year else {}


def reporting_check(outcomes_q: pd.DataFrame, districts: pd.DataFrame | None = None,
                    trust_threshold: float = TRUST_RISE_POINTS, crime_threshold: float = CRIME_RISE_PCT,
                    quarters: int = LATEST_QUARTERS, rules: privacy.Rules | None = None,
                    dispersions: dict[str, noise.Dispersion] | None = None) -> ReportingCheck:
    """Districts where trust and recorded crime rose together over the last year.

    The year is the latest ``quarters`` complete quarters of incident data; its prior year the
    ``quarters`` before. Trust change: difference of the respondent-weighted means (points);
    crime change: % change of the incident total, with its noise reading (``noise.readings``: the test of two
    counts with each district's ``dispersions``, from ``reporting_dispersions``; plain Poisson for a district
    without one). ``trust_stats.reporting_sensitivity``
    flags a district when trust rose more than ``trust_threshold`` points and crime more than
    ``crime_threshold`` %.

    With ``rules`` (public mode) the districts' incident counts are suppressed as one table that adds up
    to the city (``privacy.protect_line``): a hidden count has no change, reading or flag.
    """
    empty = pd.DataFrame()
    has_inc = outcomes_q["incidents"].notna().any() if len(outcomes_q) else False
    has_trust = outcomes_q["trust"].notna().any() if len(outcomes_q) else False
    if not has_inc or not has_trust:
        what = (N_("no incident data and no resident survey") if not has_inc and not has_trust
                else N_("no incident data") if not has_inc else N_("no resident survey"))
        return ReportingCheck(empty, empty, "", "", missing=what)
    inc_quarters = sorted(outcomes_q.loc[outcomes_q["incidents"].notna(), "quarter"].unique())
    if len(inc_quarters) < 2 * quarters:
        return ReportingCheck(empty, empty, "", "", missing=f"fewer than {2 * quarters} complete quarters of incidents",
                              missing_quarters=2 * quarters)
    year, prior = inc_quarters[-quarters:], inc_quarters[-2 * quarters:-quarters]
    frame = outcomes_q.assign(weight=outcomes_q["trust_respondents"].astype("Float64").fillna(1.0).astype(float))

    def summarise(qs):
        part = frame[frame["quarter"].isin(qs)]
        inc = part.groupby("district_id")["incidents"].sum(min_count=1)
        t = part.dropna(subset=["trust"])
        trust = (t["trust"] * t["weight"]).groupby(t["district_id"]).sum() / t.groupby("district_id")["weight"].sum()
        return inc, trust

    inc_now, trust_now = summarise(year)
    inc_before, trust_before = summarise(prior)
    table = pd.DataFrame({"incidents_prior_year": inc_before, "incidents": inc_now,
                          "trust_prior_year": trust_before, "trust": trust_now})
    table.index.name = "district_id"
    table = table.reset_index()
    table["incidents"] = table["incidents"].astype("Float64")
    table["incidents_prior_year"] = table["incidents_prior_year"].astype("Float64")
    crime_pct = metrics.pct_change(table["incidents"], table["incidents_prior_year"])
    trust_pts = (table["trust"] - table["trust_prior_year"]).astype(float)
    flags = trust_stats.reporting_sensitivity(
        pd.DataFrame({"district_id": table["district_id"], "change": trust_pts}),
        pd.DataFrame({"district_id": table["district_id"], "change": crime_pct.astype(float)}),
        trust_threshold=trust_threshold, crime_threshold=crime_threshold)
    table = table.merge(flags, on="district_id", how="right")
    chosen = [(dispersions or {}).get(noise.area_key(d), noise.PLAIN) for d in table["district_id"]]
    read = noise.readings(table["incidents"].astype(float), table["incidents_prior_year"].astype(float), chosen)
    table["crime_noise"] = [metrics.noise_label(z) for z in read["noise_z"]]  # "no comparison" without both counts
    names = _district_names(districts) if districts is not None and len(districts) else {}
    table.insert(1, "district_name", table["district_id"].map(names).fillna(table["district_id"]))
    table["incidents"] = table["incidents"].astype("Int64")
    table["incidents_prior_year"] = table["incidents_prior_year"].astype("Int64")
    for col in ("trust", "trust_prior_year", "trust_change"):
        table[col] = table[col].astype(float).round(1)
    table["crime_change"] = table["crime_change"].astype(float).round(1)
    table = table[["district_id", "district_name", "trust_prior_year", "trust", "trust_change",
                   "incidents_prior_year", "incidents", "crime_change", "crime_noise", "flag", "note"]]
    label = lambda qs: f"{quarter_label(qs[0])} – {quarter_label(qs[-1])}"  # noqa: E731
    if rules is not None:
        table = privacy.protect_line(table, rules, derived={"crime_change": privacy.COUNT_COLUMNS,
                                                            "flag": privacy.COUNT_COLUMNS}, readings=("crime_noise",))
        return ReportingCheck(table, table[table["flag"].fillna(False).astype(bool)].reset_index(drop=True),
                              label(year), label(prior))
    return ReportingCheck(table, table[table["flag"]].reset_index(drop=True), label(year), label(prior))


def public_outcomes(outcomes_q: pd.DataFrame, rules: privacy.Rules | None) -> pd.DataFrame:
    """Quarterly outcomes for the association in public mode: a district's quarter with a small
    incident count (1 to min_count - 1) has no count, so no change is made from it (the chart shows
    changes only, never the counts)."""
    if rules is None or outcomes_q.empty or "incidents" not in outcomes_q:
        return outcomes_q
    out = privacy.mask_small(outcomes_q, "incidents", rules)
    return out.drop(columns=[privacy.note_column("incidents")])


# --- What the page shows (called through ``cached.view``: cached, and with the privacy rules in public mode) -----


@dataclass(frozen=True)
class EngagementPage:
    """What the page's controls offer (``measures``, ``outcomes``: codes with data), the districts in the ledger's
    order, the latest quarters' engagement by district, and the reporting check (its incident counts protected in
    public mode). The association of the measure, outcome and lag chosen is ``association_view``."""

    measures: list[str]
    outcomes: list[str]
    has_quarters: bool  # the ledger covers at least one complete calendar quarter
    district_order: list[str]
    latest: pd.DataFrame
    quarters: list[str]
    reporting: ReportingCheck

    def comparisons_notes(self, measure_chosen: bool) -> list[str]:
        """The paragraphs of "Many comparisons at once" (none: the section is left out)."""
        notes = []
        if measure_chosen:
            notes.append(_("The controls above give {n} different associations (measures × outcomes × lags). Even "
                           "if engagement and outcomes were unrelated, about 1 in 20 of them would show a clear "
                           "association (a 95% interval that excludes zero) by chance: a single striking combination "
                           "is not evidence on its own.").format(
                n=combinations(len(self.measures), len(self.outcomes))))
        check = self.reporting
        if not check.missing:
            district_note = period_comparisons.multiple_comparisons_note(len(check.table))
            if district_note:
                notes.append(_("The trust and crime check scans {n} districts.").format(n=len(check.table))
                             + " " + district_note)
        return notes


def page_view(store: Store, *, rules: privacy.Rules | None = None) -> EngagementPage:
    """Everything the page shows but the association, from the store's quarterly intensity and outcomes."""
    intensity = quarterly_intensity(store)
    outcomes = quarterly_outcomes(store, metrics.dataset_info(store))
    latest, quarters = latest_intensity(intensity)
    reporting = reporting_check(outcomes, store.query("districts_table"), rules=rules,
                                dispersions=reporting_dispersions(store, outcomes))
    return EngagementPage(available_measures(intensity), available_outcomes(outcomes), not intensity.empty,
                          list(intensity["district_id"].drop_duplicates()), latest, quarters, reporting)


def association_view(store: Store, measure: str, outcome: str, lag: int, *,
                     rules: privacy.Rules | None = None) -> Association:
    """The scatter's association of ``measure`` with ``outcome`` ``lag`` quarters later; in public mode no change
    is made from a quarter with a small count (``public_outcomes``)."""
    outcomes = public_outcomes(quarterly_outcomes(store, metrics.dataset_info(store)), rules)
    return associate(quarterly_intensity(store), outcomes, measure, outcome, lag)


def _span(quarters: list[str]) -> str:
    return f"{quarter_text(quarters[0])} – {quarter_text(quarters[-1])}" if quarters else ""


def outcome_caption(outcome: str, outcomes: list[str], city: str) -> str:
    """Under the outcome choice: how the chosen outcome is measured, or why trust is not offered (``city``: the
    city's name as the page writes it)."""
    if "trust" not in outcomes:
        return _("Change in trust is not offered: no resident survey is loaded for {city}.").format(city=city)
    if outcome == "trust":
        return _("Trust: the quarter's survey results (0–100, higher is more trust), weighted by respondents; "
                 "the change is in score points against the same quarter a year earlier.")
    return _("Incidents: incidents counted in the district in the quarter, by date occurred; the change is "
             "in % against the same quarter a year earlier.")


def latest_heading(quarters: list[str]) -> str:
    """The heading of the latest quarters' engagement by district."""
    span = _span(quarters)
    return ngettext("Engagement by district, latest {n} quarter ({span})",
                    "Engagement by district, latest {n} quarters ({span})", len(quarters)).format(
        n=len(quarters), span=span)


def bars_words(table: pd.DataFrame, measure: str, quarters: list[str]) -> tuple[str, str, str]:
    """The bar chart's title (which district had the most and the least), its bars' label and its subtitle."""
    ranked = table[["district_id", "district_name", measure]].dropna()
    if len(ranked):
        top = ranked.loc[ranked[measure].astype(float).idxmax()]
        bottom = ranked.loc[ranked[measure].astype(float).idxmin()]
        title = _("{top} had the most {measure} ({top_value}); {bottom} the least ({bottom_value})").format(
            top=top["district_name"], measure=_(MEASURES[measure].short), top_value=f"{float(top[measure]):,.1f}",
            bottom=bottom["district_name"], bottom_value=f"{float(bottom[measure]):,.1f}")
    else:
        title = _(MEASURES[measure].label)
    total_label = _(MEASURES[measure].short)
    total_label = total_label[:1].upper() + total_label[1:]
    span = _span(quarters)
    return title, total_label, _("{measure}, summed over {span}").format(measure=total_label, span=span)


def latest_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The latest quarters' table as shown: readable column order, whole hours (the download keeps the exact
    sums)."""
    rounded = {c: table[c].astype(float).round(0).astype("Int64") for c in ("officer_hours", "training_hours")
               if c in table.columns}
    return table[latest_table_columns(table)].assign(**rounded)


# --- Who takes part ------------------------------------------------------------------------------

DIMENSIONS = {"race_ethnicity": N_("Race and ethnicity"), "age": N_("Age (adults)")}


def representativeness_view(store: Store, *, rules: privacy.Rules | None = None) -> dict[str, pd.DataFrame]:
    """Who attends engagement activities against who lives in each district, by each of ``DIMENSIONS``
    (``evaluation.representativeness``; attendees and residents, no incident count to protect)."""
    return {dimension: evaluation.representativeness(store, dimension) for dimension in DIMENSIONS}


def attendance_recorded(by_dimension: dict[str, pd.DataFrame]) -> bool:
    """Whether any activity records who attended, by any dimension."""
    return not all(t["attendee_share"].isna().all() for t in by_dimension.values())


def districts_with_attendees(rep: pd.DataFrame) -> list[str]:
    return [d for d in dict.fromkeys(rep["district_id"]) if rep.loc[rep["district_id"] == d, "attendees"].sum() > 0]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def group_name(group: str) -> str:
    """A demographic group as a reader names it ("Black", not the data's code "black"), in the page's language."""
    return _capital(engagement_stats.group_label(group))


def named_groups(rep: pd.DataFrame) -> pd.DataFrame:
    """Groups are codes in the data: named in the page's language for the chart (its readings stay as codes)."""
    return rep.assign(demographic_group=rep["demographic_group"].map(group_name))


def attendance_caption(one_district: pd.DataFrame) -> str:
    """Under one district's chart: which activities count, and what the interval and the residents' shares are."""
    return _("Only activities whose organizers recorded attendees by group count "
             "({n} in this district). The interval allows for people arriving in groups "
             "to the same activity. Residents' shares are census figures for the district.").format(
        n=int(one_district["activities"].max()))


def representativeness_shown(rep: pd.DataFrame) -> pd.DataFrame:
    """The table of every district as shown: groups and readings in the page's language."""
    return rep.assign(demographic_group=rep["demographic_group"].map(group_name),
                      reading=rep["reading"].map(lambda r: _(r) if isinstance(r, str) else r))


def representativeness_download(rep: pd.DataFrame) -> pd.DataFrame:
    """The table of every district as downloaded: groups by their names, not codes (English)."""
    return rep.assign(demographic_group=rep["demographic_group"].map(
        lambda g: _capital(str(engagement_stats.GROUP_LABELS.get(g, g)))))
