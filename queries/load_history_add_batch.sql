-- Record one load in the history, once (a load already recorded is left as it is).
INSERT OR IGNORE INTO loads (batch_id, started_at, finished_at, manifest, source_dir, loaded_by, base_source_dir, uploaded)
VALUES (:batch_id, :started_at, :finished_at, :manifest, :source_dir, :loaded_by, :base_source_dir, :uploaded);
