-- The rejected-row counts of one recorded load.
SELECT batch_id, table_name, file, kind, reason, rows
FROM load_reject_counts
WHERE batch_id = :batch_id
ORDER BY rows DESC, table_name, file, kind, reason;
