"""The FHIR REST router (FHIR 接口路由), independent of HTTP: a request (method, path,
query, headers, body) in, a response (status, headers, body) out. The Starlette layer
(tiercare.api.fhir) only moves bytes; the same router serves Bundle entries.

Paths are relative to the FHIR base (``Patient/1/_history/2``). Every TierCareError
becomes an OperationOutcome with its status here, so a Bundle entry and an HTTP request
fail the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

from tiercare.core.errors import InvalidInput, NotFound, NotSupported, TierCareError
from tiercare.services.fhir import FhirService, instant, patient_compartment
from tiercare.services.fhir_ports import FhirSession, FhirStore, SearchPage, StoredResource

MAX_DEPTH = 64  # deepest JSON nesting accepted; R4 resources stay far below (Questionnaire.item ~10)
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_\-.:|$]{1,100}$")


@dataclass(frozen=True)
class FhirRequest:
    method: str
    path: str
    query: Sequence[tuple[str, str]] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    actor: str = "anonymous"


@dataclass
class FhirResponse:
    status: int
    body: Any = None  # a JSON-able dict, or None
    headers: dict[str, str] = field(default_factory=dict)


def outcome(message: str, code: str = "invalid", severity: str = "error") -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": severity, "code": code,
                                                          "diagnostics": message}]}


def error_response(exc: TierCareError) -> FhirResponse:
    body = getattr(exc, "outcome", None) or outcome(exc.message, exc.code)
    if exc.expression and not getattr(exc, "outcome", None):
        body["issue"][0]["expression"] = exc.expression
    return FhirResponse(exc.status, body)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw: bytes) -> int:
    """Deepest nesting of valid JSON ``raw``: strings removed, brackets counted (no recursion,
    a few microseconds per resource)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(_STEP[c] for c in brackets), default=0)


def parse_json(raw: bytes) -> Any:
    """Parse a request body: UTF-8 JSON, nesting at most MAX_DEPTH (checked without recursion)."""
    if not raw.strip():
        raise InvalidInput("the request body is empty")
    if b"\\u0000" in raw:  # PostgreSQL text and jsonb cannot hold NUL characters
        raise InvalidInput("the request body contains a NUL character (\\u0000)")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        msg = str(exc)
        reason = "is not valid UTF-8" if "utf-8" in msg.lower() or "surrogate" in msg.lower() else "is not valid JSON"
        raise InvalidInput(f"the request body {reason}") from None
    # fewer brackets than the limit cannot nest deeper: skip the scan (almost every body)
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and json_depth(raw) > MAX_DEPTH:
        raise InvalidInput(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    return value


def http_date(res: StoredResource) -> str:
    # usegmt needs tzinfo == UTC exactly; a server in another zone (Etc/UTC included) returns its own
    return format_datetime(res.last_updated.astimezone(UTC), usegmt=True)


# Fallback when the core has no summary.summarize: elements kept by _summary=true in
# addition to the mandatory ones (R4 search.html#summary), a fixed list of common ones.
_SUMMARY_ALWAYS = ("resourceType", "id", "meta", "implicitRules")
_SUMMARY_COMMON = ("identifier", "status", "code", "subject", "patient", "name", "gender", "birthDate", "active",
                   "category", "effectiveDateTime", "period", "class", "type", "intent", "authoredOn",
                   "clinicalStatus", "verificationStatus", "onsetDateTime", "issued", "date", "title", "url",
                   "version", "valueQuantity", "valueCodeableConcept", "valueString", "encounter")


def shape(resource: dict[str, Any], summary: str | None, elements: Sequence[str] | None) -> dict[str, Any]:
    """Apply _summary / _elements (search.html#summary, #elements) and mark SUBSETTED."""
    if not summary and not elements:
        return resource
    if summary == "false":
        return resource
    if summary == "text":
        keep: set[str] = {"resourceType", "id", "meta", "text"}
    elif summary == "data":
        keep = set(resource) - {"text"}
    elif summary == "true":
        keep = set(_SUMMARY_ALWAYS) | set(_SUMMARY_COMMON)
    else:
        keep = set(_SUMMARY_ALWAYS) | {e.split(".")[0] for e in elements or ()}
    out = {k: v for k, v in resource.items() if k in keep}
    meta = dict(out.get("meta") or {})
    tags = list(meta.get("tag") or [])
    tags.append({"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"})
    meta["tag"] = tags
    out["meta"] = meta
    return out


class FhirRouter:
    """Dispatch FHIR REST interactions (http.html) to the use cases."""

    def __init__(self, store: FhirStore, service: FhirService, base_url: str, *, strict_default: bool = False,
                 capability: Callable[[], dict[str, Any]] | None = None) -> None:
        self.store = store
        self.service = service
        self.base = base_url.rstrip("/")
        self.strict_default = strict_default
        self.capability = capability
        self.compartment = patient_compartment()
        # Named operations (R4 operations.html) by (type, "$name"): handler(router, request).
        self.operations: dict[tuple[str, str], Callable[[FhirRouter, FhirRequest], FhirResponse]] = {}

    # ---- entry point -----------------------------------------------------------------
    def handle(self, req: FhirRequest) -> FhirResponse:
        try:
            return self._dispatch(req)
        except TierCareError as exc:
            return error_response(exc)

    def _dispatch(self, req: FhirRequest) -> FhirResponse:
        parts = [p for p in req.path.strip("/").split("/") if p]
        m = req.method.upper()
        n = len(parts)
        if n == 0:
            if m == "POST":
                from tiercare.services.fhir_bundle import process_bundle

                return process_bundle(self, req)
            raise NotSupported("search across all types is not supported: name a resource type")
        if parts[0] == "metadata" and n == 1 and m == "GET":
            if self.capability is None:
                raise NotFound("no CapabilityStatement configured")
            return FhirResponse(200, self.capability())
        if parts[0] == "_history" and n == 1 and m == "GET":
            with self.store.session() as s:
                return self._history(s, req, None, None)
        rt = parts[0]
        self.service.check_type(rt)
        if n == 1:
            if m == "GET":
                return self._search(req, rt, list(req.query))
            if m == "POST":
                return self._create(req, rt)
            if m == "PUT":
                return self._conditional(req, rt, "update")
            if m == "DELETE":
                return self._conditional(req, rt, "delete")
        elif n == 2 and parts[1] == "_search" and m == "POST":
            form = parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True) if req.body else []
            return self._search(req, rt, [*req.query, *form])
        elif n == 2 and parts[1] == "_history" and m == "GET":
            with self.store.session() as s:
                return self._history(s, req, rt, None)
        elif n == 2 and (rt, parts[1]) in self.operations:
            return self.operations[(rt, parts[1])](self, req)
        elif n == 2:
            return self._instance(req, rt, parts[1])
        elif n == 3 and parts[2] == "_history" and m == "GET":
            with self.store.session() as s:
                self._audit(s, req, "read", rt, parts[1], {"interaction": "history-instance"})
                return self._history(s, req, rt, parts[1])
        elif n == 4 and parts[2] == "_history" and m == "GET":
            with self.store.session() as s:
                got = self.service.vread(s, rt, parts[1], parts[3])
                self._audit(s, req, "vread", rt, parts[1])
            return self.resource_response(200, got)
        raise NotSupported(f"{m} {req.path[:80]} is not a supported FHIR interaction")

    # ---- interactions ------------------------------------------------------------------
    def _instance(self, req: FhirRequest, rt: str, id: str) -> FhirResponse:
        m = req.method.upper()
        if_match = req.headers.get("if-match")
        with self.store.session() as s:
            if m == "GET":
                got = self.service.read(s, rt, id)
                self._audit(s, req, "read", rt, id)
                return self.resource_response(200, got)
            if m == "PUT":
                got, created = self.service.update(s, rt, id, parse_json(req.body), if_match=if_match)
                self._audit(s, req, "update", rt, id)
                return self.resource_response(201 if created else 200, got, req, location=created)
            if m == "PATCH":
                ctype = req.headers.get("content-type", "application/json-patch+json")
                if "json-patch" not in ctype and "application/json" not in ctype:
                    raise NotSupported("PATCH needs Content-Type application/json-patch+json (JSON Patch)")
                got, _ = self.service.patch(s, rt, id, parse_json(req.body), if_match=if_match)
                self._audit(s, req, "patch", rt, id)
                return self.resource_response(200, got, req)
            if m == "DELETE":
                gone = self.service.delete(s, rt, id)
                self._audit(s, req, "delete", rt, id)
                headers = {"ETag": gone.etag} if gone else {}
                return FhirResponse(204 if gone is None else 200,
                                    None if gone is None else outcome(f"{rt}/{id} deleted", "informational",
                                                                      "information"), headers)
        raise NotSupported(f"{m} on a resource instance is not supported")

    def _create(self, req: FhirRequest, rt: str) -> FhirResponse:
        body = parse_json(req.body)
        cond = req.headers.get("if-none-exist")
        with self.store.session() as s:
            if cond:
                s.lock(f"cond:{rt}?{cond}")
            got, created = self.service.create(s, rt, body, if_none_exist=cond)
            self._audit(s, req, "create" if created else "read", rt, got.id)
        return self.resource_response(201 if created else 200, got, req, location=created)

    def _conditional(self, req: FhirRequest, rt: str, what: str) -> FhirResponse:
        query = urlencode(list(req.query))
        if not req.query:
            raise InvalidInput(f"a conditional {what} needs search parameters (or use {rt}/id)")
        with self.store.session() as s:
            if what == "update":
                got, created = self.service.conditional_update(s, rt, query, parse_json(req.body),
                                                               if_match=req.headers.get("if-match"))
                self._audit(s, req, "update", rt, got.id)
                return self.resource_response(201 if created else 200, got, req, location=created)
            found = self.service.conditional_match(s, rt, query)
            if len(found) > 1:
                from tiercare.core.errors import PreconditionFailed

                raise PreconditionFailed(f"the condition matches {len(found)} {rt} resources")
            if found:
                self.service.delete(s, rt, found[0].id)
                self._audit(s, req, "delete", rt, found[0].id)
        return FhirResponse(204)

    def _history(self, s: FhirSession, req: FhirRequest, rt: str | None, id: str | None) -> FhirResponse:
        page = self.service.history(s, rt, id, list(req.query))
        if rt is None or id is None:
            self._audit(s, req, "read", rt, None, {"interaction": "history"})
        path = "/".join(p for p in (rt, id, "_history") if p)
        own = [(k, v) for k, v in req.query if k != "_cursor"]
        links = [{"relation": "self", "url": self._url(path, list(req.query))}]
        if page.next_cursor:
            links.append({"relation": "next", "url": self._url(path, [*own, ("_cursor", page.next_cursor)])})
        entries = []
        for e in page.entries:
            entry: dict[str, Any] = {"fullUrl": f"{self.base}/{e.resource_type}/{e.id}",
                                     "request": {"method": e.method if e.method != "PATCH" else "PUT",
                                                 "url": f"{e.resource_type}/{e.id}" if e.method != "POST"
                                                 else e.resource_type},
                                     "response": {"status": "410" if e.deleted else "200", "etag": e.etag,
                                                  "lastModified": instant(e.last_updated)}}
            if e.body is not None and not e.deleted:
                entry["resource"] = e.body
            entries.append(entry)
        return FhirResponse(200, {"resourceType": "Bundle", "type": "history", "link": links, "entry": entries})

    def _search(self, req: FhirRequest, rt: str, params: list[tuple[str, str]]) -> FhirResponse:
        for k, _ in params:
            if not _PARAM_NAME.match(k):
                raise InvalidInput("a search parameter name has characters no FHIR parameter uses")
        strict = self._strict(req)
        with self.store.session() as s:
            page, query = self.service.search(s, rt, params, strict=strict)
            self._audit(s, req, "search", rt, None, {"matches": len(page.matches)})
        return FhirResponse(200, self.searchset(rt, params, page, query))

    def searchset(self, rt: str, params: list[tuple[str, str]], page: SearchPage, query: Any) -> dict[str, Any]:
        summary = getattr(query, "summary", None)
        elements = getattr(query, "elements", None)
        own = [(k, v) for k, v in params if k != "_cursor"]
        links = [{"relation": "self", "url": self._url(rt, params)}]
        if page.next_cursor:
            links.append({"relation": "next", "url": self._url(rt, [*own, ("_cursor", page.next_cursor)])})
        if page.prev_cursor:
            links.append({"relation": "previous", "url": self._url(rt, [*own, ("_cursor", page.prev_cursor)])})
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
        if page.total is not None:
            bundle["total"] = page.total
        bundle["link"] = links
        entries: list[dict[str, Any]] = []
        view = self.service.core.summarize
        if summary != "count":
            for r in page.matches:
                body = r.body or {}
                if summary or elements:
                    body = view(body, summary, tuple(elements or ())) if view else shape(body, summary, elements)
                entries.append({"fullUrl": f"{self.base}/{r.resource_type}/{r.id}",
                                "resource": body, "search": {"mode": "match"}})
            for r in page.included:
                entries.append({"fullUrl": f"{self.base}/{r.resource_type}/{r.id}",
                                "resource": r.body, "search": {"mode": "include"}})
        unknown = getattr(query, "unknown", ())
        if unknown:
            entries.append({"resource": {"resourceType": "OperationOutcome", "issue": [
                {"severity": "warning", "code": "not-supported",
                 "diagnostics": f"search parameter {name!r} is unknown and was ignored"} for name in unknown]},
                "search": {"mode": "outcome"}})
        if entries:
            bundle["entry"] = entries
        return bundle

    # ---- helpers -----------------------------------------------------------------------
    def _strict(self, req: FhirRequest) -> bool:
        prefer = req.headers.get("prefer", "")
        if "handling=strict" in prefer:
            return True
        if "handling=lenient" in prefer:
            return False
        return self.strict_default

    def _url(self, path: str, params: Sequence[tuple[str, str]]) -> str:
        q = urlencode(list(params))
        return f"{self.base}/{path}" + (f"?{q}" if q else "")

    def resource_response(self, status: int, res: StoredResource, req: FhirRequest | None = None, *,
                          location: bool = False) -> FhirResponse:
        headers = {"ETag": res.etag, "Last-Modified": http_date(res)}
        if location or (req is not None and status in (200, 201) and req.method.upper() in ("PUT", "POST")):
            headers["Location"] = f"{self.base}/{res.resource_type}/{res.id}/_history/{res.version}"
        prefer = req.headers.get("prefer", "") if req is not None else ""
        if "return=minimal" in prefer:
            return FhirResponse(status, None, headers)
        if "return=OperationOutcome" in prefer:
            return FhirResponse(status, outcome("ok", "informational", "information"), headers)
        return FhirResponse(status, res.body, headers)

    def _audit(self, s: FhirSession, req: FhirRequest, action: str, rt: str | None, id: str | None,
               detail: dict[str, Any] | None = None) -> None:
        """Audit trail (审计): every access to a patient-compartment type; ids only, no PHI."""
        if rt is None or rt in self.compartment:
            s.audit(req.actor, action, rt, id, 0, detail)


SessionFactory = Callable[[], AbstractContextManager[FhirSession]]
