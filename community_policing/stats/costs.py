"""What a program costs per officer hour, per attendance, per incident averted and per unit of harm averted.

Pure functions: numbers in, a ``CostEffectiveness`` out (``evaluation.program_costs`` gathers the
numbers from the warehouse; the Program evaluation page and the briefing show them).

How the cost per incident averted is worked out (read this before changing it)
-------------------------------------------------------------------------------

Incidents averted per year = -(relative effect) x the treated districts' incidents in the year
before the start; its 95 % interval comes from the effect's interval. Cost per incident averted =
annual cost / incidents averted. Three choices keep it honest:

* **Always shown, with its interval.** An earlier version showed the figure only when the
  effect's interval excluded zero. That is a winner's curse: the estimates that pass such a filter
  are the ones that happened to come out large, so the costs shown were too low (18-42 % in
  simulated cities). The always-shown figure is *median-unbiased*: cost is a decreasing function
  of incidents averted (infinite when none are averted), so when the effect estimate is as likely
  to fall above the truth as below it, so is the cost. ``tests/test_costs.py`` checks both on
  a simulation.
* **An interval that crosses zero is unbounded on one side.** If the program may have averted no
  incidents, the cost per incident averted may be infinite: the figure is "at least $X per
  incident averted, or no incidents averted at all", never a finite range that hides it.
* **A point estimate that is not a reduction is said in words.** At the estimate the program
  averted nothing, so there is no dollar figure; the most favorable end of the interval is given,
  with the words that say which it is.

Denominators are named for what they count: *attendance* counts people each time they come (a
resident at ten meetings is ten attendances), not residents reached; *officer hours* are the
program's own when the ledger says which activities belong to it, and otherwise all engagement
hours in its districts while it ran, and the label says so.

The harm option (``weight="harm"``) divides by harm averted instead, in Cambridge Crime Harm Index
days (``community_policing.stats.harm``): the same effect times the treated districts' harm in the year
before, which assumes the program reduced every offense group alike, unless an effect estimated
on the harm-weighted series is passed (``harm_did``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping

import pandas as pd

from community_policing.i18n import N_, _

__all__ = ["METHOD_NOTE", "CostEffectiveness", "CostPer", "cost_effectiveness", "cost_per_averted"]

HOURS_SCOPES = ("program", "districts")
WEIGHTS = ("count", "harm")
UNITS = ("incident", "harm_day")

METHOD_NOTE = N_(
    "What a program costs. Cost per incident averted is the program's annual cost divided by the incidents it "
    "averted in a year: the estimated effect times the incidents its districts had in the year before it "
    "started. It is always shown with its 95% interval, because showing it only when the effect is clear would "
    "pick the lucky estimates and make programs look cheaper than they are. When the interval of the effect "
    "includes no change, the cost has no upper limit: the program may have averted nothing, so the range reads "
    "\"at least $X per incident averted, or no incidents averted at all\". When the estimate itself is not a "
    "reduction, no cost per incident averted is given, and the page says so. Attendance counts people each time "
    "they come, so cost per attendance is not cost per resident reached. Officer hours are the program's own "
    "activities when the records say which those are; otherwise they are all engagement hours in the program's "
    "districts while it ran, and the label says so."
)

# Words per unit of outcome: whole phrases, so each language can agree them with its numbers.
_UNIT_WORDS = {
    "incident": {
        "per": N_("per incident averted"),
        "averted": N_("{n} incidents averted a year"),
        "more": N_("{n} more incidents a year"),
        "none": N_("no incidents averted at all"),
        "label": N_("Per incident averted"),
    },
    "harm_day": {
        "per": N_("per harm day averted"),
        "averted": N_("{n} harm days averted a year"),
        "more": N_("{n} more harm days a year"),
        "none": N_("no harm averted at all"),
        "label": N_("Per harm day averted"),
    },
}

_STATUS_WORDS = {
    "not_a_reduction": N_("none averted at the estimate"),
    "cost_not_recorded": N_("cost not recorded"),
    "no_effect": N_("no estimate"),
    "no_baseline": N_("none to avert"),
}


@dataclass(frozen=True)
class CostPer:
    """Dollars per unit of outcome averted (an incident, or a CCHI harm day), with its 95 % interval.

    ``estimate``: annual cost / units averted per year, None when the point estimate averts none
    (``estimate_is_reduction`` False). ``low``: the most favorable end of the interval, None when
    no part of the interval is a reduction. ``high``: the least favorable end, None when the
    interval reaches zero (``upper_unbounded``: "or none averted at all").
    ``averted_per_year*``: units averted per year (negative: more than the comparison predicts).
    ``status`` (English, for code): "estimate", "not_a_reduction", "cost_not_recorded", "no_effect"
    or "no_baseline". ``sentence``: the figure in plain words, in the language of the call.
    ``label``: the metric's caption ("Per incident averted")."""

    unit: str
    status: str
    estimate: float | None
    low: float | None
    high: float | None
    upper_unbounded: bool
    estimate_is_reduction: bool
    averted_per_year: float
    averted_per_year_low: float
    averted_per_year_high: float
    baseline_per_year: float
    sentence: str
    label: str

    def display(self) -> str:
        """The metric's value in the language of the call: "$800", or words when there is no figure."""
        if self.estimate is not None:
            return _money(self.estimate)
        return _(_STATUS_WORDS[self.status])

    def interval_text(self) -> str:
        """The 95 % interval in a few words, for a table cell: "$480 to $2,400", "at least $400, or none
        averted"."""
        if self.low is not None and self.high is not None:
            return _("{low} to {high}").format(low=_money(self.low), high=_money(self.high))
        if self.low is not None:
            return _("at least {low}, or none averted").format(low=_money(self.low))
        if self.status in ("estimate", "not_a_reduction"):
            if math.isfinite(self.averted_per_year_low):
                return _("none averted anywhere in the interval")
            return _("no interval")
        return ""

    def short(self) -> str:
        """One line for a table or a briefing: "$800 per incident averted (95% interval: $480 to $2,400)"."""
        interval = self.interval_text()
        if self.status == "estimate":
            per_text = _UNIT_WORDS[self.unit]["per"]
            return _("{value} {per} (95% interval: {interval})").format(
                value=self.display(), per=_(per_text), interval=interval) if interval else " ".join(
                (self.display(), _(per_text)))
        if self.status == "not_a_reduction" and interval:
            return _("{value} (95% interval: {interval})").format(value=self.display(), interval=interval)
        return self.display()


@dataclass(frozen=True)
class CostEffectiveness:
    """A program's cost per officer hour, per attendance, per incident averted and (optionally) per
    harm day averted. Labels and sentences are in the language of the call; ``to_dict`` gives the
    flat, machine-named fields for CSV and JSON."""

    annual_cost: float | None
    total_cost: float | None
    years: float
    officer_hours: float | None
    hours_scope: str
    cost_per_officer_hour: float | None
    hours_label: str
    hours_note: str
    attendance: float | None
    cost_per_attendance: float | None
    attendance_label: str
    attendance_note: str
    per_incident: CostPer
    per_harm: CostPer | None
    weight: str

    @property
    def headline(self) -> CostPer:
        """The figure the reader asked for: per harm day with ``weight="harm"``, else per incident."""
        return self.per_harm if self.weight == "harm" and self.per_harm is not None else self.per_incident

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "annual_cost": self.annual_cost, "total_cost": self.total_cost, "years": self.years,
            "officer_hours": self.officer_hours, "hours_scope": self.hours_scope,
            "cost_per_officer_hour": self.cost_per_officer_hour,
            "attendance": self.attendance, "cost_per_attendance": self.cost_per_attendance, "weight": self.weight,
        }
        for prefix, per in (("incident", self.per_incident), ("harm_day", self.per_harm)):
            if per is None:
                continue
            fields = asdict(per)
            out[f"{prefix}s_averted_per_year"] = fields["averted_per_year"]
            out[f"{prefix}s_averted_per_year_low"] = fields["averted_per_year_low"]
            out[f"{prefix}s_averted_per_year_high"] = fields["averted_per_year_high"]
            out[f"cost_per_{prefix}_averted_status"] = fields["status"]
            out[f"cost_per_{prefix}_averted"] = fields["estimate"]
            out[f"cost_per_{prefix}_averted_low"] = fields["low"]
            out[f"cost_per_{prefix}_averted_high"] = fields["high"]
            out[f"cost_per_{prefix}_averted_upper_unbounded"] = fields["upper_unbounded"]
            out[f"cost_per_{prefix}_averted_estimate_is_reduction"] = fields["estimate_is_reduction"]
            out[f"cost_per_{prefix}_averted_sentence"] = fields["sentence"]
        return out


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _money(x: float) -> str:
    return f"${x:,.0f}" if abs(x) >= 10 else f"${x:,.2f}"


def _count(x: float) -> str:
    return f"{abs(x):,.0f}" if abs(x) >= 10 else f"{abs(x):,.1f}"


def cost_per_averted(
    annual_cost: float | None,
    effect: float,
    effect_low: float,
    effect_high: float,
    baseline_per_year: float,
    unit: str = "incident",
) -> CostPer:
    """Dollars per unit averted from a relative effect (-0.15: 15 % fewer) and its 95 % interval.

    Units averted per year = -effect x ``baseline_per_year``. Always returns the estimate with its
    interval (see the module docstring for why): bounded when the whole interval is a reduction,
    unbounded above when it reaches zero (nothing averted), no dollar estimate when the point
    estimate is not a reduction."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    words = _UNIT_WORDS[unit]
    per_text, none_text, averted_text, more_text = words["per"], words["none"], words["averted"], words["more"]
    label_text = words["label"]
    per, none = _(per_text), _(none_text)
    baseline = float(baseline_per_year) if _finite(baseline_per_year) else math.nan
    averted = -float(effect) * baseline if _finite(effect) else math.nan
    has_interval = _finite(effect_low) and _finite(effect_high)
    lo_eff, hi_eff = (sorted((float(effect_low), float(effect_high))) if has_interval else (math.nan, math.nan))
    averted_low, averted_high = -hi_eff * baseline, -lo_eff * baseline

    def averted_words(n: float) -> str:
        return (_(averted_text) if n >= 0 else _(more_text)).format(n=_count(n))

    def result(estimate, low, high, unbounded, sentence, status=None) -> CostPer:
        if status is None:
            status = "estimate" if estimate is not None else "not_a_reduction"
        return CostPer(unit=unit, status=status, estimate=estimate, low=low, high=high, upper_unbounded=unbounded,
                       estimate_is_reduction=bool(_finite(averted) and averted > 0),
                       averted_per_year=averted, averted_per_year_low=averted_low,
                       averted_per_year_high=averted_high, baseline_per_year=baseline, sentence=sentence,
                       label=_(label_text))

    if not _finite(annual_cost):
        return result(None, None, None, True, _(
            "The program's annual cost is not recorded, so no cost {per} can be given.").format(per=per),
            "cost_not_recorded")
    cost = float(annual_cost)
    if not _finite(averted):
        return result(None, None, None, True, _(
            "No effect could be estimated, so no cost {per} can be given.").format(per=per), "no_effect")
    if baseline <= 0:
        return result(None, None, None, True, _(
            "The program's districts had none in the year before it started, so none can have been averted "
            "and no cost {per} can be given.").format(per=per), "no_baseline")

    estimate = cost / averted if averted > 0 else None
    if not has_interval:
        if estimate is None:
            return result(None, None, None, True, _(
                "The estimate is not a reduction ({more} than the comparison predicts), so at the estimate the "
                "program averted nothing; no interval could be computed.").format(more=averted_words(averted)))
        return result(estimate, None, None, True, _(
            "About {estimate} {per} ({averted}); no interval could be computed, so how far this could be "
            "from the truth is unknown.").format(estimate=_money(estimate), per=per,
                                                 averted=averted_words(averted)))
    low = cost / averted_high if averted_high > 0 else None
    high = cost / averted_low if averted_low > 0 else None
    if estimate is not None and high is not None:
        return result(estimate, low, high, False, _(
            "About {estimate} {per} (95% interval: {low} to {high}), from about {averted} (95% interval: "
            "{low_n} to {high_n}).").format(estimate=_money(estimate), per=per, low=_money(low), high=_money(high),
                                            averted=averted_words(averted), low_n=_count(averted_low),
                                            high_n=_count(averted_high)))
    if estimate is not None:
        return result(estimate, low, None, True, _(
            "About {estimate} {per}, from about {averted}. The effect's 95% interval includes zero, so the cost's "
            "interval is: at least {low} {per}, or {none}. These data cannot rule out that the program averted "
            "nothing.").format(
            estimate=_money(estimate), per=per, averted=averted_words(averted), low=_money(low), none=none))
    if low is not None:
        return result(None, low, None, True, _(
            "The estimate is not a reduction ({more} than the comparison predicts), so at the estimate the "
            "program averted nothing and there is no cost {per}. The most favorable end of the 95% interval is "
            "{low} {per}; the interval also includes {none}.").format(
            more=averted_words(averted), per=per, low=_money(low), none=none))
    return result(None, None, None, True, _(
        "Neither the estimate nor any part of its 95% interval is a reduction ({more} than the comparison "
        "predicts at the estimate), so there is no cost {per}: the program may have averted nothing.").format(
        more=averted_words(averted), per=per))


def _annual_cost(annual_cost) -> float | None:
    """Dollars per year from a number or from program rows (summed over districts; None when no
    district's cost is recorded: "not recorded" is never 0)."""
    if isinstance(annual_cost, pd.DataFrame):
        values = pd.to_numeric(annual_cost["annual_cost"], errors="coerce")
        return float(values.sum()) if values.notna().any() else None
    if isinstance(annual_cost, (Mapping, pd.Series)):
        annual_cost = annual_cost["annual_cost"]
    return float(annual_cost) if _finite(annual_cost) else None


def _recorded(engagement: Mapping[str, float], *keys: str) -> float | None:
    for key in keys:
        value = engagement.get(key)
        if _finite(value):
            return float(value)
    return None


def cost_effectiveness(
    annual_cost: float | pd.DataFrame | Mapping,
    engagement: Mapping[str, float],
    did,
    baseline_incidents: float,
    years: float = 1.0,
    *,
    hours_scope: str = "districts",
    weight: str = "count",
    baseline_harm: float | None = None,
    harm_did=None,
) -> CostEffectiveness:
    """Cost per officer hour, per attendance, per incident averted and (``weight="harm"``) per harm day averted.

    ``annual_cost``: dollars per year, or program rows (their ``annual_cost`` is summed over
    districts). ``engagement``: ``officer_hours`` and ``attendance`` (``attendees`` is read too)
    delivered over the same ``years``; a missing figure is "not recorded", never 0.
    ``hours_scope``: "program" when the hours are the program's own activities, "districts" when
    they are all engagement in its districts while it ran (the ledger does not say which activities
    belong to a program); the label says which. ``did``: the effect on incidents (anything with
    ``estimate``, ``ci_low``, ``ci_high`` as relative effects, e.g. ``did.DidResult``).
    ``baseline_incidents``: incidents per year the treated districts had before the start.
    ``baseline_harm``: their harm (CCHI days) in that year, ``harm.harm_days``; ``harm_did``: an
    effect estimated on harm-weighted counts (default: the incident effect, assumed to apply to
    every offense group alike, with a note).
    """
    if hours_scope not in HOURS_SCOPES:
        raise ValueError(f"hours_scope must be one of {HOURS_SCOPES}, not {hours_scope!r}")
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {WEIGHTS}, not {weight!r}")
    cost_year = _annual_cost(annual_cost)
    total = cost_year * years if cost_year is not None else None
    hours = _recorded(engagement, "officer_hours")
    attendance = _recorded(engagement, "attendance", "attendees")
    if hours_scope == "program":
        hours_label = _("Per program officer hour")
        hours_note = _("Officer hours of the program's own activities in its districts since it started, summed "
                       "over officers.")
    else:
        hours_label = _("Per officer hour of engagement in the program's districts")
        hours_note = _("All engagement activities in the program's districts while it ran, summed over officers: "
                       "the records do not say which activities belong to the program, so this includes engagement "
                       "that would have happened without it.")
    attendance_note = _("Attendance counts people each time they come: a resident at ten activities is ten "
                        "attendances, so this is not the cost per resident reached.")

    per_incident = cost_per_averted(cost_year, did.estimate, did.ci_low, did.ci_high, baseline_incidents, "incident")
    per_harm = None
    if weight == "harm" and baseline_harm is None:
        raise ValueError('weight="harm" needs baseline_harm (harm.harm_days of the year before the start)')
    if baseline_harm is not None:
        effect = harm_did if harm_did is not None else did
        per_harm = cost_per_averted(cost_year, effect.estimate, effect.ci_low, effect.ci_high, baseline_harm,
                                    "harm_day")
        if harm_did is None:  # the assumption travels with the figure
            per_harm = replace(per_harm, sentence=per_harm.sentence + " " + _(
                "Harm averted assumes the program reduced every kind of incident in the same proportion: the "
                "evaluation estimated one effect on all incidents."))
    return CostEffectiveness(
        annual_cost=cost_year, total_cost=total, years=float(years),
        officer_hours=hours, hours_scope=hours_scope,
        cost_per_officer_hour=total / hours if total is not None and hours else None,
        hours_label=hours_label, hours_note=hours_note,
        attendance=attendance,
        cost_per_attendance=total / attendance if total is not None and attendance else None,
        attendance_label=_("Per attendance"), attendance_note=attendance_note,
        per_incident=per_incident, per_harm=per_harm, weight=weight,
    )
