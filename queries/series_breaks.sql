-- Every series break the city declared (manifest [[series_breaks]]), oldest first.
SELECT day, label, kind, scope, district_id, offense_group, description, source, label_es, description_es
FROM series_breaks
ORDER BY day, label;
