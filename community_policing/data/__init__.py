"""The data layer: what is stored and how it gets there.

The warehouse schema (``schema.yaml``, read by ``schema``), the DuckDB warehouse and its named SQL files
(``store``, ``files``), the city manifest and the importers that read a city's published files (``loader``,
``importers``, ``manifest_keys``, ``limits``), the simulated demo city (``demo``, ``synthetic``), offense groups and
codes, series breaks, how fresh the data is, and the map shapes. Imports only the package's ground floor (``i18n``).
"""
