"""Pure figure functions for the Map page: a layer table and a FeatureCollection in, a plotly
Figure out. No Streamlit here.

Every map is a ``Choroplethmap`` on the ``white-bg`` style (no tiles, so it renders offline),
centred and zoomed so the whole city fits a phone-wide map (about 360 px), with each outline sent
once per trace. Areas without a value are drawn grey and their hover says why. The colour bar lies
horizontally under the map, where it never squeezes the map on a phone.

Way-finding, all offline:

* District numbers are drawn at each area's pole of inaccessibility as *strokes* (line traces), dark
  on a white halo. Map text proper (a symbol layer) would make the map library fetch font glyphs from
  a font server, which breaks the no-network promise and shows nothing offline.
* ``highlight`` outlines one area thickly (the neighborhood a reader searched for).
* ``context`` (``geo.context_features``: the city limits, rivers, major roads a city ships in its
  manifest) is drawn as light lines under the areas.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import shape
from shapely.ops import polylabel

from community_policing import i18n
from community_policing.views import privacy
from community_policing.i18n import N_, _, ngettext
from community_policing.figures.style import CATEGORICAL, FONT, METRIC_STYLE, NO_POPULATION, NO_VALUE_GREY, RATE_BAR_PER, SHRUNK_RATE_LABEL, SUPPRESSED_FILL, SUPPRESSED_LINE, _raw_rate, _subset, _zoom_for, rate_hover_parts, rate_label, shrunk_rate_line
from community_policing.views.metrics import MIN_POPULATION_FOR_RATE, MIN_RESPONDENTS, per_base

# Stevens-style 3 × 3 bivariate palette (teal for engagement, pink for crime change, blue where
# both are high), index = (change tercile - 1) * 3 + (engagement tercile - 1). Distinguishable
# with the common colour-vision deficiencies because lightness varies along both axes.
BIVARIATE_COLORS = ["#e8e8e8", "#ace4e4", "#5ac8c8",
                    "#dfb0d6", "#a5add3", "#5698b9",
                    "#be64ac", "#8c62aa", "#3b4994"]
# Labels are marked for translation here and translated where drawn (``_(label)``); the
# "why_blank" texts take {n}: residents for a rate, respondents for a trust score.
LAYER_STYLE = {
    # Shaded by the size-adjusted (empirical-Bayes) rate; the hover gives the raw rate and its counts.
    "rate": {"column": "rate_eb_per_1000", "label": SHRUNK_RATE_LABEL,
             "scale": METRIC_STYLE["rate_per_1000"]["scale"],
             "bar": N_("Incidents<br>per 1,000<br>residents<br>(size-adjusted)"),
             "why_blank": N_("no rate: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "change": {"column": "pct_change", "label": METRIC_STYLE["pct_change"]["label"],
               "scale": METRIC_STYLE["pct_change"]["scale"],
               "why_blank": N_("no % change: nothing to compare with a year earlier")},
    "engagement": {"column": "events_per_1000_per_year",
                   "label": N_("Engagement activities per 1,000 residents per year"),
                   "scale": "GnBu", "bar": N_("Activities<br>per 1,000<br>residents<br>per year"),
                   "why_blank": N_("no intensity: fewer than {n} residents"), "n": MIN_POPULATION_FOR_RATE},
    "trust": {"column": "trust_score", "label": N_("Trust score (0–100, latest month)"),
              "scale": [[0, "#dadaeb"], [0.5, "#807dba"], [1, "#3f007d"]], "bar": N_("Trust<br>score<br>(0–100)"),
              "why_blank": N_("no score: no survey month with at least {n} respondents in the period"),
              "n": MIN_RESPONDENTS},
    "bivariate": {"column": "bivariate_class", "label": N_("Engagement × crime change"),
                  "why_blank": N_("not classed: no engagement intensity or no % change")},
}


def why_blank(layer: str, row=None) -> str:
    """Why an area of ``layer`` has no value, in the current language; with its ``row``, the reason of that
    area: no population figure at all (a park), or nothing loaded a year earlier to compare with."""
    if row is not None:
        population = row.get("population")
        if layer in ("rate", "engagement") and (population is None or pd.isna(population)):
            return _(NO_POPULATION)
        comparison = row.get("comparison")
        if layer in ("change", "bivariate") and isinstance(comparison, str) and comparison:
            return _(comparison)
    style = LAYER_STYLE[layer]
    text = style["why_blank"]
    return _(text).format(n=style.get("n", ""))
# The counts each layer's value is made from: in public mode an area whose value is blank because one
# of them is hidden ("fewer than 4") is drawn apart from an area with no value.
LAYER_COUNTS = {"rate": ("incidents",), "change": privacy.COUNT_COLUMNS, "bivariate": privacy.COUNT_COLUMNS,
                "engagement": (), "trust": ()}
HIDDEN_WHY = N_("not shown: a small count (public view)")  # translated where drawn
LINE = dict(color="#555555", width=0.8)
MUTED_LINE = dict(color="#9a9a9a", width=0.6)
MUTED_OPACITY = 0.3

# --- Way-finding: stroke-drawn labels, the city's context lines, a highlighted area -----------------

def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 14) -> list[tuple[float, float]]:
    angles = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


# Digits as polylines in a box 0.6 wide and 1 tall (y up, as latitude), rounded like a sans-serif.
STROKE_DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_arc(0.3, 0.5, 0.28, 0.5, 0, 360, 28)],
    "1": [[(0.1, 0.78), (0.34, 1.0), (0.34, 0.0)]],
    "2": [_arc(0.3, 0.72, 0.28, 0.28, 160, -35) + [(0.0, 0.0), (0.6, 0.0)]],
    "3": [_arc(0.3, 0.76, 0.26, 0.24, 150, -90) + _arc(0.3, 0.27, 0.29, 0.27, 90, -150)],
    "4": [[(0.46, 0.0), (0.46, 1.0), (0.0, 0.3), (0.62, 0.3)]],
    "5": [[(0.56, 1.0), (0.1, 1.0), (0.05, 0.55)] + _arc(0.3, 0.33, 0.3, 0.33, 125, -150)],
    "6": [_arc(0.62, 0.35, 0.6, 0.65, 80, 180, 10) + _arc(0.31, 0.3, 0.29, 0.3, 180, 540, 28)],
    "7": [[(0.0, 1.0), (0.6, 1.0), (0.18, 0.0)]],
    "8": [_arc(0.3, 0.76, 0.24, 0.24, -90, 270, 24), _arc(0.3, 0.27, 0.29, 0.27, 90, 450, 24)],
    "9": [_arc(0.29, 0.7, 0.29, 0.3, 0, 360, 28) + _arc(-0.02, 0.65, 0.6, 0.65, 0, -80, 10)],
}
LABEL_PX = 15  # height of a drawn digit, in screen pixels at the map's initial zoom
LABEL_INK = dict(color="#111111", width=2.2)
LABEL_HALO = dict(color="rgba(255,255,255,0.92)", width=6.5)
# At most this many areas get drawn numbers by default: district maps, not neighborhood maps (which label
# on hover and with the search box), where numbers would crowd.
MAX_LABELLED_AREAS = 30


def drawable(text: str) -> bool:
    """Whether ``text`` can be drawn as a stroke label (digits only)."""
    return bool(text) and all(ch in STROKE_DIGITS for ch in text)


def label_point(geometry: dict) -> tuple[float, float]:
    """Where an area's label goes: its pole of inaccessibility (the inside point farthest from the edge),
    so a label sits well inside even a crescent-shaped or concave area."""
    geom = shape(geometry)
    if geom.geom_type == "MultiPolygon":  # the largest part carries the label
        geom = max(geom.geoms, key=lambda g: g.area)
    minx, miny, maxx, maxy = geom.bounds
    point = polylabel(geom, tolerance=max(maxx - minx, maxy - miny) / 200)
    return point.x, point.y


def label_strokes(text: str, lon: float, lat: float, zoom: float) -> tuple[list, list]:
    """Lon and lat of the strokes of ``text`` centred on (lon, lat), ``LABEL_PX`` pixels tall at ``zoom``;
    strokes are separated by None (a gap in a line trace)."""
    deg_per_px = 360 / (512 * 2 ** zoom)  # longitude degrees per pixel (512-px tiles)
    height_lat = LABEL_PX * deg_per_px * math.cos(math.radians(lat))
    unit_lon = LABEL_PX * deg_per_px  # one unit of the digit box, in longitude degrees
    advance = 0.85
    width = (len(text) - 1) * advance + 0.6
    lons: list = []
    lats: list = []
    for i, ch in enumerate(text):
        for stroke in STROKE_DIGITS[ch]:
            for x, y in stroke:
                lons.append(round(lon + (i * advance + x - width / 2) * unit_lon, 6))
                lats.append(round(lat + (y - 0.5) * height_lat, 6))
            lons.append(None)
            lats.append(None)
    return lons, lats


def area_label_traces(features: dict, zoom: float, ids: set | None = None) -> list[go.Scattermap]:
    """Two line traces that write each area's id (when it is a number) at its label point: a wide white
    halo, then dark ink, so the number reads on any fill, light or dark. Not hoverable, not in the legend."""
    lons: list = []
    lats: list = []
    for feature in features["features"]:
        text = str(feature["id"])
        if (ids is not None and feature["id"] not in ids) or not drawable(text):
            continue
        x, y = label_point(feature["geometry"])
        a, b = label_strokes(text, x, y, zoom)
        lons += a
        lats += b
    if not lons:
        return []
    return [go.Scattermap(lon=lons, lat=lats, mode="lines", line=line, hoverinfo="skip", showlegend=False,
                          name=name, connectgaps=False)
            for name, line in (("label halo", LABEL_HALO), ("area numbers", LABEL_INK))]


CONTEXT_STYLE = {  # kind -> (colour, width): light, so the areas stay the subject
    "city": ("#6f6f6f", 2.0),
    "water": ("#6baed6", 3.0),
    "road": ("#b0a38f", 1.6),
    "other": ("#9e9e9e", 1.2),
}
CONTEXT_WORDS = {"city": N_("city limits"), "water": N_("rivers and lakes"), "road": N_("major roads"),
                 "other": N_("other lines")}


def context_layers(context: dict | None) -> list[dict]:
    """Map layers (``layout.map.layers``) drawing a city's context lines under the areas, one layer per kind
    (city limits, water, roads); a polygon is drawn by its outline. Offline: the shapes travel in the figure."""
    if not context or not context.get("features"):
        return []
    layers = []
    for kind, (colour, width) in CONTEXT_STYLE.items():
        part = [f for f in context["features"] if f.get("properties", {}).get("kind", "other") == kind]
        if part:
            layers.append(dict(sourcetype="geojson", source={"type": "FeatureCollection", "features": part},
                               type="line", color=colour, line=dict(width=width), opacity=0.9, below="traces",
                               name=f"context-{kind}"))
    return layers


def highlight_trace(features: dict, area_id: str, name: str = "") -> go.Choroplethmap | None:
    """A thick dark outline (no fill) round one area, drawn over the others: the area a reader searched for."""
    area = _subset(features, {area_id})
    if not area["features"]:
        return None
    return go.Choroplethmap(
        geojson=area, locations=[area_id], z=[0], colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        showscale=False, marker_line=dict(color="#000000", width=4), hoverinfo="skip", showlegend=bool(name),
        name=name or "highlight")


# A phone is about 360-390 px wide: maps are zoomed so the whole city fits that width (a wider screen shows
# the same view with white space at the sides, which costs less than a city cut off on a phone).
PHONE_WIDTH_PX = 360


def fit_view(features: dict, height_px: int) -> tuple[dict, float]:
    """Centre and zoom that fit every area into a map ``PHONE_WIDTH_PX`` wide and ``height_px`` tall."""
    return _zoom_for(features, width_px=PHONE_WIDTH_PX, height_px=height_px)


def wrap(text: str, width: int = 42) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces (``<br>``), so a chart title
    fits a phone instead of being cut off; text that already has line breaks is left as it is."""
    if not text or "<br>" in text or len(text) <= width:
        return text
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "<br>".join(lines)


def horizontal_colorbar(title: str, **extra) -> dict:
    """A colour bar lying under the map, its title above it on one line."""
    return dict(orientation="h", x=0.5, xanchor="center", y=0, yanchor="top", ypad=8, len=0.92, thickness=12,
                title=dict(text=title.replace("<br>", " "), side="top"), **extra)


def _num(value, fmt: str, missing: str | None = None) -> str:
    return (_("n/a") if missing is None else missing) if value is None or pd.isna(value) else fmt.format(float(value))


def hover_text(row: pd.Series, layer: str, base: int = 1000) -> str:
    """Counts, the rate and its denominator (residents and their year), then the layer's value; the rate
    size-adjusted (with its interval) and raw (with the counts it is made of), and any caution about the
    denominator. Rates per ``base`` residents (``metrics.view_rate_base``)."""
    no_population = pd.isna(row.get("population"))
    year = ("" if no_population or pd.isna(row.get("population_year"))
            else _(" ({year} population)").format(year=int(row["population_year"])))
    residents = _(NO_POPULATION) if no_population else f"{int(row['population']):,}"
    noise = row.get("noise", "")
    comparison = row.get("comparison")
    not_comparable = isinstance(comparison, str) and bool(comparison)
    if "rate_eb_per_1000" in row.index:
        shrunk, raw, note = rate_hover_parts(row, base)
        rate_lines = [shrunk_rate_line(shrunk, base), _("Raw rate: {rate}").format(rate=raw)]
    else:
        rate = (f"{_raw_rate(row, base):.1f}" if pd.notna(row.get("rate_per_1000"))
                else _(NO_POPULATION) if no_population else _("not shown (too few residents)"))
        rate_lines = [_("Per 1,000 residents: {rate}").format(rate=rate) if base == 1000
                      else _("Per {base} residents: {rate}").format(base=per_base(base), rate=rate)]
        note = ""
    lines = [
        f"<b>{row['area_name']}</b>",
        _("Incidents: {count} · a year earlier: {prior}").format(
            count=_(privacy.row_text(row, "incidents", missing=N_("no data"))),
            prior=_(privacy.row_text(row, "incidents_prior_year", missing=N_("no data")))),
        (_("Change: {change}").format(change=_(comparison)) if not_comparable
         else _("Change: {change} · {noise}").format(
            change=_num(row.get("pct_change"), "{:+.1f}%", _("no % (none a year earlier)")),
            noise=_(noise) if isinstance(noise, str) and noise else "")),
        *rate_lines,
        _("Residents (denominator): {residents}{year}").format(residents=residents, year=year),
    ]
    if layer in ("engagement", "bivariate"):
        lines.append(_("Engagement activities: {events} · officer hours: {hours}").format(
            events=f"{int(row['engagement_events']):,}", hours=f"{float(row['officer_hours']):,.0f}"))
        lines.append(_("Activities per 1,000 residents per year: {rate}").format(
            rate=_num(row.get("events_per_1000_per_year"), "{:.1f}")))
    if layer == "trust":
        if pd.isna(row.get("trust_score")):
            lines.append(_("Trust score: not available in this period"))
        else:
            who = (_("respondents not published") if pd.isna(row.get("respondents"))
                   else _("{n} respondents, ±{moe}").format(n=f"{int(row['respondents']):,}",
                                                             moe=f"{float(row['margin_of_error']):.1f}"))
            lines.append(_("Trust score: {score} ({month}; {who})").format(
                score=f"{float(row['trust_score']):.1f}", month=i18n.format_month_short(row["trust_period"]), who=who))
    if layer == "bivariate":
        lines.append(f"<b>{row.get('bivariate_label', '')}</b>")
    if note:
        lines.append(f"<i>{note}</i>")
    return "<br>".join(lines)


def _trace(data: pd.DataFrame, features: dict, z, name: str, **kwargs) -> go.Choroplethmap:
    return go.Choroplethmap(
        geojson=_subset(features, set(data["area_id"])), locations=data["area_id"], z=z, name=name,
        text=data["hover"], hovertemplate="%{text}<extra></extra>", **kwargs)


MAP_HEIGHT = 620  # px, the whole figure: title, map, colour bar and legend under it


def layer_map(table: pd.DataFrame, features: dict, layer: str, title: str, subtitle: str = "",
              events: pd.DataFrame | None = None, *, highlight: str | None = None, context: dict | None = None,
              area_labels: bool | None = None, base: int = 1000) -> go.Figure:
    """One layer of the Map page from a ``map_layers.build_layer`` table; ``events`` (from
    ``map_layers.engagement_points``) adds engagement activities as points coloured by type.

    ``highlight``: an area id outlined thickly (the reader's search). ``context``: the city's context lines
    (``geo.context_features``), drawn under the areas. ``area_labels``: draw each area's number on it;
    by default when the map has at most ``MAX_LABELLED_AREAS`` areas (a district map). ``base``: the residents
    every incident rate (colours, colour bar, hover) is per (``metrics.view_rate_base``)."""
    if layer not in LAYER_STYLE:
        raise ValueError(f"layer must be one of {', '.join(LAYER_STYLE)}, not {layer!r}")
    style = LAYER_STYLE[layer]
    column = style["column"]
    data = table.copy()
    data["hover"] = [hover_text(row, layer, base) for _, row in data.iterrows()]
    has = data[column].notna()
    suppressed = pd.Series(False, index=data.index)
    for count in LAYER_COUNTS[layer]:
        suppressed |= privacy.hidden(data, count)
    shown, blank, hidden_areas = data[has], data[~has & ~suppressed], data[~has & suppressed]
    values = shown[column].astype(float) * (base / 1000 if layer == "rate" else 1)
    # With points on top, areas are lighter so the points (some orange on orange scales) stay visible.
    fade = 0.65 if events is not None and len(events) else 1.0
    fig = go.Figure()
    if layer == "bivariate":
        scale = []
        for i, colour in enumerate(BIVARIATE_COLORS):
            scale += [[i / 9, colour], [(i + 1) / 9, colour]]
        fig.add_trace(_trace(shown, features, values, _("engagement × change"), colorscale=scale, zmin=-0.5, zmax=8.5,
                             showscale=False, marker_line=LINE, marker_opacity=0.95 * fade))
    elif layer == "change":
        reach = max(float(values.abs().max()) if len(values) else 1.0, 1.0)
        muted = shown["muted"].astype(bool)
        if muted.any():
            # Outlines of the faded areas underneath, at full strength, so they keep their edges.
            fig.add_trace(go.Choroplethmap(
                geojson=_subset(features, set(shown.loc[muted, "area_id"])), locations=shown.loc[muted, "area_id"],
                z=[0] * int(muted.sum()), colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
                marker_line=dict(color="#8a8a8a", width=1), hoverinfo="skip", showlegend=False, name="outline"))
        for part, name, line, opacity in ((~muted, _("solid: beyond normal variation (|z| ≥ 2)"), LINE, 0.9 * fade),
                                          (muted, _("faded: within normal variation (|z| < 2)"), MUTED_LINE,
                                           MUTED_OPACITY * fade)):
            if part.any():
                fig.add_trace(_trace(shown[part], features, values[part], name, coloraxis="coloraxis",
                                     marker_line=line, marker_opacity=opacity, showlegend=True))
        fig.update_layout(coloraxis=dict(colorscale=style["scale"], cmin=-reach, cmax=reach, colorbar=horizontal_colorbar(
            _("% change<br>vs a year<br>earlier"), ticksuffix="%")))
    else:
        label, bar = style["label"], style.get("bar")
        label = rate_label(base, shrunk=True) if layer == "rate" else _(label)
        bar = (_(RATE_BAR_PER).format(base=per_base(base)) if layer == "rate" else _(bar) if bar is not None else label)
        fig.add_trace(_trace(shown, features, values, label, colorscale=style["scale"], marker_line=LINE,
                             marker_opacity=0.85 * fade, colorbar=horizontal_colorbar(bar)))
    if len(blank):
        # Grey, one trace per reason (no population, too few residents, nothing loaded a year earlier...).
        whys = pd.Series([why_blank(layer, row) for _i, row in blank.iterrows()], index=blank.index)
        for why in dict.fromkeys(whys):
            part = blank[whys == why]
            part = part.assign(hover=[f"{h}<br><i>{why}</i>" for h in part["hover"]])
            fig.add_trace(_trace(part, features, [0] * len(part), why, showscale=False,
                                 colorscale=[[0, NO_VALUE_GREY], [1, NO_VALUE_GREY]], marker_line=LINE,
                                 showlegend=True))
    if len(hidden_areas):
        hidden_why = _(HIDDEN_WHY)
        hidden_areas = hidden_areas.assign(hover=[f"{h}<br><i>{hidden_why}</i>" for h in hidden_areas["hover"]])
        fig.add_trace(_trace(hidden_areas, features, [0] * len(hidden_areas), hidden_why, showscale=False,
                             colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], marker_line=SUPPRESSED_LINE,
                             showlegend=True))
    if events is not None and len(events):
        for i, (label, part) in enumerate(events.groupby("type_label", sort=True)):
            attendees = part["attendees"].map(lambda a: _("not recorded") if pd.isna(a) else f"{int(a):,}")
            fig.add_trace(go.Scattermap(
                lon=part["lon"], lat=part["lat"], mode="markers", name=str(label),
                marker=dict(size=5, color=CATEGORICAL[i % len(CATEGORICAL)], opacity=0.8),
                customdata=list(zip(part["type_label"], [i18n.format_date(d) for d in part["date"]], attendees,
                                    part["district_name"].fillna(""))),
                hovertemplate=_("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>attendees: %{customdata[2]}"
                                "<br>district: %{customdata[3]}<extra></extra>"),
            ))
    title = wrap(title)
    top = 48 + 20 * title.count("<br>") + (22 if subtitle else 0)
    has_bar = layer != "bivariate"
    bottom = 150 if has_bar else 90
    centre, zoom = fit_view(features, MAP_HEIGHT - top - bottom)
    if highlight is not None:
        name = next((str(r) for a, r in zip(table["area_id"], table["area_name"]) if a == highlight), "")
        trace = highlight_trace(features, highlight, name)
        if trace is not None:
            fig.add_trace(trace)
    if area_labels is None:
        area_labels = len(features["features"]) <= MAX_LABELLED_AREAS
    if area_labels:
        fig.add_traces(area_label_traces(features, zoom, set(data["area_id"])))
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}, "font": {"size": 16}},
        map=dict(style="white-bg", center=centre, zoom=zoom, layers=context_layers(context)),
        margin=dict(l=0, r=0, t=top, b=bottom),
        height=MAP_HEIGHT,
        font=FONT,
        # Under the colour bar (which sits just under the map).
        legend=dict(orientation="h", y=-0.2 if has_bar else -0.02, yanchor="top", x=0,
                    bgcolor="rgba(255,255,255,0.8)"),
        showlegend=True,
    )
    return fig


def _cell_lines(text: str, width: int) -> list[str]:
    return wrap(text, width).split("<br>")


LEGEND_CELL_CHARS = 11  # characters a legend cell line holds at 10 px on a phone (a cell is about 95 px wide)


def bivariate_legend(legend: pd.DataFrame) -> go.Figure:
    """The 3 × 3 key as a small grid whose 9 cells read in words (and give the number of areas). Across:
    engagement thirds; up: the crime-change bands (fell / no clear change / rose beyond normal variation).
    Cell text is wrapped to ``LEGEND_CELL_CHARS`` characters a line so it stays inside its cell on a phone."""
    legend = legend.sort_values("bivariate_class")
    first = legend.drop_duplicates("engagement_class").set_index("engagement_class")
    eng = first["engagement_range"]
    chg = legend.drop_duplicates("change_class").set_index("change_class")
    x_labels = [f"<b>{w}</b><br>{eng[e]}" for e, w in zip((1, 2, 3), (_("less"), _("middle"), _("more")))]
    y_labels = []
    for c in (1, 2, 3):
        word = chg.loc[c, "label"].split(" · ")[1]
        rule = str(chg.loc[c, "change_rule"]) if "change_rule" in chg.columns else ""
        head, _sep, z_rule = rule.rpartition(": ")  # "beyond normal variation: z ≥ 2": the z rule on its own line
        y_labels.append("<br>".join([f"<b>{line}</b>" for line in _cell_lines(word, 14)]
                                    + _cell_lines(head, 16) + ([z_rule] if z_rule else [])
                                    + [str(chg.loc[c, "change_range"])]))
    z = [[(c - 1) * 3 + e - 1 for e in (1, 2, 3)] for c in (1, 2, 3)]
    scale = []
    for i, colour in enumerate(BIVARIATE_COLORS):
        scale += [[i / 9, colour], [(i + 1) / 9, colour]]
    cells = legend.set_index("bivariate_class")
    hover = [[ngettext("{label}: {n} area", "{label}: {n} areas", int(cells.loc[v, "areas"])).format(
        label=cells.loc[v, "label"], n=cells.loc[v, "areas"]) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=x_labels, y=y_labels, colorscale=scale, zmin=-0.5, zmax=8.5, showscale=False,
                               text=hover, hovertemplate="%{text}<extra></extra>", xgap=3, ygap=3))
    for c in (1, 2, 3):
        for e in (1, 2, 3):
            v = (c - 1) * 3 + e - 1
            eng_word, change_word = cells.loc[v, "label"].split(" · ")
            n = int(cells.loc[v, "areas"])
            lines = (_cell_lines(eng_word, LEGEND_CELL_CHARS) + _cell_lines(change_word, LEGEND_CELL_CHARS)
                     + [f"<i>{ngettext('{n} area', '{n} areas', n).format(n=n)}</i>"])
            fig.add_annotation(x=x_labels[e - 1], y=y_labels[c - 1], showarrow=False, text="<br>".join(lines),
                               font=dict(size=10, color="white" if v in (7, 8) else "black"))  # 4.5:1 or more on every cell
    fig.update_layout(
        title={"text": _("How to read the colours"), "font": {"size": 14}},
        xaxis=dict(title=dict(text=_("Engagement per 1,000 residents per year →"), font=dict(size=11)), tickangle=0,
                   fixedrange=True, tickfont=dict(size=10)),
        yaxis=dict(title=dict(text=_("Crime change vs a year earlier →"), font=dict(size=11)), fixedrange=True,
                   tickfont=dict(size=10), automargin=True),
        height=470, margin=dict(l=10, r=10, t=40, b=10), font=FONT, plot_bgcolor="white",
    )
    return fig


def place_picker(features: dict, area_id: str, grid: tuple[list[float], list[float]],
                 picked: tuple[float, float] | None = None, title: str = "") -> go.Figure:
    """One area's outline with a fine grid of faint click targets; ``picked`` (lon, lat) is marked.

    Plotly reports clicks on points only, so the grid is what makes "click on the map" work; a
    click anywhere inside the area lands on a grid point ~1/45 of the area's width away at most.
    """
    area = _subset(features, {area_id})
    fig = go.Figure(go.Choroplethmap(
        geojson=area, locations=[area_id], z=[0], colorscale=[[0, "#f3efe6"], [1, "#f3efe6"]], showscale=False,
        marker_line=dict(color="#333333", width=1.5), hoverinfo="skip", name=_("area")))
    lons, lats = grid
    fig.add_trace(go.Scattermap(
        lon=lons, lat=lats, mode="markers", name=_("click to place"), marker=dict(size=9, color="#0072B2", opacity=0.08),
        hovertemplate=_("Place the activity here") + "<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    if picked is not None:
        fig.add_trace(go.Scattermap(
            lon=[picked[0]], lat=[picked[1]], mode="markers", name=_("chosen place"),
            marker=dict(size=14, color="#D55E00"),
            hovertemplate=_("Chosen place") + "<br>%{lon:.5f}, %{lat:.5f}<extra></extra>"))
    centre, zoom = _zoom_for(area, width_px=520, height_px=320)
    fig.update_layout(title={"text": title}, map=dict(style="white-bg", center=centre, zoom=zoom),
                      margin=dict(l=0, r=0, t=40 if title else 0, b=0), height=340, font=FONT, showlegend=False,
                      clickmode="event+select")
    return fig
