"""Transaction and batch Bundles: urn:uuid resolution, all-or-nothing, independent entries."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pg


def _tx(entries, kind="transaction"):
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def test_transaction_resolves_urn_uuid(fhir):
    pat = "urn:uuid:11111111-1111-4111-8111-111111111111"
    r = fhir("POST", "", _tx([
        {"fullUrl": "urn:uuid:22222222-2222-4222-8222-222222222222",
         "resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                      "subject": {"reference": pat}},
         "request": {"method": "POST", "url": "Observation"}},
        {"fullUrl": pat, "resource": {"resourceType": "Patient", "gender": "female"},
         "request": {"method": "POST", "url": "Patient"}},
    ]))
    assert r.status == 200, r.body
    assert r.body["type"] == "transaction-response"
    obs_loc, pat_loc = (e["response"]["location"] for e in r.body["entry"])
    assert [e["response"]["status"] for e in r.body["entry"]] == ["201 Created", "201 Created"]
    pid = pat_loc.split("/")[1]
    obs = fhir("GET", "/".join(obs_loc.split("/")[:2])).body
    assert obs["subject"]["reference"] == f"Patient/{pid}"


def test_transaction_is_all_or_nothing(fhir, db):
    before = db.execute("SELECT count(*) FROM fhir_resource").fetchone()[0]
    r = fhir("POST", "", _tx([
        {"resource": {"resourceType": "Patient", "gender": "male"}, "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Patient", "gender": "male"},
         "request": {"method": "PUT", "url": "Patient/p1"}},
        {"request": {"method": "GET", "url": "Patient/does-not-exist"}},
    ]))
    assert r.status == 404
    assert "Bundle.entry[2]" in r.body["issue"][0]["diagnostics"]
    assert db.execute("SELECT count(*) FROM fhir_resource").fetchone()[0] == before


def test_transaction_rejects_the_same_resource_twice(fhir):
    r = fhir("POST", "", _tx([
        {"resource": {"resourceType": "Patient", "id": "twice"}, "request": {"method": "PUT", "url": "Patient/twice"}},
        {"resource": {"resourceType": "Patient", "id": "twice"}, "request": {"method": "PUT", "url": "Patient/twice"}},
    ]))
    assert r.status == 400


def test_batch_entries_are_independent(fhir):
    r = fhir("POST", "", _tx([
        {"resource": {"resourceType": "Patient", "gender": "male"}, "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Observation"}, "request": {"method": "POST", "url": "Patient"}},
        {"request": {"method": "GET", "url": "Patient/nobody"}},
    ], kind="batch"))
    assert r.status == 200
    statuses = [e["response"]["status"] for e in r.body["entry"]]
    assert statuses == ["201 Created", "400", "404"]
    assert r.body["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    created = r.body["entry"][0]["resource"]["id"]
    assert fhir("GET", f"Patient/{created}").status == 200


def test_transaction_update_delete_and_read(fhir):
    pid = fhir("POST", "Patient", {"resourceType": "Patient", "gender": "male"}).body["id"]
    gone = fhir("POST", "Patient", {"resourceType": "Patient"}).body["id"]
    r = fhir("POST", "", _tx([
        {"request": {"method": "GET", "url": f"Patient/{pid}"}},
        {"resource": {"resourceType": "Patient", "id": pid, "gender": "female"},
         "request": {"method": "PUT", "url": f"Patient/{pid}", "ifMatch": 'W/"1"'}},
        {"request": {"method": "DELETE", "url": f"Patient/{gone}"}},
    ]), {"prefer": "return=representation"})
    assert r.status == 200, r.body
    get, put, delete = r.body["entry"]
    assert get["resource"]["gender"] == "female"  # GETs run after the writes (http.html#trules)
    assert put["response"]["etag"] == 'W/"2"'
    assert delete["response"]["status"] == "204 No Content"
    assert fhir("GET", f"Patient/{gone}").status == 410


def test_not_a_bundle(fhir):
    assert fhir("POST", "", {"resourceType": "Patient"}).status == 400
    assert fhir("POST", "", {"resourceType": "Bundle", "type": "collection"}).status == 400
