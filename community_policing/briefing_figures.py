"""Figures for printed briefings: DataFrame in, plotly Figure out, drawn to be read on paper.

A briefing is often printed in black and white, so nothing here relies on hue alone: the map uses
a scale whose lightness only grows (YlOrBr) and labels every area with its number; the trend draws
this year solid black and a year earlier dashed grey; bars put the values beside them. No
Streamlit here.

Text is in the current language (``i18n``). The charts are rendered to images by kaleido, where
plotly.js knows only English month names, so outside English the trend spells its month ticks
itself (``month_ticks``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import shape

from community_policing import figures, i18n, privacy
from community_policing.district_figures import (add_hidden_markers, add_series_breaks, empty_figure, shade_preliminary,
                                                 wrap_title)
from community_policing.i18n import _
from community_policing.metrics import MIN_POPULATION_FOR_RATE, Period, UNASSIGNED_ID

INK = "#111111"
PRIOR_GREY = "#8a8a8a"
BAND = "rgba(0, 0, 0, 0.07)"
PRINT_FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=15, color=INK)
TITLE_CHARS = 80  # the printed page is narrower than a screen: break titles sooner
BOTTOM_LEGEND = dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0)


def _layout(fig: go.Figure, title: str, subtitle: str = "", **extra) -> go.Figure:
    title = wrap_title(title, TITLE_CHARS)
    extra.setdefault("legend", BOTTOM_LEGEND)
    fig.update_layout(title={"text": title, "subtitle": {"text": subtitle}, "x": 0.01, "xanchor": "left",
                             "yref": "container", "y": 0.97, "yanchor": "top"},
                      font=PRINT_FONT, paper_bgcolor="white", plot_bgcolor="white",
                      margin=dict(l=70, r=30, t=95 + 22 * title.count("<br>"), b=110), **extra)
    return fig


def month_ticks(first, last, every: int = 3) -> dict:
    """x-axis ticks for months from ``first`` to ``last``: plotly's own (``dtick``, ``tickformat``)
    in English; outside English the first of every ``every``-th month (January, April, ... as
    plotly's ``dtick="M3"``) labelled "ene<br>2025" by ``i18n.format_month_short``."""
    if i18n.language() == i18n.DEFAULT:
        return dict(dtick=f"M{every}", tickformat="%b<br>%Y")
    month = pd.Timestamp(first).to_period("M").to_timestamp()
    end = pd.Timestamp(last) + pd.DateOffset(months=1)
    values = []
    while month <= end:
        if (month.month - 1) % every == 0:
            values.append(month)
        month += pd.DateOffset(months=1)
    text = ["<br>".join(i18n.format_month_short(v.date()).rsplit(" ", 1)) for v in values]
    return dict(tickmode="array", tickvals=values, ticktext=text)


def print_map(table: pd.DataFrame, features: dict, title: str) -> go.Figure:
    """Areas shaded by incidents per 1,000 residents, each labelled with its id and rate."""
    data = table[table["area_id"] != UNASSIGNED_ID].copy()
    shown = figures._subset(features, set(data["area_id"]))
    if data.empty or not shown["features"]:
        return empty_figure(title, _("No areas to map"))
    fig = figures.choropleth(data, shown, "rate_per_1000", wrap_title(title, TITLE_CHARS))
    centres = {f["id"]: shape(f["geometry"]).representative_point() for f in shown["features"]}
    data = data[data["area_id"].isin(centres)]
    # Map text takes <br> but no other markup.
    top = data["rate_per_1000"].astype(float).max(skipna=True)  # NaN when no area has a rate (or all hidden)
    digits = 0 if pd.notna(top) and top >= 20 else 1  # small rates keep a decimal
    hidden = privacy.hidden(data, "incidents").to_list()  # public mode: a count too small to show
    hidden_word = _("hidden")
    labels = [f"{a}<br>{hidden_word if h else '–' if pd.isna(r) else f'{r:.{digits}f}'}"
              for a, r, h in zip(data["area_id"], data["rate_per_1000"], hidden)]
    fig.add_trace(go.Scattermap(
        lon=[centres[a].x for a in data["area_id"]], lat=[centres[a].y for a in data["area_id"]], mode="text",
        text=labels, textfont=dict(size=13, color=INK), hoverinfo="skip", showlegend=False))
    fig.update_layout(font=PRINT_FONT, margin=dict(l=0, r=0, t=60, b=0), height=None,
                      coloraxis_colorbar=dict(title=dict(text=_("Incidents<br>per 1,000<br>residents"))),
                      title={"subtitle": {"text": (
                          _("Label: area id and rate (– = fewer than {n} residents, no rate; hidden = a count too "
                            "small to show, white)") if any(hidden) else
                          _("Label: area id and rate (– = fewer than {n} residents, no rate)")).format(
                              n=MIN_POPULATION_FOR_RATE)}})
    return fig


def print_trend(series: pd.DataFrame, title: str, subtitle: str, period: Period | None = None,
                breaks: pd.DataFrame | None = None, preliminary_from: dt.date | None = None) -> go.Figure:
    """Incidents per month (solid black) beside the same month a year earlier (dashed grey).

    Series ``breaks`` inside the months shown are dashed black lines with their label; the
    preliminary days (``preliminary_from``, counts by date occurred) are outlined with a dotted box
    labelled "preliminary" (no fill: the briefing period is already shaded)."""
    keep = (series["incidents"].notna() | privacy.hidden(series, "incidents")) if len(series) else None
    data = series[keep] if len(series) else series  # public mode: hidden months stay, as a cross
    if data.empty:
        return empty_figure(title, _("No incident counts for these months"), subtitle)
    x = pd.to_datetime(data["month"])
    partial = data["partial"].astype(bool).to_list()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=data["incidents_prior_year"].astype("Float64").astype(float), mode="lines",
                             name=_("Same month a year earlier"), line=dict(color=PRIOR_GREY, width=3, dash="dash"),
                             xperiod="M1", xperiodalignment="middle"))
    fig.add_trace(go.Scatter(x=x, y=data["incidents"].astype(float), mode="lines+markers", name=_("Incidents"),
                             line=dict(color=INK, width=3.5), xperiod="M1", xperiodalignment="middle",
                             marker=dict(size=8, color=["white" if p else INK for p in partial],
                                         line=dict(color=INK, width=2))))
    add_hidden_markers(fig, x, data, (("incidents", "", INK), ("incidents_prior_year", _(" a year earlier"),
                                                                 PRIOR_GREY)))
    if period is not None:
        fig.add_vrect(x0=pd.Timestamp(max(period.start, x.min().date())), x1=pd.Timestamp(period.end)
                      + pd.Timedelta(days=1), fillcolor=BAND, line_width=0, layer="below")
    data_end = pd.Timestamp(max(data["last_day"])) + pd.Timedelta(days=1)
    shade_preliminary(fig, preliminary_from, x.min(), data_end, fill="rgba(0, 0, 0, 0)", label=_("preliminary"),
                      line=dict(color=INK, width=1.5, dash="dot"), font_size=13)
    add_series_breaks(fig, breaks, x.min(), data_end - pd.Timedelta(days=1), color=INK, font_size=13)
    return _layout(fig, title, subtitle,
                   xaxis=dict(**month_ticks(x.min(), data_end), showgrid=False, linecolor=INK),
                   yaxis=dict(title=_("Incidents per month"), rangemode="tozero", tickformat=",", gridcolor="#dddddd",
                              linecolor=INK))


def print_engagement(by_type: pd.DataFrame, title: str, subtitle: str) -> go.Figure:
    """Activities per type this period (black) and a year earlier (light grey), values beside the bars."""
    if by_type.empty or int(by_type["events"].sum() + by_type["events_prior_year"].sum()) == 0:
        return empty_figure(title, _("No engagement activities recorded in either period"), subtitle)
    data = by_type.iloc[::-1]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=data["type_label"], x=data["events_prior_year"], orientation="h", name=_("A year earlier"),
                         marker=dict(color="#c8c8c8", line=dict(color=INK, width=1)),
                         text=[f"{v:,}" for v in data["events_prior_year"]], textposition="outside"))
    fig.add_trace(go.Bar(y=data["type_label"], x=data["events"], orientation="h", name=_("This period"),
                         marker=dict(color=INK), text=[f"{v:,}" for v in data["events"]], textposition="outside"))
    return _layout(fig, title, subtitle, barmode="group", bargap=0.25,
                   xaxis=dict(title=_("Activities"), tickformat=",", gridcolor="#dddddd"),
                   yaxis=dict(automargin=True), legend={**BOTTOM_LEGEND, "y": -0.25, "traceorder": "reversed"})
