"""Text alternatives for charts (accessibility.chart_alt), readable chart text (accessibility.readable_text),
and every page drawing its charts through display.plotly_chart so that each gets both. The browser check is in
test_accessibility.py."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from community_policing.figures import district as district_figures, base as figures
from community_policing.accessibility import CHART_TEXT, chart_alt, chart_kind, plain_text, readable_text, vega_alt
from community_policing.figures import overview as overview_figures

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_plain_text_drops_plotly_markup():
    assert plain_text("<b>District 2</b><br>down 6%  &amp; <span style='color:red'>falling</span>") == (
        "District 2 down 6% & falling")
    assert plain_text(None) == ""


def test_the_alt_text_names_the_kind_title_and_subtitle():
    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    fig.update_layout(title={"text": "Larceny is the largest group", "subtitle": {"text": "Net incidents by group"}})
    assert chart_alt(fig) == "Bar chart: Larceny is the largest group. Net incidents by group."
    assert chart_alt(fig, kind="Funnel plot").startswith("Funnel plot: Larceny")
    assert chart_alt(go.Figure()) == "Chart"


def test_the_kind_follows_the_traces():
    months = pd.date_range("2025-01-01", periods=24, freq="MS")
    line = go.Figure([go.Scatter(x=months, y=list(range(24)), mode="lines+markers"),
                      go.Scatter(x=months[-1:], y=[3], mode="markers")])  # a hollow last-month marker
    assert chart_kind(line) == "Line chart"
    cloud = go.Figure([go.Scatter(x=list(range(200)), y=list(range(200)), mode="markers"),
                       go.Scatter(x=[0, 199], y=[0, 199], mode="lines")])  # a trend line over points
    assert chart_kind(cloud) == "Scatter plot"
    assert chart_kind(go.Figure(go.Choroplethmap(locations=["1"], z=[1]))) == "Map"
    assert chart_kind(go.Figure(go.Heatmap(z=[[1]]))) == "Colour key"


def test_a_real_figure_gets_its_takeaway_as_alt_text():
    fig = district_figures.empty_figure("Incidents: 1,442 in the 12 months", "No data", "All offenses per month")
    assert chart_alt(fig) == "Chart: Incidents: 1,442 in the 12 months. All offenses per month."
    scatter = overview_figures.engagement_scatter(pd.DataFrame({
        "area_id": ["1", "2"], "area_name": ["North", "South"], "events_per_1000_per_year": [1.0, 2.0],
        "pct_change": [5.0, -3.0], "population": [1000, 2000], "noise_z": [0.5, -1.0], "incidents": [10, 20],
        "incidents_prior_year": [9, 21], "engagement_events": [1, 4], "officer_hours": [2.0, 3.0]}),
        "events_per_1000_per_year", title="Engagement and change")
    assert vega_alt(scatter.to_dict()).startswith("Scatter plot: Engagement and change. Association, not effect")


def test_chart_text_left_to_the_theme_gets_a_readable_colour():
    """Streamlit's chart theme draws ticks, axis titles and subtitles in #808495 (3.8:1 on white)."""
    fig = district_figures.empty_figure("Title", "No data", "A subtitle")
    fig.add_trace(go.Bar(x=["a"], y=[1], text=["1"], textposition="outside"))
    fig.update_layout(xaxis2=dict(), legend_title_text="District", annotations=[])
    fig.update_yaxes(tickfont_color="#D55E00")  # a colour the figure chose stays
    readable_text(fig)
    assert fig.layout.font.color == CHART_TEXT and fig.layout.title.subtitle.font.color == CHART_TEXT
    assert fig.layout.xaxis.tickfont.color == fig.layout.xaxis2.title.font.color == CHART_TEXT
    assert fig.layout.yaxis.tickfont.color == "#D55E00" and fig.layout.yaxis.title.font.color == CHART_TEXT
    assert fig.layout.legend.title.font.color == CHART_TEXT and fig.data[0].outsidetextfont.color == CHART_TEXT
    shaded = overview_figures.choropleth(
        pd.DataFrame({"area_id": ["1"], "area_name": ["North"], "incidents": [3], "incidents_prior_year": [2],
                      "pct_change": [50.0], "noise_z": [0.6], "rate_per_1000": [3.0], "population": [1000]}),
        {"type": "FeatureCollection", "features": [{"type": "Feature", "id": "1", "properties": {}, "geometry": {
            "type": "Polygon", "coordinates": [[[-90, 38], [-90, 38.1], [-90.1, 38.1], [-90, 38]]]}}]},
        "rate_per_1000", "Rate").to_dict()
    # The Overview map is Vega-Lite: its legend's text is given the readable colour (figures.vega.finish).
    assert shaded["config"]["legend"]["labelColor"] == shaded["config"]["legend"]["titleColor"] == CHART_TEXT
    assert vega_alt(shaded) == "Map: Rate."


def test_every_page_draws_its_charts_with_a_text_alternative():
    """st.plotly_chart gives a chart no accessible name unless told; display.plotly_chart always does."""
    direct = [f"{path.name}:{n}" for path in sorted((PROJECT_ROOT / "pages").glob("*.py"))
              for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"\bst\.plotly_chart\(", line)]
    assert not direct, f"use display.plotly_chart (it adds the chart's text alternative): {direct}"


def _contrast_on_white(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_category_colour_stands_out_from_the_white_background():
    # WCAG 1.4.11 (non-text contrast): the lines and markers of a district or a type are 3:1 or more.
    assert {c: round(_contrast_on_white(c), 2) for c in figures.CATEGORICAL if _contrast_on_white(c) < 3} == {}
    assert len(set(figures.CATEGORICAL)) == len(figures.CATEGORICAL) == 8
