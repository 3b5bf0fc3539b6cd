"""CRUD, versioning, history, optimistic locking and audit on the real PostgreSQL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pg

PATIENT = {"resourceType": "Patient", "name": [{"family": "张", "given": ["伟"]}], "gender": "male",
           "birthDate": "1980-05-01"}


def test_create_assigns_id_and_meta(fhir, db):
    r = fhir("POST", "Patient", PATIENT)
    assert r.status == 201
    pid = r.body["id"]
    assert len(pid) == 36
    assert r.body["meta"]["versionId"] == "1"
    assert r.headers["ETag"] == 'W/"1"'
    assert r.headers["Location"].endswith(f"/Patient/{pid}/_history/1")
    got = fhir("GET", f"Patient/{pid}")
    assert got.status == 200
    assert got.body["name"] == PATIENT["name"]
    assert got.body["meta"]["lastUpdated"].endswith("Z")
    # one row current, one history, audit rows for create and read (no PHI: type and id only)
    assert db.execute("SELECT count(*) FROM fhir_history h JOIN fhir_resource r USING (rid) WHERE r.id = %s", (pid,)).fetchone()[0] == 1
    rows = db.execute("SELECT action, resource_type, resource_id, actor FROM audit_log WHERE resource_id = %s "
                      "ORDER BY id", (pid,)).fetchall()
    assert rows == [("create", "Patient", pid, "tester"), ("read", "Patient", pid, "tester")]


def test_update_versions_and_vread(fhir, db):
    pid = fhir("POST", "Patient", PATIENT).body["id"]
    changed = {**PATIENT, "id": pid, "gender": "female"}
    r = fhir("PUT", f"Patient/{pid}", changed)
    assert r.status == 200
    assert r.body["meta"]["versionId"] == "2"
    assert fhir("GET", f"Patient/{pid}/_history/1").body["gender"] == "male"
    assert fhir("GET", f"Patient/{pid}/_history/2").body["gender"] == "female"
    assert fhir("GET", f"Patient/{pid}/_history/3").status == 404
    hist = fhir("GET", f"Patient/{pid}/_history").body
    assert hist["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in hist["entry"]] == ["2", "1"]
    # the current version's body is kept once (in fhir_resource); replaced ones in history
    rows = db.execute("SELECT h.version, h.body IS NULL FROM fhir_history h JOIN fhir_resource r USING (rid) WHERE r.id = %s "
                      "ORDER BY h.version", (pid,))
    assert rows.fetchall() == [(1, False), (2, True)]
    fhir("DELETE", f"Patient/{pid}")
    assert fhir("GET", f"Patient/{pid}/_history/2").body["gender"] == "female"


def test_same_content_update_makes_no_new_version(fhir):
    pid = fhir("POST", "Patient", PATIENT).body["id"]
    r = fhir("PUT", f"Patient/{pid}", {**PATIENT, "id": pid})
    assert r.status == 200
    assert r.body["meta"]["versionId"] == "1"


def test_create_on_update_with_client_id(fhir):
    r = fhir("PUT", "Patient/zhang-wei-1", {**PATIENT, "id": "zhang-wei-1"})
    assert r.status == 201
    assert r.body["id"] == "zhang-wei-1"
    assert fhir("PUT", "Patient/other", {**PATIENT, "id": "zhang-wei-1"}).status == 400


def test_if_match(fhir):
    pid = fhir("POST", "Patient", PATIENT).body["id"]
    ok = fhir("PUT", f"Patient/{pid}", {**PATIENT, "gender": "female"}, {"if-match": 'W/"1"'})
    assert ok.status == 200
    stale = fhir("PUT", f"Patient/{pid}", {**PATIENT, "gender": "other"}, {"if-match": 'W/"1"'})
    assert stale.status == 412
    assert stale.body["resourceType"] == "OperationOutcome"
    assert "version 2, not 1" in stale.body["issue"][0]["diagnostics"]


def test_delete_is_versioned_and_gone(fhir):
    pid = fhir("POST", "Patient", PATIENT).body["id"]
    assert fhir("DELETE", f"Patient/{pid}").status == 200
    assert fhir("GET", f"Patient/{pid}").status == 410
    assert fhir("DELETE", f"Patient/{pid}").status == 204
    hist = fhir("GET", f"Patient/{pid}/_history").body["entry"]
    assert [e["response"]["status"] for e in hist] == ["410", "200"]
    assert fhir("GET", f"Patient/{pid}/_history/2").status == 410
    # re-create after delete: version 3
    r = fhir("PUT", f"Patient/{pid}", {**PATIENT, "id": pid})
    assert r.status == 201
    assert r.body["meta"]["versionId"] == "3"


def test_json_patch(fhir):
    pid = fhir("POST", "Patient", PATIENT).body["id"]
    r = fhir("PATCH", f"Patient/{pid}", [{"op": "replace", "path": "/gender", "value": "female"},
                                         {"op": "add", "path": "/active", "value": True}],
             {"content-type": "application/json-patch+json"})
    assert r.status == 200
    assert (r.body["gender"], r.body["active"], r.body["meta"]["versionId"]) == ("female", True, "2")
    bad = fhir("PATCH", f"Patient/{pid}", [{"op": "remove", "path": "/nothere"}],
               {"content-type": "application/json-patch+json"})
    assert bad.status == 422
    assert fhir("PATCH", f"Patient/{pid}", {"op": "x"}, {"content-type": "application/json-patch+json"}).status == 400


def test_type_and_system_history_with_paging(fhir):
    ids = [fhir("POST", "Practitioner", {"resourceType": "Practitioner", "active": True}).body["id"]
           for _ in range(5)]
    page1 = fhir("GET", "Practitioner/_history", query=[("_count", "3")]).body
    assert [e["resource"]["id"] for e in page1["entry"]] == ids[::-1][:3]
    nxt = next(link["url"] for link in page1["link"] if link["relation"] == "next")
    page2 = fhir("GET", "Practitioner/_history?" + nxt.split("?", 1)[1]).body
    assert [e["resource"]["id"] for e in page2["entry"]][:2] == ids[::-1][3:5]
    since = page1["entry"][1]["resource"]["meta"]["lastUpdated"]
    recent = fhir("GET", "_history", query=[("_since", since)]).body
    assert {e["fullUrl"].rsplit("/", 1)[1] for e in recent["entry"]} >= set(ids[3:])


def test_errors_are_operation_outcomes(fhir):
    cases = [
        ("POST", "Patient", b"{not json", 400),
        ("POST", "Patient", b'{"resourceType": "Patient", "x": "\xff\xfe"}', 400),
        ("POST", "Patient", {"resourceType": "Observation"}, 400),
        ("POST", "Patient", [1, 2], 400),
        ("POST", "Patient", b"[" * 200 + b"]" * 200, 400),
        ("GET", "Nonsense/1", None, 404),
        ("GET", "Patient/bad id!", None, 400),
        ("GET", "Patient/does-not-exist", None, 404),
        ("DELETE", "Patient", None, 400),
    ]
    for method, path, body, status in cases:
        r = fhir(method, path, body)
        assert (path, r.status) == (path, status)
        assert r.body["resourceType"] == "OperationOutcome"


def test_sql_param_code_matches_python(db):
    from tiercare.adapters.postgres.fhir_store import param_code

    got = db.execute("SELECT fhir_param('Patient', 'name'), fhir_param('Observation', 'code-value-quantity')").fetchone()
    assert got == (param_code("Patient", "name"), param_code("Observation", "code-value-quantity"))


def test_sql_system_hash_matches_python(db):
    from tiercare.adapters.postgres.fhir_store import text_hash

    got = db.execute("SELECT fhir_hash('http://loinc.org'), fhir_hash('urn:oid:2.16.156.10011.1.24')").fetchone()
    assert got == (text_hash("http://loinc.org"), text_hash("urn:oid:2.16.156.10011.1.24"))
