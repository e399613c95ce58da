"""Polygon layers (districts, neighborhoods, or any areas a city uses) and how they nest.

Reads GeoJSON, GeoParquet, Shapefile or zipped Shapefile with geopandas, reprojects to WGS84,
repairs invalid rings, and dissolves multi-part features that share an id (Chicago's district 31
is three features). Area shares for the neighborhood-to-district crosswalk are computed in a
local metric projection (UTM), never in degrees.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from community_policing.data import limits
from community_policing.data.importers.errors import SourceFileError

BOUNDARY_SUFFIXES = (".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".zip", ".gpkg")


def normalise_id(value) -> str | None:
    """Area ids as text: 14, 14.0 and " 14 " all become "14"."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def read_areas(path: Path, id_field: str, name_field: str | None = None, crs: str | None = None,
               name_template: str | None = None) -> gpd.GeoDataFrame:
    """A polygon layer as columns id, name, geometry (EPSG:4326), one row per id.

    ``crs`` is the layer's CRS when the file does not say (a shapefile without .prj); a file that
    declares its own CRS is trusted. ``name_template`` (e.g. "District {id}") names areas
    when the layer has no name field.
    """
    if not path.exists():
        raise SourceFileError(path, "file not found; expected a boundary layer (GeoJSON, GeoParquet or Shapefile)")
    if path.suffix.lower() not in BOUNDARY_SUFFIXES:
        raise SourceFileError(path, f"unknown boundary format {path.suffix!r}; expected one of {', '.join(BOUNDARY_SUFFIXES)}")
    _check_size(path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            layer = gpd.read_parquet(path)
        elif path.suffix.lower() == ".zip":
            layer = gpd.read_file(f"zip://{path}")
        else:
            layer = gpd.read_file(path)
    except Exception as exc:  # pyogrio/pyarrow raise many types; the message is what matters
        raise SourceFileError(path, f"cannot read as a boundary layer ({str(exc).splitlines()[0]})") from None
    for field in (id_field, name_field):
        if field and field not in layer.columns:
            raise SourceFileError(path, f"missing field {field!r}; the layer has {', '.join(map(str, layer.columns))}")
    if layer.crs is None:
        if not crs:
            raise SourceFileError(path, "the layer has no CRS; give one in the manifest (crs = \"EPSG:4326\")")
        layer = layer.set_crs(crs)
    try:
        layer = layer.to_crs("EPSG:4326")
    except Exception as exc:
        raise SourceFileError(path, f"cannot reproject to WGS84 ({exc})") from None
    # Accounting, as for every source (load_files): features read = areas + features merged into an
    # area (several features share an id) + features rejected (no geometry), each reject with its
    # feature number (the first feature is 1).
    features_read = len(layer)
    layer["_feature"] = range(1, features_read + 1)
    no_geometry = (layer.geometry.isna() | layer.geometry.is_empty).to_numpy()
    rejected = [(int(n), "geometry", "", "feature has no geometry") for n in layer.loc[no_geometry, "_feature"]]
    layer = layer[~no_geometry].copy()
    layer["geometry"] = shapely.make_valid(layer.geometry.values)
    layer["id"] = layer[id_field].map(normalise_id)
    if layer["id"].isna().any():
        raise SourceFileError(path, f"{int(layer['id'].isna().sum())} feature(s) have no {id_field}")
    if name_field:
        layer["name"] = layer[name_field].astype(str).str.strip()
    else:
        template = name_template or "{id}"
        layer["name"] = layer["id"].map(lambda i: template.replace("{id}", str(i)))
    areas = layer.dissolve(by="id", aggfunc={"name": "first"}).reset_index()
    areas["geometry"] = areas.geometry.map(_polygonal)
    areas = areas[["id", "name", "geometry"]]
    areas.attrs.update(features_read=features_read, merged=len(layer) - len(areas), rejected=rejected)
    return areas


def read_attributes(path: Path) -> pd.DataFrame:
    """The attribute table of a map layer (GeoJSON, Shapefile, zipped Shapefile, GeoPackage,
    GeoParquet) without its geometry: every cell as stripped text ("" for empty) and ``_line``,
    the feature's position in the layer (the first feature is 1), so problems can be pointed at.

    Numbers that are whole come out without a decimal part (a neighborhood number 8.0 is "8").
    Zero-width spaces (U+200B, U+FEFF), invisible leftovers of copy and paste, are removed.
    """
    frame = _read_layer(path, ignore_geometry=True)
    text = pd.DataFrame({str(c).strip(): frame[c].map(_cell_text).astype(object) for c in frame.columns},
                        index=range(len(frame)))
    text["_line"] = range(1, len(frame) + 1)
    return text


def read_polygons(path: Path) -> gpd.GeoSeries:
    """The polygons of a map layer's features, in WGS84, indexed like ``read_attributes``'
    ``_line`` (the first feature is 1). Invalid rings are repaired and only polygonal parts are
    kept; a feature without geometry, or whose geometry has no area (a point, a line), is empty.
    A layer with no geometry column gives an empty series for every feature.
    """
    layer = _read_layer(path, ignore_geometry=False)
    lines = pd.RangeIndex(1, len(layer) + 1, name="_line")
    geometry = layer.active_geometry_name if isinstance(layer, gpd.GeoDataFrame) else None
    if geometry is None:  # an attribute table (a GeoPackage table, a DBF) has no geometry
        return gpd.GeoSeries([None] * len(layer), index=lines, crs="EPSG:4326")
    geometry = layer[geometry]
    if geometry.crs is None:
        raise SourceFileError(path, "the layer has no CRS, so its polygons cannot be placed; "
                                    "save it with one (GeoJSON is always WGS84)")
    try:
        geometry = geometry.to_crs("EPSG:4326")
    except Exception as exc:
        raise SourceFileError(path, f"cannot reproject to WGS84 ({exc})") from None
    values = geometry.to_numpy()
    usable = ~(shapely.is_missing(values) | shapely.is_empty(values))
    polygons = [None] * len(values)
    for i in usable.nonzero()[0]:
        part = _polygonal(shapely.make_valid(values[i]))
        polygons[i] = part if not part.is_empty and part.area > 0 else None
    return gpd.GeoSeries(polygons, index=lines, crs="EPSG:4326")


def _read_layer(path: Path, ignore_geometry: bool) -> pd.DataFrame:
    """A map layer's features in file order, as a DataFrame (``ignore_geometry``) or GeoDataFrame."""
    if not path.exists():
        raise SourceFileError(path, "file not found; expected a map layer (GeoJSON, Shapefile, GeoPackage or GeoParquet)")
    suffix = path.suffix.lower()
    if suffix not in BOUNDARY_SUFFIXES:
        raise SourceFileError(path, f"unknown layer format {suffix!r}; expected one of {', '.join(BOUNDARY_SUFFIXES)}")
    _check_size(path)
    try:
        if suffix in (".parquet", ".geoparquet"):
            layer = gpd.read_parquet(path)
            return pd.DataFrame(layer.drop(columns=layer.geometry.name)) if ignore_geometry else layer
        layer = gpd.read_file(f"zip://{path}" if suffix == ".zip" else path, ignore_geometry=ignore_geometry)
        return pd.DataFrame(layer) if ignore_geometry else layer
    except Exception as exc:  # pyogrio/pyarrow raise many types; the message is what matters
        raise SourceFileError(path, f"cannot read as a map layer ({str(exc).splitlines()[0]})") from None


def _check_size(path: Path) -> None:
    """Size limits (``community_policing.data.limits``) before the layer is read: the file, or a zip's content."""
    if path.suffix.lower() == ".zip":
        limits.check_zip(path)
    elif path.is_file():
        limits.check_file_size(path)


def _cell_text(value) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value).replace("\u200b", "").replace("\ufeff", "").strip()


def _polygonal(geom):
    """Keep only the polygon parts (make_valid can leave stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def crosswalk(neighborhoods: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Share of each neighborhood's area in each district (rows with share > 0.1 %).

    Columns: neighborhood_id, district_id, area_share. Each neighborhood's shares sum to the
    fraction of it covered by districts (about 1 where the layers agree).
    """
    metric = neighborhoods.estimate_utm_crs()
    n = neighborhoods[["id", "geometry"]].to_crs(metric).rename(columns={"id": "neighborhood_id"})
    d = districts[["id", "geometry"]].to_crs(metric).rename(columns={"id": "district_id"})
    n["n_area"] = n.geometry.area
    pieces = gpd.overlay(n, d, how="intersection", keep_geom_type=True)
    pieces["area_share"] = pieces.geometry.area / pieces["n_area"]
    pieces = pieces[pieces["area_share"] > 0.001]
    return (pieces.groupby(["neighborhood_id", "district_id"], as_index=False)["area_share"].sum()
            .sort_values(["neighborhood_id", "area_share"], ascending=[True, False], ignore_index=True))


def main_district(xwalk: pd.DataFrame) -> pd.Series:
    """For each neighborhood, the district holding the largest share of its area."""
    top = xwalk.sort_values("area_share", ascending=False).drop_duplicates("neighborhood_id")
    return top.set_index("neighborhood_id")["district_id"]


def district_population(xwalk: pd.DataFrame, neighborhood_population: pd.Series) -> pd.Series:
    """District residents as the area-weighted sum of neighborhood residents.

    Area weighting assumes residents spread evenly within a neighborhood; for the few split
    neighborhoods this is better than giving all residents to one district.
    """
    weighted = xwalk.assign(
        residents=xwalk["area_share"] * xwalk["neighborhood_id"].map(neighborhood_population)
    )
    return weighted.groupby("district_id")["residents"].sum(min_count=1).round()
