"""Calibration benchmark: are the program evaluations' intervals and the noise labels honest on the demo city?

For every seed, builds the simulated demo city (``--realism hard`` by default: real-world noise,
staggered and ended programs, bad spells before starts; ``clean`` is the original Poisson city)
twice, with the programs' effects (effect_scale=1) and without them (effect_scale=0), and runs
``did.evaluate_programs`` on both. Reports, per program and outcome, each with its Monte Carlo
standard error (MCSE):

* coverage    share of seeds whose 95 % interval contains ``demo_truth`` (effect on); target 90-98 %;
* false pos   share of seeds with p < 0.05 when the programs do nothing (effect off); target <= 6 %;
* power       share with p < 0.05 when the effect is on (no target: it says what the data can detect);
* bias, RMSE and the median width of the 95 % interval of the relative effect (effect on);
* pre-trend   share of pre-trend tests that reject (p < 0.05) with the effect off; every pre-trend
              p-value column the estimator returns (``pretrend_p``, and any ``pretrend_*_p``) gets a column;
* RTM flag    share of regression-to-the-mean flags raised with the effect off.

Then, on the no-change city (effect off), through the real pipeline: the warehouse is built as
``python -m community_policing demo`` builds it (``store.write_database``, into a temporary DuckDB
file), and ``metrics.area_comparison`` labels every district and neighborhood in many periods
(5 calendar years, 22 quarters, 12 months, each against the same period a year earlier; periods end
by 2026-06-30 so that incomplete recent months, a separate problem, do not count). Reports the share
of comparisons that read "significant change" (target <= 1 %) and "possible change" or worse (the
issue's label target <= 6 %; printed, not an exit criterion), and the share of areas outside the
funnel's 99.8 % and 95 % limits (``evaluation.funnel`` on each year's counts; no target: the demo's
areas truly differ in crime level). MCSEs of these shares treat each city as a cluster (the spread
of the per-city shares over the square root of the number of cities). It also measures how
overdispersed the city is (``demo.count_dispersion``: quasi-Poisson phi of district and
neighborhood counts by month and by year).

Exits 1 when a coverage or false-positive rate of the primary inference method, or a "significant"
share, misses its target. ``--compare-cr1`` also runs cluster-robust CR1 errors for comparison;
``--trend-sd`` overrides the city's per-district trend SD in this process only (demo.py is
untouched); the warehouse pass is the slow part, so it runs on the first ``--label-seeds`` cities
(default 100; ``--no-labels`` skips it); ``--markdown FILE`` writes the tables in the form of
``benchmarks/README.md``; progress goes to standard error.

    .venv/bin/python benchmarks/did_coverage.py --seeds 200 --workers 2 [--realism clean] [--markdown out.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One BLAS thread per process: the fits are tiny, and threaded BLAS in several worker processes
# on a small machine spends its time spinning (30x slower).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from community_policing.data import demo  # noqa: E402
from community_policing.stats import did as did_method

COVERAGE_TARGET = (0.90, 0.98)
FALSE_POSITIVE_MAX = 0.06
SIGNIFICANT_MAX = 0.01  # share of no-change comparisons reading "significant change"
POSSIBLE_MAX = 0.06  # ... reading "possible change" or worse (the target; not an exit criterion)
ALPHA = 0.05
FULL_RANGE = (dt.date(2020, 1, 1), dt.date(2026, 10, 31))
LAST_LABEL_DAY = dt.date(2026, 6, 30)
SIGNIFICANT = "significant change"
POSSIBLE = "possible change"
OUTSIDE_998 = re.compile(r"99\.8")
OUTSIDE_ANY = re.compile(r"^(?:above|below)\b")


# --------------------------------------------------------------------------------------------
# One seed
# --------------------------------------------------------------------------------------------


def label_periods(last_day: dt.date = LAST_LABEL_DAY) -> list[tuple[str, dt.date, dt.date]]:
    """(kind, start, end) of the compared periods: calendar years, quarters and months whose year-earlier
    period lies in the data (from 2021) and that end by ``last_day``."""
    out = [("year", dt.date(y, 1, 1), dt.date(y, 12, 31)) for y in range(2021, last_day.year + 1)]
    for q in pd.period_range("2021Q1", pd.Period(last_day, "Q"), freq="Q"):
        out.append(("quarter", q.start_time.date(), q.end_time.date()))
    for m in pd.period_range(pd.Period(last_day, "M") - 11, pd.Period(last_day, "M"), freq="M"):
        out.append(("month", m.start_time.date(), m.end_time.date()))
    return [p for p in out if p[2] <= last_day]


def _did_rows(tables: dict, seed: int, scale: float, methods: list[str], window: int | None,
              bin_months: int) -> list[dict]:
    rows = []
    for method in methods:
        began = time.perf_counter()
        out = did_method.evaluate_programs(tables, window_months=window, bin_months=bin_months, inference=method)
        per_estimate = (time.perf_counter() - began) / max(len(out), 1)
        # The estimator is being extended (staggered adoption, more pre-trend tests): take every pre-trend
        # p-value column it has, and tolerate any other new column.
        pretrend_cols = [c for c in out.columns if c == "pretrend_p" or re.fullmatch(r"pretrend_\w+_p", c)]
        for r in out.to_dict("records"):
            if pd.isna(r.get("estimate")):
                continue  # a row with a note instead of an estimate
            row = {
                "seed": seed, "scale": scale, "method": method, "program": r["program"],
                "outcome": r["outcome"], "estimate": r["estimate"], "ci_low": r["ci_low"],
                "ci_high": r["ci_high"], "p_value": r["p_value"], "truth": r.get("true_effect", np.nan),
                "rtm_flag": r.get("rtm_flag"), "seconds": per_estimate,
            }
            row.update({c: r[c] for c in pretrend_cols})
            rows.append(row)
    return rows


def _noise_text(table: pd.DataFrame) -> pd.Series:
    """The label a reader sees: the ``noise`` column when the table has one, else the label of its z."""
    from community_policing.views import metrics

    if "noise" in table.columns:
        return table["noise"].astype(str)
    z = table["noise_z"] if "noise_z" in table.columns else table["poisson_z"]
    return pd.Series([metrics.noise_label(v) for v in z], index=table.index)


def _label_rows(tables: dict, seed: int) -> tuple[list[dict], list[dict]]:
    """Noise labels and funnel positions of every area in every period, through a real warehouse."""
    from community_policing.views import evaluation, metrics
    from community_policing.data.store import Store, write_database

    labels, funnel = [], []
    with tempfile.TemporaryDirectory(prefix="did_coverage_") as folder:
        path = write_database(tables, Path(folder) / "warehouse.duckdb")
        # A ledger path that does not exist: a staff ledger on this machine must not count here.
        with Store(path, ledger=Path(folder) / "no-ledger.sqlite") as store:
            for kind, start, end in label_periods():
                for level in ("district", "neighborhood"):
                    table = metrics.area_comparison(store, start, end, level)
                    areas = table[table["area_id"] != metrics.UNASSIGNED_ID]
                    compared = areas[areas["comparison"].fillna("").astype(str) == ""]
                    text = _noise_text(compared)
                    labels.append({
                        "seed": seed, "level": level, "kind": kind, "comparisons": len(compared),
                        "significant": int((text == SIGNIFICANT).sum()),
                        "possible_or_worse": int(text.isin([SIGNIFICANT, POSSIBLE]).sum()),
                    })
                    if kind == "year":
                        placed, _limits = evaluation.funnel(table)
                        position = placed["position"].astype(str)
                        rated = placed["rate_per_1000"].notna()
                        funnel.append({
                            "seed": seed, "level": level, "areas": int(rated.sum()),
                            "outside_998": int(position[rated].str.contains(OUTSIDE_998).sum()),
                            "outside_95": int(position[rated].str.contains(OUTSIDE_ANY).sum()),
                        })
    return labels, funnel


def _dispersion(tables: dict, seed: int) -> dict:
    """Quasi-Poisson phi of district and neighborhood counts by month and year (2020-2025, full years)."""
    inc = tables["incidents"].dropna(subset=["district_id"])
    inc = inc[inc["occurred_at"] < pd.Timestamp("2026-01-01")]
    row = {"seed": seed}
    for level, column in (("district", "district_id"), ("neighborhood", "neighborhood_id")):
        for scale, freq in (("month", "M"), ("year", "Y")):
            cells = pd.DataFrame({"area": inc[column], "period": inc["occurred_at"].dt.to_period(freq),
                                  "count": inc["count"]})
            row[f"{level}_{scale}"] = demo.count_dispersion(cells)
    return row


def _run_seed(job: dict) -> dict:
    seed = job["seed"]
    if job["trend_sd"] is not None:
        if job["realism"] == "hard":
            demo.HARD_DISTRICT_TREND_SD, demo.HARD_DISTRICT_TREND_MAX = job["trend_sd"], 2.5 * job["trend_sd"]
        else:
            demo.DISTRICT_TREND_SD, demo.DISTRICT_TREND_MAX = job["trend_sd"], 2 * job["trend_sd"]
    began, cpu = time.perf_counter(), time.process_time()
    out = {"seed": seed, "did": [], "labels": [], "funnel": [], "dispersion": None}
    null_city = None
    for scale in (1.0, 0.0):
        tables = demo.generate_demo_city(seed, effect_scale=scale, start=FULL_RANGE[0], end=FULL_RANGE[1],
                                         realism=job["realism"])
        out["did"] += _did_rows(tables, seed, scale, job["methods"], job["window"], job["bin_months"])
        if scale == 0.0:
            null_city = tables
    out["did_seconds"], out["did_cpu"] = time.perf_counter() - began, time.process_time() - cpu
    began, cpu = time.perf_counter(), time.process_time()
    if job["labels"]:
        out["labels"], out["funnel"] = _label_rows(null_city, seed)
        out["dispersion"] = _dispersion(null_city, seed)
    # CPU time says what a seed costs on an idle machine; wall time on a busy one says little.
    out["label_seconds"], out["label_cpu"] = time.perf_counter() - began, time.process_time() - cpu
    return out


# --------------------------------------------------------------------------------------------
# Summaries (with Monte Carlo standard errors)
# --------------------------------------------------------------------------------------------


def _share(flags: pd.Series) -> tuple[float, float, int]:
    """Share of True among the assessed (non-missing) values, its binomial MCSE, and how many were assessed."""
    values = flags.dropna().astype(bool)
    n = len(values)
    if n == 0:
        return np.nan, np.nan, 0
    p = float(values.mean())
    return p, float(np.sqrt(p * (1 - p) / n)), n


def _median_se(values: pd.Series, rng: np.random.Generator, draws: int = 400) -> tuple[float, float]:
    values = values.dropna().to_numpy(float)
    if len(values) == 0:
        return np.nan, np.nan
    boot = np.median(rng.choice(values, size=(draws, len(values)), replace=True), axis=1)
    return float(np.median(values)), float(boot.std(ddof=1))


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """One row per method, program and outcome: every rate with its MCSE (``<rate>_se``)."""
    rng = np.random.default_rng(0)
    results = results.assign(
        covered=(results["ci_low"] <= results["truth"]) & (results["truth"] <= results["ci_high"]),
        significant=results["p_value"] < ALPHA,
        error=results["estimate"] - results["truth"],
        width=results["ci_high"] - results["ci_low"],
    )
    pretrend_cols = [c for c in results.columns if c == "pretrend_p" or re.fullmatch(r"pretrend_\w+_p", c)]
    rows = []
    for (method, program, outcome), grp in results.groupby(["method", "program", "outcome"], sort=False):
        eff, null = grp[grp["scale"] == 1.0], grp[grp["scale"] == 0.0]
        row = {"method": method, "program": program, "outcome": outcome, "seeds": len(eff),
               "truth": eff["truth"].iloc[0] if len(eff) else np.nan}
        row["coverage"], row["coverage_se"], _ = _share(eff["covered"])
        row["false_pos"], row["false_pos_se"], _ = _share(null["significant"])
        row["power"], row["power_se"], _ = _share(eff["significant"])
        err = eff["error"].dropna()
        row["bias"], row["bias_se"] = float(err.mean()), float(err.std(ddof=1) / np.sqrt(len(err)))
        mse = float((err**2).mean())
        row["rmse"] = float(np.sqrt(mse))
        row["rmse_se"] = float((err**2).std(ddof=1) / np.sqrt(len(err)) / (2 * row["rmse"])) if mse > 0 else np.nan
        row["width"], row["width_se"] = _median_se(eff["width"], rng)
        for col in pretrend_cols:  # rejections with the effect off; missing p = not assessed
            name = "pretrend_reject" if col == "pretrend_p" else f"{col[:-2]}_reject"
            p_values = pd.to_numeric(null[col], errors="coerce")
            rejects = (p_values < ALPHA).astype("boolean").mask(p_values.isna())
            row[name], row[f"{name}_se"], row[f"{name}_n"] = _share(rejects)
        flags = null["rtm_flag"].astype("boolean")
        row["rtm_flag"], row["rtm_flag_se"], _ = _share(flags)
        row["ms_per_estimate"] = 1000 * grp["seconds"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _cluster_share(frame: pd.DataFrame, hits: str, total: str) -> tuple[float, float, int]:
    """Pooled share over cities, with an MCSE that treats each city (seed) as one cluster."""
    per_seed = frame.groupby("seed")[[hits, total]].sum()
    n_total = int(per_seed[total].sum())
    if n_total == 0:
        return np.nan, np.nan, 0
    p = per_seed[hits].sum() / n_total
    g = len(per_seed)
    # Ratio estimator's variance: residuals hits - p * total per cluster.
    resid = per_seed[hits] - p * per_seed[total]
    se = float(np.sqrt(g / max(g - 1, 1) * (resid**2).sum()) / n_total) if g > 1 else np.nan
    return float(p), se, n_total


def summarize_labels(labels: pd.DataFrame) -> pd.DataFrame:
    rows = []
    groups = [(lvl, kind, labels[(labels["level"] == lvl) & (labels["kind"] == kind)])
              for lvl in ("district", "neighborhood") for kind in ("year", "quarter", "month")]
    groups.append(("all", "all", labels))
    for level, kind, grp in groups:
        row = {"level": level, "period": kind}
        row["significant"], row["significant_se"], row["comparisons"] = _cluster_share(grp, "significant",
                                                                                       "comparisons")
        row["possible_or_worse"], row["possible_or_worse_se"], _ = _cluster_share(grp, "possible_or_worse",
                                                                                  "comparisons")
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_funnel(funnel: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for level, grp in funnel.groupby("level", sort=False):
        row = {"level": level}
        row["outside_998"], row["outside_998_se"], row["area_years"] = _cluster_share(grp, "outside_998", "areas")
        row["outside_95"], row["outside_95_se"], _ = _cluster_share(grp, "outside_95", "areas")
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_dispersion(disp: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in disp.columns if c != "seed"]
    return pd.DataFrame({"phi": cols, "mean": [disp[c].mean() for c in cols],
                         "se": [disp[c].std(ddof=1) / np.sqrt(len(disp)) for c in cols],
                         "p10": [disp[c].quantile(0.1) for c in cols], "p90": [disp[c].quantile(0.9) for c in cols]})


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------


def _pct(p: float, se: float | None = None) -> str:
    if p is None or pd.isna(p):
        return "n/a"
    return f"{100 * p:.1f}%" if se is None or pd.isna(se) else f"{100 * p:.1f} ± {100 * se:.1f}%"


def _num(x: float, se: float | None = None) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{x:+.3f}" if se is None or pd.isna(se) else f"{x:+.3f} ± {se:.3f}"


def did_display(table: pd.DataFrame) -> pd.DataFrame:
    show = pd.DataFrame({"method": table["method"], "program": table["program"], "outcome": table["outcome"],
                         "seeds": table["seeds"], "truth": table["truth"].map("{:+.2f}".format)})
    for col in ("coverage", "false_pos", "power"):
        show[col] = [_pct(p, s) for p, s in zip(table[col], table[f"{col}_se"])]
    for col in ("bias", "rmse", "width"):
        show[col] = [_num(p, s) for p, s in zip(table[col], table[f"{col}_se"])]
    for col in [c for c in table.columns if c.endswith("_reject")]:
        show[col] = [_pct(p, s) for p, s in zip(table[col], table[f"{col}_se"])]
    show["rtm_flag"] = [_pct(p, s) for p, s in zip(table["rtm_flag"], table["rtm_flag_se"])]
    show["ms/est"] = table["ms_per_estimate"].map("{:.0f}".format)
    return show


def labels_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "level": table["level"], "period": table["period"], "comparisons": table["comparisons"],
        "significant": [_pct(p, s) for p, s in zip(table["significant"], table["significant_se"])],
        "possible or worse": [_pct(p, s) for p, s in zip(table["possible_or_worse"], table["possible_or_worse_se"])],
    })


def funnel_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "level": table["level"], "area-years": table["area_years"],
        "outside 99.8%": [_pct(p, s) for p, s in zip(table["outside_998"], table["outside_998_se"])],
        "outside 95%": [_pct(p, s) for p, s in zip(table["outside_95"], table["outside_95_se"])],
    })


def dispersion_display(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"counts": table["phi"].str.replace("_", " by "),
                         "phi": [f"{m:.2f}" if pd.isna(s) else f"{m:.2f} ± {s:.2f}"
                                 for m, s in zip(table["mean"], table["se"])],
                         "10-90 % of cities": [f"{a:.1f}-{b:.1f}" for a, b in zip(table["p10"], table["p90"])]})


def _markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def misses(did: pd.DataFrame, labels: pd.DataFrame | None, primary: str) -> list[str]:
    """Every measured cell outside its target, in words."""
    out = []
    for r in did[did["method"] == primary].itertuples():
        if not COVERAGE_TARGET[0] <= r.coverage <= COVERAGE_TARGET[1]:
            out.append(f"{r.program} / {r.outcome}: coverage {_pct(r.coverage, r.coverage_se)} "
                       f"(target {COVERAGE_TARGET[0]:.0%}-{COVERAGE_TARGET[1]:.0%})")
        if r.false_pos > FALSE_POSITIVE_MAX:
            out.append(f"{r.program} / {r.outcome}: false positives {_pct(r.false_pos, r.false_pos_se)} "
                       f"(target <= {FALSE_POSITIVE_MAX:.0%})")
    if labels is not None:
        for r in labels.itertuples():
            if r.significant > SIGNIFICANT_MAX:
                out.append(f"noise labels, {r.level} {r.period}: 'significant' at no change "
                           f"{_pct(r.significant, r.significant_se)} (target <= {SIGNIFICANT_MAX:.0%})")
    return out


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--realism", default="hard", choices=demo.REALISM_LEVELS,
                        help="the demo city: hard (real-world noise, the default) or clean (the original)")
    parser.add_argument("--window", default="24", help="months either side of the start, or 'all'")
    parser.add_argument("--bin-months", type=int, default=did_method.DEFAULT_BIN_MONTHS)
    parser.add_argument("--inference", default="district", choices=did_method.INFERENCE_METHODS)
    parser.add_argument("--compare-cr1", action="store_true", help="also run CR1 cluster-robust errors")
    parser.add_argument("--trend-sd", type=float, default=None,
                        help="override the city's per-district trend SD (clean "
                        f"{demo.DISTRICT_TREND_SD}, hard {demo.HARD_DISTRICT_TREND_SD})")
    parser.add_argument("--label-seeds", type=int, default=100,
                        help="run the noise-label and funnel pass (a warehouse per city, the slow part) on the "
                        "first this many seeds (default 100; 0 skips it)")
    parser.add_argument("--no-labels", action="store_true", help="the same as --label-seeds 0")
    parser.add_argument("--csv", type=Path, default=None, help="write every program estimate to this file")
    parser.add_argument("--markdown", type=Path, default=None, help="write the result tables as Markdown")
    args = parser.parse_args(argv)
    window = None if args.window == "all" else int(args.window)
    methods = [args.inference] + (["cr1"] if args.compare_cr1 and args.inference != "cr1" else [])

    began = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    jobs = [{"seed": s, "methods": methods, "window": window, "bin_months": args.bin_months,
             "trend_sd": args.trend_sd, "realism": args.realism,
             "labels": not args.no_labels and i < args.label_seeds} for i, s in enumerate(seeds)]
    outputs: list[dict] = []

    def progress(out: dict) -> None:
        outputs.append(out)
        done, elapsed = len(outputs), time.perf_counter() - began
        eta = elapsed / done * (len(jobs) - done)
        print(f"[{done}/{len(jobs)}] seed {out['seed']}: evaluation {out['did_seconds']:.1f} s "
              f"({out['did_cpu']:.1f} s CPU), labels {out['label_seconds']:.1f} s ({out['label_cpu']:.1f} s CPU); "
              f"{elapsed:.0f} s so far, about {eta:.0f} s to go", file=sys.stderr, flush=True)

    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            for fut in as_completed([pool.submit(_run_seed, j) for j in jobs]):
                progress(fut.result())
    else:
        for j in jobs:
            progress(_run_seed(j))
    elapsed = time.perf_counter() - began
    outputs.sort(key=lambda o: o["seed"])

    results = pd.DataFrame([r for o in outputs for r in o["did"]])
    if args.csv:
        results.to_csv(args.csv, index=False)
    did = summarize(results)
    labels = funnel = dispersion = None
    labelled = [o for o in outputs if o["dispersion"] is not None]
    if labelled:
        labels = summarize_labels(pd.DataFrame([r for o in labelled for r in o["labels"]]))
        funnel = summarize_funnel(pd.DataFrame([r for o in labelled for r in o["funnel"]]))
        dispersion = summarize_dispersion(pd.DataFrame([o["dispersion"] for o in labelled]))
    per_part = (np.mean([o["did_cpu"] for o in outputs]),
                np.mean([o["label_cpu"] for o in labelled]) if labelled else 0.0)

    trend_sd = args.trend_sd if args.trend_sd is not None else (
        demo.HARD_DISTRICT_TREND_SD if args.realism == "hard" else demo.DISTRICT_TREND_SD)
    header = (f"realism {args.realism}; seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}); window {args.window} months, "
              f"bins of {args.bin_months} months, district trend SD {trend_sd}; {len(results)} estimates in "
              f"{elapsed:.0f} s with {args.workers} worker(s); CPU per seed: evaluation {per_part[0]:.1f} s, "
              f"labels and funnel {per_part[1]:.1f} s (on {len(labelled)} of the cities)")
    targets = (f"targets: coverage {COVERAGE_TARGET[0]:.0%}-{COVERAGE_TARGET[1]:.0%} (effect on), false positives "
               f"<= {FALSE_POSITIVE_MAX:.0%} (effect off), 'significant' <= {SIGNIFICANT_MAX:.0%} of no-change "
               f"comparisons ('possible or worse' <= {POSSIBLE_MAX:.0%}: reported, not an exit criterion). "
               f"± is one Monte Carlo standard error (a 95 % coverage over {len(seeds)} seeds: "
               f"{np.sqrt(0.95 * 0.05 / len(seeds)):.1%}).")
    print(header)
    print(targets + "\n")
    sections = [("Program evaluation (pre-trend and RTM rates with the effect off)", did_display(did))]
    if labels is not None:
        sections += [(f"Noise labels on the no-change city (effect off; {len(labelled)} cities)",
                      labels_display(labels)),
                     ("Funnel plot, each year's counts (no target: areas truly differ)", funnel_display(funnel)),
                     ("Overdispersion of the no-change city (quasi-Poisson phi around district trends)",
                      dispersion_display(dispersion))]
    with pd.option_context("display.width", 250, "display.max_columns", 40, "display.max_colwidth", 40):
        for title, frame in sections:
            print(f"{title}:\n{frame.to_string(index=False)}\n")
    if args.markdown:
        text = [f"_{header}_", "", targets, ""]
        for title, frame in sections:
            text += [f"**{title}**", "", _markdown(frame), ""]
        args.markdown.write_text("\n".join(text), encoding="utf-8")

    bad = misses(did, labels, args.inference)
    if bad:
        print("OUTSIDE TARGET:")
        for line in bad:
            print(f"  {line}")
        return 1
    print("Every coverage, false-positive and 'significant' rate is within its target.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
