-- The audit trail, oldest first. Parameters: a record id twice (NULL twice: every record).
SELECT at, user, action, entry_id, before, after FROM audit
WHERE ? IS NULL OR entry_id = ?
ORDER BY seq
