-- The audit trail is append-only: its rows can be neither changed nor deleted (part of the schema,
-- run after schema.sql and record_never_deleted.sql).
CREATE TRIGGER IF NOT EXISTS audit_never_changed BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_never_deleted BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
