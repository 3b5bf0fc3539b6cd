"""Bulk NDJSON import (批量导入) into the FHIR store.

Policy (docs/fhir-store.md, "Bulk import"):
* each line is one resource; it is parsed, checked (supported type, valid id) and validated
  like a single write; a bad line is reported with its file and line number and skipped,
  the rest of the file is loaded (never half a resource: a line is all or nothing);
* ids from the file are kept; a line without an id gets a name-based UUID (uuid5) of its
  content, so re-running the same file never creates duplicates;
* a line whose content equals the stored version creates no new version; a changed one
  creates the next version (history kept);
* lines are loaded in batches, one transaction per batch (COPY into a staging table, then
  the resource, history and index tables); a crash loses at most the open batch;
* ANALYZE runs at the end so search plans are right immediately after a load.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from tiercare.core.errors import TierCareError
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

_WORKER_SERVICE: FhirService | None = None


def _init_worker() -> None:
    global _WORKER_SERVICE
    from tiercare.services.fhir_core import load_core

    _WORKER_SERVICE = FhirService(load_core())


def _prepare_chunk(chunk: list[Line]) -> list[Prepared]:
    assert _WORKER_SERVICE is not None
    return prepare_lines(_WORKER_SERVICE, chunk)


def prepare_lines(service: FhirService, chunk: list[Line]) -> list[Prepared]:
    """Parse, check, validate and extract the index of each line (pure CPU: runs in worker
    processes when the importer has several). ``meta`` is set later, once versions are known."""
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
            prepared, index = service.prepare(rt, resource, resource["id"], 1, _EPOCH)
            out.append((line, prepared, index, None))
        except TierCareError as exc:
            out.append((line, None, None, exc.message))
    return out


class BulkImporter:
    """Load NDJSON lines in batches. ``workers`` > 1 prepares batches in that many worker
    processes (parsing, validation and index extraction are CPU-bound Python) while the
    main process writes the previous batch."""

    def __init__(self, store: FhirStore, service: FhirService, *, batch_size: int = 1000, workers: int = 1) -> None:
        self.store = store
        self.service = service
        self.batch_size = batch_size
        self.workers = workers

    def _batches(self, lines: Iterable[Line], report: ImportReport) -> Iterator[tuple[list[Prepared], int]]:
        def chunks() -> Iterator[list[Line]]:
            chunk: list[Line] = []
            for item in lines:
                chunk.append(item)
                if len(chunk) >= self.batch_size:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

        if self.workers <= 1:
            for chunk in chunks():
                yield prepare_lines(self.service, chunk), sum(len(x[2]) for x in chunk)
            return
        from concurrent.futures import Future, ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
            pending: list[tuple[Future[list[Prepared]], int]] = []
            for chunk in chunks():
                pending.append((pool.submit(_prepare_chunk, chunk), sum(len(x[2]) for x in chunk)))
                if len(pending) > 2 * self.workers:  # bounded read-ahead: memory stays flat
                    fut, size = pending.pop(0)
                    yield fut.result(), size
            for fut, size in pending:
                yield fut.result(), size

    def run(self, lines: Iterable[Line], progress: Callable[[int, int], None] | None = None,
            analyze: bool = True, actor: str = "cli") -> ImportReport:
        """Load ``lines``; ``progress(lines_done, bytes_done)`` is called after each batch."""
        report = ImportReport()
        done_bytes = 0
        for prepared, size in self._batches(lines, report):
            report.lines += len(prepared)
            done_bytes += size
            self._load(prepared, report, actor)
            if progress:
                progress(report.lines, done_bytes)
        if analyze and report.loaded:
            with self.store.session() as s:
                analyze_fn = getattr(s, "analyze", None)
                if analyze_fn is not None:
                    analyze_fn()
        return report

    def _load(self, batch: list[Prepared], report: ImportReport, actor: str) -> None:
        # The last line wins when one id appears twice in a batch.
        latest: dict[tuple[str, str], tuple[Line, dict[str, Any], Any]] = {}
        for line, res, index, error in batch:
            if res is None:
                report.errors.append(LineError(line[0], line[1], error or "rejected"))
                continue
            key = (res["resourceType"], res["id"])
            if key in latest:
                report.unchanged += 1
            latest[key] = (line, res, index)
        svc = self.service
        with self.store.session() as s:
            current = s.current_many(list(latest))  # type: ignore[attr-defined]
            ops: list[WriteOp] = []
            ts = svc.clock()
            stamp = instant(ts)
            for key, (_, res, index) in latest.items():
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
            s.audit(actor, "import", None, None, 0, {"resources": len(ops)})


__all__ = ["MAX_DEPTH", "BulkImporter", "ImportReport", "LineError", "prepare_lines"]
