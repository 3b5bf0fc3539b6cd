"""Run the official FHIRPath R4 test suite (935 tests) against the search-extraction compiler.

    .venv/bin/python tools/fhirpath_suite.py [../shared/conformance/fhirpath-r4]

The compiler (tiercare.core.fhir.fhirpath) implements the subset of FHIRPath that R4
SearchParameter expressions use, not the whole language: most of the suite (arithmetic,
string and date functions, aggregates...) is outside it and counts as failed. Reported:
passed of all tests, and passed of the tests whose expression the subset compiles (a
correctness check of the subset itself).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tiercare.core.fhir.definitions import definitions  # noqa: E402
from tiercare.core.fhir.fhirpath import Compiler, Env, FhirPathUnsupported  # noqa: E402


def _expected(test: ET.Element) -> list[tuple[str, str]]:
    return [(o.get("type", ""), o.text or "") for o in test.findall("output")]


def _same(value: Any, kind: str, text: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool) and str(value).lower() == text
    if kind in ("integer", "decimal"):
        return not isinstance(value, bool) and isinstance(value, int | float) and Decimal(str(value)) == Decimal(text)
    if kind in ("date", "dateTime", "time"):
        return isinstance(value, str) and value == text.lstrip("@").lstrip("T")
    return isinstance(value, str) and value == text


def run(suite: Path) -> tuple[int, int, int, int, list[str]]:
    """(passed, total, compiled, passed among compiled, the failing compiled tests)."""
    tree = ET.parse(suite / "tests-fhir-r4.xml")
    compiler = Compiler(definitions())
    total = passed = compiled = compiled_passed = 0
    wrong: list[str] = []
    for test in tree.iter("test"):
        total += 1
        expr_el = test.find("expression")
        if expr_el is None or not expr_el.text:
            continue
        invalid = expr_el.get("invalid")
        input_name = (test.get("inputfile") or "").replace(".xml", ".json")
        path = suite / input_name
        resource = json.loads(path.read_text()) if input_name and path.is_file() else {"resourceType": "Patient"}
        try:
            fn = compiler.compile(expr_el.text, resource["resourceType"])
        except FhirPathUnsupported:
            if invalid:  # an expression the suite expects to be rejected
                passed += 1
            continue
        compiled += 1
        try:
            got = fn([(resource, resource["resourceType"])], Env(resource))
        except Exception:  # a run-time failure is a failed test
            got = None
        if got is not None and test.get("predicate") == "true":
            got = [(bool(got), "boolean")]
        expected = _expected(test)
        ok = (not invalid and got is not None and len(got) == len(expected)
              and all(_same(v, k, t) for (v, _), (k, t) in zip(got, expected, strict=True)))
        if ok:
            passed += 1
            compiled_passed += 1
        else:
            wrong.append(f"{test.get('name')}: {expr_el.text}")
    return passed, total, compiled, compiled_passed, wrong


def main(argv: list[str]) -> int:
    suite = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared/conformance/fhirpath-r4"
    passed, total, compiled, compiled_passed, wrong = run(suite)
    print(f"FHIRPath R4 suite: {passed} of {total} passed ({100 * passed / total:.1f}%); "
          f"of the {compiled} expressions inside the compiled subset, {compiled_passed} passed")
    for line in wrong[:40]:
        print("  wrong:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
