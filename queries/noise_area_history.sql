-- Counted incidents per area and day over the history a noise reading measures normal variation from
-- (noise.area_dispersions, called by metrics.area_dispersions). The same filters as area_incident_counts:
-- $level 'district' or 'neighborhood'; $date_basis; $offense_group NULL for all offenses, an offense group
-- code (robbery, other) or a category written 'category:violent'. $start and $end bound the history (the
-- data's comparison start and the day before the compared period). Incidents in no area have area_id NULL;
-- days without incidents are absent.
SELECT
    CASE WHEN $level = 'district' THEN district_id ELSE neighborhood_id END AS area_id,
    day,
    SUM(incidents) AS incidents
FROM incident_counts_daily
WHERE date_basis = $date_basis
  AND day BETWEEN $start AND $end
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY 1, 2
HAVING SUM(incidents) <> 0;
