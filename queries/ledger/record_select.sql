-- One record of any kind, deleted or not. The table and column list are filled by ledger.py from its own
-- kind specifications (KINDS), checked against the known tables and columns; never from user input.
-- Parameter: the id.
SELECT {columns} FROM {table} WHERE id = ?
