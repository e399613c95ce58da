-- Counted incidents per district and calendar month, from the daily aggregate (never raw rows).
SELECT district_id, CAST(date_trunc('month', day) AS DATE) AS month, SUM(incidents) AS incidents
FROM incident_counts_daily
WHERE date_basis = $date_basis AND district_id IS NOT NULL
GROUP BY ALL
ORDER BY district_id, month;
