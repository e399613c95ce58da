-- Every survey result (small: one row per district, period and measure).
SELECT period_start, period_end, district_id, measure, score, respondents, margin_of_error FROM trust_surveys;
