-- How many rows of a recorded load were rejected, per table, file, kind and reason.
INSERT INTO load_reject_counts (batch_id, table_name, file, kind, reason, rows)
VALUES (:batch_id, :table_name, :file, :kind, :reason, :rows);
