-- Residents of each district by demographic group.
SELECT district_id, dimension, demographic_group, residents, year FROM district_demographics;
