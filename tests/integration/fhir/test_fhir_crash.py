"""kill -9 in the middle of a transaction Bundle leaves no partial resource (issue 4,
"Failure and bad input"): the writer process dies after its statements ran but before
COMMIT; nothing of the bundle is visible afterwards, and what was committed before stays."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import uuid

import psycopg
import psycopg.sql
import pytest

pytestmark = [pytest.mark.pg, pytest.mark.slow]

WRITER = textwrap.dedent("""
    import sys, time, psycopg
    from tiercare.adapters.postgres.fhir_store import PgFhirStore
    from tiercare.services.fhir import FhirService
    from tiercare.services.fhir_core import load_core
    from tiercare.services.fhir_router import FhirRouter, FhirRequest
    import orjson
    url, tag = sys.argv[1], sys.argv[2]
    conn = psycopg.connect(url)
    store = PgFhirStore.on_connection(conn)
    router = FhirRouter(store, FhirService(load_core()), "http://x/fhir/R4")
    # committed first: must survive
    router.handle(FhirRequest("PUT", f"Patient/kept-{tag}", [], {}, orjson.dumps(
        {"resourceType": "Patient", "id": f"kept-{tag}"}), "crash"))
    conn.commit()
    # then a transaction that never commits: sessions are savepoints of an open transaction
    conn.execute("SELECT 1")
    svc = router.service
    with store.session() as s:
        sink = []
        for i in range(100):
            svc.create(s, "Observation", {"resourceType": "Observation", "status": "final",
                                          "code": {"text": tag}}, id=f"{tag}-{i}", sink=sink)
        s.write(sink)
        print("written", flush=True)
        time.sleep(60)
""")


def test_kill_9_mid_transaction_leaves_nothing(committed_url):
    tag = f"crash{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, committed_url, tag], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "written"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    with psycopg.connect(committed_url) as conn:
        def count(table: str, col: str) -> int:
            q = psycopg.sql.SQL("SELECT count(*) FROM {} WHERE {} LIKE %s").format(
                psycopg.sql.Identifier(table), psycopg.sql.Identifier(col))
            return conn.execute(q, (f"{tag}-%",)).fetchone()[0]

        assert count("fhir_resource", "id") == 0
        kept = conn.execute("SELECT version FROM fhir_resource WHERE id = %s", (f"kept-{tag}",)).fetchone()
        assert kept == (1,)  # what was committed before the crash stays
        # no history or index row of anything but a stored resource
        assert conn.execute("SELECT count(*) FROM fhir_history h WHERE NOT EXISTS "
                            "(SELECT 1 FROM fhir_resource r WHERE r.rid = h.rid)").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM fhir_token t WHERE NOT EXISTS "
                            "(SELECT 1 FROM fhir_resource r WHERE r.rid = t.rid)").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM fhir_token WHERE text = %s", (tag,)).fetchone()[0] == 0
