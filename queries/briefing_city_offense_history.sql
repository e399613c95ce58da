-- Counted incidents citywide per offense group and day over the history a noise reading measures normal
-- variation from (the citywide briefing's offense table). $date_basis; $offense_group as in
-- area_incident_counts (NULL, a group code or 'category:<category>'); $start and $end bound the history. The
-- offense group comes back as area_id, so that noise.area_dispersions reads it as any other area.
SELECT
    offense_group AS area_id,
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
