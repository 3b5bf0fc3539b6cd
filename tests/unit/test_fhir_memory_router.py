"""The router on the in-memory twin of the store (no database): versions, If-Match,
history, transactions all-or-nothing, bundles with urn:uuid references."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson

from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core
from tiercare.services.fhir_memory import MemoryFhirStore
from tiercare.services.fhir_router import FhirRequest, FhirRouter


def _router() -> tuple[FhirRouter, MemoryFhirStore]:
    clock = iter(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i) for i in range(10_000))
    store = MemoryFhirStore()
    return FhirRouter(store, FhirService(load_core(), clock=lambda: next(clock)), "http://x/fhir/R4"), store


def call(router, method, path, body=None, headers=None):
    raw = b"" if body is None else orjson.dumps(body)
    return router.handle(FhirRequest(method, path, [], headers or {}, raw, "unit"))


def test_versions_if_match_and_history():
    router, store = _router()
    pid = call(router, "POST", "Patient", {"resourceType": "Patient", "gender": "male"}).body["id"]
    assert call(router, "PUT", f"Patient/{pid}", {"resourceType": "Patient", "gender": "female"},
                {"if-match": 'W/"1"'}).status == 200
    assert call(router, "PUT", f"Patient/{pid}", {"resourceType": "Patient", "gender": "other"},
                {"if-match": 'W/"1"'}).status == 412
    assert call(router, "GET", f"Patient/{pid}/_history/1").body["gender"] == "male"
    hist = call(router, "GET", f"Patient/{pid}/_history").body
    assert [e["resource"]["meta"]["versionId"] for e in hist["entry"]] == ["2", "1"]
    assert call(router, "DELETE", f"Patient/{pid}").status == 200
    assert call(router, "GET", f"Patient/{pid}").status == 410
    assert [a[1] for a in store.state.audit] == ["create", "update", "vread", "read", "delete"]


def test_transaction_all_or_nothing_and_urn_references():
    router, store = _router()
    ok = call(router, "POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
        {"resource": {"resourceType": "Encounter", "status": "finished",
                      "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                      "subject": {"reference": "urn:uuid:a"}},
         "request": {"method": "POST", "url": "Encounter"}}]})
    assert ok.status == 200
    pid = ok.body["entry"][0]["response"]["location"].split("/")[1]
    enc = [r for (rt, _), r in store.state.current.items() if rt == "Encounter"][0]
    assert enc.body["subject"]["reference"] == f"Patient/{pid}"
    before = dict(store.state.current)
    bad = call(router, "POST", "", {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient"}, "request": {"method": "POST", "url": "Patient"}},
        {"request": {"method": "GET", "url": "Patient/missing"}}]})
    assert bad.status == 404
    assert store.state.current == before
