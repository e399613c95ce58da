-- Claim an unclaimed ledger file for a city (a claim is never changed). Parameter: the city name.
INSERT INTO ledger_meta (key, value) VALUES ('city', ?) ON CONFLICT (key) DO NOTHING
