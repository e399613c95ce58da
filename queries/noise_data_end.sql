-- The last day with counted incidents on $date_basis: history blocks for the noise reading end far enough
-- before it that late reports have arrived (noise.history_end).
SELECT MAX(day) AS last_day
FROM incident_counts_daily
WHERE date_basis = $date_basis;
