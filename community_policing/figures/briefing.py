"""Figures for printed briefings: DataFrame in, plotly Figure out, drawn to be read on paper.

A briefing is often printed in black and white, so nothing here relies on hue alone: the map uses
a scale whose lightness only grows (YlOrBr), labels every area with its name and rate (white on
dark fills) and hatches an area without a rate; the trend draws
this year solid black and a year earlier dashed grey; bars put the values beside them. No
Streamlit here.

Text is in the current language (``i18n``). The charts are rendered to images by kaleido, where
plotly.js knows only English month names, so outside English the trend spells its month ticks
itself (``month_ticks``).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go
from shapely.geometry import shape

from community_policing import i18n
from community_policing.views import privacy
from community_policing.figures.district import (add_hidden_markers, add_series_breaks, empty_figure, shade_preliminary,
                                                 wrap_title)
from community_policing.i18n import _
from community_policing.views.metrics import MIN_POPULATION_FOR_RATE, Period, UNASSIGNED_ID

INK = "#111111"
PRIOR_GREY = "#8a8a8a"
BAND = "rgba(0, 0, 0, 0.07)"
PRINT_FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=15, color=INK)
TITLE_CHARS = 80  # the printed page is narrower than a screen: break titles sooner
MAP_SCALE = "YlOrBr"  # lightness only grows: readable in black and white
HATCH_GREY = "#777777"
DARK_FILL = 0.45  # below this lightness a label is printed white
LABEL_SIZE = 15
LABEL_CHARS = 14
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


def _rings(geometry) -> list[list[tuple[float, float]]]:
    """The outer rings of a (multi)polygon, simplified to what a printed page can show (about 10 m)."""
    geom = shape(geometry).simplify(0.0001, preserve_topology=True)
    polygons = list(getattr(geom, "geoms", [geom]))
    return [list(p.exterior.coords) for p in polygons if hasattr(p, "exterior")]


def _luminance(rgb: str) -> float:
    """Relative lightness (0 black .. 1 white) of an "rgb(r, g, b)" or "#rrggbb" colour."""
    r, g, b = pc.unlabel_rgb(rgb) if rgb.startswith("rgb") else pc.hex_to_rgb(rgb)
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def label_colour(fill: str) -> str:
    """Ink on light fills, white on dark ones, so that every label can be read (on screen and on paper)."""
    return "white" if _luminance(fill) < DARK_FILL else INK


def area_label(name: str, width: int = LABEL_CHARS) -> str:
    """An area's name broken over short lines for a map label (map text takes <br> and no other markup)."""
    words, lines = str(name).split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def print_map(table: pd.DataFrame, features: dict, title: str, names: str = "name") -> go.Figure:
    """Areas shaded by incidents per 1,000 residents, each labelled with its name and rate.

    Drawn as filled outlines on plain axes (no map tiles and no WebGL, which headless Chromium renders
    in software: 5-10 s per map against well under a second for this). An area without a rate (fewer
    than ``MIN_POPULATION_FOR_RATE`` residents) is white with grey hatching; an area whose count is
    hidden in public mode is white. ``names``: "name" labels each area with its name ("Downtown"),
    "district" with its number and name ("3 Downtown")."""
    data = table[table["area_id"] != UNASSIGNED_ID].copy()
    shown = {f["id"]: f for f in features["features"] if f["id"] in set(data["area_id"])}
    if data.empty or not shown:
        return empty_figure(title, _("No areas to map"))
    data = data[data["area_id"].isin(shown)].reset_index(drop=True)
    rates = data["rate_per_1000"].astype("Float64").astype(float)
    hidden = privacy.hidden(data, "incidents").to_numpy()
    rates[hidden] = float("nan")
    low, high = (float(rates.min()), float(rates.max())) if rates.notna().any() else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    top = rates.max(skipna=True)
    digits = 0 if pd.notna(top) and top >= 20 else 1  # small rates keep a decimal
    fig = go.Figure()
    label_x, label_y, label_text, label_ink = [], [], [], []
    lats = []
    for row, rate, is_hidden in zip(data.itertuples(index=False), rates, hidden):
        feature = shown[row.area_id]
        xs, ys = [], []
        for ring in _rings(feature["geometry"]):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
            lats += [p[1] for p in ring]
        if pd.notna(rate):
            fill = pc.sample_colorscale(MAP_SCALE, [(rate - low) / (high - low)])[0]
            pattern = None
        else:
            fill = "#ffffff"
            pattern = None if is_hidden else dict(shape="/", fgcolor=HATCH_GREY, bgcolor=fill, size=9, solidity=0.25)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill, fillpattern=pattern,
                                 line=dict(color=INK, width=1.2), hoverinfo="skip", showlegend=False))
        point = shape(feature["geometry"]).representative_point()
        name = str(getattr(row, "area_name", "") or row.area_id)
        place = f"{row.area_id} {name}" if names == "district" and name != str(row.area_id) else name
        value = _("hidden") if is_hidden else "–" if pd.isna(rate) else f"{rate:,.{digits}f}"
        label_x.append(point.x)
        label_y.append(point.y)
        label_text.append(f"<b>{area_label(place)}</b><br>{value}")
        label_ink.append(label_colour(fill))
    fig.add_trace(go.Scatter(x=label_x, y=label_y, mode="text", text=label_text, hoverinfo="skip", showlegend=False,
                             textfont=dict(size=LABEL_SIZE, color=label_ink)))
    # The colour bar: an invisible marker carries the scale.
    fig.add_trace(go.Scatter(x=[label_x[0]], y=[label_y[0]], mode="markers", hoverinfo="skip", showlegend=False,
                             marker=dict(size=0.1, opacity=0, color=[low], cmin=low, cmax=high, colorscale=MAP_SCALE,
                                         showscale=True, colorbar=dict(
                                             title=dict(text=_("Incidents<br>per 1,000<br>residents")),
                                             thickness=18, outlinecolor=INK, outlinewidth=1))))
    mean_lat = sum(lats) / len(lats) if lats else 0.0
    # Longitude degrees shrink with latitude: keep the areas' true shape.
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(mean_lat)), 0.1))
    parts = [_("Label: name and rate")]  # say only what is drawn
    if (rates.isna() & ~hidden).any():
        parts.append(_("– = fewer than {n} residents, no rate (hatched)").format(n=MIN_POPULATION_FOR_RATE))
    if hidden.any():
        parts.append(_("hidden = a count too small to show (white)"))
    subtitle = "; ".join(parts)
    fig.update_layout(font=PRINT_FONT, paper_bgcolor="white", plot_bgcolor="white", margin=dict(l=10, r=10, t=80, b=10),
                      title={"text": wrap_title(title, TITLE_CHARS), "x": 0.01, "xanchor": "left",
                             "subtitle": {"text": subtitle}})
    return fig


def map_caption(table: pd.DataFrame, level: str) -> str:
    """The map's caption, saying only what is drawn: hatching where an area has no rate, white where a count
    is hidden."""
    data = table[table["area_id"] != UNASSIGNED_ID]
    no_rate = data["rate_per_1000"].isna() & ~privacy.hidden(data, "incidents")
    parts = [_("Darker = more incidents per 1,000 residents; each district is labelled with its number, name and "
               "rate.") if level == "district" else
             _("Darker = more incidents per 1,000 residents; each neighborhood is labelled with its name and rate.")]
    if no_rate.any():
        parts.append(_("Hatched grey: fewer than {n} residents, too few for a rate.").format(n=MIN_POPULATION_FOR_RATE))
    if privacy.hidden(data, "incidents").any():
        parts.append(_("White: a count too small to show in a public briefing."))
    parts.append(_("Rates use each area's residents (year in the data dictionary)."))
    return " ".join(parts)


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


def print_engagement(by_type: pd.DataFrame, title: str, subtitle: str, empty: str | None = None) -> go.Figure:
    """Activities per type this period (black) and a year earlier (light grey), values beside the bars.
    ``empty``: why there is nothing to draw when no engagement record covers the period ("not recorded",
    which is not "none")."""
    if empty:
        return empty_figure(title, empty)
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
