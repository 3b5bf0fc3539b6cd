"""The two FHIR servers the fhir benchmarks start side by side (run.py, search.py).

TierCare runs as ``tiercare serve`` on its embedded PostgreSQL in a home of its own;
the peer sekmet-fhir (PyPI; Python + SQLite) is installed into its own venv here, with
no auth, no workflow simulator, no traffic log and validation on (its quietest fair setup).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

PEER = "sekmet-fhir==0.1.1"
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server at {url} did not come up")


class TierCare:
    """``tiercare serve`` with ``env`` added to its environment (TIERCARE_* settings)."""

    def __init__(self, home: Path, **env: str) -> None:
        self.home = home
        self.port = free_port()
        self.env = {**os.environ, "TIERCARE_HOME": str(home), "TIERCARE_PORT": str(self.port),
                    "TIERCARE_LOG_LEVEL": "warning", **env}
        self.env.pop("TIERCARE_DATABASE_URL", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""

    def tc(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "tiercare"), *args], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"tiercare {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done.stdout.strip()

    def start(self, token_name: str = "bench") -> None:
        self.tc("db", "start")
        self.token = self.tc("token", "create", token_name).splitlines()[-1]
        self.proc = subprocess.Popen([str(BIN / "tiercare"), "serve", "--port", str(self.port)], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{self.port}/health")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir/R4"

    def pids(self) -> list[int]:
        """The server (and its workers) and the postmaster (and its backends)."""
        pids = [self.proc.pid] if self.proc else []
        pidfile = self.home / "pgdata" / "postmaster.pid"
        if pidfile.exists():
            pids.append(int(pidfile.read_text().split()[0]))
        return pids

    def stop(self, db: bool = True) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(60)
            self.proc = None
        if db:
            subprocess.run([str(BIN / "tiercare"), "db", "stop"], env=self.env, capture_output=True)


class Sekmet:
    """sekmet-fhir in its own venv (``HERE/.peer-venv``), serving from ``work``."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.venv = HERE / ".peer-venv"

    def install(self) -> None:
        py = self.venv / "bin" / "python"
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)
        if not (self.venv / "bin" / "sekmet").exists():
            subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PEER],
                           check=True)

    def start(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        cfg = self.work / "settings.yaml"
        cfg.write_text(json.dumps({
            "base_url": f"http://127.0.0.1:{self.port}/fhir", "host": "127.0.0.1", "port": self.port,
            "data_dir": str(self.work / "data"), "server_auth": {"types": ["none"]},
            "simulator": {"enabled": False}, "log_inbound": False}))
        self.proc = subprocess.Popen([str(self.venv / "bin" / "sekmet"), "serve", "--config", str(cfg),
                                      "--port", str(self.port), "--host", "127.0.0.1"], cwd=self.work,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{self.port}/fhir/metadata")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None
