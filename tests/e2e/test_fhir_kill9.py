"""kill -9 of the server in the middle of a transaction Bundle (issue 4, "Failure and bad
input"): nothing of that bundle is stored, and a bundle acknowledged before is kept."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import psutil
import psycopg
import pytest

from tiercare.adapters.postgres.tokens import create_token

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bundle(tag: str, n: int) -> dict:
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"resource": {"resourceType": "Patient", "identifier": [{"system": "urn:kill9", "value": f"{tag}-{i}"}]},
         "request": {"method": "POST", "url": "Patient"}} for i in range(n)]}


def _stored(conn: psycopg.Connection, tag: str) -> int:
    return conn.execute("SELECT count(*) FROM fhir_token WHERE param = fhir_param('Patient', 'identifier') AND code LIKE %s",
                        (f"{tag}-%",)).fetchone()[0]


def test_kill_9_during_a_transaction_bundle(committed_url, tmp_path):
    port = _port()
    env = {**os.environ, "TIERCARE_DATABASE_URL": committed_url, "TIERCARE_HOME": str(tmp_path), "TIERCARE_PORT": str(port),
           "TIERCARE_LOG_LEVEL": "error"}
    with psycopg.connect(committed_url, autocommit=True) as conn:
        token = create_token(conn, "kill9")
        before_pids = {r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")}
    server = subprocess.Popen([sys.executable, "-m", "tiercare", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/fhir/R4"
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/fhir+json"}
    kept, lost = f"k{uuid.uuid4().hex[:8]}", f"l{uuid.uuid4().hex[:8]}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ack = httpx.post(base, json=_bundle(kept, 5), headers=headers, timeout=60)
        assert ack.status_code == 200
        big = _bundle(lost, 3000)
        threading.Thread(target=lambda: _post_quietly(base, big, headers), daemon=True).start()
        with psycopg.connect(committed_url, autocommit=True) as watch:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                busy = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND xact_start IS NOT NULL AND state IN ('idle in transaction', 'active') AND NOT (pid = ANY(%s))",
                    (list(before_pids),)).fetchone()[0]
                if busy:
                    break
                time.sleep(0.01)
            assert busy, "the server never opened the bundle's transaction"
            workers = psutil.Process(server.pid).children()  # TIERCARE_WORKERS default: one per core
            os.kill(server.pid, signal.SIGKILL)
            server.wait(30)
            assert not psutil.wait_procs(workers, timeout=30)[1], "a worker outlived the killed server"
            time.sleep(0.5)  # PostgreSQL notices the dead client and rolls its transaction back
            assert _stored(watch, kept) == 5
            assert _stored(watch, lost) == 0
            assert watch.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND state = 'idle in transaction'").fetchone()[0] == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)


def _post_quietly(base: str, body: dict, headers: dict) -> None:
    try:
        httpx.post(base, json=body, headers=headers, timeout=120)
    except httpx.HTTPError:
        pass
