-- The engagement activities every query reads: the warehouse's ledger rows (no live ledger attached).
CREATE TEMP VIEW IF NOT EXISTS engagement AS
SELECT id, date, district_id, neighborhood_id, type, attendees, officer_hours, cost, lon, lat
FROM main.engagement_events;
CREATE TEMP VIEW IF NOT EXISTS attendance AS
SELECT event_id, dimension, demographic_group, attendees FROM main.engagement_attendance;
