"""Pure figure functions: a DataFrame in, a chart out (no query, no Streamlit).

Vega-Lite (Altair) for every chart a page draws on its first view: ``vega`` holds their shared look,
``areamap`` what every map shares, and ``overview``, ``maps``, ``district``, ``compare``, ``engagement``,
``programs`` and ``trust`` the charts of one page. Plotly where only it will do: ``base``'s funnel plot (behind
the Overview's "How we know"), ``maps.place_picker`` (the staff place picker) and ``briefing`` (the printed
briefing, rendered offline by kaleido). ``style`` is the look both share.
"""
