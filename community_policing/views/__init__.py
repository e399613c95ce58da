"""What each page shows, as data: frames built from the store and the statistics, ready to draw.

``metrics`` (city and area comparisons, the dataset's facts), ``district``, ``compare``, ``engagement_view``,
``map_layers``, ``evaluation`` (program evaluation), ``period_comparisons``, and ``privacy``: in public mode
every frame a view hands to a page has already been protected here.
"""
