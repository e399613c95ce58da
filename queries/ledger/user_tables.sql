-- Tables in an SQLite file, to tell an engagement ledger (or a new, empty file) from someone else's database.
SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
