"""FHIR HTTP endpoints (Starlette) under /fhir/R4: they only move bytes between HTTP and
the HTTP-independent router (tiercare.services.fhir_router), and enforce the body limit
(TIERCARE_MAX_BODY_BYTES -> 413) before anything is parsed."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tiercare.api.capability import capability_statement
from tiercare.api.errors import FHIR_JSON
from tiercare.bootstrap import Container
from tiercare.core.errors import TooLarge
from tiercare.services.fhir_router import FhirRequest, FhirResponse, FhirRouter

BASE = "/fhir/R4"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
INTERACTIONS = ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create",
                "search-type"]


def resource_capabilities(router: FhirRouter) -> list[dict[str, Any]]:
    """CapabilityStatement.rest.resource, generated from the types and search parameters served."""
    core = router.service.core
    out = []
    for rt in sorted(core.resource_types):
        params = core.search_params(rt)
        entry: dict[str, Any] = {
            "type": rt,
            "interaction": [{"code": c} for c in INTERACTIONS],
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": True,
            "conditionalCreate": True,
            "conditionalUpdate": True,
            "conditionalDelete": "single",
        }
        if core.parse_search is not None:
            entry["searchParam"] = [{"name": p.name, "type": p.type} for p in params.values()
                                    if p.type != "special" and p.expression]
            entry["searchInclude"] = ["*"]
            entry["searchRevInclude"] = ["*"]
        out.append(entry)
    return out


def build_router(container: Container) -> FhirRouter:
    from tiercare.services.fhir import FhirService
    from tiercare.services.fhir_core import load_core

    settings = container.settings
    base = settings.public_base_url() + BASE
    router = FhirRouter(container.fhir, FhirService(load_core()), base, strict_default=settings.search_strict)
    from tiercare.api.mpi import install_mpi

    install_mpi(router)  # client registry: real-time linking and Patient/$match
    resources = resource_capabilities(router)

    def capability() -> dict[str, Any]:
        cs = capability_statement(settings.public_base_url(), resources)
        rest = cs["rest"][0]
        rest["interaction"] = [{"code": "transaction"}, {"code": "batch"}, {"code": "history-system"}]
        rest["operation"] = [{"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"},
                             {"name": "import", "definition": f"{base}/OperationDefinition/import"},
                             {"name": "match", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-match"}]
        return cs

    router.capability = capability
    return router


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes (413) without buffering beyond it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the request body is larger than {limit} bytes (TIERCARE_MAX_BODY_BYTES)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the request body is larger than {limit} bytes (TIERCARE_MAX_BODY_BYTES)")
        chunks.append(chunk)
    return b"".join(chunks)


def to_response(resp: FhirResponse) -> Response:
    content = b"" if resp.body is None else orjson.dumps(resp.body)
    return Response(content, status_code=resp.status, headers=resp.headers,
                    media_type=FHIR_JSON if resp.body is not None else None)


def fhir_routes(container: Container) -> list[Route]:
    router = build_router(container)
    limit = container.settings.max_body_bytes

    async def endpoint(request: Request) -> Response:
        body = await read_body(request, limit) if request.method in ("POST", "PUT", "PATCH") else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        path = request.path_params.get("path", "")
        req = FhirRequest(request.method, path, request.query_params.multi_items(), headers, body,
                          request.scope.get("tiercare.actor", "anonymous"))
        resp = await run_in_threadpool(router.handle, req)
        return to_response(resp)

    async def openapi(request: Request) -> Response:
        from tiercare.api.fhir_openapi import openapi_document

        doc = openapi_document(sorted(router.service.core.resource_types))
        return Response(orjson.dumps(doc), media_type="application/json")

    from tiercare.api.fhir_bulk import bulk_routes

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        *bulk_routes(container, router, BASE),
        Route(BASE, endpoint, methods=METHODS),
        Route(BASE + "/{path:path}", endpoint, methods=METHODS),
    ]
