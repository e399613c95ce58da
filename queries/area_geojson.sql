-- Boundaries of one level as GeoJSON geometry text, for maps.
SELECT id AS area_id, name AS area_name, ST_AsGeoJSON(geometry) AS geojson
FROM districts
WHERE $level = 'district'
UNION ALL
SELECT id, name, ST_AsGeoJSON(geometry)
FROM neighborhoods
WHERE $level = 'neighborhood';
