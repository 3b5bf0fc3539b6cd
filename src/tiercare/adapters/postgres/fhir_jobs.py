"""Bulk Data $export jobs (导出任务) in table fhir_export_job (migration 0010)."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg


def create_job(conn: psycopg.Connection, job_id: str, actor: str, request: dict[str, Any]) -> None:
    conn.execute("INSERT INTO fhir_export_job (id, actor, request) VALUES (%s, %s, %s::jsonb)",
                 (job_id, actor, orjson.dumps(request).decode()))


def set_status(conn: psycopg.Connection, job_id: str, status: str, *, output: dict[str, Any] | None = None,
               error: str | None = None) -> None:
    conn.execute(
        "UPDATE fhir_export_job SET status = %s, output = coalesce(%s::jsonb, output), error = %s, "
        "finished_at = CASE WHEN %s IN ('completed', 'failed') THEN now() ELSE finished_at END WHERE id = %s",
        (status, None if output is None else orjson.dumps(output).decode(), error, status, job_id),
    )


def get_job(conn: psycopg.Connection, job_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT id, actor, status, request, output, error FROM fhir_export_job WHERE id = %s",
                       (job_id,)).fetchone()
    if row is None:
        return None
    return {"id": row[0], "actor": row[1], "status": row[2], "request": row[3], "output": row[4], "error": row[5]}


def delete_job(conn: psycopg.Connection, job_id: str) -> bool:
    return conn.execute("DELETE FROM fhir_export_job WHERE id = %s", (job_id,)).rowcount > 0
