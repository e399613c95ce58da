"""Issue 16, the Resident trust page on a phone: in real headless Chromium at 390×844 (a phone) and
1400×1000 (a desktop), the small multiples show every district in panels wide enough to read (two columns
on every screen: plotly cannot see the page's width), and no title, subtitle or panel heading runs past its
panel, into another heading or into the date ticks of the row above. Measured from the drawn SVG, the
boxes a reader sees. Screenshots of the chart go to the test's temporary folder."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from community_policing.figures import trust as trust_figures
from tests import servers

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1400, "height": 1000}

# The boxes of what the trust chart draws, in page pixels: the chart, each panel's plot area (subplot
# order), each panel heading (layout order = panel order), the date and score tick labels, title and subtitle.
MEASURE = """
el => {
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const index = g => { const m = (g.getAttribute('class') || '').match(/^x(\\d*)y/); return m && m[1] ? +m[1] : 1; };
  const panels = [...el.querySelectorAll('.draglayer .nsewdrag')]
    .map(r => [index(r.closest('g')), box(r)]).sort((a, b) => a[0] - b[0]).map(p => p[1]);
  return {
    chart: box(el.querySelector('svg.main-svg')),
    panels,
    headings: [...el.querySelectorAll('.infolayer g.annotation')].map(a => ({text: a.textContent, ...box(a)})),
    ticks: [...el.querySelectorAll('g.xtick text, g.ytick text')].filter(t => t.textContent)
      .map(t => ({text: t.textContent, ...box(t)})),
    titles: [...el.querySelectorAll('.gtitle, .gtitle-subtitle')].map(t => ({text: t.textContent, ...box(t)})),
  };
}
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
    page.goto(f"{app_url}/trust?lang={lang}", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .infolayer g.annotation', timeout=90_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(800)  # plotly's last relayout after Streamlit settles the width
    return page


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return a["l"] < b["r"] - slack and b["l"] < a["r"] - slack and a["t"] < b["b"] - slack and b["t"] < a["b"] - slack


def _check_layout(seen: dict, districts: int, min_panel: float) -> None:
    chart, panels, headings = seen["chart"], seen["panels"], seen["headings"]
    assert len(panels) == districts and len(headings) == districts, (len(panels), len(headings))
    for panel, heading in zip(panels, headings):
        where = heading["text"]
        assert panel["r"] - panel["l"] >= min_panel, (where, panel)
        # The heading sits over its own panel: inside its width, above its plot area.
        assert heading["l"] >= panel["l"] - 1 and heading["r"] <= panel["r"] + 1, (where, heading, panel)
        assert heading["b"] <= panel["t"] + 1, (where, heading, panel)
    for i, a in enumerate(headings):
        for b in headings[i + 1:]:
            assert not _overlap(a, b), (a, b)
        for tick in seen["ticks"]:  # e.g. the row above's "Jan 2025"
            assert not _overlap(a, tick), (a["text"], tick)
    for text in [*seen["titles"], *seen["ticks"], *headings]:  # nothing cut at the chart's edges
        assert chart["l"] - 1 <= text["l"] and text["r"] <= chart["r"] + 1, (text, chart)
    title, subtitle = seen["titles"][:2]
    assert not _overlap(title, subtitle)
    assert all(subtitle["b"] <= h["t"] + 1 for h in headings), (subtitle, headings[:2])


def test_every_district_is_a_readable_panel_on_a_phone_and_a_desktop(app_url, browser, tmp_path):
    page = _open_trust(browser, app_url, PHONE)
    main = page.locator('[data-testid="stMain"]')
    assert "All 9 districts are shown." in main.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    # The same page on a phone, then widened to a desktop (plotly follows the width, not the height).
    for viewport, min_panel in ((PHONE, 150), (DESKTOP, 400)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(800)
        seen = chart.evaluate(MEASURE)
        # On a phone two panels share the width, each at least 150 px; on a desktop they are wide.
        _check_layout(seen, districts=9, min_panel=min_panel)
        assert seen["headings"][5]["text"].startswith("District 6Westview")  # number, then the name
        assert re.search(r"points \(±\d+\.\d\)within normal variation$", seen["headings"][0]["text"])
        # The score ticks are drawn once per row, on the left column: the scale is shared.
        lefts = {round(p["l"]) for p in seen["panels"]}
        assert len(lefts) == 2
        score_ticks = [t for t in seen["ticks"] if re.fullmatch(r"\d+", t["text"])]
        assert score_ticks and all(t["r"] <= min(lefts) + 1 for t in score_ticks)
        page.set_viewport_size({"width": viewport["width"], "height": 3000})  # the whole chart in one picture
        page.wait_for_timeout(500)
        chart.screenshot(path=str(tmp_path / f"trust_{viewport['width']}.png"))
    page.close()


def test_spanish_headings_fit_a_phone(app_url, browser):
    """Spanish words are longer ("dentro de la variación normal"): the headings wrap and still fit."""
    page = _open_trust(browser, app_url, PHONE, lang="es")
    seen = page.locator('[data-testid="stPlotlyChart"]').first.evaluate(MEASURE)
    _check_layout(seen, districts=9, min_panel=150)
    assert seen["headings"][0]["text"].startswith("Distrito 1Northside")
    assert seen["titles"][0]["text"] == "Confianza en la policía por distrito"
    page.close()


def test_long_district_names_are_broken_into_short_lines():
    """A name too long for a phone's panel is drawn on several lines, none longer than a panel holds."""
    long_name = "District 6 – North Riverfront and Old Industrial Corridor"
    table = pd.DataFrame({
        "period_start": pd.to_datetime(["2025-01-01", "2025-02-01"] * 3), "district_id": ["1", "1", "6", "6", "7", "7"],
        "district_name": ["District 1 – Northside"] * 2 + [long_name] * 2 + ["District 7"] * 2,
        "score": [60.0, 61.0, 55.0, 57.0, 70.0, 69.0], "margin_of_error": [3.0] * 6, "respondents": [200] * 6})
    changes = pd.DataFrame({"district_id": ["1", "6", "7"], "change": [1.2, -6.5, None], "margin": [3.1, 3.0, None],
                            "noise": ["within normal variation", "significant change", ""],
                            "stands_out": [False, True, False]})
    fig = trust_figures.trust_small_multiples(table, changes, "Trust in police by district",
                                              "Trust in police, score 0–100 (higher is better)", "2025-02-01",
                                              "2025-02-28")
    lines = [[re.sub(r"<[^>]+>", "", line) for line in a.text.split("<br>")] for a in fig.layout.annotations]
    assert lines[1] == ["District 6", "North Riverfront", "and Old Industrial", "Corridor", "−6.5 points (±3.0)",
                        "significant change"]
    assert lines[2] == ["District 7", "no change from a year", "earlier"]
    assert all(len(line) <= trust_figures.HEADING_CHARS["name"] for line in lines[1][1:4])
    # The tallest heading sets the room above every row, so the panels still line up.
    assert fig.layout.margin.t >= 6 * 15 and fig.data[1].line.color == trust_figures.HIGHLIGHT
