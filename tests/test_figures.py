"""Figure functions are pure: a DataFrame in, a chart out (Vega-Lite through Altair, or Plotly), tested without
Streamlit. The area maps (the Overview's, ``figures.overview.choropleth``, and the Map page's,
``figures.maps.layer_map``) share what ``figures.areamap`` draws: those parts are checked on both."""

import datetime as dt
import json

import pytest

from community_policing.data import geo
from community_policing.figures import base as figures
from community_policing.figures import areamap, maps as map_figures, overview as overview_figures, vega
from community_policing.figures.style import NO_VALUE_GREY
from tests import overview_charts as map_spec
from community_policing.views import map_layers, metrics
from community_policing.data.store import Store

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


@pytest.fixture(scope="module")
def tiny(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.area_comparison(s, *MARCH, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
    return table, features


def area_map(which: str, tiny_db, level: str, **options):
    """An area map of the tiny city's rates: the Overview's (``choropleth``) or the Map page's (``layer_map``)."""
    with Store(tiny_db) as s:
        features = geo.area_features(s, level)
        if which == "overview":
            return overview_figures.choropleth(metrics.area_comparison(s, *MARCH, level=level), features,
                                               "rate_per_1000", "t", **options)
        table = map_layers.layer_data(s, "rate", level, metrics.Period(*MARCH)).table
    return map_figures.layer_map(table, features, "rate", "t", **options)


BOTH_MAPS = ["overview", "map page"]


def vega_title(chart):
    text = chart.to_dict()["title"]["text"]
    return " ".join(text) if isinstance(text, list) else text


def vega_subtitle(chart):
    text = chart.to_dict()["title"].get("subtitle", "")
    return " ".join(text) if isinstance(text, list) else text


def test_choropleth_renders_offline_and_leaves_out_unplaced_incidents(tiny):
    table, features = tiny
    chart = overview_figures.choropleth(table, features, "rate_per_1000", "Title", "March 2024")
    spec = chart.to_dict()
    # Vega-Lite shapes on a projection: no tiles, no WebGL, so it renders with no network.
    assert spec["projection"]["type"] == "mercator" and "map" not in json.dumps(spec.get("layer", []))[:0]
    assert all(layer.get("mark", {}).get("type") in ("geoshape", "text") for layer in spec["layer"])
    assert map_spec.ids(chart, "value") == ["A", "B"]
    assert sorted(map_spec.ids(chart)) == ["A", "B", "P"]  # each outline sent once, unplaced incidents left out
    assert vega_title(chart) == "Title" and spec["title"]["subtitle"] == "March 2024"
    values = map_spec.values(chart)
    assert values["A"] == pytest.approx(0.17, abs=0.01)
    # The park has too few residents for a rate: it is drawn grey, not as zero.
    assert values["P"] is None and map_spec.ids(chart, "none") == ["P"]


def test_change_map_is_centred_on_zero(tiny):
    table, features = tiny
    chart = overview_figures.choropleth(table, features, "pct_change", "Change")
    lo, hi = map_spec.colour_scale(chart)["domain"]
    assert lo == -hi
    assert map_spec.colour_scale(chart)["scheme"] == "redblue" and map_spec.colour_scale(chart)["reverse"]  # red = more


@pytest.mark.parametrize("which", BOTH_MAPS)
def test_map_view_fits_the_areas(tiny, tiny_db, which):
    """A map fits every shape it draws: the context lines are clipped to the areas, so a long river or road does
    not zoom the city out."""
    from shapely.geometry import shape

    _, features = tiny
    minx, miny, maxx, maxy = map_spec_bounds(features)
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2  # city limits reaching past the areas on two sides
    ring = [[minx - 1, miny - 1], [midx, miny - 1], [midx, midy], [minx - 1, midy], [minx - 1, miny - 1]]
    context = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "water"}, "geometry": {"type": "LineString",
                                                                         "coordinates": [[-95, midy], [-88, midy]]}},
        {"type": "Feature", "properties": {"kind": "city"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    chart = area_map(which, tiny_db, "neighborhood", context=context)
    lines = map_spec.context_layers(chart)
    assert {layer["mark"]["stroke"] for layer in lines} == {"#6baed6", "#6f6f6f"}  # water, city limits
    for layer in lines:
        for feature in layer["data"]["values"]:
            x0, y0, x1, y1 = shape(feature["geometry"]).bounds
            pad = areamap.CONTEXT_MARGIN * max(maxx - minx, maxy - miny) + 1e-9
            assert minx - pad <= x0 and x1 <= maxx + pad and miny - pad <= y0 and y1 <= maxy + pad
    assert spec_layers_order(chart)[:2] == ["context", "context"]  # under the areas


def map_spec_bounds(features):
    from shapely.geometry import shape

    b = [shape(f["geometry"]).bounds for f in features["features"]]
    return min(x[0] for x in b), min(x[1] for x in b), max(x[2] for x in b), max(x[3] for x in b)


def spec_layers_order(chart):
    return ["context" if layer.get("mark", {}).get("filled") is False else layer.get("name", layer["mark"]["type"])
            for layer in chart.to_dict()["layer"]]


def test_scatter_says_association_not_effect(tiny_db):
    with Store(tiny_db) as s:
        table = metrics.add_intensity(metrics.area_comparison(s, *MARCH), 31)
    chart = overview_figures.engagement_scatter(table, "events_per_1000_per_year", "Engagement and change")
    assert vega_subtitle(chart).startswith("Association, not effect")
    # District 2 has no % change (nothing a year earlier) and district 1 had 3 incidents a year earlier, too few
    # for a bubble (issue 16): neither is drawn, and the chart says which and why.
    assert vega.message_of(chart).startswith("Not drawn: District 1 – West, District 2 – East.")


def test_scatter_draws_bubbles_sized_by_population_with_the_district_inside():
    import pandas as pd

    table = pd.DataFrame({
        "area_id": ["1", "2", "3"], "area_name": ["North", "South", "East"], "events_per_1000_per_year": [1.0, 2.0, 3.0],
        "pct_change": [5.0, -3.0, None], "population": [1000, 2000, 1500], "noise_z": [0.5, -1.0, None],
        "incidents": [10, 20, 4], "incidents_prior_year": [12, 21, 0], "engagement_events": [1, 4, 2],
        "officer_hours": [2.0, 3.0, 1.0]})
    chart = overview_figures.engagement_scatter(table, "events_per_1000_per_year", "Engagement and change")
    spec = chart.to_dict()
    bubbles = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    numbers = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    zero = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert bubbles["encoding"]["size"]["field"] == "Residents"  # sized by population
    assert numbers["encoding"]["text"]["field"] == "Number"
    drawn = next(rows for rows in spec["datasets"].values() if "Number" in rows[0])
    assert [d["Number"] for d in drawn] == ["1", "2"] and [d["Residents"] for d in drawn] == [1000, 2000]
    assert zero["mark"]["strokeDash"]  # the no-change line
    titles = [t["title"] for t in bubbles["encoding"]["tooltip"]]
    assert titles[:2] == ["District", "Engagement events per 1,000 residents per year"] and "Reading" in titles
    assert bubbles["encoding"]["x"]["title"][0].startswith("Engagement events per 1,000")
    assert overview_figures.scatter_left_out(table, "events_per_1000_per_year").startswith("Not drawn: District 3 – East.")


def test_unknown_metric_is_refused(tiny):
    with pytest.raises(ValueError, match="metric must be one of"):
        overview_figures.choropleth(tiny[0], tiny[1], "incidents", "t")


def test_areas_without_a_value_are_grey_and_say_why(tiny):
    table, features = tiny
    chart = overview_figures.choropleth(table, features, "rate_per_1000", "t")
    assert map_spec.ids(chart, "none") == ["P"]
    grey = map_spec.areas_layer(chart)["encoding"]["color"]["condition"]
    assert {"test": "datum.kind === 'none'", "value": NO_VALUE_GREY} in grey
    assert "Caution: no rate: fewer than 300 residents" in map_spec.tooltip(chart, "P")  # the tooltip says why, per area


def test_rate_map_is_shaded_by_the_size_adjusted_rate_with_the_raw_one_in_the_hover(demo_db):
    from community_policing.stats import funnel

    with Store(demo_db) as s:
        period = metrics.preset_period("Last 12 months", metrics.dataset_info(s).last_day)
        table = metrics.area_comparison(s, period.start, period.end, level="neighborhood")
        features = geo.area_features(s, "neighborhood")
    chart = overview_figures.choropleth(table, features, "rate_per_1000", "t")
    shrunk = funnel.add_shrunk_rates(table).set_index("area_id")
    assert "size-adjusted" in map_spec.legend_title(chart)
    values = map_spec.values(chart)
    for area in map_spec.ids(chart, "value"):
        row = shrunk.loc[area]
        text = map_spec.tooltip(chart, area)
        assert values[area] == pytest.approx(float(row["rate_eb_per_1000"]), abs=1e-4)
        assert f"Raw rate: {float(row['rate_per_1000']):,.1f} per 1,000 ({int(row['incidents']):,} incidents, " \
               f"{int(row['population']):,} residents)" in text
        assert "95% interval" in text and "Residents (denominator)" in text
    # The % change map keeps its own colours and the same hover.
    change = overview_figures.choropleth(table, features, "pct_change", "t")
    assert "Raw rate:" in map_spec.tooltip(change, map_spec.ids(change, "value")[0])
    assert map_spec.colour_scale(change)["domain"][0] == -map_spec.colour_scale(change)["domain"][1]


@pytest.mark.parametrize("which", BOTH_MAPS)
def test_district_map_draws_district_numbers_and_neighborhoods_are_named_on_hover(tiny_db, which):
    chart = area_map(which, tiny_db, "district")
    assert sorted(map_spec.labels(chart)) == sorted(map_spec.ids(chart))
    ink = next(layer for layer in chart.to_dict()["layer"] if layer.get("name") == "area_numbers")
    assert ink["mark"]["fill"] == "#111111"  # dark ink, over a white halo drawn first
    neighborhoods = area_map(which, tiny_db, "neighborhood")
    assert map_spec.tooltip_titles(neighborhoods)[0] == "Area"
    assert map_spec.tooltip(neighborhoods, "A").startswith("Area: ")


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
