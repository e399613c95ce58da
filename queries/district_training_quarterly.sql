-- Officer training in one district by calendar quarter and course between $start and $end:
-- sessions, officers trained, and officer training hours (officers x hours per officer).
-- Courses for units (district_id empty, for example the Academy) are not any district's.
SELECT CAST(date_trunc('quarter', date) AS DATE) AS quarter, course,
       COUNT(*) AS sessions,
       SUM(officers) AS officers,
       SUM(officers * hours) AS officer_hours
FROM training_records
WHERE district_id = $district_id
  AND date BETWEEN $start AND $end
GROUP BY ALL
ORDER BY 1, 2;
