-- Counted incidents per day occurred from $start to $end, as known before $reported_before (the
-- nowcast made "as of" an earlier day, community_policing.nowcast), for one offense filter
-- ($offense_group: NULL, a group code or 'category:<category>'). With $reported_before after the data
-- end these equal city_daily_incidents by date occurred.
SELECT CAST(occurred_at AS DATE) AS day, COUNT(*) AS incidents
FROM incidents
WHERE "count" = 1
  AND occurred_at >= CAST($start AS DATE)
  AND occurred_at < CAST($end AS DATE) + INTERVAL 1 DAY
  AND reported_at < CAST($reported_before AS DATE)
  AND ($offense_group IS NULL OR offense_group IN (
        SELECT offense_group FROM offense_groups
        WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
GROUP BY ALL
ORDER BY ALL;
