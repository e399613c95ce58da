-- Survey scores by district and period for one measure, with respondents and margin of error.
SELECT t.period_start, t.period_end, t.district_id, d.name AS district_name, t.score, t.respondents,
       t.margin_of_error
FROM trust_surveys AS t
JOIN districts AS d ON d.id = t.district_id
WHERE t.measure = $measure
  AND t.period_start BETWEEN $start AND $end
ORDER BY t.period_start, TRY_CAST(t.district_id AS INTEGER) NULLS LAST, t.district_id;
