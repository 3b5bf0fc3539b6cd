"""Coverage floor for tiercare.core: it may only go up.

Reads the JSON report of coverage.py and fails when the line coverage of the pure
core (src/tiercare/core) is below the floor kept in tools/coverage-floor.txt. When
coverage rises well above the floor, it says so, so that the floor is raised in the
same commit (the floor never goes down).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FLOOR_FILE = Path(__file__).with_name("coverage-floor.txt")


def core_coverage(report: dict) -> float:
    covered = total = 0
    for name, data in report["files"].items():
        if "/tiercare/core/" in name.replace("\\", "/"):
            covered += data["summary"]["covered_lines"]
            total += data["summary"]["num_statements"]
    return 100.0 * covered / total if total else 100.0


def main(argv: list[str]) -> int:
    report = json.loads(Path(argv[1]).read_text())
    floor = float(FLOOR_FILE.read_text().split()[0])
    got = core_coverage(report)
    if got + 1e-9 < floor:
        print(f"coverage gate: tiercare.core line coverage {got:.1f}% is below the floor {floor:.1f}%")
        return 1
    hint = f" (raise tools/coverage-floor.txt to {int(got)})" if got >= floor + 2 else ""
    print(f"coverage gate: tiercare.core line coverage {got:.1f}% >= floor {floor:.1f}%{hint}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
