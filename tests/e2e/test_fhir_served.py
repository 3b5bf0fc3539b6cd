"""`tiercare serve` with two worker processes, over real HTTP (issue 4, "Failure and bad
input"): bad input of every kind the issue lists is a 4xx OperationOutcome; two concurrent
updates with the same If-Match, which may land on different workers: exactly one wins, the
other gets 412; every read is audited under the token's name; SIGTERM stops every worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psutil
import psycopg
import pytest

from tiercare.adapters.postgres.tokens import create_token

pytestmark = [pytest.mark.pg, pytest.mark.slow]

LIMIT = 1024 * 1024  # TIERCARE_MAX_BODY_BYTES of the served instance


@dataclass
class Served:
    base: str
    token: str
    url: str
    proc: subprocess.Popen[bytes]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=60, headers={"Authorization": f"Bearer {self.token}"})


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(committed_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    port = _port()
    env = {**os.environ, "TIERCARE_DATABASE_URL": committed_url, "TIERCARE_HOME": str(tmp_path_factory.mktemp("served")),
           "TIERCARE_PORT": str(port), "TIERCARE_LOG_LEVEL": "error", "TIERCARE_WORKERS": "2",
           "TIERCARE_MAX_BODY_BYTES": str(LIMIT)}
    with psycopg.connect(committed_url, autocommit=True) as conn:
        token = create_token(conn, "served-tester")
    proc = subprocess.Popen([sys.executable, "-m", "tiercare", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("tiercare serve did not come up")
        yield Served(f"http://127.0.0.1:{port}/fhir/R4", token, committed_url, proc)
    finally:
        workers = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive, "worker processes outlived `tiercare serve`"


def _is_outcome(r: httpx.Response) -> bool:
    return r.headers.get("content-type", "").startswith("application/fhir+json") and \
        r.json()["resourceType"] == "OperationOutcome"


def test_two_workers_serve(served):
    with served.client() as c:
        assert {c.get("/metadata").status_code for _ in range(4)} == {200}
    assert len(psutil.Process(served.proc.pid).children()) == 2  # forked from the loaded app


@pytest.mark.parametrize("body, status, what", [
    (b'{"resourceType": "Patient", "gender": ', 400, "malformed JSON"),
    (b'{"resourceType": "Observation", "status": "final", "code": {"text": "x"}}', 400, "wrong resourceType"),
    (b'{"resourceType": "Patient", "colour": "blue"}', 422, "unknown element"),
    (b'{"resourceType": "Patient", "name": [{"text": "\xff\xfe"}]}', 400, "invalid UTF-8"),
    (b'{"resourceType": "Patient", "extension": ' + b'[{"extension": ' * 3000 + b"[]" + b"}]" * 3000 + b"}",
     400, "deeply nested JSON"),
    (b"[" * 200_000 + b"]" * 200_000, 400, "deeply nested arrays"),
    (b'{"resourceType": "Patient", "gender": "\\u0000"}', 400, "NUL escape"),
])
def test_bad_bodies_are_4xx_outcomes(served, body, status, what):
    with served.client() as c:
        r = c.post("/Patient", content=body, headers={"content-type": "application/fhir+json"})
    assert r.status_code == status, what
    assert _is_outcome(r), what


def test_a_50_mb_body_is_413_without_a_hang(served):
    body = b'{"resourceType": "Patient", "gender": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    with served.client() as c:
        r = c.post("/Patient", content=body, headers={"content-type": "application/fhir+json"})
        assert r.status_code == 413
        assert _is_outcome(r)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
            for i in range(0, len(body), 1 << 20):
                yield body[i:i + (1 << 20)]

        r = c.post("/Patient", content=chunks(), headers={"content-type": "application/fhir+json"})
        assert r.status_code == 413
        assert _is_outcome(r)
        assert c.get("/metadata").status_code == 200  # the server is still there


@pytest.mark.parametrize("query", [
    {"name": "' OR 1=1 --"}, {"identifier": "x|'; DROP TABLE fhir_resource; --"}, {"_id": "1' OR '1'='1"},
    {"birthdate": "ge2020'--"}, {"_count": "1; SELECT 1"}, {"name:contains": "%_\\"}, {"_sort": "name;DROP"},
])
def test_sql_looking_search_values_are_never_5xx(served, query):
    with served.client() as c:
        r = c.get("/Patient", params=query)
    assert r.status_code < 500
    if r.status_code == 200:
        assert r.json()["resourceType"] == "Bundle"
    else:
        assert 400 <= r.status_code < 500 and _is_outcome(r)
    with psycopg.connect(served.url) as conn:
        assert conn.execute("SELECT to_regclass('fhir_resource') IS NOT NULL").fetchone()[0]


def test_concurrent_updates_with_the_same_if_match(served):
    with served.client() as c:
        pid = c.post("/Patient", json={"resourceType": "Patient", "gender": "male"}).json()["id"]
    for version in range(1, 6):
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def put(day: int, version: int = version, barrier: threading.Barrier = barrier,
                statuses: list[int] = statuses) -> None:
            # both bodies differ from the current version (an update equal to it is a no-op
            # that may legitimately succeed in either order)
            body = {"resourceType": "Patient", "id": pid, "birthDate": f"19{version}0-01-{day:02d}"}
            with served.client() as c:  # one connection each: the two may go to different workers
                c.get("/metadata")
                barrier.wait()
                r = c.put(f"/Patient/{pid}", json=body, headers={"If-Match": f'W/"{version}"'})
                statuses.append(r.status_code)

        threads = [threading.Thread(target=put, args=(day,)) for day in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(statuses) == [200, 412]
    with served.client() as c:
        assert c.get(f"/Patient/{pid}").json()["meta"]["versionId"] == "6"
        assert len(c.get(f"/Patient/{pid}/_history").json()["entry"]) == 6


def test_every_read_is_audited_under_the_token_name(served):
    tag = uuid.uuid4().hex[:10]
    with served.client() as c:
        pid = c.post("/Patient", json={"resourceType": "Patient", "gender": "female",
                                       "identifier": [{"system": "urn:served", "value": tag}]}).json()["id"]
        for _ in range(3):
            assert c.get(f"/Patient/{pid}").status_code == 200
        assert c.get("/Patient", params={"identifier": f"urn:served|{tag}"}).json()["total"] == 1
    # read audit rows are committed asynchronously: visible at once, durable within ~0.6 s
    with psycopg.connect(served.url) as conn:
        rows = conn.execute("SELECT actor, action FROM audit_log WHERE resource_id = %s ORDER BY id", (pid,)).fetchall()
        search = conn.execute("SELECT actor FROM audit_log WHERE action = 'search' AND actor = 'served-tester'").fetchall()
    assert [tuple(r) for r in rows] == [("served-tester", "create")] + [("served-tester", "read")] * 3
    assert search
