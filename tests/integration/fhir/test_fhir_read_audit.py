"""The audit row of a read-only request is committed asynchronously (TIERCARE_READ_AUDIT_SYNC
off), a transaction that wrote keeps the synchronous commit, and every row still names its
actor. Connections are configured for orjson once, not per session."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tiercare.adapters.postgres.database import SESSION_OPTIONS
from tiercare.adapters.postgres.fhir_store import PgFhirStore, configure
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core

pytestmark = pytest.mark.pg


def _store(url: str, durable: bool) -> PgFhirStore:
    @contextlib.contextmanager
    def connect() -> Iterator[psycopg.Connection]:
        with psycopg.connect(url, options=SESSION_OPTIONS) as conn:
            yield conn

    return PgFhirStore(connect, durable_read_audit=durable)


def _audit_rows(url: str, rid: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT actor, action, resource_type FROM audit_log WHERE resource_id = %s ORDER BY id", (rid,))]


def test_read_only_audit_commits_asynchronously_and_writes_do_not(committed_url):
    service = FhirService(load_core())
    pid = f"audit-{uuid.uuid4().hex[:12]}"
    store = _store(committed_url, durable=False)
    with store.session() as s:
        service.update(s, "Patient", pid, {"resourceType": "Patient", "gender": "female"})
        s.audit("writer", "update", "Patient", pid)
        s.flush_audit()
        assert s.conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    with store.session() as s:
        assert service.read(s, "Patient", pid).version == 1
        s.audit("reader", "read", "Patient", pid)
        s.flush_audit()
        assert s.conn.execute("SHOW synchronous_commit").fetchone()[0] == "off"
    with _store(committed_url, durable=True).session() as s:
        service.read(s, "Patient", pid)
        s.audit("auditor", "read", "Patient", pid)
        s.flush_audit()
        assert s.conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    assert _audit_rows(committed_url, pid) == [("writer", "update", "Patient"), ("reader", "read", "Patient"),
                                              ("auditor", "read", "Patient")]


def test_configure_registers_the_json_adapters_once(committed_url):
    from psycopg.adapt import PyFormat
    from psycopg.types.json import Jsonb

    with psycopg.connect(committed_url) as conn:
        configure(conn)
        first = conn.adapters.get_dumper(Jsonb, PyFormat.AUTO)
        configure(conn)
        assert conn.adapters.get_dumper(Jsonb, PyFormat.AUTO) is first
        assert conn.execute("SELECT '{\"a\": [1, \"é\"]}'::jsonb").fetchone()[0] == {"a": [1, "é"]}
