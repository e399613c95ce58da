-- Occurrences of recurring meetings confirmed by live activities, in the order they were recorded.
SELECT series_id, date, id FROM entries
WHERE series_id IS NOT NULL AND deleted_at IS NULL ORDER BY seq
