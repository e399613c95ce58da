-- Every write takes the write lock up front, so two writers queue instead of failing on a lock upgrade.
BEGIN IMMEDIATE
