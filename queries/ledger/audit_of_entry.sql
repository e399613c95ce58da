-- The audit trail of one record, oldest first (served by the audit_entry index). Parameter: the record id.
SELECT at, user, action, entry_id, before, after FROM audit
WHERE entry_id = ?
ORDER BY seq
