"""Is the Overview still instant at ~10 million incidents?

Builds a warehouse holding the demo city replicated to the requested size, then times the
product path (``metrics.area_comparison``, which reads the daily aggregate) against a baseline
that computes the same counts from raw incidents. Reports medians and their ratio; checks the
two give identical numbers.

    .venv/bin/python benchmarks/area_comparison.py [--incidents 10000000] [--repeats 7]
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

from community_policing.data import schema, store  # noqa: E402
from community_policing.views import metrics
from community_policing.data.demo import generate_demo_city  # noqa: E402


def build(path: Path, target_incidents: int) -> tuple[int, int, float]:
    tables = generate_demo_city(seed=11)
    copies = max(1, round(target_incidents / len(tables["incidents"])))
    began = time.perf_counter()
    with store.building(path) as con:
        for name, frame in tables.items():
            store.insert_frame(con, name, schema.validate(name, frame).valid)
        if copies > 1:
            store.run_named(con, "bench_replicate_incidents", copies=copies)
        store.refresh_aggregates(con)
    return copies, len(tables["incidents"]) * copies, time.perf_counter() - began


def timed(fn, repeats: int) -> tuple[float, object]:
    fn()  # warm
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        copies, rows, build_s = build(path, args.incidents)
        with store.Store(path) as s:
            sizes = s.query("table_sizes").iloc[0]
            period = metrics.Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
            params = dict(level="district", start=period.start, end=period.end, prior_start=period.prior.start,
                          prior_end=period.prior.end, offense_group=None)
            product_s, product = timed(lambda: metrics.area_comparison(s, period.start, period.end), args.repeats)
            baseline_s, baseline = timed(lambda: s.query("bench_area_incident_counts_raw", **params), args.repeats)
            agg_only_s, agg = timed(lambda: s.query("area_incident_counts", date_basis="occurred", **params),
                                    args.repeats)
    same = (baseline.set_index("area_id")["incidents"].sort_index().to_dict()
            == agg.set_index("area_id")["incidents"].sort_index().to_dict())
    print(f"incidents: {int(sizes['incidents']):,} ({copies} copies of the demo city); "
          f"daily aggregate rows: {int(sizes['daily_rows']):,}; build {build_s:.1f} s")
    print(f"raw-incident count query (baseline): median {baseline_s * 1000:.1f} ms")
    print(f"aggregate count query:               median {agg_only_s * 1000:.1f} ms "
          f"(ratio to baseline {agg_only_s / baseline_s:.3f})")
    print(f"full area_comparison (3 queries):    median {product_s * 1000:.1f} ms "
          f"(ratio to baseline {product_s / baseline_s:.3f})")
    print(f"identical counts: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
