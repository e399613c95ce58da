-- Citywide counted incidents per day for one date basis and offense filter ($offense_group: NULL, a group
-- code or 'category:<category>'), from the daily aggregate.
SELECT day, SUM(incidents) AS incidents
FROM incident_counts_daily
WHERE date_basis = $date_basis
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY day
ORDER BY day;
