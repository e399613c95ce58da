"""What a test reads of the Overview's Vega-Lite map (``figures.overview.choropleth``): its areas (inline GeoJSON
features with their tooltip fields in the reader's words), their shading, the district numbers drawn on it, and
the context lines under it. Works on a chart object or on a spec dict (``tests.charts.vega_charts``)."""

from __future__ import annotations

from tests.charts import vega_charts


def spec_of(chart) -> dict:
    if isinstance(chart, dict):
        return chart.get("spec", chart)
    return chart.to_dict()


def areas_layer(chart) -> dict:
    """The layer drawing the areas (the one that can be clicked)."""
    return next(layer for layer in spec_of(chart)["layer"] if layer.get("name") == "areas")


def areas(chart) -> list[dict]:
    """Every area drawn: {"id", "kind" ("value", "none": grey, "hidden": public view), its fields...}."""
    data = areas_layer(chart).get("data") or spec_of(chart)["data"]  # a map of one layer has its data on top
    return data["values"]


def ids(chart, kind: str | None = None) -> list[str]:
    return [a["id"] for a in areas(chart) if kind is None or a["kind"] == kind]


def value_field(chart) -> str:
    """The name of the shaded value's field (its legend title, in the reader's words)."""
    return areas_layer(chart)["encoding"]["color"]["field"].replace("\\.", ".")


def values(chart) -> dict[str, float | None]:
    """Each area's shaded value (None: not shaded)."""
    field = value_field(chart)
    return {a["id"]: a[field] for a in areas(chart)}


def colour_scale(chart) -> dict:
    return areas_layer(chart)["encoding"]["color"]["scale"]


def legend_title(chart) -> str:
    title = areas_layer(chart)["encoding"]["color"]["legend"]["title"]
    return " ".join(title) if isinstance(title, list) else title


def tooltip_titles(chart) -> list[str]:
    return [t["title"] for t in areas_layer(chart)["encoding"]["tooltip"]]


def tooltip(chart, area_id: str) -> str:
    """An area's tooltip as a reader sees it, one "Title: value" a line."""
    area = next(a for a in areas(chart) if a["id"] == area_id)
    return "\n".join(f"{t['title']}: {area.get(t['field'].replace(chr(92) + '.', '.'))}"
                     for t in areas_layer(chart)["encoding"]["tooltip"])


def labels(chart) -> list[str]:
    """The district numbers drawn on the map (the ink layer, over a white halo)."""
    layer = next((layer for layer in spec_of(chart)["layer"] if layer.get("name") == "area_numbers"), None)
    if layer is None:
        return []
    field = layer["encoding"]["text"]["field"]
    return [str(p[field]) for p in layer["data"]["values"]]


def context_layers(chart) -> list[dict]:
    """The context lines' layers (unfilled shapes under the areas)."""
    return [layer for layer in spec_of(chart)["layer"]
            if layer.get("mark", {}).get("type") == "geoshape" and layer["mark"].get("filled") is False]


def map_chart(at) -> dict:
    """The Overview map of an AppTest run (``vega_charts``' dict)."""
    return next(c for c in vega_charts(at) if "map_chart" in c["key"])


def scatter_chart(at) -> dict | None:
    """The engagement scatter of an AppTest run (its subtitle says "association, not effect")."""
    from tests.charts import subtitle_of

    return next((c for c in vega_charts(at) if "map_chart" not in c["key"]
                 and subtitle_of(c).startswith(("Association, not effect", "Asociación, no efecto"))), None)
