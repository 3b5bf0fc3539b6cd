"""Two real connections updating one resource with the same If-Match: exactly one wins."""

from __future__ import annotations

import threading
import uuid

import pytest

from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.core.errors import PreconditionFailed
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core

pytestmark = pytest.mark.pg


def test_same_if_match_exactly_one_wins(pg_url):
    import psycopg

    service = FhirService(load_core())
    pid = f"race-{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url) as setup:
        with PgFhirStore.on_connection(setup).session() as s:
            service.update(s, "Patient", pid, {"resourceType": "Patient", "gender": "male"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    conns = [psycopg.connect(pg_url) for _ in range(2)]

    def worker(conn: psycopg.Connection, gender: str) -> None:
        store = PgFhirStore.on_connection(conn)
        try:
            with store.session() as s:
                barrier.wait()
                service.update(s, "Patient", pid, {"resourceType": "Patient", "gender": gender},
                               if_match='W/"1"')
            outcomes.append("ok")
        except PreconditionFailed:
            outcomes.append("412")

    threads = [threading.Thread(target=worker, args=(c, g)) for c, g in zip(conns, ["female", "other"], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for c in conns:
        c.close()
    assert sorted(outcomes) == ["412", "ok"]
    with psycopg.connect(pg_url) as check:
        version = check.execute("SELECT version FROM fhir_resource WHERE resource_type='Patient' AND id=%s",
                                (pid,)).fetchone()[0]
        versions = check.execute("SELECT count(*) FROM fhir_history h JOIN fhir_resource r USING (rid) WHERE r.id = %s", (pid,)).fetchone()[0]
    assert (version, versions) == (2, 2)
