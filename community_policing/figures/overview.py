"""The Overview's two first-view charts drawn with Vega-Lite (``figures.vega``): the area map and the
engagement scatter. Pure: a DataFrame (and boundaries) in, a finished Altair chart out. No Streamlit here.

Why Vega-Lite for a map: Streamlit draws a Plotly figure with a 4.6 MB script, about a second of the
Overview's first visit; a Vega-Lite map is SVG drawn from the spec (no tiles, no WebGL, no network), fits the
column's width on a phone by itself, and a click on an area comes back as a point selection
(``SELECTION``: ``{"selection": {"pick": [{"id": "3"}]}}``, read by ``display.open_district_on_click``).

The map keeps what the Plotly map said: shaded by the size-adjusted rate per ``base`` residents (or the % change
on a diverging scale centred on 0, red = more); every area drawn (grey with the reason when it has no value,
white with a heavy dark outline when a small count hides it in public mode); a tooltip in the reader's words
with the counts, change and its noise reading, the size-adjusted and the raw rate with what it is made of, the
residents and any caution; district numbers dark on a white halo; the city's
context lines (city limits, rivers, roads) under the areas, clipped to the areas so they do not zoom the city
out; the colour legend lying under the map. Outlines travel inline in the spec (Vega-Lite reads GeoJSON
features from inline values), their coordinates rounded to about a metre (``DIGITS``).
"""

from __future__ import annotations

import altair as alt
import pandas as pd
from shapely.geometry import box, mapping, shape

from community_policing.figures import vega
from community_policing.figures.maps import CONTEXT_STYLE, MAX_LABELLED_AREAS, label_point
from community_policing.figures.style import (
    ASSOCIATION_NOT_EFFECT, METRIC_STYLE, NO_POPULATION, NO_VALUE_GREY, POINT_COLOR, RATE_BAR_PER, SUPPRESSED_FILL,
    SUPPRESSED_LINE, _areas_only, metric_label, rate_texts, shrunk_rate_line, why_no_value, wrap_title)
from community_policing.i18n import N_, _
from community_policing.stats import funnel
from community_policing.views import privacy
from community_policing.views.district import district_title
from community_policing.views.metrics import MIN_COUNT_FOR_PCT, noise_label, per_base

SELECTION = "pick"  # the name of the map's click selection: {"selection": {"pick": [{"id": area_id}]}}
MAP_HEIGHT = 480  # with the legend under it (a phone-wide map fits the width, a wide one this height)
AREA_LINE = "#555555"
LABEL_INK, LABEL_HALO = "#111111", "#ffffff"
BUBBLE_FILL = "#9ecae1"  # a light blue: dark numbers read on it (10:1)
DIGITS = 5  # decimal places kept of a coordinate: about 1 m, finer than a pixel of any city map
# Vega-Lite colour schemes matching the Plotly ones of ``style.METRIC_STYLE``.
SCHEMES = {"rate_per_1000": ("yelloworangebrown", False), "pct_change": ("redblue", True)}
CONTEXT_MARGIN = 0.06  # of the areas' extent: context lines this far outside the areas are drawn
HIDDEN_WHY = N_("not shown: a small count (public view)")


def _expr(name: str) -> str:
    """A column name as a quoted string of a Vega expression (``datum[...]``)."""
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _round(coords, digits: int = DIGITS):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_round(c, digits) for c in coords]


def _geometry(geometry: dict, digits: int = DIGITS) -> dict:
    return {"type": geometry["type"], "coordinates": _round(geometry["coordinates"], digits)}


def _bounds(features: dict) -> tuple[float, float, float, float] | None:
    bounds = [shape(f["geometry"]).bounds for f in features.get("features", [])]
    if not bounds:
        return None
    return (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds))


def context_lines(context: dict | None, bounds) -> dict[str, list[dict]]:
    """The city's context lines of each kind (``maps.CONTEXT_STYLE``: city limits, water, roads), clipped to
    the areas' ``bounds`` and a ``CONTEXT_MARGIN`` round them (a map fits every shape it draws: a long river
    would zoom the city out; the margin keeps a river running along the city's edge) and
    simplified finer than a pixel; a polygon (city limits) is drawn by its outline."""
    if not context or not context.get("features") or bounds is None:
        return {}
    minx, miny, maxx, maxy = bounds
    pad = CONTEXT_MARGIN * max(maxx - minx, maxy - miny)
    frame = box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    tolerance = max(maxx - minx, maxy - miny) / 1000
    found: dict[str, list[dict]] = {}
    for feature in context["features"]:
        kind = feature.get("properties", {}).get("kind", "other")
        if kind not in CONTEXT_STYLE:
            kind = "other"
        geom = shape(feature["geometry"])
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = geom.boundary
        geom = geom.intersection(frame).simplify(tolerance, preserve_topology=False)
        if geom.is_empty:
            continue
        found.setdefault(kind, []).append({"type": "Feature", "geometry": _geometry(mapping(geom), 5),
                                           "properties": {}})
    return found


def choropleth(table: pd.DataFrame, features: dict, metric: str, title: str, subtitle: str = "",
               base: int = 1000, context: dict | None = None) -> alt.LayerChart:
    """Areas shaded by ``metric`` (``rate_per_1000`` or ``pct_change``) from an area_comparison table, a
    finished Vega-Lite chart whose areas can be clicked (``SELECTION``).

    Rates are drawn and said per ``base`` residents (``metrics.view_rate_base``: 100,000 for a rare offense).
    A rate map is shaded by the size-adjusted rate (``funnel.add_shrunk_rates``: small areas pulled toward
    the city rate, large ones keep theirs); every tooltip gives the raw rate with the counts it is made of,
    the size-adjusted one with its 95 % interval, and the denominator caution where there is one
    (``funnel.add_denominator_notes``)."""
    if metric not in METRIC_STYLE:
        raise ValueError(f"metric must be one of {', '.join(METRIC_STYLE)}, not {metric!r}")
    data = _areas_only(table).copy()
    if "rate_eb_per_1000" not in data.columns:
        data = funnel.add_shrunk_rates(data)
    if "denominator_note" not in data.columns:
        data = funnel.add_denominator_notes(data)
    data["noise"] = [_(n) for n in privacy.noise_labels(data, noise_label)]
    shade = "rate_eb_per_1000" if metric == "rate_per_1000" else metric
    values = data[shade].astype(float) * (base / 1000 if metric == "rate_per_1000" else 1)
    inputs = ("incidents",) if metric == "rate_per_1000" else privacy.COUNT_COLUMNS
    suppressed = pd.Series(False, index=data.index)
    for column in inputs:
        suppressed |= privacy.hidden(data, column)
    kinds = pd.Series("value", index=data.index).mask(values.isna(), "none").mask(values.isna() & suppressed, "hidden")
    shrunk, raw, notes = rate_texts(data, base)

    # Every column in the reader's words: the tooltip's titles are the fields' names.
    # The shading's value is named as its legend (the tooltip says the same rate in words, with its interval).
    value_name = (_(RATE_BAR_PER).format(base=per_base(base)).replace("<br>", " ") if metric == "rate_per_1000"
                  else metric_label(metric))
    f_area, f_incidents, f_prior, f_change = _("Area"), _("Incidents"), _("A year earlier"), _("Change")
    # "Per 1,000 residents, size-adjusted", the words of the Plotly hover's line (``style.shrunk_rate_line``).
    f_shrunk = shrunk_rate_line("", base).rstrip().rstrip(":")
    f_raw, f_residents = _("Raw rate"), _("Residents (denominator)")
    f_note = _("Caution")
    hidden_why = _(HIDDEN_WHY)
    areas = []
    ids = set(data["area_id"])
    by_id = {f["id"]: f for f in features.get("features", []) if f.get("id") in ids}
    for (_i, row), value, kind, shrunk_text, raw_text, note in zip(data.iterrows(), values, kinds, shrunk, raw, notes):
        feature = by_id.get(row["area_id"])
        if feature is None:
            continue
        pct = (f"{float(row['pct_change']):+.1f}%" if pd.notna(row["pct_change"])
               else why_no_value(row, "pct_change"))
        residents = _(NO_POPULATION) if pd.isna(row["population"]) else f"{int(row['population']):,}"
        area = {"type": "Feature", "id": str(row["area_id"]), "geometry": _geometry(feature["geometry"]),
                "kind": kind, value_name: None if kind != "value" else round(float(value), 4),
                f_area: str(row["area_name"]),
                f_incidents: _(privacy.row_text(row, "incidents", missing=N_("no data"))),
                f_prior: _(privacy.row_text(row, "incidents_prior_year", missing=N_("no data")))}
        if kind == "hidden":  # said in words, styled apart from "no value"; no rate made from a hidden count
            area.update({f_change: hidden_why, f_shrunk: hidden_why, f_raw: hidden_why, f_residents: residents,
                         f_note: hidden_why})
        else:
            area.update({f_change: f"{pct} · {row['noise']}" if row["noise"] else pct, f_shrunk: shrunk_text,
                         f_raw: raw_text, f_residents: residents,
                         f_note: " · ".join(t for t in (why_no_value(row, metric) if kind == "none" else "", note) if t)})
        areas.append(area)
    # Hidden areas last: their heavy outline is drawn over their neighbours' thin ones.
    areas.sort(key=lambda a: ("value", "none", "hidden").index(a["kind"]))

    style_scheme, reverse = SCHEMES[metric]
    shown = values[kinds == "value"]
    if metric == "pct_change" and shown.notna().any():
        reach = max(abs(shown.min()), abs(shown.max()), 1.0)
        domain = [-reach, reach]  # centre the diverging scale on "no change"
    else:
        domain = [float(shown.min()), float(shown.max())] if len(shown) else [0.0, 1.0]
        if domain[0] == domain[1]:
            domain = [domain[0], domain[0] + 1.0]
    legend = alt.Legend(orient="bottom", direction="horizontal", title=vega.lines(value_name, 40), titleLimit=340,
                        gradientLength=300, labelOverlap=False,
                        # Five labels evenly along the bar: room for each, none hidden for overlapping.
                        values=[round(domain[0] + (domain[1] - domain[0]) * i / 4, 4) for i in range(5)],
                        format=(vega.ONE_DECIMAL if metric == "rate_per_1000"
                                else "+.0f" if domain[1] - domain[0] >= 8 else "+.1~f"),
                        labelExpr=alt.Undefined if metric == "rate_per_1000" else "datum.label + '%'")
    colour = alt.Color(field=vega.field(value_name), type="quantitative", legend=legend,
                       scale=alt.Scale(scheme=style_scheme, reverse=reverse, domain=domain, clamp=True),
                       condition=[{"test": "datum.kind === 'hidden'", "value": SUPPRESSED_FILL},
                                  {"test": "datum.kind === 'none'", "value": NO_VALUE_GREY}])
    # A caution (or why an area has no value) is a line of the tooltip only on a map where some area has one.
    cautions = any(area[f_note] for area in areas)
    for area in areas:
        if cautions:
            area[f_note] = area[f_note] or "–"
        else:
            del area[f_note]
    tooltip = [alt.Tooltip(field=vega.field(name), type="nominal", title=name)
               for name in (f_area, f_incidents, f_prior, f_change, f_shrunk, f_raw, f_residents, f_note)
               if name != f_note or cautions]
    pick = alt.selection_point(name=SELECTION, fields=["id"], on="click", clear=False, toggle=False)
    shapes = alt.Chart(alt.Data(values=areas)).mark_geoshape(fillOpacity=0.9, invalid="show").encode(
        color=colour,
        stroke=alt.condition("datum.kind === 'hidden'", alt.value(SUPPRESSED_LINE["color"]), alt.value(AREA_LINE)),
        strokeWidth=alt.condition("datum.kind === 'hidden'", alt.value(SUPPRESSED_LINE["width"]), alt.value(0.8)),
        tooltip=tooltip,
        # What a screen reader hears of an area: its name and the value it is shaded by, in words.
        description=alt.Description(field="described", type="nominal"),
    ).transform_calculate(
        described=f"datum[{_expr(f_area)}] + ': ' + datum[{_expr(f_shrunk if metric == 'rate_per_1000' else f_change)}]"
    ).properties(name="areas").add_params(pick)

    layers = []
    # The city's outline, rivers and roads (``geo.context_features``) under the areas, for finding one's way
    # (hidden from screen readers, as the drawn numbers are: each area's description names it).
    for kind, lines in context_lines(context, _bounds({"features": list(by_id.values())})).items():
        colour_line, width = CONTEXT_STYLE[kind]
        layers.append(alt.Chart(alt.Data(values=lines)).mark_geoshape(
            filled=False, stroke=colour_line, strokeWidth=width, opacity=0.9, tooltip=None, aria=False))
    layers.append(shapes)
    if len(features.get("features", [])) <= MAX_LABELLED_AREAS:  # district numbers; neighborhoods on hover
        points = []
        for area in areas:
            if len(area["id"]) <= 4:
                lon, lat = label_point(area["geometry"])
                points.append({"lon": round(lon, 5), "lat": round(lat, 5), _("District"): area["id"]})
        if points:
            for halo in (True, False):  # a white halo, then dark ink: the number reads on any fill
                label = alt.Chart(alt.Data(values=points)).mark_text(
                    fontSize=14, fontWeight="bold", font=vega.FONT_FAMILY, fill=LABEL_INK,
                    stroke=LABEL_HALO if halo else None, strokeWidth=4 if halo else 0, strokeJoin="round",
                    opacity=0.92 if halo else 1, tooltip=None, aria=False).encode(
                    longitude=alt.Longitude(field="lon", type="quantitative"),
                    latitude=alt.Latitude(field="lat", type="quantitative"),
                    text=alt.Text(field=vega.field(_("District")), type="nominal"))
                layers.append(label if halo else label.properties(name="area_numbers"))
    chart = alt.layer(*layers).project(type="mercator").properties(height=MAP_HEIGHT, width="container")
    return vega.finish(chart, title, subtitle or None)


# --- The engagement scatter -------------------------------------------------------------------------

INTENSITY_LABELS = {  # translated where shown
    "events_per_1000_per_year": N_("Engagement events per 1,000 residents per year"),
    "officer_hours_per_1000_per_year": N_("Officer engagement hours per 1,000 residents per year"),
}


def scatter_points(table: pd.DataFrame, intensity: str) -> pd.DataFrame:
    """The districts the engagement scatter draws: those with an intensity and a % change from at least
    ``MIN_COUNT_FOR_PCT`` incidents a year earlier (a % from fewer is too few to compare)."""
    data = _areas_only(table)
    data = data[pd.to_numeric(data[intensity], errors="coerce").notna() & data["pct_change"].notna()]
    prior = pd.to_numeric(data["incidents_prior_year"], errors="coerce")
    return data[prior >= MIN_COUNT_FOR_PCT].copy()


def scatter_left_out(table: pd.DataFrame, intensity: str) -> str | None:
    """Which districts the engagement scatter leaves out and why, in one sentence (None: none)."""
    areas = _areas_only(table)
    drawn = set(scatter_points(table, intensity)["area_id"])
    left = areas[~areas["area_id"].isin(drawn)]
    if left.empty:
        return None
    # The page's language: "Distrito 6 – Westview", not the source's "District 6 – Westview".
    names = ", ".join(district_title(str(i), str(n)) for i, n in zip(left["area_id"], left["area_name"]))
    if pd.to_numeric(areas[intensity], errors="coerce").isna().all():
        return _("No bubbles: engagement is not recorded for this period.")
    return _("Not drawn: {names}. A bubble needs a % change from at least {n} incidents a year earlier (fewer are "
             "too few to compare) and a population figure.").format(names=names, n=MIN_COUNT_FOR_PCT)


def scatter_columns(intensity: str) -> dict[str, str]:
    """The scatter's columns in the reader's words (its "Show data" table and tooltip titles)."""
    return {"number": _("Number"), "area": _("District"), "x": _(INTENSITY_LABELS[intensity]),
            "y": _("% change in incidents vs a year earlier"), "population": _("Residents"),
            "incidents": _("Incidents"), "prior": _("A year earlier"), "noise": _("Reading"),
            "events": _("Engagement events"), "hours": _("Officer hours")}


def engagement_scatter(table: pd.DataFrame, intensity: str, title: str):
    """Engagement intensity (x) against % change in incidents (y), one bubble per district sized by
    population with its number inside, a dotted line at no change, subtitled "association, not effect";
    a chart that says why when no district can be drawn."""
    if intensity not in INTENSITY_LABELS:
        raise ValueError(f"intensity must be one of {', '.join(INTENSITY_LABELS)}, not {intensity!r}")
    subtitle = _(ASSOCIATION_NOT_EFFECT)
    data = scatter_points(table, intensity)
    if data.empty:  # an empty chart says why it is empty
        return vega.empty(title, scatter_left_out(table, intensity) or _("No district has figures to draw."),
                          wrap_title(subtitle, 46))
    c = scatter_columns(intensity)
    noise = [_(n) for n in privacy.noise_labels(data, noise_label)]
    frame = pd.DataFrame({
        c["number"]: data["area_id"].astype(str).to_numpy(),
        c["area"]: [district_title(str(i), str(n)) for i, n in zip(data["area_id"], data["area_name"])],
        c["x"]: data[intensity].astype(float).to_numpy(),
        c["y"]: data["pct_change"].astype(float).to_numpy(),
        c["population"]: data["population"].astype(float).to_numpy(),
        c["incidents"]: [_(privacy.row_text(r, "incidents", missing=N_("no data"))) for _i, r in data.iterrows()],
        c["prior"]: [_(privacy.row_text(r, "incidents_prior_year", missing=N_("no data"))) for _i, r in data.iterrows()],
        c["noise"]: noise,
        c["events"]: pd.to_numeric(data["engagement_events"], errors="coerce").astype(float).to_numpy(),
        c["hours"]: pd.to_numeric(data["officer_hours"], errors="coerce").astype(float).to_numpy(),
    })
    # Few enough ticks that no label is hidden for overlapping (Vega hides one by making it transparent).
    x = alt.X(field=vega.field(c["x"]), type="quantitative", title=vega.lines(c["x"], 40),
              scale=alt.Scale(zero=False, nice=True, padding=24), axis=alt.Axis(tickCount=5, labelOverlap=False))
    y = alt.Y(field=vega.field(c["y"]), type="quantitative", title=vega.lines(c["y"], 40),
              scale=alt.Scale(nice=True, padding=24), axis=alt.Axis(labelExpr="datum.label + '%'"))
    tooltip = [alt.Tooltip(field=vega.field(c["area"]), type="nominal", title=c["area"]),
               alt.Tooltip(field=vega.field(c["x"]), type="quantitative", format=vega.ONE_DECIMAL, title=c["x"]),
               alt.Tooltip(field=vega.field(c["y"]), type="quantitative", format="+.1f", title=c["y"]),
               alt.Tooltip(field=vega.field(c["population"]), type="quantitative", format=vega.COUNT,
                           title=c["population"]),
               alt.Tooltip(field=vega.field(c["incidents"]), type="nominal", title=c["incidents"]),
               alt.Tooltip(field=vega.field(c["prior"]), type="nominal", title=c["prior"]),
               alt.Tooltip(field=vega.field(c["noise"]), type="nominal", title=c["noise"]),
               alt.Tooltip(field=vega.field(c["events"]), type="quantitative", format=vega.COUNT, title=c["events"]),
               alt.Tooltip(field=vega.field(c["hours"]), type="quantitative", format=vega.COUNT, title=c["hours"])]
    base = alt.Chart(frame).encode(x=x, y=y)
    # Light blue bubbles outlined in the darker blue (3:1 on white), the district number in dark ink on them.
    bubbles = base.mark_circle(color=BUBBLE_FILL, opacity=0.85, stroke=POINT_COLOR, strokeWidth=1.5).encode(
        size=alt.Size(field=vega.field(c["population"]), type="quantitative", legend=None,
                      scale=alt.Scale(range=[0, 1600])),  # area proportional to residents
        tooltip=tooltip)
    numbers = base.mark_text(color=LABEL_INK, fontSize=12, fontWeight="bold", font=vega.FONT_FAMILY).encode(
        text=alt.Text(field=vega.field(c["number"]), type="nominal"), tooltip=tooltip)
    zero = alt.Chart(pd.DataFrame({c["y"]: [0.0]})).mark_rule(color="#888888", strokeDash=[2, 3]).encode(
        y=alt.Y(field=vega.field(c["y"]), type="quantitative"))
    chart = alt.layer(zero, bubbles, numbers).properties(height=400, width="container")
    # The subtitle is long: wrapped narrower than ``vega.finish`` would, so a phone never cuts it.
    return vega.finish(chart, title, wrap_title(subtitle, 46))
