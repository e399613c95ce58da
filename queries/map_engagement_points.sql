-- Engagement activities in a period with where they took place, for the Map page's point layer.
-- Engagement events only: incident locations are never shown as points.
SELECT e.id, e.date, e.type, e.attendees, e.officer_hours, e.district_id, d.name AS district_name,
       e.neighborhood_id, e.lon, e.lat
FROM engagement AS e
LEFT JOIN districts AS d ON d.id = e.district_id
WHERE e.date BETWEEN $start AND $end
ORDER BY e.date, e.id;
