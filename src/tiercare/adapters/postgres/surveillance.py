"""PostgreSQL side of early warning (预警): case counts straight from the FHIR store's
tables, and the signal tables of migration 0045.

Cases are notifiable-disease Conditions (ICD-10 code in the catalogue; not refuted or
entered in error), dated by onset (onsetDateTime, onsetPeriod.start, else recordedDate)
or by report (the report-time extension, else recordedDate), in the region's time zone,
and placed by the patient's home address (现住址, as China's notifiable-disease reporting
counts them): the GB/T 2260 code in Address.district, cut to the level's digits; a case
without one counts in area "unknown". SQL takes bound parameters only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row

from tiercare.core.errors import Conflict, InvalidInput, NotFound
from tiercare.core.surveillance import workflow
from tiercare.core.surveillance.notifiable import CaseCount, Catalogue, ReportedCase, SignalCandidate

Connect = Callable[[], AbstractContextManager[psycopg.Connection]]

_CASES = """
WITH c AS (
    SELECT t.code,
           CASE WHEN %(basis)s = 'onset'
                THEN coalesce(r.body->>'onsetDateTime', r.body->'onsetPeriod'->>'start', r.body->>'recordedDate')
                ELSE coalesce(jsonb_path_query_first(r.body::jsonb, '$.extension[*] ? (@.url == $u).valueDateTime',
                                                     jsonb_build_object('u', %(ext)s::text)) #>> '{}',
                              r.body->>'recordedDate')
           END AS ts,
           coalesce(jsonb_path_query_first(p.body::jsonb, '$.address[*] ? (@.use == "home").district') #>> '{}',
                    p.body->'address'->0->>'district') AS district
    FROM fhir_token t
    JOIN fhir_resource r ON r.rid = t.rid AND r.resource_type = 'Condition' AND NOT r.deleted
    LEFT JOIN fhir_resource p ON p.resource_type = 'Patient' AND NOT p.deleted
         AND p.id = split_part(r.body->'subject'->>'reference', '/', 2)
    WHERE t.param = fhir_param('Condition', 'code') AND t.system = fhir_hash(%(system)s)
      AND t.code LIKE ANY(%(patterns)s)
      AND coalesce(r.body->'verificationStatus'->'coding'->0->>'code', '') NOT IN ('refuted', 'entered-in-error')
), d AS (
    SELECT code,
           CASE WHEN length(ts) = 10 THEN ts::date ELSE (ts::timestamptz AT TIME ZONE %(tz)s)::date END AS day,
           CASE WHEN district ~ '^[0-9]+$' AND length(district) >= %(digits)s THEN left(district, %(digits)s)
                ELSE 'unknown' END AS area
    FROM c WHERE ts IS NOT NULL AND ts ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
)
SELECT code, area, day, count(*) AS n FROM d
WHERE day BETWEEN %(start)s AND %(end)s
GROUP BY code, area, day
"""

_REPORTED = """
SELECT t.code, r.body->>'recordedDate' AS diagnosed,
       jsonb_path_query_first(r.body::jsonb, '$.extension[*] ? (@.url == $u).valueDateTime',
                              jsonb_build_object('u', %(ext)s::text)) #>> '{}' AS reported
FROM fhir_token t
JOIN fhir_resource r ON r.rid = t.rid AND r.resource_type = 'Condition' AND NOT r.deleted
WHERE t.param = fhir_param('Condition', 'code') AND t.system = fhir_hash(%(system)s)
  AND t.code LIKE ANY(%(patterns)s)
  AND length(r.body->>'recordedDate') > 10
  AND ((r.body->>'recordedDate')::timestamptz AT TIME ZONE %(tz)s)::date BETWEEN %(start)s AND %(end)s
"""

_EVENTS = (
    "SELECT action, by_actor AS by, at, note, from_state, to_state FROM surv_signal_event "
    "WHERE signal_id = %s ORDER BY at, id"
)


def _patterns(catalogue: Catalogue) -> list[str]:
    out: list[str] = []
    for c in catalogue.code_patterns():
        out += [c, c + ".%"] + ([c + "%"] if "." in c else [])
    return out


class PgSurveillance:
    """The SurveillanceStore port on PostgreSQL."""

    def __init__(self, connect: Connect) -> None:
        self._connect = connect

    def case_counts(
        self, catalogue: Catalogue, start: dt.date, end: dt.date, basis: str, digits: int
    ) -> list[CaseCount]:
        args = {
            "basis": basis,
            "ext": catalogue.report_time_extension,
            "system": catalogue.icd10_system,
            "patterns": _patterns(catalogue),
            "tz": catalogue.timezone,
            "digits": digits,
            "start": start,
            "end": end,
        }
        with self._connect() as conn, conn.transaction():
            rows = conn.execute(_CASES, args).fetchall()
        return [CaseCount(code, area, day, int(n)) for code, area, day, n in rows]

    def reported_cases(self, catalogue: Catalogue, start: dt.date, end: dt.date) -> list[ReportedCase]:
        args = {
            "ext": catalogue.report_time_extension,
            "system": catalogue.icd10_system,
            "patterns": _patterns(catalogue),
            "tz": catalogue.timezone,
            "start": start,
            "end": end,
        }
        with self._connect() as conn, conn.transaction():
            rows = conn.execute(_REPORTED, args).fetchall()
        out = []
        for code, diagnosed, reported in rows:
            if diagnosed and reported and len(reported) > 10:
                out.append(
                    ReportedCase(
                        code, dt.datetime.fromisoformat(diagnosed), dt.datetime.fromisoformat(reported)
                    )
                )
        return out

    def save_signals(self, signals: Sequence[SignalCandidate], basis: str) -> int:
        new = 0
        with self._connect() as conn, conn.transaction():
            for s in signals:
                row = conn.execute(
                    "INSERT INTO surv_signal (detected_on, area, disease, basis, method, params, observed, expected, "
                    "upperbound, series) VALUES (%s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s::jsonb) "
                    "ON CONFLICT (detected_on, area, disease, basis, method) DO NOTHING RETURNING id",
                    (
                        s.day,
                        s.area,
                        s.disease,
                        basis,
                        s.method,
                        orjson.dumps(dict(s.params)).decode(),
                        s.observed,
                        s.expected,
                        s.upperbound,
                        orjson.dumps(
                            {"dates": list(s.snapshot_dates), "counts": list(s.snapshot_counts)}
                        ).decode(),
                    ),
                ).fetchone()
                new += row is not None
        return new

    def load_case(self, signal_id: int) -> workflow.SignalCase:
        with self._connect() as conn, conn.transaction():
            row = conn.execute("SELECT state FROM surv_signal WHERE id = %s", (signal_id,)).fetchone()
            if row is None:
                raise NotFound(f"no signal {signal_id}")
            events = conn.execute(_EVENTS, (signal_id,)).fetchall()
        history = tuple(
            workflow.Event(
                workflow.SignalAction(a), by, at, note, workflow.SignalState(f), workflow.SignalState(t)
            )
            for a, by, at, note, f, t in events
        )
        return workflow.SignalCase(workflow.SignalState(row[0]), history)

    def record_step(self, signal_id: int, event: workflow.Event) -> None:
        with self._connect() as conn, conn.transaction():
            cur = conn.execute(
                "UPDATE surv_signal SET state = %s, updated_at = %s WHERE id = %s AND state = %s",
                (event.to_state.value, event.at, signal_id, event.from_state.value),
            )
            if cur.rowcount != 1:
                raise Conflict(f"signal {signal_id} changed meanwhile; reload it and try again")
            conn.execute(
                "INSERT INTO surv_signal_event (signal_id, action, by_actor, at, note, from_state, to_state) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    signal_id,
                    event.action.value,
                    event.by,
                    event.at,
                    event.note,
                    event.from_state.value,
                    event.to_state.value,
                ),
            )

    # ---- reads for the API ----------------------------------------------------------
    def list_signals(
        self,
        *,
        state: str | None = None,
        disease: str | None = None,
        area: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000")
        with self._connect() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                "SELECT id, detected_on, area, disease, basis, method, observed, expected, upperbound, state, "
                "created_at, updated_at FROM surv_signal "
                "WHERE (%(state)s::text IS NULL OR state = %(state)s) "
                "AND (%(disease)s::text IS NULL OR disease = %(disease)s) "
                "AND (%(area)s::text IS NULL OR area = %(area)s) "
                "ORDER BY detected_on DESC, id DESC LIMIT %(limit)s",
                {"state": state, "disease": disease, "area": area, "limit": limit},
            ).fetchall()
        return [_jsonable(r) for r in rows]

    def get_signal(self, signal_id: int) -> dict[str, Any]:
        with self._connect() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute("SELECT * FROM surv_signal WHERE id = %s", (signal_id,)).fetchone()
            if row is None:
                raise NotFound(f"no signal {signal_id}")
            events = cur.execute(_EVENTS, (signal_id,)).fetchall()
        out = _jsonable(row)
        out["events"] = [_jsonable(e) for e in events]
        return out


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in row.items()}
