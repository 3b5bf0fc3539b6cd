"""kill -9 of `tiercare import` in the middle of a load (issue 4, "Failure and bad input"):
only whole batches are stored, every stored resource has its history row and its index
rows, and re-running the import completes the load with exactly one version per line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import psycopg
import pytest

pytestmark = [pytest.mark.pg, pytest.mark.slow]

LINES = 6_000
BATCH = 200


def _counts(conn: psycopg.Connection, tag: str) -> dict[str, int]:
    like = f"{tag}-%"
    one = conn.execute
    return {
        "resources": one("SELECT count(*) FROM fhir_resource WHERE resource_type = 'Patient' AND id LIKE %s",
                         (like,)).fetchone()[0],
        "with_history": one("SELECT count(*) FROM fhir_resource r JOIN fhir_history h ON h.rid = r.rid "
                            "AND h.version = r.version WHERE r.resource_type = 'Patient' AND r.id LIKE %s",
                            (like,)).fetchone()[0],
        "history": one("SELECT count(*) FROM fhir_history h JOIN fhir_resource r ON r.rid = h.rid "
                       "WHERE r.resource_type = 'Patient' AND r.id LIKE %s", (like,)).fetchone()[0],
        "identifier_rows": one("SELECT count(*) FROM fhir_token t JOIN fhir_resource r ON r.rid = t.rid "
                               "WHERE t.param = fhir_param('Patient', 'identifier') AND r.id LIKE %s",
                               (like,)).fetchone()[0],
        "name_rows": one("SELECT count(DISTINCT s.rid) FROM fhir_string s JOIN fhir_resource r ON r.rid = s.rid "
                         "WHERE s.param = fhir_param('Patient', 'name') AND r.id LIKE %s", (like,)).fetchone()[0],
        "orphan_index_rows": one("SELECT count(*) FROM fhir_token t WHERE NOT EXISTS "
                                 "(SELECT 1 FROM fhir_resource r WHERE r.rid = t.rid)").fetchone()[0],
        "orphan_history_rows": one("SELECT count(*) FROM fhir_history h WHERE NOT EXISTS "
                                   "(SELECT 1 FROM fhir_resource r WHERE r.rid = h.rid)").fetchone()[0],
    }


def test_kill_9_during_import_leaves_whole_resources_and_rerun_completes(committed_url, tmp_path):
    tag = f"imp{uuid.uuid4().hex[:8]}"
    src = tmp_path / "Patient.ndjson"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(LINES):
            fh.write(json.dumps({"resourceType": "Patient", "id": f"{tag}-{i}", "gender": "female",
                                 "identifier": [{"system": "urn:kill9", "value": f"{tag}-{i}"}],
                                 "name": [{"family": "王", "given": [f"芳{i}"]}]}, ensure_ascii=False) + "\n")
    env = {**os.environ, "TIERCARE_DATABASE_URL": committed_url, "TIERCARE_HOME": str(tmp_path / "home"),
           "TIERCARE_LOG_LEVEL": "error"}
    cmd = [sys.executable, "-m", "tiercare", "import", str(src), "--batch-size", str(BATCH), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(committed_url, autocommit=True) as conn:
        try:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                n = conn.execute("SELECT count(*) FROM fhir_resource WHERE resource_type = 'Patient' AND id LIKE %s",
                                 (f"{tag}-%",)).fetchone()[0]
                if n >= 2 * BATCH:
                    break
                time.sleep(0.02)
            assert proc.poll() is None, "the import ended before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(30)
        time.sleep(0.5)  # the killed client's backend rolls back its open transaction
        after_kill = _counts(conn, tag)
        stored = after_kill["resources"]
        assert 0 < stored < LINES
        assert stored % BATCH == 0  # whole batches only
        # no partial resource: each has its history row and its index rows, and nothing else is there
        assert after_kill["with_history"] == after_kill["history"] == stored
        assert after_kill["identifier_rows"] == after_kill["name_rows"] == stored
        assert after_kill["orphan_index_rows"] == 0 and after_kill["orphan_history_rows"] == 0

        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert f"{LINES - stored} created, 0 updated, {stored} unchanged, 0 rejected" in rerun.stdout
        final = _counts(conn, tag)
        assert final["resources"] == final["history"] == final["with_history"] == LINES
        assert final["identifier_rows"] == final["name_rows"] == LINES
        assert final["orphan_index_rows"] == 0 and final["orphan_history_rows"] == 0
