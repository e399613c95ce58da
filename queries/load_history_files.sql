-- Every recorded load with its source files, newest first.
SELECT l.batch_id, l.started_at, l.finished_at, l.loaded_by, l.manifest, l.source_dir, l.base_source_dir, l.uploaded,
       f.table_name, f.file, f.sha256, f.rows_read, f.rows_loaded, f.rows_merged, f.rows_rejected, f.note
FROM loads AS l
LEFT JOIN load_files AS f ON f.batch_id = l.batch_id
ORDER BY l.finished_at DESC, f.table_name, f.file;
