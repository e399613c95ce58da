-- The live activity that already confirms a recurring meeting on a date, other than the one being edited.
-- Parameters: meeting id, date (YYYY-MM-DD), the id being edited (NULL for a new activity).
SELECT id FROM entries WHERE series_id = ? AND date = ? AND deleted_at IS NULL AND id IS NOT ?
