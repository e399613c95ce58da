-- The load history beside the warehouse (<warehouse>.loads.sqlite, SQLite; community_policing/data_admin.py):
-- one row per load, its source files and its rejected rows counted by file, kind and reason.
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS loads (
    batch_id TEXT PRIMARY KEY,
    started_at TEXT,
    finished_at TEXT,
    manifest TEXT,
    source_dir TEXT,
    loaded_by TEXT,
    base_source_dir TEXT,
    uploaded TEXT
);
CREATE TABLE IF NOT EXISTS load_files (
    batch_id TEXT NOT NULL REFERENCES loads (batch_id),
    table_name TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT,
    rows_read INTEGER,
    rows_loaded INTEGER,
    rows_merged INTEGER,
    rows_rejected INTEGER,
    seconds REAL,
    note TEXT,
    PRIMARY KEY (batch_id, table_name, file)
);
CREATE TABLE IF NOT EXISTS load_reject_counts (
    batch_id TEXT NOT NULL REFERENCES loads (batch_id),
    table_name TEXT,
    file TEXT,
    kind TEXT,
    reason TEXT,
    rows INTEGER
);
