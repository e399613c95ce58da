-- Community-policing programs that ran in one district, oldest first.
SELECT name, start_date, end_date, description, annual_cost
FROM program_records
WHERE district_id = $district_id
ORDER BY start_date, name;
