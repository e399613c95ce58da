-- The schema version a ledger file was written with (the table is missing in a new, empty file).
SELECT value FROM ledger_meta WHERE key = 'schema_version'
