-- One activity's attendance breakdown, as its snapshot keeps it. Parameter: the activity id.
SELECT dimension, demographic_group, attendees FROM attendance WHERE entry_id = ?
ORDER BY dimension, demographic_group
