"""Database adapter: where the connection comes from (embedded server or
``TIERCARE_DATABASE_URL``), a connection pool, and migrations at start."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from tiercare.adapters.postgres import migrate
from tiercare.adapters.postgres.embedded import EmbeddedPostgres
from tiercare.config import Settings, mask_url
from tiercare.core.errors import DatabaseUnavailable

# Every session speaks UTC, whatever the server's configured zone: timestamps read back are
# then UTC datetimes everywhere (HTTP dates, FHIR instants), on the embedded server and on any
# production PostgreSQL alike.
SESSION_OPTIONS = "-c TimeZone=UTC"


@dataclass
class Database:
    """The project's PostgreSQL, embedded or external."""

    settings: Settings
    _embedded: EmbeddedPostgres | None = None
    _leased: bool = False
    _pool: ConnectionPool | None = field(default=None, repr=False)

    @property
    def embedded(self) -> EmbeddedPostgres | None:
        if self.settings.embedded and self._embedded is None:
            self._embedded = EmbeddedPostgres(self.settings.home)
        return self._embedded

    def url(self, *, start: bool = True) -> str:
        if self.settings.database_url is not None:
            return self.settings.database_url.get_secret_value()
        emb = self.embedded
        assert emb is not None
        st = emb.status()
        if not st.running:
            if not start:
                raise DatabaseUnavailable("the embedded PostgreSQL is not running: run `tiercare db start`")
            st = emb.start(lease=True)
            self._leased = True
        return st.url()

    def describe(self) -> str:
        if self.settings.database_url is not None:
            return mask_url(self.settings.database_url.get_secret_value())
        return f"embedded PostgreSQL in {self.settings.home / 'pgdata'}"

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection:
        url = self.url()
        try:
            return psycopg.connect(url, autocommit=autocommit, connect_timeout=self.settings.connect_timeout,
                                   options=SESSION_OPTIONS)
        except psycopg.OperationalError as exc:
            reason = _reason(exc)
            raise DatabaseUnavailable(f"cannot connect to the database ({self.describe()}): {reason}") from None

    def check_version(self, conn: psycopg.Connection) -> int:
        got = conn.execute("SHOW server_version_num").fetchone()
        num = int(got[0]) if got else 0
        if num < 150000:
            raise DatabaseUnavailable(f"PostgreSQL {num // 10000} is too old: TierCare needs 15 or newer")
        return num

    def upgrade(self) -> list[migrate.Migration]:
        with self.connect(autocommit=True) as conn:
            self.check_version(conn)
            return migrate.upgrade(conn, self.settings.migrations_dir)

    def version(self) -> int:
        with self.connect(autocommit=True) as conn:
            return migrate.current_version(conn)

    def pool(self) -> ConnectionPool:
        if self._pool is None:
            url = self.url()
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=self.settings.pool_size,
                kwargs={"connect_timeout": self.settings.connect_timeout, "options": SESSION_OPTIONS},
                open=False,
                name="tiercare",
            )
            try:
                pool.open(wait=True, timeout=self.settings.connect_timeout + 5)
            except PoolTimeout:
                pool.close()
                raise DatabaseUnavailable(f"cannot connect to the database ({self.describe()})") from None
            self._pool = pool
        return self._pool

    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.pool().connection() as conn:
            yield conn

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._leased and self._embedded is not None:
            self._embedded.release()
            self._leased = False


def _reason(exc: psycopg.OperationalError) -> str:
    text = str(exc).strip().splitlines()
    for line in text:
        if "failed:" in line:
            return line.split("failed:", 1)[1].strip()
    return text[0] if text else "unknown error"
