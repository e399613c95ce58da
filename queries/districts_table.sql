-- Districts without geometry: ids, names, residents and sworn officers.
SELECT id, name, population, population_year, sworn_officers FROM districts
ORDER BY TRY_CAST(id AS INTEGER) NULLS LAST, id;
