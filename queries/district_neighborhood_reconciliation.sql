-- How a district's total relates to the sum of its neighborhoods, in a period and a year earlier:
-- outside_*: incidents counted in the district but in none of its neighborhoods (no neighborhood,
--            or a neighborhood that belongs to another district);
-- elsewhere_*: incidents in one of its neighborhoods but counted in another district, or in none
--            (a neighborhood can straddle a district boundary).
-- district total = sum of its neighborhoods + outside - elsewhere.
WITH own AS (SELECT id FROM neighborhoods WHERE district_id = $district_id),
counts AS (
    SELECT c.day, c.incidents,
           c.district_id IS NOT DISTINCT FROM $district_id AS in_district,
           c.neighborhood_id IS NOT NULL AND c.neighborhood_id IN (SELECT id FROM own) AS in_own_neighborhood
    FROM incident_counts_daily AS c
    WHERE c.date_basis = $date_basis
      AND (c.day BETWEEN $start AND $end OR c.day BETWEEN $prior_start AND $prior_end)
      AND ($offense_group IS NULL OR c.offense_group IN (
            SELECT offense_group FROM offense_groups
            WHERE offense_group = $offense_group OR 'category:' || category = $offense_group))
)
SELECT
    COALESCE(SUM(incidents) FILTER (WHERE in_district AND NOT in_own_neighborhood AND day BETWEEN $start AND $end), 0)
        AS outside,
    COALESCE(SUM(incidents) FILTER (WHERE in_district AND NOT in_own_neighborhood
                                      AND day BETWEEN $prior_start AND $prior_end), 0) AS outside_prior_year,
    COALESCE(SUM(incidents) FILTER (WHERE NOT in_district AND in_own_neighborhood AND day BETWEEN $start AND $end), 0)
        AS elsewhere,
    COALESCE(SUM(incidents) FILTER (WHERE NOT in_district AND in_own_neighborhood
                                      AND day BETWEEN $prior_start AND $prior_end), 0) AS elsewhere_prior_year
FROM counts;
