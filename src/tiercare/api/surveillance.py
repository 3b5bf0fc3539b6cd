"""Early-warning API for the CDC (预警信号接口): signals, their evidence and series,
verification steps, reporting timeliness. JSON; errors are OperationOutcome (api/errors.py).

  GET  /api/surveillance/diseases                       the notifiable-disease catalogue
  GET  /api/surveillance/signals?state=&disease=&area=&limit=
  GET  /api/surveillance/signals/{id}                   evidence, series snapshot, steps
  POST /api/surveillance/signals/{id}/steps             {"action": "...", "note": "..."}
  GET  /api/surveillance/timeliness?from=YYYY-MM-DD&to=YYYY-MM-DD
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tiercare.adapters.postgres.surveillance import PgSurveillance
from tiercare.bootstrap import Container
from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.notifiable import default_catalogue
from tiercare.core.surveillance.workflow import SignalState, allowed_actions
from tiercare.services import surveillance as svc


def _date(value: str | None, name: str) -> dt.date:
    if not value:
        raise InvalidInput(f"parameter '{name}' (YYYY-MM-DD) is required")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"parameter '{name}' must be a date YYYY-MM-DD") from None


def surveillance_routes(container: Container) -> list[Route]:
    store = PgSurveillance(container.database.connection)
    catalogue = default_catalogue()

    async def diseases(request: Request) -> Response:
        today = dt.date.today()
        return JSONResponse(
            [
                {
                    "key": d.key,
                    "name_zh": d.name_zh,
                    "name_en": d.name_en,
                    "class": d.klass,
                    "icd10": list(d.icd10),
                    "report_limit_hours": catalogue.report_limit_hours(d, today),
                    "detector": catalogue.profile_for(d, today).method,
                }
                for d in catalogue.on(today)
            ]
        )

    async def signals(request: Request) -> Response:
        q = request.query_params
        limit = q.get("limit", "100")
        if not limit.isdigit():
            raise InvalidInput("limit must be a whole number")
        rows = await run_in_threadpool(
            store.list_signals,
            state=q.get("state"),
            disease=q.get("disease"),
            area=q.get("area"),
            limit=int(limit),
        )
        return JSONResponse(rows)

    async def signal(request: Request) -> Response:
        sid = int(request.path_params["id"])
        row: dict[str, Any] = await run_in_threadpool(store.get_signal, sid)
        row["allowed_actions"] = [a.value for a in allowed_actions(SignalState(row["state"]))]
        return JSONResponse(row)

    async def step(request: Request) -> Response:
        sid = int(request.path_params["id"])
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise InvalidInput('the body must be JSON: {"action": ..., "note": ...}') from None
        if not isinstance(body, dict) or not isinstance(body.get("action"), str):
            raise InvalidInput("the body needs an 'action' string")
        note = body.get("note", "")
        if not isinstance(note, str):
            raise InvalidInput("'note' must be a string")
        actor = request.scope.get("tiercare.actor", "unknown")
        case = await run_in_threadpool(
            svc.take_step, store, sid, body["action"], by=actor, now=dt.datetime.now(dt.UTC), note=note
        )
        return JSONResponse(
            {
                "id": sid,
                "state": case.state.value,
                "allowed_actions": [a.value for a in allowed_actions(case.state)],
            }
        )

    async def timeliness(request: Request) -> Response:
        q = request.query_params
        start, end = _date(q.get("from"), "from"), _date(q.get("to"), "to")
        rows = await run_in_threadpool(svc.timeliness, store, catalogue, start, end)
        return JSONResponse({"from": start.isoformat(), "to": end.isoformat(), "groups": rows})

    base = "/api/surveillance"
    return [
        Route(f"{base}/diseases", diseases, methods=["GET"]),
        Route(f"{base}/signals", signals, methods=["GET"]),
        Route(base + "/signals/{id:int}", signal, methods=["GET"]),
        Route(base + "/signals/{id:int}/steps", step, methods=["POST"]),
        Route(f"{base}/timeliness", timeliness, methods=["GET"]),
    ]
