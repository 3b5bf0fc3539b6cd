"""Run the benchmarks of every area (bench/<area>/run.py), each beside its peer.

Usage: python bench/run.py [AREA ...]   (default: every area)
Benchmarks are never part of `make test`; they may install their peers (R from Debian,
Splink, sekmet-fhir) themselves. Results are printed as medians and ratios and recorded
in bench/README.md by hand with the date and machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    areas = sorted(p.parent.name for p in HERE.glob("*/run.py"))
    chosen = argv or areas
    unknown = sorted(set(chosen) - set(areas))
    if unknown:
        print(f"error: no benchmark for {', '.join(unknown)} (have: {', '.join(areas) or 'none'})", file=sys.stderr)
        return 2
    failed = []
    for area in chosen:
        print(f"\n=== bench/{area}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / area / "run.py")])
        if code:
            failed.append(area)
    if failed:
        print(f"\nerror: benchmarks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
