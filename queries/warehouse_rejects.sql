-- The rejected rows of one import run, in file order, at most $limit (the Data page and its download).
SELECT table_name, file, line, "column", value, reason, kind
FROM rejects
WHERE batch_id = $batch_id
ORDER BY table_name, file, line NULLS LAST, "column"
LIMIT $limit;
