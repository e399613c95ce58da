-- The whole audit trail, oldest first.
SELECT at, user, action, entry_id, before, after FROM audit
ORDER BY seq
