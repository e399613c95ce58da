-- The source files of one import run, with their row accounting (data_admin history).
SELECT batch_id, table_name, file, sha256, rows_read, rows_loaded, rows_merged, rows_rejected, seconds, note
FROM load_files
WHERE batch_id = $batch_id
ORDER BY table_name, file;
