-- Attendance by group in the columns of engagement_attendance, in the order the activities were recorded.
-- Parameters: 1 to include deleted activities (0: live ones only); then an activity id twice
-- (NULL twice: every activity).
SELECT a.entry_id AS event_id, a.dimension, a.demographic_group, a.attendees
FROM attendance a JOIN entries e ON e.id = a.entry_id
WHERE (? OR e.deleted_at IS NULL) AND (? IS NULL OR a.entry_id = ?)
ORDER BY e.seq, a.dimension, a.demographic_group
