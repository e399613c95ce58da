-- The warehouse's import runs, latest first (one per build; data_admin's Data page and history).
SELECT batch_id, started_at, finished_at, manifest, source_dir, loaded_by
FROM load_batches
ORDER BY finished_at DESC NULLS LAST, started_at DESC, batch_id;
