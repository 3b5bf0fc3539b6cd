"""The Noufaily (2013) evaluation, TierCare's methods next to R's on the same files.

    .venv/bin/python bench/surveillance/evaluate_vs_r.py [--reps 100] [--r-reps 10] [--workers 2] [--no-r]

1. Simulates the 42 scenarios x --reps replicates (seed 2013; the same data as
   `tiercare surveillance evaluate`) and runs every method of
   ``core/surveillance/data/weekly_evaluation.toml`` on all of them (--workers processes),
   at each method's alpha and over the alpha grid (POD against FPR).
2. Writes the first --r-reps replicates of every scenario to CSV files and runs
   ``evaluate.R`` beside this file on them: R ``farrington`` and ``farringtonFlexible``
   with the same configurations (R defaults, Noufaily's settings, and ours), split over
   --workers R processes. R is slow (about 23 ms per series and week for Noufaily's
   settings on this machine, 0.5-1.1 CPU s per series and configuration), so it runs on a
   subset: 10 replicates x 42 scenarios x 49 weeks takes about 25 CPU minutes for the
   four configurations; the table says how many replicates each column used.
   --reuse reprints the table from R outputs kept with --keep.
3. Reads R's alarms back and prints ONE table: per scenario and overall, POD, POD in the
   first week, sensitivity, FPR and delay of each method, ours on all replicates, ours
   on R's subset, and R's on its subset; then how often our alarms equal R's cell for
   cell; then POD against FPR as alpha varies (ours; R at its configured alpha).

R comes from Debian (``apt-get install r-cran-surveillance``, done here when missing and
running as root); with --no-r or without R only our columns are printed.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ensure_r  # noqa: E402

R_NAMES = {
    "b": "b",
    "w": "w",
    "reweight": "reweight",
    "weights_threshold": "weightsThreshold",
    "alpha": "alpha",
    "trend": "trend",
    "p_threshold_trend": "pThresholdTrend",
    "limit54": "limit54",
    "powertrans": "powertrans",
    "no_periods": "noPeriods",
    "past_weeks_not_included": "pastWeeksNotIncluded",
    "threshold_method": "thresholdMethod",
}


def r_control(params: dict[str, Any]) -> str:
    """The R control list of our parameters (same names as R's, camel case)."""
    items = []
    for k, v in params.items():
        if k not in R_NAMES:
            raise SystemExit(f"no R name for parameter {k!r}")
        if isinstance(v, bool):
            val = "TRUE" if v else "FALSE"
        elif isinstance(v, str):
            val = f'"{v}"'
        elif isinstance(v, list | tuple):
            val = "c(" + ", ".join(str(x) for x in v) + ")"
        else:
            val = repr(v)
        items.append(f"{R_NAMES[k]} = {val}")
    return "list(" + ", ".join(items) + ")"


def ours_chunk(numbers: list[int], reps: int, seed: int, grid: list[float]) -> tuple[Any, ...]:
    """Our alarms at each method's alpha and the metrics over the alpha grid, for some scenarios."""
    import numpy as np

    from tiercare.core.surveillance import weekly_evaluation as we

    methods, _ = we.config()
    t0, c0 = time.perf_counter(), time.process_time()
    counts, current, rows = we.simulate_scenarios(numbers, reps, seed, k_current=5.0, k_past=5.0)
    scored = we.scored_slice(counts.shape[1])
    own: dict[str, Any] = {}
    metric_rows = []
    for m in methods:
        alphas = sorted({we.method_alpha(m), *grid})
        by_alpha = we.alarms(counts, m, alphas)
        own[m.label] = by_alpha[we.method_alpha(m)]
        for a, al in by_alpha.items():
            metric_rows.extend(we.score(al, current[:, scored], rows, m.label, a))
    rep_of_row = np.tile(np.arange(reps), len(numbers))
    return (
        counts,
        current[:, scored],
        rows,
        rep_of_row,
        own,
        metric_rows,
        time.perf_counter() - t0,
        time.process_time() - c0,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--r-reps", type=int, default=10, help="replicates per scenario that R runs on")
    ap.add_argument("--seed", type=int, default=2013)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scenarios", default="", help="comma-separated subset (default all 42)")
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--r-methods", default="", help="comma-separated labels R runs (default all)")
    ap.add_argument(
        "--reuse", action="store_true", help="read R's outputs already in --keep instead of running R"
    )
    ap.add_argument("--keep", type=Path, default=None, help="keep the data files in this folder")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

    import numpy as np

    from tiercare.core.surveillance import weekly_evaluation as we
    from tiercare.core.surveillance.evaluation import detection_metrics
    from tiercare.core.surveillance.simulation import scenarios

    methods, grid = we.config()
    numbers = (
        [int(x) for x in args.scenarios.split(",")] if args.scenarios else [s.number for s in scenarios()]
    )
    r_labels = [x for x in args.r_methods.split(",") if x] if args.r_methods else [m.label for m in methods]
    r_methods = [m for m in methods if m.label in r_labels]
    # The same data as the workers make (a scenario's data depend only on seed and number).
    counts_all, _cur, scen_all = we.simulate_scenarios(
        numbers, args.reps, args.seed, k_current=5.0, k_past=5.0
    )
    rep_all = np.tile(np.arange(args.reps), len(numbers))

    # R starts first and runs beside ours (it takes far longer).
    rscript = None if args.no_r or args.reuse else ensure_r()
    procs: list[subprocess.Popen[bytes]] = []
    folder = None
    tmp_ctx = None
    sub_idx = np.flatnonzero(rep_all < args.r_reps)
    r_parts = [sub_idx[i :: args.workers] for i in range(args.workers)]
    if rscript:
        tmp_ctx = tempfile.TemporaryDirectory() if args.keep is None else None
        folder = Path(tmp_ctx.name) if tmp_ctx else args.keep
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
        for i, idx in enumerate(r_parts):
            np.savetxt(
                folder / f"counts_{i}.csv",
                counts_all[idx],
                fmt="%d",
                delimiter=",",
                header=",".join(f"t{j}" for j in range(counts_all.shape[1])),
                comments="",
            )
        (folder / "scored.txt").write_text(str(int(we.design_scored())) + "\n")
        with (folder / "methods.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["label", "fun", "control"])
            for m in r_methods:
                w.writerow([m.label, m.r_function, r_control(m.params)])
        print(
            f"R ({', '.join(m.label for m in r_methods)}) on {sub_idx.size} series "
            f"({args.r_reps} replicates x {len(numbers)} scenarios) in {args.workers} processes ...",
            flush=True,
        )
        procs = [
            subprocess.Popen([rscript, str(HERE / "evaluate.R"), str(folder), str(i)])
            for i in range(args.workers)
        ]
    t_r = time.perf_counter()

    chunks = [numbers[i :: args.workers] for i in range(min(args.workers, len(numbers)))]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
        parts = list(
            pool.map(
                ours_chunk,
                chunks,
                [args.reps] * len(chunks),
                [args.seed] * len(chunks),
                [grid] * len(chunks),
            )
        )
    ours_wall = time.perf_counter() - t0
    ours_cpu = sum(p[7] for p in parts)
    counts = np.vstack([p[0] for p in parts])
    truth = np.vstack([p[1] for p in parts])
    scen = np.concatenate([p[2] for p in parts])
    rep = np.concatenate([p[3] for p in parts])
    own = {m.label: np.vstack([p[4][m.label] for p in parts]) for m in methods}
    rows = [r for p in parts for r in p[5]]
    subset = rep < args.r_reps
    own_alpha = {m.label: we.method_alpha(m) for m in methods}
    # Rows of the workers' arrays -> rows of counts_all (same (scenario, replicate)).
    pos = {(int(n), int(k)): i for i, (n, k) in enumerate(zip(scen_all, rep_all, strict=True))}
    order = np.array([pos[(int(n), int(k))] for n, k in zip(scen, rep, strict=True)])
    if not np.array_equal(counts, counts_all[order]):
        raise SystemExit("the workers' data differ from the files R reads")

    r_alarm: dict[str, Any] = {}
    r_times: dict[str, tuple[float, float]] = {}
    if args.reuse:
        folder = args.keep
    if (procs or args.reuse) and folder is not None:
        if any(p.wait() != 0 for p in procs):
            raise SystemExit("evaluate.R failed")
        r_wall = time.perf_counter() - t_r
        where = np.empty(counts_all.shape[0], dtype=np.intp)
        where[order] = np.arange(order.size)
        first_t = counts.shape[1] - truth.shape[1]
        for m in r_methods:
            grid_r = np.full((counts.shape[0], truth.shape[1]), np.nan)
            for i, idx in enumerate(r_parts):
                with (folder / f"r_{i}_{m.label}.csv").open() as fh:
                    for row in csv.DictReader(fh):
                        grid_r[where[idx[int(row["row"])]], int(row["t"]) - first_t] = (
                            float(row["alarm"]) if row["alarm"] != "NA" else np.nan
                        )
            r_alarm[m.label] = grid_r
        cpu: dict[str, float] = {}
        for i in range(args.workers):
            with (folder / f"r_{i}_timings.csv").open() as fh:
                for row in csv.DictReader(fh):
                    cpu[row["label"]] = cpu.get(row["label"], 0.0) + float(row["cpu"])
        r_times = {k: (r_wall, v) for k, v in cpu.items()}
        if tmp_ctx:
            tmp_ctx.cleanup()

    def metrics(al: Any, sel: Any) -> list[Any]:
        out = []
        for n in numbers:
            s = sel & (scen == n)
            out.append(detection_metrics(al[s], truth[s]))
        return out

    columns: list[tuple[str, list[Any]]] = []
    for m in methods:
        columns.append((f"ours {m.label} (all {args.reps})", metrics(own[m.label], np.ones_like(subset))))
        if m.label in r_alarm:
            columns.append((f"ours {m.label} (R's {args.r_reps})", metrics(own[m.label], subset)))
            columns.append((f"R {m.r_function}:{m.label} ({args.r_reps})", metrics(r_alarm[m.label], subset)))

    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    print(f"\nseed {args.seed}; load average {load} on {os.cpu_count()} cores")
    print(
        f"ours: {len(methods)} methods x {len(numbers)} scenarios x {args.reps} replicates, "
        f"{ours_wall:.1f} s wall, {ours_cpu:.1f} s CPU, {args.workers} processes"
    )
    for label, (wall, cpu_s) in r_times.items():
        print(
            f"R {label}: {cpu_s:.1f} s CPU on {int(subset.sum())} series (all R methods: {wall:.1f} s wall)"
        )
    head = f"{'scenario':>8} {'method':44} {'POD':>6} {'POD1':>6} {'sens':>6} {'FPR':>7} {'delay':>6}"
    print("\n" + head)
    for j, n in enumerate(numbers):
        for label, ms in columns:
            x = ms[j]
            print(
                f"{n:>8} {label:44} {x.pod:6.3f} {x.pod_first_week:6.3f} {x.sensitivity:6.3f} "
                f"{x.fpr:7.4f} {x.mean_delay:6.2f}"
            )
    print("\n" + head.replace("scenario", " overall") + "   (means over scenarios with an outbreak)")
    for label, ms in columns:
        print(
            f"{'overall':>8} {label:44} {np.nanmean([x.pod for x in ms]):6.3f} "
            f"{np.nanmean([x.pod_first_week for x in ms]):6.3f} {np.nanmean([x.sensitivity for x in ms]):6.3f} "
            f"{np.mean([x.fpr for x in ms]):7.4f} {np.nanmean([x.mean_delay for x in ms]):6.2f}"
        )
    if r_alarm:
        print("\nagreement with R on R's subset (cells where both decided)")
        for m in r_methods:
            a, b = own[m.label][subset], r_alarm[m.label][subset]
            both = ~np.isnan(a) & ~np.isnan(b)
            same = int((a[both] == b[both]).sum())
            nd = int((np.isnan(a) != np.isnan(b)).sum())
            print(
                f"  {m.label:20} alarms equal in {same:,} of {int(both.sum()):,} cells "
                f"({100 * same / max(int(both.sum()), 1):.3f}%); decided by one side only: {nd}"
            )
    print(f"\nPOD / FPR as alpha varies (ours, all {args.reps} replicates; means over scenarios)")
    print(f"{'method':20} " + " ".join(f"{a:>13.3f}" for a in grid))
    for m in methods:
        cells = []
        for a in grid:
            o = we.overall(rows, m.label, a)
            cells.append(f"{o['pod']:.3f}/{o['fpr']:.4f}")
        print(f"{m.label:20} " + " ".join(f"{c:>13}" for c in cells))
    best = {m.label: we.overall(rows, m.label, own_alpha[m.label]) for m in methods}
    if "noufaily_2013" in best and "tiercare_weekly" in best:
        d_pod = best["tiercare_weekly"]["pod"] - best["noufaily_2013"]["pod"]
        d_fpr = best["tiercare_weekly"]["fpr"] - best["noufaily_2013"]["fpr"]
        print(
            f"\ntiercare_weekly - noufaily_2013 (all replicates): POD {100 * d_pod:+.2f} points, FPR {d_fpr:+.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
