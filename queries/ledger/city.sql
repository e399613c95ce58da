-- The city a ledger file belongs to (the warehouse city it was first written for); none in an unclaimed file.
SELECT value FROM ledger_meta WHERE key = 'city'
