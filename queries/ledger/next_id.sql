-- Take the next number of the one id counter every kind shares (ids are never reused).
UPDATE id_counter SET last_id = last_id + 1 WHERE only_row = 1 RETURNING last_id
