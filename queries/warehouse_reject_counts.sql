-- Rejected rows of one import run counted by table, file, kind and reason (kept in the load history).
SELECT batch_id, table_name, file, kind, reason, COUNT(*) AS rows
FROM rejects
WHERE batch_id = $batch_id
GROUP BY batch_id, table_name, file, kind, reason
ORDER BY rows DESC, table_name, file, kind, reason;
