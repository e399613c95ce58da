-- Whether report dates are precise to the day: report days other than the first of a month (0 when
-- a source dates records only to the month), and the last report day.
SELECT COUNT(*) FILTER (WHERE dayofmonth(day) <> 1) AS other_days,
       COUNT(*) AS report_days,
       MAX(day) AS last_reported
FROM (SELECT DISTINCT day FROM incident_counts_daily WHERE date_basis = 'reported');
