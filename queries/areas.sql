-- The areas of one level with their names and populations, in natural id order.
SELECT * FROM (
    SELECT id AS area_id, name AS area_name, population, population_year, id AS district_id
    FROM districts
    WHERE $level = 'district'
    UNION ALL
    SELECT n.id, n.name, n.population, d.population_year, n.district_id
    FROM neighborhoods AS n
    LEFT JOIN districts AS d ON d.id = n.district_id
    WHERE $level = 'neighborhood'
)
ORDER BY TRY_CAST(area_id AS INTEGER) NULLS LAST, area_id;
