"""The analysis pages in Spanish: Engagement vs outcomes, Program evaluation, Resident trust, How to
read these numbers and the Data dictionary, with the library sentences they show (takeaways, the
program checks) and the schema's descriptions; English stays as it was."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from community_policing import i18n
from community_policing.data import schema
from community_policing.stats import did, trust_stats
from community_policing.views import evaluation, period_comparisons
from community_policing.views import engagement_view as ev
from community_policing.data.store import DB_ENV_VAR
from tests import charts
from tests.conftest import open_tables

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _title(spec: dict) -> str:
    return spec["layout"]["title"]["text"].replace("<br>", " ")


def _vega_titles(at: AppTest) -> list[str]:
    """The titles of the page's Vega-Lite charts (tests/charts.py), each as one line."""
    return [charts.title_of(chart) for chart in charts.vega_charts(at)]


def test_the_analysis_pages_speak_spanish(demo_db, staff_app, monkeypatch):
    # staff_app: dashboard.py away from pages/, so a page switch keeps the session's language (see conftest).
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    i18n.set_language("es")  # AppTest re-applies format_func in the test's thread: speak Spanish there too
    at = open_tables(AppTest.from_file(staff_app, default_timeout=120))
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception, at.exception

    at.switch_page(str(ROOT / "pages" / "engagement.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Participación frente a resultados"
    subheaders = [s.value for s in at.subheader]
    assert {"Participación en un trimestre y el cambio que le siguió", "¿Subieron juntas la confianza y la delincuencia "
            "registrada?", "Quién participa, comparado con quién vive allí"} <= set(subheaders)
    assert any(s.startswith("Participación por distrito, últimos 4 trimestres (T") for s in subheaders)
    assert at.radio(key="eng_outcome").label == "Resultado"
    assert at.radio(key="eng_outcome").options == ["Cambio en los incidentes", "Cambio en el puntaje de confianza"]
    assert at.radio(key="eng_lag").options[:2] == ["1 trimestre", "2 trimestres"]
    scatter = charts.vega_charts(at)[0]  # Vega-Lite: the scatter, its y axis title on the point layer
    assert "trimestres-distrito en 9 distritos" in charts.title_of(scatter) and "r = " in charts.title_of(scatter)
    assert charts.subtitle_of(scatter).startswith("Asociación, no efecto. Cada punto es un distrito")
    assert " ".join(scatter["spec"]["layer"][-1]["encoding"]["y"]["title"]) == (  # in lines, wherever they break
        "% de cambio en los incidentes respecto de un año antes (menos el promedio del distrito y del trimestre)")
    assert "Pendiente ajustada, dentro de distritos y trimestres" in charts.texts(scatter)
    assert any(c.value.startswith("**Asociación, no efecto:**") for c in at.caption)
    assert any("reasignaciones al azar que entregan el historial de participación" in c.value for c in at.caption)
    shown = " ".join(e.value for kind in ("title", "subheader", "caption", "markdown", "info") for e in getattr(at, kind))
    assert "district-quarters" not in shown and "Engagement" not in shown and "quarter" not in shown

    at.switch_page(str(ROOT / "pages" / "programs.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Evaluación de programas"
    assert [h.value for h in at.header] == ["Incidentes", "Confianza de los residentes", "Todos los programas"]
    labels = [m.label for m in at.metric]
    assert labels.count("Efecto estimado") == 2 and "Intervalo de confianza del 95%" in labels
    assert {"Distritos comparados", "Costo anual", "Por incidente evitado"} <= set(labels)
    assert "Cuánto costó" in [s.value for s in at.subheader]
    assert any(m.value.startswith("En comparación con los ") for m in at.markdown)
    assert _vega_titles(at)[0].startswith("Incidentes: distritos con el programa frente a distritos de comparación")
    assert any(c.value.startswith("Regresión de Poisson del número mensual de incidentes") for c in at.caption)

    at.switch_page(str(ROOT / "pages" / "trust.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Confianza de los residentes"
    assert at.selectbox(key="trust_measure").label == "Pregunta de la encuesta"
    assert any(m.value.startswith("**") and m.value.endswith(" por distrito**") for m in at.markdown)  # the panels' title
    assert _vega_titles(at)[0].strip() == "Distrito 1 – Northside"  # one Vega-Lite panel per district
    assert any(c.value.startswith("Los puntajes son la respuesta promedio reescalada a 0–100.") for c in at.caption)

    at.switch_page(str(ROOT / "pages" / "methodology.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Cómo leer estos números"
    headers = [h.value for h in at.header]
    assert {"Cómo se cuentan los incidentes", "Rupturas de la serie", "Cómo se evalúa un programa",
            "Privacidad en el modo público", "Referencias"} <= set(headers)
    text = " ".join(m.value for m in at.markdown)
    assert "**diferencias en diferencias**" in text and "| lectura | qué hace falta |" in text
    assert "dentro de la variación normal" in text and "cerca de 1 vez en 22" in text
    assert "**Supresión complementaria.**" in text and "The dashboard" not in text

    at.switch_page(str(ROOT / "pages" / "data_dictionary.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Diccionario de datos"
    assert any(e.label.startswith("**`districts`** – Distritos policiales") for e in at.expander)
    frame = next(d.value for d in at.dataframe if "column" in d.value.columns)
    assert frame["column"].tolist()[:2] == ["key", "value"]  # names in the data stay as they are
    assert frame["meaning"].iloc[1] == "El dato, como texto."
    columns = json.loads(at.dataframe[0].proto.columns)
    assert "Significado" in [c.get("label") for c in columns.values() if isinstance(c, dict)]


# -- library sentences ------------------------------------------------------------------------------


def _association(r: float, low: float, high: float, outcome: str = "incidents", lag: int = 1) -> ev.Association:
    clear = not low <= 0 <= high
    result = SimpleNamespace(r=r, r_ci_low=low, r_ci_high=high, p_value=0.01 if clear else 0.4, clear=clear,
                             assessed=True, n=120, n_districts=9, slope=0.01, slope_ci_low=-0.02, slope_ci_high=0.03)
    return ev.Association(measure=ev.MEASURES["events_total_per_1000"], outcome=ev.OUTCOMES[outcome], lag=lag,
                          result=result, points=pd.DataFrame(), quarters_available=8)


def test_takeaways_are_spanish_under_es_and_unchanged_in_english():
    rising, unclear = _association(0.42, 0.2, 0.6), _association(0.05, -0.1, 0.2, outcome="trust", lag=3)
    english = (rising.takeaway(), unclear.takeaway(), rising.r_text(), ev.lag_sentence(2))
    assert english == (
        "Quarters in which a district had more engagement activities per 1,000 residents than its usual (beyond that "
        "quarter's citywide level) saw incidents that rose more (or fell less) from a year earlier in the next "
        "quarter, a moderate association",
        "No clear association between engagement activities per 1,000 residents and the change in the trust score "
        "from a year earlier 3 quarters on",
        "r = 0.42 (95% CI 0.20 to 0.60), p = 0.010, n = 120 district-quarters in 9 districts",
        "Lag 2: each district's engagement in a quarter is set against its outcome 2 quarters later, compared with "
        "the same quarter a year earlier.")
    i18n.set_language("es")
    assert rising.takeaway() == (
        "Los trimestres en que un distrito tuvo más actividades de participación por cada 1,000 residentes de lo "
        "habitual (más allá del nivel de toda la ciudad en ese trimestre) registraron incidentes que subieron más (o "
        "bajaron menos) respecto de un año antes en el trimestre siguiente, una asociación moderada")
    assert unclear.takeaway() == (
        "No hay una asociación clara entre actividades de participación por cada 1,000 residentes y el cambio en "
        "el puntaje de confianza respecto de un año antes 3 trimestres después")
    assert _association(-0.6, -0.8, -0.4).takeaway().startswith(
        "Los trimestres en que un distrito tuvo más actividades de participación por cada 1,000 residentes de lo "
        "habitual (más allá del nivel de toda la ciudad en ese trimestre) registraron incidentes que bajaron más (o "
        "subieron menos)")
    assert rising.r_text() == "r = 0.42 (IC 95% de 0.20 a 0.60), p = 0.010, n = 120 trimestres-distrito en 9 distritos"
    assert ev.lag_sentence(2) == ("Desfase 2: la participación de cada distrito en un trimestre se compara con su "
                                  "resultado 2 trimestres después, frente al mismo trimestre un año antes.")
    assert ev.quarter_text("2025 Q4") == "T4 2025"
    assert period_comparisons.multiple_comparisons_note(40).startswith("Con 40 comparaciones, cerca de 2 parecerán")
    i18n.set_language("en")
    assert (rising.takeaway(), unclear.takeaway(), rising.r_text(), ev.lag_sentence(2)) == english
    assert ev.quarter_text("2025 Q4") == "2025 Q4"


def _did(**overrides) -> SimpleNamespace:
    values = dict(outcome="incidents", estimate=-0.152, ci_low=-0.202, ci_high=-0.098, n_treated=2, n_control=4,
                  post_months=24, pretrend_ok=True, pretrend_p=0.41)
    return SimpleNamespace(**{**values, **overrides})


def test_the_program_checks_are_spanish_under_es_and_unchanged_in_english():
    fair, failed = _did(), _did(outcome="trust", estimate=0.03, ci_low=-0.01, ci_high=0.07, n_treated=1,
                                pretrend_ok=False, pretrend_p=0.01)
    english = evaluation.plain_summary("Foot Patrol Initiative", failed)
    assert english.startswith("Compared with the 4 districts without any program, the trust score in the 1 district "
                              "with the Foot Patrol Initiative was **3.0% higher**")
    assert "The interval includes zero" in english and "do **not** support that (pre-trend test p = 0.01)" in english
    i18n.set_language("es")
    summary = evaluation.plain_summary("Foot Patrol Initiative", fair)
    assert summary.startswith("En comparación con los 4 distritos sin ningún programa, en los 2 distritos con Foot "
                              "Patrol Initiative hubo **15.2% menos** incidentes")
    assert "(intervalo de confianza del 95%: de 9.8% a 20.2% menos)" in summary
    assert ("Los meses anteriores al inicio no muestran una diferencia clara (p = 0.41), pero con tan pocos distritos "
            "esa verificación es débil") in summary
    spanish = evaluation.plain_summary("Foot Patrol Initiative", failed)
    assert "el puntaje de confianza en el 1 distrito con Foot Patrol Initiative fue **3.0% más alto**" in spanish
    assert "El intervalo incluye el cero" in spanish
    assert "**no** respaldan eso (prueba de tendencias previas p = 0.01), así que tome la estimación con cautela" in spanish
    assert i18n._(trust_stats.REPORTING_NOTE).startswith("El aumento de la confianza puede aumentar las denuncias")
    i18n.set_language("en")
    assert evaluation.plain_summary("Foot Patrol Initiative", failed) == english


# -- the data dictionary --------------------------------------------------------------------------


def test_every_schema_description_and_unit_has_its_spanish():
    # The extractor does not read YAML: the schema's texts are checked here (schema.texts() reads them).
    raw = yaml.safe_load(schema.SCHEMA_PATH.read_text(encoding="utf-8"))
    expected = {" ".join(str(t.get("description", "")).split()) for t in raw["tables"].values()}
    for t in raw["tables"].values():
        for c in t["columns"].values():
            expected |= {c.get("description", ""), c.get("unit") or ""}
    expected.discard("")
    assert {text for _line, text in schema.texts()} == expected
    spanish = i18n.catalogue("es")
    missing = sorted(text for text in expected if text not in spanish)
    assert not missing, "no Spanish in locale/es/dictionary.po for:\n" + "\n".join(missing[:40])


def test_the_data_dictionary_is_translated_where_shown_and_its_names_stay():
    english = schema.data_dictionary()
    i18n.set_language("es")
    spanish = schema.data_dictionary()
    assert list(spanish.columns) == list(english.columns)  # machine column names in both languages
    assert spanish[["table", "column", "type", "allowed values"]].equals(english[["table", "column", "type",
                                                                                  "allowed values"]])
    row = spanish[(spanish["table"] == "trust_surveys") & (spanish["column"] == "score")].iloc[0]
    assert row["range"] == "0 a 100" and row["unit"] == "puntaje 0-100"
    assert row["meaning"] == "Respuesta promedio reescalada a 0-100 (más alto es mejor)."
    i18n.set_language("en")
    assert schema.data_dictionary().equals(english)
    assert english.set_index(["table", "column"]).loc[("trust_surveys", "score"), "range"] == "0 to 100"


def test_switching_language_keeps_the_choices_on_the_trust_page(demo_db, staff_app, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(demo_db))
    at = open_tables(AppTest.from_file(staff_app, default_timeout=120)).run()
    at.switch_page(str(ROOT / "pages" / "trust.py")).run()
    assert not at.exception, at.exception
    chosen = at.multiselect(key="trust_districts").value  # the months follow the sidebar period (issue 16)
    assert chosen and at.multiselect(key="trust_districts").options[0] == "District 1 – Northside"
    at.selectbox(key="lang").set_value("es").run()
    i18n.set_language("es")  # after the run: the test thread formats the Spanish options from here on
    assert not at.exception, at.exception
    assert at.title[0].value == "Confianza de los residentes"
    assert at.multiselect(key="trust_districts").value == chosen  # district ids: the same choice in Spanish
    assert at.multiselect(key="trust_districts").options[0] == "Distrito 1 – Northside"
    assert at.subheader[0].value.startswith("Confianza en la policía: ")
    assert "**Confianza en la policía por distrito**" in [m.value for m in at.markdown]  # the panels' title
