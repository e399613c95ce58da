-- Insert one record of any kind. The table, column list and one ? per column are filled by ledger.py
-- from its own kind specifications (KINDS), checked against the known tables and columns; never from
-- user input. Parameters: the values, in the order of the columns.
INSERT INTO {table} ({columns}) VALUES ({values})
