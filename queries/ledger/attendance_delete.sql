-- Remove an activity's attendance breakdown before writing the new one. Parameter: the activity id.
DELETE FROM attendance WHERE entry_id = ?
