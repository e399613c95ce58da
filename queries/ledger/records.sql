-- Every record of one kind, oldest first. The table and column list are filled by ledger.py from its own
-- kind specifications (KINDS), checked against the known tables and columns; never from user input.
-- Parameter: 1 to include deleted records, 0 for live ones only.
SELECT {columns} FROM {table} WHERE ? OR deleted_at IS NULL ORDER BY seq
