"""The FHIRPath subset compiler: every R4 expression of the supported types compiles, and
the compiled closures select what the spec says."""

from __future__ import annotations

from typing import Any

import pytest

from tiercare.core.fhir.definitions import definitions
from tiercare.core.fhir.fhirpath import Compiler, Env, FhirPathUnsupported, parse, reference_type

OBS: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"reference": "Patient/p1"},
    "performer": [{"reference": "#pr"}, {"reference": "http://other.org/fhir/Practitioner/9/_history/2"}],
    "contained": [{"resourceType": "Practitioner", "id": "pr"}],
    "valueQuantity": {"value": 120},
    "component": [
        {"code": {"text": "systolic"}, "valueQuantity": {"value": 120}},
        {"code": {"text": "note"}, "valueString": "ok"},
    ],
    "extension": [{"url": "http://x/ext", "valueString": "e"}],
}


def run(expr: str, resource: dict[str, Any] = OBS) -> list[tuple[Any, str]]:
    fn = Compiler(definitions()).compile(expr, resource["resourceType"])
    return fn([(resource, resource["resourceType"])], Env(resource))


def test_every_search_expression_of_the_supported_types_compiles() -> None:
    d = definitions()
    compiler = Compiler(d)
    count = 0
    for rt in d.resource_types:
        for p in d.search_params(rt).values():
            if p.expression:
                _, types = compiler.compile_typed(p.expression, rt)
                for c in p.components:
                    compiler.compile_typed(c.expression, types)
                count += 1
    assert count > 800


def test_paths_choice_types_and_as() -> None:
    assert run("Observation.status") == [("final", "code")]
    assert run("Observation.value") == [({"value": 120}, "Quantity")]
    assert run("(Observation.value as Quantity)") == [({"value": 120}, "Quantity")]
    assert run("Observation.value.as(string)") == []
    assert run("Observation.component.value.ofType(string)") == [("ok", "string")]
    assert run("Observation.component.value as Quantity") == [({"value": 120}, "Quantity")]
    assert [t for _, t in run("Observation.code | Observation.component.code")] == ["CodeableConcept"] * 3
    assert run("Observation.component[1].code.text") == [("note", "string")]
    assert run("Observation.component.code.first().text") == [("systolic", "string")]


def test_where_resolve_is_and_literal_filters() -> None:
    assert run("Observation.subject.where(resolve() is Patient)") == [({"reference": "Patient/p1"}, "Reference")]
    assert run("Observation.subject.where(resolve() is Group)") == []
    assert len(run("Observation.performer.where(resolve() is Practitioner)")) == 2
    assert run("Observation.component.where(code.text = 'note').value") == [("ok", "string")]
    assert run("Observation.component.where(code.text != 'note').exists()") == [(True, "boolean")]
    assert run("Observation.extension('http://x/ext').value") == [("e", "string")]
    assert run("Observation.component.where(code.text = 'none' or code.text = 'note').value") == [("ok", "string")]
    assert run("Observation.component.where((code.text = 'note').not()).value") == [({"value": 120}, "Quantity")]


def test_boolean_expression_of_patient_deceased() -> None:
    expr = "Patient.deceased.exists() and Patient.deceased != false"
    alive = {"resourceType": "Patient", "deceasedBoolean": False}
    dead = {"resourceType": "Patient", "deceasedDateTime": "2020-01-01"}
    unknown = {"resourceType": "Patient"}
    assert run(expr, alive) == [(False, "boolean")]
    assert run(expr, dead) == [(True, "boolean")]
    assert run(expr, unknown) == [(False, "boolean")]


def test_reference_types() -> None:
    root = {"contained": [{"resourceType": "Medication", "id": "m"}]}
    assert reference_type({"reference": "Patient/1"}, root) == "Patient"
    assert reference_type({"reference": "https://x.cn/fhir/Patient/1/_history/3"}, root) == "Patient"
    assert reference_type({"reference": "#m"}, root) == "Medication"
    assert reference_type({"reference": "#zz"}, root) is None
    assert reference_type({"identifier": {"value": "1"}, "type": "Patient"}, root) == "Patient"
    assert reference_type({"identifier": {"value": "1"}}, root) is None


def test_outside_the_subset_is_reported_at_compile_time() -> None:
    compiler = Compiler(definitions())
    for expr in ("Observation.nosuch", "Observation.subject.resolve()", "Observation.code.count()",
                 "Observation.value as Coding", "Observation.status +", "Observation.code[x]"):
        with pytest.raises(FhirPathUnsupported):
            compiler.compile(expr, "Observation")
    with pytest.raises(FhirPathUnsupported):
        parse("Observation.status ~ 'a'")
