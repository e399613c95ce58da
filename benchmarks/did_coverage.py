"""Do the program evaluations' 95 % intervals cover the truth the demo generator injected?

For every seed, builds the simulated demo city twice: with the programs' effects
(effect_scale=1) and without them (effect_scale=0), and runs ``analysis.evaluate_programs`` on
both. Reports, per program and outcome:

* coverage   share of seeds whose 95 % interval contains ``demo_truth`` (effect_scale=1);
               target 90-98 %;
* false pos  share of seeds with p < 0.05 when there is no effect (effect_scale=0); target <= 8 %;
* bias, RMSE and median interval width of the relative effect, the share of pre-trend tests
  that fail (p < 0.05) and of regression-to-the-mean flags (both at effect_scale=0), and the
  mean time per estimate.

Exits 1 when a coverage or false-positive rate of the primary inference method is outside its
target. ``--compare-cr1`` also runs cluster-robust CR1 errors with t(G-1) on the same cities,
for comparison only. ``--trend-sd`` overrides the demo's per-district trend SD
(``demo.DISTRICT_TREND_SD``, clip at twice the SD) in this process only, to see how sensitive
the results are to departures from parallel trends; demo.py itself is untouched.

    .venv/bin/python benchmarks/did_coverage.py --seeds 100 [--compare-cr1] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One BLAS thread per process: the fits are tiny, and threaded BLAS in several worker processes
# on a small machine spends its time spinning (30x slower).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from community_policing import analysis, demo  # noqa: E402

COVERAGE_TARGET = (0.90, 0.98)
FALSE_POSITIVE_MAX = 0.08
# The programs start 2022-07-01 .. 2024-01-01; 24 months either side fit in this range.
WINDOW_RANGE = (dt.date(2020, 7, 1), dt.date(2025, 12, 31))
FULL_RANGE = (dt.date(2020, 1, 1), dt.date(2026, 10, 31))


def _run_seed(args: tuple[int, list[str], int | None, int, float | None]) -> list[dict]:
    seed, methods, window, bin_months, trend_sd = args
    if trend_sd is not None:
        demo.DISTRICT_TREND_SD = trend_sd
        demo.DISTRICT_TREND_MAX = 2 * trend_sd
    start, end = WINDOW_RANGE if window is not None and window <= 24 else FULL_RANGE
    rows = []
    for scale in (1.0, 0.0):
        tables = demo.generate_demo_city(seed, effect_scale=scale, start=start, end=end)
        for method in methods:
            began = time.perf_counter()
            out = analysis.evaluate_programs(tables, window_months=window, bin_months=bin_months,
                                             inference=method)
            per_estimate = (time.perf_counter() - began) / max(len(out), 1)
            for r in out.itertuples(index=False):
                rows.append({
                    "seed": seed, "scale": scale, "method": method, "program": r.program,
                    "outcome": r.outcome, "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                    "p_value": r.p_value, "truth": r.true_effect, "pretrend_ok": bool(r.pretrend_ok),
                    "rtm_flag": bool(r.rtm_flag), "seconds": per_estimate,
                })
    return rows


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    results = results.assign(
        covered=(results["ci_low"] <= results["truth"]) & (results["truth"] <= results["ci_high"]),
        significant=results["p_value"] < 0.05,
        error=results["estimate"] - results["truth"],
        width=results["ci_high"] - results["ci_low"],
    )
    rows = []
    for (method, program, outcome), grp in results.groupby(["method", "program", "outcome"], sort=False):
        eff, null = grp[grp["scale"] == 1.0], grp[grp["scale"] == 0.0]
        rows.append({
            "method": method, "program": program, "outcome": outcome, "seeds": len(eff),
            "truth": eff["truth"].iloc[0],
            "coverage": eff["covered"].mean(), "false_pos": null["significant"].mean(),
            "coverage_null": null["covered"].mean(), "power": eff["significant"].mean(),
            "bias": eff["error"].mean(), "rmse": float(np.sqrt((eff["error"] ** 2).mean())),
            "median_width": eff["width"].median(),
            "pretrend_fail": 1 - null["pretrend_ok"].mean(), "rtm_flag": null["rtm_flag"].mean(),
            "ms_per_estimate": 1000 * grp["seconds"].mean(),
        })
    return pd.DataFrame(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--window", default="24", help="months either side of the start, or 'all'")
    parser.add_argument("--bin-months", type=int, default=analysis.DEFAULT_BIN_MONTHS)
    parser.add_argument("--inference", default="district", choices=analysis.INFERENCE_METHODS)
    parser.add_argument("--compare-cr1", action="store_true", help="also run CR1 cluster-robust errors")
    parser.add_argument("--trend-sd", type=float, default=None,
                        help=f"override demo.DISTRICT_TREND_SD (now {demo.DISTRICT_TREND_SD})")
    parser.add_argument("--csv", type=Path, default=None, help="write every estimate to this file")
    args = parser.parse_args()
    window = None if args.window == "all" else int(args.window)
    methods = [args.inference] + (["cr1"] if args.compare_cr1 and args.inference != "cr1" else [])

    began = time.perf_counter()
    jobs = [(s, methods, window, args.bin_months, args.trend_sd)
            for s in range(args.first_seed, args.first_seed + args.seeds)]
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            chunks = list(pool.map(_run_seed, jobs, chunksize=4))
    else:
        chunks = [_run_seed(j) for j in jobs]
    results = pd.DataFrame([r for chunk in chunks for r in chunk])
    elapsed = time.perf_counter() - began
    if args.csv:
        results.to_csv(args.csv, index=False)

    table = summarize(results)
    trend_sd = args.trend_sd if args.trend_sd is not None else demo.DISTRICT_TREND_SD
    print(f"seeds {args.first_seed}..{args.first_seed + args.seeds - 1} ({args.seeds}), "
          f"window {args.window} months, bins of {args.bin_months} months, district trend SD {trend_sd}, "
          f"{len(results)} estimates in {elapsed:.0f} s with {args.workers} worker(s)")
    print(f"targets: coverage {COVERAGE_TARGET[0]:.0%}-{COVERAGE_TARGET[1]:.0%} (effect_scale=1), "
          f"false positives <= {FALSE_POSITIVE_MAX:.0%} (effect_scale=0); Monte Carlo standard error of "
          f"a 95% coverage over {args.seeds} seeds: {np.sqrt(0.95 * 0.05 / args.seeds):.1%}\n")
    show = table.copy()
    for col in ("coverage", "false_pos", "coverage_null", "power", "pretrend_fail", "rtm_flag"):
        show[col] = (100 * show[col]).map("{:.0f}%".format)
    for col in ("truth", "bias", "rmse", "median_width"):
        show[col] = show[col].map("{:+.3f}".format)
    show["ms_per_estimate"] = show["ms_per_estimate"].map("{:.0f}".format)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(show.to_string(index=False))

    primary = table[table["method"] == args.inference]
    bad = primary[(primary["coverage"] < COVERAGE_TARGET[0]) | (primary["coverage"] > COVERAGE_TARGET[1])
                  | (primary["false_pos"] > FALSE_POSITIVE_MAX)]
    if len(bad):
        print("\nOUTSIDE TARGET:")
        for r in bad.itertuples():
            print(f"  {r.program} / {r.outcome}: coverage {r.coverage:.0%}, false positives {r.false_pos:.0%}")
        return 1
    print("\nAll coverage and false-positive rates are within target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
