-- The city a warehouse holds (its metadata's city_name), read through an in-memory connection that
-- attached the file as "warehouse".
SELECT value FROM warehouse.metadata WHERE key = 'city_name'
