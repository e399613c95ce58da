"""The main journey in real headless Chromium: the app starts, the overview map and scatter draw.

Screenshots go to artifacts/screenshots/ (git-ignored) so a person can look at them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests import servers

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(demo_db, tmp_path_factory):
    with servers.serving(demo_db, tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with servers.chromium() as b:
        yield b


def _distinct_colours(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 150))
    return len(image.getcolors(maxcolors=200 * 150))


def test_a_shared_district_link_opens_the_district_page_first_thing(app_url, browser):
    """The first request to a fresh server is a deep link: it must still go through dashboard.py
    (navigation with page titles, wide layout), not run the page file on its own."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{app_url}/district?district=2", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=60_000)  # its charts are Vega-Lite
    assert page.locator("h1").first.inner_text().startswith("District 2")
    nav = " ".join(page.locator('[data-testid="stSidebarNav"] a').all_inner_texts())
    assert "Program evaluation" in nav and "How to read these numbers" in nav  # titles, not file names
    page.close()


# The Overview's map: Vega-Lite shapes drawn as SVG paths (no tiles, no WebGL).
AREAS = '[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]'


def _areas_box(page) -> dict:
    """The box round every area of the Overview map, in page pixels."""
    return page.evaluate("""sel => {
      const boxes = [...document.querySelectorAll(sel)].map(p => p.getBoundingClientRect());
      const l = Math.min(...boxes.map(b => b.left)), t = Math.min(...boxes.map(b => b.top));
      return {x: l, y: t, width: Math.max(...boxes.map(b => b.right)) - l,
              height: Math.max(...boxes.map(b => b.bottom)) - t};
    }""", AREAS)


def test_overview_draws_map_and_scatter(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    errors: list[str] = []
    scripts: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.goto(app_url, wait_until="domcontentloaded")
    # The choropleth is drawn by Vega-Lite as SVG shapes; wait until they exist and have size.
    page.wait_for_selector(AREAS, timeout=60_000)
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] svg.marks').length >= 2",
                           timeout=60_000)
    page.wait_for_timeout(1500)
    box = _areas_box(page)
    assert box["width"] > 300 and box["height"] > 250  # the city, about 1.3 times as wide as it is tall
    # A painted choropleth has many colours; a blank (failed) map is one flat colour.
    assert _distinct_colours(page.screenshot(clip=box)) > 20
    assert page.get_by_text("Simulated demo data").first.is_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]', has_text="Association, not effect").count() == 1
    assert page.locator('[data-testid="stMetric"]').count() == 4
    # No Plotly chart on the first view, so the browser never loads Plotly's 4.6 MB script (issue 16).
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0
    assert not [u for u in scripts if "Plotly" in u], [u for u in scripts if "Plotly" in u]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
    assert not errors, errors
    page.close()


def test_clicking_a_district_on_the_map_opens_its_page(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1900})
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector(AREAS, timeout=60_000)
    page.wait_for_timeout(1500)
    box = _areas_box(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the central district
    page.wait_for_url("**/district?district=*", timeout=30_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]', timeout=60_000)
    heading = page.locator("h1").first.inner_text()
    district_id = page.url.rsplit("=", 1)[1]
    assert heading.startswith(f"District {district_id}")
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SCREENSHOTS / "district.png"), full_page=True)
    page.close()


# The Map page's map: Vega-Lite too, its areas the layer named "areas" (the bivariate key beside it is no map).
MAP_PAGE_AREAS = '[data-testid="stVegaLiteChart"] g.role-mark.areas_marks path[aria-roledescription="geoshape"]'
_MAP_PAGE_CHART = '[data-testid="stVegaLiteChart"]:has(g.areas_marks)'


def _map_page_title(page) -> str:
    """The Map page's map as a screen reader names it (its kind, title and period): changes with the layer."""
    return page.locator(_MAP_PAGE_CHART).first.get_attribute("aria-label") or ""


@pytest.mark.parametrize("layer", ["rate", "change", "engagement", "trust", "bivariate"])
def test_map_page_draws_each_layer(app_url, browser, layer):
    from community_policing.views.map_layers import LAYER_LABELS

    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/map", wait_until="domcontentloaded")
    page.wait_for_selector(MAP_PAGE_AREAS, timeout=60_000)
    page.wait_for_timeout(1000)
    if layer != "rate":
        before = _map_page_title(page)
        page.get_by_text(LAYER_LABELS[layer], exact=True).first.click()
        # The map drawn again with the chosen layer: its title (and so its text alternative) changed.
        page.wait_for_function("([sel, before]) => { const c = document.querySelector(sel);"
                               " return c && c.querySelector('svg.marks') && c.getAttribute('aria-label') !== before; }",
                               arg=[_MAP_PAGE_CHART, before], timeout=60_000)
    page.wait_for_selector(MAP_PAGE_AREAS, timeout=60_000)
    page.wait_for_timeout(1500)
    assert page.locator(MAP_PAGE_AREAS).count() >= 9, f"the {layer} map draws fewer areas than districts"
    page.locator(_MAP_PAGE_CHART).first.scroll_into_view_if_needed()
    box = page.evaluate("""sel => {
      const boxes = [...document.querySelectorAll(sel)].map(p => p.getBoundingClientRect());
      const l = Math.min(...boxes.map(b => b.left)), t = Math.min(...boxes.map(b => b.top));
      return {x: l, y: t, width: Math.max(...boxes.map(b => b.right)) - l,
              height: Math.max(...boxes.map(b => b.bottom)) - t};
    }""", MAP_PAGE_AREAS)
    assert box["width"] > 300 and box["height"] > 200, box
    assert _distinct_colours(page.screenshot(clip=box)) > 20, f"the {layer} map looks blank"
    if layer == "bivariate":  # its key beside it, in words
        assert page.locator('[data-testid="stVegaLiteChart"] svg.marks', has_text="How to read the colours").count() == 1
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0  # the Map page draws no Plotly chart
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"map_{layer}.png"), full_page=True)
    assert not errors, errors
    page.close()


# A point of the page where an area is what a click reaches (not a number drawn on it, not a neighbour).
_POINT_ON = """path => {
  const r = path.getBoundingClientRect();
  for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
    const x = r.left + r.width * i / 12, y = r.top + r.height * j / 12;
    if (document.elementFromPoint(x, y) === path) return {x, y};
  }
  return null;
}"""


def _map_page_in_view(app_url, browser):
    """The Map page in a fresh tab, its map drawn and scrolled into view."""
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.goto(f"{app_url}/map", wait_until="domcontentloaded")
    page.wait_for_selector(MAP_PAGE_AREAS, timeout=60_000)
    page.wait_for_timeout(1500)
    page.locator(_MAP_PAGE_CHART).first.scroll_into_view_if_needed()
    return page


def _lands_on_district(page, district_id: str) -> None:
    """The click opened that district's page (its address, its charts drawn, its heading); closes the tab."""
    page.wait_for_url(f"**/district?district={district_id}*", timeout=30_000)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks', timeout=60_000)
    assert page.locator("h1").first.inner_text().startswith(f"District {district_id}")
    page.close()


def test_clicking_a_district_on_the_map_page_opens_its_page(app_url, browser):
    page = _map_page_in_view(app_url, browser)
    # Each area is named for screen readers "District 3 – Central: 112.5 (…)": pick one not first in line.
    target = page.locator(MAP_PAGE_AREAS).nth(page.locator(MAP_PAGE_AREAS).count() // 2)
    name = target.get_attribute("aria-label") or ""
    assert name.startswith("District "), name
    district_id = name.split()[1]
    point = target.evaluate(_POINT_ON)
    assert point, f"no point of {name!r} can be clicked"
    page.mouse.click(point["x"], point["y"])
    _lands_on_district(page, district_id)


def test_clicking_a_district_number_on_the_map_page_opens_its_page(app_url, browser):
    """The numbers drawn on the districts are what a reader aims at: a click on one opens its district too."""
    page = _map_page_in_view(app_url, browser)
    number = page.locator(f"{_MAP_PAGE_CHART} g.area_numbers_marks text").filter(has_text=re.compile(r"^5$"))
    box = number.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).textContent", [x, y]) == "5"  # the number
    page.mouse.click(x, y)
    _lands_on_district(page, "5")


def test_a_briefing_from_a_district_page_downloads_a_pdf(app_url, browser, tmp_path):
    """District page -> "Printable briefing" -> Briefings -> one click -> progress -> a PDF download."""
    import shutil
    import subprocess

    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.goto(f"{app_url}/district?district=4", wait_until="domcontentloaded")
    page.get_by_role("button", name="Printable briefing for this district").click(timeout=60_000)
    page.wait_for_url("**/briefing?district=4", timeout=30_000)
    assert page.locator("h1").first.inner_text() == "Briefings"
    page.get_by_role("button", name="Make the PDF briefing").click(timeout=60_000)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the briefing (PDF)").click(timeout=120_000)
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name.startswith("briefing_district_4_") and target.name.endswith("_simulated.pdf")
    assert target.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
        assert "District 4" in text and "SIMULATED DEMO DATA" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "briefing.png"), full_page=True)
    page.close()


def test_a_place_clicked_on_the_map_goes_into_the_activity_form(app_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(f"{app_url}/ledger", wait_until="domcontentloaded")
    page.get_by_text("Pick the place on the map").click(timeout=60_000)
    canvas = page.wait_for_selector('[data-testid="stPlotlyChart"] canvas.maplibregl-canvas', timeout=60_000)
    page.wait_for_timeout(2500)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lon = page.get_by_label("Longitude (optional)")
    page.wait_for_function("(el) => el.value !== ''", arg=lon.element_handle(), timeout=30_000)
    assert -180 < float(lon.input_value()) < 180 and float(page.get_by_label("Latitude (optional)").input_value()) > 0
    page.screenshot(path=str(SCREENSHOTS / "engagement_log.png"), full_page=True)
    page.close()


def test_the_staff_pages_render(app_url, browser):
    for path, heading in (("meetings", "Recurring meetings"), ("training", "Training and programs")):
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{app_url}/{path}", wait_until="domcontentloaded")
        page.wait_for_selector("h1", timeout=60_000)
        assert page.locator("h1").first.inner_text() == heading
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SCREENSHOTS / f"{path}.png"), full_page=True)
        assert not errors, errors
        page.close()
