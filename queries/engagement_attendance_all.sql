-- Recorded attendee breakdowns of engagement activities (small).
SELECT event_id, dimension, demographic_group, attendees FROM attendance;
