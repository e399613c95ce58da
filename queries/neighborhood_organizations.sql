-- Neighborhood organizations with their meeting schedules as published (free text, read by
-- community_policing.schedules), for suggesting recurring meetings in the Engagement log.
SELECT org_id, name, neighborhood_id, org_type, active, meeting_schedule, meeting_place
FROM neighborhood_organizations
ORDER BY name, org_id;
