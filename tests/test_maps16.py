"""Issue 16, maps a reader can find their way on: district numbers drawn on district maps, the city's context
lines under the areas (from the manifest or the demo), a searched area outlined, the District page's locator,
a colour legend under the map that fits a phone, and a bivariate map whose change bands are the noise reading."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from community_policing.data import geo, loader
from community_policing.figures import areamap, maps as map_figures
from community_policing.figures import district as district_figures
from community_policing.views import map_layers, metrics
from community_policing.data.store import DB_ENV_VAR, Store
from tests import overview_charts as oc, servers
from tests.charts import rows, title_of, vega_charts

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def store(demo_db):
    with Store(demo_db) as s:
        yield s


@pytest.fixture(scope="module")
def period(store):
    return metrics.preset_period("Last 12 months", metrics.dataset_info(store).last_day)


@pytest.fixture(scope="module")
def map_page(demo_db, tmp_path_factory):
    """The Map page through AppTest (a copy of dashboard.py with absolute page paths)."""
    text = (ROOT / "dashboard.py").read_text(encoding="utf-8").replace('st.Page("pages/', f'st.Page("{ROOT}/pages/')
    path = tmp_path_factory.mktemp("dash16") / "dash.py"
    path.write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        """) + text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(DB_ENV_VAR, str(demo_db))
        at = AppTest.from_file(str(path), default_timeout=90)
        at.run()
        at.switch_page(f"{ROOT}/pages/map.py").run()
        assert not at.exception, at.exception
        yield at


def _map(at) -> dict:
    """The Map page's map (a Vega-Lite chart, ``tests.charts.vega_charts``' dict)."""
    return next(c for c in vega_charts(at) if "map_page_chart" in c["key"])


def _key(at) -> dict:
    """The bivariate map's key, "How to read the colours" (a Vega-Lite grid of nine cells in words)."""
    return next(c for c in vega_charts(at) if title_of(c) == "How to read the colours")


def _layers(chart) -> list[dict]:
    return oc.spec_of(chart)["layer"]


def test_the_district_map_on_the_page_carries_numbers_context_lines_and_a_horizontal_colour_legend(map_page):
    at = map_page
    at.radio(key="map_level_page").set_value("district").run()
    at.radio(key="map_layer").set_value("rate").run()
    chart = _map(at)
    layers = _layers(chart)
    names = [layer.get("name") for layer in layers]
    # Numbers drawn, dark ink over a white halo (the layer just under it): one text layer each.
    assert "area_numbers" in names
    ink = layers[names.index("area_numbers")]
    halo = layers[names.index("area_numbers") - 1]
    assert ink["mark"]["type"] == halo["mark"]["type"] == "text"
    assert ink["mark"]["fill"] == areamap.LABEL_INK and halo["mark"]["stroke"] == areamap.LABEL_HALO
    assert halo["mark"]["strokeWidth"] > 0 and not ink["mark"].get("stroke")
    # Drawn for the eye only: no tooltip of their own, hidden from screen readers (each area's description names it).
    assert all(layer["mark"]["tooltip"] is None and layer["mark"]["aria"] is False for layer in (ink, halo))
    # One number per district, on every district.
    assert sorted(oc.labels(chart)) == sorted(oc.ids(chart)) and len(oc.ids(chart)) >= 9
    assert halo["data"]["values"] == ink["data"]["values"]
    # The colour legend lies flat under the map.
    legend = oc.areas_layer(chart)["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["direction"] == "horizontal"
    # Still no tiles: shapes, lines and numbers drawn from the spec on a flat projection, nothing fetched.
    assert {layer["mark"]["type"] for layer in layers} <= {"geoshape", "text", "circle"}
    assert oc.spec_of(chart)["projection"]["type"] == "mercator"
    assert all("url" not in (layer.get("data") or {}) for layer in layers)
    assert oc.context_layers(chart)  # and the city's lines under the areas
    # The neighborhood map labels on hover, not with drawn numbers.
    at.radio(key="map_level_page").set_value("neighborhood").run()
    chart = _map(at)
    assert "area_numbers" not in [layer.get("name") for layer in _layers(chart)] and not oc.labels(chart)
    assert oc.tooltip_titles(chart)[0] == "Area"  # the tooltip opens with the name
    assert all(isinstance(a["Area"], str) and a["Area"].strip() for a in oc.areas(chart))
    assert all(oc.tooltip(chart, i).startswith(f"Area: {a['Area']}\n") for i, a in
               zip(oc.ids(chart), oc.areas(chart)))


def test_the_map_page_draws_the_city_context_lines_under_the_areas(map_page):
    at = map_page
    at.radio(key="map_level_page").set_value("district").run()
    at.radio(key="map_layer").set_value("change").run()
    chart = _map(at)
    layers = _layers(chart)
    context = oc.context_layers(chart)
    colours = {colour: kind for kind, (colour, _width) in areamap.CONTEXT_STYLE.items()}
    assert {"city", "water", "road"} <= {colours.get(layer["mark"]["stroke"]) for layer in context}
    # Under the areas (drawn before them), unfilled lines from the spec (inline GeoJSON, nothing fetched).
    areas_at = layers.index(oc.areas_layer(chart))
    assert all(layers.index(layer) < areas_at for layer in context)
    assert all(layer["mark"]["type"] == "geoshape" and layer["mark"]["filled"] is False for layer in context)
    assert all(layer["data"]["values"] and all(f["type"] == "Feature" for f in layer["data"]["values"])
               for layer in context)
    # For the eye only: no tooltip, hidden from screen readers.
    assert all(layer["mark"]["tooltip"] is None and layer["mark"]["aria"] is False for layer in context)


def test_the_bivariate_map_on_the_page_bands_change_by_the_noise_reading(map_page, store, period):
    at = map_page
    at.radio(key="map_level_page").set_value("district").run()
    at.radio(key="map_layer").set_value("bivariate").run()
    assert not at.exception
    key = _key(at)
    bands = " ".join(rows(key)["Crime change vs a year earlier →"].unique())  # the key's rows, as read
    assert "clear change" in bands and "|z| < 2" in bands and "z ≥ 2" in bands and "third" not in bands
    legend_table = next(df.value for df in at.dataframe if "label" in df.value.columns)
    data = map_layers.layer_data(store, "bivariate", "district", period)
    classed = data.table.dropna(subset=["change_class"])
    z = classed["noise_z"].astype(float)
    expected = pd.Series(2, index=classed.index).where(z.abs() < 2, (z > 0).map({True: 3, False: 1}))
    assert (classed["change_class"].astype(int) == expected).all()
    # What the page shows: every area counted in the legend, in its band's row.
    assert int(legend_table["areas"].sum()) == len(classed)
    for band, word in ((1, "crime fell"), (2, "crime: no clear change"), (3, "crime rose")):
        shown = legend_table[legend_table["label"].str.endswith(word)]["areas"].sum()
        assert shown == int((classed["change_class"] == band).sum()), word
    # The key's cells count the same areas, and the map colours each classed area by its cell.
    cells = rows(key)
    assert int(cells["Areas"].sum()) == len(classed)
    mapped = oc.values(_map(at))
    assert sorted(v for v in mapped.values() if v is not None) == sorted(classed["bivariate_label"])


def test_changes_all_within_normal_variation_are_one_band_not_terciles():
    table = pd.DataFrame({"area_id": list("abcdef"), "events_per_1000_per_year": [1.0, 2, 3, 4, 5, 6],
                          "pct_change": [-9.0, -4, -1, 2, 5, 8], "noise_z": [-1.9, -0.8, -0.1, 0.3, 1.0, 1.9]})
    classed, legend = map_layers.bivariate_classes(table)
    assert set(classed["change_class"]) == {2}
    assert legend.groupby("change_class")["areas"].sum().to_dict() == {1: 0, 2: 6, 3: 0}
    table["noise_z"] = [-3.5, -2.0, 0.0, 0.5, 2.0, 4.0]
    classed, _ = map_layers.bivariate_classes(table)
    assert list(classed["change_class"]) == [1, 1, 2, 2, 3, 3]


def test_legend_cells_wrap_to_their_width(store, period):
    legend = map_layers.layer_data(store, "bivariate", "district", period).legend
    spec = map_figures.bivariate_legend(legend).to_dict()
    [cells] = [pd.DataFrame(values) for values in spec["datasets"].values()]
    assert len(cells) == 9
    for text, areas in zip(cells["In words"], cells["Areas"]):  # each cell's words, one line each drawn line
        lines = text.split("\n")
        assert max(len(line) for line in lines) <= map_figures.LEGEND_CELL_CHARS, text
        assert lines[-1] in (f"{areas} areas", f"{areas} area"), text
    # The cells' text is drawn as lines at those breaks, centred in the cell: every text padded to as many lines
    # as the longest with blank lines (in the browser) and the block moved up by half its height.
    words = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    drawn = words["encoding"]["text"]["field"]
    [made] = [t for t in words["transform"] if t["as"] == drawn]
    most = max(len(text.split("\n")) for text in cells["In words"])
    assert "datum['In words']" in made["calculate"] and f"floor(({most} - " in made["calculate"]
    assert words["mark"]["lineBreak"] == "\n"
    assert words["mark"]["dy"] == -(most - 1) * words["mark"]["lineHeight"] / 2


def test_search_highlight_and_locator(store, period):
    features = geo.area_features(store, "neighborhood")
    data = map_layers.layer_data(store, "rate", "neighborhood", period)
    chosen = data.table["area_id"].iloc[3]
    chart = map_figures.layer_map(data.table, features, "rate", "t", highlight=chosen).to_dict()
    layers = _layers(chart)
    outline = [layer for layer in layers if layer.get("mark", {}).get("strokeWidth") == 4]
    assert len(outline) == 1 and outline[0].get("name") == "highlight"
    assert outline[0]["mark"]["type"] == "geoshape" and outline[0]["mark"]["filled"] is False
    assert outline[0]["mark"]["stroke"] == "#000000"
    [feature] = outline[0]["data"]["values"]
    assert feature["id"] == chosen and feature["Area"] == data.table["area_name"].iloc[3]
    assert feature["geometry"] == next(a for a in oc.areas(chart) if a["id"] == chosen)["geometry"]
    assert layers.index(outline[0]) > layers.index(oc.areas_layer(chart))  # drawn over the areas
    plain = map_figures.layer_map(data.table, features, "rate", "t")
    assert oc.areas(plain) == oc.areas(chart)  # the areas themselves do not change
    districts = geo.area_features(store, "district")
    loc = district_figures.locator_map(districts, "5", "Where District 5 is", context=geo.context_features(store))
    # Vega-Lite shapes on a flat projection, no WebGL map (the slowest thing a browser draws): one shape per district.
    spec = loc.to_dict()
    layers = spec["layer"]
    assert {layer["mark"]["type"] for layer in layers} == {"geoshape", "text"}
    shapes = {layer["mark"].get("fill"): spec["datasets"][layer["data"]["name"]] for layer in layers
              if layer["mark"]["type"] == "geoshape" and layer["mark"].get("filled") is not False}
    assert [f["properties"]["district"] for f in shapes[district_figures.LOCATOR_FILL]] == ["5"]  # the chosen one
    assert len(shapes[district_figures.OTHER_FILL]) == len(districts["features"]) - 1
    labels = {layer["mark"]["fontWeight"]: [f["properties"]["label"] for f in spec["datasets"][layer["data"]["name"]]]
              for layer in layers if layer["mark"]["type"] == "text"}
    assert labels["bold"] == ["5"] and len(labels["normal"]) + 1 == len(districts["features"])
    context = [layer for layer in layers if layer["mark"].get("filled") is False]  # the city's lines, under the areas
    assert context and layers.index(context[-1]) < min(layers.index(layer) for layer in layers
                                                        if layer["mark"].get("fill") == district_figures.OTHER_FILL)
    assert spec["height"] <= 300


def test_an_outlines_layer_in_the_manifest_is_read_into_map_context(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    districts = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"D": str(i)}, "geometry": shapely.geometry.mapping(
            shapely.box(-90.3 + 0.1 * i, 38.6, -90.2 + 0.1 * i, 38.7))} for i in (1, 2)]}
    river = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"NAME": "Big River"},
                                                        "geometry": {"type": "LineString",
                                                                     "coordinates": [[-90.3, 38.55], [-89.9, 38.75]]}}]}
    (src / "d.geojson").write_text(json.dumps(districts))
    (src / "r.geojson").write_text(json.dumps(river))
    manifest = tmp_path / "city.toml"
    manifest.write_text('name = "Test"\n[districts]\nfile = "d.geojson"\nid_field = "D"\n'
                        '[[outlines]]\nfile = "r.geojson"\nkind = "water"\nname_field = "NAME"\n')
    read = loader.read_city(manifest, src)
    context = read.tables["map_context"]
    assert set(context["kind"]) == {"city", "water"}  # city limits from the districts' edge
    assert context.loc[context["kind"] == "water", "name"].tolist() == ["Big River"]
    assert "map_context" in {f["table_name"] for f in read.log.files}
    manifest.write_text(manifest.read_text().replace('kind = "water"', 'kind = "lake"'))
    with pytest.raises(loader.ManifestError, match="kind must be one of"):
        loader.read_city(manifest, src)


# The Map page's map in the browser: Vega-Lite draws it as SVG; its areas are the layer named "areas".
MAP_AREAS = '[data-testid="stVegaLiteChart"] g.role-mark.areas_marks path[aria-roledescription="geoshape"]'

# Where the map's parts lie on the page (pixels): the chart's SVG, every area, the colour legend, the title.
_MAP_BOXES = """sel => {
  const chart = document.querySelector(sel).closest('[data-testid="stVegaLiteChart"]');
  const box = el => { const r = el.getBoundingClientRect();
                      return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width,
                              height: r.height}; };
  return {svg: box(chart.querySelector('svg.marks')), areas: [...chart.querySelectorAll(sel)].map(box),
          legends: [...chart.querySelectorAll('g.role-legend')].map(box),
          gradients: [...chart.querySelectorAll('g.role-legend .role-legend-gradient path, '
                                                + 'g.role-legend .role-legend-gradient rect')].map(box),
          titles: [...chart.querySelectorAll('g.role-title')].map(box)};
}"""


@pytest.mark.browser
def test_the_map_fits_a_phone_with_the_colour_legend_under_it(demo_db, tmp_path):
    servers.need()
    with servers.serving(demo_db, tmp_path) as url, servers.chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        foreign: list[str] = []
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:",
                                                                                     "blob:")) else None)
        page.goto(f"{url}/map", wait_until="domcontentloaded")
        page.wait_for_selector(MAP_AREAS, timeout=90_000)
        page.wait_for_timeout(3000)
        page.locator('[data-testid="stVegaLiteChart"]', has=page.locator("g.areas_marks")).scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        found = page.evaluate(_MAP_BOXES, MAP_AREAS)
        svg, areas = found["svg"], found["areas"]
        assert svg["left"] >= 0 and svg["right"] <= 390, svg  # the chart fits the phone's width
        assert len(areas) >= 9, len(areas)  # every district drawn
        # The whole city fits: every area's outline lies inside the chart.
        outside = [a for a in areas if a["left"] < svg["left"] - 0.5 or a["right"] > svg["right"] + 0.5
                   or a["top"] < svg["top"] - 0.5 or a["bottom"] > svg["bottom"] + 0.5]
        assert not outside, (svg, outside[:3])
        city = {"left": min(a["left"] for a in areas), "right": max(a["right"] for a in areas),
                "top": min(a["top"] for a in areas), "bottom": max(a["bottom"] for a in areas)}
        assert city["right"] - city["left"] > 0.6 * svg["width"], (city, svg)  # and fills the phone's width
        # The colour legend lies flat under the map, inside the chart.
        [legend] = found["legends"]
        assert legend["top"] >= city["bottom"], (legend, city)
        assert legend["left"] >= svg["left"] and legend["right"] <= svg["right"], (legend, svg)
        assert found["gradients"] and all(g["width"] > 3 * g["height"] for g in found["gradients"]), found["gradients"]
        # The title is not wider than the chart.
        [title] = found["titles"]
        assert title["left"] >= svg["left"] and title["right"] <= svg["right"], (title, svg)
        shots = ROOT / "artifacts" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "map_phone_390.png"))  # the map as a phone shows it
        assert not foreign, foreign[:5]
        page.close()
