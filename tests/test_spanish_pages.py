"""Every public page in Spanish, with no English left over.

Each page is rendered twice through AppTest, in English and in Spanish (``?lang=es``), and every text
a person sees is collected: headings, captions, notes, metric labels and values that are words, widget
labels and options, tab and expander labels, table column headings, download buttons, the charts'
titles, axis titles, legend names and annotations, and the words of a map's tooltips. A text that reads the
same in both languages is English left over (names of places, of the city and of its data source aside); so
is a Spanish text with English words such as "the" or "and" in it (a sentence half translated).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from community_policing import i18n
from community_policing.views import evaluation, metrics
from community_policing.data.store import DB_ENV_VAR, Store
from tests import charts, overview_charts
from tests.conftest import open_tables

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PUBLIC_PAGES = ["overview", "map", "district", "compare", "engagement", "programs", "trust", "briefing",
                "methodology", "data_dictionary"]
# Words that exist in English but never in Spanish running text: one of them in a Spanish page is a
# sentence left half translated.
ENGLISH_ONLY = re.compile(r"\b(the|and|with|from|of the|this|these|which|were|was|are|is not|per year|"
                          r"incidents?|district|neighborhoods?|engagement|residents|change|shown|not)\b")
# Text that is the same in both languages by nature: units, abbreviations, formats.
SAME_IN_BOTH = re.compile(r"^(z|n|%|CSV|Excel|PDF|PPTX|PNG|ID|OK|\W*)$")


@pytest.fixture(scope="module")
def names(demo_db) -> list[str]:
    """Proper names the pages show as data, the same in both languages (longest first)."""
    with Store(demo_db) as store:
        info = metrics.dataset_info(store)
        areas = store.query("areas", level="district")["area_name"].tolist()
        areas += store.query("areas", level="neighborhood")["area_name"].tolist()
        areas += list(evaluation.program_names(store))  # programs are named by the city
    found = {info.city_name, str(info.source), "Common Ground", "Language / Idioma", "English", "Español",
             *map(str, areas)}
    return sorted({_plain(n) for n in found if n}, key=len, reverse=True)


def _chart_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    out = []

    def text(node) -> None:
        if isinstance(node, dict) and isinstance(node.get("text"), str):
            out.append(node["text"])

    title = layout.get("title", {})
    text(title)
    text(title.get("subtitle", {}) if isinstance(title, dict) else {})
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            text(value.get("title", {}))
        if key == "coloraxis" and isinstance(value, dict):
            text(value.get("colorbar", {}).get("title", {}))
    text(layout.get("legend", {}).get("title", {}))
    out += [a["text"] for a in layout.get("annotations", []) if isinstance(a.get("text"), str)]
    for trace in spec.get("data", []):
        if isinstance(trace.get("name"), str) and trace.get("showlegend", True) is not False:
            out.append(trace["name"])
        text(trace.get("colorbar", {}).get("title", {}))
    return out


def visible_texts(at: AppTest) -> set[str]:
    """Every text the page shows (see the module's docstring), stripped of markup."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        texts += [element.value for element in getattr(at, kind)]
    for metric in at.metric:
        texts += [metric.label, metric.value]
    for kind in ("selectbox", "multiselect", "radio", "text_input", "number_input", "date_input", "checkbox",
                 "toggle", "slider", "select_slider", "button"):
        for widget in getattr(at, kind):
            texts.append(widget.label)
            texts += [str(option) for option in getattr(widget, "options", None) or []]
    texts += [tab.label for tab in at.tabs] + [expander.label for expander in at.expander]
    texts += [button.proto.label for button in at.get("download_button")]
    for frame in at.dataframe:
        columns = json.loads(frame.proto.columns or "{}")
        texts += [c["label"] for c in columns.values() if isinstance(c, dict) and c.get("label")]
    for chart in at.get("plotly_chart"):
        texts += _chart_texts(json.loads(chart.proto.spec))
    for chart in charts.vega_charts(at):  # the app's words in a Vega-Lite chart, its column names included
        texts += [text for text in charts.labels(chart) if isinstance(text, str)]
        texts += map_tooltip_words(chart)
    return {t for t in (_plain(text) for text in texts if isinstance(text, str)) if t}


def map_tooltip_words(chart: dict) -> list[str]:
    """An area map's words in its areas' tooltips (the Overview's and the Map page's Vega-Lite maps): why an area is
    grey or hidden, the change's reading, what a rate is made of, in the page's language (the Plotly map said
    the reasons as its legend's names). The areas' names are the city's, left to ``names``."""
    spec = chart["spec"]
    if not any(layer.get("name") == "areas" for layer in spec.get("layer", [])):
        return []
    titles = overview_charts.tooltip_titles(spec)
    return [str(area[title]) for area in overview_charts.areas(spec) for title in titles
            if isinstance(area.get(title), str)]


def _prose(text: str) -> str:
    """Running text only: no code (`column_name`, identifiers), no bibliography entries (titles of works
    stay in their language)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\b[A-Za-z]+(_[A-Za-z0-9]+)+\b", " ", text)  # identifiers written without backticks
    return re.sub(r"^- [^\n]*\(\d{4}\)\.[^\n]*$", " ", text, flags=re.MULTILINE)


def _plain(text: str) -> str:
    text = _prose(text)
    text = re.sub(r"<[^>]+>", " ", text)                      # chart markup
    text = re.sub(r":material/[a-z_]+:", " ", text)           # icons
    text = re.sub(r"[*_`#>|]", " ", text)                    # markdown
    return re.sub(r"\s+", " ", text).strip()


def _without_names(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


def _render(script: str, lang: str) -> AppTest:
    i18n.set_language(lang)  # AppTest re-applies format_func in the test's thread: speak the same there
    at = open_tables(AppTest.from_file(APP, default_timeout=120))
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    if script != "overview":
        at.switch_page(str(ROOT / "pages" / f"{script}.py")).run()
        assert not at.exception, at.exception
    return at


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_a_public_page_in_spanish_has_no_english_left(demo_db, monkeypatch, names, page):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    english = visible_texts(_render(page, "en"))
    spanish = visible_texts(_render(page, "es"))
    assert len(spanish) > 5, spanish
    same = sorted(t for t in english & spanish
                  if re.search(r"[A-Za-z]{3,}", _without_names(t, names)) and not SAME_IN_BOTH.match(t))
    half = sorted(t for t in spanish - english if ENGLISH_ONLY.search(_without_names(t, names)))
    assert not same and not half, (
        f"{page}: English left in the Spanish page\n  same in both languages:\n    "
        + "\n    ".join(same) + "\n  English words in Spanish text:\n    " + "\n    ".join(half))


def test_the_navigation_and_the_shared_parts_speak_spanish(demo_db, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = _render("overview", "es")
    assert at.selectbox(key="lang").value == "es"
    assert at.sidebar.header[0].value == "Filtros"
    assert {"Periodo", "Delitos"} <= {s.label for s in at.sidebar.selectbox}
    assert at.radio(key="date_basis").label == "Contar incidentes por"
    assert any(w.value.startswith("**Datos de demostración simulados.**") for w in at.warning)
    assert "Acerca de estos datos" in [s.value for s in at.subheader]
    # The picker switches the language for the rest of the session, whatever the URL said.
    at.selectbox(key="lang").set_value("en")
    at.run()  # (the test thread still speaks Spanish: the widgets it sends back were drawn in Spanish)
    assert not at.exception, at.exception
    assert at.sidebar.header[0].value == "Filters"
    i18n.set_language("en")  # the widgets are English now
    at.switch_page(str(ROOT / "pages" / "map.py")).run()
    assert at.title[0].value == "Map" and at.selectbox(key="lang").value == "en"
