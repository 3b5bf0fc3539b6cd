"""Structural validity of every generated resource type against the official FHIR R4 JSON
schema (vendored in tests/data; see tests/data/README.md)."""

import gzip
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft6Validator

from .conftest import Run

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "fhir.r4.schema.json.gz"


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    schema: dict[str, Any] = orjson.loads(gzip.decompress(SCHEMA.read_bytes()))
    return schema["definitions"]  # type: ignore[no-any-return]


def _validator(rtype: str) -> Draft6Validator:
    return Draft6Validator({"$ref": f"#/definitions/{rtype}", "definitions": _definitions()})


def test_the_schema_rejects_a_broken_resource() -> None:
    v = _validator("Patient")
    assert not v.is_valid({"resourceType": "Patient", "gender": "man"})
    assert not v.is_valid({"resourceType": "Patient", "birthDate": "1990-13-01"})
    assert v.is_valid({"resourceType": "Patient", "gender": "male", "birthDate": "1990-12-01"})


@pytest.mark.slow
def test_every_generated_resource_type_is_valid_fhir_r4(region8k: Run) -> None:
    from tiercare.core.synth.model import region_resources

    samples: dict[str, list[dict[str, Any]]] = {}
    for r in region_resources(region8k.ctx):
        samples.setdefault(r["resourceType"], []).append(r)
    for rtype, lines in region8k.lines.items():
        # An even spread of up to ~120 per type, so that visit kinds, error kinds and
        # referral states all appear while the check stays fast.
        samples.setdefault(rtype, []).extend(orjson.loads(x) for x in lines[:: max(1, len(lines) // 120)])
    assert len(samples) >= 15
    for rtype, resources in samples.items():
        v = _validator(rtype)
        for r in resources:
            errors = list(v.iter_errors(r))
            assert not errors, f"{rtype}/{r['id']}: {errors[0].message} at {list(errors[0].absolute_path)}"
