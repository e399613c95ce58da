"""The numbers behind the "Engagement vs outcomes" page.

Store-backed functions returning DataFrames and dataclasses; no Streamlit, no figures. The
statistics are ``analysis.engagement_intensity`` and ``analysis.engagement_vs_change``; this module
only reads their inputs through named queries (``evaluation.inputs`` / ``evaluation.engagement_inputs``)
and shapes them into quarters:

* Engagement intensity per district and calendar quarter, complete quarters of the ledger only.
* Outcomes per district and quarter: incidents summed from the monthly per-district aggregate
  (itself read from the daily aggregate, never raw incident rows), complete quarters of the
  incident data only; trust as the respondent-weighted mean of the quarter's survey results.
* The association of a measure with a later change in an outcome, for a lag of 1-4 quarters.
* The latest four quarters' intensity per district, and the reporting-sensitivity check.

A partial quarter (the data start or end inside it) would read as a sudden drop in counts, so
quarters are kept only when the data cover every day (incidents) or every month (engagement) of them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from community_policing import analysis, evaluation, metrics, privacy
from community_policing.district import ENGAGEMENT_LABELS, district_title
from community_policing.store import Store

LAGS = (1, 2, 3, 4)
LATEST_QUARTERS = 4
# Below this many district-quarter pairs a correlation is not shown: its interval spans nearly everything.
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
    Measure("events_total_per_1000", "Engagement activities per 1,000 residents per quarter",
            "engagement activities per 1,000 residents", "activity per 1,000 residents",
            "Every activity in the ledger (meetings, events, foot patrols, school and youth programs, feedback "
            "sessions, other) in the district in the quarter, per 1,000 residents."),
    Measure("officer_hours_per_1000", "Officer engagement hours per 1,000 residents per quarter",
            "officer engagement hours per 1,000 residents", "officer hour per 1,000 residents",
            "Officer time spent on engagement activities, summed over officers, per 1,000 residents."),
    Measure("attendees_per_1000", "Attendees per 1,000 residents per quarter",
            "attendees per 1,000 residents", "attendee per 1,000 residents",
            "Residents taking part in engagement activities (estimated for open events), per 1,000 residents; "
            "one person at two events counts twice."),
    Measure("feedback_sessions_per_1000", "Feedback sessions per 1,000 residents per quarter",
            "feedback sessions per 1,000 residents", "feedback session per 1,000 residents",
            "Feedback sessions and surveys held in the district in the quarter, per 1,000 residents."),
    Measure("training_hours_per_officer", "Officer training hours per sworn officer per quarter",
            "officer training hours per sworn officer", "training hour per sworn officer",
            "Community-policing training of the district's officers (officers trained × course hours) in the "
            "quarter, per sworn officer of the district."),
)}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str  # menu label
    change: str  # "relative" or "absolute", as analysis.engagement_vs_change takes it
    axis: str  # y-axis label of the change
    short: str  # within a sentence
    slope_unit: str  # unit of the slope's numerator
    suffix: str  # tick suffix of the y axis


OUTCOMES: dict[str, Outcome] = {o.key: o for o in (
    Outcome("incidents", "Change in incidents", "relative", "% change in incidents", "change in incidents",
            "percentage points", "%"),
    Outcome("trust", "Change in trust score", "absolute", "Change in trust score (points on 0–100)",
            "change in the trust score", "points", ""),
)}


def lag_sentence(lag: int) -> str:
    """What a lag means, as ``analysis.engagement_vs_change`` defines it."""
    if lag == 1:
        return ("Lag 1: each district's engagement in a quarter is set against the change in the outcome from "
                "that quarter to the next one.")
    before = "that quarter" if lag == 1 else f"{lag - 1} quarter{'s' if lag > 2 else ''} later"
    return (f"Lag {lag}: each district's engagement in a quarter is set against the change in the outcome from "
            f"{before} to {lag} quarters later.")


def quarter_label(value) -> str:
    q = pd.Timestamp(value).to_period("Q")
    return f"{q.year} Q{q.quarter}"


def _quarter_end(start: pd.Timestamp) -> pd.Timestamp:
    return start + pd.offsets.QuarterEnd(0)


# --- Engagement -------------------------------------------------------------------------------


def quarterly_intensity(store: Store) -> pd.DataFrame:
    """``analysis.engagement_intensity`` by calendar quarter, complete quarters of the ledger only.

    The ledger covers the months from its first to its last activity (events or training); a
    quarter is kept when all three of its months are inside that span. Adds ``quarter`` (first
    day, Timestamp), ``quarter_label`` and ``district_name``. Empty (with the columns) when the city
    has no engagement ledger.
    """
    data = evaluation.engagement_inputs(store)
    events, training, districts = data["engagement_events"], data["training"], data["districts"]
    out = analysis.engagement_intensity(events, training, districts, freq="Q")
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
    fixed = {
        "district_id": "District", "district_name": "Name", "events_total": "All activities",
        "attendees": "Attendees", "officer_hours": "Officer hours", "feedback_sessions": "Feedback sessions",
        "training_hours": "Training hours", "training_hours_per_officer": "Training hours per officer",
    }
    if column in fixed:
        return fixed[column]
    if column.endswith("_per_1000"):
        return column_label(column[: -len("_per_1000")]) + " per 1,000"
    if column.startswith("events_"):
        kind = column[len("events_"):]
        return ENGAGEMENT_LABELS.get(kind, kind.replace("_", " ").capitalize())
    return column.replace("_", " ").capitalize()


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
    monthly per-district aggregate (zeros filled by ``analysis.monthly_grid``), only for quarters the
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
        grid = analysis.monthly_grid(monthly, ids)
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
    out = out.sort_values(["district_id", "quarter"], key=lambda s: s.map(analysis._natural_key)
                          if s.name == "district_id" else s, ignore_index=True)
    return out[columns]


def available_outcomes(outcomes_q: pd.DataFrame) -> list[str]:
    """Outcomes with data: incidents when complete quarters exist, trust when surveys exist."""
    return [k for k in OUTCOMES if k in outcomes_q.columns and outcomes_q[k].notna().any()]


# --- The association --------------------------------------------------------------------------


@dataclass(frozen=True)
class Association:
    """``analysis.AssocResult`` for one choice of measure, outcome, lag and within-district view.

    ``points`` adds what the chart draws: x and y (the intensity and the change, each less its
    district's mean when ``within_district``; y in % for incidents), district_name and the quarter
    labels of the engagement and of the change. The slope is in the same units as x and y.
    """

    measure: Measure
    outcome: Outcome
    lag: int
    within_district: bool
    result: analysis.AssocResult
    points: pd.DataFrame
    quarters_available: int  # outcome quarters with data

    @property
    def n(self) -> int:
        return self.result.n

    @property
    def rho(self) -> float:
        return self.result.spearman_rho

    @property
    def enough(self) -> bool:
        return self.n >= MIN_PAIRS and math.isfinite(self.rho)

    @property
    def y_scale(self) -> float:
        return 100.0 if self.outcome.change == "relative" else 1.0

    @property
    def slope(self) -> tuple[float, float, float]:
        """Theil-Sen slope and its 95% interval in chart units (change per unit of x)."""
        r, k = self.result, self.y_scale
        return r.slope * k, r.slope_ci_low * k, r.slope_ci_high * k

    @property
    def intercept(self) -> float:
        return self.result.intercept * self.y_scale

    def rho_text(self) -> str:
        """"ρ = 0.12 (95% CI −0.10 to 0.33), n = 180 district-quarters"."""
        r = self.result
        if not math.isfinite(r.spearman_rho):
            return f"ρ not defined, n = {r.n:,} district-quarters"
        return (f"ρ = {_signed(r.spearman_rho)} (95% CI {_signed(r.rho_ci_low)} to {_signed(r.rho_ci_high)}), "
                f"n = {r.n:,} district-quarters")

    def slope_text(self) -> str:
        """The trend line's slope and its 95% interval, in the chart's units."""
        s, lo, hi = self.slope
        if not math.isfinite(s):
            return "no trend line: the engagement measure does not vary"
        return (f"Theil–Sen slope {_signed(s, plus=True)} {self.outcome.slope_unit} per extra "
                f"{self.measure.unit} (95% CI {_signed(lo, plus=True)} to {_signed(hi, plus=True)})")

    def takeaway(self) -> str:
        """A plain reading of the rank correlation's direction and whether its interval excludes zero."""
        r = self.result
        subject = self.measure.short
        later = f"the {self.outcome.short} {self._when()}"
        if not math.isfinite(r.spearman_rho):
            return f"No correlation can be computed between {subject} and {later}"
        if r.rho_ci_low <= 0 <= r.rho_ci_high:
            return f"No clear association between {subject} and {later}"
        strength = "weak" if abs(r.spearman_rho) < 0.3 else "moderate" if abs(r.spearman_rho) < 0.5 else "strong"
        thing = "incidents" if self.outcome.key == "incidents" else "trust"
        moved = "rose more (or fell less)" if r.spearman_rho > 0 else "fell more (or rose less)"
        who = (f"Quarters with more {subject} than the district's usual" if self.within_district
               else f"District-quarters with more {subject}")
        return f"{who} saw {thing} that {moved} {self._when()}, a {strength} association"

    def _when(self) -> str:
        return "over the next quarter" if self.lag == 1 else f"{self.lag} quarters on"


def _signed(value: float, plus: bool = False) -> str:
    """Two decimals with a true minus sign (and a plus sign when asked)."""
    if round(value, 2) == 0:
        value = 0.0  # no "−0.00"
    return (f"{value:+,.2f}" if plus else f"{value:,.2f}").replace("-", "−")


def associate(intensity_q: pd.DataFrame, outcomes_q: pd.DataFrame, measure: str, outcome: str, lag: int,
              within_district: bool = False) -> Association:
    """``analysis.engagement_vs_change`` for one measure, outcome, lag and view (pure)."""
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
    result = analysis.engagement_vs_change(x, o, lag=lag, change=spec.change, within_district=within_district)
    pts = result.points.copy()
    xs = pts["intensity"].astype(float)
    ys = pts["change"].astype(float)
    if within_district and len(pts):
        xs = xs - pts.groupby("district_id")["intensity"].transform("mean")
        ys = ys - pts.groupby("district_id")["change"].transform("mean")
    scale = 100.0 if spec.change == "relative" else 1.0
    names = dict(zip(intensity_q["district_id"].astype(str), intensity_q.get("district_name", intensity_q["district_id"])))
    quarters = pd.PeriodIndex(pts["quarter"]) if len(pts) else pd.PeriodIndex([], freq="Q")
    pts["district_name"] = pts["district_id"].map(names).fillna(pts["district_id"])
    pts["engagement_quarter"] = [f"{q.year} Q{q.quarter}" for q in quarters]
    pts["change_from"] = [f"{p.year} Q{p.quarter}" for p in quarters + (lag - 1)]
    pts["change_to"] = [f"{p.year} Q{p.quarter}" for p in quarters + lag]
    pts["x"] = xs.to_numpy()
    pts["y"] = ys.to_numpy() * scale
    pts["quarter"] = quarters.start_time if len(pts) else pd.Series(dtype="datetime64[ns]")
    return Association(measure=MEASURES[measure], outcome=spec, lag=lag, within_district=within_district,
                       result=result, points=pts, quarters_available=int(o["quarter"].nunique()))


def association(store: Store, measure: str, outcome: str, lag: int, within_district: bool = False) -> Association:
    """``associate`` on the store's quarterly intensity and outcomes."""
    return associate(quarterly_intensity(store), quarterly_outcomes(store), measure, outcome, lag, within_district)


def too_few_sentence(assoc: Association) -> str:
    """Why no correlation is shown for this lag."""
    if assoc.n == 0:
        then = ("in the same quarter and the next" if assoc.lag == 1
                else f"{assoc.lag - 1} and {assoc.lag} quarters later")
        plural = "s" if assoc.quarters_available != 1 else ""
        return (f"Too few quarters for a lag of {assoc.lag}: no quarter of engagement has the outcome recorded "
                f"{then} (the data have {assoc.quarters_available} complete quarter{plural} of the outcome). "
                "Pick a shorter lag.")
    if assoc.n < MIN_PAIRS:
        return (f"Only {assoc.n} district-quarter pair{'s' if assoc.n != 1 else ''} have both engagement and the "
                f"{assoc.outcome.short} {assoc._when()} — too few (at least {MIN_PAIRS} are needed) for a "
                "correlation worth showing. Pick a shorter lag.")
    return (f"The {assoc.measure.short} or the {assoc.outcome.short} does not vary across these "
            f"{assoc.n} district-quarters, so there is no correlation to show.")


def combinations(measures: int, outcomes: int) -> int:
    """How many correlations the page's controls can show (measure x outcome x lag x view)."""
    return measures * outcomes * len(LAGS) * 2


# --- Reporting sensitivity ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingCheck:
    table: pd.DataFrame  # district_id, district_name, trust/crime before and after, changes, flag, note
    flagged: pd.DataFrame
    year: str  # "2025 Q4 – 2026 Q3"
    prior_year: str
    missing: str | None = None  # why the check cannot be made, when it cannot


def reporting_check(outcomes_q: pd.DataFrame, districts: pd.DataFrame | None = None,
                    trust_threshold: float = TRUST_RISE_POINTS, crime_threshold: float = CRIME_RISE_PCT,
                    quarters: int = LATEST_QUARTERS, rules: privacy.Rules | None = None) -> ReportingCheck:
    """Districts where trust and recorded crime rose together over the last year.

    The year is the latest ``quarters`` complete quarters of incident data; its prior year the
    ``quarters`` before. Trust change: difference of the respondent-weighted means (points);
    crime change: % change of the incident total, with its Poisson z. ``analysis.reporting_sensitivity``
    flags a district when trust rose more than ``trust_threshold`` points and crime more than
    ``crime_threshold`` %.

    With ``rules`` (public mode) the districts' incident counts are suppressed as one table that adds up
    to the city (``privacy.protect_line``): a hidden count has no change, reading or flag.
    """
    empty = pd.DataFrame()
    has_inc = outcomes_q["incidents"].notna().any() if len(outcomes_q) else False
    has_trust = outcomes_q["trust"].notna().any() if len(outcomes_q) else False
    if not has_inc or not has_trust:
        what = ("no incident data and no resident survey" if not has_inc and not has_trust
                else "no incident data" if not has_inc else "no resident survey")
        return ReportingCheck(empty, empty, "", "", missing=what)
    inc_quarters = sorted(outcomes_q.loc[outcomes_q["incidents"].notna(), "quarter"].unique())
    if len(inc_quarters) < 2 * quarters:
        return ReportingCheck(empty, empty, "", "", missing=f"fewer than {2 * quarters} complete quarters of incidents")
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
    flags = analysis.reporting_sensitivity(
        pd.DataFrame({"district_id": table["district_id"], "change": trust_pts}),
        pd.DataFrame({"district_id": table["district_id"], "change": crime_pct.astype(float)}),
        trust_threshold=trust_threshold, crime_threshold=crime_threshold)
    table = table.merge(flags, on="district_id", how="right")
    z = metrics.poisson_z(table["incidents"].fillna(0).astype(float), table["incidents_prior_year"].fillna(0).astype(float))
    table["crime_noise"] = [metrics.noise_label(v) if pd.notna(a) and pd.notna(b) else "no comparison"
                            for v, a, b in zip(z, table["incidents"], table["incidents_prior_year"])]
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
