-- One source file of a recorded load, with its row accounting.
INSERT OR IGNORE INTO load_files (batch_id, table_name, file, sha256, rows_read, rows_loaded, rows_merged, rows_rejected, seconds, note)
VALUES (:batch_id, :table_name, :file, :sha256, :rows_read, :rows_loaded, :rows_merged, :rows_rejected, :seconds, :note);
