"""Boundaries prepared for maps: simplified once, at load, so every map stays light.

Neighboring areas share edges; simplifying each polygon on its own would open slivers between
them. Coverage simplification (GEOS) simplifies shared edges once, so the map keeps its topology.
"""

from __future__ import annotations

import pandas as pd
import shapely

# About 10 m at Missouri's latitude: below one pixel at the zoom a city map is drawn at.
SIMPLIFY_TOLERANCE_DEGREES = 0.0001
# About 1 m: coordinates need no more digits than this for a map.
PRECISION_DEGREES = 0.00001


def map_shapes(level: str, area_ids: list[str], wkb: list[bytes]) -> pd.DataFrame:
    """Rows for ``area_shapes``: level, area_id and simplified GeoJSON geometry text."""
    if not wkb:
        return pd.DataFrame(columns=["level", "area_id", "geojson"])
    geoms = shapely.from_wkb(wkb)
    simplified = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE_DEGREES)
    # An invalid input coverage (overlapping source polygons) can come back invalid: fall back per shape.
    bad = ~shapely.is_valid(simplified)
    if bad.any():
        simplified[bad] = shapely.simplify(geoms[bad], SIMPLIFY_TOLERANCE_DEGREES, preserve_topology=True)
    rounded = shapely.set_precision(simplified, PRECISION_DEGREES)
    return pd.DataFrame({"level": level, "area_id": list(area_ids), "geojson": shapely.to_geojson(rounded)})


CONTEXT_KINDS = ("city", "water", "road", "other")


def context_shapes(kind: str, names: list, geoms: list) -> pd.DataFrame:
    """Rows for ``map_context``: one kind of context line (city limits, water, roads), each shape simplified
    on its own (they share no edges) and rounded like the areas. Empty and invalid shapes are dropped."""
    if kind not in CONTEXT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(CONTEXT_KINDS)}, not {kind!r}")
    rows = []
    for name, geom in zip(names, geoms):
        if geom is None or geom.is_empty:
            continue
        simple = shapely.set_precision(shapely.simplify(geom, SIMPLIFY_TOLERANCE_DEGREES, preserve_topology=True),
                                       PRECISION_DEGREES)
        if simple.is_empty:
            continue
        rows.append({"kind": kind, "part": len(rows), "name": None if name is None or pd.isna(name) else str(name),
                     "geojson": shapely.to_geojson(simple)})
    return pd.DataFrame(rows, columns=["kind", "part", "name", "geojson"])


def city_limits(district_geoms: list) -> pd.DataFrame:
    """The city limits as the outer edge of the district layer: the context line of a city that ships none."""
    if not district_geoms:
        return pd.DataFrame(columns=["kind", "part", "name", "geojson"])
    outline = shapely.union_all([g for g in district_geoms if g is not None]).boundary
    return context_shapes("city", [None], [outline])
