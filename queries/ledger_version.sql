-- How many writes the engagement ledger has seen (its audit trail only grows).
SELECT MAX(rowid) FROM ledger.audit;
