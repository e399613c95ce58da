"""The data layer: what is stored and how it gets there.

The warehouse schema (``schema.yaml``, read by ``schema``), the DuckDB warehouse and its named SQL files (``store``;
``files`` for where the warehouse, its ledger and the SQL text are), the city manifest and the importers that read a
city's published files (``loader``, ``importers``, ``manifest_keys``, ``limits``), loading from the app (``data_admin``,
``load_report``), the simulated demo city (``demo``, ``synthetic``), offense groups and codes and the offense filter
(``offenses``, ``offense_codes``), what every layer agrees on about areas (``areas``), series breaks, how fresh the
data is (``freshness``), and the map shapes (``shapes``, ``geo``). Imports only the package's ground floor (``i18n``).
"""
