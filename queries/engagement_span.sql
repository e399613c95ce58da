-- The days the engagement ledger covers (its first and last activity) and how many activities it holds:
-- periods before the first activity's month are "not recorded", never 0.
SELECT MIN(date) AS first_day, MAX(date) AS last_day, COUNT(*) AS activities
FROM engagement;
