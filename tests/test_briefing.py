"""Briefings: the PDF's pages and numbers (read back with poppler), the slide deck, the CLI, the page.

The KPI numbers in the PDF must equal the `districts` command's output for the same filters."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "briefings"
START, END = "2025-11-01", "2026-10-31"


@pytest.fixture(scope="module", autouse=True)
def tools():
    missing = [t for t in ("pdftoppm", "pdftotext") if shutil.which(t) is None]
    if not Path("/usr/bin/chromium").exists():
        missing.append("/usr/bin/chromium")
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing in CI: {', '.join(missing)} (make test installs them as root)")
        pytest.skip(f"needs {', '.join(missing)}")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "community_policing", *args], capture_output=True, text=True,
                          cwd=ROOT)


def districts_json(db: Path, *extra: str) -> pd.DataFrame:
    out = cli("districts", "--db", str(db), "--start", START, "--end", END, "--format", "json", *extra)
    assert out.returncode == 0, out.stderr
    return pd.DataFrame(json.loads(out.stdout))


def pdf_pages(pdf: Path, name: str) -> list[Path]:
    """The PDF as PNG pages (kept under artifacts/briefings/ to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def kpi_line(text: str, measure: str) -> str:
    """The KPI row that starts with ``measure``, with the lines just above and below it (a wrapped
    cell puts the row's other values on a neighbouring line)."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if line.strip().startswith(measure))
    return "\n".join(lines[max(i - 1, 0):i + 2])


@pytest.fixture(scope="module")
def district_pdf(demo_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("briefing") / "district3.pdf"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_district_briefing_numbers_equal_the_districts_command(district_pdf, demo_db):
    pages = pdf_pages(district_pdf, "district3")
    assert len(pages) == 4
    text = pdf_text(district_pdf)
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    incidents = kpi_line(text, "Incidents (all offenses)")
    assert f"{int(row['incidents']):,}" in incidents and f"{int(row['incidents_prior_year']):,}" in incidents
    assert f"{int(row['change']):+,} ({row['pct_change']:+.1f}%)" in incidents
    assert f"{row['rate_per_1000']:.1f}" in kpi_line(text, "Incidents per 1,000")
    assert f"{int(row['engagement_events']):,}" in kpi_line(text, "Engagement activities")
    assert f"{row['officer_hours']:,.0f}" in kpi_line(text, "Officer engagement hours")
    for heading in ("Headline numbers", "Incidents over time", "Community engagement", "Resident trust",
                    "Program estimates", "How these numbers are made", "95% interval", "Respondents"):
        assert heading in text
    # Simulated data is stamped on every page.
    assert text.count("SIMULATED DEMO DATA") >= len(pages) + 1
    assert "District 3" in text and "Nov 1, 2025 – Oct 31, 2026" in text


def test_the_briefing_reads_a_change_as_the_districts_command_does(demo_db, monkeypatch):
    """The noise reading beside the incidents is the ``districts`` command's (and the pages'), and the method
    note says what it allows for."""
    from community_policing.briefing import content as briefing
    from community_policing.data.store import Store

    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks"]), "not estimated here"))
    with Store(demo_db) as store:
        content = briefing.build_briefing(store, briefing.BriefingRequest(pd.Timestamp(START).date(),
                                                                          pd.Timestamp(END).date(), "3"))
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    assert content.kpi_values["noise"] == row["noise"] and content.kpis.iloc[0]["reading"].startswith(row["noise"])
    assert content.kpi_values["noise_z"] == pytest.approx(row["noise_z"])
    assert content.kpi_values["dispersion"] == pytest.approx(row["dispersion"])
    assert f"{row['noise']} (z = {row['noise_z']:+.1f})" in content.takeaways[0]
    assert any("normally vary over periods this long" in note for note in content.notes)
    assert not any("sqrt" in note for note in content.notes)  # the old Wheeler z is gone


def test_citywide_briefing_totals_equal_the_sum_of_the_districts_rows(demo_db, tmp_path):
    out = tmp_path / "city.pdf"
    done = cli("briefing", "--db", str(demo_db), "--start", START, "--end", END, "--offense-group", "violent",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(pdf_pages(out, "citywide_violent")) >= 3
    text = pdf_text(out)
    table = districts_json(demo_db, "--offense-group", "violent")
    incidents = kpi_line(text, "Incidents (")
    assert "Violent" in incidents or "violent" in incidents
    assert f"{int(table['incidents'].sum()):,}" in incidents
    assert f"{int(table['incidents_prior_year'].sum()):,}" in incidents
    assert f"{int(table['engagement_events'].sum()):,}" in kpi_line(text, "Engagement activities")


def test_the_slide_deck_has_one_message_per_slide(demo_db, tmp_path):
    from pptx import Presentation

    out = tmp_path / "deck.pptx"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--out", str(out))
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert len(titles) == 11  # with the offense table over two slides and the neighborhoods' table
    assert titles[0].startswith("District 3") and titles[-1] == "How these numbers are made"
    assert titles[2:4] == ["Which offenses rose and fell (1 of 2)", "Which offenses rose and fell (2 of 2)"]
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    assert titles[1].startswith(f"{int(row['incidents']):,} incidents vs {int(row['incidents_prior_year']):,}")
    table = next(s.table for s in deck.slides[1].shapes if s.has_table)
    assert table.cell(1, 1).text == f"{int(row['incidents']):,}"
    pictures = sum(1 for slide in deck.slides for s in slide.shapes if s.shape_type == 13)
    assert pictures == 3  # map, trend, engagement
    every_slide = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert all("SIMULATED DEMO DATA" in t for t in every_slide)


def test_cli_refuses_an_unknown_district_and_a_wrong_extension(demo_db, tmp_path):
    bad = cli("briefing", "--db", str(demo_db), "--district", "99", "--start", START, "--end", END,
              "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "unknown district '99'" in bad.stderr and "Traceback" not in bad.stderr
    wrong = cli("briefing", "--db", str(demo_db), "--start", START, "--end", END, "--out", str(tmp_path / "x.docx"))
    assert wrong.returncode == 2 and ".pdf" in wrong.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_the_briefing_page_makes_a_pdf_with_progress(demo_db, staff_app, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMON_GROUND_DB", str(demo_db))
    at = AppTest.from_file(staff_app, default_timeout=120).run()  # away from pages/: a button click survives
    at.switch_page(str(ROOT / "pages" / "briefing.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Briefings"
    at.selectbox(key="briefing_scope").set_value("2").run()
    next(b for b in at.button if b.key == "briefing_make_pdf").click().run()
    assert not at.exception, at.exception
    downloads = [e for e in at.get("download_button")]
    assert downloads, "no download button after making the briefing"
    ready = at.session_state["_briefing_ready"]
    (stem, data), = [v for k, v in ready.items() if k[-1] == "pdf"]
    assert stem.startswith("briefing_district_2_") and stem.endswith("_simulated") and data[:5] == b"%PDF-"
    assert not any(e.value for e in at.error)


# -- in Spanish ------------------------------------------------------------------------------------

import re  # noqa: E402
from collections import Counter  # noqa: E402

from community_policing import i18n  # noqa: E402

SPANISH_HEADINGS = ("Cifras principales", "En resumen", "Incidentes a lo largo del tiempo", "Participación comunitaria",
                    "Confianza de los residentes", "Estimaciones de los programas", "Cómo se obtienen estas cifras",
                    "Intervalo del 95%", "Actividad", "Puntaje (0-100)")
SPANISH_STAMP = "DATOS DE DEMOSTRACIÓN SIMULADOS"


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.set_language("en")


def spanish(message: str) -> str:
    """``message`` as the Spanish catalogue has it (English while its translator has not done it)."""
    i18n.set_language("es")
    try:
        return i18n._(message)
    finally:
        i18n.set_language("en")


def kpi_numbers(text: str, start: str, end: str) -> Counter:
    """Every number of the KPI table (between its heading and the next), whatever the words around it."""
    section = text[text.index(start):text.index(end)]
    return Counter(re.findall(r"[+-]?\d[\d,]*(?:\.\d+)?%?", section))


@pytest.fixture(scope="module")
def district_pdf_es(demo_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("briefing_es") / "district3_es.pdf"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--lang", "es",
               "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "se guardó" in done.stderr and "informe de policía comunitaria" in done.stderr
    return out


def test_a_spanish_briefing_has_spanish_words_and_the_same_numbers(district_pdf_es, district_pdf, demo_db):
    pages = pdf_pages(district_pdf_es, "district3_es")
    assert len(pages) in (4, 5)  # Spanish runs about a fifth longer: the last table may start a fifth page
    text = pdf_text(district_pdf_es)
    for heading in SPANISH_HEADINGS:
        assert heading in text, heading
    for english in ("Headline numbers", "In brief", "How these numbers are made", "SIMULATED DEMO DATA",
                    "Incidents over time", "page 1 of"):
        assert english not in text, english
    assert text.count(SPANISH_STAMP) >= len(pages) + 1  # the box on page 1 and every footer
    assert f"página 1 de {len(pages)}" in text and "1 nov 2025 – 31 oct 2026" in text  # dates in Spanish
    # The numbers are those of the districts command and of the English briefing.
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    incidents = kpi_line(text, "Incidentes (todos")
    assert f"{int(row['incidents']):,}" in incidents and f"{int(row['incidents_prior_year']):,}" in incidents
    assert f"{int(row['change']):+,} ({row['pct_change']:+.1f}%)" in incidents
    assert f"{row['rate_per_1000']:.1f}" in kpi_line(text, spanish("Incidents per 1,000 residents")[:14])
    assert f"{int(row['engagement_events']):,}" in kpi_line(text, "Actividades de")
    assert f"{row['officer_hours']:,.0f}" in kpi_line(text, spanish("Officer engagement hours")[:12])
    english = pdf_text(district_pdf)
    assert kpi_numbers(text, "Cifras principales", "En resumen") == kpi_numbers(english, "Headline numbers",
                                                                                 "In brief")


def test_a_spanish_slide_deck_has_spanish_titles(demo_db, tmp_path):
    from pptx import Presentation

    out = tmp_path / "deck_es.pptx"
    done = cli("briefing", "--db", str(demo_db), "--district", "3", "--start", START, "--end", END, "--out", str(out),
               "--lang", "es")
    assert done.returncode == 0, done.stderr
    deck = Presentation(str(out))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert len(titles) == 11
    assert titles[2] == "Qué delitos aumentaron y disminuyeron (1 de 2)"
    assert titles[4] == "Dónde: incidentes por cada 1,000 residentes"
    assert titles[5].startswith("Vecindarios: incidentes, cambio respecto de un año antes")
    assert titles[8].startswith("La confianza en la policía promedió")
    assert titles[9].startswith("Estimaciones de los programas: efecto en los incidentes y la confianza")
    assert titles[-1] == "Cómo se obtienen estas cifras"
    assert titles[7].startswith("Se registraron ") and "actividades de participación" in titles[7]
    row = districts_json(demo_db).set_index("area_id").loc["3"]
    assert titles[1].startswith(f"{int(row['incidents']):,} ")
    table = next(s.table for s in deck.slides[1].shapes if s.has_table)
    assert [table.cell(0, j).text for j in range(5)] == ["Medida", "Este periodo", "Un año antes", "Cambio",
                                                         "Lectura / denominador"]
    assert table.cell(1, 1).text == f"{int(row['incidents']):,}"
    every_slide = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert all(SPANISH_STAMP in t for t in every_slide)
    assert "Informe de policía comunitaria - Riverbend" in every_slide[0] and "Periodo: 1 nov 2025" in every_slide[0]


def test_cli_refuses_an_unknown_language_in_one_line(demo_db, tmp_path):
    bad = cli("briefing", "--db", str(demo_db), "--start", START, "--end", END, "--lang", "fr",
              "--out", str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == ["error: unknown language 'fr' for --lang; expected one of en, es"]
    assert not (tmp_path / "x.pdf").exists()


def test_spanish_briefing_content_month_ticks_and_file_name(demo_db, monkeypatch):
    from community_policing.briefing import content as briefing
    from community_policing.figures import briefing as briefing_figures
    from community_policing.data.store import Store

    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks"]), "not estimated here"))
    request = briefing.BriefingRequest(pd.Timestamp(START).date(), pd.Timestamp(END).date(), "3")
    i18n.set_language("es")
    with Store(demo_db) as store:
        content = briefing.build_briefing(store, request)
    i18n.set_language("en")
    assert content.lang == "es" and content.file_stem() == "briefing_district_3_20251101_20261031_es_simulated"
    assert content.title.endswith(": informe de policía comunitaria")  # in its own language, whatever is set now
    assert list(content.kpis.columns) == ["measure", "this_period", "a_year_earlier", "change", "reading"]  # for code
    assert content.kpis.iloc[0]["measure"] == "Incidentes (todos los delitos)"
    assert content.takeaways[1].startswith("Se registraron ") and content.trust_takeaway == content.takeaways[2]
    assert list(briefing.shown_columns(content.trust).columns) == [
        "Periodo de la encuesta", "Área", "Puntaje (0-100)", spanish("Margin of error"), spanish("Respondents")]
    assert set(content.trust["Área"]) == {spanish("District {id}").format(id=3) + " – Downtown"}
    assert content.engagement.iloc[-1, 0] == spanish("All activities")
    assert "Patrullaje a pie" in set(content.engagement.iloc[:, 0])
    # plotly.js in kaleido knows only English months: the trend spells them.
    axis = content.figures["trend"].layout.xaxis
    assert axis.tickmode == "array" and "ene<br>2025" in axis.ticktext and "oct<br>2026" in axis.ticktext
    assert all(pd.Timestamp(v).month in (1, 4, 7, 10) for v in axis.tickvals)
    english = briefing_figures.print_trend(
        pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "incidents": [3, 4],
                      "incidents_prior_year": [2, 5], "partial": [False, False],
                      "last_day": pd.to_datetime(["2025-01-31", "2025-02-28"])}), "t", "s")
    assert english.layout.xaxis.tickformat == "%b<br>%Y" and english.layout.xaxis.ticktext is None


def test_spanish_pdf_without_dejavu_keeps_its_accents(demo_db, monkeypatch, tmp_path):
    """The Latin-1 fallback (no Unicode font installed) holds every Spanish letter."""
    from community_policing.briefing import content as briefing, pdf as briefing_pdf
    from community_policing.data.store import Store

    monkeypatch.setattr(briefing, "_program_table", lambda store, request: (
        pd.DataFrame(columns=["Program", "Outcome", "Estimate", "95% interval", "Checks"]), "not estimated here"))
    monkeypatch.setattr(briefing_pdf, "_unicode_font", lambda: None)
    i18n.set_language("es")
    with Store(demo_db) as store:
        content = briefing.build_briefing(store, briefing.BriefingRequest(pd.Timestamp(START).date(),
                                                                          pd.Timestamp(END).date()))
    i18n.set_language("en")
    pdf = briefing_pdf._BriefingPDF(content)
    assert not pdf.unicode and pdf.text_of("¿Qué? ¡Sí! á é í ó ú ü ñ Ñ ±2") == "¿Qué? ¡Sí! á é í ó ú ü ñ Ñ +/-2"
    out = tmp_path / "latin1_es.pdf"
    out.write_bytes(briefing.briefing_pdf(content, pngs={}))
    text = pdf_text(out)
    for words in (SPANISH_STAMP, "ningún número", "Cifras principales", "Un año antes", "Cómo se obtienen",
                  "Toda la ciudad", "página 1 de"):
        assert words in text, words


def test_the_briefing_page_in_spanish(demo_db, staff_app, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("COMMON_GROUND_DB", str(demo_db))
    i18n.set_language("es")  # AppTest re-applies format_func in the test's thread
    at = AppTest.from_file(staff_app, default_timeout=120)
    at.session_state["lang"] = "es"
    at.run()
    at.switch_page(str(ROOT / "pages" / "briefing.py")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Informes"
    labels = {b.key: b.label for b in at.button}
    assert labels["briefing_make_pdf"] == "Preparar el informe en PDF"
    assert labels["briefing_make_pptx"] == "Preparar las diapositivas (PowerPoint)"
    assert at.selectbox(key="briefing_scope").label == "Área"
    assert "Toda la ciudad – Riverbend" in at.selectbox(key="briefing_scope").options[0]
    at.selectbox(key="briefing_scope").set_value("2").run()
    next(b for b in at.button if b.key == "briefing_make_pdf").click().run()
    assert not at.exception, at.exception
    assert any(e.proto.label == "Descargar el informe (PDF)" for e in at.get("download_button"))
    (key, (stem, data)), = [(k, v) for k, v in at.session_state["_briefing_ready"].items() if k[-1] == "pdf"]
    assert "es" in key  # a briefing is kept under its language
    assert stem.startswith("briefing_district_2_") and stem.endswith("_es_simulated") and data[:5] == b"%PDF-"
    assert not any(e.value for e in at.error)
