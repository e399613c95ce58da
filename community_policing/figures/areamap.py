"""What every Vega-Lite area map shares (the Overview's map, ``figures.overview.choropleth``, and the Map page's
layers, ``figures.maps.layer_map``): outlines sent inline as GeoJSON features with their coordinates rounded to
about a metre, the city's context lines under the areas, district numbers drawn on them, and the click that
opens a district. Pure: no Streamlit here.

Why Vega-Lite for maps: Streamlit draws a Plotly figure with a 4.6 MB script, about a second of a page's first
visit on a 2-core machine, and a Plotly map adds MapLibre drawing WebGL in software; a Vega-Lite map is SVG
drawn from the spec (no tiles, no WebGL, no network), fits the column's width on a phone by itself, and a click
on an area comes back as a point selection (``SELECTION``: ``{"selection": {"pick": [{"id": "3"}]}}``, read by
``display.open_district_on_click``).
"""

from __future__ import annotations

import altair as alt
from shapely.geometry import box, mapping, shape
from shapely.ops import polylabel

from community_policing.figures import vega
from community_policing.figures.style import NO_VALUE_GREY, SUPPRESSED_FILL
from community_policing.i18n import _

SELECTION = "pick"  # the name of a map's click selection: {"selection": {"pick": [{"id": area_id}]}}
NUMBER_SELECTIONS = ("pick_number_halo", "pick_number")  # a click on a district's drawn number
AREA_LINE = "#555555"
LABEL_INK, LABEL_HALO = "#111111", "#ffffff"
DIGITS = 5  # decimal places kept of a coordinate: about 1 m, finer than a pixel of any city map
CONTEXT_MARGIN = 0.06  # of the areas' extent: context lines this far outside the areas are drawn
CONTEXT_STYLE = {  # kind -> (colour, width): light, so the areas stay the subject
    "city": ("#6f6f6f", 2.0),
    "water": ("#6baed6", 3.0),
    "road": ("#b0a38f", 1.6),
    "other": ("#9e9e9e", 1.2),
}
# At most this many areas get drawn numbers by default: district maps, not neighborhood maps (which label
# on hover and with the search box), where numbers would crowd.
MAX_LABELLED_AREAS = 30


def label_point(geom: dict) -> tuple[float, float]:
    """Where an area's label goes: its pole of inaccessibility (the inside point farthest from the edge),
    so a label sits well inside even a crescent-shaped or concave area."""
    shaped = shape(geom)
    if shaped.geom_type == "MultiPolygon":  # the largest part carries the label
        shaped = max(shaped.geoms, key=lambda g: g.area)
    minx, miny, maxx, maxy = shaped.bounds
    point = polylabel(shaped, tolerance=max(maxx - minx, maxy - miny) / 200)
    return point.x, point.y


def expr(name: str) -> str:
    """A column name as a quoted string of a Vega expression (``datum[...]``)."""
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _round(coords, digits: int = DIGITS):
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), digits) for c in coords]
    return [_round(c, digits) for c in coords]


def geometry(geom: dict, digits: int = DIGITS) -> dict:
    """A GeoJSON geometry with its coordinates rounded (the spec carries every outline)."""
    return {"type": geom["type"], "coordinates": _round(geom["coordinates"], digits)}


def bounds(features: dict) -> tuple[float, float, float, float] | None:
    found = [shape(f["geometry"]).bounds for f in features.get("features", [])]
    if not found:
        return None
    return (min(b[0] for b in found), min(b[1] for b in found), max(b[2] for b in found), max(b[3] for b in found))


def context_lines(context: dict | None, extent) -> dict[str, list[dict]]:
    """The city's context lines of each kind (``CONTEXT_STYLE``: city limits, water, roads), clipped to the
    areas' ``extent`` and a ``CONTEXT_MARGIN`` round them (a map fits every shape it draws: a long river would
    zoom the city out; the margin keeps a river running along the city's edge) and simplified finer than a
    pixel; a polygon (city limits) is drawn by its outline."""
    if not context or not context.get("features") or extent is None:
        return {}
    minx, miny, maxx, maxy = extent
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
        found.setdefault(kind, []).append({"type": "Feature", "geometry": geometry(mapping(geom)), "properties": {}})
    return found


def context_layers(context: dict | None, areas: list[dict]) -> list[alt.Chart]:
    """The city's outline, rivers and roads (``geo.context_features``) as light lines, to draw under the areas
    for finding one's way (hidden from screen readers, as the drawn numbers are: each area's description
    names it)."""
    layers = []
    for kind, lines in context_lines(context, bounds({"features": areas})).items():
        colour, width = CONTEXT_STYLE[kind]
        layers.append(alt.Chart(alt.Data(values=lines)).mark_geoshape(
            filled=False, stroke=colour, strokeWidth=width, opacity=0.9, tooltip=None, aria=False))
    return layers


def labelled(features: dict) -> bool:
    """Whether a map draws its areas' numbers: one of at most ``MAX_LABELLED_AREAS`` areas (a district map;
    neighborhoods are named on hover and found with the search box, where numbers would crowd)."""
    return len(features.get("features", [])) <= MAX_LABELLED_AREAS


def number_layers(areas: list[dict]) -> list[alt.Chart]:
    """Each area's number (an id of at most 4 characters) at its pole of inaccessibility, dark ink on a white
    halo so it reads on any fill. The ink layer is named ``area_numbers``. A click on a number opens its
    district as a click on the area does: each layer has its own point selection of the area's id
    (``NUMBER_SELECTIONS``; Vega-Lite gives a selection to one layer only)."""
    points = []
    for area in areas:
        if len(area["id"]) <= 4:
            lon, lat = label_point(area["geometry"])
            points.append({"id": area["id"], "lon": round(lon, 5), "lat": round(lat, 5), _("District"): area["id"]})
    if not points:
        return []
    layers = []
    for halo, selection in zip((True, False), NUMBER_SELECTIONS):
        label = alt.Chart(alt.Data(values=points)).mark_text(
            fontSize=14, fontWeight="bold", font=vega.FONT_FAMILY, fill=LABEL_INK,
            stroke=LABEL_HALO if halo else None, strokeWidth=4 if halo else 0, strokeJoin="round",
            opacity=0.92 if halo else 1, tooltip=None, aria=False, cursor="pointer").encode(
            longitude=alt.Longitude(field="lon", type="quantitative"),
            latitude=alt.Latitude(field="lat", type="quantitative"),
            text=alt.Text(field=vega.field(_("District")), type="nominal")).add_params(pick(selection))
        layers.append(label if halo else label.properties(name="area_numbers"))
    return layers


def pick(name: str = SELECTION) -> alt.Parameter:
    """The click on an area: a point selection of its id (``SELECTION``)."""
    return alt.selection_point(name=name, fields=["id"], on="click", clear=False, toggle=False)


def selections(chart) -> list[str]:
    """The names of a map's click selections (the areas' and, on a district map, its numbers'), for
    ``st.altair_chart(selection_mode=...)``."""
    params = chart.params if isinstance(chart.params, list) else []  # Altair lifts a layer's selection to the top
    return [param.name for param in params if getattr(param, "select", None) is not None]


def described(name_field: str, value_field: str) -> str:
    """The Vega expression of what a screen reader hears of an area: its name and its value in words."""
    return f"datum[{expr(name_field)}] + ': ' + datum[{expr(value_field)}]"


def shading(value_name: str, shown, scheme: str, *, reverse: bool = False, centred: bool = False,
            percent: bool = False) -> alt.Color:
    """The areas' colour: ``shown`` (the values of the areas that have one) on ``scheme``, centred on 0 when
    ``centred`` (a change: the middle colour is "no change"), with a horizontal legend under the map titled
    ``value_name`` and five labels evenly along it (room for each, none hidden for overlapping); an area with
    no value is grey and one hidden in the public view white (``kind`` "none" and "hidden")."""
    if centred and len(shown) and shown.notna().any():
        reach = max(abs(float(shown.min())), abs(float(shown.max())), 1.0)
        domain = [-reach, reach]
    else:
        domain = [float(shown.min()), float(shown.max())] if len(shown) else [0.0, 1.0]
        if domain[0] == domain[1]:
            domain = [domain[0], domain[0] + 1.0]
    legend = alt.Legend(orient="bottom", direction="horizontal", title=vega.lines(value_name, 40), titleLimit=340,
                        gradientLength=300, labelOverlap=False,
                        values=[round(domain[0] + (domain[1] - domain[0]) * i / 4, 4) for i in range(5)],
                        format=("+.0f" if domain[1] - domain[0] >= 8 else "+.1~f") if percent else vega.ONE_DECIMAL,
                        labelExpr="datum.label + '%'" if percent else alt.Undefined)
    return alt.Color(field=vega.field(value_name), type="quantitative", legend=legend,
                     scale=alt.Scale(scheme=scheme, reverse=reverse, domain=domain, clamp=True),
                     condition=[{"test": "datum.kind === 'hidden'", "value": SUPPRESSED_FILL},
                                {"test": "datum.kind === 'none'", "value": NO_VALUE_GREY}])


def keep_cautions(areas: list[dict], note: str) -> bool:
    """A caution (or why an area has no value: field ``note``) is a line of the tooltip only on a map where some
    area has one; there, an area without one says "–". Changes ``areas``; True when the line is kept."""
    cautions = any(area[note] for area in areas)
    for area in areas:
        if cautions:
            area[note] = area[note] or "–"
        else:
            del area[note]
    return cautions
