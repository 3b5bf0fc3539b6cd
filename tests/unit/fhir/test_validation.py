"""Validation on write: each problem is reported with its path; valid resources give no issue."""

from __future__ import annotations

from typing import Any

from tiercare.core.fhir.validation import MAX_DEPTH, Issue, validate

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p-1",
    "meta": {"lastUpdated": "2024-01-01T00:00:00.123+08:00", "versionId": "1"},
    "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">张伟</div>"},
    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": "110101198001010011"}],
    "name": [{"family": "张", "given": ["伟"], "_given": [{"extension": [{"url": "http://x/e", "valueCode": "a"}]}]}],
    "gender": "male",
    "birthDate": "1980-05-01",
    "deceasedBoolean": False,
    "multipleBirthInteger": 2,
    "telecom": [{"system": "phone", "value": "13800000000"}],
    "managingOrganization": {"reference": "Organization/o1"},
    "generalPractitioner": [{"reference": "https://x.cn/fhir/Practitioner/9"}, {"reference": "#c1"}],
    "contained": [{"resourceType": "Practitioner", "id": "c1", "active": True}],
    "extension": [{"url": "http://tiercare.cn/ext/ethnicity", "valueCoding": {"code": "01"}}],
}


def paths(resource: Any) -> list[tuple[str, str]]:
    return [(i.path, i.code) for i in validate(resource)]


def test_a_valid_resource_has_no_issue() -> None:
    assert validate(PATIENT) == []
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "bp"},
           "effectivePeriod": {"start": "2024-01-01"}, "valueQuantity": {"value": 1.5, "unit": "mg"},
           "component": [{"code": {"text": "a"}, "valueInteger": -3}]}
    assert validate(obs) == []


def test_unknown_elements_and_resource_types() -> None:
    assert paths({**PATIENT, "nickname": "x"}) == [("Patient.nickname", "structure")]
    assert paths({**PATIENT, "name": [{"family": "z", "middle": "q"}]}) == [("Patient.name[0].middle", "structure")]
    assert paths({"resourceType": "Spaceship"}) == [("Spaceship", "not-supported")]
    assert paths({"id": "1"}) == [("Resource", "structure")]
    assert paths([1]) == [("Resource", "structure")]
    assert paths({"resourceType": "Patient"}) == [("Patient", "structure")]  # empty resource


def test_cardinality_and_arrays() -> None:
    assert paths({**PATIENT, "name": {"family": "z"}}) == [("Patient.name", "structure")]
    assert paths({**PATIENT, "gender": ["male"]}) == [("Patient.gender", "structure")]
    assert paths({**PATIENT, "name": []}) == [("Patient.name", "structure")]
    assert paths({"resourceType": "Observation", "code": {"text": "x"}}) == [("Observation.status", "required")]
    assert paths({"resourceType": "Observation", "status": "final"}) == [("Observation.code", "required")]
    assert ("Patient.link[0].type", "required") in paths({**PATIENT, "link": [{"other": {"reference": "Patient/2"}}]})


def test_primitive_datatypes() -> None:
    cases = {
        "birthDate": ["1980-13-01", "2023-02-30", "80-01-01", 1980, ""],
        "id": ["a b", "x" * 65, ""],
        "active": ["true", 1],
        "multipleBirthInteger": [1.5, True, 2**31, "2"],
    }
    for key, bads in cases.items():
        for bad in bads:
            got = paths({**PATIENT, key: bad})
            assert got == [(f"Patient.{key}", "value")], (key, bad, got)
    assert paths({**PATIENT, "meta": {"lastUpdated": "2024-01-01"}}) == [("Patient.meta.lastUpdated", "value")]
    assert paths({**PATIENT, "name": [{"given": ["  "]}]}) == [("Patient.name[0].given[0]", "value")]
    assert paths({**PATIENT, "gender": "man"}) == [("Patient.gender", "code-invalid")]
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    for bad in (float("inf"), float("nan"), "1.5", True):
        assert paths({**obs, "valueQuantity": {"value": bad}}) == [("Observation.valueQuantity.value", "value")], bad


def test_choice_types() -> None:
    obs = {"resourceType": "Observation", "status": "final", "code": {"text": "x"},
           "component": [{"code": {"text": "a"}, "valueQuantity": {"value": 1}},
                         {"code": {"text": "b"}, "valueQuantity": {"value": "1"}}]}
    assert paths(obs) == [("Observation.component[1].valueQuantity.value", "value")]
    both = {**PATIENT, "deceasedDateTime": "2020-01-01"}
    assert paths(both) == [("Patient.deceased[x]", "structure")]
    assert paths({**PATIENT, "deceasedString": "yes"}) == [("Patient.deceasedString", "structure")]


def test_references() -> None:
    for bad in ("Organization/", "organization/1", "Organization/a b", "just words"):
        assert paths({**PATIENT, "managingOrganization": {"reference": bad}}) == [
            ("Patient.managingOrganization.reference", "value")], bad
    assert paths({**PATIENT, "managingOrganization": {"reference": "Patient/1"}}) == [
        ("Patient.managingOrganization.reference", "value")]
    for good in ("urn:uuid:3b8d1f6e-1d6c-4b6c-9d7e-1a2b3c4d5e6f", "Organization/1/_history/2",
                 "http://x.cn/fhir/Organization/1"):
        assert validate({**PATIENT, "managingOrganization": {"reference": good}}) == []


def test_contained_and_bundled_resources_are_validated_in_place() -> None:
    bad_contained = {**PATIENT, "contained": [{"resourceType": "Practitioner", "id": "c1", "active": "yes"}]}
    assert paths(bad_contained) == [("Patient.contained[0].active", "value")]
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:3b8d1f6e-1d6c-4b6c-9d7e-1a2b3c4d5e6f", "resource": {**PATIENT, "gender": "x"},
         "request": {"method": "POST", "url": "Patient"}}]}
    assert paths(bundle) == [("Bundle.entry[0].resource.gender", "code-invalid")]


def test_primitive_extensions_and_nulls() -> None:
    ok = {**PATIENT, "_birthDate": {"extension": [{"url": "http://x", "valueString": "approx"}]}}
    assert validate(ok) == []
    only_ext = {"resourceType": "Observation", "_status": {"extension": [{"url": "http://x", "valueString": "?"}]},
                "code": {"text": "x"}}
    assert validate(only_ext) == []
    aligned = {**PATIENT, "name": [{"given": [None, "b"], "_given": [{"id": "g1"}, None]}]}
    assert validate(aligned) == []
    assert paths({**PATIENT, "_birthDate": "x"}) == [("Patient._birthDate", "structure")]
    assert paths({**PATIENT, "_nothing": {}}) == [("Patient._nothing", "structure")]


def test_hostile_nesting_is_refused_quickly() -> None:
    item: dict[str, Any] = {"linkId": "x", "type": "group"}
    root = item
    for _ in range(MAX_DEPTH + 5):
        child = {"linkId": "x", "type": "group"}
        item["item"] = [child]
        item = child
    q = {"resourceType": "Questionnaire", "status": "active", "item": [root]}
    issues = validate(q)
    assert len(issues) == 1 and issues[0].message.endswith("is nested too deeply")


def test_issue_shape() -> None:
    issue = validate({**PATIENT, "gender": "x"})[0]
    assert issue == Issue("error", "code-invalid", "Patient.gender",
                          "Patient.gender is not a code of the required value set")


def test_wrong_reference_target_is_only_a_warning() -> None:
    issues = validate({**PATIENT, "managingOrganization": {"reference": "Patient/1"}})
    assert [(i.severity, i.path) for i in issues] == [("warning", "Patient.managingOrganization.reference")]


def test_contained_resources_of_any_r4_type_are_validated() -> None:
    plan = {"resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": {"reference": "Patient/1"},
            "contained": [{"resourceType": "Goal", "id": "g", "lifecycleStatus": "active",
                           "description": {"text": "控制血压"}, "subject": {"reference": "Patient/1"}}],
            "goal": [{"reference": "#g"}]}
    assert validate(plan) == []
    plan["contained"][0]["lifecycleStatus"] = "sometime"  # type: ignore[index]
    assert [(i.path, i.code) for i in validate(plan)] == [("CarePlan.contained[0].lifecycleStatus", "code-invalid")]
    bad = {**plan, "contained": [{"resourceType": "DomainResource", "id": "x"}]}
    assert [(i.path, i.code) for i in validate(bad)] == [("CarePlan.contained[0]", "structure")]
    assert [(i.path, i.code) for i in validate({"resourceType": "Goal", "id": "g"})] == [("Goal", "not-supported")]
