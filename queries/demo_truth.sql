-- The effects the demo generator injected (empty for real cities).
SELECT program, outcome, relative_effect FROM demo_truth ORDER BY program, outcome;
