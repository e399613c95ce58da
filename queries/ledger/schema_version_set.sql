-- Record the schema version the file now has. Parameter: the version.
INSERT INTO ledger_meta (key, value) VALUES ('schema_version', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
