"""Common Ground: community engagement beside crime change and resident trust.

The library behind the dashboard. Layers point one way:
pages/ (UI) -> community_policing (metrics, figures, import) -> store -> queries/*.sql.
Nothing in this package imports Streamlit except ``ui``.
"""

__version__ = "0.1.0"
