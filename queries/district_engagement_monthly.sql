-- The engagement ledger of one district by month and type between $start and $end (inclusive).
SELECT CAST(date_trunc('month', date) AS DATE) AS month, type,
       COUNT(*) AS events,
       COALESCE(SUM(officer_hours), 0) AS officer_hours,
       COALESCE(SUM(attendees), 0) AS attendees,
       COALESCE(SUM(cost), 0) AS cost
FROM engagement
WHERE district_id = $district_id
  AND date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY 1, 2;
