"""Pure figure functions for the "Engagement vs outcomes" page: DataFrame in, plotly Figure out.

Same conventions as ``figures`` and ``district_figures``: a title that states the takeaway with a
subtitle saying what is counted, units on the axes, the Okabe-Ito palette (``figures.CATEGORICAL``)
for districts, and a figure with a plain note in it rather than an exception when there is
nothing to draw. No Streamlit here.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from community_policing.figures.district import empty_figure, wrap_title
from community_policing.figures.style import CATEGORICAL, FONT
from community_policing.i18n import N_, _

GRID = "#eeeeee"
TREND_COLOR = "#333333"
BAND_FILL = "rgba(51, 51, 51, 0.10)"
BAR_COLOR = CATEGORICAL[0]
# Okabe-Ito has eight colours; districts past the eighth reuse them with another marker shape.
SYMBOLS = ["circle", "diamond", "square", "triangle-up", "x"]
# The fitted line's legend entry (tests find the scatter by it).
TREND_NAME = N_("Fitted slope, within districts and quarters")
# The lead of engagement_stats.ASSOCIATION_CAPTION, carried in every scatter's subtitle.
ASSOCIATION_LEAD = N_("Association, not effect")


def district_styles(district_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker symbol) per district, in the given order: the same district looks the same
    in every chart of the page."""
    out = {}
    for i, d in enumerate(dict.fromkeys(str(x) for x in district_ids)):
        out[d] = (CATEGORICAL[i % len(CATEGORICAL)], SYMBOLS[(i // len(CATEGORICAL)) % len(SYMBOLS)])
    return out


# Subtitles are set in a smaller font than titles, so more characters fit on a line.
SUBTITLE_WIDTH = 140


def _layout(fig: go.Figure, title: str, subtitle: str, height: int, **extra) -> go.Figure:
    title = wrap_title(title)
    subtitle = "<br>".join(wrap_title(line, SUBTITLE_WIDTH) for line in subtitle.split("<br>"))
    extra_px = 22 * title.count("<br>") + 15 * subtitle.count("<br>")
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}, "yref": "container", "y": 1.0, "yanchor": "top",
               "pad": {"t": 14}},
        font=FONT, plot_bgcolor="white", height=height + extra_px,
        margin=dict(l=10, r=10, t=84 + extra_px, b=10),
        **extra,
    )
    fig.update_xaxes(gridcolor=GRID, zeroline=False)
    fig.update_yaxes(gridcolor=GRID, zeroline=False)
    return fig


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
) -> go.Figure:
    """One marker per district-quarter (x: engagement, y: later change), coloured by district, with
    the fitted line y = intercept + slope * x and, when given, the band between the lines with the
    interval's slopes through the points' mean (where a least-squares line always passes). An
    infinite interval end (the data cannot bound the slope) draws no band.

    ``points`` needs district_id, district_name, x, y, engagement_quarter, change_from, change_to.
    The subtitle is prefixed with "Association, not effect".
    """
    lead = _(ASSOCIATION_LEAD)
    full_subtitle = f"{lead}. {subtitle}" if subtitle else lead
    if points.empty:
        return empty_figure(title, _("No district-quarter has both engagement and the later change."), full_subtitle)
    order = list(district_order) if district_order is not None else list(dict.fromkeys(points["district_id"]))
    order += [d for d in dict.fromkeys(points["district_id"].astype(str)) if d not in order]
    styles = district_styles(order)
    fig = go.Figure()
    xs = points["x"].astype(float).to_numpy()
    x_line = np.linspace(float(np.nanmin(xs)), float(np.nanmax(xs)), 50)
    if slope_low is not None and slope_high is not None and np.isfinite([slope_low, slope_high, slope]).all():
        x_mid = float(np.mean(xs))
        y_mid = intercept + slope * x_mid
        lo = y_mid + slope_low * (x_line - x_mid)
        hi = y_mid + slope_high * (x_line - x_mid)
        fig.add_trace(go.Scatter(x=np.concatenate([x_line, x_line[::-1]]),
                                 y=np.concatenate([np.maximum(lo, hi), np.minimum(lo, hi)[::-1]]),
                                 fill="toself", fillcolor=BAND_FILL, line=dict(width=0), hoverinfo="skip",
                                 name=_("95% CI of the slope"), legendrank=2))
    for district_id in order:
        part = points[points["district_id"].astype(str) == district_id]
        if part.empty:
            continue
        colour, symbol = styles[district_id]
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["y"], mode="markers", name=str(part["district_name"].iloc[0]),
            marker=dict(color=colour, symbol=symbol, size=8, opacity=0.8, line=dict(color="#333333", width=0.6)),
            customdata=part[["district_name", "engagement_quarter", "change_from", "change_to"]].to_numpy(),
            hovertemplate=("<b>%{customdata[0]}</b><br>" + _("engagement in {quarter}").format(
                quarter="%{customdata[1]}") + ": %{x:,.2f}<br>" + _("change {start} → {end}").format(
                start="%{customdata[2]}", end="%{customdata[3]}") + f": %{{y:+,.1f}}{y_suffix}<extra></extra>"),
            legendrank=10,
        ))
    if np.isfinite([slope, intercept]).all():
        fig.add_trace(go.Scatter(x=x_line, y=intercept + slope * x_line, mode="lines", name=_(TREND_NAME),
                                 line=dict(color=TREND_COLOR, width=2.5), legendrank=1,
                                 hovertemplate=_("trend") + f": %{{y:+,.1f}}{y_suffix}<extra></extra>"))
    fig.add_hline(y=0, line_color="#888888", line_dash="dot")
    _layout(fig, title, full_subtitle, height=500,
            legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.01, title=_("District")),
            xaxis_title=x_label, yaxis_title=y_label)
    fig.update_yaxes(ticksuffix=y_suffix)
    return fig


def intensity_bars(table: pd.DataFrame, column: str, x_label: str, title: str, subtitle: str) -> go.Figure:
    """One horizontal bar per district (``table`` from ``engagement_view.latest_intensity``), highest at
    the top. One colour: the bars are labelled, and a ninth district would repeat a palette colour."""
    data = table[["district_id", "district_name", column]].copy()
    data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    data = data.dropna(subset=[column])
    if data.empty:
        return empty_figure(title, _("No district has a value for this measure."), subtitle)
    data = data.sort_values(column, ascending=True)
    fig = go.Figure(go.Bar(
        x=data[column], y=data["district_name"], orientation="h", marker=dict(color=BAR_COLOR),
        text=[f"{v:,.1f}" for v in data[column]], textposition="outside", cliponaxis=False,
        hovertemplate="<b>%{y}</b><br>" + x_label + ": %{x:,.2f}<extra></extra>",
    ))
    _layout(fig, title, subtitle, height=max(260, 34 * len(data) + 90), showlegend=False,
            xaxis_title=x_label, yaxis_title=None)
    fig.update_xaxes(rangemode="tozero")
    return fig
