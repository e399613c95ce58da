"""The app is fully offline: no request leaves the app's own host.

A city's dashboard often runs where the internet is out of reach (and a request to a font, icon or telemetry
server tells a third party who is reading what). A user saw ``net::ERR_NAME_NOT_RESOLVED`` in the page.

* In real headless Chromium, on the demo city and on a recorded city (``is_simulated = false``, so the pages
  take the real-city paths), every page of dashboard.py's navigation (the staff pages included) is opened,
  charts and maps drawn, a few controls used (Overview map by neighborhood; every layer of the Map page, by
  neighborhood, with engagement points; the Engagement log's place picker), every expander opened, in English
  and in Spanish (``?lang=es``). Every request goes through a route that aborts and records any whose host is
  not the app's (127.0.0.1:PORT); failed requests, ``net::ERR_`` console messages and WebSockets to other
  hosts are recorded too. The test fails listing every foreign URL with the pages that asked for it.
* Outside the page: Streamlit's usage statistics stay off in .streamlit/config.toml (Streamlit's default is on:
  the page then fetches https://data.streamlit.io/metrics.json), and the briefing's kaleido page loads only
  local scripts (kaleido's default page takes MathJax from cdnjs.cloudflare.com).

Found and fixed: the browser tab's icon was ``:material/handshake:``, which Streamlit's page loads from
fonts.gstatic.com on every page (dashboard.py now uses an emoji, drawn as a data: URL). Kept out by
construction: plotly.js's MapLibre styles, even "white-bg", name a glyph server (fonts.openmaptiles.org) that
MapLibre calls as soon as a map shows text; so no Plotly map may draw text (this test would list the glyph URL).
The Overview's and the Map page's maps are Vega-Lite (SVG from the spec: their district numbers are SVG text,
no tiles, no glyphs); the Engagement log's place picker is the one Plotly map left.
"""

from __future__ import annotations

import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests import servers
from tests.conftest import tiny_city_tables

# Every page in the first language; the Overview (a new session from ``?lang=``) in the second.
LANGUAGES = {"demo": ("en", "es"), "city": ("es", "en")}
SCREENSHOTS = servers.ROOT / "artifacts" / "screenshots"  # git-ignored: the page as it was when a step failed
# The Overview's and the Map page's maps: Vega-Lite shapes (SVG paths), drawn from the spec with no tiles.
VEGA_MAP = '[data-testid="stVegaLiteChart"] path[aria-roledescription="geoshape"]'

# A run has finished, every Plotly chart has drawn, and every MapLibre map (the Engagement log's place picker, the one
# Plotly map left) has loaded its style and sources (so it has asked for whatever it needs: glyphs for text, sprites,
# tiles), and every Vega-Lite chart (the Overview's and the Map page's maps among them) has drawn its SVG. As in
# test_accessibility, plus the maps.
_SETTLED = """() => {
  const app = document.querySelector('[data-test-script-state]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart => {
    if (!chart.querySelector('.main-svg')) return false;
    if (!chart.querySelector('.mapboxgl-map, .maplibregl-map')) return true;
    const gd = chart.querySelector('.js-plotly-plot'), layout = gd && gd._fullLayout;
    const maps = !layout ? [] : Object.keys(layout).filter(k => /^map(box)?\\d*$/.test(k) && layout[k]
                                                               && layout[k]._subplot);
    return maps.length > 0 && maps.every(k => layout[k]._subplot.map && layout[k]._subplot.map.loaded());
  }) && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(chart => chart.querySelector('svg.marks'));
}"""

# Counts the changes of the app's script state ("running" / "notRunning"), so that a click is known to have started
# the run it causes before the page is awaited. (Every change counts: a short run can be over before the observer
# reads the attribute.)
_COUNT_RUNS = """() => {
  if (window.__offlineRuns === undefined) {
    window.__offlineRuns = 0;
    new MutationObserver(changes => { window.__offlineRuns += changes.length; })
      .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__offlineRuns;
}"""


def dashboard_pages() -> list[str]:
    """The page files of dashboard.py's navigation, in its order (staff ones included): a page added there is
    visited too."""
    source = (servers.ROOT / "dashboard.py").read_text()
    return [part.split('"', 1)[0] for part in source.split('st.Page("')[1:]]


# -- outside the page ----------------------------------------------------------------------------------------


def test_streamlit_config_sends_no_usage_statistics_and_names_no_remote_resource():
    config = tomllib.loads((servers.ROOT / ".streamlit" / "config.toml").read_text())
    assert config.get("browser", {}).get("gatherUsageStats") is False  # Streamlit's default (True) phones home

    def strings(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)
        elif isinstance(value, str):
            yield value

    remote = [s for s in strings(config) if s.lower().startswith(("http:", "https:", "//"))]
    assert not remote, f"config.toml names remote resources (fonts, logos…): {remote}"


def test_the_briefing_renders_its_charts_with_local_scripts_only(monkeypatch):
    """kaleido draws the briefing's charts in a page of its own: by default that page loads MathJax from a CDN."""
    import kaleido

    from community_policing.briefing import content as briefing

    seen: dict = {}
    monkeypatch.setattr(kaleido, "start_sync_server", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr(kaleido, "stop_sync_server", lambda **kwargs: None)
    briefing.render_figures(SimpleNamespace(figures={}))
    options = {k: v for k, v in seen.items() if k in ("plotlyjs", "mathjax", "page_generator")}
    generator = options.pop("page_generator", None) or kaleido.PageGenerator(
        plotly=options.get("plotlyjs"), mathjax=options.get("mathjax"))
    scripts = [s[0] if isinstance(s, tuple) else s for s in generator._scripts]
    remote = [str(s) for s in scripts if not str(s).startswith("file:")]
    assert not remote, f"the briefing's kaleido page loads {remote}"


# -- in the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_db(tmp_path_factory) -> Path:
    """A recorded city (not the demo): ``is_simulated = false``, so pages take the real-city paths. The tiny
    city, with data from 2022 (a full year before the default period's comparison year) and its engagement
    activities placed on the map (the Map page draws them as points)."""
    import pandas as pd

    from community_policing.data.store import write_database

    tables = tiny_city_tables()
    metadata = tables["metadata"]
    real = {"city_name": "Tiny Real City", "is_simulated": "false", "source": "recorded test fixture"}
    tables["metadata"] = metadata.assign(value=[real.get(k, v) for k, v in zip(metadata["key"], metadata["value"])])
    incidents = tables["incidents"]
    early = incidents.iloc[[0]].assign(id="early-1", occurred_at=pd.Timestamp("2022-01-10 10:00"),
                                       reported_at=pd.Timestamp("2022-01-10 11:00"), count=1)
    tables["incidents"] = pd.concat([incidents, early], ignore_index=True)
    events = tables["engagement_events"]  # inside the tiny city's districts (lon -92 to -91.8, lat 38 to 38.1)
    tables["engagement_events"] = events.assign(lon=[-91.97 + 0.06 * (i % 3) for i in range(len(events))],
                                                lat=[38.05] * len(events))
    path = tmp_path_factory.mktemp("offline_city") / "city.duckdb"
    write_database(tables, path)
    return path


@pytest.fixture(scope="module")
def servers_up(demo_db, city_db, tmp_path_factory):
    """One server per warehouse, both started at once, in staff mode on loopback (every page, no sign-in)."""
    from concurrent.futures import ThreadPoolExecutor

    dbs = {"demo": demo_db, "city": city_db}
    with ThreadPoolExecutor(len(dbs)) as pool:
        futures = {name: pool.submit(servers.start, db, tmp_path_factory.mktemp(f"offline_{name}"),
                                     env={"COMMON_GROUND_MODE": "staff"}) for name, db in dbs.items()}
    running = {name: future.result() for name, future in futures.items() if future.exception() is None}
    try:
        for future in futures.values():
            future.result()  # a server that did not start: its error, after the other is stopped
        yield {name: url for name, (_, url) in running.items()}
    finally:
        for server, _ in running.values():
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(params=["demo", "city"])
def app(request, servers_up):
    return request.param, servers_up[request.param]


@pytest.fixture(scope="module")
def browser():
    with servers.chromium() as b:
        yield b


@dataclass
class Watch:
    """Every attempt to leave the app's own host: foreign URL -> what happened -> the pages it happened on."""
    own: str  # "127.0.0.1:PORT"
    where: str = ""  # the page being visited
    foreign: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    def is_own(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc == self.own

    def note(self, what: str, url: str) -> None:
        pages = self.foreign[url][what]
        if self.where not in pages:
            pages.append(self.where)

    def route(self, route) -> None:
        request = route.request
        if self.is_own(request.url):
            route.continue_()
        else:
            self.note(f"requested ({request.resource_type})", request.url)
            route.abort("blockedbyclient")

    def request_failed(self, request) -> None:
        if not self.is_own(request.url):
            self.note("failed", request.url)

    def console(self, message) -> None:
        if "net::ERR_" in message.text:
            url = (message.location or {}).get("url") or "?"
            if not self.is_own(url) or "ERR_ABORTED" not in message.text:  # own requests cut short by a rerun
                self.note(f"console {message.text!r}", url)

    def websocket(self, socket) -> None:
        if not self.is_own(socket.url):
            self.note("websocket", socket.url)

    def report(self) -> str:
        return "\n".join(f"  {url}\n" + "\n".join(f"      {what} on: {'; '.join(pages)}" for what, pages in how.items())
                         for url, how in self.foreign.items())


_STATE = """() => ({
  script: (document.querySelector('[data-test-script-state]') || {dataset: {}}).dataset.testScriptState,
  stale: document.querySelectorAll('[data-stale="true"], [data-testid="stSkeleton"]').length,
  charts: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
    const gd = chart.querySelector('.js-plotly-plot'), layout = gd && gd._fullLayout;
    const sub = layout && layout.map && layout.map._subplot;
    return !chart.querySelector('.main-svg') ? 'no svg'
      : !sub ? 'drawn' : sub.map.loaded() ? 'map loaded' : 'map loading';
  }),
  vega: [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart =>
    chart.querySelector('svg.marks') ? 'drawn' : 'no svg'),
})"""


def _settle(page, timeout: float = 90_000) -> None:
    """Finished running and drawing, twice in a row (a run that ends can start another)."""
    page.wait_for_selector("h1", timeout=timeout)
    for check in range(2):
        if check:
            page.wait_for_timeout(300)
        try:
            page.wait_for_function(_SETTLED, timeout=timeout, polling=200)
        except Exception as exc:
            raise AssertionError(f"the page did not settle: {page.evaluate(_STATE)}") from exc


def _rerun(page, action, what: str, tries: int = 3) -> None:
    """Do ``action`` (a click), wait for the run it starts, then for the page to settle. A click can be lost
    while the page redraws: it is tried again when no run starts within 20 s."""
    for attempt in range(tries):
        before = page.evaluate(_COUNT_RUNS)
        action()
        try:
            page.wait_for_function(f"() => window.__offlineRuns > {before}", timeout=20_000, polling=100)
            break
        except Exception as exc:
            if attempt == tries - 1:
                raise AssertionError(f"{what} started no run: {page.evaluate(_STATE)}") from exc
    _settle(page)


def _click_radio(page, label: str) -> None:
    _rerun(page, page.locator('[data-testid="stMain"] [data-testid="stRadio"] label', has_text=label).first.click,
           f"clicking {label!r}")


def _open(page, pages: list[str], path: str) -> None:
    """Switch to the page ``path`` with the sidebar's navigation (a flat list in dashboard.py's order)."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    assert links.count() == len(pages), f"the navigation lists {links.all_inner_texts()}, dashboard.py {pages}"
    _rerun(page, links.nth(pages.index(path)).click, f"the link to {path}")
    want = "" if path == pages[0] else Path(path).stem  # the first page is the default one, at "/"
    assert urlsplit(page.url).path.strip("/") == want, page.url


def _interact(page, path: str, lang: str) -> None:
    from community_policing import i18n
    from community_policing.views.map_layers import LAYER_LABELS, LAYERS

    with i18n.speaking(lang):
        t = i18n.gettext
        if path in ("pages/overview.py", "pages/map.py"):
            assert page.locator(VEGA_MAP).count(), f"no map drawn on {path}"
        if path == "pages/overview.py":
            _click_radio(page, t("Neighborhood"))  # the neighborhood map
        elif path == "pages/map.py":
            for layer in LAYERS[1:]:  # every layer (the first is shown on arrival)
                _click_radio(page, t(LAYER_LABELS[layer]))
                assert page.locator(VEGA_MAP).count(), f"no map drawn on {path} ({layer})"
            _click_radio(page, t("Neighborhood"))
            events = page.locator('[data-testid="stMain"] [data-testid="stCheckbox"] input:not([disabled])')
            if events.count():  # "Show engagement activities": points on the map
                _rerun(page, lambda: events.first.check(force=True), "showing the engagement activities")
            assert page.locator(VEGA_MAP).count(), f"no map drawn on {path} (neighborhoods, activities)"
        elif path == "pages/ledger.py":
            page.get_by_text(t("Pick the place on the map (optional)")).first.click()
            _settle(page)
    # Open every expander ("Show the numbers"…): their tables and charts draw too.
    opened = page.evaluate("""() => {
      const closed = [...document.querySelectorAll('[data-testid="stExpander"] > details:not([open]) > summary')];
      closed.forEach(summary => summary.click());
      return closed.length;
    }""")
    if opened:
        page.wait_for_timeout(300)


@pytest.mark.browser
def test_no_page_requests_anything_but_the_app(app, browser):
    which, url = app
    pages = dashboard_pages()
    assert pages and pages[0] == "pages/overview.py", pages
    watch = Watch(own=urlsplit(url).netloc)
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, service_workers="block")
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("requestfailed", watch.request_failed)
    page.on("console", watch.console)
    page.on("websocket", watch.websocket)
    started, visited = time.monotonic(), 0
    try:
        for n, lang in enumerate(LANGUAGES[which]):
            watch.where = f"overview (?lang={lang})"
            page.goto(f"{url}/?lang={lang}", wait_until="domcontentloaded")  # a new session, in ``lang``
            _settle(page)
            assert page.locator(VEGA_MAP).count(), f"no map drawn on the Overview ({lang})"
            if lang == "en":  # the recorded city's pages take no simulated-data path
                assert (page.get_by_text("Simulated demo data").count() > 0) == (which == "demo")
            for path in pages if n == 0 else ():  # in the second language, the Overview as it opens
                watch.where = f"{Path(path).stem} ({lang})"
                try:
                    if path != pages[0]:
                        _open(page, pages, path)
                    _interact(page, path, lang)
                except Exception as exc:
                    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(SCREENSHOTS / f"offline_{which}_failed.png"), full_page=True)
                    raise AssertionError(f"{which} warehouse, {watch.where}: {exc}") from exc
                print(f"{time.monotonic() - started:6.1f} s  {which} {watch.where}")  # with pytest -s
            visited += len(pages) if n == 0 else 1
        page.wait_for_timeout(1000)  # late requests (a font, a glyph range) of the last page
    finally:
        context.close()
    print(f"{which}: {visited} pages in {time.monotonic() - started:.0f} s")
    if watch.foreign:
        pytest.fail(f"{which} warehouse: {len(watch.foreign)} URL(s) outside the app's host {watch.own} were "
                    f"requested:\n{watch.report()}", pytrace=False)
