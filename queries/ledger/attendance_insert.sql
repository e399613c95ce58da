-- One group of an activity's attendance breakdown.
-- Parameters: activity id, dimension, demographic group, attendees.
INSERT INTO attendance (entry_id, dimension, demographic_group, attendees) VALUES (?, ?, ?, ?)
