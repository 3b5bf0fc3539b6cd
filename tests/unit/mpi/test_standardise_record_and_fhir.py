from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiercare.core.errors import InvalidInput
from tiercare.core.mpi.fhir_patient import from_fhir_patient
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.standardise import standardise_record

TODAY = date(2026, 11, 23)
MOTHER_ID = "11010519491231002X"


def codes(rec):
    return {(i.field, i.code) for i in rec.issues}


def test_clean_record():
    rec = standardise_record(
        PersonRecord(record_id="r1", name="張偉", gender="男", birth_date="1949-12-31", id_number=MOTHER_ID,
                     phones=("+86 138 0013 8000", "13800138000"), address_code="110105001001"),
        today=TODAY,
    )
    assert rec.linkable and rec.name.text == "张伟" and rec.gender == "male"
    assert len(rec.phones) == 1 and rec.address.county == "110105"
    # The ID says a woman (even sequence): reported; the number is taken as
    # someone else's (a wife's card copied in) and gives no evidence.
    assert ("gender", "id_mismatch") in codes(rec)
    assert rec.id_foreign and rec.own_id is None and rec.linkable


def test_birth_date_is_taken_from_the_id_number_when_missing():
    rec = standardise_record(PersonRecord(record_id="r", name="李娜", id_number=MOTHER_ID), today=TODAY)
    assert rec.birth.value == date(1949, 12, 31) and rec.linkable


def test_guardian_id_is_not_the_persons_own():
    rec = standardise_record(
        PersonRecord(record_id="r", name="王小明", birth_date="2018-05-05", id_number=MOTHER_ID), today=TODAY
    )
    assert rec.id_foreign and rec.own_id is None and ("id_number", "not_own") in codes(rec)


@pytest.mark.parametrize(
    ("record", "issue"),
    [
        (PersonRecord(record_id="e", name=""), ("name", "missing")),
        (PersonRecord(record_id="e", name="🙂🙂", birth_date="1980-01-02"), ("name", "characters")),
        (PersonRecord(record_id="e", name="王" * 30, birth_date="1980-01-02"), ("name", "too_long")),
        (PersonRecord(record_id="e", name="\x01\x02", phones=("13800138000",)), ("name", "empty")),
        (PersonRecord(record_id="e", id_number="ABCDEFGHIJKLMNOPQR"), ("id_number", "characters")),
        (PersonRecord(record_id="e", name="李四", birth_date="2090-01-01"), ("birth_date", "future")),
    ],
)
def test_garbage_gives_a_clear_result_and_is_not_linkable(record, issue):
    rec = standardise_record(record, today=TODAY)
    assert issue in codes(rec)
    assert not rec.linkable and ("record", "not_linkable") in codes(rec)


def test_one_character_name_with_a_birth_date_is_linkable_with_a_warning():
    rec = standardise_record(PersonRecord(record_id="r", name="王", birth_date="1980-05-05"), today=TODAY)
    assert rec.linkable and ("name", "too_short") in codes(rec)


PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [
        {"system": "urn:oid:1.2.156.112604.1.2.1", "value": MOTHER_ID},
        {"system": "https://tiercare.org/fhir/sid/household", "value": "H-77"},
        {"system": "urn:other", "value": "x"},
    ],
    "name": [
        {"use": "usual", "text": "Zhang Wei"},
        {"use": "official", "family": "张", "given": ["伟"]},
    ],
    "gender": "female",
    "birthDate": "1949-12-31",
    "telecom": [{"system": "phone", "value": "13800138000"}, {"system": "email", "value": "a@b.c"}],
    "address": [{"extension": [{"url": "https://tiercare.org/fhir/StructureDefinition/address-division-code",
                                "valueCode": "110105001001"}], "text": "..."}],
    "managingOrganization": {"reference": "Organization/clinic-9"},
}


def test_fhir_patient_is_mapped_with_chinese_conventions():
    rec = from_fhir_patient(PATIENT)
    assert rec == PersonRecord(
        record_id="Patient/p1", name="张伟", family_name="张", given_name="伟", gender="female",
        birth_date="1949-12-31", id_number=MOTHER_ID, phones=("13800138000",), address_code="110105001001",
        facility="Organization/clinic-9", household="H-77",
    )
    assert standardise_record(rec, today=TODAY).linkable


def test_fhir_tiercare_id_system_lunar_birthday_and_latin_names():
    patient = {
        "resourceType": "Patient",
        "id": "p2",
        "identifier": [{"system": "https://tiercare.org/fhir/sid/resident-id-number-15", "value": "110105491231002"}],
        "name": [{"family": "Zhang", "given": ["Wei"]}],
        "birthDate": "1980-08-15",
        "_birthDate": {"extension": [{"url": "https://tiercare.org/fhir/StructureDefinition/birth-date-lunar",
                                      "valueBoolean": True}]},
        "address": [{"district": "430124"}],
    }
    rec = from_fhir_patient(patient)
    assert rec.name == "Wei Zhang" and rec.id_number == "110105491231002"
    assert rec.birth_date_lunar and rec.address_code == "430124"
    std = standardise_record(rec, today=TODAY)
    assert std.birth.value == date(1980, 9, 23) and std.id_number.valid and std.id_number.from_legacy


def test_fhir_lunar_birthday_as_written():
    patient = {"resourceType": "Patient", "_birthDate": {"extension": [
        {"url": "https://tiercare.org/fhir/StructureDefinition/birth-date-lunar", "valueString": "农历1980年八月十五"}]}}
    rec = from_fhir_patient(patient)
    assert rec.birth_date == "农历1980年八月十五" and rec.birth_date_lunar


def test_odd_fhir_content_does_not_crash():
    rec = from_fhir_patient({"resourceType": "Patient", "name": "bad", "identifier": [1, {"value": 3}], "telecom": None})
    assert rec.name is None and rec.id_number is None and rec.phones == ()
    with pytest.raises(InvalidInput):
        from_fhir_patient({"resourceType": "Observation"})


@given(
    st.text(max_size=30), st.text(max_size=12), st.text(max_size=20), st.text(max_size=20),
    st.lists(st.text(max_size=20), max_size=3), st.text(max_size=14),
)
def test_arbitrary_input_never_crashes_and_garbage_is_never_linkable(name, gender, birth, idn, phones, code):
    rec = standardise_record(
        PersonRecord(record_id="x", name=name, gender=gender, birth_date=birth, id_number=idn, phones=tuple(phones),
                     address_code=code),
        today=TODAY,
    )
    if rec.linkable:
        assert (rec.name is not None and not rec.name.placeholder) or (rec.own_id is not None and rec.own_id.valid) or (
            rec.name is not None and rec.birth is not None
        )
