-- Soft-delete one record of any kind. The table is filled by ledger.py from its own kind specifications
-- (KINDS), checked against the known tables; never from user input.
-- Parameters: deleted_at, deleted_by, delete_reason, id.
UPDATE {table} SET deleted_at = ?, deleted_by = ?, delete_reason = ? WHERE id = ?
