-- How many incident records the warehouse holds and the days they were reported (the Data page).
SELECT COUNT(*) AS incidents, MIN(reported_at) AS first_reported, MAX(reported_at) AS last_reported
FROM incidents;
