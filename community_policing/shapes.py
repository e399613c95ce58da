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
