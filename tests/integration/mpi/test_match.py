"""Patient/$match (FHIR R4 patient-operation-match)."""

from __future__ import annotations

import pytest
from tests.integration.mpi.conftest import id_number, patient

pytestmark = pytest.mark.pg

GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"


def params(resource, **extra):
    out = [{"name": "resource", "resource": resource}]
    if "only_certain" in extra:
        out.append({"name": "onlyCertainMatches", "valueBoolean": extra["only_certain"]})
    if "count" in extra:
        out.append({"name": "count", "valueInteger": extra["count"]})
    return {"resourceType": "Parameters", "parameter": out}


def test_match_returns_scored_patients_with_grades(api):
    a = api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14"), phone="13987654321"))
    api.create(patient("李建国", "1975-11-02", gender="male"))
    resp = api("POST", "Patient/$match", params(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14"))))
    assert resp.status == 200, resp.body
    bundle = resp.body
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    assert bundle["total"] == 1
    entry = bundle["entry"][0]
    assert entry["resource"]["id"] == a
    assert entry["fullUrl"].endswith(f"/Patient/{a}")
    assert entry["search"]["mode"] == "match" and entry["search"]["score"] >= 0.95
    assert entry["search"]["extension"] == [{"url": GRADE, "valueCode": "certain"}]


def test_match_does_not_store_the_query(api, db):
    api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    before = db.execute("SELECT count(*) FROM mpi_record").fetchone()[0]
    api("POST", "Patient/$match", params(patient("王秀英", "1962-03-14")))
    assert db.execute("SELECT count(*) FROM mpi_record").fetchone()[0] == before


def test_only_certain_and_count(api):
    for _ in range(3):
        api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14"), phone="13987654321"))
    api.create(patient("王秀兰", "1962-03-14", phone="13987654321"))  # close name: not certain
    got = api("POST", "Patient/$match", params(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")),
                                                   only_certain=True, count=2)).body
    assert got["total"] == 2
    assert all(e["search"]["extension"][0]["valueCode"] == "certain" for e in got["entry"])


def test_match_garbage_gives_outcome_and_no_match(api):
    api.create(patient("王秀英", "1962-03-14", idn=id_number("1962-03-14")))
    got = api("POST", "Patient/$match", params(patient("", "2099-01-01", district=None))).body
    assert got["total"] == 0
    outcome = got["entry"][0]
    assert outcome["search"]["mode"] == "outcome"
    diagnostics = {i["diagnostics"] for i in outcome["resource"]["issue"]}
    assert "record: not_linkable" in diagnostics


@pytest.mark.parametrize("body", [
    {"resourceType": "Patient"},
    {"resourceType": "Parameters", "parameter": []},
    {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {"resourceType": "Observation"}}]},
    {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": {"resourceType": "Patient"}},
                                                 {"name": "count", "valueInteger": 0}]},
])
def test_match_bad_input_is_an_operation_outcome(api, body):
    resp = api("POST", "Patient/$match", body)
    assert resp.status == 400
    assert resp.body["resourceType"] == "OperationOutcome"
