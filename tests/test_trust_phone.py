"""Issue 16, the Resident trust page on a phone: in real headless Chromium at 390×844 (a phone) and
1400×1000 (a desktop), the small multiples show every district in panels wide enough to read, and no panel
title or subtitle is cut ("…"), runs past its panel, into another panel or into the panel's own tick labels.

The panels are Vega-Lite charts, one per district, laid out in rows of three ``st.columns``: a desktop shows
three to a row, a phone stacks the columns, so each panel takes the phone's whole width, in district order.
Measured from the drawn SVG (the panels are drawn as SVG), the boxes a reader sees. Screenshots of the page
go to the test's temporary folder."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from community_policing.figures import trust as trust_figures
from tests import servers

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1400, "height": 1000}
PANELS = '[data-testid="stMain"] [data-testid="stVegaLiteChart"]'

# The boxes of what each panel draws, in page pixels: the panel, its plot area (the box of its grid lines),
# its title and subtitle (one box a line), and its tick labels.
MEASURE = """
els => els.map(el => {
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const union = bs => bs.length ? {l: Math.min(...bs.map(b => b.l)), t: Math.min(...bs.map(b => b.t)),
                                    r: Math.max(...bs.map(b => b.r)), b: Math.max(...bs.map(b => b.b))} : null;
  // One box a line: Vega draws a text of several lines as one <text> with a <tspan> a line.
  const texts = sel => [...el.querySelectorAll(sel + ' text')]
    .flatMap(t => t.querySelector('tspan') ? [...t.querySelectorAll('tspan')] : [t])
    .filter(t => t.textContent.trim()).map(t => ({text: t.textContent, ...box(t)}));
  return {
    chart: box(el.querySelector('svg')),
    plot: union([...el.querySelectorAll('.role-axis-grid line')].map(box)),
    title: texts('.role-title-text'),
    subtitle: texts('.role-title-subtitle'),
    ticks: texts('.role-axis-label'),
    every: [...el.querySelectorAll('text')].map(t => t.textContent),
  };
})
"""


@pytest.fixture(scope="module")
def app_url(demo_db, tmp_path_factory):
    with servers.serving(demo_db, tmp_path_factory.mktemp("trust_phone")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with servers.chromium() as b:
        yield b


def _open_trust(browser, app_url, viewport: dict, lang: str = "en"):
    page = browser.new_page(viewport=viewport)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{app_url}/trust?lang={lang}", wait_until="domcontentloaded")
    page.wait_for_selector(f"{PANELS} svg .role-title-text", timeout=90_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    _fitted(page)  # Vega's last resize after Streamlit settles the width
    page.requests = requests
    return page


# Every panel redrawn at its column's width (Vega follows a resize a moment later).
FITTED = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')].every(el => {
  const svg = el.querySelector('svg'); if (!svg) return false;
  return Math.abs(svg.getBoundingClientRect().width - el.parentElement.getBoundingClientRect().width) <= 2; })"""


def _fitted(page) -> None:
    page.wait_for_function(FITTED, timeout=30_000)
    page.wait_for_timeout(300)


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return a["l"] < b["r"] - slack and b["l"] < a["r"] - slack and a["t"] < b["b"] - slack and b["t"] < a["b"] - slack


def _check_layout(seen: list[dict], districts: int, min_plot: float, columns: int) -> None:
    assert len(seen) == districts, len(seen)
    for panel in seen:
        where = panel["title"][0]["text"] if panel["title"] else panel
        plot, headings = panel["plot"], panel["title"] + panel["subtitle"]
        assert plot and plot["r"] - plot["l"] >= min_plot, (where, plot)  # wide enough to read
        assert plot["b"] - plot["t"] >= 120, (where, plot)  # and tall enough (the headings do not squeeze it)
        assert not any("…" in text for text in panel["every"]), (where, panel["every"])  # nothing cut short
        for text in [*headings, *panel["ticks"]]:  # nothing runs past the panel's edges
            chart = panel["chart"]
            assert chart["l"] - 1 <= text["l"] and text["r"] <= chart["r"] + 1, (where, text, chart)
        for i, a in enumerate(headings):  # the headings: one under another, above the plot, clear of its ticks
            assert a["b"] <= plot["t"] + 1, (where, a, plot)
            for b in headings[i + 1:]:
                assert not _overlap(a, b), (a, b)
            for tick in panel["ticks"]:
                assert not _overlap(a, tick), (a["text"], tick)
    for i, a in enumerate(seen):  # no panel over another
        for b in seen[i + 1:]:
            assert not _overlap(a["chart"], b["chart"]), (a["title"][0]["text"], b["title"][0]["text"])
    # Rows of ``columns`` panels in district order, left to right then down; the plots of a row line up
    # (every panel has as many heading lines), so the same height is the same score across a row.
    lefts = sorted({round(p["chart"]["l"]) for p in seen})
    assert len(lefts) == columns, lefts
    for i, panel in enumerate(seen):
        assert round(panel["chart"]["l"]) == lefts[i % columns]
        if i % columns:
            assert abs(panel["plot"]["t"] - seen[i - 1]["plot"]["t"]) <= 1
            assert abs(panel["plot"]["b"] - seen[i - 1]["plot"]["b"]) <= 1
        elif i:
            assert panel["chart"]["t"] >= seen[i - 1]["chart"]["b"] - 1  # the next row is below
    # One score scale: every panel draws the same score ticks.
    scores = [[t["text"] for t in p["ticks"] if re.fullmatch(r"\d+", t["text"])] for p in seen]
    assert scores[0] and all(s == scores[0] for s in scores), scores


def test_every_district_is_a_readable_panel_on_a_phone_and_a_desktop(app_url, browser, tmp_path):
    page = _open_trust(browser, app_url, PHONE)
    main = page.locator('[data-testid="stMain"]')
    assert "All 9 districts are shown." in main.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    assert not [url for url in page.requests if "PlotlyChart" in url]  # no Plotly script on this page
    # The same page on a phone, then widened to a desktop (the panels follow the width).
    # On a phone the columns stack: one panel to a row, the phone's width; on a desktop three to a row.
    for viewport, min_plot, columns in ((PHONE, 250, 1), (DESKTOP, 200, 3)):
        page.set_viewport_size(viewport)
        _fitted(page)
        seen = page.locator(PANELS).evaluate_all(MEASURE)
        _check_layout(seen, districts=9, min_plot=min_plot, columns=columns)
        assert seen[5]["title"][0]["text"] == "District 6 – Westview"  # number, then the name
        assert seen[0]["subtitle"][0]["text"].endswith(")") and " points (±" in seen[0]["subtitle"][0]["text"]
        assert [t["text"] for t in seen[0]["subtitle"]][1] == "within normal variation"
        page.set_viewport_size({"width": viewport["width"], "height": 4200})  # the whole page in one picture
        page.wait_for_timeout(500)
        page.screenshot(path=str(tmp_path / f"trust_{viewport['width']}.png"))
    page.close()


def test_spanish_headings_fit_a_phone(app_url, browser):
    """Spanish words are longer ("dentro de la variación normal"): the headings wrap and still fit."""
    page = _open_trust(browser, app_url, PHONE, lang="es")
    seen = page.locator(PANELS).evaluate_all(MEASURE)
    _check_layout(seen, districts=9, min_plot=250, columns=1)
    assert seen[0]["title"][0]["text"] == "Distrito 1 – Northside"
    assert " puntos (±" in seen[0]["subtitle"][0]["text"]
    assert "Confianza en la policía por distrito" in page.locator('[data-testid="stMain"]').inner_text()
    page.close()


def test_long_district_names_are_broken_into_short_lines():
    """A name too long for a panel is drawn on several lines, none longer than a panel holds, and every
    panel gets as many heading lines, so the plots of a row line up."""
    long_name = "District 6 – North Riverfront and Old Industrial Corridor"
    table = pd.DataFrame({
        "period_start": pd.to_datetime(["2025-01-01", "2025-02-01"] * 3), "district_id": ["1", "1", "6", "6", "7", "7"],
        "district_name": ["District 1 – Northside"] * 2 + [long_name] * 2 + ["District 7"] * 2,
        "score": [60.0, 61.0, 55.0, 57.0, 70.0, 69.0], "margin_of_error": [3.0] * 6, "respondents": [200] * 6})
    changes = pd.DataFrame({"district_id": ["1", "6", "7"], "change": [1.2, -6.5, None], "margin": [3.1, 3.0, None],
                            "noise": ["within normal variation", "significant change", ""],
                            "stands_out": [False, True, False]})
    panels = [alt.LayerChart.to_dict(p, validate=True) for p in trust_figures.trust_small_multiples(  # valid specs
        table, changes, "Trust in police by district", "Trust in police, score 0–100 (higher is better)",
        "2025-02-01", "2025-02-28")]
    lines = [[line for line in p["title"]["text"] + p["title"]["subtitle"] if line.strip()] for p in panels]
    assert lines[1] == ["District 6 –", "North Riverfront and Old", "Industrial Corridor", "−6.5 points (±3.0)",
                        "significant change"]
    assert lines[2] == ["District 7", "no change from a year earlier"]
    assert all(len(line) <= trust_figures.HEADING_CHARS["name"] for line in lines[1][:3])
    # The tallest heading sets every panel's: as many title and subtitle lines in each.
    assert {len(p["title"]["text"]) for p in panels} == {3} and {len(p["title"]["subtitle"]) for p in panels} == {2}
    colours = [{layer["mark"]["color"] for layer in p["layer"] if layer["mark"]["type"] in ("line", "point")}
               for p in panels]
    assert colours == [{trust_figures.POINT_COLOR}, {trust_figures.HIGHLIGHT}, {trust_figures.POINT_COLOR}]
