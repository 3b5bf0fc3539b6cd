"""Real-time linking on every Patient write (实时匹配), in the write's transaction."""

from __future__ import annotations

import pytest
from tests.integration.mpi.conftest import id_number, patient

pytestmark = pytest.mark.pg


def test_same_person_twice_links_to_one_person_with_golden_record(api):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14"), phone="13987654321"))
    b = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    assert api.person_of(a) == api.person_of(b)
    link = api.mpi.link_of(b)
    assert link.kind == "auto" and link.score >= 0.95
    person = api.mpi.person(api.person_of(a))
    golden = person["golden"]
    assert golden["name"] == "王秀英"
    assert golden["phones"] == ["13987654321"]  # from the more complete record
    assert golden["identifier"] == {"system": "https://tiercare.org/fhir/sid/empi", "value": person["enterprise_id"]}
    assert golden["patients"] == sorted([a, b])
    assert person["enterprise_id"] == f"EMPI-{person['id']}"


def test_different_people_get_different_persons(api):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    b = api.create(patient("李建国", "1975-11-02", gender="male", idn=id_number("1975-11-02", "451", "male")))
    assert api.person_of(a) != api.person_of(b)
    assert api.mpi.link_of(b).kind == "new"


def test_two_valid_different_ids_never_link(api):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14", "123")))
    b = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14", "246")))
    assert api.person_of(a) != api.person_of(b)


def test_link_rolls_back_with_the_write(api, db):
    api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    before = db.execute("SELECT count(*) FROM mpi_record").fetchone()[0]
    bad = patient("王秀英", "1962-03-14")
    bad["gender"] = 12  # invalid FHIR: the write fails, nothing of it may stay in the registry
    resp = api("POST", "Patient", bad)
    assert resp.status in (400, 422)
    assert db.execute("SELECT count(*) FROM mpi_record").fetchone()[0] == before


def test_update_reindexes_and_delete_removes(api, db):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    body = patient("王秀英", "1962-03-14", idn=id_number("1962-03-14"), phone="13987654321")
    body["id"] = a
    assert api("PUT", f"Patient/{a}", body).status == 200
    assert api.mpi.record(a)["standardised"]["phones"] == ["13987654321"]
    assert db.execute("SELECT count(*) FROM mpi_block_key WHERE key = 'phone:13987654321'").fetchone()[0] == 1
    person = api.person_of(a)
    assert api("DELETE", f"Patient/{a}").status in (200, 204)
    assert api.mpi.link_of(a) is None
    assert api.mpi.person(person)["active"] is False


def test_typo_name_with_same_birth_and_phone_goes_to_review_or_links(api, db):
    a = api.create(patient("张伟明", "1980-05-06", gender="male", phone="13811112222"))
    b = api.create(patient("张卫明", "1980-05-06", gender="male", phone="13811112222"))
    linked = api.person_of(a) == api.person_of(b)
    pending = db.execute("SELECT count(*) FROM mpi_review WHERE status = 'pending'").fetchone()[0]
    assert linked or pending == 1


def test_garbage_is_recorded_with_issues_and_never_links(api):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    g = api.create(patient("😀😀###", "2090-01-01", district=None))
    rec = api.mpi.record(g)
    assert rec["linkable"] is False
    codes = {(i["field"], i["code"]) for i in rec["issues"]}
    assert ("record", "not_linkable") in codes
    assert any(f == "birth_date" for f, _ in codes)
    assert api.person_of(g) != api.person_of(a)
    assert api.mpi.link_of(g).kind == "new"
