"""The ASGI application factory. Starlette (not FastAPI): the FHIR router is generic
over resource types and carries its own OpenAPI description, so FastAPI's per-route
models would add overhead without use; see docs/architecture.md."""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tiercare.adapters.postgres import migrate
from tiercare.api.auth import BearerAuth
from tiercare.api.errors import HANDLERS
from tiercare.bootstrap import Container
from tiercare.core.errors import TierCareError

log = logging.getLogger("tiercare.api")


def create_app(container: Container) -> Starlette:
    db = container.database

    def _health() -> dict[str, Any]:
        try:
            with db.connection() as conn:
                row = conn.execute("SHOW server_version").fetchone()
                version = migrate.current_version(conn)
            return {"status": "ok", "database": {"ok": True, "server_version": row[0] if row else None,
                                                  "schema_version": version}}
        except (TierCareError, Exception) as exc:
            log.warning("health check: database unavailable (%s)", type(exc).__name__)
            return {"status": "unavailable", "database": {"ok": False}}

    async def health(request: Request) -> Response:
        body = await run_in_threadpool(_health)
        return JSONResponse(body, status_code=200 if body["database"]["ok"] else 503)

    from tiercare.api.fhir import fhir_routes
    from tiercare.api.mpi import mpi_routes
    from tiercare.api.surveillance import surveillance_routes

    routes = [
        Route("/health", health, methods=["GET"]),
        *fhir_routes(container),  # /fhir/R4 (metadata included), /openapi.json
        *surveillance_routes(container),  # /api/surveillance
        *mpi_routes(container),  # /api/mpi (client registry)
    ]
    app = Starlette(
        routes=routes,
        exception_handlers=HANDLERS,
        middleware=[Middleware(BearerAuth, database=db)],
    )
    app.state.container = container
    return app
