-- The rejected rows of one import run, in file order, at most $limit (the Data page and its download),
-- with each line's text as the source wrote it where the reader kept it (raw).
SELECT table_name, file, line, "column", value, reason, kind, raw
FROM rejects
WHERE batch_id = $batch_id
ORDER BY table_name, file, line NULLS LAST, "column"
LIMIT $limit;
