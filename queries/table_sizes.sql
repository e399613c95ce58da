-- Row counts of the incident table and its daily aggregate.
SELECT (SELECT COUNT(*) FROM incidents) AS incidents, (SELECT COUNT(*) FROM incident_counts_daily) AS daily_rows;
