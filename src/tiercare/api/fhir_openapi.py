"""OpenAPI 3.0 description of the FHIR endpoints (for clients and schemathesis). Resource
bodies are described as FHIR JSON objects with a resourceType; the R4 JSON schema itself is
not repeated here."""

from __future__ import annotations

from typing import Any

_RESOURCE = {"type": "object", "required": ["resourceType"], "properties": {"resourceType": {"type": "string"}}}
_OUTCOME = {"description": "OperationOutcome", "content": {"application/fhir+json": {"schema": _RESOURCE}}}
_OK = {"description": "FHIR resource or Bundle", "content": {"application/fhir+json": {"schema": _RESOURCE}}}


def _op(summary: str, params: list[dict[str, Any]] | None = None, body: bool = False,
        patch: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": params or [],
                          "responses": {"200": _OK, "201": _OK, "204": {"description": "no content"},
                                        "400": _OUTCOME, "401": _OUTCOME, "404": _OUTCOME, "409": _OUTCOME,
                                        "410": _OUTCOME, "412": _OUTCOME, "413": _OUTCOME, "422": _OUTCOME}}
    if body:
        media = "application/json-patch+json" if patch else "application/fhir+json"
        schema = {"type": "array", "items": {"type": "object"}} if patch else _RESOURCE
        op["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
    return op


def openapi_document(resource_types: list[str]) -> dict[str, Any]:
    rt = {"name": "type", "in": "path", "required": True, "schema": {"type": "string", "enum": resource_types}}
    rid = {"name": "id", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^[A-Za-z0-9\\-.]{1,64}$"}}
    vid = {"name": "vid", "in": "path", "required": True, "schema": {"type": "string"}}
    count = {"name": "_count", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}}
    since = {"name": "_since", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"}}
    typ = {"name": "_type", "in": "query", "required": False, "schema": {"type": "string"}}
    p = "/fhir/R4"
    return {
        "openapi": "3.0.3",
        "info": {"title": "TierCare FHIR R4 API", "version": "4.0.1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            f"{p}/metadata": {"get": {**_op("CapabilityStatement"), "security": []}},
            p: {"post": _op("batch or transaction Bundle", body=True)},
            f"{p}/_history": {"get": _op("system history", [count, since])},
            f"{p}/{{type}}": {"get": _op("search", [rt, count]), "post": _op("create", [rt], body=True)},
            f"{p}/{{type}}/_search": {"post": _op("search (form body)", [rt])},
            f"{p}/{{type}}/_history": {"get": _op("type history", [rt, count, since])},
            f"{p}/{{type}}/{{id}}": {"get": _op("read", [rt, rid]), "put": _op("update", [rt, rid], body=True),
                                     "patch": _op("JSON Patch", [rt, rid], body=True, patch=True),
                                     "delete": _op("delete", [rt, rid])},
            f"{p}/{{type}}/{{id}}/_history": {"get": _op("instance history", [rt, rid, count, since])},
            f"{p}/{{type}}/{{id}}/_history/{{vid}}": {"get": _op("vread", [rt, rid, vid])},
            f"{p}/$export": {"get": {**_op("Bulk Data export (system)", [typ, since]),
                                     "responses": {"202": {"description": "accepted; poll Content-Location"},
                                                   "400": _OUTCOME, "404": _OUTCOME}}},
            f"{p}/$import": {"post": {"summary": "NDJSON import", "requestBody": {"required": True, "content": {
                "application/fhir+ndjson": {"schema": {"type": "string"}}}},
                "responses": {"200": _OUTCOME, "400": _OUTCOME, "413": _OUTCOME}}},
        },
    }
