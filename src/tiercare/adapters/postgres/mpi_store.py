"""PostgreSQL side of the client registry (居民主索引存储): the MpiStore port over the
tables of migration 0030. One instance works on one connection (one transaction):
the real-time path gets the FHIR write's own connection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tiercare.core.errors import NotFound
from tiercare.services.mpi import Link, Member

PREFIX = "EMPI-"


class PgMpiStore:
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    # ---- records and keys -----------------------------------------------------------
    def put_record(self, patient_id: str, raw: dict[str, Any], std: dict[str, Any], issues: list[dict[str, str]],
                   linkable: bool, completeness: int, updated_at: datetime, keys: Sequence[str]) -> None:
        self.conn.execute(
            "INSERT INTO mpi_record (patient_id, raw, std, issues, linkable, completeness, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (patient_id) DO UPDATE SET raw = EXCLUDED.raw, "
            "std = EXCLUDED.std, issues = EXCLUDED.issues, linkable = EXCLUDED.linkable, "
            "completeness = EXCLUDED.completeness, updated_at = EXCLUDED.updated_at",
            (patient_id, Jsonb(raw), Jsonb(std), Jsonb(issues), linkable, completeness, updated_at))
        self.conn.execute("DELETE FROM mpi_block_key WHERE patient_id = %s", (patient_id,))
        if keys:
            self.conn.execute("INSERT INTO mpi_block_key (key, patient_id) SELECT k, %s FROM unnest(%s::text[]) k",
                              (patient_id, list(keys)))

    def put_records(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Bulk form of put_record for the batch: (id, raw, std, issues, linkable, completeness, ts, keys)."""
        ids = [r[0] for r in rows]
        self.conn.execute("DELETE FROM mpi_block_key WHERE patient_id = ANY(%s)", (ids,))
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO mpi_record (patient_id, raw, std, issues, linkable, completeness, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (patient_id) DO UPDATE SET raw = EXCLUDED.raw, "
                "std = EXCLUDED.std, issues = EXCLUDED.issues, linkable = EXCLUDED.linkable, "
                "completeness = EXCLUDED.completeness, updated_at = EXCLUDED.updated_at",
                [(r[0], Jsonb(r[1]), Jsonb(r[2]), Jsonb(r[3]), r[4], r[5], r[6]) for r in rows])
            with cur.copy("COPY mpi_block_key (key, patient_id) FROM STDIN") as copy:
                for r in rows:
                    for k in r[7]:
                        copy.write_row((k, r[0]))

    def drop_record(self, patient_id: str) -> None:
        self.conn.execute("DELETE FROM mpi_block_key WHERE patient_id = %s", (patient_id,))
        self.conn.execute("DELETE FROM mpi_record WHERE patient_id = %s", (patient_id,))

    def candidates(self, keys: Sequence[str], max_block: int, exclude: str) -> list[tuple[str, dict[str, Any]]]:
        # Per key at most max_block + 1 rows are read; a key with more is oversize and
        # skipped, as the batch skips blocks over blocking.max_block_size.
        rows = self.conn.execute(
            "WITH hits AS (SELECT k, b.patient_id FROM unnest(%s::text[]) k, LATERAL ("
            "  SELECT patient_id FROM mpi_block_key WHERE key = k LIMIT %s) b), "
            "ok AS (SELECT DISTINCT h.patient_id FROM hits h JOIN ("
            "  SELECT k FROM hits GROUP BY k HAVING count(*) <= %s) s USING (k)) "
            "SELECT r.patient_id, r.raw FROM ok JOIN mpi_record r USING (patient_id) "
            "WHERE r.patient_id <> %s AND r.linkable",
            (list(keys), max_block + 1, max_block, exclude)).fetchall()
        return [(r[0], r[1]) for r in rows]

    # ---- links and persons ------------------------------------------------------------
    def link_of(self, patient_id: str) -> Link | None:
        row = self.conn.execute("SELECT person_id, kind, score FROM mpi_link WHERE patient_id = %s",
                                (patient_id,)).fetchone()
        return Link(int(row[0]), row[1], row[2]) if row else None

    def persons_of(self, patient_ids: Sequence[str]) -> dict[str, int]:
        if not patient_ids:
            return {}
        rows = self.conn.execute("SELECT patient_id, person_id FROM mpi_link WHERE patient_id = ANY(%s)",
                                 (list(patient_ids),)).fetchall()
        return {r[0]: int(r[1]) for r in rows}

    def decisions(self, patient_id: str) -> dict[str, str]:
        rows = self.conn.execute(
            "SELECT CASE WHEN patient_a = %s THEN patient_b ELSE patient_a END, kind FROM mpi_decision "
            "WHERE patient_a = %s OR patient_b = %s", (patient_id, patient_id, patient_id)).fetchall()
        return {r[0]: r[1] for r in rows}

    def all_decisions(self) -> list[tuple[str, str, str]]:
        return [(r[0], r[1], r[2]) for r in
                self.conn.execute("SELECT patient_a, patient_b, kind FROM mpi_decision").fetchall()]

    def decide_pair(self, a: str, b: str, kind: str, by: str, note: str | None) -> None:
        a, b = sorted((a, b))
        self.conn.execute(
            "INSERT INTO mpi_decision (patient_a, patient_b, kind, decided_by, note) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (patient_a, patient_b) DO UPDATE SET kind = EXCLUDED.kind, decided_by = EXCLUDED.decided_by, "
            "note = EXCLUDED.note, decided_at = now()", (a, b, kind, by, note))

    def new_person(self) -> int:
        row = self.conn.execute(
            "INSERT INTO mpi_person (enterprise_id) VALUES ('pending-' || gen_random_uuid()) RETURNING id").fetchone()
        assert row is not None
        pid = int(row[0])
        self.conn.execute("UPDATE mpi_person SET enterprise_id = %s WHERE id = %s", (f"{PREFIX}{pid}", pid))
        return pid

    def enterprise_id(self, person_id: int) -> str:
        return f"{PREFIX}{person_id}"

    def set_link(self, patient_id: str, person_id: int, kind: str, score: float | None, by: str) -> None:
        self.conn.execute(
            "INSERT INTO mpi_link (patient_id, person_id, kind, score, linked_by) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (patient_id) DO UPDATE SET person_id = EXCLUDED.person_id, kind = EXCLUDED.kind, "
            "score = EXCLUDED.score, linked_by = EXCLUDED.linked_by, linked_at = now()",
            (patient_id, person_id, kind, score, by))

    def drop_link(self, patient_id: str) -> None:
        self.conn.execute("DELETE FROM mpi_link WHERE patient_id = %s", (patient_id,))

    def all_links(self) -> dict[str, Link]:
        rows = self.conn.execute("SELECT patient_id, person_id, kind, score FROM mpi_link").fetchall()
        return {r[0]: Link(int(r[1]), r[2], r[3]) for r in rows}

    def add_review(self, a: str, b: str, score: float, evidence: dict[str, Any]) -> None:
        # A pair decided once stays decided; a pending pair gets the newest evidence.
        self.conn.execute(
            "INSERT INTO mpi_review (patient_a, patient_b, score, evidence) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (patient_a, patient_b) DO UPDATE SET score = EXCLUDED.score, evidence = EXCLUDED.evidence "
            "WHERE mpi_review.status = 'pending'", (a, b, score, Jsonb(evidence)))

    def members(self, person_id: int) -> list[Member]:
        rows = self.conn.execute(
            "SELECT l.patient_id, r.std, r.completeness, r.updated_at FROM mpi_link l "
            "JOIN mpi_record r USING (patient_id) WHERE l.person_id = %s", (person_id,)).fetchall()
        return [Member(r[0], r[1], int(r[2]), r[3]) for r in rows]

    def set_golden(self, person_id: int, golden: dict[str, Any], active: bool) -> None:
        self.conn.execute("UPDATE mpi_person SET golden = %s, active = %s, updated_at = now() WHERE id = %s",
                          (Jsonb(golden), active, person_id))

    def merge_person(self, survivor: int, merged: int) -> list[str]:
        rows = self.conn.execute("UPDATE mpi_link SET person_id = %s WHERE person_id = %s RETURNING patient_id",
                                 (survivor, merged)).fetchall()
        self.conn.execute("UPDATE mpi_person SET merged_into = %s, active = false, golden = '{}', updated_at = now() "
                          "WHERE id = %s", (survivor, merged))
        return sorted(r[0] for r in rows)

    def event(self, kind: str, person_id: int, other: int | None, patient_ids: Sequence[str],
              detail: dict[str, Any], by: str) -> None:
        self.conn.execute(
            "INSERT INTO mpi_event (kind, person_id, other_person, patient_ids, detail, by_actor) "
            "VALUES (%s, %s, %s, %s, %s, %s)", (kind, person_id, other, list(patient_ids), Jsonb(detail), by))

    def events(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, kind, person_id, other_person, patient_ids, detail, at, by_actor FROM mpi_event "
            "WHERE person_id = %s OR other_person = %s ORDER BY id", (person_id, person_id)).fetchall()
        return [{"id": r[0], "kind": r[1], "person": r[2], "other_person": r[3], "patients": list(r[4]),
                 "detail": r[5], "at": r[6].isoformat(), "by": r[7]} for r in rows]

    def last_merge(self, person_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT id, other_person, patient_ids FROM mpi_event WHERE person_id = %s AND kind = 'merge' "
            "AND NOT EXISTS (SELECT 1 FROM mpi_event u WHERE u.kind = 'unmerge' AND (u.detail->>'merge_event')::bigint = mpi_event.id) "
            "ORDER BY id DESC LIMIT 1", (person_id,)).fetchone()
        return {"id": row[0], "other_person": row[1], "patients": list(row[2])} if row else None

    def person(self, person_id: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT id, enterprise_id, golden, active, merged_into FROM mpi_person WHERE id = %s",
                                (person_id,)).fetchone()
        if row is None:
            raise NotFound(f"person {person_id} does not exist")
        links = self.conn.execute("SELECT patient_id, kind, score, linked_at, linked_by FROM mpi_link "
                                  "WHERE person_id = %s ORDER BY patient_id", (person_id,)).fetchall()
        return {"id": row[0], "enterprise_id": row[1], "golden": row[2], "active": row[3], "merged_into": row[4],
                "links": [{"patient": f"Patient/{r[0]}", "kind": r[1], "score": r[2], "linked_at": r[3].isoformat(),
                           "linked_by": r[4]} for r in links]}

    def reactivate(self, person_id: int) -> None:
        self.conn.execute("UPDATE mpi_person SET merged_into = NULL, active = true WHERE id = %s", (person_id,))

    def record(self, patient_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT std, issues, linkable FROM mpi_record WHERE patient_id = %s",
                                (patient_id,)).fetchone()
        return {"standardised": row[0], "issues": row[1], "linkable": row[2]} if row else None

    # ---- review queue ---------------------------------------------------------------
    def reviews(self, status: str, limit: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT v.id, v.patient_a, v.patient_b, v.score, v.evidence, v.status, v.created_at, v.decided_at, "
            "v.decided_by, v.note, ra.std, rb.std FROM mpi_review v "
            "LEFT JOIN mpi_record ra ON ra.patient_id = v.patient_a "
            "LEFT JOIN mpi_record rb ON rb.patient_id = v.patient_b "
            "WHERE v.status = %s ORDER BY v.score DESC, v.id LIMIT %s", (status, limit)).fetchall()
        return [_review(r) for r in rows]

    def review(self, review_id: int, *, for_update: bool = False) -> dict[str, Any]:
        if for_update:  # two reviewers deciding at once: the second waits, then sees the status
            self.conn.execute("SELECT 1 FROM mpi_review WHERE id = %s FOR UPDATE", (review_id,))
        row = self.conn.execute(
            "SELECT v.id, v.patient_a, v.patient_b, v.score, v.evidence, v.status, v.created_at, v.decided_at, "
            "v.decided_by, v.note, ra.std, rb.std FROM mpi_review v "
            "LEFT JOIN mpi_record ra ON ra.patient_id = v.patient_a "
            "LEFT JOIN mpi_record rb ON rb.patient_id = v.patient_b WHERE v.id = %s", (review_id,)).fetchone()
        if row is None:
            raise NotFound(f"review {review_id} does not exist")
        return _review(row)

    def close_review(self, review_id: int, status: str, by: str, note: str | None) -> None:
        self.conn.execute("UPDATE mpi_review SET status = %s, decided_by = %s, note = %s, decided_at = now() "
                          "WHERE id = %s", (status, by, note, review_id))

    # ---- model --------------------------------------------------------------------------
    def latest_params(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT id, parameters FROM mpi_model ORDER BY id DESC LIMIT 1").fetchone()
        return {"id": row[0], "parameters": row[1]} if row else None

    def latest_model_id(self) -> int | None:
        # Only the id per write: the parameters (with term frequencies) are large and
        # are read again only when a new batch fit appears.
        row = self.conn.execute("SELECT max(id) FROM mpi_model").fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def model_params(self, model_id: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT parameters FROM mpi_model WHERE id = %s", (model_id,)).fetchone()
        if row is None:
            raise NotFound(f"model {model_id} does not exist")
        params: dict[str, Any] = row[0]
        return params

    def save_params(self, records: int, parameters: dict[str, Any]) -> None:
        self.conn.execute("INSERT INTO mpi_model (records, parameters) VALUES (%s, %s)", (records, Jsonb(parameters)))

    # ---- batch ---------------------------------------------------------------------------
    def iter_patients(self, batch: int = 2000) -> Iterator[tuple[str, dict[str, Any], datetime]]:
        with self.conn.cursor(name="mpi_patients") as cur:
            cur.itersize = batch
            cur.execute("SELECT id, body, last_updated FROM fhir_resource WHERE resource_type = 'Patient' "
                        "AND NOT deleted ORDER BY id")
            yield from ((r[0], r[1], r[2]) for r in cur)

    def count_patients(self) -> int:
        row = self.conn.execute("SELECT count(*) FROM fhir_resource WHERE resource_type = 'Patient' "
                                "AND NOT deleted").fetchone()
        return int(row[0]) if row else 0

    def stale_records(self) -> list[str]:
        """Registry rows of Patients no longer live in the store (deleted outside a listener)."""
        rows = self.conn.execute(
            "SELECT r.patient_id FROM mpi_record r LEFT JOIN fhir_resource f ON f.resource_type = 'Patient' "
            "AND f.id = r.patient_id AND NOT f.deleted WHERE f.id IS NULL").fetchall()
        return [r[0] for r in rows]


def _review(r: Any) -> dict[str, Any]:
    return {"id": r[0], "patients": [f"Patient/{r[1]}", f"Patient/{r[2]}"], "score": r[3], "evidence": r[4],
            "status": r[5], "created_at": r[6].isoformat(), "decided_at": r[7].isoformat() if r[7] else None,
            "decided_by": r[8], "note": r[9], "records": [r[10], r[11]]}


def store_for_session(session: object) -> PgMpiStore | None:
    """The registry store inside a FHIR session's transaction (MpiService.store_for)."""
    conn = getattr(session, "conn", None)
    return PgMpiStore(conn) if isinstance(conn, psycopg.Connection) else None
