"""Issue 16, briefings a commander would hand out (second pass): the Briefings page's "all districts" button
read as its reader sees it (the zip it offers, what each PDF says on page 1, the sentences around it), a
Spanish district briefing as long as the English one, and the slide deck's offense and area tables holding
the PDF's numbers."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from community_policing.views import metrics
from community_policing.data.store import DB_ENV_VAR
from tests.test_briefing import tools  # noqa: F401  (autouse: poppler and Chromium, or skip; fail in CI)
from tests.test_exports import download_file, recording  # noqa: F401  (the bytes behind a download button)

ROOT = Path(__file__).resolve().parent.parent
START, END = dt.date(2025, 11, 1), dt.date(2026, 10, 31)


def pdf_text(data: bytes, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-layout", *pages, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def page_count(data: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def word_heights(data: bytes) -> set[float]:
    """The heights of the words above the footer (poppler's boxes, mm, rounded): a text set smaller shows
    as a height the other PDF does not have."""
    xhtml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True,
                           check=True).stdout.decode()
    page_height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xhtml).group(1))
    heights = set()
    for y_min, y_max in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xhtml):
        if float(y_max) < page_height - 13 / 25.4 * 72:  # points; the footer is the last 13 mm
            heights.add(round((float(y_max) - float(y_min)) / 72 * 25.4, 1))
    return heights


# -- all districts at once, on the Briefings page ----------------------------------------------------------

def test_the_page_builds_every_district_into_one_zip_and_says_what_it_holds(tiny_db, staff_app, monkeypatch,
                                                                           recording):  # noqa: F811
    """The tiny city (two districts) keeps this fast: about 10 s for both briefings, a browser start included
    (the demo city's nine take about 50 s; one district's content is read in test_briefing16)."""
    from community_policing.briefing import content as briefing

    monkeypatch.setenv(DB_ENV_VAR, str(tiny_db))
    shown: list[str] = []  # what the progress bar says, step by step (the wrapper changes nothing it shows)
    real = briefing.district_briefings_zip

    def watched(*args, progress, **kwargs):
        def relay(fraction, message):
            shown.append(message)
            progress(fraction, message)
        return real(*args, progress=relay, **kwargs)

    monkeypatch.setattr(briefing, "district_briefings_zip", watched)
    at = AppTest.from_file(staff_app, default_timeout=120).run()
    at.switch_page(str(ROOT / "pages" / "briefing.py")).run()
    assert not at.exception, at.exception
    assert "Briefings for all districts" in [h.value for h in at.subheader]
    captions = " ".join(c.value for c in at.caption)
    assert ("One PDF briefing per district (2 districts) for the period and offenses above, in one zip file. They "
            "are made one after another; a bar says which district is being made.") in captions
    assert not [b for b in at.get("download_button") if b.proto.label.endswith("(zip)")]  # nothing before the click

    next(b for b in at.button if b.key == "briefing_make_all").click().run()
    assert not at.exception, at.exception
    assert not any(e.value for e in at.error)
    button, = [b for b in at.get("download_button")
               if b.proto.label == "Download the briefings for all districts (zip)"]
    stored = download_file(button)
    name = stored.filename
    assert re.fullmatch(r"briefings_all_districts_\d{8}_\d{8}_simulated_pdf\.zip", name), name
    with zipfile.ZipFile(io.BytesIO(stored.content)) as archive:
        names = archive.namelist()
        pdfs = [archive.read(n) for n in names]
    assert [re.sub(r"_\d{8}_\d{8}", "", n) for n in names] == ["briefing_district_1_simulated.pdf",
                                                               "briefing_district_2_simulated.pdf"]
    for data, district in zip(pdfs, ("District 1 – West", "District 2 – East")):
        assert data[:5] == b"%PDF-" and page_count(data) >= 2
        page1 = " ".join(pdf_text(data, 1, 1).split())
        assert page1.startswith("Tiny Test City") and district in page1 and "Headline numbers" in page1
    size = f"{len(stored.content) / 1024:,.0f}"
    captions = " ".join(c.value for c in at.caption)
    assert (f"{name}: 2 PDF briefings ({size} KB), one per district: District 1 – West, District 2 – East."
            in captions.replace("\\", ""))
    # The bar said which district was being made, and how far along the batch was.
    assert "District 1 (1 of 2): Counting incidents and engagement" in shown
    assert "District 2 (2 of 2): Rendering the map" in shown and shown[-1] == "District 2 (2 of 2): Done"
    assert shown.index("District 1 (1 of 2): Done") < shown.index("District 2 (2 of 2): Counting incidents and "
                                                                  "engagement")


# -- the same briefing in English and in Spanish -------------------------------------------------------------

@pytest.fixture(scope="module")
def made(demo_db):
    """Demo districts 1 and 2 and the city over one year, in English and in Spanish: content, PDF and slide
    deck, their charts drawn with one browser. District 2 and the city ran to five Spanish pages against
    four English ones."""
    from community_policing import i18n
    from community_policing.briefing import content as briefing
    from community_policing.data.store import Store

    out = {}
    with Store(demo_db) as store, briefing.shared_evaluations(), briefing.chart_renderer():
        for district in ("1", "2", None):
            for lang in ("en", "es"):
                with i18n.speaking(lang):
                    content = briefing.build_briefing(store, briefing.BriefingRequest(START, END, district))
                pngs = briefing.render_figures(content)
                deck = briefing.briefing_pptx(content, pngs) if district == "2" else None  # the slides read below
                out[district, lang] = (content, briefing.briefing_pdf(content, pngs), deck)
    return out


@pytest.mark.parametrize("district", ["1", "2", None], ids=["district 1", "district 2", "citywide"])
def test_a_spanish_briefing_has_as_many_pages_as_the_english_one(made, district):
    _c, english, _d = made[district, "en"]
    content, spanish, _d = made[district, "es"]
    assert page_count(spanish) == page_count(english)
    # Nothing dropped: every section and every offense group and neighborhood is printed ...
    text = pdf_text(spanish)
    for heading in ("Cifras principales", "En resumen", "Qué delitos aumentaron y disminuyeron", "Dónde",
                    "Vecindarios" if district else "Distritos", "Incidentes a lo largo del tiempo",
                    "Participación comunitaria",
                    "Confianza de los residentes", "Estimaciones de los programas", "Cómo se obtienen estas cifras"):
        assert heading in text, heading
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for table in (content.offenses, content.areas):
        for row in table.itertuples(index=False):
            assert any(line.startswith(f"{row[0]} {row[1]} {row[2]}") for line in lines), row
    # ... and no text is set smaller than in the English briefing (the footer aside, which fits one line).
    assert word_heights(spanish) <= word_heights(english)


def test_table_columns_fit_their_cells_so_a_reading_is_one_line(made):
    """The offense table's readings and changes each sit on one line in Spanish, as in English."""
    content, spanish, _d = made["2", "es"]
    lines = [" ".join(line.split()) for line in pdf_text(spanish).splitlines()]
    for row in content.offenses.itertuples(index=False):
        line = next(line for line in lines if line.startswith(f"{row[0]} {row[1]} "))
        assert line.endswith(f"{row[3]} {row[4]}"), line


# -- the slide deck's offense and area tables -------------------------------------------------------------

def slides(deck_bytes: bytes) -> list[tuple[str, list[list[str]], list[float]]]:
    """Each slide as (title, its table's rows, the font sizes in the table in points)."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(deck_bytes)).slides:
        title = next(s.text_frame.text for s in slide.shapes if s.has_text_frame)
        tables = [s.table for s in slide.shapes if s.has_table]
        rows = [[c.text for c in r.cells] for t in tables for r in t.rows]
        sizes = [run.font.size.pt for t in tables for r in t.rows for c in r.cells
                 for p in c.text_frame.paragraphs for run in p.runs]
        out.append((title, rows, sizes))
    return out


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_deck_has_the_pdfs_offense_and_neighborhood_tables(made, lang):
    content, pdf, deck = made["2", lang]
    shown = slides(deck)
    titles = [t for t, _r, _s in shown]
    rose = "Which offenses rose and fell" if lang == "en" else "Qué delitos aumentaron y disminuyeron"
    of = "of" if lang == "en" else "de"
    areas = ("Neighborhoods: incidents, change from a year earlier and rate per 1,000 residents" if lang == "en"
             else "Vecindarios: incidentes, cambio respecto de un año antes y tasa por cada 1,000 residentes")
    # 13 offense groups: two slides of 7 and 6 rows, after the headline numbers and before the map.
    assert titles[2:6] == [f"{rose} (1 {of} 2)", f"{rose} (2 {of} 2)", titles[4], areas]
    assert titles[4].startswith("Where" if lang == "en" else "Dónde")
    header = shown[2][1][0]
    assert header == shown[3][1][0] == list(content.offenses.columns[:5])
    offense_rows = shown[2][1][1:] + shown[3][1][1:]
    assert [len(shown[2][1]) - 1, len(shown[3][1]) - 1] == [7, 6]
    area_rows = shown[5][1][1:]
    assert shown[5][1][0][-1] == ("Per 1,000 residents" if lang == "en" else content.areas.columns[5])
    # The same cells as the PDF prints, row for row: counts, change with its % (or "too few to compare"), reading.
    lines = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]
    for row in offense_rows + area_rows:
        assert any(line.startswith(" ".join(row)) for line in lines), row
    assert len(offense_rows) == len(content.offenses) and len(area_rows) == len(content.areas)
    few = "too few to compare" if lang == "en" else "muy pocos para comparar"
    small = [r for r in offense_rows if int(r[2].replace(",", "")) < metrics.MIN_COUNT_FOR_PCT]
    assert small and all(few in r[3] for r in small)  # a change from under 10 incidents has no %
    assert all(few not in r[3] and "%" in r[3] for r in offense_rows
               if int(r[2].replace(",", "")) >= metrics.MIN_COUNT_FOR_PCT)
    assert not any(cell in ("nan", "None", "NaN", "") for r in offense_rows + area_rows for cell in r)
    # Legible: every cell of these tables at 12 pt or more.
    assert all(size >= 12 for _t, _rows, sizes in shown[2:4] + shown[5:6] for size in sizes)
