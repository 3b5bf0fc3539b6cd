"""Ports of the FHIR store (FHIR 资源库端口): what the use cases need from storage.

The PostgreSQL adapter (tiercare.adapters.postgres.fhir_store) implements them; the
in-memory twin (tiercare.services.fhir_memory) implements the same ones for unit tests.
One :class:`FhirSession` is one database transaction: everything done through it is
committed together or not at all (a transaction Bundle is one session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

Resource = dict[str, Any]


@dataclass(frozen=True)
class StoredResource:
    """One version of a resource as stored (资源版本)."""

    resource_type: str
    id: str
    version: int
    last_updated: datetime
    deleted: bool
    body: Resource | None  # None for a delete version in history
    method: str = "PUT"

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'


@dataclass(frozen=True)
class WriteOp:
    """A new version to write: the resource row, its history row and its index rows."""

    resource_type: str
    id: str
    version: int
    last_updated: datetime
    method: str  # POST | PUT | PATCH | DELETE
    body: Resource  # for DELETE: the last live body (kept in the current table only)
    deleted: bool = False
    index: Any = None  # rows of tiercare.core.fhir.index.extract (None: no search index rows)
    expect_version: int | None = None  # optimistic lock: the version being replaced (0 = must not exist)


@dataclass(frozen=True)
class HistoryPage:
    entries: list[StoredResource]
    next_cursor: str | None


@dataclass
class SearchPage:
    """Result of one search page: matches, included resources, total and paging cursors."""

    matches: list[StoredResource]
    included: list[StoredResource] = field(default_factory=list)
    total: int | None = None
    next_cursor: str | None = None
    prev_cursor: str | None = None


class FhirSession(Protocol):
    def current(self, resource_type: str, id: str, *, for_update: bool = False) -> StoredResource | None: ...

    def version(self, resource_type: str, id: str, version: int) -> StoredResource | None: ...

    def write(self, ops: Sequence[WriteOp]) -> None:
        """Write the versions; raise tiercare.core.errors.PreconditionFailed when an
        ``expect_version`` does not hold (someone else wrote first)."""

    def history(self, resource_type: str | None, id: str | None, *, since: datetime | None,
                count: int, cursor: str | None) -> HistoryPage: ...

    def search(self, query: Any, *, cursor: str | None = None) -> SearchPage: ...

    def lock(self, key: str) -> None:
        """Serialise concurrent work on ``key`` until the session ends (conditional create)."""

    def audit(self, actor: str, action: str, resource_type: str | None, resource_id: str | None,
              outcome: int = 0, detail: dict[str, Any] | None = None) -> None: ...

    def iter_current(self, types: Sequence[str], *, since: datetime | None,
                     ids: dict[str, set[str]] | None = None) -> Iterator[StoredResource]: ...


class FhirStore(Protocol):
    def session(self) -> AbstractContextManager[FhirSession]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""


Clock = Callable[[], datetime]
