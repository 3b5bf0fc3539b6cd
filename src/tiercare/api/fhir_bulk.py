"""Bulk Data endpoints (批量数据接口): ``$export`` (system, Patient, Group) with the async
pattern of the Bulk Data Access IG (202 + Content-Location, polling, NDJSON files) and
``$import`` of an NDJSON body (TierCare operation: same policy as `tiercare import`)."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from tiercare.adapters.files import NdjsonWriter
from tiercare.adapters.postgres import fhir_jobs
from tiercare.api.errors import FHIR_JSON, operation_outcome, outcome_response
from tiercare.bootstrap import Container
from tiercare.core.errors import InvalidInput, NotFound, TierCareError
from tiercare.services.fhir_bulk import BulkImporter
from tiercare.services.fhir_export import export_resources, manifest
from tiercare.services.fhir_router import FhirRouter

log = logging.getLogger("tiercare.api")
_JOB = re.compile(r"^[0-9a-f]{32}$")
_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")


def bulk_routes(container: Container, router: FhirRouter, base_path: str) -> list[Route]:
    folder = container.settings.home / "exports"
    db = container.database
    public_base = router.base

    def _run(job_id: str, level: str, group: str | None, types: list[str] | None, since: str | None,
             actor: str, request_url: str) -> None:
        out = folder / job_id
        writer = NdjsonWriter(out)
        try:
            with db.connection() as conn:
                fhir_jobs.set_status(conn, job_id, "in-progress")
            export_resources(router, writer.write, types=types, since=since, actor=actor, level=level,
                             group_id=group)
            writer.close()
            when = datetime.now(UTC).isoformat(timespec="seconds")
            with db.connection() as conn:
                fhir_jobs.set_status(conn, job_id, "completed",
                                     output=manifest(request_url, public_base, job_id, writer.counts, when))
        except TierCareError as exc:
            writer.close()
            with db.connection() as conn:
                fhir_jobs.set_status(conn, job_id, "failed", error=exc.message)
        except Exception as exc:  # a job must always end in a state the client can poll
            writer.close()
            log.error("export job failed: %s", type(exc).__name__)
            with db.connection() as conn:
                fhir_jobs.set_status(conn, job_id, "failed", error="internal error")

    async def kickoff(request: Request) -> Response:
        params = request.query_params
        types = [t for t in params.get("_type", "").split(",") if t] or None
        if types and not all(_TYPE.match(t) for t in types):
            raise InvalidInput("_type must list resource types")
        for t in types or []:
            router.service.check_type(t)
        if "_outputFormat" in params and params["_outputFormat"] not in (
                "application/fhir+ndjson", "application/ndjson", "ndjson"):
            raise InvalidInput("only NDJSON output (_outputFormat=application/fhir+ndjson) is supported")
        since = params.get("_since")
        if since:
            from tiercare.services.fhir import parse_instant

            parse_instant(since, "_since")
        group = request.path_params.get("id")
        level = "group" if group else ("patient" if request.url.path.endswith("Patient/$export") else "system")
        job_id = uuid.uuid4().hex
        actor = request.scope.get("tiercare.actor", "anonymous")
        request_url = str(request.url)

        def _create() -> None:
            with db.connection() as conn:
                fhir_jobs.create_job(conn, job_id, actor, {"level": level, "group": group, "types": types,
                                                           "since": since})

        await run_in_threadpool(_create)
        threading.Thread(target=_run, args=(job_id, level, group, types, since, actor, request_url),
                         daemon=True, name=f"export-{job_id[:8]}").start()
        return Response(status_code=202, headers={"Content-Location": f"{public_base}/$export-poll-status/{job_id}"})

    def _job(job_id: str) -> dict[str, object]:
        if not _JOB.match(job_id):
            raise NotFound("no such export job")
        with db.connection() as conn:
            job = fhir_jobs.get_job(conn, job_id)
        if job is None:
            raise NotFound("no such export job")
        return job

    async def status(request: Request) -> Response:
        job = await run_in_threadpool(_job, request.path_params["job"])
        if request.method == "DELETE":
            def _delete() -> None:
                with db.connection() as conn:
                    fhir_jobs.delete_job(conn, str(job["id"]))
            await run_in_threadpool(_delete)
            return Response(status_code=202)
        if job["status"] in ("accepted", "in-progress"):
            return Response(status_code=202, headers={"X-Progress": str(job["status"]), "Retry-After": "2"})
        if job["status"] == "failed":
            return outcome_response(500, operation_outcome(str(job["error"] or "export failed"), "exception"))
        return Response(orjson.dumps(job["output"]), media_type="application/json")

    async def file(request: Request) -> Response:
        job = await run_in_threadpool(_job, request.path_params["job"])
        name = request.path_params["name"]
        if job["status"] != "completed" or not re.match(r"^[A-Z][A-Za-z]{1,63}\.ndjson$", name):
            raise NotFound("no such export file")
        path = Path(folder / str(job["id"]) / name)
        if not path.is_file():
            raise NotFound("no such export file")
        return FileResponse(path, media_type="application/fhir+ndjson")

    async def import_(request: Request) -> Response:
        from tiercare.api.fhir import read_body

        body = await read_body(request, container.settings.max_body_bytes)
        actor = request.scope.get("tiercare.actor", "anonymous")
        lines = ((
            "request", i, line) for i, line in enumerate(body.split(b"\n"), start=1) if line.strip())
        importer = BulkImporter(router.store, router.service)
        report = await run_in_threadpool(importer.run, lines, None, True, actor)
        status_code = 200 if not report.errors or report.loaded or report.unchanged else 400
        return Response(orjson.dumps(report.outcome()), status_code=status_code, media_type=FHIR_JSON)

    b = base_path
    return [
        Route(f"{b}/$export", kickoff, methods=["GET", "POST"]),
        Route(f"{b}/Patient/$export", kickoff, methods=["GET", "POST"]),
        Route(f"{b}/Group/{{id}}/$export", kickoff, methods=["GET", "POST"]),
        Route(f"{b}/$export-poll-status/{{job}}", status, methods=["GET", "DELETE"]),
        Route(f"{b}/$export-file/{{job}}/{{name}}", file, methods=["GET"]),
        Route(f"{b}/$import", import_, methods=["POST"]),
    ]
