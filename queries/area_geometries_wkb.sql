-- Full boundaries of every area as WKB, to prepare the map shapes from.
SELECT 'district' AS level, id AS area_id, ST_AsWKB(geometry) AS wkb FROM districts
UNION ALL
SELECT 'neighborhood', id, ST_AsWKB(geometry) FROM neighborhoods;
