"""Client-registry benchmarks (`make bench` runs this): FEBRL4 for TierCare
(febrl4.py) and for Splink (splink_side.py --febrl); and TierCare beside Splink on
the synthetic Chinese region when TIERCARE_BENCH_REGION names one or more folders
written by bench/mpi/make_synth_data.py (separated by ':'; see docs/mpi.md for the
sizes measured)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    code = subprocess.call([sys.executable, str(HERE / "febrl4.py"), "--repeat", "3"])
    regions = [r for r in os.environ.get("TIERCARE_BENCH_REGION", "").split(":") if r]
    code = code or subprocess.call([sys.executable, str(HERE / "splink_side.py"), "--febrl", *regions])
    if not regions:
        print("(set TIERCARE_BENCH_REGION=DIR[:DIR] to also run the synthetic-region side-by-side benchmark)")
    return code


if __name__ == "__main__":
    sys.exit(main())
