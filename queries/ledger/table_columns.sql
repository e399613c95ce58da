-- Names of the columns a table has now (upgrading an older file). Parameter: the table name.
SELECT name FROM pragma_table_info(?)
