"""Bulk NDJSON import (批量导入) into the FHIR store.

Policy (docs/fhir-store.md, "Bulk import"):
* each line is one resource; it is parsed, checked (supported type, valid id) and validated
  like a single write; a bad line is reported with its file and line number and skipped,
  the rest of the file is loaded (never half a resource: a line is all or nothing);
* ids from the file are kept; a line without an id gets a name-based UUID (uuid5) of its
  content, so re-running the same file never creates duplicates;
* a line whose content equals the stored version creates no new version; a changed one
  creates the next version (history kept);
* lines are loaded in batches, one transaction per batch (new resources COPYed straight
  into the resource, history and index tables, stored ones through the versioned write);
  a crash loses at most the open batch;
* ANALYZE runs at the end so search plans are right immediately after a load.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from tiercare.core.errors import PreconditionFailed, TierCareError
from tiercare.services.fhir import FhirService, _same_content, instant
from tiercare.services.fhir_ports import FhirStore, WriteOp
from tiercare.services.fhir_router import MAX_DEPTH, parse_json

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # placeholder lastUpdated until the batch is written
_NS = uuid.UUID("5b1f4c1e-3f0a-4c39-9d1e-7a1c0f7e2a10")  # namespace of content-derived ids


@dataclass
class LineError:
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (counts only: no PHI)."""

    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def loaded(self) -> int:
        return self.created + self.updated

    def outcome(self, max_issues: int = 100) -> dict[str, Any]:
        issues: list[dict[str, Any]] = [{
            "severity": "information", "code": "informational",
            "diagnostics": f"{self.lines} lines: {self.created} created, {self.updated} updated, "
                           f"{self.unchanged} unchanged, {len(self.errors)} rejected"}]
        issues += [{"severity": "error", "code": "invalid", "diagnostics": str(e)} for e in self.errors[:max_issues]]
        return {"resourceType": "OperationOutcome", "issue": issues}


Line = tuple[str, int, bytes]  # (source name, line number, raw line)


Prepared = tuple[Line, dict[str, Any] | None, Any, str | None]  # (line, resource, index rows, error)

# A bulk load's fast path (stores that offer it, e.g. PostgreSQL): each new resource is encoded
# by the store's codec where it is prepared (in a worker process when there are several),
# so the main process only ships ready COPY data. codec(rid, resource_type, resource, index)
# -> store-specific payload; the store's session writes payloads with ``insert_new``.
Codec = Callable[[int, str, dict[str, Any], Any], Any]
# (line, resource_type, id, rid, payload) or (line, None, None, 0, error message)
Encoded = tuple[Line, str | None, str | None, int, Any]

_WORKER_SERVICE: FhirService | None = None
_WORKER_CODEC: Codec | None = None


def _init_worker(codec: Codec | None = None) -> None:
    global _WORKER_SERVICE, _WORKER_CODEC
    from tiercare.services.fhir_core import load_core

    _WORKER_SERVICE = FhirService(load_core())
    _WORKER_CODEC = codec


def _prepare_chunk(chunk: list[Line]) -> list[Prepared]:
    assert _WORKER_SERVICE is not None
    return prepare_lines(_WORKER_SERVICE, chunk)


def _encode_chunk(chunk: list[Line], rids: list[int], ts: datetime) -> list[Encoded]:
    assert _WORKER_SERVICE is not None and _WORKER_CODEC is not None
    return encode_lines(_WORKER_SERVICE, _WORKER_CODEC, chunk, rids, ts)


def prepare_lines(service: FhirService, chunk: list[Line], ts: datetime = _EPOCH) -> list[Prepared]:
    """Parse, check, validate and extract the index of each line (pure CPU: runs in worker
    processes when the importer has several). ``meta`` says version 1 at ``ts``."""
    out: list[Prepared] = []
    for line in chunk:
        try:
            resource = parse_json(line[2])
            if not isinstance(resource, dict):
                raise TierCareError("a line must hold one JSON object")
            rt = resource.get("resourceType")
            if not isinstance(rt, str):
                raise TierCareError("resourceType is missing")
            service.check_type(rt)
            if "id" in resource:
                if not isinstance(resource["id"], str):
                    raise TierCareError("id must be a string")
                service.check_id(resource["id"])
            else:
                resource["id"] = str(uuid.uuid5(_NS, orjson.dumps(resource, option=orjson.OPT_SORT_KEYS).decode()))
            prepared, index = service.prepare(rt, resource, resource["id"], 1, ts)
            out.append((line, prepared, index, None))
        except TierCareError as exc:
            out.append((line, None, None, exc.message))
    return out


def encode_lines(service: FhirService, codec: Codec, chunk: list[Line], rids: list[int],
                 ts: datetime) -> list[Encoded]:
    """:func:`prepare_lines`, then each good line encoded as a new resource (version 1 at ``ts``)
    with the reserved ``rids[i]``: what the store's fast path writes."""
    out: list[Encoded] = []
    for (line, res, index, error), rid in zip(prepare_lines(service, chunk, ts), rids, strict=True):
        if res is None:
            out.append((line, None, None, 0, error))
        else:
            out.append((line, res["resourceType"], res["id"], rid, codec(rid, res["resourceType"], res, index)))
    return out


class BulkImporter:
    """Load NDJSON lines in batches. ``workers`` > 1 prepares batches in that many worker
    processes (parsing, validation and index extraction are CPU-bound Python) while the
    main process writes the previous batch.

    On a store with a bulk codec (``store.import_codec`` and ``store.reserve_rids``), new
    resources are encoded where they are prepared and written by the session's
    ``insert_new`` (COPY straight into the final tables); lines whose id is already stored go
    through the ordinary versioned write."""

    def __init__(self, store: FhirStore, service: FhirService, *, batch_size: int = 1000, workers: int = 1) -> None:
        self.store = store
        self.service = service
        self.batch_size = batch_size
        self.workers = workers
        self.codec: Codec | None = getattr(store, "import_codec", None)

    def _chunks(self, lines: Iterable[Line]) -> Iterator[list[Line]]:
        chunk: list[Line] = []
        for item in lines:
            chunk.append(item)
            if len(chunk) >= self.batch_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _batches(self, lines: Iterable[Line]) -> Iterator[tuple[list[Encoded] | list[Prepared], int, datetime]]:
        codec = self.codec
        reserve: Callable[[int], list[int]] | None = getattr(self.store, "reserve_rids", None)

        def job(chunk: list[Line]) -> tuple[list[Line], list[int], datetime]:
            rids = reserve(len(chunk)) if codec is not None and reserve is not None else []
            return chunk, rids, self.service.clock()

        if self.workers <= 1:
            for chunk in self._chunks(lines):
                chunk, rids, ts = job(chunk)
                size = sum(len(x[2]) for x in chunk)
                if codec is not None and rids:
                    yield encode_lines(self.service, codec, chunk, rids, ts), size, ts
                else:
                    yield prepare_lines(self.service, chunk, ts), size, ts
            return
        from concurrent.futures import Future, ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_init_worker,
                                 initargs=(codec,)) as pool:
            pending: list[tuple[Future[Any], int, datetime]] = []
            for chunk in self._chunks(lines):
                chunk, rids, ts = job(chunk)
                size = sum(len(x[2]) for x in chunk)
                fut = (pool.submit(_encode_chunk, chunk, rids, ts) if codec is not None and rids
                       else pool.submit(_prepare_chunk, chunk))
                pending.append((fut, size, ts))
                if len(pending) > 2 * self.workers:  # bounded read-ahead: memory stays flat
                    fut, size, ts = pending.pop(0)
                    yield fut.result(), size, ts
            for fut, size, ts in pending:
                yield fut.result(), size, ts

    def run(self, lines: Iterable[Line], progress: Callable[[int, int], None] | None = None,
            analyze: bool = True, actor: str = "cli") -> ImportReport:
        """Load ``lines``; ``progress(lines_done, bytes_done)`` is called after each batch."""
        report = ImportReport()
        done_bytes = 0
        for batch, size, ts in self._batches(lines):
            report.lines += len(batch)
            done_bytes += size
            if batch and len(batch[0]) == 5:
                self._load_encoded(batch, report, actor, ts)
            else:
                self._load(batch, report, actor)  # type: ignore[arg-type]
            if progress:
                progress(report.lines, done_bytes)
        if analyze and report.loaded:
            with self.store.session() as s:
                analyze_fn = getattr(s, "analyze", None)
                if analyze_fn is not None:
                    analyze_fn()
        return report

    def _load_encoded(self, batch: list[Encoded], report: ImportReport, actor: str, ts: datetime) -> None:
        """Fast path: new resources from their payloads, stored ones through :meth:`_load`."""
        latest: dict[tuple[str, str], Encoded] = {}
        for item in batch:
            line, rt, id_, _, payload = item
            if rt is None or id_ is None:
                report.errors.append(LineError(line[0], line[1], str(payload or "rejected")))
                continue
            if (rt, id_) in latest:
                report.unchanged += 1
            latest[(rt, id_)] = item
        for attempt in (1, 2):
            try:
                with self.store.session() as s:
                    existing = s.existing(list(latest))  # type: ignore[attr-defined]
                    fresh = [item for key, item in latest.items() if key not in existing]
                    stored = [item for key, item in latest.items() if key in existing]
                    s.insert_new([(item[3], item[4]) for item in fresh], ts)  # type: ignore[attr-defined]
                    counts = ImportReport()
                    for item in fresh:
                        counts.created += 1
                        counts.by_type[item[1] or ""] = counts.by_type.get(item[1] or "", 0) + 1
                    if stored:
                        again = prepare_lines(self.service, [item[0] for item in stored], ts)
                        self._write_versions(s, again, counts, ts)
                    s.audit(actor, "import", None, None, 0, {"resources": counts.loaded})
                break
            except PreconditionFailed:
                # someone created one of these ids since we looked: once more, as updates
                if attempt == 2:
                    raise
        report.created += counts.created
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        for k, v in counts.by_type.items():
            report.by_type[k] = report.by_type.get(k, 0) + v

    def _load(self, batch: list[Prepared], report: ImportReport, actor: str) -> None:
        # The last line wins when one id appears twice in a batch.
        latest: list[Prepared] = []
        seen: dict[tuple[str, str], int] = {}
        for item in batch:
            line, res, _, error = item
            if res is None:
                report.errors.append(LineError(line[0], line[1], error or "rejected"))
                continue
            key = (res["resourceType"], res["id"])
            if key in seen:
                report.unchanged += 1
                latest[seen[key]] = item
            else:
                seen[key] = len(latest)
                latest.append(item)
        with self.store.session() as s:
            counts = ImportReport()
            self._write_versions(s, latest, counts, self.service.clock())
            s.audit(actor, "import", None, None, 0, {"resources": counts.loaded})
        report.created += counts.created
        report.updated += counts.updated
        report.unchanged += counts.unchanged
        for k, v in counts.by_type.items():
            report.by_type[k] = report.by_type.get(k, 0) + v

    def _write_versions(self, s: Any, items: list[Prepared], report: ImportReport, ts: datetime) -> None:
        """The ordinary versioned write of prepared lines (unique ids): unchanged lines are
        skipped, others become the next version of what is stored."""
        current = s.current_many([(res["resourceType"], res["id"]) for _, res, _, _ in items if res is not None])
        ops: list[WriteOp] = []
        stamp = instant(ts)
        for _, res, index, _ in items:
            if res is None:
                continue
            key = (res["resourceType"], res["id"])
            cur = current.get(key)
            if cur is not None and not cur.deleted and _same_content(cur.body, res):
                report.unchanged += 1
                continue
            version = (cur.version if cur else 0) + 1
            res["meta"]["versionId"] = str(version)
            res["meta"]["lastUpdated"] = stamp
            ops.append(WriteOp(key[0], key[1], version, ts, "PUT" if cur else "POST", res,
                               index=index, expect_version=version - 1))
            if cur is None:
                report.created += 1
            else:
                report.updated += 1
            report.by_type[key[0]] = report.by_type.get(key[0], 0) + 1
        s.write(ops)


__all__ = ["MAX_DEPTH", "BulkImporter", "ImportReport", "LineError", "encode_lines", "prepare_lines"]
