-- A live program of the same name (any case) in the same district, other than the one being edited.
-- Parameters: name, district id, the id being edited (NULL for a new program).
SELECT id FROM programs
WHERE deleted_at IS NULL AND lower(name) = lower(?) AND district_id = ? AND id IS NOT ?
