"""PostgreSQL FHIR store (FHIR 资源库): the FhirStore/FhirSession ports on the tables of
migrations 0010-0014 (docs/fhir-store.md "Schema").

Every resource has an integer key ``rid``; history and index rows are keyed by it, index rows
name their search parameter by an int4 code (:func:`param_code`). A write of N versions is a
handful of statements whatever N is: one UNNEST upsert into fhir_resource guarded by the
version (optimistic lock) — or, for the first versions of a large write, one COPY with fresh
rids — one COPY into fhir_history (the current version's body lives in fhir_resource only,
see _ARCHIVE), one DELETE per index table for replaced versions and one COPY per index
table. All inside the session's transaction, so a crash leaves either the whole write or
nothing. Bulk loads use :func:`encode_new` (in the importer's worker processes) and
:meth:`PgFhirSession.insert_new`.
SQL takes bound parameters only; table and column names come from :data:`INDEX_TABLES`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import set_json_dumps, set_json_loads

from tiercare.core.errors import PreconditionFailed
from tiercare.services.fhir_ports import HistoryPage, SearchPage, StoredResource, WriteOp

# Index table per row kind (tiercare.core.fhir.index rows) -> (table, value columns after
# ``rid``). The whitelist of identifiers used in SQL.
INDEX_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "token": ("fhir_token", ("param", "system", "code", "text")),
    "string": ("fhir_string", ("param", "value", "exact", "pinyin")),
    "date": ("fhir_date", ("param", "lo", "hi")),
    "reference": ("fhir_reference", ("param", "target_type", "target_id", "url", "identifier_system",
                                     "identifier_value")),
    "quantity": ("fhir_quantity", ("param", "value", "lo", "hi", "system", "code", "unit")),
    "number": ("fhir_number", ("param", "value")),
    "uri": ("fhir_uri", ("param", "value")),
    "composite": ("fhir_composite", ("param", "system", "code", "v_system", "v_code", "v_num_lo", "v_num_hi",
                                     "v_lo", "v_hi", "v_string")),
}
COPY_SQL = {kind: f"COPY {table} (rid, {', '.join(cols)}) FROM STDIN" for kind, (table, cols) in INDEX_TABLES.items()}


@lru_cache(maxsize=8192)
def param_code(resource_type: str, name: str) -> int:
    """The int4 code of search parameter ``name`` of ``resource_type`` in the index tables:
    the first 32 bits of md5('Type.name'), signed; SQL: ``fhir_param(type, name)`` (migration 0012)."""
    digest = hashlib.md5(f"{resource_type}.{name}".encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


@lru_cache(maxsize=4096)
def text_hash(value: str) -> int:
    """fhir_token.system as stored: the first 64 bits of md5(value), signed; SQL: ``fhir_hash``
    (migration 0013)."""
    return int.from_bytes(hashlib.md5(value.encode(), usedforsecurity=False).digest()[:8], "big", signed=True)


def _composite_values(row: Any) -> tuple[Any, ...] | None:
    """(system, code, v_system, v_code, v_num_lo, v_num_hi, v_lo, v_hi, v_string) of a pair."""
    if len(row.parts) != 2 or row.parts[0].kind != "token":
        return None
    first, second = row.parts
    k = second.kind
    if k == "token":
        return (first.system, first.code, second.system, second.code, None, None, None, None, None)
    if k == "quantity":
        lo = second.value if second.value is not None else second.low
        hi = second.value if second.value is not None else second.high
        return (first.system, first.code, second.system, second.code, lo, hi, None, None, None)
    if k == "number":
        return (first.system, first.code, None, None, second.value, second.value, None, None, None)
    if k == "date":
        return (first.system, first.code, None, None, None, None, second.low, second.high, None)
    if k == "string":
        return (first.system, first.code, None, None, None, None, None, None, second.value)
    return None


def index_tuples(resource_type: str, rows: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Index rows of one resource -> values per table kind (param code first, no rid)."""
    out: dict[str, list[tuple[Any, ...]]] = {k: [] for k in INDEX_TABLES}
    for row in rows or ():
        k = row.kind
        p = param_code(resource_type, row.param)
        if k == "token":
            if row.code is not None or row.system is not None or row.text:
                out["token"].append((p, None if row.system is None else text_hash(row.system), row.code,
                                     row.text or None))
        elif k == "string":
            out["string"].append((p, row.value, None if row.exact == row.value else row.exact, row.pinyin))
        elif k == "date":
            out["date"].append((p, row.low, row.high))
        elif k == "reference":
            url = row.url if row.version is None or row.url is None else f"{row.url}|{row.version}"
            out["reference"].append((p, row.target_type, row.target_id, url, row.identifier_system,
                                     row.identifier_value))
        elif k == "quantity":
            out["quantity"].append((p, row.value, row.low, row.high, row.system, row.code, row.unit))
        elif k == "number":
            out["number"].append((p, row.value))
        elif k == "uri":
            out["uri"].append((p, row.uri))
        elif k == "composite":
            values = _composite_values(row)
            if values is not None:
                out["composite"].append((p, *values))
    return out


def index_copy(rid: int, resource_type: str, rows: Any) -> dict[str, str]:
    """Index rows of one resource as COPY text per table kind (each line starts with ``rid``)."""
    prefix = f"{rid}\t"
    return {kind: "".join(prefix + "\t".join([_copy_field(v) for v in t]) + "\n" for t in tuples)
            for kind, tuples in index_tuples(resource_type, rows).items() if tuples}


def encode_new(rid: int, resource_type: str, resource: dict[str, Any], index: Any) -> tuple[bytes, dict[str, bytes]]:
    """Bulk-load payload of a new resource (the importer's codec, run where the line is
    prepared): its fhir_resource COPY line after ``rid\tversion\tdeleted\tlast_updated`` and its
    index rows as COPY text per table kind."""
    body = orjson.dumps(resource)
    if b"\\" in body:  # COPY text format: a backslash is an escape (orjson emits no raw tab/LF/CR)
        body = body.replace(b"\\", b"\\\\")
    row = f"{resource_type}\t{resource['id']}\t".encode() + body + b"\n"
    return row, {kind: text.encode() for kind, text in index_copy(rid, resource_type, index).items()}


_UPSERT = """
INSERT INTO fhir_resource AS r (resource_type, id, version, last_updated, deleted, body)
SELECT * FROM unnest(%s::text[], %s::text[], %s::int[], %s::timestamptz[], %s::bool[], %s::json[])
ON CONFLICT (resource_type, id) DO UPDATE
   SET version = EXCLUDED.version, last_updated = EXCLUDED.last_updated,
       deleted = EXCLUDED.deleted, body = EXCLUDED.body
 WHERE r.version = EXCLUDED.version - 1
RETURNING r.resource_type, r.id, r.rid
"""


STAGE_MIN = 50  # writes of this many versions or more COPY their new resources straight into fhir_resource

# The body of the current version lives in fhir_resource only; when a version is replaced
# its body moves into its history row (halves the bytes written by creates and imports).
_ARCHIVE = """
UPDATE fhir_history h SET body = r.body
  FROM fhir_resource r, unnest(%s::text[], %s::text[]) AS k(rt, id)
 WHERE r.resource_type = k.rt AND r.id = k.id AND NOT r.deleted
   AND h.rid = r.rid AND h.version = r.version AND h.body IS NULL
"""

# A history row's body: its own, or (current version) the one in fhir_resource.
_VREAD = """
SELECT h.last_updated, h.deleted,
       CASE WHEN h.body IS NOT NULL THEN h.body WHEN NOT h.deleted AND h.version = r.version THEN r.body END, h.method
  FROM fhir_resource r JOIN fhir_history h ON h.rid = r.rid
 WHERE r.resource_type = %s AND r.id = %s AND h.version = %s
"""
_HISTORY = """
SELECT h.seq, r.resource_type, r.id, h.version, h.last_updated, h.deleted,
       CASE WHEN h.body IS NOT NULL THEN h.body WHEN NOT h.deleted AND h.version = r.version THEN r.body END, h.method
  FROM fhir_history h JOIN fhir_resource r ON r.rid = h.rid
 {} ORDER BY h.seq DESC LIMIT %s
"""


_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_field(v: Any) -> str:
    """One value in PostgreSQL COPY text format (NULL is \\N; backslash, tab, CR, LF escaped)."""
    if v is None:
        return "\\N"
    if v.__class__ is str:
        # the common case has nothing to escape; str.translate is slow, `in` is not
        if "\\" in v or "\n" in v or "\t" in v or "\r" in v:
            return v.translate(_COPY_ESCAPE)
        return v
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)  # int, Decimal


def copy_text(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as one COPY text-format block: formatting here is several times faster than
    psycopg's per-row ``write_row`` for the ~10 index rows of every resource."""
    return "".join("\t".join([_copy_field(v) for v in row]) + "\n" for row in rows).encode("utf-8")


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


_CONFIGURED: weakref.WeakSet[psycopg.Connection] = weakref.WeakSet()


def configure(conn: psycopg.Connection) -> None:
    """Use orjson for json/jsonb on this connection (2-5x faster than the json module).

    Once per connection: ``set_json_dumps`` creates new dumper classes at every call, and
    creating a class costs more the more subclasses exist (measured: 3 ms per call after
    1,000 requests on pooled connections, 30 ms after 5,000 — the API's latency grew
    without bound before this guard)."""
    if conn in _CONFIGURED:
        return
    set_json_loads(orjson.loads, conn)
    set_json_dumps(_dumps, conn)
    _CONFIGURED.add(conn)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    from tiercare.core.errors import InvalidInput

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        raise InvalidInput("invalid paging cursor") from None
    if not isinstance(value, list):
        raise InvalidInput("invalid paging cursor")
    return value


class PgFhirSession:
    """One transaction on one connection (implements services.fhir_ports.FhirSession)."""

    def __init__(self, conn: psycopg.Connection, search_compiler: Any = None, *, durable_read_audit: bool = True) -> None:
        self.conn = conn
        self._search = search_compiler
        self._audit: list[tuple[Any, ...]] = []
        self.durable_read_audit = durable_read_audit

    # ---- reads ---------------------------------------------------------------------
    def current(self, resource_type: str, id: str, *, for_update: bool = False) -> StoredResource | None:
        q = "SELECT version, last_updated, deleted, body FROM fhir_resource WHERE resource_type = %s AND id = %s"
        if for_update:
            q += " FOR UPDATE"
        row = self.conn.execute(q, (resource_type, id)).fetchone()
        if row is None:
            return None
        return StoredResource(resource_type, id, row[0], row[1], row[2], row[3])

    def current_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredResource]:
        """Current versions of many resources in one query (bulk import), locked for update."""
        if not keys:
            return {}
        rows = self.conn.execute(
            "SELECT r.resource_type, r.id, r.version, r.last_updated, r.deleted, r.body FROM fhir_resource r "
            "JOIN unnest(%s::text[], %s::text[]) AS k(rt, id) ON r.resource_type = k.rt AND r.id = k.id "
            "FOR UPDATE OF r",
            ([k[0] for k in keys], [k[1] for k in keys]),
        ).fetchall()
        return {(r[0], r[1]): StoredResource(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows}

    def existing(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of ``keys`` are stored (deleted ones included), locked against concurrent writes."""
        if not keys:
            return set()
        rows = self.conn.execute(
            "SELECT r.resource_type, r.id FROM fhir_resource r "
            "JOIN unnest(%s::text[], %s::text[]) AS k(rt, id) ON r.resource_type = k.rt AND r.id = k.id "
            "FOR UPDATE OF r",
            ([k[0] for k in keys], [k[1] for k in keys]),
        ).fetchall()
        return {(r[0], r[1]) for r in rows}

    def insert_new(self, items: Sequence[tuple[int, tuple[bytes, dict[str, bytes]]]], ts: datetime) -> None:
        """Bulk load of new resources (version 1, method POST) from :func:`encode_new` payloads:
        one COPY into fhir_resource, one into fhir_history and one per index table, in this
        session's transaction. A resource that exists meanwhile raises PreconditionFailed (the
        whole batch is rolled back)."""
        if not items:
            return
        stamp = ts.isoformat()
        head = [f"{rid}\t1\tf\t{stamp}\t".encode() for rid, _ in items]
        blocks: dict[str, list[bytes]] = {}
        for _, (_, index) in items:
            for kind, data in index.items():
                blocks.setdefault(kind, []).append(data)
        # the load is acknowledged only when the whole import ends: no need to wait for the
        # WAL flush of every batch (a crash still loses whole batches only, never half of one)
        self.conn.execute("SET LOCAL synchronous_commit = off")
        try:
            with self.conn.cursor() as cur:
                with cur.copy("COPY fhir_resource (rid, version, deleted, last_updated, resource_type, id, body) "
                              "FROM STDIN") as cp:
                    cp.write(b"".join(h + payload[0] for h, (_, payload) in zip(head, items, strict=True)))
                with cur.copy("COPY fhir_history (rid, version, last_updated, deleted, method) FROM STDIN") as cp:
                    cp.write("".join(f"{rid}\t1\t{stamp}\tf\tPOST\n" for rid, _ in items).encode())
                for kind, datas in blocks.items():
                    with cur.copy(COPY_SQL[kind]) as cp:
                        cp.write(b"".join(datas))
        except psycopg.errors.UniqueViolation:
            raise PreconditionFailed("a resource of this batch was created by another request meanwhile") from None

    def analyze(self) -> None:
        """Refresh planner statistics after a bulk load (so search plans hold right away)."""
        for table in ("fhir_resource", "fhir_history", *(t for t, _ in INDEX_TABLES.values())):
            self.conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))

    def version(self, resource_type: str, id: str, version: int) -> StoredResource | None:
        row = self.conn.execute(
            _VREAD,
            (resource_type, id, version),
        ).fetchone()
        if row is None:
            return None
        return StoredResource(resource_type, id, version, row[0], row[1], row[2], row[3])

    def history(self, resource_type: str | None, id: str | None, *, since: datetime | None,
                count: int, cursor: str | None) -> HistoryPage:
        where: list[sql.Composable] = []
        args: list[Any] = []
        if resource_type is not None:
            where.append(sql.SQL("r.resource_type = %s"))
            args.append(resource_type)
        if id is not None:
            where.append(sql.SQL("r.id = %s"))
            args.append(id)
        if since is not None:
            where.append(sql.SQL("h.last_updated >= %s"))
            args.append(since)
        if cursor is not None:
            (seq,) = decode_cursor(cursor)
            where.append(sql.SQL("h.seq < %s"))
            args.append(int(seq))
        q = sql.SQL(_HISTORY).format(sql.SQL("WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL(""))
        rows = self.conn.execute(q, [*args, count + 1]).fetchall()
        more = len(rows) > count
        rows = rows[:count]
        entries = [StoredResource(r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
        return HistoryPage(entries, encode_cursor([rows[-1][0]]) if more and rows else None)

    def iter_current(self, types: Sequence[str], *, since: datetime | None,
                     ids: dict[str, set[str]] | None = None) -> Iterator[StoredResource]:
        """Stream live resources of ``types`` (server-side cursor; for $export)."""
        for rt in types:
            args: list[Any] = [rt]
            q = "SELECT id, version, last_updated, body FROM fhir_resource WHERE resource_type = %s AND NOT deleted"
            if since is not None:
                q += " AND last_updated >= %s"
                args.append(since)
            if ids is not None:
                q += " AND id = ANY(%s)"
                args.append(sorted(ids.get(rt, set())))
            with self.conn.cursor(name=f"export_{rt.lower()}") as cur:
                cur.itersize = 2000
                cur.execute(q, args)
                for r in cur:
                    yield StoredResource(rt, r[0], r[1], r[2], False, r[3])

    def compartment_ids(self, types: Sequence[str], compartment: dict[str, tuple[str, ...]],
                        patients: list[str] | None) -> dict[str, set[str]]:
        """Ids per type of the resources in the compartment of ``patients`` (None: any patient),
        found through the reference index (R4 CompartmentDefinition params)."""
        out: dict[str, set[str]] = {}
        for rt in types:
            if rt == "Patient":
                if patients is None:
                    rows = self.conn.execute(
                        "SELECT id FROM fhir_resource WHERE resource_type = 'Patient' AND NOT deleted").fetchall()
                    out[rt] = {r[0] for r in rows}
                else:
                    out[rt] = set(patients)
                continue
            q = ("SELECT DISTINCT r.id FROM fhir_reference t JOIN fhir_resource r ON r.rid = t.rid "
                 "WHERE r.resource_type = %s AND t.param = ANY(%s) AND t.target_type = 'Patient'")
            args: list[Any] = [rt, [param_code(rt, name) for name in compartment.get(rt, ())]]
            if patients is not None:
                q += " AND t.target_id = ANY(%s)"
                args.append(patients)
            out[rt] = {r[0] for r in self.conn.execute(q, args).fetchall()}
        return out

    def search(self, query: Any, *, cursor: str | None = None) -> SearchPage:
        if self._search is None:
            from tiercare.adapters.postgres.fhir_search import SearchCompiler

            self._search = SearchCompiler()
        page: SearchPage = self._search.run(self.conn, query, cursor)
        return page

    # ---- writes --------------------------------------------------------------------
    def write(self, ops: Sequence[WriteOp]) -> None:
        if not ops:
            return
        replaced = [op for op in ops if op.version > 1]
        if replaced:
            self.conn.execute(_ARCHIVE, ([op.resource_type for op in replaced], [op.id for op in replaced]))
        new = [op for op in ops if op.version == 1] if len(ops) >= STAGE_MIN else []
        rest = [op for op in ops if op.version != 1] if new else list(ops)
        done = self._insert_copy(new) if new else []
        done += self._upsert_unnest(rest) if rest else []
        if len(done) != len(ops):
            written = {(r[0], r[1]) for r in done}
            lost = next(op for op in ops if (op.resource_type, op.id) not in written)
            raise PreconditionFailed(
                f"{lost.resource_type}/{lost.id} was changed by another request (version conflict); retry"
            )
        rids = {(r[0], r[1]): r[2] for r in done}
        with self.conn.cursor() as cur:
            with cur.copy("COPY fhir_history (rid, version, last_updated, deleted, method) FROM STDIN") as cp:
                cp.write(copy_text((rids[op.resource_type, op.id], op.version, op.last_updated, op.deleted,
                                    op.method) for op in ops))
            self._replace_index(cur, ops, rids)

    def _upsert_unnest(self, ops: Sequence[WriteOp]) -> list[tuple[Any, ...]]:
        cols: list[list[Any]] = [[], [], [], [], [], []]
        for op in ops:
            cols[0].append(op.resource_type)
            cols[1].append(op.id)
            cols[2].append(op.version)
            cols[3].append(op.last_updated)
            cols[4].append(op.deleted)
            cols[5].append(_dumps(op.body))
        return self.conn.execute(_UPSERT, cols).fetchall()

    def _insert_copy(self, ops: Sequence[WriteOp]) -> list[tuple[Any, ...]]:
        """Large writes (bundles): the first versions get fresh rids and one COPY into
        fhir_resource (the body crosses the wire once, no staging table). One that exists
        already (created meanwhile by someone else) is a version conflict."""
        rids = [r[0] for r in self.conn.execute("SELECT nextval('fhir_rid_seq') FROM generate_series(1, %s)",
                                                (len(ops),)).fetchall()]
        try:
            with self.conn.cursor() as cur, cur.copy(
                    "COPY fhir_resource (rid, version, deleted, last_updated, resource_type, id, body) "
                    "FROM STDIN") as cp:
                cp.write(copy_text((rid, 1, op.deleted, op.last_updated, op.resource_type, op.id, _dumps(op.body))
                                   for rid, op in zip(rids, ops, strict=True)))
        except psycopg.errors.UniqueViolation:
            raise PreconditionFailed("a resource of this write was created by another request meanwhile; retry"
                                     ) from None
        return [(op.resource_type, op.id, rid) for rid, op in zip(rids, ops, strict=True)]

    def _replace_index(self, cur: psycopg.Cursor[Any], ops: Sequence[WriteOp],
                       rids: dict[tuple[str, str], int]) -> None:
        replaced = [rids[op.resource_type, op.id] for op in ops if op.version > 1]
        if replaced:
            for table, _ in INDEX_TABLES.values():
                cur.execute(sql.SQL("DELETE FROM {} WHERE rid = ANY(%s)").format(sql.Identifier(table)), (replaced,))
        blocks: dict[str, list[str]] = {}
        for op in ops:
            if op.deleted or op.index is None:
                continue
            for kind, text in index_copy(rids[op.resource_type, op.id], op.resource_type, op.index).items():
                blocks.setdefault(kind, []).append(text)
        for kind, texts in blocks.items():
            with cur.copy(COPY_SQL[kind]) as cp:
                cp.write("".join(texts).encode("utf-8"))

    def lock(self, key: str) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))

    def audit(self, actor: str, action: str, resource_type: str | None, resource_id: str | None,
              outcome: int = 0, detail: dict[str, Any] | None = None) -> None:
        """Buffered; written by :meth:`flush_audit` in the same transaction as the work."""
        self._audit.append((actor, action, resource_type, resource_id, outcome,
                            None if detail is None else _dumps(detail)))

    def flush_audit(self) -> None:
        if not self._audit:
            return
        if not self.durable_read_audit:
            # A transaction that has written nothing yet (no transaction id: a read, search or
            # history) commits its audit row without waiting for the WAL flush
            # (synchronous_commit = off, PostgreSQL manual 28.4 "Asynchronous Commit"): the row
            # is written within 3 x wal_writer_delay, and only a crash of the database server in
            # that window can lose it. This saves the fsync (~3.7 ms here) per read. Any
            # transaction that wrote data keeps the synchronous commit. TIERCARE_READ_AUDIT_SYNC
            # turns this off.
            self.conn.execute("SELECT set_config('synchronous_commit', 'off', true) "
                              "WHERE pg_current_xact_id_if_assigned() IS NULL")
        if len(self._audit) <= 2:  # one read or write: a plain INSERT is cheaper than a COPY
            for row in self._audit:
                self.conn.execute("INSERT INTO audit_log (actor, action, resource_type, resource_id, outcome, detail) "
                                  "VALUES (%s, %s, %s, %s, %s, %s::jsonb)", row)
            self._audit.clear()
            return
        with self.conn.cursor() as cur:
            with cur.copy("COPY audit_log (actor, action, resource_type, resource_id, outcome, detail) "
                          "FROM STDIN") as cp:
                for row in self._audit:
                    cp.write_row(row)
        self._audit.clear()


class PgFhirStore:
    """The FhirStore port on PostgreSQL. ``connect`` yields a connection (the pool's)."""

    def __init__(self, connect: Callable[[], contextlib.AbstractContextManager[psycopg.Connection]], *,
                 durable_read_audit: bool = True) -> None:
        self._connect = connect
        self._compiler: Any = None
        self.durable_read_audit = durable_read_audit

    @classmethod
    def on_connection(cls, conn: psycopg.Connection) -> PgFhirStore:
        """A store whose sessions are savepoints of one existing transaction (tests)."""

        @contextlib.contextmanager
        def borrow() -> Iterator[psycopg.Connection]:
            yield conn

        return cls(borrow)

    # the bulk importer's fast path (services.fhir_bulk): a picklable codec and rid reservation
    import_codec = staticmethod(encode_new)

    def reserve_rids(self, n: int) -> list[int]:
        """``n`` fresh resource keys (the sequence is not transactional: a rolled-back batch
        leaves a gap, nothing else)."""
        with self._connect() as conn:
            rows = conn.execute("SELECT nextval('fhir_rid_seq') FROM generate_series(1, %s)", (n,)).fetchall()
        return [r[0] for r in rows]

    @contextlib.contextmanager
    def session(self) -> Iterator[PgFhirSession]:
        if self._compiler is None:
            from tiercare.adapters.postgres.fhir_search import SearchCompiler

            self._compiler = SearchCompiler()
        with self._connect() as conn:
            configure(conn)
            with conn.transaction():
                session = PgFhirSession(conn, self._compiler, durable_read_audit=self.durable_read_audit)
                yield session
                session.flush_audit()
