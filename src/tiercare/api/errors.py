"""Every error of the API becomes a FHIR OperationOutcome here, in one place."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tiercare.core.errors import TierCareError

log = logging.getLogger("tiercare.api")

FHIR_JSON = "application/fhir+json"

_HTTP_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
               406: "not-supported", 409: "conflict", 410: "deleted", 412: "conflict", 413: "too-costly",
               415: "not-supported", 422: "processing", 429: "throttled"}


def operation_outcome(message: str, code: str = "invalid", severity: str = "error",
                      expression: list[str] | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
    if expression:
        issue["expression"] = expression
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_response(status: int, outcome: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(outcome), status_code=status, media_type=FHIR_JSON, headers=headers)


async def tiercare_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TierCareError)
    outcome = getattr(exc, "outcome", None) or operation_outcome(exc.message, exc.code, expression=exc.expression)
    return outcome_response(exc.status, outcome)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "exception")
    return outcome_response(exc.status_code, operation_outcome(str(exc.detail), code), dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> Response:
    # Log the type and place only: messages of driver errors can contain PHI from the data.
    log.error("internal error %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return outcome_response(500, operation_outcome("internal server error", "exception", "fatal"))


HANDLERS = {TierCareError: tiercare_error, HTTPException: http_error, Exception: server_error}
