-- Map-ready (simplified) boundaries of one level as GeoJSON geometry text.
SELECT s.area_id, COALESCE(d.name, n.name) AS area_name, s.geojson
FROM area_shapes AS s
LEFT JOIN districts AS d ON s.level = 'district' AND d.id = s.area_id
LEFT JOIN neighborhoods AS n ON s.level = 'neighborhood' AND n.id = s.area_id
WHERE s.level = $level;
