-- Survey results of one measure by district and period up to $end, with each district's residents:
-- the citywide score weighted by population, its year-earlier comparison and the history its
-- year-to-year drift is measured on (community_policing.trust_stats).
SELECT t.period_start, t.district_id, d.name AS district_name, d.population, t.score, t.respondents,
       t.margin_of_error
FROM trust_surveys AS t
JOIN districts AS d ON d.id = t.district_id
WHERE t.measure = $measure
  AND t.period_start <= $end
ORDER BY t.period_start, TRY_CAST(t.district_id AS INTEGER) NULLS LAST, t.district_id;
