-- Incident records per month of occurrence and delay (see build_reporting_delays).
SELECT occurred_month, months_later, days_later, records
FROM reporting_delays
ORDER BY occurred_month, months_later, days_later;
