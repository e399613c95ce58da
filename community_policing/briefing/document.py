"""What a briefing is, as the builder hands it to the renderers: the request, the finished content, and the
few words and helpers both renderers share (the PDF in ``pdf``, the slide deck in ``slides``).

Why a module of its own: the builder (``content``) and the two renderers all need these, and the builder also
calls the renderers; with the shared pieces here nobody imports back up, so there is no import cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from community_policing import i18n
from community_policing.i18n import N_, _
from community_policing.views import metrics, privacy

Progress = Callable[[float, str], None]

# Shown translated: _(SIMULATED_STAMP), _(ASSOCIATION_NOTE).
SIMULATED_STAMP = N_("SIMULATED DEMO DATA - a fictional city; no number describes real places or people")
ASSOCIATION_NOTE = N_("Engagement and crime are shown side by side: an association, not an effect. Engagement is "
                      "often sent where crime is high or rising.")

@dataclass(frozen=True)
class BriefingRequest:
    start: dt.date
    end: dt.date
    district_id: str | None = None  # None: citywide
    offense_group: str = "all"
    date_basis: str = "occurred"
    # Public mode: the privacy rules (small counts hidden in every table, figure and sentence); None
    # for staff, who see everything.
    rules: privacy.Rules | None = None

    @property
    def period(self) -> metrics.Period:
        return metrics.Period(self.start, self.end)


@dataclass
class Briefing:
    """Everything a briefing shows, as text and tables (renderers only lay it out)."""

    request: BriefingRequest
    city: str
    scope: str                    # "Citywide" or "District 3 - Northside"
    period_text: str
    comparison_text: str
    as_of: dt.date | None
    built_at: str
    simulated: bool
    data_label: str
    offense_label: str
    kpis: pd.DataFrame            # measure, this_period, a_year_earlier, change, reading
    kpi_values: dict              # the raw numbers behind the KPI table (tests compare them)
    takeaways: list[str]
    figures: dict[str, go.Figure]
    captions: dict[str, str]
    engagement: pd.DataFrame
    trust: pd.DataFrame
    trust_note: str
    programs: pd.DataFrame
    program_note: str
    notes: list[str] = field(default_factory=list)
    trust_takeaway: str | None = None  # the takeaway about trust (the slide deck's trust slide says it)
    lang: str = i18n.DEFAULT           # the language the text is in
    # Which offenses rose and fell (display columns; "_z" for code) and the areas of the map as a table.
    offenses: pd.DataFrame = field(default_factory=pd.DataFrame)
    offense_note: str = ""
    offense_takeaway: str | None = None  # which offenses rose or fell beyond normal variation ("In brief")
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    area_heading: str = ""
    stale: str | None = None           # "The latest data is from December 2019, about 7 years ago." (old data)

    @property
    def title(self) -> str:
        with speaking(self.lang):
            return _("{scope}: community policing briefing").format(scope=self.scope)

    def file_stem(self) -> str:
        """The file name without extension: English words (a name, not text), the language when not English."""
        place = "citywide" if self.request.district_id is None else f"district_{self.request.district_id}"
        lang = "" if self.lang == i18n.DEFAULT else f"_{self.lang}"
        label = "_simulated" if self.simulated else ""
        public = "_public" if self.request.rules is not None else ""
        return f"briefing_{place}_{self.request.start:%Y%m%d}_{self.request.end:%Y%m%d}{lang}{public}{label}"


speaking = i18n.speaking  # the renderers speak the briefing's language (kept here for them)


def shown_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a renderer prints: not those for code ("_score", "_clear", ...)."""
    return frame[[c for c in frame.columns if not str(c).startswith("_")]]


def kpi_headers() -> dict[str, str]:
    """The KPI table's printed column names, in the current language."""
    return {"measure": _("Measure"), "this_period": _("This period"), "a_year_earlier": _("A year earlier"),
            "change": _("Change"), "reading": _("Reading / denominator")}
