"""The daily design with Chinese holidays: TierCare's methods next to R's on the same files.

    .venv/bin/python bench/surveillance/daily_vs_r.py [--reps 20] [--r-reps 5] [--seed 2024] [--no-r]

Simulates the daily design (``core/surveillance/data/daily_design.toml``: 3 years of
county-style daily counts, day-of-week, school terms, Spring Festival by the lunar
calendar with reporting that drops and then catches up, National Day week; sparse,
medium and dense series; several-day outbreaks), runs every method of
``daily_evaluation.toml`` on all series, writes the first --r-reps replicates of every
series type to CSV and runs ``daily.R`` on them (R ``earsC`` C1/C2/C3 and
``farringtonFlexible`` on days; R has no moving percentile and no holiday-aware
method), reads R's alarms back and prints ONE table: per series type and overall, POD,
POD on the first outbreak day, sensitivity, FPR, FPR in the Spring Festival window and
elsewhere, delay (days); ours on all replicates, ours on R's subset and R's; then the
cell-by-cell agreement with R. R's farringtonFlexible on days is slow (hundreds of
reference days per fit), hence the subset.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evaluate_vs_r import r_control  # noqa: E402
from run import ensure_r  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--r-reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

    import numpy as np

    from tiercare.core.surveillance import daily_evaluation as de
    from tiercare.core.surveillance import daily_simulation as ds

    data = ds.simulate(args.reps, np.random.default_rng(args.seed))
    methods, after = de.config()
    ours: dict[str, np.ndarray] = {}
    cpu: dict[str, float] = {}
    for m in methods:
        c0 = time.process_time()
        ours[m.label] = de.alarms(data, m)
        cpu[m.label] = time.process_time() - c0
    rep = np.tile(np.arange(args.reps), len(set(data.type_of_row)))
    subset = np.flatnonzero(rep < args.r_reps)

    r_alarm: dict[str, np.ndarray] = {}
    r_cpu: dict[str, float] = {}
    rscript = None if args.no_r else ensure_r()
    r_methods = [m for m in methods if m.r_function]
    if rscript:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            np.savetxt(
                folder / "counts.csv",
                data.counts[subset],
                fmt="%d",
                delimiter=",",
                header=",".join(f"t{j}" for j in range(data.counts.shape[1])),
                comments="",
            )
            (folder / "first.txt").write_text(f"{data.scored_from + 1}\n")
            with (folder / "methods.csv").open("w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(["label", "fun", "control"])
                for m in r_methods:
                    fun, _, ears = m.r_function.partition(":")
                    ctrl = f'list(method = "{ears}")' if fun == "earsC" else r_control(m.params)
                    w.writerow([m.label, fun, ctrl])
            print(f"R on {subset.size} series ({args.r_reps} replicates x 3 types) ...", flush=True)
            subprocess.run([rscript, str(HERE / "daily.R"), str(folder)], check=True)
            for m in r_methods:
                grid = np.full((subset.size, data.counts.shape[1] - data.scored_from), np.nan)
                with (folder / f"r_{m.label}.csv").open() as fh:
                    for row in csv.DictReader(fh):
                        if row["alarm"] != "NA":
                            grid[int(row["row"]), int(row["t"]) - data.scored_from] = float(row["alarm"])
                full = np.full_like(ours[m.label], np.nan)
                full[subset] = grid
                r_alarm[m.label] = full
            with (folder / "r_timings.csv").open() as fh:
                for row in csv.DictReader(fh):
                    r_cpu[row["label"]] = float(row["cpu"])

    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    print(
        f"\nseed {args.seed}; {data.counts.shape[0]} series x {data.counts.shape[1]} days, "
        f"judged from {data.dates[data.scored_from]}; load average {load}"
    )
    for m in methods:
        r_txt = f"; R {r_cpu[m.label]:.1f} s CPU on {subset.size} series" if m.label in r_cpu else ""
        print(f"  {m.label}: ours {cpu[m.label]:.2f} s CPU on {data.counts.shape[0]} series{r_txt}")
    print(
        f"\n{'method':44} {'series':8} {'POD':>6} {'POD1':>6} {'sens':>6} {'FPR':>7} "
        f"{'FPR SF':>7} {'FPR else':>8} {'delay':>6}"
    )
    columns = []
    for m in methods:
        columns.append((f"ours {m.label} (all {args.reps})", de.score(data, m.label, ours[m.label], after)))
        if m.label in r_alarm:
            columns.append(
                (f"ours {m.label} (R's {args.r_reps})", de.score(data, m.label, ours[m.label], after, subset))
            )
            columns.append(
                (
                    f"R {m.r_function} ({args.r_reps})",
                    de.score(data, m.label, r_alarm[m.label], after, subset),
                )
            )
    for label, rows in columns:
        for r in rows:
            x = r.metrics
            print(
                f"{label:44} {r.group:8} {x.pod:6.3f} {x.pod_first_week:6.3f} {x.sensitivity:6.3f} "
                f"{x.fpr:7.4f} {r.fpr_spring_festival:7.4f} {r.fpr_elsewhere:8.4f} {x.mean_delay:6.2f}"
            )
    if r_alarm:
        print("\nagreement with R on R's subset (cells where both decided)")
        for label, ra in r_alarm.items():
            a, b = ours[label][subset], ra[subset]
            both = ~np.isnan(a) & ~np.isnan(b)
            same = int((a[both] == b[both]).sum())
            print(
                f"  {label:26} alarms equal in {same:,} of {int(both.sum()):,} cells "
                f"({100 * same / max(int(both.sum()), 1):.3f}%); decided by one side only: "
                f"{int((np.isnan(a) != np.isnan(b)).sum())}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
