"""The Map page: layer data from the library, pure figures, and the page through AppTest."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.data import geo
from community_policing.figures import maps as map_figures
from community_policing.views import map_layers, metrics
from community_policing.data.store import DB_ENV_VAR, Store
from tests import overview_charts
from tests.charts import rows, title_of, vega_charts
from tests.conftest import open_tables

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(demo_db):
    with Store(demo_db) as s:
        yield s


@pytest.fixture(scope="module")
def period(store):
    return metrics.preset_period("Last 12 months", metrics.dataset_info(store).last_day)


@pytest.mark.parametrize("level", metrics.LEVELS)
def test_bivariate_classes_are_three_by_three_and_balanced(store, period, level):
    data = map_layers.layer_data(store, "bivariate", level, period)
    classed = data.table.dropna(subset=["bivariate_class"])
    assert set(classed["engagement_class"]) <= {1, 2, 3} and set(classed["change_class"]) <= {1, 2, 3}
    assert set(classed["bivariate_class"]) <= set(range(9))
    assert (classed["bivariate_class"] == (classed["change_class"] - 1) * 3 + classed["engagement_class"] - 1).all()
    for col in ("engagement_class",):
        sizes = classed[col].value_counts()
        assert len(sizes) == 3 and sizes.max() - sizes.min() <= 1, sizes
    # Change is banded by the noise reading (issue 16), not split into thirds.
    assert (classed["change_class"] == map_layers.change_bands(classed)).all()
    legend = data.legend
    assert len(legend) == 9 and legend["areas"].sum() == len(classed)
    assert legend["label"].str.contains("engagement").all() and legend["label"].str.contains("crime").all()


def test_terciles_on_known_values():
    classes, ranges = map_layers.terciles(pd.Series([5.0, 1.0, None, 3.0, 2.0, 6.0, 4.0]))
    assert list(classes) == [3, 1, pd.NA, 2, 1, 3, 2]
    assert ranges == [(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)]
    words = map_layers.change_words([(-9.0, -5.0), (-4.0, 1.0), (2.0, 8.0)])
    assert words == {1: "crime fell", 2: "crime about level", 3: "crime rose"}


@pytest.mark.parametrize("level", metrics.LEVELS)
def test_muted_flag_is_within_normal_variation(store, period, level):
    """The map fades exactly the areas whose reading is "within normal variation" (the calibrated z)."""
    table = map_layers.layer_data(store, "change", level, period).table
    z = "noise_z" if "noise_z" in table.columns else "poisson_z"
    assert (table["muted"] == (table[z].astype(float).abs() < 2)).all()
    assert (table["muted"] == (table["noise"] == "within normal variation")).all()


def test_muted_flag_reads_the_calibrated_z_and_accepts_the_old_one():
    table = pd.DataFrame({"noise_z": [0.5, -2.5, None], "poisson_z": [9.0, 0.1, 0.1]})
    assert list(map_layers.muted_flag(table)) == [True, False, False]  # no z (nothing to compare): not faded
    assert list(map_layers.muted_flag(table.drop(columns="noise_z"))) == [False, True, True]


@pytest.mark.parametrize("level", metrics.LEVELS)
def test_rate_layer_shows_the_shrunk_rate_with_the_raw_one_in_the_hover(store, period, level):
    data = map_layers.layer_data(store, "rate", level, period)
    assert data.value_column == "rate_eb_per_1000"
    table = data.table
    rated = table["rate_per_1000"].notna()
    assert table.loc[rated, "rate_eb_per_1000"].notna().all() and table.loc[~rated, "rate_eb_per_1000"].isna().all()
    assert (table.loc[rated, "rate_eb_low"] <= table.loc[rated, "rate_eb_per_1000"]).all()
    assert (table.loc[rated, "rate_eb_per_1000"] <= table.loc[rated, "rate_eb_high"]).all()
    chart = map_figures.layer_map(table, geo.area_features(store, level), "rate", "t").to_dict()
    assert "size-adjusted" in overview_charts.value_field(chart)  # the legend says what the colours are
    shaded = overview_charts.values(chart)
    for _i, row in table[rated].iterrows():
        assert shaded[row["area_id"]] == pytest.approx(float(row["rate_eb_per_1000"]), abs=1e-4)
    for _i, row in table[~rated].iterrows():
        assert shaded[row["area_id"]] is None  # no rate: not shaded (grey)
    row = table[rated].sort_values("population").iloc[0]  # the smallest area: the one shrinkage moves most
    text = overview_charts.tooltip(chart, row["area_id"])
    assert (f"size-adjusted: {float(row['rate_eb_per_1000']):,.1f} (95% interval {float(row['rate_eb_low']):,.1f}–"
            f"{float(row['rate_eb_high']):,.1f})") in text
    assert (f"Raw rate: {float(row['rate_per_1000']):,.1f} per 1,000 ({int(row['incidents']):,} incidents, "
            f"{int(row['population']):,} residents)") in text


def test_engagement_points_are_events_in_the_period(store, period):
    points = map_layers.engagement_points(store, period.start, period.end)
    assert len(points)
    assert points["date"].min() >= period.start and points["date"].max() <= period.end
    assert points[["lon", "lat"]].notna().all().all()
    assert set(points["id"]) <= set(store.query("engagement_events_all")["id"])


def test_trust_is_district_only_and_empty_states_explain(store, period):
    assert map_layers.layer_data(store, "trust", "district", period).available
    hood = map_layers.layer_data(store, "trust", "neighborhood", period)
    assert not hood.available and "by police district" in hood.message
    areas = map_layers.with_population_year(
        store, metrics.area_comparison(store, period.start, period.end, "district"), "district")
    for layer in ("engagement", "bivariate"):
        no_ledger = map_layers.build_layer(layer, "district", areas, period, has_engagement=False)
        assert not no_ledger.available and "engagement ledger" in no_ledger.message
    no_surveys = map_layers.build_layer("trust", "district", areas, period, has_engagement=True,
                                        trust=pd.DataFrame())
    assert not no_surveys.available and "survey" in no_surveys.message


def _offline(chart) -> None:
    """A map drawn from its spec alone: shapes on a projection, every layer's data sent with it (inline values or
    a dataset of the spec), no tiles, no map library (no WebGL), nothing fetched."""
    spec = overview_charts.spec_of(chart)
    assert spec["projection"]["type"] == "mercator"
    # A dataset is in the spec, or sent beside it (Streamlit moves it out: ``vega_charts``' "data").
    datasets = {*spec.get("datasets", {}), *(chart["data"] if isinstance(chart, dict) and "spec" in chart else {})}
    for layer in spec["layer"]:
        data = layer.get("data") or spec.get("data") or {}
        assert "values" in data or data.get("name") in datasets, layer.get("name")
    text = json.dumps(spec).lower()
    assert '"url"' not in text and "maplibre" not in text and "mapbox" not in text


def _drawn(chart) -> set[str]:
    """The mark types a reader sees on the map but for the context lines and district numbers."""
    spec = overview_charts.spec_of(chart)
    context = overview_charts.context_layers(chart)
    return {layer["mark"]["type"] for layer in spec["layer"]
            if layer not in context and layer["mark"]["type"] != "text"}


def _clickable(chart) -> bool:
    """The areas carry the click selection that opens a district (``display.open_district_on_click``)."""
    spec = overview_charts.spec_of(chart)
    params = [*spec.get("params", []), *overview_charts.areas_layer(chart).get("params", [])]
    return any(p["name"] == map_figures.SELECTION and p.get("views", ["areas"]) == ["areas"] for p in params)


@pytest.mark.parametrize("level", metrics.LEVELS)
def test_every_layer_draws_an_offline_map(store, period, level):
    features = geo.area_features(store, level)
    events = map_layers.engagement_points(store, period.start, period.end)
    for layer in map_layers.LAYERS:
        data = map_layers.layer_data(store, layer, level, period)
        if not data.available:
            continue
        column = map_figures.LAYER_STYLE[layer]["column"]
        for with_events in (None, events):
            chart = map_figures.layer_map(data.table, features, layer, "t", "s", events=with_events).to_dict()
            _offline(chart)
            assert _clickable(chart)
            names = [lr.get("name") for lr in overview_charts.spec_of(chart)["layer"]]
            assert _drawn(chart) == ({"geoshape", "circle"} if with_events is not None else {"geoshape"})
            assert ("events" in names) == (with_events is not None), (layer, names)
            # every area once, grey when no value
            assert sorted(overview_charts.ids(chart)) == sorted(data.table["area_id"]), (level, layer)
            blank = set(data.table.loc[data.table[column].isna(), "area_id"])
            assert set(overview_charts.ids(chart, "none")) == blank, (level, layer)
            assert all((value is None) == (area in blank) for area, value in overview_charts.values(chart).items())
            assert "Residents (denominator)" in overview_charts.tooltip_titles(chart)
            hover = " ".join(overview_charts.tooltip(chart, a) for a in overview_charts.ids(chart))
            assert "Residents (denominator)" in hover and "population)" in hover
            # Every line of every tooltip says something: a missing value would show as "null" (Vega-Lite's words).
            fields = [t["field"].replace("\\.", ".") for t in overview_charts.areas_layer(chart)["encoding"]["tooltip"]]
            blank = [(area["id"], area["kind"], field) for area in overview_charts.areas(chart) for field in fields
                     if area.get(field) is None or str(area[field]).lower() in ("", "nan", "none", "<na>", "null")]
            assert not blank, (level, layer, blank)


def test_change_map_is_centred_and_mutes_noise(store, period):
    data = map_layers.layer_data(store, "change", "neighborhood", period)
    chart = map_figures.layer_map(data.table, geo.area_features(store, "neighborhood"), "change", "t").to_dict()
    scale = overview_charts.colour_scale(chart)
    low, high = scale["domain"]
    assert low == -high and high > 0  # centred on no change
    assert scale["scheme"] == "redblue" and scale["reverse"]  # red is more
    shown = [v for v in overview_charts.values(chart).values() if v is not None]
    assert shown and max(abs(v) for v in shown) <= high
    # Within normal variation: faded (well under half strength) with a light outline.
    encoding = overview_charts.areas_layer(chart)["encoding"]
    opacity = encoding["fillOpacity"]
    assert opacity["condition"]["test"] == "datum.kind === 'faded'"
    assert opacity["condition"]["value"] < 0.5 < opacity["value"]
    faded_outline = [c for c in encoding["stroke"]["condition"] if c["test"] == "datum.kind === 'faded'"]
    assert faded_outline and faded_outline[0]["value"] == map_figures.MUTED_LINE["color"]
    faded = overview_charts.ids(chart, "faded")
    assert faded and sorted(faded) == sorted(data.table.loc[data.table["muted"] & data.table["pct_change"].notna(),
                                                             "area_id"])


def _legend_rows(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    return pd.DataFrame(spec["datasets"][spec["data"]["name"]])


def test_bivariate_legend_has_nine_labelled_cells(store, period):
    legend = map_layers.layer_data(store, "bivariate", "district", period).legend
    chart = map_figures.bivariate_legend(legend)
    spec = chart.to_dict()
    assert spec["title"]["text"] == "How to read the colours"
    cells = _legend_rows(chart)
    assert len(cells) == 9
    assert all("engagement" in t and "crime" in t for t in cells["Colour means"])  # each cell's label
    words = cells["In words"].str.replace("\n", " ")
    assert all("engagement" in t and "crime" in t for t in words), list(words)  # the text drawn in each cell
    assert all(len(line) <= map_figures.LEGEND_CELL_CHARS for t in cells["In words"] for line in t.split("\n"))
    assert list(cells["Areas"]) == list(legend.sort_values("bivariate_class")["areas"])
    rect = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    scale = rect["encoding"]["color"]["scale"]
    assert sorted(scale["domain"]) == sorted(cells["Colour means"]) and len(set(scale["range"])) == 9
    assert set(scale["range"]) == set(map_figures.BIVARIATE_COLORS)
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")  # drawn from each cell's words
    assert any(t["as"] == text["encoding"]["text"]["field"] and "datum['In words']" in t["calculate"]
               for t in text["transform"])


# --- The page through AppTest --------------------------------------------------------------------

@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    """A copy of dashboard.py that lists the Map page (absolute paths so it runs from anywhere)."""
    text = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    text = text.replace('st.Page("pages/', f'st.Page("{ROOT}/pages/')
    if "pages/map.py" not in text:
        text = text.replace("pages = [", f'pages = [\n    st.Page("{ROOT}/pages/map.py", title="Map"),', 1)
    path = tmp_path_factory.mktemp("dash") / "map_dash.py"
    path.write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        """) + text, encoding="utf-8")
    return path


def _map(at) -> dict:
    """The Map page's map (``vega_charts``' dict)."""
    return next(c for c in vega_charts(at) if "map_page_chart" in c["key"])


def test_map_page_renders_every_layer_at_both_levels(dash, demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(str(dash), default_timeout=60))
    at.run()
    at.switch_page(f"{ROOT}/pages/map.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Map"
    assert not at.get("plotly_chart")  # the Map page loads no Plotly
    for level in metrics.LEVELS:
        at.radio(key="map_level_page").set_value(level).run()
        for layer in map_layers.LAYERS:
            at.radio(key="map_layer").set_value(layer).run()
            assert not at.exception, (level, layer, at.exception)
            if layer == "trust" and level == "neighborhood":
                assert any("by police district" in i.value for i in at.info)
                continue
            the_map = _map(at)
            _offline(the_map)
            assert overview_charts.ids(the_map), (level, layer)
            assert _clickable(the_map)
            assert at.get("download_button")
            assert any("About this data" in h.value for h in at.subheader)
            if layer == "bivariate":
                # The key beside the map (a chart without a selection has no element id: found by its title).
                key = next((c for c in vega_charts(at) if title_of(c) == "How to read the colours"), None)
                assert key is not None and len(rows(key)) == 9 and key is not the_map
    at.checkbox(key="show_events").check().run()
    assert not at.exception
    layers = _map(at)["spec"]["layer"]
    points = next((layer for layer in layers if layer.get("name") == "events"), None)
    assert points is not None and points["mark"]["type"] == "circle" and points["data"]["values"]


def test_map_page_rate_layer_shows_the_size_adjusted_rate(dash, demo_db, monkeypatch):
    """What a reader sees on the rate layer: colours from the size-adjusted rate, the raw rate and its counts
    in the hover, a caption saying what the adjustment does, and both rates in the table."""
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(str(dash), default_timeout=60))
    at.run()
    at.switch_page(f"{ROOT}/pages/map.py").run()
    at.radio(key="map_level_page").set_value("neighborhood").run()
    at.radio(key="map_layer").set_value("rate").run()
    assert not at.exception, at.exception
    the_map = _map(at)
    assert "size-adjusted" in overview_charts.legend_title(the_map)
    shown = next(d.value for d in at.dataframe if "rate_eb_per_1000" in d.value.columns).set_index("area_id")
    coloured = overview_charts.ids(the_map, "value")
    assert coloured
    shaded = overview_charts.values(the_map)
    for area in coloured:
        row = shown.loc[area]
        text = overview_charts.tooltip(the_map, area)
        assert shaded[area] == pytest.approx(float(row["rate_eb_per_1000"]), abs=1e-4)  # colours: size-adjusted
        assert f"Raw rate: {float(row['rate_per_1000']):,.1f} per 1,000 ({int(row['incidents']):,} incidents, " in text
        assert f"size-adjusted: {float(row['rate_eb_per_1000']):,.1f}" in text
    captions = " ".join(c.value for c in at.caption)
    assert "adjusted for size" in captions and "pulled toward the city rate" in captions


def test_a_change_behind_a_hidden_count_says_so_not_none_a_year_earlier():
    """Public view: a year earlier had 1 to 3 incidents, so the % is not shown; the tooltip says why (a small
    count), never "none a year earlier"."""
    row = pd.Series({"area_name": "Riverside", "incidents": 12, "incidents_prior_year": None,
                     "incidents_prior_year_note": "fewer than 4", "pct_change": None,
                     "noise": "not shown (small count)", "population": 5000, "population_year": 2020,
                     "rate_per_1000": 2.4})
    fields = map_figures.tooltip_fields(row, "change")
    assert fields["Change"] == "not shown (small count)"
    assert fields["A year earlier"] == "fewer than 4"
    row = row.drop("incidents_prior_year_note")
    row["incidents_prior_year"], row["noise"] = 0, ""
    assert map_figures.tooltip_fields(row, "change")["Change"] == "no % (none a year earlier)"
