-- Engagement activity per area in a period: events and officer hours.
-- Events recorded without a neighborhood count toward their district only.
SELECT
    CASE WHEN $level = 'district' THEN district_id ELSE neighborhood_id END AS area_id,
    COUNT(*) AS engagement_events,
    COALESCE(SUM(officer_hours), 0) AS officer_hours,
    COALESCE(SUM(attendees), 0) AS attendees
FROM engagement
WHERE date BETWEEN $start AND $end
GROUP BY 1;
