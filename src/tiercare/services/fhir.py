"""FHIR use cases (FHIR 资源服务): create, read, vread, update, conditional create/update,
JSON Patch, delete, history and search over the store port, with meta maintained.

Everything here is HTTP-independent and storage-independent: it takes a
:class:`~tiercare.services.fhir_ports.FhirSession` (one transaction) and the pure core
(validation, index extraction, search parsing) as arguments. Spec references are to
FHIR R4 http.html (RESTful API).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import jsonpatch

from tiercare.core.errors import (
    Gone,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    TierCareError,
    Unprocessable,
)
from tiercare.services.fhir_ports import (
    Clock,
    FhirSession,
    HistoryPage,
    Resource,
    SearchPage,
    StoredResource,
    WriteOp,
)

ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # R4 datatypes.html#id


class OutcomeError(Unprocessable):
    """A rejection carrying a full OperationOutcome (one issue per problem, with its path)."""

    def __init__(self, message: str, outcome: dict[str, Any], status: int = 422) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status = status


@dataclass(frozen=True)
class FhirCore:
    """The pure half the use cases need (tiercare.core.fhir), injected by bootstrap."""

    resource_types: frozenset[str]
    validate: Callable[[Resource], list[Any]]
    extract_index: Callable[[Resource], Any] | None = None
    parse_search: Callable[[str, list[tuple[str, str]], bool], Any] | None = None
    search_params: Callable[[str], dict[str, Any]] = field(default=lambda rt: {})
    summarize: Callable[[Resource, str | None, tuple[str, ...]], Resource] | None = None  # _summary/_elements


@cache
def patient_compartment() -> dict[str, tuple[str, ...]]:
    """Resource type -> the parameters linking it to a Patient (R4 CompartmentDefinition)."""
    raw = json.loads(resources.files("tiercare.services").joinpath("data", "patient_compartment.json").read_text())
    return {k: tuple(v) for k, v in raw.items() if not k.startswith("_")}


def instant(ts: datetime) -> str:
    """FHIR instant with milliseconds in UTC: 2026-11-23T13:45:00.123Z."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(value: str, what: str) -> datetime:
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{what} must be a FHIR instant or date") from None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def parse_etag(value: str) -> int:
    """Version from an ETag / If-Match value: W/"3", "3" or 3."""
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    v = v.strip('"')
    if not v.isdigit():
        raise InvalidInput("If-Match must be a version ETag such as W/\"3\"")
    return int(v)


@dataclass
class FhirService:
    """The FHIR use cases. ``clock`` gives lastUpdated; ``new_id`` server-assigned ids."""

    core: FhirCore
    clock: Clock = field(default=lambda: datetime.now(UTC))
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))
    # Called with every version written, inside the write's transaction (e.g. the client
    # registry links each Patient); an exception rolls the write back.
    write_listeners: list[Callable[[FhirSession, WriteOp], None]] = field(default_factory=list)

    # ---- checks ----------------------------------------------------------------------
    def check_type(self, resource_type: str) -> None:
        if resource_type not in self.core.resource_types:
            raise NotFound(f"resource type {resource_type!r} is not supported")

    @staticmethod
    def check_id(id: str) -> None:
        if not ID_RE.match(id):
            raise InvalidInput("resource id must match [A-Za-z0-9-.]{1,64}")

    def prepare(self, resource_type: str, body: Any, id: str, version: int, ts: datetime) -> tuple[Resource, Any]:
        """Check the body, set id and meta, validate, extract the search index."""
        if not isinstance(body, dict):
            raise InvalidInput("the body must be a JSON object (a FHIR resource)")
        got = body.get("resourceType")
        if got != resource_type:
            raise InvalidInput(f"resourceType must be {resource_type!r} (got {str(got)[:40]!r})")
        resource = dict(body)
        resource["id"] = id
        meta = dict(resource.get("meta") or {}) if isinstance(resource.get("meta"), dict) else {}
        meta["versionId"] = str(version)
        meta["lastUpdated"] = instant(ts)
        resource["meta"] = meta
        issues = [i for i in self.core.validate(resource) if getattr(i, "severity", "error") in ("error", "fatal")]
        if issues:
            raise OutcomeError(
                f"{resource_type} is invalid: {len(issues)} problem(s), first at {issues[0].path}",
                {"resourceType": "OperationOutcome", "issue": [
                    {"severity": i.severity, "code": i.code, "diagnostics": i.message, "expression": [i.path]}
                    for i in issues]},
            )
        index = self.core.extract_index(resource) if self.core.extract_index else None
        return resource, index

    # ---- reads -------------------------------------------------------------------------
    def read(self, s: FhirSession, resource_type: str, id: str) -> StoredResource:
        """read (http.html#read): 404 if unknown, 410 if deleted."""
        self.check_type(resource_type)
        self.check_id(id)
        got = s.current(resource_type, id)
        if got is None:
            raise NotFound(f"{resource_type}/{id} does not exist")
        if got.deleted:
            raise Gone(f"{resource_type}/{id} was deleted")
        return got

    def vread(self, s: FhirSession, resource_type: str, id: str, version: str) -> StoredResource:
        self.check_type(resource_type)
        self.check_id(id)
        if not version.isdigit():
            raise NotFound(f"version {version[:20]!r} does not exist")
        got = s.version(resource_type, id, int(version))
        if got is None:
            raise NotFound(f"{resource_type}/{id}/_history/{version} does not exist")
        if got.deleted:
            raise Gone(f"{resource_type}/{id}/_history/{version} is a deletion")
        return got

    # ---- writes ------------------------------------------------------------------------
    def create(self, s: FhirSession, resource_type: str, body: Any, *, if_none_exist: str | None = None,
               id: str | None = None, sink: list[WriteOp] | None = None) -> tuple[StoredResource, bool]:
        """create (http.html#create), server-assigned id; conditional with If-None-Exist:
        0 match -> create, 1 -> return it (no write), >1 -> 412."""
        self.check_type(resource_type)
        if if_none_exist:
            found = self.conditional_match(s, resource_type, if_none_exist)
            if len(found) > 1:
                raise PreconditionFailed(f"If-None-Exist matches {len(found)} {resource_type} resources")
            if found:
                return found[0], False
        ts = self.clock()
        new_id = id or self.new_id()
        resource, index = self.prepare(resource_type, body, new_id, 1, ts)
        op = WriteOp(resource_type, new_id, 1, ts, "POST", resource, index=index, expect_version=0)
        self._emit(s, op, sink)
        return StoredResource(resource_type, new_id, 1, ts, False, resource, "POST"), True

    def update(self, s: FhirSession, resource_type: str, id: str, body: Any, *, if_match: str | None = None,
               sink: list[WriteOp] | None = None, method: str = "PUT") -> tuple[StoredResource, bool]:
        """update (http.html#update). Create-on-update is allowed (client-assigned id, 201).
        If-Match W/"n" must name the current version or the answer is 412."""
        self.check_type(resource_type)
        self.check_id(id)
        if isinstance(body, dict) and body.get("id") not in (None, id):
            raise InvalidInput("the id in the body does not match the id in the URL")
        cur = s.current(resource_type, id, for_update=True)
        if if_match is not None:
            want = parse_etag(if_match)
            have = cur.version if cur is not None and not cur.deleted else 0
            if cur is None or want != cur.version:
                raise PreconditionFailed(
                    f"{resource_type}/{id} is at version {have}, not {want} (If-Match)")
        version = (cur.version if cur else 0) + 1
        if cur is not None and not cur.deleted and isinstance(body, dict) and _same_content(cur.body, body):
            return cur, False  # no-op update: no new version (keeps re-imports idempotent)
        ts = self.clock()
        resource, index = self.prepare(resource_type, body, id, version, ts)
        op = WriteOp(resource_type, id, version, ts, method, resource, index=index,
                     expect_version=version - 1)
        self._emit(s, op, sink)
        return StoredResource(resource_type, id, version, ts, False, resource, method), cur is None or cur.deleted

    def conditional_update(self, s: FhirSession, resource_type: str, query: str, body: Any, *,
                           if_match: str | None = None) -> tuple[StoredResource, bool]:
        """Conditional update (http.html#cond-update): 0 match -> create, 1 -> update it, >1 -> 412."""
        self.check_type(resource_type)
        s.lock(f"cond:{resource_type}?{query}")
        found = self.conditional_match(s, resource_type, query)
        if len(found) > 1:
            raise PreconditionFailed(f"the condition matches {len(found)} {resource_type} resources")
        if found:
            return self.update(s, resource_type, found[0].id, body, if_match=if_match)
        body_id = body.get("id") if isinstance(body, dict) else None
        if body_id:
            return self.update(s, resource_type, str(body_id), body)
        return self.create(s, resource_type, body)

    def patch(self, s: FhirSession, resource_type: str, id: str, patch: Any, *,
              if_match: str | None = None) -> tuple[StoredResource, bool]:
        """JSON Patch (http.html#patch, RFC 6902) applied to the current version."""
        cur = self.read(s, resource_type, id)
        if not isinstance(patch, list):
            raise InvalidInput("a JSON Patch body must be an array of operations")
        if if_match is not None and parse_etag(if_match) != cur.version:
            raise PreconditionFailed(f"{resource_type}/{id} is at version {cur.version} (If-Match)")
        try:
            patched = jsonpatch.JsonPatch(patch).apply(cur.body)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as exc:
            raise Unprocessable(f"the JSON Patch cannot be applied: {str(exc)[:120]}") from None
        return self.update(s, resource_type, id, patched, if_match=f'W/"{cur.version}"', method="PATCH")

    def delete(self, s: FhirSession, resource_type: str, id: str, *,
               sink: list[WriteOp] | None = None) -> StoredResource | None:
        """delete (http.html#delete): a new, deleted version; deleting twice is a no-op (204)."""
        self.check_type(resource_type)
        self.check_id(id)
        cur = s.current(resource_type, id, for_update=True)
        if cur is None or cur.deleted:
            return None
        ts = self.clock()
        op = WriteOp(resource_type, id, cur.version + 1, ts, "DELETE", cur.body or {}, deleted=True,
                     expect_version=cur.version)
        self._emit(s, op, sink)
        return StoredResource(resource_type, id, cur.version + 1, ts, True, None, "DELETE")

    def _emit(self, s: FhirSession, op: WriteOp, sink: list[WriteOp] | None) -> None:
        if sink is None:
            s.write([op])
        else:
            sink.append(op)
        for listener in self.write_listeners:
            listener(s, op)

    # ---- history and search ------------------------------------------------------------
    def history(self, s: FhirSession, resource_type: str | None, id: str | None,
                params: list[tuple[str, str]]) -> HistoryPage:
        """history (http.html#history) newest first; _since, _count, and a cursor for paging."""
        if resource_type is not None:
            self.check_type(resource_type)
        if id is not None:
            self.check_id(id)
        since = None
        count = 100
        cursor = None
        for key, value in params:
            if key == "_since":
                since = parse_instant(value, "_since")
            elif key == "_count":
                count = _count(value)
            elif key == "_cursor":
                cursor = value
        return s.history(resource_type, id, since=since, count=count, cursor=cursor)

    def parse(self, resource_type: str, params: list[tuple[str, str]], strict: bool) -> Any:
        self.check_type(resource_type)
        if self.core.parse_search is None:
            raise TierCareError("search is not available: the FHIR core has no search parser")
        return self.core.parse_search(resource_type, params, strict)

    def search(self, s: FhirSession, resource_type: str, params: list[tuple[str, str]], *,
               strict: bool) -> tuple[SearchPage, Any]:
        cursor = next((v for k, v in params if k == "_cursor"), None)
        query = self.parse(resource_type, [(k, v) for k, v in params if k != "_cursor"], strict)
        return s.search(query, cursor=cursor), query

    def conditional_match(self, s: FhirSession, resource_type: str, query: str) -> list[StoredResource]:
        from urllib.parse import parse_qsl

        params = parse_qsl(query.lstrip("?"), keep_blank_values=True)
        if not params:
            raise InvalidInput("a conditional request needs search parameters")
        page, _ = self.search(s, resource_type, [*params, ("_count", "2")], strict=True)
        return page.matches


def _count(value: str) -> int:
    if not value.isdigit():
        raise InvalidInput("_count must be a non-negative integer")
    return max(0, min(int(value), 1000))


def _same_content(stored: Resource | None, body: Resource) -> bool:
    """True when ``body`` equals the stored resource apart from meta.versionId/lastUpdated."""
    if stored is None:
        return False

    def strip(r: Resource) -> Resource:
        out = dict(r)
        out.pop("id", None)  # compared below: the body may omit it
        meta = dict(out.get("meta") or {}) if isinstance(out.get("meta"), dict) else {}
        meta.pop("versionId", None)
        meta.pop("lastUpdated", None)
        if meta:
            out["meta"] = meta
        else:
            out.pop("meta", None)
        return out

    return strip(stored) == strip(body) and (body.get("id") in (None, stored.get("id")))


__all__ = ["FhirCore", "FhirService", "OutcomeError", "instant", "parse_etag", "patient_compartment"]
