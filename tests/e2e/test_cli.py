"""The CLI as a user meets it: real processes, a real embedded server in a temporary
TIERCARE_HOME, one clear error line on bad settings, no process left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.pg]


def run(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TIERCARE_")}
    full_env.update({"TIERCARE_HOME": str(home)})
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tiercare", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def assert_one_line_error(proc, pattern: str) -> None:
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert pattern in lines[0], lines[0]
    assert "Traceback" not in proc.stderr + proc.stdout


def postgres_processes(home: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        try:
            if p.info["name"] == "postgres" and str(home) in " ".join(p.info["cmdline"] or []):
                found.append(p)
        except psutil.Error:
            continue
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_lists_every_command_with_a_purpose(tmp_path):
    proc = run(tmp_path, "--help")
    assert proc.returncode == 0
    for name in ("db", "serve", "demo", "config", "token"):
        assert f"  {name} " in proc.stdout


def test_unreachable_database_url(tmp_path):
    port = free_port()
    proc = run(tmp_path, "db", "upgrade", env={"TIERCARE_DATABASE_URL": f"postgresql://u:pw@127.0.0.1:{port}/x"})
    assert_one_line_error(proc, "cannot connect to the database")
    assert "pw@" not in proc.stderr


def test_unwritable_home(tmp_path):
    home = tmp_path / "ro"
    home.mkdir()
    (home / "run").write_text("a file where a folder must be")  # unwritable even for root
    proc = run(home, "db", "start")
    assert_one_line_error(proc, "is not writable")


def test_bad_setting_value(tmp_path):
    proc = run(tmp_path, "config", env={"TIERCARE_PORT": "eighty"})
    assert_one_line_error(proc, "TIERCARE_PORT")


def test_port_in_use(tmp_path, committed_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = run(tmp_path, "serve", "--port", str(port), env={"TIERCARE_DATABASE_URL": committed_url})
    assert_one_line_error(proc, f"port {port} on 127.0.0.1 is already in use")


def test_broken_migration_leaves_previous_version(tmp_path, pg_admin_url):
    import shutil

    import psycopg
    from tests.conftest import _swap_db

    from tiercare.adapters.postgres import migrate

    name = "tiercare_cli_badmig"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _swap_db(pg_admin_url, name)
    folder = tmp_path / "mig"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    latest = migrate.discover(folder)[-1].version
    (folder / f"{latest + 1:04d}_typo.sql").write_text("CREATE TABLE t (x int);\nSELEC 1;\n")
    env = {"TIERCARE_DATABASE_URL": url, "TIERCARE_MIGRATIONS_DIR": str(folder)}
    proc = run(tmp_path, "db", "upgrade", env=env)
    assert_one_line_error(proc, f"stays at version {latest}")
    with psycopg.connect(url) as conn:
        assert migrate.current_version(conn) == latest


def _wait_health(port: int, deadline: float) -> int:
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return r.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError("server did not answer /health in time")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_and_leaves_no_process(tmp_path, sig):
    home = tmp_path / "home"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERCARE_")}
    env.update({"TIERCARE_HOME": str(home), "TIERCARE_PORT": str(port)})
    proc = subprocess.Popen([sys.executable, "-m", "tiercare", "serve"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_health(port, time.time() + 90) == 200
        assert postgres_processes(home), "serve should have started the embedded server"
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    # the server that `serve` started on demand is stopped with it (no orphan)
    deadline = time.time() + 20
    while postgres_processes(home) and time.time() < deadline:
        time.sleep(0.2)
    assert run(home, "db", "stop").returncode == 0
    assert postgres_processes(home) == []
    assert not psutil.pid_exists(proc.pid)


def test_db_lifecycle_pinned_server_survives_commands(tmp_path):
    home = tmp_path / "home"
    assert run(home, "db", "start").returncode == 0
    try:
        pids = [p.pid for p in postgres_processes(home)]
        assert pids
        status = run(home, "db", "status", "--json")
        assert '"running": true' in status.stdout
        assert '"schema_version": ' in status.stdout
        # a second process reuses the running server and leaves it running
        assert run(home, "db", "upgrade").returncode == 0
        assert [p.pid for p in postgres_processes(home)] == pids
    finally:
        assert run(home, "db", "stop").returncode == 0
    assert postgres_processes(home) == []
    assert '"running": false' in run(home, "db", "status", "--json").stdout
