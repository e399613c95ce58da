-- Incidents reported in a period whose occurrence date is unknown: counted by date reported, but
-- in no period by date occurred (the pages say so beside counts by date occurred).
-- $offense_group: NULL for all offenses, an offense group code, or 'category:<category>'.
SELECT COALESCE(SUM(occurrence_unknown), 0) AS incidents
FROM incident_counts_daily
WHERE date_basis = 'reported'
  AND day BETWEEN $start AND $end
  AND ($district_id IS NULL OR district_id = $district_id)
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group));
