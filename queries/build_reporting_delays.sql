-- Rebuild the reporting-delay aggregate: incident records (reports and corrections) per month of
-- occurrence and delay until the date the record carries. The data note's reporting lag and
-- "preliminary" days are measured from it (community_policing.freshness), so pages never scan
-- raw incidents for it. Delays are capped at a year either side (13 months, 366 days).
DELETE FROM reporting_delays;
INSERT INTO reporting_delays (occurred_month, months_later, days_later, records)
SELECT CAST(date_trunc('month', occurred_at) AS DATE),
       LEAST(GREATEST(date_diff('month', date_trunc('month', occurred_at), date_trunc('month', reported_at)), 0), 13),
       LEAST(GREATEST(date_diff('day', CAST(occurred_at AS DATE), CAST(reported_at AS DATE)), -366), 366),
       COUNT(*)
FROM incidents
WHERE occurred_at IS NOT NULL  -- an unknown occurrence date has no delay
GROUP BY ALL
ORDER BY ALL;
