"""Figure functions are pure: a DataFrame in, a plotly Figure out, tested without Streamlit."""

import datetime as dt

import pytest

from community_policing.data import geo
from community_policing.figures import base as figures
from community_policing.views import metrics
from community_policing.data.store import Store

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


@pytest.fixture(scope="module")
def tiny(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.area_comparison(s, *MARCH, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
    return table, features


def test_choropleth_renders_offline_and_leaves_out_unplaced_incidents(tiny):
    table, features = tiny
    fig = figures.choropleth(table, features, "rate_per_1000", "Title", "March 2024")
    trace = fig.data[0]
    assert trace.type == "choroplethmap"
    assert fig.layout.map.style == "white-bg"  # no tiles: renders with no network
    assert list(trace.locations) == ["A", "B"]
    assert {f["id"] for f in trace.geojson["features"]} == {"A", "B"}  # each outline sent once
    assert fig.layout.title.text == "Title"
    values = dict(zip(trace.locations, trace.z))
    assert values["A"] == pytest.approx(0.17, abs=0.01)
    # The park has too few residents for a rate: it is drawn grey in its own trace, not as zero.
    assert list(fig.data[1].locations) == ["P"]


def test_change_map_is_centred_on_zero(tiny):
    table, features = tiny
    fig = figures.choropleth(table, features, "pct_change", "Change")
    lo, hi = fig.layout.coloraxis.cmin, fig.layout.coloraxis.cmax
    assert lo == -hi


def test_map_view_fits_the_areas(tiny):
    _, features = tiny
    fig = figures.choropleth(tiny[0], features, "rate_per_1000", "t")
    assert fig.layout.map.center.lon == pytest.approx(-91.9)
    assert fig.layout.map.center.lat == pytest.approx(38.05)
    assert 9 < fig.layout.map.zoom < 13


def test_scatter_says_association_not_effect(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.add_intensity(metrics.area_comparison(s, *MARCH), 31)
    fig = figures.engagement_scatter(table, "events_per_1000_per_year", "Engagement and change")
    assert fig.layout.title.subtitle.text.startswith("Association, not effect")
    # District 2 has no % change (nothing a year earlier) and district 1 had 3 incidents a year earlier, too few
    # for a bubble (issue 16): neither is drawn, and the chart says which and why.
    assert list(fig.data[0].text) == []
    assert fig.layout.annotations[0].text.startswith("Not drawn: District 1 – West, District 2 – East.")


def test_unknown_metric_is_refused(tiny):
    with pytest.raises(ValueError, match="metric must be one of"):
        figures.choropleth(tiny[0], tiny[1], "incidents", "t")


def test_areas_without_a_value_are_grey_and_say_why(tiny):
    table, features = tiny
    fig = figures.choropleth(table, features, "rate_per_1000", "t")
    assert len(fig.data) == 2
    grey = fig.data[1]
    assert list(grey.locations) == ["P"] and grey.showscale is False
    assert grey.customdata[0][1] == "no rate: fewer than 300 residents"  # the hover says why, per area
    assert "%{customdata[1]}" in grey.hovertemplate


def test_rate_map_is_shaded_by_the_size_adjusted_rate_with_the_raw_one_in_the_hover(demo_db):
    from community_policing.stats import funnel

    with Store(demo_db) as s:
        period = metrics.preset_period("Last 12 months", metrics.dataset_info(s).last_day)
        table = metrics.area_comparison(s, period.start, period.end, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
    fig = figures.choropleth(table, features, "rate_per_1000", "t")
    shrunk = funnel.add_shrunk_rates(table).set_index("area_id")
    trace = fig.data[0]
    assert "size-adjusted" in fig.layout.coloraxis.colorbar.title.text
    for area, z, text in zip(trace.locations, trace.z, trace.text):
        row = shrunk.loc[area]
        assert z == pytest.approx(float(row["rate_eb_per_1000"]))
        assert f"Raw rate: {float(row['rate_per_1000']):,.1f} per 1,000 ({int(row['incidents']):,} incidents, " \
               f"{int(row['population']):,} residents)" in text
        assert "95% interval" in text and "Residents (denominator)" in text
    # The % change map keeps its own colours and the same hover.
    change = figures.choropleth(table, features, "pct_change", "t")
    assert "Raw rate:" in change.data[0].text[0] and change.layout.coloraxis.cmin == -change.layout.coloraxis.cmax


def test_funnel_plot_says_which_limits_it_draws():
    import numpy as np
    import pandas as pd

    from community_policing.stats import funnel

    rng = np.random.default_rng(1)
    pop = np.round(np.exp(rng.normal(8, 0.7, 40)))
    areas = pd.DataFrame({"area_id": [str(i) for i in range(40)], "area_name": [f"A{i}" for i in range(40)],
                          "incidents": rng.poisson(pop * 0.1 * np.exp(rng.normal(0, 0.5, 40))), "population": pop})
    areas.loc[0, ["incidents", "population"]] = [4_000, 5_000]  # far more incidents than residents
    placed, limits = funnel.funnel_view(areas)
    fig = figures.funnel_plot(placed, limits, "t", "neighborhood")
    assert "usual spread between neighborhoods" in fig.layout.title.subtitle.text
    hovers = [row for t in fig.data if t.customdata is not None for row in t.customdata]
    assert any("wrong denominator" in row[3] for row in hovers)
    poisson, poisson_limits = funnel.funnel_view(areas.head(4))
    assert "chance alone" in figures.funnel_plot(poisson, poisson_limits, "t").layout.title.subtitle.text
