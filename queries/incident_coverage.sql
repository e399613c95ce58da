-- What the incident data cover, for comparisons with a year earlier and for the corrections figure:
-- the first day with counted incidents on each date basis, and how many correction records
-- (count -1) the source has at all (0: it publishes none, and nothing mentions corrections).
SELECT
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = 'occurred') AS first_occurred,
    (SELECT MIN(day) FROM incident_counts_daily WHERE date_basis = 'reported') AS first_reported,
    (SELECT COUNT(*) FROM incidents WHERE "count" = -1) AS correction_rows;
