-- The engagement ledger's tables and index (SQLite), run statement by statement in one BEGIN IMMEDIATE
-- transaction when a file is new or older than LEDGER_SCHEMA_VERSION; record_never_deleted.sql (for each
-- record table) and audit_append_only.sql follow in the same transaction.
-- Every statement is idempotent (IF NOT EXISTS / OR IGNORE), so it also brings an older file up to
-- date. The placeholder for the bookkeeping columns is filled by ledger.py with the text of
-- bookkeeping_columns.sql (a file of this folder, never user input).
CREATE TABLE IF NOT EXISTS ledger_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS id_counter (
    only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
    last_id INTEGER NOT NULL
);
INSERT OR IGNORE INTO id_counter (only_row, last_id) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    date TEXT NOT NULL,
    start_time TEXT,
    district_id TEXT NOT NULL,
    neighborhood_id TEXT,
    type TEXT NOT NULL,
    title TEXT NOT NULL,
    place TEXT,
    lon REAL,
    lat REAL,
    attendees INTEGER,
    officers INTEGER,
    officer_hours REAL,
    partners TEXT,
    cost REAL,
    notes TEXT,
    series_id TEXT,
{bookkeeping_columns}
);
CREATE TABLE IF NOT EXISTS attendance (
    entry_id TEXT NOT NULL REFERENCES entries(id),
    dimension TEXT NOT NULL,
    demographic_group TEXT NOT NULL,
    attendees INTEGER NOT NULL CHECK (attendees >= 0),
    PRIMARY KEY (entry_id, dimension, demographic_group)
);
CREATE TABLE IF NOT EXISTS training (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    date TEXT NOT NULL,
    district_id TEXT,
    unit TEXT,
    course TEXT NOT NULL,
    title TEXT,
    officers INTEGER NOT NULL,
    hours REAL NOT NULL,
    notes TEXT,
{bookkeeping_columns}
);
CREATE TABLE IF NOT EXISTS programs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    district_id TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    description TEXT,
    annual_cost REAL,
    notes TEXT,
{bookkeeping_columns}
);
CREATE TABLE IF NOT EXISTS series (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    schedule TEXT NOT NULL,
    district_id TEXT NOT NULL,
    neighborhood_id TEXT,
    type TEXT NOT NULL,
    start_time TEXT,
    place TEXT,
    partners TEXT,
    first_date TEXT NOT NULL,
    last_date TEXT,
    organization_id TEXT,
    notes TEXT,
{bookkeeping_columns}
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('insert', 'edit', 'delete')),
    entry_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_entry ON audit (entry_id, seq);
