"""Speed of TierCare's detectors against R ``surveillance`` on the same series.

    .venv/bin/python bench/surveillance/run.py [--reps 3] [--r-weekly 50] [--r-daily 100] [--no-r]

Writes the series to a temporary folder, times ours (median of --reps runs) and then
R (bench.R beside this file, the same series, the same number of runs). R is slow, so
it runs on the first --r-weekly / --r-daily series and its time is scaled linearly to
the full count (both methods are one independent fit per series and time point); the
table says so. R comes from Debian (`apt-get install r-cran-surveillance`); with --no-r
or without Rscript only our figures are printed. One process, one core for numpy
(OMP/OPENBLAS threads = 1) unless --threads says otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _set_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)


def ensure_r() -> str | None:
    """Rscript with the surveillance package, installed from Debian when missing (as root)."""
    rscript = shutil.which("Rscript")
    has_pkg = (
        rscript is not None
        and subprocess.call(
            [rscript, "-e", "quit(status = !requireNamespace('surveillance', quietly = TRUE))"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        == 0
    )
    if has_pkg:
        return rscript
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("installing R and r-cran-surveillance from Debian ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "r-cran-surveillance"], check=False)
        return shutil.which("Rscript")
    print("R with the surveillance package is not available: only our figures are printed")
    return None


def make_series(n_weekly: int, n_daily: int, seed: int = 20251123):  # type: ignore[no-untyped-def]
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(364)
    base = np.exp(rng.uniform(np.log(0.5), np.log(60), (n_weekly, 1)))
    amp = rng.uniform(0, 0.8, (n_weekly, 1))
    mu = base * np.exp(amp * np.sin(2 * np.pi * t / 52))
    phi = rng.choice([1.5, 2.0, 4.0], (n_weekly, 1))
    weekly = rng.negative_binomial(mu / (phi - 1), 1 / phi).astype(float)
    td = np.arange(1095)
    dow = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.5, 0.4])[td % 7]
    dbase = np.exp(rng.uniform(np.log(0.05), np.log(30), (n_daily, 1)))
    daily = rng.poisson(dbase * dow * np.exp(0.4 * np.sin(2 * np.pi * td / 365))).astype(float)
    return weekly, daily


def median_time(fn, reps: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall-clock and median CPU seconds of ``reps`` runs."""
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--r-weekly", type=int, default=50, help="series R runs improved Farrington on")
    ap.add_argument("--r-daily", type=int, default=100, help="series R runs EARS on")
    ap.add_argument("--routine", type=int, default=10_000, help="series in the routine daily run")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-r", action="store_true")
    args = ap.parse_args()
    _set_threads(args.threads)

    import datetime as dt

    import numpy as np

    from tiercare.core.surveillance import CountSeries
    from tiercare.core.surveillance.ears import ears_c1, ears_c2, ears_c3
    from tiercare.core.surveillance.farrington_flexible import NOUFAILY_2013, farrington_flexible
    from tiercare.core.surveillance.fixed_threshold import fixed_threshold
    from tiercare.core.surveillance.moving_percentile import moving_percentile

    weekly, daily = make_series(1000, 1000)
    sw = CountSeries.weekly(weekly, dt.date(2019, 1, 7))
    sd = CountSeries.daily(daily, dt.date(2022, 1, 3))
    last52 = range(sw.n_time - 52, sw.n_time)

    ours: dict[str, tuple[float, float]] = {}
    ours["flexible_weekly"] = median_time(
        lambda: farrington_flexible(sw, range_=last52, **NOUFAILY_2013), args.reps
    )
    for name, fn in (("ears_C1", ears_c1), ("ears_C2", ears_c2), ("ears_C3", ears_c3)):
        ours[name] = median_time(lambda fn=fn: fn(sd), args.reps)

    _, routine_daily = make_series(1, args.routine, seed=7)
    sr = CountSeries.daily(routine_daily, dt.date(2022, 1, 3))
    today = [sr.n_time - 1]

    def routine() -> None:
        fixed_threshold(sr, range_=today)
        ears_c1(sr, range_=today, min_sigma=0.5)
        ears_c2(sr, range_=today, min_sigma=0.5)
        ears_c3(sr, range_=today, mode="cdc", min_sigma=0.5)
        moving_percentile(sr, range_=today)
        farrington_flexible(sr, b=2, w=21, past_weeks_not_included=182, limit54=(5, 28), range_=today)

    ours["routine_daily"] = median_time(routine, args.reps)

    r_full: dict[str, tuple[float, float]] = {}
    rscript = None if args.no_r else ensure_r()
    if rscript:
        with tempfile.TemporaryDirectory() as tmp:
            for name, counts in (("weekly", weekly), ("daily", daily)):
                np.savetxt(Path(tmp) / f"{name}.csv", counts, fmt="%d", delimiter=",",
                           header=",".join(f"t{i}" for i in range(counts.shape[1])), comments="")
            subprocess.run(
                [rscript, str(HERE / "bench.R"), tmp, str(args.r_weekly), str(args.r_daily), str(args.reps)],
                check=True,
            )
            rows = (Path(tmp) / "r_timings.csv").read_text().splitlines()[1:]
        by_task: dict[str, tuple[list[float], list[float]]] = {}
        for row in rows:
            task, _rep, secs, cpu, n = row.replace('"', "").split(",")
            walls, cpus = by_task.setdefault(task, ([], []))
            walls.append(float(secs) * 1000 / int(n))  # scaled to 1,000 series
            cpus.append(float(cpu) * 1000 / int(n))
        r_full = {k: (sorted(w)[len(w) // 2], sorted(c)[len(c) // 2]) for k, (w, c) in by_task.items()}

    targets = {"flexible_weekly": 45.0, "ears_C1": 0.3, "ears_C2": 0.3, "ears_C3": 0.3, "routine_daily": 10.0}
    labels = {
        "flexible_weekly": "improved Farrington (Noufaily), 1,000 weekly series x last 52 weeks",
        "ears_C1": "EARS C1, 1,000 daily series x 1,095 days",
        "ears_C2": "EARS C2, 1,000 daily series x 1,095 days",
        "ears_C3": "EARS C3, 1,000 daily series x 1,095 days",
        "routine_daily": f"routine daily run, {args.routine:,} series, today (6 detectors)",
    }
    print(
        f"\nmedian of {args.reps} runs, numpy threads={args.threads}; R scaled from "
        f"{args.r_weekly} weekly / {args.r_daily} daily series to 1,000\n"
    )
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    print(
        f"load average {load} on {os.cpu_count()} cores: wall times include waiting for the CPU; "
        "CPU seconds do not\n"
    )
    print(
        f"{'task':68} {'ours wall':>9} {'ours cpu':>9} {'target':>7} {'R wall':>9} {'R cpu':>9} {'R/ours cpu':>10}"
    )
    for key, label in labels.items():
        ow, oc = ours[key]
        r = r_full.get(key)
        r_txt = f"{r[0]:9.2f} {r[1]:9.2f}" if r is not None else f"{'-':>9} {'-':>9}"
        ratio = f"{r[1] / oc:10.0f}" if r is not None and oc > 0 else f"{'-':>10}"
        flag = "" if min(ow, oc) <= targets[key] else "  (over target)"
        print(f"{label:68} {ow:9.3f} {oc:9.3f} {targets[key]:7.1f} {r_txt} {ratio}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
