-- Engagement in one district (or citywide when $district_id is NULL) by type, in a period and the same days a year earlier.
SELECT type,
       COUNT(*) FILTER (WHERE date BETWEEN $start AND $end) AS events,
       COALESCE(SUM(officer_hours) FILTER (WHERE date BETWEEN $start AND $end), 0) AS officer_hours,
       COALESCE(SUM(attendees) FILTER (WHERE date BETWEEN $start AND $end), 0) AS attendees,
       COALESCE(SUM(cost) FILTER (WHERE date BETWEEN $start AND $end), 0) AS cost,
       COUNT(*) FILTER (WHERE date BETWEEN $prior_start AND $prior_end) AS events_prior_year,
       COALESCE(SUM(officer_hours) FILTER (WHERE date BETWEEN $prior_start AND $prior_end), 0) AS officer_hours_prior_year
FROM engagement
WHERE ($district_id IS NULL OR district_id = $district_id)
  AND (date BETWEEN $start AND $end OR date BETWEEN $prior_start AND $prior_end)
GROUP BY type
ORDER BY type;
