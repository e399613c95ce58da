-- Upgrading an older file: add a column added since. The table, column and column type are filled by
-- ledger.py from its own list of added columns (_ADDED_COLUMNS), checked against the known record tables,
-- their columns and the SQLite column types; never from user input.
ALTER TABLE {table} ADD COLUMN {column} {column_type}
