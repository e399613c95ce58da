-- Officer training records.
SELECT date, district_id, unit, course, officers, hours FROM training_records;
