-- Counted incidents (and how many of them later corrections remove) per area in a period and in the same period one year earlier.
-- $level: 'district' or 'neighborhood'. $offense_group: NULL for all offenses, an offense group code
-- (robbery, other), or a category written 'category:violent' (category:property, category:other). Areas with no incidents are absent; incidents that
-- fall in no area come back with area_id NULL.
SELECT
    CASE WHEN $level = 'district' THEN district_id ELSE neighborhood_id END AS area_id,
    COALESCE(SUM(incidents) FILTER (WHERE day BETWEEN $start AND $end), 0) AS incidents,
    COALESCE(SUM(incidents) FILTER (WHERE day BETWEEN $prior_start AND $prior_end), 0) AS incidents_prior_year,
    COALESCE(SUM(corrected) FILTER (WHERE day BETWEEN $start AND $end), 0) AS corrected,
    COALESCE(SUM(corrected) FILTER (WHERE day BETWEEN $prior_start AND $prior_end), 0) AS corrected_prior_year
FROM incident_counts_daily
WHERE date_basis = $date_basis
  AND (day BETWEEN $start AND $end OR day BETWEEN $prior_start AND $prior_end)
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY 1;
