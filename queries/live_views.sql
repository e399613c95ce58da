-- What every query reads for engagement, training and programs: the warehouse's rows (no live ledger attached).
CREATE TEMP VIEW IF NOT EXISTS engagement AS
SELECT id, date, district_id, neighborhood_id, type, attendees, officer_hours, cost, lon, lat
FROM main.engagement_events;
CREATE TEMP VIEW IF NOT EXISTS attendance AS
SELECT event_id, dimension, demographic_group, attendees FROM main.engagement_attendance;
CREATE TEMP VIEW IF NOT EXISTS training_records AS
SELECT date, district_id, unit, course, officers, hours FROM main.training;
CREATE TEMP VIEW IF NOT EXISTS program_records AS
SELECT name, district_id, start_date, end_date, description, annual_cost FROM main.programs;
