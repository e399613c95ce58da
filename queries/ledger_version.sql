-- How many writes the engagement ledger has seen (its audit trail only grows); 0 for an empty ledger.
SELECT COALESCE(MAX(rowid), 0) FROM ledger.audit;
