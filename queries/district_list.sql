-- The districts, for the District page's picker: names, residents (the denominator of rates) and
-- sworn officers (the denominator of training hours per officer), in natural id order.
SELECT d.id AS district_id, d.name AS district_name, d.population, d.population_year, d.sworn_officers,
       (SELECT COUNT(*) FROM neighborhoods AS n WHERE n.district_id = d.id) AS neighborhoods
FROM districts AS d
ORDER BY TRY_CAST(d.id AS INTEGER) NULLS LAST, d.id;
