-- Change fields of one record of any kind. The table and the "column = ?" list are filled by ledger.py
-- from its own kind specifications (KINDS), checked against the known tables and columns; never from
-- user input. Parameters: the new values in the order of the columns, then updated_at, updated_by, id.
UPDATE {table} SET {assignments}, updated_at = ?, updated_by = ? WHERE id = ?
