-- Counted incidents per calendar month in one district (citywide, the unassigned included, when
-- $district_id is NULL) between $start and $end (inclusive; a month cut
-- by either bound counts only its days inside). $offense_group: NULL for all offenses, a group code, or
-- 'category:<category>' (category:violent, category:property, category:other). Months with no incidents are absent.
SELECT CAST(date_trunc('month', day) AS DATE) AS month, SUM(incidents) AS incidents
FROM incident_counts_daily
WHERE date_basis = $date_basis
  AND ($district_id IS NULL OR district_id = $district_id)
  AND day BETWEEN $start AND $end
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY 1
ORDER BY 1;
