-- Respondent-weighted mean trust score in a period and a year earlier, with respondents.
SELECT
    SUM(score * respondents) FILTER (WHERE period_start BETWEEN $start AND $end)
      / NULLIF(SUM(respondents) FILTER (WHERE period_start BETWEEN $start AND $end), 0) AS trust,
    COALESCE(SUM(respondents) FILTER (WHERE period_start BETWEEN $start AND $end), 0) AS respondents,
    SUM(score * respondents) FILTER (WHERE period_start BETWEEN $prior_start AND $prior_end)
      / NULLIF(SUM(respondents) FILTER (WHERE period_start BETWEEN $prior_start AND $prior_end), 0) AS trust_prior_year,
    COALESCE(SUM(respondents) FILTER (WHERE period_start BETWEEN $prior_start AND $prior_end), 0) AS respondents_prior_year
FROM trust_surveys
WHERE measure = 'trust';
