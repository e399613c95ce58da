-- Which survey measures exist, over which periods.
SELECT measure, MIN(period_start) AS first_period, MAX(period_end) AS last_period, COUNT(*) AS results,
       COUNT(respondents) AS results_with_respondents
FROM trust_surveys
GROUP BY measure
ORDER BY measure;
