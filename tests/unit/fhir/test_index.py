"""Index extraction: resources -> rows per search parameter, with real values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tiercare.core.fhir.index import (
    CompositeRow,
    DateRow,
    NumberRow,
    QuantityRow,
    ReferenceRow,
    StringRow,
    TokenRow,
    UriRow,
    extract,
    indexer,
    parse_reference,
)
from tiercare.core.fhir.values import MAX_DATE, MIN_DATE

PATIENT: dict[str, Any] = {
    "resourceType": "Patient",
    "id": "p1",
    "meta": {"tag": [{"system": "http://tiercare.cn/tag", "code": "demo"}], "profile": ["http://x/p"]},
    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": "110101198001010011",
                    "type": {"text": "居民身份证"}}],
    "name": [{"family": "張", "given": ["偉"]}, {"family": "Smith", "given": ["John"], "prefix": ["Dr."]}],
    "gender": "male",
    "birthDate": "1980-05",
    "deceasedBoolean": False,
    "telecom": [{"system": "phone", "value": "13800000000"}, {"system": "email", "value": "a@b.cn"}],
    "address": [{"city": "北京", "line": ["東城區 1號"]}],
    "managingOrganization": {"reference": "Organization/o1"},
    "generalPractitioner": [{"identifier": {"system": "urn:gp", "value": "G7"}}],
}


def rows_of(resource: dict[str, Any], param: str) -> list[Any]:
    return [r for r in extract(resource) if r.param == param]


def test_every_expression_param_of_the_supported_types_compiles() -> None:
    report = indexer().report()
    assert report.failures == []
    assert report.compiled == report.total > 700


def test_patient_names_index_simplified_with_pinyin_and_whole_name_forms() -> None:
    names = rows_of(PATIENT, "name")
    assert StringRow("name", "张伟", "張偉", "zhang wei") in names
    assert StringRow("name", "张", "張", "zhang") in names
    assert StringRow("name", "john smith", "John Smith") in names
    assert StringRow("name", "dr.", "Dr.") in names
    assert rows_of(PATIENT, "family") == [StringRow("family", "张", "張", "zhang"), StringRow("family", "smith", "Smith")]
    assert StringRow("address-city", "北京", "北京", "bei jing") in rows_of(PATIENT, "address-city")
    assert StringRow("address", "北京东城区 1号", "北京東城區 1號", "bei jing dong cheng qu 1 hao") in rows_of(PATIENT, "address")


def test_patient_tokens_dates_and_references() -> None:
    assert rows_of(PATIENT, "gender") == [TokenRow("gender", None, "male")]
    assert rows_of(PATIENT, "deceased") == [TokenRow("deceased", None, "false")]
    assert rows_of(PATIENT, "identifier") == [
        TokenRow("identifier", "urn:oid:2.16.156.10011.1.1", "110101198001010011", "居民身份证")]
    assert rows_of(PATIENT, "phone") == [TokenRow("phone", "phone", "13800000000")]
    assert rows_of(PATIENT, "email") == [TokenRow("email", "email", "a@b.cn")]
    assert rows_of(PATIENT, "_tag") == [TokenRow("_tag", "http://tiercare.cn/tag", "demo")]
    assert rows_of(PATIENT, "_profile") == [UriRow("_profile", "http://x/p")]
    assert rows_of(PATIENT, "birthdate") == [
        DateRow("birthdate", datetime(1980, 5, 1, tzinfo=UTC), datetime(1980, 6, 1, tzinfo=UTC))]
    assert rows_of(PATIENT, "organization") == [ReferenceRow("organization", "Organization", "o1")]
    assert rows_of(PATIENT, "general-practitioner") == [
        ReferenceRow("general-practitioner", None, None, identifier_system="urn:gp", identifier_value="G7")]
    assert rows_of(PATIENT, "_id") == [] and rows_of(PATIENT, "_lastUpdated") == []


def test_local_zone_applies_to_dates_without_zone() -> None:
    rows = [r for r in extract(PATIENT, timezone(timedelta(hours=8))) if r.param == "birthdate"]
    assert rows == [DateRow("birthdate", datetime(1980, 4, 30, 16, tzinfo=UTC), datetime(1980, 5, 31, 16, tzinfo=UTC))]


BP: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure"}],
             "text": "血壓"},
    "subject": {"reference": "Patient/p1"},
    "effectivePeriod": {"start": "2024-03-01T10:00:00+08:00"},
    "component": [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
         "valueQuantity": {"value": 142, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
         "valueQuantity": {"value": 91.5, "comparator": "<", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
    ],
}


def test_observation_code_date_subject_and_component_quantities() -> None:
    assert rows_of(BP, "code") == [
        TokenRow("code", "http://loinc.org", "85354-9", "blood pressure"), TokenRow("code", None, None, "血压")]
    assert rows_of(BP, "date") == [DateRow("date", datetime(2024, 3, 1, 2, tzinfo=UTC), MAX_DATE)]
    assert rows_of(BP, "patient") == [ReferenceRow("patient", "Patient", "p1")]
    assert rows_of(BP, "component-value-quantity") == [
        QuantityRow("component-value-quantity", Decimal(142), Decimal(142), Decimal(142),
                    "http://unitsofmeasure.org", "mm[Hg]", "mmHg"),
        QuantityRow("component-value-quantity", Decimal("91.5"), None, Decimal("91.5"),
                    "http://unitsofmeasure.org", "mm[Hg]", None),
    ]
    assert rows_of(BP, "value-quantity") == []


def test_composites_pair_values_of_the_same_component() -> None:
    rows = rows_of(BP, "component-code-value-quantity")
    assert [(r.parts[0].code, r.parts[1].value) for r in rows] == [("8480-6", Decimal(142)), ("8462-4", Decimal("91.5"))]
    assert all(isinstance(r, CompositeRow) for r in rows)
    # code-value-quantity uses Observation.value, which this panel does not have
    assert rows_of(BP, "code-value-quantity") == []


def test_periods_timings_ranges_money_and_numbers() -> None:
    enc = {"resourceType": "Encounter", "status": "finished", "period": {"end": "2024-01-02"},
           "length": {"value": 3, "unit": "d"}, "subject": {"reference": "#p"},
           "contained": [{"resourceType": "Patient", "id": "p"}]}
    assert rows_of(enc, "date") == [DateRow("date", MIN_DATE, datetime(2024, 1, 3, tzinfo=UTC))]
    assert rows_of(enc, "length") == [QuantityRow("length", Decimal(3), Decimal(3), Decimal(3), None, None, "d")]
    assert rows_of(enc, "subject") == [ReferenceRow("subject", None, None, "#p")]
    assert rows_of(enc, "patient") == [ReferenceRow("patient", None, None, "#p")]
    cond = {"resourceType": "Condition", "subject": {"reference": "Patient/1"},
            "onsetRange": {"low": {"value": 40, "system": "http://unitsofmeasure.org", "code": "a"}}}
    assert rows_of(cond, "onset-age") == [
        QuantityRow("onset-age", None, Decimal(40), None, "http://unitsofmeasure.org", "a", None)]
    req = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": {"reference": "Patient/1"},
           "medicationCodeableConcept": {"text": "x"},
           "dosageInstruction": [{"timing": {"event": ["2024-01-05", "2024-01-01"]}}]}
    assert rows_of(req, "date") == [DateRow("date", datetime(2024, 1, 5, tzinfo=UTC), datetime(2024, 1, 6, tzinfo=UTC)),
                                    DateRow("date", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))]
    plan = {"resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": {"reference": "Patient/1"},
            "activity": [{"detail": {"status": "scheduled", "scheduledTiming": {
                "event": ["2024-01-05", "2024-01-01"], "repeat": {"boundsPeriod": {"start": "2024-02-01"}}}}}]}
    assert rows_of(plan, "activity-date") == [
        DateRow("activity-date", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 6, tzinfo=UTC)),
        DateRow("activity-date", datetime(2024, 2, 1, tzinfo=UTC), MAX_DATE)]
    eob = {"resourceType": "Claim", "total": {"value": 12.5, "currency": "CNY"}}
    assert eob["total"] and rows_of(eob, "use") == []
    group = {"resourceType": "Group", "type": "person", "actual": True, "quantity": 5,
             "characteristic": [{"code": {"text": "age"}, "valueBoolean": True, "exclude": False}]}
    assert rows_of(group, "actual") == [TokenRow("actual", None, "true")]
    assert rows_of(group, "value") == [TokenRow("value", None, "true")]
    assert NumberRow("n", Decimal(1)).kind == "number"


def test_canonical_and_absolute_references() -> None:
    qr = {"resourceType": "QuestionnaireResponse", "status": "completed",
          "questionnaire": "http://tiercare.cn/Questionnaire/phq9|1.0",
          "author": {"reference": "https://hospital.cn/fhir/Practitioner/9/_history/4"}}
    assert rows_of(qr, "questionnaire") == [
        ReferenceRow("questionnaire", None, None, "http://tiercare.cn/Questionnaire/phq9", "1.0")]
    assert rows_of(qr, "author") == [
        ReferenceRow("author", "Practitioner", "9", "https://hospital.cn/fhir/Practitioner/9", "4")]
    assert parse_reference("urn:uuid:1234") == (None, None, "urn:uuid:1234", None)
    assert parse_reference("Patient/1/_history/2") == ("Patient", "1", None, "2")


def test_contract_view_groups_rows_per_table() -> None:
    from tiercare.core.fhir.index import extract_index, normalise_string

    rows = extract_index(BP)
    assert ("code", "http://loinc.org", "85354-9") in rows.token
    assert ("code", "血压") in rows.token_text
    assert ("patient", "Patient", "p1", None, None, None, None) in rows.reference
    assert rows.composite[0][0] == "combo-code-value-quantity" or any(
        c[0] == "component-code-value-quantity" for c in rows.composite)
    assert normalise_string("張偉") == "张伟"


def test_shared_memo_gives_the_same_rows_as_separate_evaluations() -> None:
    ix = indexer()
    for resource in (PATIENT, BP):
        separate = [row for ex in ix.extractors(resource["resourceType"]) for row in ex.rows(resource)]
        assert extract(resource) == list(dict.fromkeys(separate))


def test_unsupported_or_malformed_resources() -> None:
    import pytest

    from tiercare.core.errors import NotSupported

    for bad in ({"resourceType": "Goal"}, {"id": "x"}, {"resourceType": 7}):
        with pytest.raises(NotSupported):
            extract(bad)
    assert rows_of({"resourceType": "Patient", "name": "not a list", "birthDate": 1980, "identifier": [3]}, "name") == []


def test_generated_selectors_match_the_closures() -> None:
    from tiercare.core.fhir.definitions import definitions
    from tiercare.core.fhir.index import Indexer

    closures_only = Indexer(definitions(), use_fast=False)
    report = indexer()
    fast = sum(ex.fast is not None for rt in ("Patient", "Observation") for ex in report.extractors(rt))
    assert fast >= 60
    for resource in (PATIENT, BP, {**BP, "valueQuantity": {"value": 5}, "subject": {"reference": "#p"},
                                   "contained": [{"resourceType": "Patient", "id": "p"}]}):
        assert extract(resource) == closures_only.extract(resource)
