"""Optional: the official R4 examples (npm hl7.fhir.r4.examples 4.0.1) of the supported types
validate and index. Skips when the examples have not been fetched:

    python tools/fetch_fhir_examples.py     # -> var/fhir-r4-examples/ (git-ignored)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiercare.core.fhir.definitions import definitions
from tiercare.core.fhir.index import Indexer, extract
from tiercare.core.fhir.validation import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "var/fhir-r4-examples"

# Examples that are invalid against the R4 definitions themselves (type: issue: reason).
KNOWN_INVALID = {
    "Questionnaire-qs1.json": "required: nested items have no linkId (Questionnaire.item.linkId is 1..1)",
    "Bundle-v2-valuesets.json": "value: four v2 codes end in a mis-encoded non-breaking space ('CHESTÂ\\xa0')",
}

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="run tools/fetch_fhir_examples.py first")


def _examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json")) if EXAMPLES.is_dir() else []


def test_generated_selectors_index_like_the_closures() -> None:
    supported = definitions().resource_types
    closures_only = Indexer(definitions(), use_fast=False)
    checked = 0
    for path in _examples():
        if path.stat().st_size > 3_000_000:
            continue
        resource = json.loads(path.read_bytes())
        if resource.get("resourceType") in supported:
            assert extract(resource) == closures_only.extract(resource), path.name
            checked += 1
    assert checked > 400


def test_supported_examples_validate_and_index() -> None:
    supported = definitions().resource_types
    checked, failures = 0, []
    for path in _examples():
        resource = json.loads(path.read_bytes())
        if resource.get("resourceType") not in supported:
            continue
        checked += 1
        errors = [i for i in validate(resource) if i.severity == "error"]
        if bool(errors) != (path.name in KNOWN_INVALID):
            failures.append((path.name, errors[:3]))
        if path.stat().st_size < 3_000_000:  # the definitional bundles only hold unsupported types
            rows = extract(resource)
            assert all(r.param for r in rows)
    print(f"\nR4 examples of supported types: {checked - len(KNOWN_INVALID)} of {checked} valid")
    assert checked > 400
    assert failures == []
