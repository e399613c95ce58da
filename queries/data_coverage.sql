-- Date range and size of the incident data, for the data note and default periods.
SELECT
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = $date_basis) AS first_day,
    (SELECT MAX(day) FROM incident_counts_daily WHERE date_basis = $date_basis) AS last_day,
    (SELECT COUNT(*) FROM incidents) AS incident_rows,
    (SELECT COUNT(*) FROM engagement_events) AS engagement_rows,
    (SELECT COUNT(*) FROM trust_surveys) AS survey_rows,
    (SELECT COUNT(*) FROM districts) AS districts,
    (SELECT COUNT(*) FROM neighborhoods) AS neighborhoods;
