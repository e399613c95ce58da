-- What the city's data covers, for the District page: the span of incident days (from the daily
-- aggregate, never raw incidents) and whether each optional source is loaded at all.
-- first_reported/last_reported describe the source's coverage; occurrence dates can reach far back.
SELECT
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = 'reported') AS first_reported,
    (SELECT MAX(day) FROM incident_counts_daily WHERE date_basis = 'reported') AS last_reported,
    (SELECT MAX(day) FROM incident_counts_daily WHERE date_basis = 'occurred') AS last_occurred,
    (SELECT COUNT(*) FROM incident_counts_daily) AS incident_days,
    (SELECT COUNT(*) FROM engagement_events) AS engagement_rows,
    (SELECT COUNT(*) FROM training) AS training_rows,
    (SELECT COUNT(*) FROM trust_surveys) AS survey_rows,
    (SELECT COUNT(*) FROM programs) AS program_rows;
