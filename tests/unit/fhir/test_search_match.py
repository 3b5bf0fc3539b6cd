"""In-memory search semantics: parsed searches against extracted rows, with real values."""

from __future__ import annotations

from typing import Any

from tiercare.core.fhir.search import parse_search
from tiercare.core.fhir.search_match import matches

ZHANG: dict[str, Any] = {
    "resourceType": "Patient", "id": "p1", "meta": {"lastUpdated": "2024-05-01T08:00:00Z"},
    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": "110101198001010011"}],
    "name": [{"family": "張", "given": ["偉"]}], "gender": "male", "birthDate": "1980-05-01",
    "telecom": [{"system": "phone", "value": "13800000000"}],
    "managingOrganization": {"reference": "Organization/o1"},
}
ORG = {"resourceType": "Organization", "id": "o1", "name": "县人民医院"}
BP: dict[str, Any] = {
    "resourceType": "Observation", "id": "o1", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "Blood pressure"},
    "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-03-01T10:00:00+08:00",
    "component": [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
         "valueQuantity": {"value": 142, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
         "valueQuantity": {"value": 91, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
    ],
}


def hit(resource: dict[str, Any], *params: tuple[str, str], **kw: Any) -> bool:
    return matches(parse_search(resource["resourceType"], list(params)), resource, **kw)


def test_strings_chinese_script_pinyin_exact_contains() -> None:
    assert hit(ZHANG, ("name", "张伟")) and hit(ZHANG, ("name", "張偉")) and hit(ZHANG, ("name", "张"))
    assert hit(ZHANG, ("name:pinyin", "Zhang Wei")) and hit(ZHANG, ("name:pinyin", "wei"))
    assert not hit(ZHANG, ("name:pinyin", "li"))
    assert hit(ZHANG, ("family:exact", "張")) and not hit(ZHANG, ("family:exact", "张"))
    assert hit(ZHANG, ("name:contains", "伟")) and not hit(ZHANG, ("name", "伟伟"))


def test_tokens_dates_ids_and_missing() -> None:
    assert hit(ZHANG, ("identifier", "urn:oid:2.16.156.10011.1.1|110101198001010011"))
    assert not hit(ZHANG, ("identifier", "|110101198001010011"))
    assert hit(ZHANG, ("gender", "male")) and hit(ZHANG, ("gender:not", "female")) and not hit(ZHANG, ("gender:not", "male"))
    assert hit(ZHANG, ("birthdate", "1980")) and hit(ZHANG, ("birthdate", "ge1980-05-01"))
    assert not hit(ZHANG, ("birthdate", "gt1980-05-01")) and hit(ZHANG, ("birthdate", "lt1981"))
    assert hit(ZHANG, ("_id", "p1")) and not hit(ZHANG, ("_id", "p2"))
    assert hit(ZHANG, ("_lastUpdated", "ge2024-05-01")) and not hit(ZHANG, ("_lastUpdated", "lt2024"))
    assert hit(ZHANG, ("deceased:missing", "false")) and hit(ZHANG, ("death-date:missing", "true"))
    assert hit(ZHANG, ("phone", "13800000000")) and hit(ZHANG, ("gender", "male"), ("birthdate", "1980"))
    assert not hit(ZHANG, ("gender", "male"), ("birthdate", "1990"))


def test_references_chains_and_reverse_chains() -> None:
    store = {("Organization", "o1"): ORG, ("Patient", "p1"): ZHANG}

    def resolve(rt: str, rid: str) -> dict[str, Any] | None:
        return store.get((rt, rid))

    def referrers(source: str, param: str, rt: str, rid: str) -> list[dict[str, Any]]:
        return [BP] if (source, param, rt, rid) == ("Observation", "patient", "Patient", "p1") else []

    assert hit(ZHANG, ("organization", "Organization/o1")) and hit(ZHANG, ("organization", "o1"))
    assert hit(ZHANG, ("organization.name", "县人民"), resolve=resolve)
    assert not hit(ZHANG, ("organization.name", "市"), resolve=resolve)
    assert hit(BP, ("subject:Patient.name", "张伟"), resolve=resolve)
    assert hit(BP, ("patient.identifier", "110101198001010011"), resolve=resolve)
    assert hit(ZHANG, ("_has:Observation:patient:code", "85354-9"), referrers=referrers)
    assert not hit(ZHANG, ("_has:Observation:patient:code", "1234-5"), referrers=referrers)


def test_quantities_composites_and_text() -> None:
    assert hit(BP, ("component-value-quantity", "gt140")) and not hit(BP, ("component-value-quantity", "gt150"))
    assert hit(BP, ("component-value-quantity", "142|http://unitsofmeasure.org|mm[Hg]"))
    assert not hit(BP, ("component-value-quantity", "142|http://unitsofmeasure.org|kPa"))
    assert hit(BP, ("component-code-value-quantity", "http://loinc.org|8480-6$gt140"))
    # the diastolic is 91: a systolic over 140 is not a diastolic over 140
    assert not hit(BP, ("component-code-value-quantity", "http://loinc.org|8462-4$gt140"))
    assert hit(BP, ("code:text", "blood")) and hit(BP, ("date", "2024-03-01"))
    assert hit(BP, ("date", "ap2024-03-01")) and hit(BP, ("date", "sa2024-02-29")) and hit(BP, ("date", "eb2024-03-02"))


def test_uris_urls_identifiers_and_numbers() -> None:
    measure = {"resourceType": "Measure", "id": "m", "status": "active", "url": "http://tiercare.cn/Measure/htn/control",
               "library": ["http://tiercare.cn/Library/htn|2"]}
    assert hit(measure, ("url", "http://tiercare.cn/Measure/htn/control"))
    assert hit(measure, ("url:below", "http://tiercare.cn/Measure/"))
    assert not hit(measure, ("url:below", "http://other.cn/"))
    assert hit(measure, ("url:above", "http://tiercare.cn/Measure/htn/control/v2"))
    assert hit(measure, ("depends-on", "http://tiercare.cn/Library/htn|2"))
    assert not hit(measure, ("depends-on", "http://tiercare.cn/Library/htn|3"))
    gp = {**ZHANG, "generalPractitioner": [{"identifier": {"system": "urn:gp", "value": "G7"}},
                                           {"reference": "https://x.cn/fhir/Practitioner/9"}]}
    assert hit(gp, ("general-practitioner:identifier", "urn:gp|G7"))
    assert hit(gp, ("general-practitioner", "https://x.cn/fhir/Practitioner/9"))
    assert not hit(gp, ("general-practitioner", "https://y.cn/fhir/Practitioner/9"))
    risk = {"resourceType": "Group", "id": "g", "type": "person", "actual": True}
    assert hit(risk, ("actual", "true")) and not hit(risk, ("actual", "false"))
    no_meta = {"resourceType": "Patient", "id": "x"}
    assert not hit(no_meta, ("_lastUpdated", "ge2000"))
