"""Every page through Streamlit's AppTest, on a real warehouse file holding the demo city."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR, Store
from tests import overview_charts
from tests.charts import title_of
from tests.conftest import open_tables

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture()
def app(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(APP, default_timeout=60))
    at.run()
    assert not at.exception, at.exception
    return at


def charts(at):
    return {el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def chart(at, kind, subtitle_has=None):
    for spec in charts(at).values():
        if spec["data"] and spec["data"][0]["type"] == kind and (
                subtitle_has is None or subtitle_has in json.dumps(spec["layout"].get("title", {}))):
            return spec
    raise AssertionError(f"no {kind} chart; found {[s['data'][0]['type'] for s in charts(at).values()]}")


def test_overview_shows_kpis_map_scatter_table_and_banner(app):
    assert "Simulated demo data" in app.warning[0].value
    labels = [m.label for m in app.metric]
    assert labels == ["Incidents", "Engagement activities", "Officer engagement hours", "Resident trust (0–100)"]
    the_map = overview_charts.map_chart(app)  # Vega-Lite shapes: no tiles, renders offline
    assert the_map["spec"]["projection"]["type"] == "mercator" and overview_charts.ids(the_map)
    scatter = overview_charts.scatter_chart(app)
    bubbles = next(layer for layer in scatter["spec"]["layer"] if layer["mark"]["type"] == "circle")
    assert bubbles["encoding"]["size"]["field"] == "Residents"  # bubbles sized by population
    assert any(d.key == "district_table" for d in app.dataframe)
    assert app.get("download_button")
    assert any("About this data" in h.value for h in app.subheader)


def test_page_numbers_equal_the_library_for_the_same_filters(app, demo_db):
    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        expected = metrics.area_comparison(s, period.start, period.end)
    shown = next(d for d in app.dataframe if d.key == "district_table").value
    assert list(shown["incidents"]) == list(expected["incidents"])
    cli = subprocess.run([sys.executable, "-m", "community_policing", "districts", "--db", str(demo_db),
                          "--start", str(period.start), "--end", str(period.end), "--format", "json"],
                         capture_output=True, text=True, check=True)
    printed = pd.DataFrame(json.loads(cli.stdout))
    for column in ("area_id", "incidents", "incidents_prior_year", "engagement_events"):
        assert list(shown[column]) == list(printed[column]), column
    assert list(shown["rate_per_1000"].astype(float).fillna(-1)) == list(printed["rate_per_1000"].fillna(-1))
    assert app.metric[0].value == f"{expected['incidents'].sum():,}"
    locations = overview_charts.ids(overview_charts.map_chart(app))  # not the district numbers drawn on top
    assert sorted(locations) == sorted(a for a in expected["area_id"] if a != metrics.UNASSIGNED_ID)


def test_filters_change_the_figures(app):
    before_map = overview_charts.values(overview_charts.map_chart(app))
    before_kpi = app.metric[0].value
    app.selectbox(key="offense_group").select("category:violent").run()
    assert not app.exception
    assert app.metric[0].value != before_kpi
    assert overview_charts.values(overview_charts.map_chart(app)) != before_map
    assert "Violent crime" in title_of(overview_charts.map_chart(app))

    app.selectbox(key="period_preset").select("Last 28 days").run()
    assert not app.exception
    assert any("28 days" in c.value for c in app.sidebar.caption)  # after the mode indicator


def test_map_layers_and_levels(app):
    app.radio(key="map_metric").set_value("pct_change").run()
    assert not app.exception
    low, high = overview_charts.colour_scale(overview_charts.map_chart(app))["domain"]
    assert low == -high
    app.radio(key="map_level").set_value("neighborhood").run()
    assert not app.exception
    assert len(overview_charts.ids(overview_charts.map_chart(app))) == 40
    app.radio(key="intensity").set_value("officer_hours_per_1000_per_year").run()
    bubbles = next(layer for layer in overview_charts.scatter_chart(app)["spec"]["layer"]
                   if layer["mark"]["type"] == "circle")
    assert "Officer engagement hours" in " ".join(bubbles["encoding"]["x"]["title"])


def test_reported_date_basis(app):
    before = app.metric[0].value
    app.radio(key="date_basis").set_value("reported").run()
    assert not app.exception
    assert app.metric[0].value != before


def test_custom_range_with_nothing_to_show_says_so(app):
    app.selectbox(key="period_preset").select("Custom range").run()
    app.selectbox(key="offense_group").select("homicide").run()
    info_day = app.date_input(key="period_custom").value[1]
    app.date_input(key="period_custom").set_value((info_day, info_day)).run()
    assert not app.exception
    if app.metric[0].value == "0":
        assert any("No incidents" in i.value for i in app.info)


def test_data_dictionary_page(app):
    app.switch_page("pages/data_dictionary.py").run()
    assert not app.exception
    assert app.title[0].value == "Data dictionary"
    assert len(app.expander) >= 10
    assert "Simulated demo data" in app.warning[0].value


def test_missing_database_gives_a_plain_message(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "none.duckdb"))
    at = open_tables(AppTest.from_file(APP, default_timeout=60)).run()
    assert not at.exception
    assert "no data to show yet" in at.error[0].value
    assert "community_policing demo" in at.error[0].value


def test_methodology_page(app):
    app.switch_page("pages/methodology.py").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "Campbell" in text and "difference-in-differences" in text
    # Every method of issue 14 is explained where a reader looks for it (How to read these numbers).
    for words in ("Is a change more than normal variation?", "about 1 time in 22", "Counts still to come (nowcast)",
                  "Citywide trust.", "Size-adjusted rates (empirical Bayes)", "Engagement vs outcomes.",
                  "Programs that start on different dates.", "A second method as a check.", "Weighting by harm.",
                  "Callaway", "Rambachan", "Spiegelhalter"):
        assert words in text, words
    assert "2(√current − √earlier)" not in text  # the old test of two counts, which read noise as change


def test_trust_page_on_the_demo_city(app):
    from tests.charts import vega_charts  # the page's panels are Vega-Lite charts, one per district

    app.switch_page("pages/trust.py").run()
    assert not app.exception
    panels = vega_charts(app)  # margins of error are drawn: a bar (rule) through each score
    assert panels and all(any(layer["mark"]["type"] == "rule" for layer in p["spec"]["layer"]) for p in panels)
    app.selectbox(key="trust_measure").select("safety").run()
    assert not app.exception
    assert any("Feeling safe" in m.value for m in app.markdown if m.value.startswith("**"))  # the panels' title


def test_overview_has_standard_windows_and_a_funnel(app):
    windows = app.dataframe[0].value
    assert list(windows["window"]) == ["Last 28 days", "Last 12 months", "Year to date", "Last full year"]
    funnel = [json.loads(c.proto.spec) for c in app.get("plotly_chart")
              if "funnel" in json.loads(c.proto.spec)["layout"]["title"]["subtitle"]["text"]]
    assert len(funnel) == 1
    names = {t.get("name") for t in funnel[0]["data"]}
    assert {"95% limits", "99.8% limits"} <= names


def test_overview_shows_the_count_expected_with_late_reports_beside_the_count(app, demo_db):
    """Counted by date occurred, the last days are still filling in: the incidents KPI keeps the count so far and
    its caption adds the count expected once late reports arrive (nowcast), saying which count the % compares;
    the standard comparisons get the same columns. By date reported nothing is added."""
    from community_policing.stats import nowcast

    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        cast = nowcast.period_nowcast(s, period.start, period.end)
    kpi = app.metric[0]
    assert kpi.value == f"{cast.counted:,}" and "counted so far" in kpi.help
    caption = next(c.value for c in app.caption if c.value.startswith("Counted so far"))
    assert caption.startswith(f"Counted so far {kpi.value}; expected when late reports arrive about "
                              f"{round(cast.expected):,} ({cast.low:,}–{cast.high:,}, 95% interval).")
    assert "The % change above compares the count so far; with the expected count it would be about" in caption
    windows = app.dataframe[0].value.set_index("window")
    assert {"expected", "expected_interval", "expected_pct_change"} <= set(windows.columns)
    recent = windows.loc["Last 28 days"]
    assert recent["expected"] > recent["current"] and recent["expected_pct_change"] > recent["pct_change"]
    assert windows.loc["Last 12 months", "expected"] == round(cast.expected)
    assert any("“Expected with late reports” adds those the measured reporting delays say are still to come"
               in c.value for c in app.caption)

    app.radio(key="date_basis").set_value("reported").run()
    assert not app.exception
    assert not any(c.value.startswith("Counted so far") for c in app.caption)
    assert "expected" not in app.dataframe[0].value.columns and "counted so far" not in app.metric[0].help


def test_overview_trust_is_weighted_by_population_with_a_margin_and_a_reading(app, demo_db):
    from community_policing.stats import trust_stats

    with Store(demo_db) as s:
        info = metrics.dataset_info(s)
        period = metrics.preset_period("Last 12 months", info.last_day)
        trust = trust_stats.city_trust(s, period.start, period.end)
    kpi = app.metric[3]
    assert kpi.label == "Resident trust (0–100)" and kpi.value == f"{trust.score:.1f}"
    assert kpi.delta == f"{trust.change:+.1f} points"
    assert "Weighted by district population" in kpi.help
    caption = next(c.value for c in app.caption if "respondents ·" in c.value)
    assert caption.startswith(f"{trust.respondents:,} respondents · {trust.prior_score:.1f} a year earlier · "
                              f"**{trust.noise}** · margin of error ±{trust.margin:.1f} points (95%)")
    assert trust.noise in ("within normal variation", "possible change", "significant change")
    assert any(c.value == "The surveyed districts hold 100% of residents." for c in app.caption)
