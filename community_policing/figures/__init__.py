"""Pure figure functions: a DataFrame in, a Plotly figure out (no query, no Streamlit).

``base`` holds the shared look and the charts several pages use; ``overview``, ``maps``, ``district``,
``compare``, ``engagement``, ``trust`` and ``briefing`` the charts of one page or of the printed briefing.
"""
