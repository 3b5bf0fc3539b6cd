"""The FHIR API over HTTP (Starlette app, real PostgreSQL): auth, content types, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tiercare.adapters.postgres.tokens import create_token
from tiercare.api.app import create_app
from tiercare.bootstrap import build
from tiercare.config import load_settings

pytestmark = pytest.mark.pg

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def client(committed_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("e2e-home")
    settings = load_settings(env={"TIERCARE_HOME": str(home), "TIERCARE_DATABASE_URL": committed_url},
                             max_body_bytes=LIMIT, base_url="http://testserver")
    container = build(settings)
    with container.database.connect(autocommit=True) as conn:
        token = create_token(conn, "e2e-tester")
    app = create_app(container)
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c
    container.close()


def test_metadata_is_public_and_lists_types(client):
    r = TestClient(client.app).get("/fhir/R4/metadata")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    cs = r.json()
    types = {res["type"] for res in cs["rest"][0]["resource"]}
    assert {"Patient", "Observation", "Encounter", "MeasureReport"} <= types
    assert {"code": "transaction"} in cs["rest"][0]["interaction"]


def test_token_required(client):
    r = TestClient(client.app).get("/fhir/R4/Patient/x")
    assert r.status_code == 401
    assert r.json()["resourceType"] == "OperationOutcome"


def test_crud_over_http(client):
    r = client.post("/fhir/R4/Patient", json={"resourceType": "Patient", "gender": "female"},
                    headers={"content-type": "application/fhir+json"})
    assert r.status_code == 201
    assert r.headers["etag"] == 'W/"1"'
    loc = r.headers["location"]
    assert loc.startswith("http://testserver/fhir/R4/Patient/")
    pid = r.json()["id"]
    r = client.put(f"/fhir/R4/Patient/{pid}", json={"resourceType": "Patient", "id": pid, "gender": "male"},
                   headers={"if-match": 'W/"1"'})
    assert (r.status_code, r.json()["meta"]["versionId"]) == (200, "2")
    r = client.put(f"/fhir/R4/Patient/{pid}", json={"resourceType": "Patient", "id": pid, "gender": "other"},
                   headers={"if-match": 'W/"1"'})
    assert r.status_code == 412
    assert client.get(f"/fhir/R4/Patient/{pid}/_history/1").json()["gender"] == "female"
    assert client.delete(f"/fhir/R4/Patient/{pid}").status_code == 200
    assert client.get(f"/fhir/R4/Patient/{pid}").status_code == 410


@pytest.mark.parametrize("body, status", [
    (b"{", 400),
    (b"\xff\xfe\x00", 400),
    (b'{"resourceType": "Observation"}', 400),
    (b"[" * 5000 + b"]" * 5000, 400),
    (b'{"resourceType": "Patient", "gender": "' + b"x" * (LIMIT + 10) + b'"}', 413),
])
def test_bad_bodies_are_4xx_outcomes(client, body, status):
    r = client.post("/fhir/R4/Patient", content=body, headers={"content-type": "application/fhir+json"})
    assert r.status_code == status
    assert r.json()["resourceType"] == "OperationOutcome"


def test_unknown_paths_and_methods(client):
    assert client.get("/fhir/R4/Nope/1").status_code == 404
    assert client.get("/fhir/R4/Patient/1/_history/1/extra").status_code == 400
    assert client.get("/fhir/R4/Patient/'%20OR%201=1--").status_code == 400


def test_openapi_document(client):
    doc = TestClient(client.app).get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/fhir/R4/{type}/{id}" in doc["paths"]


def _poll(client, url):
    import time

    for _ in range(200):
        r = client.get(url)
        if r.status_code != 202:
            return r
        time.sleep(0.05)
    raise AssertionError("export did not finish")


def test_import_then_export_bulk_data(client):
    ndjson = "\n".join(json.dumps(r) for r in [
        {"resourceType": "Patient", "id": "bulk-e2e-p", "gender": "female"},
        {"resourceType": "Observation", "id": "bulk-e2e-o", "status": "final", "code": {"text": "bp"},
         "subject": {"reference": "Patient/bulk-e2e-p"}},
        {"resourceType": "Organization", "id": "bulk-e2e-org", "name": "county hospital"},
    ]) + "\nnot json\n"
    r = client.post("/fhir/R4/$import", content=ndjson.encode(), headers={"content-type": "application/fhir+ndjson"})
    assert r.status_code == 200
    issues = r.json()["issue"]
    assert "3 created" in issues[0]["diagnostics"] or "unchanged" in issues[0]["diagnostics"]
    assert issues[1]["diagnostics"] == "request:4: the request body is not valid JSON"
    r = client.get("/fhir/R4/Patient/$export", params={"_type": "Patient,Observation"})
    assert r.status_code == 202
    status_url = r.headers["content-location"]
    done = _poll(client, status_url.replace("http://testserver", ""))
    assert done.status_code == 200
    out = {o["type"]: o for o in done.json()["output"]}
    assert set(out) == {"Patient", "Observation"}
    lines = client.get(out["Observation"]["url"].replace("http://testserver", "")).text.splitlines()
    assert any(json.loads(x)["id"] == "bulk-e2e-o" for x in lines)
    r = client.get("/fhir/R4/$export", params={"_type": "Organization", "_since": "2000-01-01T00:00:00Z"})
    done = _poll(client, r.headers["content-location"].replace("http://testserver", ""))
    assert [o["type"] for o in done.json()["output"]] == ["Organization"]
    assert client.get("/fhir/R4/$export", params={"_type": "Nope"}).status_code == 404
    assert client.get("/fhir/R4/$export-poll-status/0123").status_code == 404
