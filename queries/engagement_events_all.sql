-- The engagement ledger (small: thousands of rows a year, not millions).
SELECT id, date, district_id, neighborhood_id, type, attendees, officer_hours, cost, lon, lat FROM engagement;
