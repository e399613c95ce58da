"""Accessibility (WCAG 2.1 AA) and embedding, in real headless Chromium.

* axe-core (pinned in tests/a11y/package-lock.json, installed by ``make test-setup``) is injected by
  Playwright into every page of the running app, once the page has finished drawing, with every
  "Show the numbers" expander open: no serious or critical violation of the WCAG 2.0/2.1 A and AA
  rules, in every language. Moderate and minor findings are listed in the failure message and in
  artifacts/accessibility/ (git-ignored) for reference.
* Every chart has a text alternative (an accessible name) and the keyboard reaches the main controls
  with a visible focus indicator.
* Embedding: the app works inside an <iframe> (``?embed=true``) of a page from another site, as a
  city portal would show it, and a deep link to a district works there too.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import re
import threading
import time
from pathlib import Path

import pytest

from tests import servers

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AXE = PROJECT_ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = PROJECT_ROOT / "artifacts" / "accessibility"

# Every language the interface speaks (i18n.LANGUAGES). Pages are asked for with ?lang=<code> (language.LANGUAGE_KEY).
LANGUAGES = ["en", "es"]

# Every st.Page of dashboard.py (checked below), with the address a reader would open.
PAGES = {
    "pages/overview.py": "",
    "pages/map.py": "map",
    "pages/district.py": "district?district=2",
    "pages/compare.py": "compare?districts=2,5",
    "pages/engagement.py": "engagement",
    "pages/programs.py": "programs",
    "pages/trust.py": "trust",
    "pages/briefing.py": "briefing",
    "pages/ledger.py": "ledger",
    "pages/meetings.py": "meetings",
    "pages/training.py": "training",
    "pages/data.py": "data",
    "pages/methodology.py": "methodology",
    "pages/data_dictionary.py": "data_dictionary",
}

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations", "incomplete"],
}
BLOCKING = ("serious", "critical")

# Violations that come from Streamlit's own markup and cannot be fixed from the app: (rule id, a
# substring of the offending element's CSS selector) -> why. Keep it narrow. Empty: with this app's
# fixes (textColor in .streamlit/config.toml, one flat navigation list), Streamlit 1.67's markup passes.
STREAMLIT_OWN: dict[tuple[str, str], str] = {}

pytestmark = pytest.mark.browser


# -- a running app, a browser, and a page that has finished drawing -----------------------------------


def _need_browser() -> None:
    servers.need(AXE, hint="make test-setup installs axe-core with npm")


def _start_app(db: Path, tmp: Path, mode: str, *options: str):
    """`streamlit run dashboard.py` on a free loopback port, in ``mode`` (public or staff)."""
    _need_browser()
    return servers.start(db, tmp, env={"COMMON_GROUND_MODE": mode}, options=options)


@pytest.fixture(scope="module")
def staff_app(demo_db, tmp_path_factory):
    """Staff mode on loopback: every page, the staff pages included, needs no sign-in."""
    server, url = _start_app(demo_db, tmp_path_factory.mktemp("a11y_staff"), "staff")
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def public_app(demo_db, tmp_path_factory):
    """Public mode with the README's settings for a city portal: Streamlit's CORS and XSRF defaults,
    WebSockets only for the app's own host name."""
    server, url = _start_app(demo_db, tmp_path_factory.mktemp("a11y_public"), "public",
                             "--server.allowedHosts", "127.0.0.1")
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    with servers.chromium() as b:
        yield b


def _address(base: str, path: str, lang: str, **extra: str) -> str:
    """The page's address in ``lang``: ?lang=<code> (the language the app speaks; see language.LANGUAGE_KEY)."""
    params = "&".join(f"{k}={v}" for k, v in {"lang": lang, **extra}.items())
    return f"{base}/{path}{'&' if '?' in path else '?'}{params}"


# A run has finished and left nothing stale; every Plotly chart has drawn its SVG (a map also its
# MapLibre canvas), every Vega-Lite chart its SVG.
_SETTLED = """() => {
  const app = document.querySelector('[data-test-script-state]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart =>
    chart.querySelector('.main-svg') && (!chart.querySelector('.mapboxgl-map, .maplibregl-map')
                                         || chart.querySelector('canvas.maplibregl-canvas, canvas.mapboxgl-canvas')))
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(chart => chart.querySelector('svg.marks')
                                                                           || chart.offsetParent === null);  // a tab not shown draws when opened
}"""


def _settle(frame, timeout: float = 90_000) -> None:
    """Wait until the page (or an iframe's document) has finished running and drawing: twice in a row,
    half a second apart, since a run that ends can start another (a URL rewritten, a chart's first
    selection event)."""
    frame.wait_for_selector("h1", timeout=timeout)
    for _ in range(2):
        frame.wait_for_function(_SETTLED, timeout=timeout, polling=250)
        frame.wait_for_timeout(500)


def _open_expanders(page) -> None:
    """Open every expander ("Show the numbers", …) so that its tables and buttons are checked too
    (a closed one is inert). The pages are opened with ?tables=open, so the tables built on request are
    already there; opening one that was not reruns the page, so wait for it to settle again."""
    opened = page.evaluate("""() => {
      const closed = [...document.querySelectorAll('[data-testid="stExpander"] > details:not([open]) > summary')];
      closed.forEach(summary => summary.click());
      return closed.length;
    }""")
    if opened:
        page.wait_for_timeout(1000)  # tables inside draw their canvas
        _settle(page)


def _axe(frame) -> dict:
    frame.add_script_tag(path=str(AXE))
    return frame.evaluate("""async (options) => {
      const result = await axe.run(document, options);
      return {violations: result.violations, incomplete: result.incomplete, version: axe.version};
    }""", AXE_OPTIONS)


def _streamlit_own(rule: str, node: dict) -> str | None:
    target = " ".join(map(str, node["target"]))
    return next((why for (r, part), why in STREAMLIT_OWN.items() if r == rule and part in target), None)


def _report(result: dict, name: str) -> tuple[list[str], list[str]]:
    """(blocking lines, reference lines), and the whole axe result (with what axe could not decide and
    left for a person to review, "incomplete") written to artifacts/accessibility/."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(result, indent=1))
    blocking, reference = [], []
    for v in result["violations"]:
        nodes = [n for n in v["nodes"] if not (v["impact"] in BLOCKING and _streamlit_own(v["id"], n))]
        if not nodes:
            continue
        lines = [f"[{v['impact']}] {v['id']}: {v['help']} ({len(nodes)} element(s)) {v['helpUrl']}"]
        for n in nodes[:5]:
            lines.append(f"    {' '.join(map(str, n['target']))}\n      {n['html'][:160]}\n      "
                         + n["failureSummary"].replace("\n", " ")[:300])
        (blocking if v["impact"] in BLOCKING else reference).append("\n".join(lines))
    return blocking, reference


# Chart text that Plotly draws on the chart's white background: titles, subtitles, axis ticks and titles,
# legends, colour-bar ticks; and every text of a Vega-Lite chart (figures.vega.finish sets their colour).
# axe-core does not look inside a chart's SVG, so its colour is checked here.
_CHART_TEXT = """() => {
  const selectors = ['.gtitle', '.gtitle-subtitle', '.xtick text', '.ytick text', '.xtitle', '.ytitle',
                     '[class*="x2title"]', '[class*="y2title"]', '.legendtext', '.legendtitletext', '.cbaxis text',
                     '[class*="cbcoloraxistitle"]', '.bartext-outside'];
  const seen = {};
  const texts = [...document.querySelectorAll(selectors.map(s => '[data-testid="stPlotlyChart"] ' + s).join(',')),
                 ...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks text')];
  for (const text of texts) {
    if (!text.textContent.trim()) continue;
    const style = getComputedStyle(text);
    seen[style.fill + ' ' + style.fillOpacity + ' ' + style.opacity] = text.textContent.trim().slice(0, 60);
  }
  return seen;
}"""


def _contrast_on_white(css: str) -> float:
    r, g, b, *alpha = (float(v) for v in re.findall(r"[\d.]+", css))
    a = alpha[0] if alpha else 1.0
    channels = [(c * a + 255 * (1 - a)) / 255 for c in (r, g, b)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 1.05 / (0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] + 0.05)


def _check(frame, name: str, lang: str) -> None:
    # WCAG 3.1.1: the document says which language it is in (a screen reader picks its voice by it).
    assert frame.evaluate("document.documentElement.lang").split("-")[0] == lang, (
        f"{name}: <html lang> is {frame.evaluate('document.documentElement.lang')!r}, not {lang!r}")
    # WCAG 1.1.1: every chart has a text alternative (display.plotly_chart names it after its title).
    unnamed = frame.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]')]
        .filter(c => c.offsetParent !== null && !(c.getAttribute('aria-label') || '').trim()).length""")  # shown ones
    assert unnamed == 0, f"{name}: {unnamed} chart(s) without a text alternative (use display.plotly_chart / altair_chart)"
    # WCAG 1.4.3 inside the charts (display.plotly_chart → accessibility.readable_text).
    faint = {}
    for style, text in frame.evaluate(_CHART_TEXT).items():
        fill, fill_opacity, opacity = style.rsplit(" ", 2)
        if not fill.startswith("rgb"):
            continue
        alpha = float(fill_opacity) * float(opacity)
        rgba = re.sub(r"rgba?\(([^)]*)\)", lambda m: f"rgba({m.group(1)})" if m.group(1).count(",") == 3
                      else f"rgba({m.group(1)}, {alpha})", fill)
        if _contrast_on_white(rgba) < 4.5:
            faint[fill] = text
    assert not faint, f"{name}: chart text below 4.5:1 on white: {faint}"
    blocking, reference = _report(_axe(frame), name)
    if reference:
        print(f"\n{name}: moderate or minor axe findings (for reference):\n" + "\n".join(reference))
    assert not blocking, (f"{name}: serious or critical accessibility violations:\n" + "\n".join(blocking)
                          + ("\n\nFor reference, moderate or minor:\n" + "\n".join(reference) if reference else ""))


# -- every page, in every language ---------------------------------------------------------------


def test_the_page_list_covers_every_page_of_the_app():
    listed = set(re.findall(r'st\.Page\(\s*"([^"]+)"', (PROJECT_ROOT / "dashboard.py").read_text()))
    assert listed == set(PAGES), f"add to (or drop from) PAGES: {sorted(listed ^ set(PAGES))}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("script", list(PAGES), ids=lambda s: Path(s).stem)
def test_no_serious_accessibility_violations(staff_app, browser, script, lang):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(_address(staff_app, PAGES[script], lang, tables="open"), wait_until="domcontentloaded")
        _settle(page)
        assert not page.locator('[data-testid="stException"]').count(), (
            page.locator('[data-testid="stException"]').first.inner_text()[:2000])
        _open_expanders(page)
        _check(page, f"{Path(script).stem}_{lang}", lang)
        assert not errors, errors
    finally:
        page.close()


# -- the keyboard ------------------------------------------------------------------------------------


_FOCUSED = r"""() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText)
                || e.innerText || '';
  const keyed = e.closest('[class*="st-key-"]');  // Streamlit marks a widget's container with its key
  const key = keyed ? (keyed.className.match(/st-key-([\w-]+)/) || [])[1] : '';
  return {tag: e.tagName.toLowerCase(), role: e.getAttribute('role') || '', type: e.type || '',
          label: label.trim().slice(0, 80), key: key || '', sidebar: !!e.closest('[data-testid="stSidebar"]')};
}"""


def _region(page) -> dict | None:
    """The focused element's box, with room for a focus ring around it."""
    box = page.evaluate("""() => { const r = document.activeElement.getBoundingClientRect();
                                   return {x: r.x, y: r.y, width: r.width, height: r.height}; }""")
    if not box["width"] or not box["height"]:
        return None
    pad = 6
    return {"x": max(box["x"] - pad, 0), "y": max(box["y"] - pad, 0), "width": box["width"] + 2 * pad,
            "height": box["height"] + 2 * pad}


def _changed_pixels(a: bytes, b: bytes) -> int:
    """How many pixels of two same-size screenshots differ by a contrast of 3:1 or more (the contrast
    WCAG asks of a focus indicator against the unfocused look)."""
    import numpy as np
    from PIL import Image

    def luminance(png: bytes):
        c = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return c @ np.array([0.2126, 0.7152, 0.0722])

    first, second = luminance(a), luminance(b)
    ratio = (np.maximum(first, second) + 0.05) / (np.minimum(first, second) + 0.05)
    return int((ratio >= 3).sum())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_keyboard_reaches_the_main_controls_with_a_visible_focus(staff_app, browser, lang):
    """From the top of the Overview, Tab alone reaches the navigation, the sidebar filters (period,
    offenses, date basis) and a button; each shows a clear focus indicator (pixels around it change by a
    contrast of 3:1 or more when it gets keyboard focus: display.focus_styles)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(_address(staff_app, "", lang), wait_until="domcontentloaded")
        _settle(page)
        wanted = {  # by widget key, whatever the language
            "a navigation link": lambda f: f["tag"] == "a" and f["sidebar"] and not f["key"],
            "the period filter": lambda f: f["key"] == "period_preset" and f["role"] == "combobox",
            "the offenses filter": lambda f: f["key"] == "offense_group" and f["role"] == "combobox",
            "the date-basis choice": lambda f: f["key"] == "date_basis" and f["type"] == "radio",
            "the district table's download button": lambda f: f["key"] == "download_districts" and f["tag"] == "button",
        }
        reached: dict[str, dict] = {}
        seen: list[dict] = []
        for _ in range(150):
            page.keyboard.press("Tab")
            focused = page.evaluate(_FOCUSED)
            if focused is None:
                continue
            seen.append(focused)
            for name, matches in wanted.items():
                if name in reached or not matches(focused):
                    continue
                region = _region(page)
                assert region, f"{name} has keyboard focus but no size: {focused}"
                page.wait_for_timeout(150)  # focus styles that fade in
                with_focus = page.screenshot(clip=region)
                element = page.evaluate_handle("document.activeElement")
                element.evaluate("e => e.blur()")
                page.wait_for_timeout(150)
                without_focus = page.screenshot(clip=region)
                # At least a 2 px line along the element's shorter side changes by 3:1 or more.
                needed = 2 * min(region["width"], region["height"])
                changed = _changed_pixels(with_focus, without_focus)
                assert changed >= needed, f"no clearly visible focus on {name} ({changed} px changed): {focused}"
                element.evaluate("e => e.focus()")  # the Tab order carries on from here
                reached[name] = focused
            if len(reached) == len(wanted):
                break
        missing = [name for name in wanted if name not in reached]
        assert not missing, f"Tab never reached {missing}; it went through: {seen}"
    finally:
        page.close()


# -- embedding in a city portal --------------------------------------------------------------------


PORTAL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>City portal</title></head>
<body><h1>Riverbend open data</h1>
<iframe src="{src}" title="Common Ground: community policing dashboard" width="100%" height="900"
        style="border: 0" loading="lazy"></iframe>
</body></html>
"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A static page server on another port, reached as http://localhost:… while the app is at
    http://127.0.0.1:…: another origin and another site, as a city portal is."""
    folder = tmp_path_factory.mktemp("portal")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def page_for(name: str, src: str) -> str:
        (folder / f"{name}.html").write_text(PORTAL.format(src=src))
        return f"http://localhost:{server.server_address[1]}/{name}.html"

    yield page_for
    server.shutdown()
    server.server_close()


def _app_frame(page, app_url: str):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frame = next((f for f in page.frames if f.url.startswith(app_url)), None)
        if frame is not None:
            return frame
        page.wait_for_timeout(250)
    raise AssertionError(f"no iframe showing {app_url}: {[f.url for f in page.frames]}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_overview_works_inside_a_city_portal_iframe(public_app, browser, portal, lang):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(portal(f"overview_{lang}", _address(public_app, "", lang, embed="true")), wait_until="load")
        frame = _app_frame(page, public_app)
        _settle(frame)
        assert frame.locator("h1").first.inner_text().strip()  # the page's title (in any language)
        assert frame.locator('[data-testid="stVegaLiteChart"] svg.marks').count() >= 2  # the map and charts drew
        # Streamlit's embed mode: no app menu or toolbar inside the portal's frame.
        assert frame.locator('[data-testid="stMainMenu"], [data-testid="stToolbar"]').count() == 0
        SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"embedded_overview_{lang}.png"), full_page=True)
        # The embedded page (public mode) passes the same accessibility check.
        _open_expanders(frame)
        _check(frame, f"embedded_overview_{lang}", lang)
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_district_deep_link_works_inside_a_city_portal_iframe(public_app, browser, portal, lang):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    try:
        page.goto(portal(f"district_{lang}", _address(public_app, "district?district=2", lang, embed="true")),
                  wait_until="load")
        frame = _app_frame(page, public_app)
        _settle(frame)
        assert re.search(r"\b2\b", frame.locator("h1").first.inner_text())  # "District 2 …" in any language
        assert frame.locator('[data-testid="stVegaLiteChart"] svg.marks').count() >= 1  # its charts are Vega-Lite
        assert "embed=true" in frame.url  # Streamlit keeps embed mode as the app rewrites its address
    finally:
        page.close()
