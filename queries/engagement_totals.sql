-- Citywide engagement in a period and in the same period a year earlier.
SELECT
    COUNT(*) FILTER (WHERE date BETWEEN $start AND $end) AS engagement_events,
    COALESCE(SUM(officer_hours) FILTER (WHERE date BETWEEN $start AND $end), 0) AS officer_hours,
    COUNT(*) FILTER (WHERE date BETWEEN $prior_start AND $prior_end) AS engagement_events_prior_year,
    COALESCE(SUM(officer_hours) FILTER (WHERE date BETWEEN $prior_start AND $prior_end), 0) AS officer_hours_prior_year
FROM engagement
WHERE date BETWEEN $prior_start AND $end;  -- the prior period always starts first
