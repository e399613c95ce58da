"""Take the README's screenshots: Overview, Map, District, briefing PDF page 1, and the Overview on a phone.

    .venv/bin/python docs/screenshots.py --db data/warehouse.duckdb --name demo
    .venv/bin/python docs/screenshots.py --db /path/to/st_louis.duckdb --name st_louis

Starts the app on the warehouse the way the browser tests do (tests/servers.py: its own port, HOME and ledger,
offline), opens each page in headless Chromium in a fresh browser context, waits until the page has settled
(benchmarks/page_speed.py's rule: the script has finished, no new run for 0.8 s, every chart drawn), and saves
docs/screenshots/<name>-<page>.png. The briefing is made by the CLI for the first district over the last 12
months of the data and its first page rendered with pdftoppm (poppler-utils). Look at every picture before
committing it: the README describes what each one shows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import page_speed  # noqa: E402  (its settle rule and script-state watcher)
from tests import servers  # noqa: E402

from community_policing.views import district, metrics  # noqa: E402
from community_policing.data.store import Store  # noqa: E402

DESKTOP = {"width": 1400, "height": 1800}  # tall enough for the headline, the KPIs and the first chart or map
PHONE = {"width": 390, "height": 3200}  # a phone's width; tall, to show the scroll down to the map



def _shown(path: Path) -> str:
    """A saved file's path, from the repository when it is inside it (``--out`` may be anywhere)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

def _shot(browser, url: str, out: Path, viewport: dict, scale: float = 1.0) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=scale,
                                  is_mobile=viewport["width"] < 600, has_touch=viewport["width"] < 600)
    context.add_init_script(page_speed.WATCH)
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page_speed.settle(page, 0.0)
    page.wait_for_timeout(500)  # map tiles of the outline layer and fonts finish painting
    page.screenshot(path=str(out))
    context.close()
    print(f"  {_shown(out)}")


def _briefing_page_one(db: Path, district_id: str, out: Path, tmp: Path) -> None:
    with Store(db) as store:
        end = metrics.dataset_info(store).last_day
    year, month = (end.year, end.month + 1) if end.month < 12 else (end.year + 1, 1)
    start = dt.date(year - 1, month, 1)  # the 12 calendar months that end with the data's last month
    pdf = tmp / "briefing.pdf"
    subprocess.run([sys.executable, "-m", "community_policing", "briefing", "--db", str(db), "--district", district_id,
                    "--start", start.isoformat(), "--end", end.isoformat(), "--out", str(pdf)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    stem = tmp / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
                   check=True)
    out.write_bytes(stem.with_suffix(".png").read_bytes())
    print(f"  {_shown(out)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="warehouse file")
    parser.add_argument("--name", required=True, help="file name prefix: demo, st_louis, …")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with Store(args.db) as store:
        first = str(district.districts(store)["district_id"].iloc[0])
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        server, url = servers.start(args.db, tmp)
        try:
            with servers.chromium() as browser:
                _shot(browser, f"{url}/", args.out / f"{args.name}-overview.png", DESKTOP)
                _shot(browser, f"{url}/map", args.out / f"{args.name}-map.png", DESKTOP)
                _shot(browser, f"{url}/district?district={first}", args.out / f"{args.name}-district.png", DESKTOP)
                _shot(browser, f"{url}/", args.out / f"{args.name}-overview-phone.png", PHONE)
        finally:
            server.terminate()
            server.wait(timeout=30)
        _briefing_page_one(args.db, first, args.out / f"{args.name}-briefing-page1.png", tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
