-- Benchmark baseline only: the same numbers as area_incident_counts, computed from raw incidents
-- instead of the daily aggregate (what a page would cost without the aggregate).
SELECT
    CASE WHEN $level = 'district' THEN district_id ELSE neighborhood_id END AS area_id,
    COALESCE(SUM("count") FILTER (WHERE CAST(occurred_at AS DATE) BETWEEN $start AND $end), 0) AS incidents,
    COALESCE(SUM("count") FILTER (WHERE CAST(occurred_at AS DATE) BETWEEN $prior_start AND $prior_end), 0)
        AS incidents_prior_year
FROM incidents
WHERE (CAST(occurred_at AS DATE) BETWEEN $start AND $end OR CAST(occurred_at AS DATE) BETWEEN $prior_start AND $prior_end)
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY 1;
