"""Fixtures of the FHIR store tests: a router on the real PostgreSQL.

``router`` works inside the ``db`` connection's transaction (every session is a
savepoint), so the test's writes are rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core
from tiercare.services.fhir_router import FhirRequest, FhirResponse, FhirRouter

BASE = "http://test/fhir/R4"


class TickClock:
    """A clock advancing 1 ms per call, so versions have distinct lastUpdated."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def store(db: psycopg.Connection) -> PgFhirStore:
    db.execute("SELECT 1")  # open the outer transaction: sessions become savepoints
    return PgFhirStore.on_connection(db)


@pytest.fixture
def router(store: PgFhirStore) -> FhirRouter:
    return FhirRouter(store, FhirService(load_core(), clock=TickClock()), BASE)


class Client:
    def __init__(self, router: FhirRouter) -> None:
        self.router = router

    def __call__(self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None,
                 query: list[tuple[str, str]] | None = None) -> FhirResponse:
        import orjson

        raw = body if isinstance(body, bytes) else (b"" if body is None else orjson.dumps(body))
        if "?" in path and query is None:
            from urllib.parse import parse_qsl

            path, q = path.split("?", 1)
            query = parse_qsl(q, keep_blank_values=True)
        return self.router.handle(FhirRequest(method, path, query or [], headers or {}, raw, "tester"))


@pytest.fixture
def fhir(router: FhirRouter) -> Iterator[Client]:
    yield Client(router)
