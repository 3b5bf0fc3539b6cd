"""Client-registry benchmarks (`make bench` runs this): FEBRL4 always; the synthetic
Chinese region when TIERCARE_BENCH_REGION names a folder written by `tiercare synth`
(see docs/mpi.md for the sizes measured)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    code = subprocess.call([sys.executable, str(HERE / "febrl4.py"), "--repeat", "3"])
    region = os.environ.get("TIERCARE_BENCH_REGION")
    if region:
        code = code or subprocess.call([sys.executable, str(HERE / "synth.py"), region])
    else:
        print("(set TIERCARE_BENCH_REGION=DIR to also run the synthetic-region benchmark)")
    return code


if __name__ == "__main__":
    sys.exit(main())
