-- The offense groups, for filters and labels.
SELECT offense_group, label, category, ucr_part
FROM offense_groups
ORDER BY ucr_part, category DESC, label;
