-- Date range and size of the data, for the data note and default periods.
SELECT
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = 'occurred') AS first_occurred,
    (SELECT MAX(day) FROM incident_counts_daily WHERE date_basis = 'occurred') AS last_occurred,
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = 'reported') AS first_reported,
    (SELECT MAX(day) FROM incident_counts_daily WHERE date_basis = 'reported') AS last_reported,
    (SELECT COUNT(*) FROM incidents) AS incident_rows,
    (SELECT COUNT(*) FROM incidents WHERE "count" = -1) AS correction_rows,
    (SELECT COUNT(*) FROM incidents WHERE "count" = -1 AND corrects_id IS NOT NULL) AS linked_corrections,
    (SELECT COUNT(*) FROM engagement) AS engagement_rows,
    (SELECT COUNT(*) FROM trust_surveys) AS survey_rows,
    (SELECT COUNT(*) FROM training_records) AS training_rows,
    (SELECT COUNT(*) FROM program_records) AS program_rows,
    (SELECT COUNT(*) FROM districts) AS districts,
    (SELECT COUNT(*) FROM neighborhoods) AS neighborhoods;
