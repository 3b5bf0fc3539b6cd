"""Batch and transaction Bundles (批处理与事务), FHIR R4 http.html#transaction.

A transaction is one store session (one database transaction): all entries succeed or
nothing is written. Entries are processed in the spec's order (DELETE, POST, PUT/PATCH,
GET); ``urn:uuid:`` fullUrls of created resources are given server ids first and every
reference to them is rewritten before validation and indexing. Writes are collected and
sent to the store in one call, so a 100-entry bundle costs a handful of statements.
A batch runs each entry independently, as if it were its own request.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tiercare.core.errors import InvalidInput, TierCareError
from tiercare.services.fhir import instant
from tiercare.services.fhir_ports import FhirSession, StoredResource, WriteOp
from tiercare.services.fhir_router import FhirRequest, FhirResponse, FhirRouter, error_response, parse_json

MAX_ENTRIES = 5000
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
_STATUS_TEXT = {200: "200 OK", 201: "201 Created", 204: "204 No Content"}


def _status(code: int) -> str:
    return _STATUS_TEXT.get(code, str(code))


def process_bundle(router: FhirRouter, req: FhirRequest) -> FhirResponse:
    bundle = parse_json(req.body)
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput("POST to the base needs a Bundle of type batch or transaction")
    kind = bundle.get("type")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"Bundle.entry must be a list of at most {MAX_ENTRIES} entries")
    if kind == "batch":
        return _batch(router, req, entries)
    if kind == "transaction":
        return _transaction(router, req, entries)
    raise InvalidInput("Bundle.type must be batch or transaction")


def _request_of(entry: Any, i: int) -> tuple[str, str, dict[str, Any]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        raise InvalidInput(f"Bundle.entry[{i}].request is missing", expression=[f"Bundle.entry[{i}].request"])
    request = entry["request"]
    method = str(request.get("method", "")).upper()
    url = request.get("url")
    if method not in _ORDER or not isinstance(url, str) or not url:
        raise InvalidInput(f"Bundle.entry[{i}].request needs a method and a url",
                           expression=[f"Bundle.entry[{i}].request"])
    return method, url, request


def _batch(router: FhirRouter, req: FhirRequest, entries: list[Any]) -> FhirResponse:
    out = []
    for i, entry in enumerate(entries):
        try:
            method, url, request = _request_of(entry, i)
            parts = urlsplit(url)
            headers = {k: v for k, v in (("if-match", request.get("ifMatch")),
                                         ("if-none-exist", request.get("ifNoneExist")),
                                         ("prefer", req.headers.get("prefer"))) if v}
            body = b""
            if "resource" in entry:
                import orjson

                body = orjson.dumps(entry["resource"])
            sub = FhirRequest(method, parts.path, parse_qsl(parts.query, keep_blank_values=True), headers, body,
                              req.actor)
            resp = router.handle(sub)
        except TierCareError as exc:
            resp = error_response(exc)
        out.append(_entry_response(resp))
    return FhirResponse(200, {"resourceType": "Bundle", "type": "batch-response", "entry": out})


def _entry_response(resp: FhirResponse) -> dict[str, Any]:
    r: dict[str, Any] = {"status": _status(resp.status)}
    if "Location" in resp.headers:
        r["location"] = resp.headers["Location"]
    if "ETag" in resp.headers:
        r["etag"] = resp.headers["ETag"]
    entry: dict[str, Any] = {"response": r}
    if resp.body is not None:
        if resp.status >= 400:
            r["outcome"] = resp.body
        else:
            entry["resource"] = resp.body
    return entry


def _rewrite(node: Any, ids: dict[str, str]) -> Any:
    """Replace references to bundle-local fullUrls (urn:uuid:...) by Type/id (no recursion limit
    issue: router.parse_json has already bounded the depth)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "reference" and isinstance(v, str) and v in ids:
                out[k] = ids[v]
            else:
                out[k] = _rewrite(v, ids)
        return out
    if isinstance(node, list):
        return [_rewrite(v, ids) for v in node]
    return node


def _transaction(router: FhirRouter, req: FhirRequest, entries: list[Any]) -> FhirResponse:
    service = router.service
    parsed = []
    for i, entry in enumerate(entries):
        method, url, request = _request_of(entry, i)
        parsed.append((i, method, url, request, entry))
    results: dict[int, FhirResponse] = {}
    with router.store.session() as s:
        ids: dict[str, str] = {}
        existing: dict[int, StoredResource] = {}
        for i, method, url, request, entry in parsed:
            full = entry.get("fullUrl")
            rt = urlsplit(url).path.strip("/").split("/")[0]
            if method == "POST":
                service.check_type(rt)
                cond = request.get("ifNoneExist")
                if cond:
                    s.lock(f"cond:{rt}?{cond}")
                    found = service.conditional_match(s, rt, cond)
                    if len(found) > 1:
                        from tiercare.core.errors import PreconditionFailed

                        raise PreconditionFailed(f"Bundle.entry[{i}] ifNoneExist matches {len(found)} resources")
                    if found:
                        existing[i] = found[0]
                        if isinstance(full, str):
                            ids[full] = f"{rt}/{found[0].id}"
                        continue
                new = service.new_id()
                entry["_id"] = new
                if isinstance(full, str):
                    ids[full] = f"{rt}/{new}"
            elif method == "PUT" and isinstance(full, str) and full.startswith("urn:"):
                ids[full] = urlsplit(url).path.strip("/")
        seen: set[str] = set()
        sink: list[WriteOp] = []
        for i, method, url, request, entry in sorted(parsed, key=lambda p: _ORDER[p[1]]):
            parts = urlsplit(url)
            path = parts.path.strip("/")
            target = path if method != "POST" else f"{path}/{entry.get('_id', '')}"
            if method != "GET" and "?" not in url:
                if target in seen:
                    raise InvalidInput(f"Bundle.entry[{i}]: {path} appears twice in the transaction")
                seen.add(target)
            try:
                results[i] = _tx_entry(router, s, req, method, path, parts.query, request, entry, sink, ids,
                                       existing.get(i))
            except TierCareError as exc:
                exc.message = f"Bundle.entry[{i}]: {exc.message}"
                raise
        s.write(sink)
    out = []
    for i, *_ in parsed:
        resp = results[i]
        out.append(_entry_response(resp))
    return FhirResponse(200, {"resourceType": "Bundle", "type": "transaction-response", "entry": out})


def _tx_entry(router: FhirRouter, s: FhirSession, req: FhirRequest, method: str, path: str, query: str,
              request: dict[str, Any], entry: dict[str, Any], sink: list[WriteOp], ids: dict[str, str],
              found: StoredResource | None) -> FhirResponse:
    service = router.service
    parts = path.split("/")
    rt = parts[0]
    want_body = "return=representation" in req.headers.get("prefer", "")
    if method == "GET":
        if sink:
            s.write(sink)
            sink.clear()
        return _tx_get(router, s, req, parts, parse_qsl(query, keep_blank_values=True))
    if method == "DELETE":
        service.check_type(rt)
        if len(parts) != 2:
            raise InvalidInput("a DELETE entry needs Type/id")
        service.delete(s, rt, parts[1], sink=sink)
        router._audit(s, req, "delete", rt, parts[1])
        return FhirResponse(204)
    resource = _rewrite(entry.get("resource"), ids)
    if method == "POST":
        if found is not None:
            got, created = found, False
        else:
            got, created = service.create(s, rt, resource, id=entry["_id"], sink=sink)
        router._audit(s, req, "create" if created else "read", rt, got.id)
    elif method == "PUT":
        if len(parts) == 2:
            got, created = service.update(s, rt, parts[1], resource, if_match=request.get("ifMatch"), sink=sink)
        else:
            if sink:
                s.write(sink)
                sink.clear()
            got, created = service.conditional_update(s, rt, query, resource, if_match=request.get("ifMatch"))
        router._audit(s, req, "update", rt, got.id)
    else:  # PATCH: the Binary/Parameters forms are not supported; a JSON Patch array in resource.data is
        raise InvalidInput("PATCH inside a Bundle is not supported (use PATCH on the resource)")
    status = 201 if created else 200
    headers = {"ETag": got.etag, "Location": f"{rt}/{got.id}/_history/{got.version}",
               "Last-Modified": instant(got.last_updated)}
    return FhirResponse(status, got.body if want_body else None, headers)


def _tx_get(router: FhirRouter, s: FhirSession, req: FhirRequest, parts: list[str],
            params: list[tuple[str, str]]) -> FhirResponse:
    """A GET inside a transaction runs in the same session, so it sees the bundle's writes."""
    service = router.service
    rt = parts[0]
    if len(parts) == 2:
        got = service.read(s, rt, parts[1])
        router._audit(s, req, "read", rt, parts[1])
        return router.resource_response(200, got)
    if len(parts) == 4 and parts[2] == "_history":
        got = service.vread(s, rt, parts[1], parts[3])
        router._audit(s, req, "vread", rt, parts[1])
        return router.resource_response(200, got)
    if len(parts) == 1:
        page, query = service.search(s, rt, params, strict=router._strict(req))
        router._audit(s, req, "search", rt, None, {"matches": len(page.matches)})
        return FhirResponse(200, router.searchset(rt, params, page, query))
    raise InvalidInput("a GET entry must be a read, vread or search")
