"""The Program evaluation page's event study, drawn with Vega-Lite (``figures.vega``: why, and the shared
look). Pure: a program's result in, a chart out. No Streamlit here.

An event study shows the relative difference between treated and comparison districts in each period around
the program's start. Periods before the start should hover around zero (parallel trends); the reference
period (just before the start) is fixed at zero by construction. Each point carries its 95 % interval, and
the subtitle says what the check before the start found without claiming more than a weak check can.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from community_policing.accessibility import CHART_TEXT
from community_policing.figures import vega
from community_policing.figures.style import POINT_COLOR
from community_policing.i18n import _
from community_policing.views import evaluation

START_COLOR = "#D55E00"  # the dashed line where the program starts (vermillion, Okabe-Ito)
ZERO_COLOR = "#555555"


def pretrend_words(pretrend_ok: bool | None, check: str | None = None) -> str:
    """What the check before the start found, in words a weak check can stand behind (never "consistent
    with parallel trends"); ``check`` replaces them when given."""
    if check is not None:
        return check
    return (_("the months before the start were not assessed") if pretrend_ok is None else
            _("no clear difference before the start (a weak check with few districts)") if pretrend_ok else
            _("the months before the start differ: the pre-trend check failed"))


def event_study(event: pd.DataFrame, outcome_label: str, title: str, pretrend_ok: bool | None,
                check: str | None = None, staggered: bool = False):
    """Treated minus comparison districts, % difference with 95 % intervals, in each period relative to the
    start (``event``: ``rel_period``, ``coef``, ``ci_low``, ``ci_high``, ``first_month``; from
    ``did.evaluate``). ``pretrend_ok`` None means the check was not assessed. ``staggered``: districts
    started on different dates, so each is lined up on its own start."""
    subtitle = _("{outcome}: treated minus comparison districts, % difference with 95% intervals; {check}").format(
        outcome=outcome_label, check=pretrend_words(pretrend_ok, check))
    if event.empty:
        return vega.empty(title, _("No periods around the start to compare."), subtitle)
    period, difference, low, high = _("Period"), _("% difference"), _("95% interval, low"), _("95% interval, high")
    part, starting = _("Part"), _("Period starting")
    before, after = _("Before the start (should be near 0)"), _("After the start")
    data = pd.DataFrame({
        period: event["rel_period"].astype(int),
        difference: (event["coef"].astype(float) * 100).round(2),
        low: (event["ci_low"].astype(float) * 100).round(2),
        high: (event["ci_high"].astype(float) * 100).round(2),
        part: [before if p < 0 else after for p in event["rel_period"]],
        starting: pd.to_datetime(event["first_month"]).dt.strftime("%Y-%m"),
    })
    x_title = (_("Quarters relative to each district's own start (−1 = the quarter before, the reference)")
               if staggered else _("Quarters relative to the start (−1 = the quarter before, the reference)"))
    x = alt.X(field=period, type="quantitative", title=vega.lines(x_title, 60),
              axis=alt.Axis(tickMinStep=1, format="d"))
    colour = alt.Color(field=part, type="nominal", title=None,
                       scale=alt.Scale(domain=[before, after], range=[vega.PRIOR_COLOR, POINT_COLOR]))
    tooltip = [alt.Tooltip(field=part, type="nominal"), alt.Tooltip(field=starting, type="nominal"),
               alt.Tooltip(field=difference, type="quantitative", format="+.1f"),
               alt.Tooltip(field=low, type="quantitative", format="+.1f"),
               alt.Tooltip(field=high, type="quantitative", format="+.1f")]
    base = alt.Chart()  # the layer's own data (below): the first dataset, what the toolbar's "Show data" shows
    intervals = base.mark_rule(strokeWidth=1.2).encode(
        x=x, y=alt.Y(field=low, type="quantitative"), y2=alt.Y2(field=high), color=colour, tooltip=tooltip)
    lines = base.mark_line(strokeWidth=1.5, point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        x=x, y=alt.Y(field=difference, type="quantitative", title=_("% difference"),
                     axis=alt.Axis(labelExpr="datum.label + '%'")),
        color=colour, detail=alt.Detail(field=part, type="nominal"), tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(color=ZERO_COLOR, strokeDash=[2, 3]).encode(
        y=alt.Y(field="zero", type="quantitative"))
    start = alt.Chart(pd.DataFrame({"at": [-0.5], "label": [_("program starts")]}))
    start_line = start.mark_rule(color=START_COLOR, strokeDash=[6, 4], strokeWidth=1.5).encode(
        x=alt.X(field="at", type="quantitative"))
    # The label in dark text beside the vermillion line: vermillion text has 3.8:1 on white (small text needs 4.5:1).
    start_label = start.mark_text(align="left", baseline="top", dx=4, dy=4, color=CHART_TEXT, fontSize=12).encode(
        x=alt.X(field="at", type="quantitative"), y=alt.value(0), text=alt.Text(field="label", type="nominal"))
    chart = alt.layer(zero, start_line, intervals, lines, start_label, data=data).properties(height=360)
    return vega.finish(chart, title, subtitle)


def event_study_figure(res, outcome_label: str, title: str):
    """The event-study chart of a program evaluation (``evaluation.evaluate``), its subtitle saying what the
    check before the start found (or that it was not assessed)."""
    return event_study(res.event_study, outcome_label, title=title, pretrend_ok=res.pretrend_ok,
                       check=evaluation.pretrend_reading(res), staggered=res.staggered)
