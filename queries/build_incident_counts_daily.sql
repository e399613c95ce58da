-- Rebuild the daily aggregate that every page reads instead of raw incidents.
-- One row per date basis, day, district, neighborhood and offense group:
--   incidents  the counted records (count = 1), as the agency counts them;
--   corrected  how many of those a later correction (a count = -1 row whose corrects_id names
--              it) removes, on the original's own day, place and group. A correction whose
--              original is not counted has no corrects_id and is never subtracted.
-- Both date bases are kept so either can be chosen at read time. On the occurred basis an
-- incident with no usable occurrence date has an empty day: no period holds it, and pages say
-- how many there are ("occurrence date unknown").
DELETE FROM incident_counts_daily;
INSERT INTO incident_counts_daily (date_basis, day, district_id, neighborhood_id, offense_group, incidents, corrected, occurrence_unknown)
WITH corrected_ids AS (
    SELECT DISTINCT corrects_id AS id FROM incidents WHERE "count" = -1 AND corrects_id IS NOT NULL
), counted AS (
    SELECT i.occurred_at, i.reported_at, i.district_id, i.neighborhood_id, i.offense_group,
           c.id IS NOT NULL AS is_corrected
    FROM incidents i LEFT JOIN corrected_ids c ON c.id = i.id
    WHERE i."count" = 1
)
SELECT 'occurred', CAST(occurred_at AS DATE), district_id, neighborhood_id, offense_group,
       COUNT(*), COUNT(*) FILTER (WHERE is_corrected), COUNT(*) FILTER (WHERE occurred_at IS NULL)
FROM counted
GROUP BY ALL
UNION ALL
SELECT 'reported', CAST(reported_at AS DATE), district_id, neighborhood_id, offense_group,
       COUNT(*), COUNT(*) FILTER (WHERE is_corrected), COUNT(*) FILTER (WHERE occurred_at IS NULL)
FROM counted
GROUP BY ALL
ORDER BY 1, 2;
