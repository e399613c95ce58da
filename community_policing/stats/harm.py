"""Weighting incidents by harm: a crime severity index per offense group (Cambridge Crime Harm Index).

A count of incidents treats a homicide and a shoplifting as one each. A harm index weights each
offense by how serious it is, so "harm averted" can be set beside "incidents averted".

Where the weights come from
---------------------------

The Cambridge Crime Harm Index (CCHI; Sherman, Neyroud and Neyroud 2016, "The Cambridge Crime
Harm Index: Measuring Total Harm from Crime Based on Sentencing Guidelines", *Policing* 10(3),
171-183, doi:10.1093/police/paw003) gives each offense the number of days of imprisonment of the
*starting-point* sentence in the Sentencing Council guidelines for England and Wales, for a first
offender at the least aggravated level of the offense (offenses that draw a fine count the days
a minimum-wage worker would need to earn it). It was chosen over indices built from average
sentences actually passed because the starting point is set publicly, once, and does not move with
local sentencing practice. The Institute of Criminology (University of Cambridge) publishes the
values for some 700 offense codes as a spreadsheet; the values here are that sheet's typical value
(median) for the offense subgroups that match each of this project's FBI UCR offense groups
(``community_policing.data.offenses``). Check them against the current sheet before quoting a harm total
outside this dashboard: the sheet is revised when the guidelines change (burglary in 2022).

Mapping English offenses onto US UCR groups is a judgement; each choice is in ``HARM_WEIGHTS``
(``basis``), shown on How to read these numbers. Two choices matter most:

* **Drug and weapons offenses are not counted** (weight 0). The CCHI leaves out offenses found by
  proactive policing (drug possession and supply, weapon carrying): their numbers measure police
  activity, not harm to victims. A community-policing program that changes patrol activity would
  otherwise "avert" or "cause" harm by finding more or fewer of them.
* **One weight per group.** A group mixes offenses of different severity (UCR aggravated assault
  spans a threatened attack with a weapon and a wounding with intent). The weight is the typical
  one, so a harm total is an index, not a count of prison days anyone would serve.

Harm averted by a program
-------------------------

The program evaluation estimates one relative effect on all counted incidents. Harm averted is
that effect times the treated districts' harm in the year before the start, which assumes the
program reduced every offense group in the same proportion; ``costs.cost_effectiveness`` says so
beside the figure (or takes an effect estimated on the harm-weighted series itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from community_policing.i18n import N_
from community_policing.data.offenses import OFFENSE_GROUPS

__all__ = ["HARM_UNIT", "HARM_WEIGHTS", "METHOD_NOTE", "HarmWeight", "harm_days", "harm_monthly", "weights_table"]

HARM_UNIT = N_("harm days")
SOURCE = ("Cambridge Crime Harm Index (Sherman, Neyroud and Neyroud 2016, Policing 10(3) 171-183), "
          "Institute of Criminology, University of Cambridge")


@dataclass(frozen=True)
class HarmWeight:
    """One offense group's harm weight: ``days`` of the starting-point prison sentence (CCHI),
    ``counted`` False for groups the CCHI leaves out (their weight is 0 in every total), and the
    ``basis`` of the choice in plain words (English, marked for translation)."""

    offense_group: str
    days: float
    counted: bool
    basis: str

    @property
    def weight(self) -> float:
        return self.days if self.counted else 0.0


HARM_WEIGHTS: dict[str, HarmWeight] = {w.offense_group: w for w in (
    HarmWeight("homicide", 5475.0, True, N_(
        "5,475 days (15 years): the starting point of the minimum term for murder, the CCHI's homicide value.")),
    HarmWeight("rape", 1825.0, True, N_(
        "1,825 days (5 years): the starting point for rape of a person aged 16 or over at the lowest level "
        "of harm, the lowest CCHI rape value.")),
    HarmWeight("robbery", 365.0, True, N_(
        "365 days (1 year): the CCHI value for robbery, the same for street and business robbery.")),
    HarmWeight("aggravated_assault", 365.0, True, N_(
        "365 days: the typical CCHI value of violence with injury. The US group (an attack with a weapon or "
        "causing serious injury) spans offenses the CCHI weights from a few weeks to several years.")),
    HarmWeight("burglary", 240.0, True, N_(
        "240 days: the CCHI's residential (about 270 days) and non-residential burglary (about 180) "
        "weighted by the US mix, in which about 60% of burglaries are residential.")),
    HarmWeight("larceny", 2.0, True, N_(
        "2 days: the typical CCHI value of theft other than shoplifting (shoplifting is 1 day).")),
    HarmWeight("vehicle_theft", 5.0, True, N_(
        "5 days: the typical CCHI value of vehicle offenses (taking a vehicle without consent, theft of or "
        "from a vehicle).")),
    HarmWeight("arson", 185.0, True, N_(
        "185 days: the typical CCHI value of arson, between damage by fire and arson endangering life.")),
    HarmWeight("simple_assault", 10.0, True, N_(
        "10 days: the typical CCHI value of violence without injury (common assault).")),
    HarmWeight("vandalism", 2.0, True, N_("2 days: the typical CCHI value of criminal damage.")),
    HarmWeight("drugs", 3.0, False, N_(
        "Not counted: drug offenses are found by proactive policing, so their number measures police "
        "activity, not harm; the CCHI leaves them out (it would weight possession about 3 days, supply 5).")),
    HarmWeight("weapons", 274.0, False, N_(
        "Not counted: weapons offenses are mostly found by police stops and searches, which the CCHI leaves "
        "out (it would weight possession about 274 days).")),
    HarmWeight("other", 10.0, True, N_(
        "10 days: the typical CCHI value of its miscellaneous offenses against society; the US group mixes "
        "fraud, disorderly conduct, driving under the influence and more.")),
)}

METHOD_NOTE = N_(
    "Weighting by harm. A count treats a homicide and a stolen bicycle as one incident each. With the harm "
    "option, each incident counts the days of prison that the starting-point sentence for its offense "
    "would carry in the sentencing guidelines of England and Wales, the Cambridge Crime Harm Index "
    "(Sherman, Neyroud and Neyroud, 2016): a homicide 5,475 days, a robbery 365, a theft 2. The weights "
    "measure seriousness as a public sentencing body ranks it, not what a crime cost a victim, and the "
    "index was built for England and Wales; each offense group's weight and why it was chosen is in the "
    "table. Drug and weapons offenses are not counted, because they are found by police activity, not "
    "reported by victims. Harm averted by a program assumes it reduced every kind of incident in the same "
    "proportion, unless the evaluation estimated the effect on the harm-weighted count itself."
)


def weights_table() -> pd.DataFrame:
    """One row per offense group: offense_group, label (English, translate where shown), days,
    counted, weight (days, 0 when not counted), basis (English, translate where shown)."""
    labels = {code: label for code, label, _category, _part in OFFENSE_GROUPS}
    return pd.DataFrame([
        {"offense_group": code, "label": labels[code], "days": w.days, "counted": w.counted,
         "weight": w.weight, "basis": w.basis}
        for code, w in HARM_WEIGHTS.items()
    ], columns=["offense_group", "label", "days", "counted", "weight", "basis"])


def _weights_for(groups: pd.Series) -> pd.Series:
    unknown = sorted(set(groups.dropna().astype(str)) - set(HARM_WEIGHTS))
    if unknown:
        raise ValueError(f"no harm weight for offense group(s) {', '.join(unknown)}; "
                         f"known: {', '.join(HARM_WEIGHTS)}")
    return groups.astype(str).map({code: w.weight for code, w in HARM_WEIGHTS.items()}).astype(float)


def harm_days(counts: pd.DataFrame, value: str = "incidents") -> float:
    """Total harm (CCHI days) of incident counts per offense group (columns offense_group and
    ``value``). Rows without an offense group carry no known harm and are left out; an unknown
    group is an error (every source is classified into ``offenses.OFFENSE_GROUPS``)."""
    rows = counts[counts["offense_group"].notna()]
    if rows.empty:
        return 0.0
    return float((pd.to_numeric(rows[value]).astype(float) * _weights_for(rows["offense_group"])).sum())


def harm_monthly(counts: pd.DataFrame, value: str = "incidents") -> pd.DataFrame:
    """Harm-weighted counts per district and month from counts per district, month and offense group:
    columns district_id, month, harm (CCHI days). A panel for ``synthetic.synthetic_did(kind="count",
    value="harm")`` when the effect on harm itself is wanted."""
    rows = counts[counts["offense_group"].notna()]
    weighted = rows.assign(harm=pd.to_numeric(rows[value]).astype(float) * _weights_for(rows["offense_group"]))
    return weighted.groupby(["district_id", "month"], as_index=False)["harm"].sum()
