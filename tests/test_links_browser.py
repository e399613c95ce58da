"""Issue 16 in real headless Chromium: filters chosen once follow the reader to other pages and into the
District page's printable briefing, and the address they leave in the browser, opened by someone else (a new
browser context: no shared session), shows the same view."""

from __future__ import annotations

import re

import pytest

from community_policing.views.map_layers import LAYER_LABELS
from tests import servers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(demo_db, tmp_path_factory):
    with servers.serving(demo_db, tmp_path_factory.mktemp("links")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with servers.chromium() as b:
        yield b


def _settle(page) -> None:
    """Wait until the page has drawn its map or charts (Vega-Lite on the Map and District pages) and stopped
    running."""
    page.wait_for_selector('[data-testid="stVegaLiteChart"] svg.marks', timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(800)


def _pick(page, label: str, option: str) -> None:
    """Choose ``option`` (a regular expression) in the sidebar select box labelled ``label``."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text=label).click()
    page.get_by_role("option", name=re.compile(option)).first.click()
    _settle(page)


def _view(page) -> dict:
    """What a reader sees of the view: the heading, the chosen filters and the sentences naming them."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    return {
        "heading": page.locator("h1").first.inner_text(),
        "filters": sidebar.locator('[data-testid="stSelectbox"]').all_inner_texts(),
        "showing": [t for t in sidebar.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
                    if t.startswith("Showing")],
        "captions": page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text(),
        "layer": page.locator('[data-testid="stMain"] [role="radiogroup"] input:checked').evaluate_all(
            "els => els.map(e => e.closest('label').innerText)"),
    }


def test_a_copied_address_opens_the_same_view_for_another_reader(app_url, browser):
    reader = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = reader.new_page()
    page.goto(f"{app_url}/map", wait_until="domcontentloaded")
    _settle(page)
    _pick(page, "Offenses", r"Robbery")
    _pick(page, "Period", r"^Last 28 days \(")
    page.get_by_text(LAYER_LABELS["change"], exact=True).first.click()  # the "change" map layer
    page.wait_for_url(re.compile(r"layer=change"), timeout=30_000)
    _settle(page)
    link = page.url
    assert "offense=robbery" in link and "period=28d" in link and "layer=change" in link
    seen = _view(page)
    assert "Robbery" in seen["captions"] and any("(28 days)" in s for s in seen["showing"])

    other = browser.new_context(viewport={"width": 1400, "height": 1100})  # nothing shared with the first reader
    shared = other.new_page()
    shared.goto(link, wait_until="domcontentloaded")
    _settle(shared)
    assert _view(shared) == seen
    other.close()

    # The same reader moves on: the filters hold on the District page and reach its printable briefing.
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="District").first.click()
    _settle(page)
    assert "Robbery" in page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first.inner_text()
    assert "offense=robbery" in page.url and "period=28d" in page.url
    page.get_by_role("button", name="Printable briefing for this district").click(timeout=60_000)
    page.wait_for_url(re.compile(r"/briefing\?"), timeout=30_000)
    page.get_by_text("Make the PDF briefing").wait_for(timeout=60_000)
    chosen = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="compared with").first.inner_text()
    assert "robbery" in chosen and seen["showing"][0].split("Showing ")[1].split(" (")[0] in chosen
    reader.close()
