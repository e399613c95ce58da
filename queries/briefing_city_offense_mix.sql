-- Counted incidents per offense group citywide (every district and the incidents placed in none), in a period
-- and the same days a year earlier: the citywide briefing's table of which offenses rose and fell.
-- $offense_group narrows to a group code or 'category:<category>' (NULL for all). Groups with neither are absent.
SELECT
    g.offense_group, g.label, g.category, g.ucr_part,
    COALESCE(SUM(c.incidents) FILTER (WHERE c.day BETWEEN $start AND $end), 0) AS incidents,
    COALESCE(SUM(c.incidents) FILTER (WHERE c.day BETWEEN $prior_start AND $prior_end), 0) AS incidents_prior_year
FROM incident_counts_daily AS c
JOIN offense_groups AS g ON g.offense_group = c.offense_group
WHERE c.date_basis = $date_basis
  AND (c.day BETWEEN $start AND $end OR c.day BETWEEN $prior_start AND $prior_end)
  AND ($offense_group IS NULL OR g.offense_group = $offense_group OR 'category:' || g.category = $offense_group)
GROUP BY ALL
ORDER BY g.ucr_part, g.category DESC, g.label;
