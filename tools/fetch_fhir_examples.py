"""Fetch the official FHIR R4 examples (npm ``hl7.fhir.r4.examples@4.0.1``) for the optional
conformance check tests/conformance/test_fhir_examples.py.

Only examples whose resourceType TierCare supports are kept (a few MB), in
``var/fhir-r4-examples/`` (git-ignored). Run:  python tools/fetch_fhir_examples.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "hl7.fhir.r4.examples@4.0.1"
ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / "var/fhir-r4-examples"


def supported_types() -> set[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from tiercare.core.fhir.definitions import definitions

    return set(definitions().resource_types)


def main() -> int:
    types = supported_types()
    DEST.mkdir(parents=True, exist_ok=True)
    kept = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", tmp], check=True, capture_output=True)
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if not member.isfile() or not name.endswith(".json") or name.split("-", 1)[0] not in types:
                    continue
                data = tar.extractfile(member)
                if data is None:
                    continue
                raw = data.read()
                try:
                    rt = json.loads(raw).get("resourceType")
                except ValueError:
                    continue
                if rt in types:
                    (DEST / name).write_bytes(raw)
                    kept += 1
    (DEST / "SOURCE").write_text(f"npm {PACKAGE}; written by tools/fetch_fhir_examples.py\n")
    print(f"kept {kept} examples of supported types in {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
