-- Settings of every connection the ledger opens. busy_timeout_ms is a whole number ledger.py computes
-- from BUSY_TIMEOUT_SECONDS (a PRAGMA value cannot be a bound parameter); nothing else is filled in.
PRAGMA busy_timeout = {busy_timeout_ms};
PRAGMA foreign_keys = ON;
PRAGMA synchronous = FULL;
