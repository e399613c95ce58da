-- Every dataset fact (city name, source, simulated or not, build time).
SELECT key, value FROM metadata ORDER BY key;
