-- Citywide counted incidents per day over the history a noise reading measures normal variation from
-- (metrics.city_dispersion: the Overview's and the briefing's citywide comparison), the unassigned included.
-- $date_basis; $offense_group as in area_incident_counts (NULL, a group code or 'category:<category>');
-- $start and $end bound the history.
SELECT day, SUM(incidents) AS incidents
FROM incident_counts_daily
WHERE date_basis = $date_basis
  AND day BETWEEN $start AND $end
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY day
ORDER BY day;
