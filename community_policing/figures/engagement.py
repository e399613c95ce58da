"""Pure figure functions for the "Engagement vs outcomes" page: DataFrame in, Vega-Lite chart (Altair) out:
the scatter of engagement against the change that followed, the districts' engagement as bars, and who takes
part against who lives there. Vega-Lite, not Plotly, so that the page's first view loads no Plotly script
(``figures.vega`` says why).

Same conventions as ``figures.vega``: a title that states the takeaway with a subtitle saying what is
counted, units on the axes, the Okabe-Ito palette (``style.CATEGORICAL``) for districts, tooltips with
thousands separators, and a chart with a plain sentence in it rather than an exception when there is
nothing to draw. The data handed to a chart is what it draws or shows in its tooltips, under column names in
the reader's words (Streamlit's "Show data" shows the chart's first dataset as a table). No Streamlit here.
"""

from __future__ import annotations

import json
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd

from community_policing.accessibility import CHART_TEXT
from community_policing.figures import vega
from community_policing.figures.style import CATEGORICAL, POINT_COLOR
from community_policing.i18n import N_, _

TREND_COLOR = "#333333"
BAND_COLOR = "#dcdcdc"  # the slope's 95% interval, light grey behind the points
ZERO_COLOR = "#888888"
RESIDENTS_COLOR = "#BBBBBB"
BAR_COLOR = CATEGORICAL[0]
# Okabe-Ito has eight colours; districts past the eighth reuse them with another marker shape.
SHAPES = ["circle", "diamond", "square", "triangle-up", "cross"]
# The fitted line's legend entry (tests find the scatter by it) and the band's.
TREND_NAME = N_("Fitted slope, within districts and quarters")
BAND_NAME = N_("95% CI of the slope")
# Streamlit fits a stretched chart's whole height (title, legend, axes) into its height unless told: only the
# width is fitted here, so the height is the plot's and a long title or legend does not squash it.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")
# The lead of engagement_stats.ASSOCIATION_CAPTION, carried in every scatter's subtitle.
ASSOCIATION_LEAD = N_("Association, not effect")


def district_styles(district_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker shape) per district, in the given order: the same district looks the same
    in every chart of the page."""
    out = {}
    for i, d in enumerate(dict.fromkeys(str(x) for x in district_ids)):
        out[d] = (CATEGORICAL[i % len(CATEGORICAL)], SHAPES[(i // len(CATEGORICAL)) % len(SHAPES)])
    return out


def _plain(label: str) -> str:
    return " ".join(label.replace("<br>", " ").split())


def association_scatter(
    points: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    x_label: str,
    y_label: str,
    slope: float,
    intercept: float,
    slope_low: float | None = None,
    slope_high: float | None = None,
    y_suffix: str = "",
    district_order: Sequence[str] | None = None,
):
    """One marker per district-quarter (x: engagement, y: later change), coloured by district, with
    the fitted line y = intercept + slope * x and, when given, the band between the lines with the
    interval's slopes through the points' mean (where a least-squares line always passes). An
    infinite interval end (the data cannot bound the slope) draws no band. A dotted line marks no change.

    ``points`` needs district_id, district_name, x, y, engagement_quarter, change_from, change_to.
    The subtitle is prefixed with "Association, not effect"; ``x_label`` and ``y_label`` (a "<br>" breaks
    the axis title) name the axes and the plotted columns.
    """
    lead = _(ASSOCIATION_LEAD)
    full_subtitle = f"{lead}. {subtitle}" if subtitle else lead
    if points.empty:
        return vega.empty(title, _("No district-quarter has both engagement and the later change."),
                          full_subtitle)
    ids = points["district_id"].astype(str)
    order = [str(d) for d in district_order] if district_order is not None else []
    order += [d for d in dict.fromkeys(ids) if d not in order]
    order = [d for d in order if d in set(ids)]
    styles = district_styles(order)
    names = points.assign(_id=ids).drop_duplicates("_id").set_index("_id")["district_name"].astype(str)
    domain = [names[d] for d in order]

    district, quarter, start, end = _("District"), _("Engagement quarter"), _("Change from"), _("Change to")
    x_name, y_name = _plain(x_label), _plain(y_label)
    data = pd.DataFrame({
        district: points["district_name"].astype(str).to_numpy(),
        quarter: points["engagement_quarter"].astype(str).to_numpy(),
        x_name: points["x"].astype(float).round(4).to_numpy(),
        start: points["change_from"].astype(str).to_numpy(),
        end: points["change_to"].astype(str).to_numpy(),
        y_name: points["y"].astype(float).round(4).to_numpy(),
    })
    suffix = y_suffix.replace("'", "\\'")
    # axis titles as narrow as a chart title: a phone's x axis title is centred under a 300 px plot
    x_title, y_title = vega.lines(x_label, vega.TITLE_WIDTH), vega.lines(y_label, vega.SUBTITLE_WIDTH)
    x_axis = alt.X(field=vega.field(x_name), type="quantitative", title=x_title,
                   scale=alt.Scale(zero=False, nice=True), axis=alt.Axis(grid=True, tickCount=6))
    y_axis = alt.Y(field=vega.field(y_name), type="quantitative", title=y_title,
                   scale=alt.Scale(zero=False, nice=True),
                   axis=alt.Axis(grid=True, labelExpr=f"datum.label + '{suffix}'" if suffix else alt.Undefined))
    change_text = "change_shown"
    marks = alt.Chart().transform_calculate(
        **{change_text: f"format(datum[{json.dumps(y_name)}], '+,.1f') + {json.dumps(y_suffix)}"}
    ).mark_point(filled=True, size=70, opacity=0.85, stroke="#333333", strokeWidth=0.6).encode(
        x=x_axis, y=y_axis,
        color=alt.Color(field=vega.field(district), type="nominal", title=district,
                        scale=alt.Scale(domain=domain, range=[styles[d][0] for d in order]),
                        legend=alt.Legend(columns=1, symbolStrokeWidth=0.6)),  # two columns: wider than a phone
        shape=alt.Shape(field=vega.field(district), type="nominal", title=district,
                        scale=alt.Scale(domain=domain, range=[styles[d][1] for d in order])),
        tooltip=[alt.Tooltip(field=vega.field(district), type="nominal", title=district),
                 alt.Tooltip(field=vega.field(quarter), type="nominal", title=quarter),
                 alt.Tooltip(field=vega.field(x_name), type="quantitative", format=",.2f", title=x_name),
                 alt.Tooltip(field=vega.field(start), type="nominal", title=start),
                 alt.Tooltip(field=vega.field(end), type="nominal", title=end),
                 alt.Tooltip(field=change_text, type="nominal", title=y_name)],
    )

    xs = points["x"].astype(float).to_numpy()
    x_line = np.linspace(float(np.nanmin(xs)), float(np.nanmax(xs)), 50)
    line_x, line_y, low, high = "x", "y", "low", "high"  # not shown: only the lines' coordinates
    band = trend = None
    if slope_low is not None and slope_high is not None and np.isfinite([slope_low, slope_high, slope]).all():
        x_mid = float(np.mean(xs))
        y_mid = intercept + slope * x_mid
        lo = y_mid + slope_low * (x_line - x_mid)
        hi = y_mid + slope_high * (x_line - x_mid)
        band = pd.DataFrame({line_x: x_line, low: np.minimum(lo, hi), high: np.maximum(lo, hi)})
    if np.isfinite([slope, intercept]).all():
        trend = pd.DataFrame({line_x: x_line, line_y: intercept + slope * x_line})
    keys = [(name, colour) for name, colour, frame in ((_(TREND_NAME), TREND_COLOR, trend),
                                                        (_(BAND_NAME), BAND_COLOR, band)) if frame is not None]

    def key() -> alt.Color:
        """The line's and the band's own colour key, beside the districts' (an independent scale)."""
        return alt.Color(field="series", type="nominal", title=None,
                         scale=alt.Scale(domain=[k for k, _c in keys], range=[c for _k, c in keys]),
                         # above the plot: two legends side by side below it are wider than a phone
                         # a long name on two lines (after its comma): beside the y axis it is wider than a phone
                         legend=alt.Legend(orient="top", direction="vertical", symbolType="stroke",
                                           symbolStrokeWidth=4, labelExpr="split(datum.label, ', ')"))

    fitted = []
    if band is not None:
        fitted.append(alt.Chart(band.assign(series=_(BAND_NAME))).mark_area(opacity=1).encode(
            x=alt.X(field=line_x, type="quantitative", title=x_title),
            y=alt.Y(field=low, type="quantitative", title=y_title),
            y2=alt.Y2(field=high), color=key()))
    if trend is not None:
        fitted.append(alt.Chart(trend.assign(series=_(TREND_NAME))).transform_calculate(
            trend_shown=f"format(datum.y, '+,.1f') + '{suffix}'").mark_line(strokeWidth=2.5).encode(
            x=alt.X(field=line_x, type="quantitative", title=x_title),
            y=alt.Y(field=line_y, type="quantitative", title=y_title),
            color=key(),
            tooltip=[alt.Tooltip(field="trend_shown", type="nominal", title=_("trend"))]))
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color=ZERO_COLOR, strokeDash=[2, 3]).encode(
        y=alt.Y(field="zero", type="quantitative", title=y_title))
    parts = ([alt.layer(*fitted)] if fitted else []) + [zero, marks]
    # The points are the chart's first dataset: what Streamlit's "Show data" shows (the others are lines).
    chart = alt.layer(*parts, data=data).resolve_scale(color="independent", shape="independent") \
        .properties(height=380, autosize=FIT_WIDTH)
    return vega.finish(chart, title, full_subtitle)


def intensity_bars(table: pd.DataFrame, column: str, x_label: str, title: str, subtitle: str):
    """One horizontal bar per district (``table`` from ``engagement_view.latest_intensity``), highest at
    the top, its value written at its end. One colour: the bars are labelled, and a ninth district would
    repeat a palette colour."""
    values = pd.to_numeric(table[column], errors="coerce").astype(float)
    district = _("District")
    data = pd.DataFrame({district: table["district_name"].astype(str).to_numpy(), x_label: values.to_numpy()})
    data = data.dropna(subset=[x_label])
    if data.empty:
        return vega.empty(title, _("No district has a value for this measure."), subtitle)
    data = data.sort_values(x_label, ascending=False, kind="stable")
    order = data[district].tolist()
    top = float(max(data[x_label].max(), 0.0))
    base = alt.Chart(data).encode(
        y=alt.Y(field=vega.field(district), type="nominal", sort=order, title=None,
                axis=alt.Axis(labelLimit=190, ticks=False, domain=False)),
        x=alt.X(field=vega.field(x_label), type="quantitative", title=vega.lines(x_label, vega.TITLE_WIDTH),
                # room at the right for the numbers written past the longest bar
                scale=alt.Scale(domain=[0, top * 1.18 if top > 0 else 1], nice=False),
                axis=alt.Axis(grid=True, format=vega.COUNT if top >= 5 else vega.ONE_DECIMAL, tickCount=5)),
        tooltip=[alt.Tooltip(field=vega.field(district), type="nominal", title=district),
                 alt.Tooltip(field=vega.field(x_label), type="quantitative", format=",.2f", title=x_label)],
    )
    bars = base.mark_bar(color=BAR_COLOR, height={"band": 0.75})
    numbers = base.mark_text(align="left", dx=4, fontSize=12, color=CHART_TEXT).encode(
        text=alt.Text(field=vega.field(x_label), type="quantitative", format=vega.ONE_DECIMAL))
    chart = alt.layer(bars, numbers).properties(height=max(120, 30 * len(data)), autosize=FIT_WIDTH)
    return vega.finish(chart, title, subtitle)


def representativeness_chart(table: pd.DataFrame, district_name: str, dimension_label: str):
    """Share of attendees beside share of residents, per group, for one district (with the attendee share's
    95% interval as an error bar). ``table``: one district from ``engagement_view.named_groups`` (groups
    named, readings as codes)."""
    over = table.loc[table["reading"] == "over-represented", "demographic_group"].tolist()
    under = table.loc[table["reading"] == "under-represented", "demographic_group"].tolist()
    takeaway = (_("{district}: {groups} over-represented among attendees").format(
        district=district_name, groups=", ".join(over)) if over
                else _("{district}: attendees resemble residents").format(district=district_name))
    if under:
        takeaway += _("; {groups} under-represented").format(groups=", ".join(under))
    subtitle = _("{dimension}: share of attendees (with 95% interval) beside share of residents").format(
        dimension=dimension_label)
    group, who, share, people = _("Group"), _("Who"), _("% of people"), _("People")
    low, high, reading = _("95% interval, low (%)"), _("95% interval, high (%)"), _("Reading")
    residents, attendees = _("Residents"), _("Attendees")
    groups = table["demographic_group"].astype(str).tolist()
    res = pd.DataFrame({group: groups, who: residents, share: (table["resident_share"] * 100).round(2).to_numpy(),
                        people: table["residents"].to_numpy()})
    att = pd.DataFrame({group: groups, who: attendees, share: (table["attendee_share"] * 100).round(2).to_numpy(),
                        people: table["attendees"].to_numpy(),
                        low: (table["share_ci_low"] * 100).round(2).to_numpy(),
                        high: (table["share_ci_high"] * 100).round(2).to_numpy(),
                        reading: [_(r) if isinstance(r, str) else "" for r in table["reading"]]})
    data = pd.concat([res, att], ignore_index=True)
    data[people] = pd.to_numeric(data[people], errors="coerce").astype(float)
    x = alt.X(field=vega.field(group), type="nominal", sort=groups, title=None,
              # every group named, on a phone too: a name of several words on several lines
              axis=alt.Axis(labelAngle=0, labelLimit=120, labelOverlap=False, labelExpr="split(datum.label, ' ')"))
    offset = alt.XOffset(field=vega.field(who), type="nominal", sort=[residents, attendees])
    tooltip = [alt.Tooltip(field=vega.field(group), type="nominal", title=group),
               alt.Tooltip(field=vega.field(who), type="nominal", title=who),
               alt.Tooltip(field=vega.field(share), type="quantitative", format=vega.ONE_DECIMAL, title=share),
               alt.Tooltip(field=vega.field(people), type="quantitative", format=vega.COUNT, title=people)]
    bars = alt.Chart(data).mark_bar().encode(
        x=x, xOffset=offset,
        y=alt.Y(field=vega.field(share), type="quantitative", title=_("% of people"),
                axis=alt.Axis(labelExpr="datum.label + '%'", grid=True)),
        color=alt.Color(field=vega.field(who), type="nominal", title=None,
                        scale=alt.Scale(domain=[residents, attendees], range=[RESIDENTS_COLOR, POINT_COLOR])),
        tooltip=tooltip + [alt.Tooltip(field=vega.field(low), type="quantitative", format=vega.ONE_DECIMAL, title=low),
                           alt.Tooltip(field=vega.field(high), type="quantitative", format=vega.ONE_DECIMAL, title=high),
                           alt.Tooltip(field=vega.field(reading), type="nominal", title=reading)],
    )
    whiskers = alt.Chart(data).transform_filter(alt.FieldEqualPredicate(field=vega.field(who), equal=attendees)) \
        .mark_rule(color="#222222", strokeWidth=1.5).encode(
        x=x, xOffset=offset, y=alt.Y(field=vega.field(low), type="quantitative", title=_("% of people")),
        y2=alt.Y2(field=vega.field(high)))
    chart = alt.layer(bars, whiskers).properties(height=280, autosize=FIT_WIDTH)
    return vega.finish(chart, takeaway, subtitle)
