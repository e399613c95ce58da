-- Program sites loaded with the city's data (not the live ledger): a program is recorded once per district.
SELECT name, district_id FROM main.programs ORDER BY name, district_id;
