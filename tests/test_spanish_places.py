"""The area pages in Spanish: Overview, Map, District and Compare districts speak Spanish from the
title to the charts, and the library text they show (takeaways, figures) follows the language while
English stays exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from community_policing import i18n
from community_policing.figures import compare as compare_figures, district as district_figures, maps as map_figures
from community_policing.views import compare, district, map_layers
from community_policing.data import offenses
from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR, Store
from tests.conftest import open_tables

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def demo(demo_db):
    with Store(demo_db) as s:
        yield s, metrics.preset_period("Last 12 months", metrics.dataset_info(s).last_day)


def _spanish_page(page: str, **query) -> AppTest:
    # AppTest re-applies a widget's format_func in the test's own thread: speak Spanish there too.
    i18n.set_language("es")
    at = open_tables(AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90))
    at.query_params["lang"] = "es"
    for name, value in query.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def _shown_text(at: AppTest) -> list[str]:
    """Every sentence and label the page shows: headings, captions, notes, metric and widget labels."""
    texts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning")
             for e in getattr(at, kind)]
    texts += [m.label for m in at.metric]
    texts += [w.label for kind in ("radio", "selectbox", "multiselect", "checkbox", "button", "expander", "tabs")
              for w in getattr(at, kind)]
    return texts


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _no_english_sentences(texts: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """Texts that still read as English: common English words that Spanish text never has."""
    english = (" the ", " and ", " of the ", " per month", " is ", " are ", "Incidents", "District ",
               " a year earlier", "residents")
    return [t for t in texts if any(w in f" {t} " for w in english) and not any(a in t for a in allowed)]


# Text other modules own (shared banner, filters, data note, cautions, downloads) is left to them; these
# substrings mark it so the check below looks only at this page's own sentences.
OTHERS = ("About this data", "Simulated", "simulated", "Show the numbers", "Filters", "Period", "Offenses",
          "Count incidents by", "Showing", "Language", "Download", "Source", "series break", "preliminary",
          "Recorded by", "Staff", "staff", "Sign", "sign", "Early in the year", "http")


def test_overview_in_spanish(demo_env):
    at = _spanish_page("overview")
    assert at.title[0].value.startswith("Policía comunitaria en ")
    subheaders = {s.value for s in at.subheader}
    assert {"Dónde: incidentes por área", "Qué distritos se destacan, comparados con justicia",
            "Participación junto al cambio en el delito, por distrito", "Tabla de distritos"} <= subheaders
    labels = [m.label for m in at.metric]
    assert labels[0] == "Incidentes" and "Confianza (0–100)" in labels
    assert at.radio(key="map_metric").label == "Sombrear las áreas según"
    assert at.radio(key="map_level").options == ["Distrito", "Vecindario"]
    assert at.selectbox(key="offense_group").options[:2] == ["Todos los delitos", "Delitos violentos (Parte I)"]
    assert "Todos los delitos, contados por fecha de ocurrencia" in at.caption[0].value
    charts = _charts(at)
    from tests.charts import title_of, vega_charts

    titles = [title_of(c) for c in vega_charts(at)]  # the map and the scatter (Vega-Lite), titles wrapped for phones
    assert any("incidentes por cada 1,000 residentes por distrito" in t for t in titles), titles
    assert any(t.startswith("Intensidad de la participación") for t in titles), titles
    funnel = next(c for c in charts if "Residentes (el denominador de la tasa)" in json.dumps(c["layout"]["xaxis"]))
    assert "rango" in funnel["layout"]["title"]["text"]  # the limits named (chance, or chance and the usual spread)
    windows = next(d.value for d in at.dataframe if "window" in d.value.columns)
    assert "Últimos 28 días" in set(windows["window"])  # the standard comparisons' names, shown in Spanish
    assert not _no_english_sentences(_shown_text(at), OTHERS)


def test_map_in_spanish_for_every_layer(demo_env):
    at = _spanish_page("map")
    assert at.title[0].value == "Mapa"
    assert at.radio(key="map_layer").label == "Capa del mapa"
    assert at.checkbox(key="show_events").label == "Ver actividades"
    expected = {"rate": "incidentes por cada 1,000 residentes por distrito",
                "change": "% de cambio respecto de un año antes por distrito",
                "engagement": "Actividades de participación por cada 1,000 residentes por año, por distrito",
                "trust": "Puntaje de confianza de los residentes por distrito",
                "bivariate": "Intensidad de la participación y cambio en"}
    from tests import overview_charts
    from tests.charts import title_of, vega_charts

    def the_map() -> dict:
        return next(c for c in vega_charts(at) if "map_page_chart" in c["key"])

    assert not at.get("plotly_chart")  # the Map page's map and key are Vega-Lite
    for layer, title in expected.items():
        at.radio(key="map_layer").set_value(layer).run()
        assert not at.exception, (layer, at.exception)
        assert "Los números detrás del mapa, por distrito" in [s.value for s in at.subheader]
        chart = the_map()
        shown_title = title_of(chart)  # titles wrap for phones: their lines joined
        assert title in shown_title, (layer, shown_title)
        hovers = "\n".join(overview_charts.tooltip(chart, a) for a in overview_charts.ids(chart))
        assert "Incidentes:" in hovers and "Incidents:" not in hovers, layer  # the hover, in Spanish
        assert not _no_english_sentences(overview_charts.tooltip_titles(chart)), layer
        assert not _no_english_sentences(_shown_text(at), OTHERS), layer
    key = [c for c in vega_charts(at) if title_of(c) == "Cómo leer los colores"]
    assert len(key) == 1
    at.checkbox(key="show_events").check().run()
    assert any("con un lugar registrado se muestran como puntos" in c.value for c in at.caption)
    points = next((layer for layer in the_map()["spec"]["layer"] if layer.get("name") == "events"), None)
    assert points is not None and points["data"]["values"]
    assert {p["Actividad"] for p in points["data"]["values"]} <= {
        "Reunión comunitaria", "Evento vecinal", "Patrullaje a pie", "Programa escolar o juvenil",
        "Sesión de opiniones o encuesta", "Otra actividad"}
    assert "Asistentes" in [t["title"] for t in points["encoding"]["tooltip"]]  # the point's hover, in Spanish
    at.radio(key="map_level_page").set_value("neighborhood").run()
    at.radio(key="map_layer").set_value("engagement").run()
    assert not at.exception, at.exception
    assert "por vecindario" in title_of(the_map())
    assert not _no_english_sentences(_shown_text(at), OTHERS)
    at.radio(key="map_layer").set_value("trust").run()
    assert any("por distrito policial" in i.value for i in at.info)


def test_district_page_in_spanish(demo_env):
    at = _spanish_page("district", district="2")
    assert at.title[0].value == "Distrito 2 – Riverfront"
    assert [m.label for m in at.metric] == ["Incidentes", "Tasa por cada 1,000 residentes",
                                            "Actividades de participación", "Horas de participación de agentes",
                                            "Confianza (0–100)"]
    assert {"Incidentes", "Participación comunitaria", "Confianza de los residentes", "Capacitación de agentes",
            "Programas en este distrito"} <= {s.value for s in at.subheader}
    # The incident views are tabs (issue 16: each built when chosen; every one here, the page opened with tables open).
    assert [t.label for t in at.tabs] == ["Mes a mes", "Patrón estacional", "Qué delitos", "Vecindarios"]
    assert at.selectbox(key="district").label == "Distrito"
    from tests.charts import texts, title_of, vega_charts  # the page's charts are Vega-Lite (no Plotly script)

    assert not at.get("plotly_chart")
    charts = vega_charts(at)
    assert title_of(charts.pop(0)).startswith("Dónde está ")  # the locator map (issue 16)
    assert title_of(charts[0]).startswith("Incidentes: ")
    monthly = next(iter(charts[0]["data"].values()))  # what "Show data" shows, in Spanish
    assert "El mismo mes un año antes" in set(monthly["Serie"]) and "Mes" in monthly.columns
    assert any(layer["encoding"]["x"].get("title") == "Mes" for layer in charts[0]["spec"]["layer"]
               if "x" in layer.get("encoding", {}) and layer["mark"]["type"] == "line")
    season = next(iter(charts[1]["data"].values()))
    assert season.iloc[0, 0] == "enero"  # month names in Spanish (the axis shows "ene")
    columns = [c for chart in charts for frame in chart["data"].values() for c in frame.columns]  # "Show data"
    assert not _no_english_sentences([*[t for c in charts for t in texts(c)], *columns], OTHERS)
    assert any("Residentes (" in c.value or "residentes (" in c.value for c in at.caption)
    assert not _no_english_sentences(_shown_text(at), OTHERS)


def test_compare_page_in_spanish(demo_env):
    at = _spanish_page("compare", districts="2,5")
    assert at.title[0].value == "Comparar distritos"
    assert at.multiselect(key="compare_districts").label == "Distritos para comparar (2–4)"
    assert {"Cifras principales", "Incidentes mes a mes", "Por cada 1,000 residentes", "Qué delitos",
            "Participación comunitaria por residente", "Confianza de los residentes"} <= {s.value for s in at.subheader}
    kpis = at.dataframe[0].value
    assert list(kpis.columns[:2]) == ["Distrito", "Incidentes"]
    assert list(kpis["Distrito"].str.slice(0, 10).str.strip()) == ["Distrito 2", "Distrito 5"]
    from tests.charts import texts, title_of, vega_charts  # the page's charts are Vega-Lite (no Plotly script)

    assert not at.get("plotly_chart")
    charts = vega_charts(at)
    assert title_of(charts[0]).startswith("Incidentes, últimos 12 meses frente a un año antes")
    assert charts[0]["spec"]["concat"][0]["title"]["text"][0].startswith("Distrito 2")  # the panel headings
    assert title_of(charts[4]).startswith("Confianza en la policía")
    columns = [c for chart in charts for frame in chart["data"].values() for c in frame.columns]  # "Show data"
    assert {"Mes", "Incidentes", "Distrito"} <= {c for frame in charts[0]["data"].values() for c in frame.columns}
    assert not _no_english_sentences([*_shown_text(at), *[t for c in charts for t in texts(c)], *columns], OTHERS)


@pytest.fixture()
def demo_env(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    return demo_db


# --- the library, in both languages -----------------------------------------------------------------


def test_takeaways_and_figures_follow_the_language(demo):
    s, period = demo
    series = district.monthly_series(s, "2", period.end)
    timeline = district.engagement_timeline(s, "2", district.window_start(period.end), period.end)
    english_takeaway = district.series_takeaway(series)
    english_fig = district_figures.monthly_incidents(series, english_takeaway, "subtitle").to_dict()
    english_engagement = district.engagement_takeaway(timeline, period.end)
    assert english_takeaway.startswith("Incidents: ") and "a year earlier" in english_takeaway
    english_line = next(layer for layer in english_fig["layer"] if layer["mark"]["type"] == "line")
    assert english_line["encoding"]["color"]["scale"]["domain"] == ["Incidents", "Same month a year earlier"]
    assert english_line["encoding"]["y"]["title"] == "Incidents per month"
    assert district.district_title("2", "Riverfront") == "District 2 – Riverfront"
    assert map_layers.change_words([(-9.0, -5.0), (-4.0, 1.0), (2.0, 8.0)]) == {
        1: "crime fell", 2: "crime about level", 3: "crime rose"}  # English codes, whatever the language

    i18n.set_language("es")
    takeaway = district.series_takeaway(series, i18n._("Incidents"))
    assert takeaway.startswith("Incidentes: ") and "un año antes" in takeaway
    fig = district_figures.monthly_incidents(series, takeaway, "subtítulo").to_dict()
    assert fig["title"]["text"][0].startswith("Incidentes: ")
    line = next(layer for layer in fig["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["color"]["scale"]["domain"] == ["Incidentes", "El mismo mes un año antes"]
    assert line["encoding"]["y"]["title"] == "Incidentes por mes"
    assert [t.get("title", t["field"]) for t in fig["layer"][-1]["encoding"]["tooltip"]][-1] == "Incidentes"  # tooltip
    assert fig["config"]["locale"]["time"]["shortMonths"][0] == "ene"  # dates on the axis in Spanish
    assert district.engagement_takeaway(timeline, period.end).startswith(english_engagement.split(" ")[0])
    assert "actividades de participación" in district.engagement_takeaway(timeline, period.end)
    assert district.district_title("2", "Riverfront") == "Distrito 2 – Riverfront"
    assert district.district_title("3", "District 3") == "Distrito 3"
    kpis = compare.kpi_table(s, ["2", "5"], period.start, period.end)
    assert "Distrito 2" in compare.kpi_takeaway(kpis)
    assert metrics.noise_label(0.5) == "within normal variation"  # a value code compares stays English
    assert i18n._(metrics.noise_label(0.5)) == "dentro de la variación normal"
    assert district.type_label("foot_patrol") == "Patrullaje a pie"
    mix = district.offense_mix(s, "2", period.start, period.end)
    assert set(mix["offense_group"]) <= {g[0] for g in offenses.OFFENSE_GROUPS}
    assert "Robo con violencia" in set(mix["label"]) or "Hurto" in set(mix["label"])
    layer = map_layers.layer_data(s, "bivariate", "district", period)
    assert layer.legend["label"].str.contains("participación").all()
    fig_map = map_figures.bivariate_legend(layer.legend).to_dict()
    assert fig_map["title"]["text"] == "Cómo leer los colores"
    monthly = compare.monthly_table(s, ["2", "5"], period.end)
    fig_cmp = compare_figures.rate_lines(monthly, compare.rate_takeaway(monthly)).to_dict()
    line = next(layer for layer in fig_cmp["layer"] if layer["mark"]["type"] == "line")
    assert " ".join(line["encoding"]["y"]["title"]) == "Incidentes por cada 1,000 residentes por mes"

    i18n.set_language("en")
    assert district.series_takeaway(series) == english_takeaway
    again = district_figures.monthly_incidents(series, english_takeaway, "subtitle")
    assert again.to_dict() == english_fig


@pytest.mark.parametrize("page, query", [("overview", {}), ("map", {}), ("district", {"district": "2"}),
                                         ("compare", {"districts": "2,5"})])
def test_public_view_with_small_counts_in_spanish(demo_env, monkeypatch, page, query):
    # Homicides: counts small enough that the public view hides some, so its notes show in Spanish too.
    monkeypatch.setenv("COMMON_GROUND_MODE", "public")
    i18n.set_language("es")
    at = open_tables(AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90))
    at.query_params["lang"] = "es"
    for name, value in query.items():
        at.query_params[name] = value
    at.session_state["offense_group"] = "homicide"
    at.run()
    assert not at.exception, at.exception
    if page == "map":
        for layer in ("change", "bivariate"):
            at.radio(key="map_layer").set_value(layer).run()
            assert not at.exception, (layer, at.exception)
    assert "Homicidio" in " ".join(c.value for c in at.caption)
    assert not _no_english_sentences(_shown_text(at), OTHERS)
    titles = [c["layout"]["title"]["text"] for c in _charts(at)]
    if page == "district":  # its charts are Vega-Lite: their titles, and every text they show (hidden-count notes)
        from tests.charts import texts, title_of, vega_charts
        titles += [title_of(c) for c in vega_charts(at)]
        assert not _no_english_sentences([t for c in vega_charts(at) for t in texts(c)], OTHERS)
    if page == "compare":  # its charts are Vega-Lite: their titles, and every text they show (hidden-count notes)
        from tests.charts import texts, title_of, vega_charts
        titles += [title_of(c) for c in vega_charts(at)]
        assert not _no_english_sentences([t for c in vega_charts(at) for t in texts(c)], OTHERS)
    if page == "map":  # its map and key are Vega-Lite: their titles, every text they show, and the map's hovers
        from tests import overview_charts
        from tests.charts import texts, title_of, vega_charts
        titles += [title_of(c) for c in vega_charts(at)]
        assert not _no_english_sentences([t for c in vega_charts(at) for t in texts(c)], OTHERS)
        the_map = next(c for c in vega_charts(at) if "map_page_chart" in c["key"])
        lines = [line for a in overview_charts.ids(the_map) for line in overview_charts.tooltip(the_map, a).split("\n")
                 if not line.startswith("Área: ")]  # each line on its own; an area's name is the city's data
        assert lines and not _no_english_sentences(lines, OTHERS), lines
    assert titles and not _no_english_sentences(titles), titles
