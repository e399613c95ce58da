-- One row of the append-only audit trail. Parameters: at, user, action, entry id, before, after (JSON).
INSERT INTO audit (at, user, action, entry_id, before, after) VALUES (?, ?, ?, ?, ?, ?)
