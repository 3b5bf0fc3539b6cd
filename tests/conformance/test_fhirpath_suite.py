"""Optional: the official FHIRPath R4 suite against the search-extraction compiler.
Skips when ../shared/conformance/fhirpath-r4 is absent (a fresh clone)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT.parent / "shared/conformance/fhirpath-r4"

pytestmark = pytest.mark.skipif(not (SUITE / "tests-fhir-r4.xml").is_file(), reason="no ../shared/conformance")


def test_the_compiled_subset_passes_the_suite_tests_it_covers() -> None:
    spec = importlib.util.spec_from_file_location("fhirpath_suite", ROOT / "tools/fhirpath_suite.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    passed, total, compiled, compiled_passed, wrong = tool.run(SUITE)
    print(f"\nFHIRPath R4 suite: {passed} of {total}; inside the subset {compiled_passed} of {compiled}")
    assert total == 935
    assert passed >= 130  # a floor: it may only go up
    assert compiled_passed >= 97 and compiled - compiled_passed <= 5, wrong
