"""Area boundaries for maps, as a GeoJSON FeatureCollection keyed by area id."""

from __future__ import annotations

import json

from community_policing.data.store import Store


def area_features(store: Store, level: str) -> dict:
    """A FeatureCollection of the areas of ``level``; each feature's ``id`` is the area id."""
    rows = store.query("area_geojson", level=level)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": area_id, "properties": {"name": name}, "geometry": json.loads(geojson)}
            for area_id, name, geojson in rows.itertuples(index=False, name=None)
        ],
    }


def bounds(features: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) over every coordinate in the collection."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords) -> None:
        if coords and isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for f in features["features"]:
        walk(f["geometry"]["coordinates"])
    if not lons:
        raise ValueError("no coordinates in the feature collection")
    return min(lons), min(lats), max(lons), max(lats)


def click_grid(features: dict, area_id: str, across: int = 45) -> tuple[list[float], list[float]]:
    """Points spaced evenly inside one area (about ``across`` along its wider side), rounded to
    about 1 m: the targets a click on a map can pick, since a map trace reports clicks on points,
    not on empty space."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    found = [f for f in features["features"] if str(f["id"]) == str(area_id)]
    if not found:
        return [], []
    area = shape(found[0]["geometry"])
    min_lon, min_lat, max_lon, max_lat = area.bounds
    step = max(max_lon - min_lon, max_lat - min_lat) / across
    lons, lats = np.meshgrid(np.arange(min_lon + step / 2, max_lon, step), np.arange(min_lat + step / 2, max_lat, step))
    inside = shapely.contains_xy(area, lons.ravel(), lats.ravel())
    return (np.round(lons.ravel()[inside], 5).tolist(), np.round(lats.ravel()[inside], 5).tolist())


def context_features(store: Store) -> dict:
    """The city's context lines (``map_context``: city limits, rivers, major roads) as a FeatureCollection
    whose features carry ``kind`` and ``name``; empty for a warehouse built before the table existed."""
    import duckdb

    try:
        rows = store.query("map_context")
    except duckdb.CatalogException:
        return {"type": "FeatureCollection", "features": []}
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": f"{kind}-{part}", "properties": {"kind": kind, "name": name or ""},
             "geometry": json.loads(geojson)}
            for kind, part, name, geojson in rows.itertuples(index=False, name=None)
        ],
    }
