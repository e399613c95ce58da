"""Issue 16: rates of rare crimes are per 100,000 residents on every map, colour bar, hover, funnel, table and
download of the Overview and the Map page (one base per view), and the Overview map's shading and areas travel
in the address. Read from what the pages show (AppTest), plus the rule itself on a seeded table."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing import settings
from community_policing.figures import base as figures
from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR, LEDGER_ENV_VAR
from tests.test_exports import download_data, recording  # noqa: F401  (recording: a fixture; reads a download)
from tests.conftest import open_tables
from tests import overview_charts
from tests.charts import title_of, vega_charts

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture()
def demo_env(demo_db, monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    monkeypatch.setenv(LEDGER_ENV_VAR, str(tmp_path / "ledger.sqlite"))
    monkeypatch.delenv(settings.MODE_ENV, raising=False)
    return demo_db


def _open(page: str | None = None, **params) -> AppTest:
    at = open_tables(AppTest.from_file(APP, default_timeout=90))
    if page:
        at.switch_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    """What the page says: titles, headings, markdown, captions, notes and the controls' option labels."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "warning")
             for e in getattr(at, kind)]
    for radio in at.radio:
        parts += [str(o) for o in radio.options]  # the labels as shown
    return " ".join(str(p) for p in parts)


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _map(at: AppTest) -> dict:
    """The Map page's Vega-Lite map (``figures.maps.layer_map``)."""
    return next(c for c in vega_charts(at) if "map_page_chart" in c["key"])


def _overview_map(at: AppTest) -> dict:
    """The Overview's Vega-Lite map (``figures.overview.choropleth``)."""
    return overview_charts.map_chart(at)


def _legend(chart: dict) -> str:
    return overview_charts.legend_title(chart)


def _tooltips(chart: dict) -> str:
    """Every area's tooltip as a reader sees it ("Title: value" lines)."""
    return " ".join(overview_charts.tooltip(chart, a) for a in overview_charts.ids(chart))


def _title(chart: dict) -> str:
    return title_of(chart)  # its lines joined


def _colour_bar(chart: dict) -> str:
    """The title of the Map page's colour legend (what the colours are, with their base)."""
    return overview_charts.legend_title(chart)


def _hovers(chart: dict) -> str:
    return _tooltips(chart)


# A rate said per 1,000, except engagement intensity (activities or hours per 1,000 residents per year, which is
# not an incident rate and keeps its base).
PER_1000 = re.compile(r".{0,40}(?:per 1,000|× 1,000)(?!(?: residents)? per year).{0,20}")


def _says_per_1000(text: str) -> list[str]:
    """Every "per 1,000" of an incident rate in ``text``, but for the sentence that says why it is per 100,000."""
    return PER_1000.findall(text.replace(figures.RARE_BASE_NOTE, ""))


def test_the_rule_switches_a_rare_selection_by_its_rate_whatever_its_name():
    # Named rare group: per 100,000 whatever its rate.
    assert metrics.view_rate_base("homicide", 5_000, 300_000) == 100_000
    # A group of any other name whose citywide rate is under 1 per 1,000 residents: per 100,000 too.
    assert "arson" not in metrics.RARE_GROUPS
    assert metrics.view_rate_base("arson", 299, 300_000) == 100_000
    assert metrics.view_rate_base("category:a city's own", 0, 300_000) == 100_000
    # At or above 1 per 1,000: per 1,000.
    assert metrics.view_rate_base("arson", 300, 300_000) == 1_000
    assert metrics.view_rate_base("all", 20_000, 300_000) == 1_000
    # No residents: no rate can be made, the name alone decides.
    assert metrics.view_rate_base("arson", 3, 0) == 1_000
    # From a table: every incident of the city (the unplaced row too) over the residents of rated areas.
    table = pd.DataFrame({"area_id": ["1", "2", "park", metrics.UNASSIGNED_ID],
                          "incidents": [100, 80, 15, 10], "population": [120_000, 100_000, 50, pd.NA]})
    assert metrics.table_rate_base(table, "robbery") == 100_000  # 205 / 220,000 = 0.93 per 1,000
    assert metrics.table_rate_base(table.assign(incidents=[130, 80, 0, 10]), "robbery") == 1_000  # 1.0


def test_rates_per_100000_rename_and_rescale_the_columns_a_reader_downloads():
    table = pd.DataFrame({"area_id": ["1", "2"], "incidents": [3, 0], "population": [150_000, 200],
                          "rate_per_1000": [0.02, pd.NA], "rate_eb_per_1000": [0.0171, pd.NA]})
    shown = metrics.rates_per(table, 100_000)
    assert "rate_per_1000" not in shown.columns and "rate_eb_per_1000" not in shown.columns
    # Made again from the counts (3 / 150,000 × 100,000 = 2.0), not from the rounded 0.02 per 1,000.
    assert shown["Incidents per 100,000 residents"].tolist()[0] == pytest.approx(2.0)
    assert pd.isna(shown["Incidents per 100,000 residents"].tolist()[1])  # 200 residents: no rate
    assert shown["Size-adjusted rate per 100,000 residents"].tolist()[0] == pytest.approx(1.71)
    assert metrics.rates_per(table, 1_000) is table


def test_homicide_on_the_overview_reads_per_100000_everywhere(demo_env, recording):
    at = _open(offense="homicide")
    assert at.selectbox(key="offense_group").value == "homicide"
    text = _text(at)
    fig = _overview_map(at)
    assert title_of(fig) == "Homicide: incidents per 100,000 residents by district"
    assert "Incidents per 100,000 residents" in text  # the map's "Shade areas by" control
    assert "× 100,000" in text and "Per 100,000 residents, as for every rare offense" in text
    assert not _says_per_1000(text), _says_per_1000(text)
    assert "per 100,000" in _legend(fig) and "per 1,000" not in _legend(fig)
    hovers = _tooltips(fig)
    assert "Per 100,000 residents, size-adjusted:" in hovers and "per 1,000" not in hovers
    # The colours are per 100,000: the shaded values are 100 times the size-adjusted rates per 1,000.
    assert overview_charts.colour_scale(fig)["domain"][1] > 1  # per 1,000 a homicide map reads 0.0-0.1
    # The funnel: axis, hover and city line per 100,000.
    funnel = next(f for f in _figures(at) if "Residents (the rate's denominator)" in str(f["layout"]))
    assert funnel["layout"]["yaxis"]["title"]["text"] == "Incidents per 100,000 residents"
    assert any("per 100,000 residents" in str(t.get("hovertemplate", "")) for t in funnel["data"])
    assert "per 1,000" not in json.dumps(funnel)
    # The district table and its download name the base.
    table = next(d for d in at.dataframe if d.key == "district_table").value
    assert "Incidents per 100,000 residents" in table.columns and "rate_per_1000" not in table.columns
    button = next(b for b in at.get("download_button") if "district table (CSV)" in b.proto.label)
    csv = pd.read_csv(io.BytesIO(download_data(button)), comment="#", encoding="utf-8-sig")
    assert "Incidents per 100,000 residents" in csv.columns and "rate_per_1000" not in csv.columns


def test_all_offenses_stay_per_1000(demo_env):
    at = _open()
    fig = _overview_map(at)
    assert title_of(fig).endswith("incidents per 1,000 residents by district")
    assert "per 100,000" not in _text(at) + _tooltips(fig)
    assert "per 1,000" in _legend(fig)
    assert "Per 1,000 residents, size-adjusted:" in _tooltips(fig)
    table = next(d for d in at.dataframe if d.key == "district_table").value
    assert "rate_per_1000" in table.columns
    # The Overview map, like the Map page's, draws the city's outline, river and road under the areas.
    from community_policing.figures.areamap import CONTEXT_STYLE

    layers = {layer["mark"]["stroke"] for layer in overview_charts.context_layers(fig)}
    assert {CONTEXT_STYLE[kind][0] for kind in ("city", "water", "road")} <= layers
    order = [layer.get("name") for layer in fig["spec"]["layer"]]
    assert order.index("areas") == len(overview_charts.context_layers(fig))  # under the areas


def test_homicide_on_the_map_page_reads_per_100000(demo_env):
    at = _open("pages/map.py", offense="homicide")
    assert at.radio(key="map_layer").value == "rate"
    text = _text(at)
    fig = _map(at)
    assert _title(fig) == "Homicide: incidents per 100,000 residents by district"
    assert "Incidents per 100,000 residents" in text  # the layer control
    assert "× 100,000" in text and "Per 100,000 residents, as for every rare offense" in text
    assert not _says_per_1000(text), _says_per_1000(text)
    assert "per 100,000" in _colour_bar(fig) and "per 1,000" not in _colour_bar(fig)
    assert "Per 100,000 residents, size-adjusted:" in _hovers(fig) and "per 1,000" not in _hovers(fig)
    tables = [d.value for d in at.dataframe]  # the layer's table, named by the base
    assert any({"Incidents per 100,000 residents", "Size-adjusted rate per 100,000 residents"} <= set(t.columns)
               for t in tables)
    assert not any("rate_per_1000" in t.columns or "rate_eb_per_1000" in t.columns for t in tables)
    # The colours are per 100,000: each area is shaded by its size-adjusted rate per 100,000, as the table says.
    shown = next(t for t in tables if "Size-adjusted rate per 100,000 residents" in t.columns).set_index("area_id")
    shaded = overview_charts.values(fig)
    assert overview_charts.ids(fig, "value")
    for area in overview_charts.ids(fig, "value"):
        assert shaded[area] == pytest.approx(float(shown.loc[area, "Size-adjusted rate per 100,000 residents"]),
                                             abs=1e-3)
    # Another layer's hover gives the rate with the same base.
    at.radio(key="map_layer").set_value("change").run()
    assert not at.exception, at.exception
    assert "Per 100,000 residents, size-adjusted:" in _hovers(_map(at))


def test_all_offenses_on_the_map_page_stay_per_1000(demo_env):
    at = _open("pages/map.py")
    fig = _map(at)
    assert _title(fig).endswith("incidents per 1,000 residents by district")
    assert "per 1,000" in _colour_bar(fig) and "per 100,000" not in _text(at) + _hovers(fig)


def test_a_shared_overview_link_reproduces_the_map_and_a_change_writes_it(demo_env):
    at = _open(shade="change", areas="neighborhood")
    assert at.radio(key="map_metric").value == "pct_change"
    assert at.radio(key="map_level").value == "neighborhood"
    assert title_of(_overview_map(at)).endswith("% change from a year earlier by neighborhood")
    # Changing the controls writes the address; the defaults leave it plain.
    at.radio(key="map_metric").set_value("rate_per_1000").run()
    assert "shade" not in at.query_params and at.query_params["areas"] == "neighborhood"
    at.radio(key="map_level").set_value("district").run()
    assert "areas" not in at.query_params
    at.radio(key="map_metric").set_value("pct_change").run()
    assert at.query_params["shade"] == "change"
    # A hostile value is ignored, never shown.
    hostile = _open(shade="<script>", areas="everywhere")
    assert hostile.radio(key="map_metric").value == "rate_per_1000"
    assert hostile.radio(key="map_level").value == "district"


def test_in_spanish_the_base_is_said_in_spanish_and_the_download_keeps_its_english_name(demo_env):
    at = _open("pages/map.py", offense="homicide", lang="es")
    fig = _map(at)
    assert _title(fig).endswith("incidentes por cada 100,000 residentes por distrito")
    assert "por cada 100,000" in _colour_bar(fig)
    assert "Por cada 100,000 residentes, ajustada por tamaño:" in _hovers(fig)
    assert "× 100,000" in _text(at)
    # The table's column keeps the name a saved file has in both languages; its heading on screen is Spanish.
    assert any("Incidents per 100,000 residents" in d.value.columns for d in at.dataframe)
