-- Benchmark only: multiply the incidents table $copies-fold (a city $copies times as busy),
-- giving each copy its own ids, so page speed can be measured at state scale.
INSERT INTO incidents
SELECT i.id || '-x' || r.copy, occurred_at, reported_at, offense_code, offense_description, offense_group,
       district_id, neighborhood_id, lon, lat, "count"
FROM incidents AS i, (SELECT range AS copy FROM range(1, $copies)) AS r;
