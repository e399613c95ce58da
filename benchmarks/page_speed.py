"""How long each page takes to settle in a real browser, on the demo city (issue 16, "first use is fast").

Target: every page's first visit settles in <= 3 s in Chromium on this machine, and a filter change in
<= 1.5 s. The machine is small and shared, so each time is also given as a ratio to a baseline measured in
the same run: the Data dictionary page (the lightest page: one table, no statistics) for first visits, and a
plain rerun of that page (Streamlit's "R" shortcut) for filter changes.

How: build the demo city (or take --db), start a real server (tests/servers.py, as the browser tests do),
and for each page open a fresh browser context (a new session) on its URL. "Settled" = Streamlit's script
state (``data-test-script-state`` on ``stApp``) is back to not running, no new run starts for 0.8 s, every
chart on the page (Plotly or Vega-Lite) has drawn and no element is still a loading skeleton; the time is counted from the start
of navigation. Then one filter is changed (the sidebar period on pages that have it; the program on Program evaluation; the outcome on
Engagement vs outcomes; a rerun on pages without filters) and the time from the click to settled again is
recorded. Pages are visited in order on one server, so caches a page shares with an earlier one are warm:
that is how a reader meets them too. A throwaway visit first takes the server's own start (the imports
of the app's modules) out of the first page's time. Each page is measured --repeats times on a fresh server; the median
is reported.

    .venv/bin/python benchmarks/page_speed.py [--db PATH] [--repeats 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # as `make run` does (the server inherits it)

from tests import servers  # noqa: E402

FIRST_TARGET, CHANGE_TARGET = 3.0, 1.5
BASELINE = "data_dictionary"
# (url path, page name, how to change one filter)
PAGES = [
    ("data_dictionary", "Data dictionary", ("rerun",)),
    ("", "Overview", ("period", "Year to date")),
    ("map", "Map", ("period", "Year to date")),
    ("district", "District", ("period", "Year to date")),
    ("compare", "Compare districts", ("period", "Year to date")),
    ("engagement", "Engagement vs outcomes", ("select", "Engagement measure", 1)),
    ("programs", "Program evaluation", ("select", "Program", 1)),
    ("trust", "Resident trust", ("period", "Year to date")),
    ("briefing", "Briefings", ("period", "Year to date")),
    ("methodology", "How to read these numbers", ("rerun",)),
]

# Installed before the page's own scripts: every change of the script state, with its time.
WATCH = """
window.__runs = [];
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return;
  const state = app.getAttribute('data-test-script-state');
  const last = window.__runs[window.__runs.length - 1];
  if (!last || last.state !== state) window.__runs.push({state, t: performance.now()});
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""
STATUS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]')];
  const drawn = charts.every(c => c.querySelector('.main-svg, canvas, svg.marks'));
  // A widget or chart whose code is still loading shows as a skeleton (no chart element yet, so "every chart
  // drawn" alone would pass): settled means none is left.
  const skeletons = document.querySelectorAll('[data-testid="stSkeleton"]').length;
  const runs = window.__runs || [];
  return {state: app ? app.getAttribute('data-test-script-state') : null, drawn, charts: charts.length, skeletons,
          main: !!document.querySelector('[data-testid="stMain"] h1, section.main h1, [data-testid="stMainBlockContainer"] h1'),
          ran: runs.some(r => r.state === 'running'), last: runs.length ? runs[runs.length - 1].t : 0,
          now: performance.now()};
}"""


def settle(page, since: float, quiet: float = 0.8, timeout: float = 120.0) -> float:
    """Seconds from ``since`` (page clock, ms) until the page settled (see the module docstring)."""
    deadline = time.monotonic() + timeout
    drawn_at = None
    while time.monotonic() < deadline:
        s = page.evaluate(STATUS)
        if s["state"] == "notRunning" and s["ran"] and s["main"] and s["drawn"] and not s["skeletons"]:
            drawn_at = drawn_at if drawn_at is not None else s["now"]
            if s["now"] - s["last"] >= quiet * 1000 and s["now"] - drawn_at >= 0:
                return (max(s["last"], drawn_at if s["charts"] else s["last"]) - since) / 1000
        else:
            drawn_at = None
        page.wait_for_timeout(40)
    raise TimeoutError("the page did not settle")


def change_filter(page, how: tuple) -> float | None:
    """Change one filter (or rerun) and return the seconds until the page settled again."""
    page.evaluate("window.__runs = []")
    if how[0] == "period":
        box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Period").first
        box.click()
        option = page.get_by_role("option", name=how[1]).first
        option.wait_for(timeout=10_000)
        start = page.evaluate("performance.now()")
        option.click()
    elif how[0] == "select":
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text=how[1]).first
        box.click()
        options = page.get_by_role("option")
        options.first.wait_for(timeout=10_000)
        target = options.nth(how[2])
        start = page.evaluate("performance.now()")
        target.click()
    elif how[0] == "radio":
        group = page.locator('[data-testid="stRadio"]').filter(has_text=how[1]).first
        label = group.locator('label[data-baseweb="radio"]').nth(how[2])
        start = page.evaluate("performance.now()")
        label.click()
    else:  # a plain rerun: Streamlit's "R" shortcut, with the focus on the page body
        page.locator("h1").first.click()  # the focus inside the app, on no widget
        start = page.evaluate("performance.now()")
        page.keyboard.press("r")
    return settle(page, start)


def measure(db: Path, tmp: Path, returning: bool = False, warm_server: bool = False) -> dict[str, dict]:
    """``returning``: every page in a new tab (a new session) of one browser that has opened the dashboard
    before, so Streamlit's own scripts come from the browser's cache; else a fresh browser (empty cache) per page.
    ``warm_server``: every page is opened once (by another reader) before it is measured, so the server's caches
    hold its default view and only the reader's own session and browser are timed."""
    results = {}
    server, url = servers.start(db, tmp)
    try:
        with servers.chromium() as browser:
            # A throwaway first visit: the server's own start (imports of the app's modules) is not a page's.
            context = browser.new_context()
            context.add_init_script(WATCH)
            warm = context.new_page()
            warm.goto(f"{url}/{BASELINE}", wait_until="commit")
            settle(warm, 0.0)
            if warm_server:
                for path, _name, _how in PAGES:
                    warm.goto(f"{url}/{path}", wait_until="commit")
                    settle(warm, 0.0)
            context.close()
            shared = None
            if returning:  # the reader opened the dashboard once before (its charts' scripts are cached)
                shared = browser.new_context(viewport={"width": 1400, "height": 1000})
                shared.add_init_script(WATCH)
                before = shared.new_page()
                # The Overview for another period: the browser caches the chart and table scripts, while the
                # server's caches for the measured (default) period stay cold.
                before.goto(f"{url}/?period=ytd", wait_until="commit")
                settle(before, 0.0)
                before.close()
            for path, name, how in PAGES:
                context = shared or browser.new_context(viewport={"width": 1400, "height": 1000})
                if shared is None:
                    context.add_init_script(WATCH)
                page = context.new_page()
                page.goto(f"{url}/{path}", wait_until="commit")
                first = settle(page, 0.0)  # page clock 0 = start of navigation
                try:
                    change = change_filter(page, how)
                except Exception as exc:  # noqa: BLE001 - a widget not found is reported, not fatal
                    print(f"  {name}: filter change failed: {exc}", file=sys.stderr)
                    change = None
                results[path] = {"page": name, "first": first, "change": change, "how": " ".join(map(str, how))}
                print(f"  {name:28s} first {first:5.2f} s   change "
                      f"{'—' if change is None else f'{change:5.2f} s'}", file=sys.stderr)
                if shared is None:
                    context.close()
                else:
                    page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="warehouse file (default: build the demo city in a temp folder)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh servers to measure on (median reported)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--returning", action="store_true",
                        help="each page in a new tab of a browser that has opened the dashboard before (its scripts "
                             "cached), instead of a fresh browser per page")
    parser.add_argument("--warm-server", action="store_true",
                        help="open every page once before measuring, so the server's caches are warm (every reader "
                             "but the first after a restart)")
    parser.add_argument("--pages", nargs="+", metavar="PATH",
                        help="only these pages (url paths; the Overview is 'overview'), besides the baseline")
    args = parser.parse_args()
    if args.pages:
        wanted = {"" if page == "overview" else page for page in args.pages} | {BASELINE}
        PAGES[:] = [page for page in PAGES if page[0] in wanted]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        db = args.db
        if db is None:
            db = tmp / "demo.duckdb"
            subprocess.run([sys.executable, "-m", "community_policing", "demo", "--db", str(db)], check=True,
                           cwd=ROOT, stdout=subprocess.DEVNULL)
        runs = []
        for i in range(args.repeats):
            print(f"run {i + 1} of {args.repeats}", file=sys.stderr)
            run_dir = tmp / f"run{i}"
            run_dir.mkdir()
            runs.append(measure(db, run_dir, returning=args.returning, warm_server=args.warm_server))
    summary = []
    for path, name, how in PAGES:
        firsts = [r[path]["first"] for r in runs]
        changes = [r[path]["change"] for r in runs if r[path]["change"] is not None]
        summary.append({"page": name, "first": statistics.median(firsts),
                        "change": statistics.median(changes) if changes else None,
                        "how": runs[0][path]["how"], "first_all": firsts, "change_all": changes})
    base = next(s for s in summary if s["page"] == dict((p, n) for p, n, _h in PAGES)[BASELINE])
    print(f"| Page | First visit (s) | × baseline | Filter change (s) | × baseline | Change made |")
    print("|---|---:|---:|---:|---:|---|")
    for s in summary:
        change = "—" if s["change"] is None else f"{s['change']:.2f}"
        ratio = "—" if s["change"] is None or not base["change"] else f"{s['change'] / base['change']:.1f}"
        flag_first = "" if s["first"] <= FIRST_TARGET else " ✗"
        flag_change = "" if s["change"] is None or s["change"] <= CHANGE_TARGET else " ✗"
        print(f"| {s['page']} | {s['first']:.2f}{flag_first} | {s['first'] / base['first']:.1f} | "
              f"{change}{flag_change} | {ratio} | {s['how']} |")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
