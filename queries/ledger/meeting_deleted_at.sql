-- Whether a recurring meeting exists (a row) and when it was deleted (NULL: live). Parameter: its id.
SELECT deleted_at FROM series WHERE id = ?
