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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from tiercare.core.errors import TierCareError
from tiercare.services.fhir import FhirService, _same_content
from tiercare.services.fhir_ports import FhirStore, WriteOp
from tiercare.services.fhir_router import MAX_DEPTH, parse_json

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


class BulkImporter:
    def __init__(self, store: FhirStore, service: FhirService, *, batch_size: int = 1000) -> None:
        self.store = store
        self.service = service
        self.batch_size = batch_size

    def run(self, lines: Iterable[Line], progress: Callable[[int, int], None] | None = None,
            analyze: bool = True, actor: str = "cli") -> ImportReport:
        """Load ``lines``; ``progress(lines_done, bytes_done)`` is called after each batch."""
        report = ImportReport()
        batch: list[tuple[Line, dict[str, Any]]] = []
        done_bytes = 0
        for item in lines:
            report.lines += 1
            done_bytes += len(item[2])
            parsed = self._parse(item, report)
            if parsed is not None:
                batch.append((item, parsed))
            if len(batch) >= self.batch_size:
                self._load(batch, report, actor)
                batch = []
                if progress:
                    progress(report.lines, done_bytes)
        if batch:
            self._load(batch, report, actor)
        if progress:
            progress(report.lines, done_bytes)
        if analyze and report.loaded:
            with self.store.session() as s:
                analyze_fn = getattr(s, "analyze", None)
                if analyze_fn is not None:
                    analyze_fn()
        return report

    def _parse(self, item: Line, report: ImportReport) -> dict[str, Any] | None:
        source, number, raw = item
        try:
            resource = parse_json(raw)
            if not isinstance(resource, dict):
                raise TierCareError("a line must hold one JSON object")
            rt = resource.get("resourceType")
            if not isinstance(rt, str):
                raise TierCareError("resourceType is missing")
            self.service.check_type(rt)
            if "id" in resource:
                if not isinstance(resource["id"], str):
                    raise TierCareError("id must be a string")
                self.service.check_id(resource["id"])
            else:
                resource["id"] = str(uuid.uuid5(_NS, orjson.dumps(resource, option=orjson.OPT_SORT_KEYS).decode()))
            return resource
        except TierCareError as exc:
            report.errors.append(LineError(source, number, exc.message))
            return None

    def _load(self, batch: list[tuple[Line, dict[str, Any]]], report: ImportReport, actor: str) -> None:
        # The last line wins when one id appears twice in a batch.
        latest: dict[tuple[str, str], tuple[Line, dict[str, Any]]] = {}
        for line, res in batch:
            key = (res["resourceType"], res["id"])
            if key in latest:
                report.unchanged += 1
            latest[key] = (line, res)
        svc = self.service
        with self.store.session() as s:
            current = s.current_many(list(latest))  # type: ignore[attr-defined]
            ops: list[WriteOp] = []
            ts = svc.clock()
            for key, ((source, number, _), res) in latest.items():
                cur = current.get(key)
                if cur is not None and not cur.deleted and _same_content(cur.body, res):
                    report.unchanged += 1
                    continue
                version = (cur.version if cur else 0) + 1
                try:
                    resource, index = svc._prepare(key[0], res, key[1], version, ts)
                except TierCareError as exc:
                    report.errors.append(LineError(source, number, exc.message))
                    continue
                ops.append(WriteOp(key[0], key[1], version, ts, "PUT" if cur else "POST", resource,
                                   index=index, expect_version=version - 1))
                if cur is None:
                    report.created += 1
                else:
                    report.updated += 1
                report.by_type[key[0]] = report.by_type.get(key[0], 0) + 1
            s.write(ops)
            s.audit(actor, "import", None, None, 0, {"resources": len(ops)})


__all__ = ["MAX_DEPTH", "BulkImporter", "ImportReport", "LineError"]
