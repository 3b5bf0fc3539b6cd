"""Benchmark of `tiercare synth`: residents per second and peak memory, by size.

Each run is a fresh process (so that peak RSS is that run's own) writing to a temporary
directory that is deleted afterwards. Prints the median over --repeat runs of wall time,
CPU time (the process and its workers) and peak RSS (largest of the process and of any
one worker). The machine is shared: report CPU time beside wall time.

    .venv/bin/python bench/synth/run.py                   # 10k and 100k x 1 year
    .venv/bin/python bench/synth/run.py --sizes 1000000 --jobs 2 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time, tempfile, shutil
from pathlib import Path
from tiercare.core.synth.params import default_text
from tiercare.synth.writer import generate
n, years, jobs, gz = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
out = Path(tempfile.mkdtemp(prefix="synth-bench-"))
t0, c0 = time.perf_counter(), time.process_time()
m = generate(out / "r", n, years, 1, params_text=default_text(), compress=gz, jobs=jobs)
wall = time.perf_counter() - t0
size = sum(p.stat().st_size for p in (out / "r").rglob("*") if p.is_file())
shutil.rmtree(out)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "rss_mib": max(me.ru_maxrss, kids.ru_maxrss) / 1024, "resources": sum(m["counts"].values()),
                  "bytes": size}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gzip", action="store_true")
    args = ap.parse_args()
    print(f"{'residents':>10} {'years':>5} {'jobs':>4} {'wall s':>8} {'cpu s':>8} {'res-yr/s (wall)':>16} "
          f"{'res-yr/s (cpu)':>15} {'peak MiB':>9} {'resources':>11} {'MB out':>8}")
    for n in args.sizes:
        runs = []
        for _ in range(args.repeat if n < 1_000_000 else 1):
            with tempfile.TemporaryDirectory():
                out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(args.years), str(args.jobs), "1" if args.gzip else "0"],
                                     check=True, capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        rss = statistics.median(r["rss_mib"] for r in runs)
        ry = n * args.years
        print(f"{n:>10,} {args.years:>5} {args.jobs:>4} {wall:>8.1f} {cpu:>8.1f} {ry / wall:>16,.0f} {ry / cpu:>15,.0f} "
              f"{rss:>9,.0f} {runs[0]['resources']:>11,} {runs[0]['bytes'] / 1e6:>8,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
