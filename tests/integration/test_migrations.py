import shutil
import threading

import psycopg
import pytest

from tiercare.adapters.postgres import migrate
from tiercare.core.errors import MigrationError

pytestmark = pytest.mark.pg


def _fresh_db(pg_admin_url: str, name: str) -> str:
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    from tests.conftest import _swap_db

    return _swap_db(pg_admin_url, name)


def test_session_database_is_at_latest_version(db):
    latest = migrate.discover()[-1].version
    assert migrate.current_version(db) == latest


def test_upgrade_is_idempotent(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate.upgrade(conn) == []


def test_failed_migration_leaves_previous_version(pg_admin_url, tmp_path):
    url = _fresh_db(pg_admin_url, "tiercare_mig_fail")
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    latest = migrate.discover(folder)[-1].version
    bad = folder / f"{latest + 1:04d}_broken.sql"
    bad.write_text("CREATE TABLE half_done (x int);\nCREATE TABLE oops (x nonexistent_type);\n")
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(MigrationError, match=rf"{bad.name} failed: .*stays at version {latest}"):
            migrate.upgrade(conn, folder)
        assert migrate.current_version(conn) == latest
        # the first statement of the broken file was rolled back with it
        assert conn.execute("SELECT to_regclass('half_done')").fetchone()[0] is None


def test_changed_migration_is_refused(pg_admin_url, tmp_path):
    url = _fresh_db(pg_admin_url, "tiercare_mig_changed")
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    with psycopg.connect(url, autocommit=True) as conn:
        migrate.upgrade(conn, folder)
        first = sorted(folder.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(MigrationError, match="was changed after it was applied"):
            migrate.upgrade(conn, folder)


def test_concurrent_upgrades_apply_each_file_once(pg_admin_url):
    url = _fresh_db(pg_admin_url, "tiercare_mig_race")
    errors: list[BaseException] = []
    applied: list[int] = []

    def run() -> None:
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                applied.extend(m.version for m in migrate.upgrade(conn))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(applied) == [m.version for m in migrate.discover()]
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*) FROM schema_migration").fetchone()[0]
    assert rows == len(migrate.discover())


def test_bad_file_name_is_refused(tmp_path):
    (tmp_path / "1_x.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match="does not match"):
        migrate.discover(tmp_path)
