-- Rebuild the daily aggregate that every page reads instead of raw incidents.
-- One row per date basis, day, district, neighborhood and offense group; incidents is the net
-- count (reports minus corrections). Both date bases are kept so either can be chosen at read time.
DELETE FROM incident_counts_daily;
INSERT INTO incident_counts_daily (date_basis, day, district_id, neighborhood_id, offense_group, incidents)
SELECT 'occurred', CAST(occurred_at AS DATE), district_id, neighborhood_id, offense_group, SUM("count")
FROM incidents
GROUP BY ALL
UNION ALL
SELECT 'reported', CAST(reported_at AS DATE), district_id, neighborhood_id, offense_group, SUM("count")
FROM incidents
GROUP BY ALL
ORDER BY 1, 2;
