"""Test fixtures: a real PostgreSQL for the whole session.

By default an embedded server (the same wheel the product uses) in a temporary
TIERCARE_HOME; with TIERCARE_TEST_DATABASE_URL set (an admin URL of PostgreSQL >= 15,
e.g. Debian's server started by .ci/run) that server is used instead. Either way each
session gets its own database, migrated to the latest version, dropped at the end.

* ``db``: a connection inside a transaction that is rolled back after the test.
* ``committed_url``, ``settings`` / ``container``: a second session database for code that
  opens its own connections and commits (HTTP app, CLI), kept apart so that what those
  tests leave behind never shows up in the rollback tests' searches.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tiercare.adapters.postgres import migrate
from tiercare.adapters.postgres.database import SESSION_OPTIONS
from tiercare.adapters.postgres.embedded import EmbeddedPostgres
from tiercare.bootstrap import Container, build
from tiercare.config import Settings, load_settings


def pytest_configure(config: pytest.Config) -> None:
    """A private temporary folder per session: pytest's shared /tmp/pytest-of-USER keeps
    only the last three sessions and deletes older ones, which removes the data folder of
    an embedded server still used by another session running at the same time."""
    if not config.option.basetemp:
        import tempfile

        config.option.basetemp = tempfile.mkdtemp(prefix="tiercare-pytest-")
        config._tiercare_basetemp = config.option.basetemp  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = getattr(config, "_tiercare_basetemp", None)
    if folder:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _swap_db(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("TIERCARE_TEST_DATABASE_URL")
    if external:
        yield external
        return
    home = tmp_path_factory.mktemp("tiercare-home")
    server = EmbeddedPostgres(home)
    status = server.start(lease=True)
    try:
        yield status.url("postgres")
    finally:
        server.release()


def _session_database(admin_url: str, tag: str) -> str:
    name = f"tiercare_test_{tag}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _swap_db(admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.upgrade(conn)
    return url


def _drop(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """The session database of the rollback tests (``db``): nothing is ever committed here."""
    url = _session_database(pg_admin_url, "rb")
    yield url
    _drop(pg_admin_url, url)


@pytest.fixture(scope="session")
def committed_url(pg_admin_url: str) -> Iterator[str]:
    """A second session database for tests whose code commits (HTTP app, CLI, pools):
    what they leave behind never shows up in the rollback tests' searches."""
    url = _session_database(pg_admin_url, "app")
    yield url
    _drop(pg_admin_url, url)


@pytest.fixture
def db(pg_url: str) -> Iterator[psycopg.Connection]:
    """A connection whose work is rolled back after the test."""
    conn = psycopg.connect(pg_url, options=SESSION_OPTIONS)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture(scope="session")
def settings(committed_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home: Path = tmp_path_factory.mktemp("tiercare-app-home")
    return load_settings(env={"TIERCARE_HOME": str(home), "TIERCARE_DATABASE_URL": committed_url})


@pytest.fixture(scope="session")
def container(settings: Settings) -> Iterator[Container]:
    c = build(settings)
    yield c
    c.close()
