-- What every query reads for engagement, training and programs: the warehouse's rows plus the live
-- engagement ledger (SQLite, attached read-only as "ledger"), without soft-deleted records.
CREATE TEMP VIEW IF NOT EXISTS engagement AS
SELECT id, date, district_id, neighborhood_id, type, attendees, officer_hours, cost, lon, lat
FROM main.engagement_events
UNION ALL
SELECT id, CAST(date AS DATE), district_id, NULLIF(neighborhood_id, ''), type, CAST(attendees AS INTEGER),
       officer_hours, cost, lon, lat
FROM ledger.entries
WHERE deleted_at IS NULL;
CREATE TEMP VIEW IF NOT EXISTS attendance AS
SELECT event_id, dimension, demographic_group, attendees FROM main.engagement_attendance
UNION ALL
SELECT a.entry_id, a.dimension, a.demographic_group, CAST(a.attendees AS INTEGER)
FROM ledger.attendance AS a
JOIN ledger.entries AS e ON e.id = a.entry_id
WHERE e.deleted_at IS NULL;
CREATE TEMP VIEW IF NOT EXISTS training_records AS
SELECT date, district_id, unit, course, officers, hours FROM main.training
UNION ALL
SELECT CAST(date AS DATE), NULLIF(district_id, ''), NULLIF(unit, ''), course, CAST(officers AS INTEGER),
       CAST(hours AS DOUBLE)
FROM ledger.training
WHERE deleted_at IS NULL;
CREATE TEMP VIEW IF NOT EXISTS program_records AS
SELECT name, district_id, start_date, end_date, description, annual_cost FROM main.programs
UNION ALL
SELECT name, district_id, CAST(start_date AS DATE), CAST(NULLIF(end_date, '') AS DATE), description,
       CAST(annual_cost AS DOUBLE)
FROM ledger.programs
WHERE deleted_at IS NULL;
