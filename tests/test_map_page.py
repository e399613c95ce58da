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
    fig = map_figures.layer_map(table, geo.area_features(store, level), "rate", "t")
    coloured = fig.data[0]
    shaded = dict(zip(coloured.locations, coloured.z))
    for _i, row in table[rated].iterrows():
        assert shaded[row["area_id"]] == pytest.approx(float(row["rate_eb_per_1000"]))
    hover = dict(zip(coloured.locations, coloured.text))
    row = table[rated].sort_values("population").iloc[0]  # the smallest area: the one shrinkage moves most
    text = hover[row["area_id"]]
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


@pytest.mark.parametrize("level", metrics.LEVELS)
def test_every_layer_draws_an_offline_map(store, period, level):
    features = geo.area_features(store, level)
    events = map_layers.engagement_points(store, period.start, period.end)
    for layer in map_layers.LAYERS:
        data = map_layers.layer_data(store, layer, level, period)
        if not data.available:
            continue
        for with_events in (None, events):
            fig = map_figures.layer_map(data.table, features, layer, "t", "s", events=with_events)
            kinds = {t.type for t in fig.data if t.name not in ("area numbers", "label halo")}
            assert kinds == ({"choroplethmap", "scattermap"} if with_events is not None else {"choroplethmap"})
            assert fig.layout.map.style == "white-bg"
            drawn = [loc for t in fig.data if t.type == "choroplethmap" and t.name != "outline" for loc in t.locations]
            assert sorted(drawn) == sorted(data.table["area_id"])  # every area once, grey when no value
            hover = " ".join(t for tr in fig.data if tr.type == "choroplethmap" and tr.text is not None
                             for t in tr.text)
            assert "Residents (denominator)" in hover and "population)" in hover


def test_change_map_is_centred_and_mutes_noise(store, period):
    data = map_layers.layer_data(store, "change", "neighborhood", period)
    fig = map_figures.layer_map(data.table, geo.area_features(store, "neighborhood"), "change", "t")
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax
    faded = [t for t in fig.data if "within normal variation" in (t.name or "")]
    assert faded and faded[0].marker.opacity < 0.5
    assert sorted(faded[0].locations) == sorted(data.table.loc[data.table["muted"] & data.table["pct_change"].notna(),
                                                                "area_id"])


def test_bivariate_legend_has_nine_labelled_cells(store, period):
    legend = map_layers.layer_data(store, "bivariate", "district", period).legend
    fig = map_figures.bivariate_legend(legend)
    texts = [a.text for a in fig.layout.annotations]
    assert len(texts) == 9 and all("engagement" in t and "crime" in t for t in texts)
    assert len({c for row in fig.data[0].z for c in row}) == 9


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


def _map_specs(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def test_map_page_renders_every_layer_at_both_levels(dash, demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(str(dash), default_timeout=60))
    at.run()
    at.switch_page(f"{ROOT}/pages/map.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Map"
    for level in metrics.LEVELS:
        at.radio(key="map_level_page").set_value(level).run()
        for layer in map_layers.LAYERS:
            at.radio(key="map_layer").set_value(layer).run()
            assert not at.exception, (level, layer, at.exception)
            if layer == "trust" and level == "neighborhood":
                assert any("by police district" in i.value for i in at.info)
                continue
            specs = _map_specs(at)
            maps = [s for s in specs if s["data"][0]["type"] == "choroplethmap"]
            assert maps and maps[0]["layout"]["map"]["style"] == "white-bg", (level, layer)
            assert at.get("download_button")
            assert any("About this data" in h.value for h in at.subheader)
            if layer == "bivariate":
                assert any(s["data"][0]["type"] == "heatmap" for s in specs)
    at.checkbox(key="show_events").check().run()
    assert not at.exception
    kinds = {t["type"] for s in _map_specs(at) for t in s["data"]}
    assert "scattermap" in kinds


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
    spec = next(s for s in _map_specs(at) if s["data"][0]["type"] == "choroplethmap")
    coloured = spec["data"][0]
    assert "size-adjusted" in spec["data"][0]["name"]
    shown = next(d.value for d in at.dataframe if "rate_eb_per_1000" in d.value.columns).set_index("area_id")
    for area, text in zip(coloured["locations"], coloured["text"]):
        row = shown.loc[area]
        assert f"Raw rate: {float(row['rate_per_1000']):,.1f} per 1,000 ({int(row['incidents']):,} incidents, " in text
        assert f"size-adjusted: {float(row['rate_eb_per_1000']):,.1f}" in text
    captions = " ".join(c.value for c in at.caption)
    assert "adjusted for size" in captions and "pulled toward the city rate" in captions
