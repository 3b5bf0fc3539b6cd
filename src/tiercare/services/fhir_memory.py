"""In-memory twin of the FHIR store ports (内存存储, for unit tests): the same versioning,
optimistic locking, history and audit semantics as the PostgreSQL adapter, in dicts.

Search is not implemented here (it is SQL by nature): ``search`` raises NotSupported, so
unit tests of the router cover reads, writes, history and bundles without a database,
while the integration tests run everything on the real PostgreSQL.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from tiercare.core.errors import InvalidInput, NotSupported, PreconditionFailed
from tiercare.services.fhir_ports import HistoryPage, SearchPage, StoredResource, WriteOp


class MemoryState:
    def __init__(self) -> None:
        self.current: dict[tuple[str, str], StoredResource] = {}
        self.history: list[StoredResource] = []  # in write order (seq = index + 1)
        self.audit: list[tuple[Any, ...]] = []


class MemoryFhirSession:
    """One unit of work on a private copy; committed into the state when the block ends."""

    def __init__(self, state: MemoryState) -> None:
        self.state = state

    def current(self, resource_type: str, id: str, *, for_update: bool = False) -> StoredResource | None:
        return self.state.current.get((resource_type, id))

    def current_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredResource]:
        return {k: v for k in keys if (v := self.state.current.get(k)) is not None}

    def version(self, resource_type: str, id: str, version: int) -> StoredResource | None:
        return next((h for h in self.state.history
                     if (h.resource_type, h.id, h.version) == (resource_type, id, version)), None)

    def write(self, ops: Sequence[WriteOp]) -> None:
        for op in ops:  # check every guard before changing anything (all or nothing)
            cur = self.state.current.get((op.resource_type, op.id))
            if (cur.version if cur else 0) != op.version - 1:
                raise PreconditionFailed(f"{op.resource_type}/{op.id} was changed by another request; retry")
        for op in ops:
            body = copy.deepcopy(op.body)
            self.state.current[(op.resource_type, op.id)] = StoredResource(
                op.resource_type, op.id, op.version, op.last_updated, op.deleted, body, op.method)
            self.state.history.append(StoredResource(op.resource_type, op.id, op.version, op.last_updated,
                                                     op.deleted, None if op.deleted else body, op.method))

    def history(self, resource_type: str | None, id: str | None, *, since: datetime | None,
                count: int, cursor: str | None) -> HistoryPage:
        start = len(self.state.history)
        if cursor is not None:
            if not cursor.isdigit():
                raise InvalidInput("invalid paging cursor")
            start = int(cursor) - 1
        picked: list[tuple[int, StoredResource]] = []
        for seq in range(start, 0, -1):
            h = self.state.history[seq - 1]
            if resource_type is not None and h.resource_type != resource_type:
                continue
            if id is not None and h.id != id:
                continue
            if since is not None and h.last_updated < since:
                continue
            picked.append((seq, h))
            if len(picked) > count:
                break
        more = len(picked) > count
        picked = picked[:count]
        return HistoryPage([h for _, h in picked], str(picked[-1][0]) if more and picked else None)

    def search(self, query: Any, *, cursor: str | None = None) -> SearchPage:
        raise NotSupported("search is not available in the in-memory store")

    def lock(self, key: str) -> None:
        return None

    def audit(self, actor: str, action: str, resource_type: str | None, resource_id: str | None,
              outcome: int = 0, detail: dict[str, Any] | None = None) -> None:
        self.state.audit.append((actor, action, resource_type, resource_id, outcome, detail))

    def iter_current(self, types: Sequence[str], *, since: datetime | None,
                     ids: dict[str, set[str]] | None = None) -> Iterator[StoredResource]:
        for (rt, rid), res in sorted(self.state.current.items()):
            if rt in types and not res.deleted and (since is None or res.last_updated >= since) \
                    and (ids is None or rid in ids.get(rt, set())):
                yield res


class MemoryFhirStore:
    """The FhirStore port in memory; a failed session leaves the state untouched."""

    def __init__(self) -> None:
        self.state = MemoryState()

    @contextlib.contextmanager
    def session(self) -> Iterator[MemoryFhirSession]:
        work = MemoryState()
        work.current = dict(self.state.current)
        work.history = list(self.state.history)
        work.audit = list(self.state.audit)
        yield MemoryFhirSession(work)
        self.state = work
