"""Area boundaries for maps, as a GeoJSON FeatureCollection keyed by area id."""

from __future__ import annotations

import json

from community_policing.store import Store


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
