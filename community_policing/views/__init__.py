"""What each page shows, as data: frames and sentences built from the store and the statistics, ready to draw.

One module per page where the page needs its own (``overview``, ``district_page`` over ``district``, ``compare``,
``engagement_view``, ``map_layers``, ``evaluation`` for Program evaluation, ``trust_view``, ``methodology``), and
``metrics`` (periods, area and city comparisons, the dataset's facts) and ``period_comparisons`` that they share.

``privacy`` protects small counts in public mode. A view takes the rules as ``rules=`` (None for staff) and protects
every frame it returns; ``web.cached.view`` calls it with the rules of the reader, so the pages never handle them.
No Streamlit, no figures here.
"""
