-- Programs, in the shape the evaluation expects.
SELECT name, district_id, start_date, end_date, description, annual_cost FROM program_records ORDER BY name, district_id;
