-- Records are never deleted, only soft-deleted (part of the schema, run after schema.sql for each record
-- table in turn). The table is filled by ledger.py from its own kind specifications (KINDS), checked
-- against the known tables; never from user input.
CREATE TRIGGER IF NOT EXISTS {table}_never_deleted BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger entries are never deleted; use Ledger.delete (soft delete)'); END;
