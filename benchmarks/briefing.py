"""How long does a district briefing take? (goal: under 10 s on this machine)

Builds the demo city, then times a whole district briefing (content, three charts through
kaleido and the system Chromium, PDF layout) and each step, against a baseline in the same run:
kaleido rendering one trivial chart (the browser start that every briefing pays). Reports
medians and the ratio to the baseline; exits 1 when the median briefing is over the goal.

    .venv/bin/python benchmarks/briefing.py [--repeats 3] [--district 3] [--incidents 10000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import plotly.graph_objects as go  # noqa: E402

from area_comparison import build  # noqa: E402  (the same replicated demo city)

from community_policing.briefing import content as briefing  # noqa: E402
from community_policing.data import store

GOAL_SECONDS = 10.0


def baseline() -> float:
    import kaleido

    began = time.perf_counter()
    kaleido.start_sync_server(silence_warnings=True)
    try:
        kaleido.calc_fig_sync(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])), opts=dict(format="png"))
    finally:
        kaleido.stop_sync_server(silence_warnings=True)
    return time.perf_counter() - began


def one_briefing(warehouse: store.Store, request: briefing.BriefingRequest) -> dict[str, float]:
    steps: dict[str, float] = {}
    began = time.perf_counter()
    content = briefing.build_briefing(warehouse, request)
    steps["content"] = time.perf_counter() - began
    mark = time.perf_counter()
    pngs = briefing.render_figures(content)
    steps["charts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    pdf = briefing.briefing_pdf(content, pngs)
    steps["pdf"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - began
    assert pdf[:5] == b"%PDF-"
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--district", default="3")
    parser.add_argument("--incidents", type=int, default=0, help="replicate the demo to about this many incidents")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        _, incidents, _ = build(path, args.incidents)
        with store.Store(path, ledger=Path(folder) / "none.sqlite") as warehouse:
            last = warehouse.query("data_coverage").iloc[0]["last_reported"]
            end = last.date() if hasattr(last, "date") else last
            request = briefing.BriefingRequest(end - dt.timedelta(days=364), end, args.district)
            base = [baseline() for _ in range(args.repeats)]
            runs = [one_briefing(warehouse, request) for _ in range(args.repeats)]
    median = {step: statistics.median(r[step] for r in runs) for step in runs[0]}
    base_median = statistics.median(base)
    print(f"district {args.district} briefing, {incidents:,} incidents in the warehouse, {args.repeats} runs (median):")
    for step, seconds in median.items():
        print(f"  {step:8s} {seconds:6.2f} s   ({seconds / base_median:4.1f} x baseline)")
    print(f"  baseline {base_median:6.2f} s   (kaleido: one trivial chart, browser start included)")
    verdict = "holds" if median["total"] <= GOAL_SECONDS else "MISSED"
    print(f"goal: a district briefing under {GOAL_SECONDS:.0f} s -> {verdict} ({median['total']:.2f} s)")
    return 0 if median["total"] <= GOAL_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
