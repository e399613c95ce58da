-- The bookkeeping columns every record table ends with: who created, changed and soft-deleted a record.
-- Not a statement of its own: ledger.py puts these lines where schema.sql says bookkeeping_columns.
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT,
    updated_by TEXT,
    deleted_at TEXT,
    deleted_by TEXT,
    delete_reason TEXT
