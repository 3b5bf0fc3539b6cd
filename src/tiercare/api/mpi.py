"""Client registry API (居民主索引接口). JSON; errors are OperationOutcome (api/errors.py).

  GET  /api/mpi/reviews?status=pending&limit=100   review items with field-by-field evidence
  POST /api/mpi/reviews/{id}                       {"decision": "accept"|"reject", "note": "..."}
  GET  /api/mpi/persons/{id}                       golden record, enterprise id, links, history
  POST /api/mpi/persons/{id}/unmerge               {"note": "..."}: undo the last merge
  GET  /api/mpi/patients/{id}                      a Patient's person and its validation result

``install_mpi`` adds real-time linking (a write listener) and ``Patient/$match`` to the
FHIR router.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tiercare.adapters.postgres.mpi_store import PgMpiStore, store_for_session
from tiercare.bootstrap import Container
from tiercare.core.errors import InvalidInput, NotFound
from tiercare.services.fhir_router import FhirRouter
from tiercare.services.mpi import MpiService
from tiercare.services.mpi_match import match_operation
from tiercare.services.mpi_review import decide, unmerge


def install_mpi(router: FhirRouter) -> MpiService:
    mpi = MpiService(store_for_session)
    router.service.write_listeners.append(mpi.on_write)
    router.operations[("Patient", "$match")] = match_operation(mpi, store_for_session)
    return mpi


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body must be JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("'note' must be a string")
    return body


def mpi_routes(container: Container) -> list[Route]:
    db = container.database
    mpi = MpiService(store_for_session)

    def _reviews(status: str, limit: int) -> list[dict[str, Any]]:
        with db.connection() as conn:
            return PgMpiStore(conn).reviews(status, limit)

    def _decide(review_id: int, decision: str, by: str, note: str | None) -> dict[str, Any]:
        with db.connection() as conn, conn.transaction():
            return decide(PgMpiStore(conn), mpi, review_id, decision, by=by, note=note)

    def _person(person_id: int) -> dict[str, Any]:
        with db.connection() as conn:
            store = PgMpiStore(conn)
            out = store.person(person_id)
            out["history"] = store.events(person_id)
            return out

    def _unmerge(person_id: int, by: str, note: str | None) -> dict[str, Any]:
        with db.connection() as conn, conn.transaction():
            return unmerge(PgMpiStore(conn), mpi, person_id, by=by, note=note)

    def _patient(patient_id: str) -> dict[str, Any]:
        with db.connection() as conn:
            store = PgMpiStore(conn)
            record = store.record(patient_id)
            link = store.link_of(patient_id)
            if record is None or link is None:
                raise NotFound(f"Patient/{patient_id} is not in the client registry")
            person = store.person(link.person_id)
            return {"patient": f"Patient/{patient_id}", **record,
                    "link": {"kind": link.kind, "score": link.score},
                    "person": {"id": person["id"], "enterprise_id": person["enterprise_id"],
                               "golden": person["golden"]}}

    async def reviews(request: Request) -> Response:
        q = request.query_params
        status = q.get("status", "pending")
        if status not in ("pending", "accepted", "rejected"):
            raise InvalidInput("status must be pending, accepted or rejected")
        limit = q.get("limit", "100")
        if not limit.isdigit() or not 1 <= int(limit) <= 1000:
            raise InvalidInput("limit must be a whole number from 1 to 1000")
        return JSONResponse(await run_in_threadpool(_reviews, status, int(limit)))

    async def review(request: Request) -> Response:
        body = await _json(request)
        decision = body.get("decision")
        if not isinstance(decision, str):
            raise InvalidInput("the body needs a 'decision': 'accept' or 'reject'")
        actor = request.scope.get("tiercare.actor", "unknown")
        got = await run_in_threadpool(_decide, int(request.path_params["id"]), decision, actor, body.get("note"))
        return JSONResponse(got)

    async def person(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(_person, int(request.path_params["id"])))

    async def person_unmerge(request: Request) -> Response:
        body = await _json(request)
        actor = request.scope.get("tiercare.actor", "unknown")
        got = await run_in_threadpool(_unmerge, int(request.path_params["id"]), actor, body.get("note"))
        return JSONResponse(got)

    async def patient(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(_patient, request.path_params["id"]))

    base = "/api/mpi"
    return [
        Route(f"{base}/reviews", reviews, methods=["GET"]),
        Route(base + "/reviews/{id:int}", review, methods=["POST"]),
        Route(base + "/persons/{id:int}", person, methods=["GET"]),
        Route(base + "/persons/{id:int}/unmerge", person_unmerge, methods=["POST"]),
        Route(base + "/patients/{id}", patient, methods=["GET"]),
    ]
