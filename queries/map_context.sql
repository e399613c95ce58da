-- Context lines for maps (city limits, rivers, major roads), drawn under the areas.
SELECT kind, part, name, geojson
FROM map_context
ORDER BY kind, part;
