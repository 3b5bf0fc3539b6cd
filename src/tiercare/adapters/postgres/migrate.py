"""Versioned, forward-only SQL migrations (数据库迁移).

Plain ``NNNN_name.sql`` files in ``adapters/postgres/migrations`` are applied in order,
each in its own transaction together with its row in ``schema_migration`` (PostgreSQL
DDL is transactional: a failing file leaves the database at the previous version).
The whole run holds a session advisory lock, so two processes starting at once never
apply a file twice. An applied file whose checksum changed is an error: migrations are
never edited, only added.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tiercare.core.errors import MigrationError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LOCK_KEY = 0x7E1C_A4E0  # advisory-lock key of the migration runner
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(folder: Path | None = None) -> list[Migration]:
    folder = folder or MIGRATIONS_DIR
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"migration file name {path.name} does not match NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def current_version(conn: psycopg.Connection) -> int:
    row = conn.execute(
        "SELECT to_regclass('schema_migration') IS NOT NULL"
    ).fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migration").fetchone()
    return int(got[0]) if got else 0


def upgrade(conn: psycopg.Connection, folder: Path | None = None) -> list[Migration]:
    """Apply every pending migration; return those applied. ``conn`` must be in autocommit mode."""
    migrations = discover(folder)
    applied_now: list[Migration] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        conn.execute(_BOOKKEEPING)
        done = {
            int(v): c for v, c in conn.execute("SELECT version, checksum FROM schema_migration").fetchall()
        }
        for mig in migrations:
            if mig.version in done:
                if done[mig.version] != mig.checksum:
                    raise MigrationError(
                        f"migration {mig.path.name} was changed after it was applied; add a new migration instead"
                    )
                continue
            try:
                with conn.transaction():
                    conn.execute(mig.sql.encode("utf-8"))
                    conn.execute(
                        "INSERT INTO schema_migration (version, name, checksum) VALUES (%s, %s, %s)",
                        (mig.version, mig.name, mig.checksum),
                    )
            except psycopg.Error as exc:
                diag = exc.diag.message_primary or str(exc).splitlines()[0]
                prev = max([v for v in done] + [m.version for m in applied_now], default=0)
                raise MigrationError(
                    f"migration {mig.path.name} failed: {diag}; the database stays at version {prev}"
                ) from None
            applied_now.append(mig)
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return applied_now
