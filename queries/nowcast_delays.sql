-- Reporting delays of counted records (count = 1; corrections arrive later and are not incidents) for
-- the nowcast of recent counts by date occurred (community_policing.nowcast): records per month of
-- occurrence and delay, for one offense filter ($offense_group: NULL, a group code or
-- 'category:<category>'), offenses from $occurred_from, as known before $reported_before (a nowcast
-- "as of" an earlier day sees only what had arrived by then). Months before the data's first report
-- month are left out: their early reports are not in the data. Delays capped as in
-- build_reporting_delays (13 months, 366 days: more than a year).
SELECT CAST(date_trunc('month', occurred_at) AS DATE) AS occurred_month,
       LEAST(GREATEST(date_diff('month', date_trunc('month', occurred_at), date_trunc('month', reported_at)), 0), 13)
           AS months_later,
       LEAST(GREATEST(date_diff('day', CAST(occurred_at AS DATE), CAST(reported_at AS DATE)), 0), 366) AS days_later,
       COUNT(*) AS records
FROM incidents
WHERE "count" = 1
  AND occurred_at >= CAST($occurred_from AS DATE)
  AND occurred_at >= (SELECT date_trunc('month', MIN(day)) FROM incident_counts_daily WHERE date_basis = 'reported')
  AND reported_at < CAST($reported_before AS DATE)
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY ALL
ORDER BY ALL;
