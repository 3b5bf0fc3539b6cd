"""Serving the ASGI app with several worker processes (多进程服务) on one listening socket.

Why not uvicorn's own ``workers=N``: it *spawns* fresh interpreters, each importing
TierCare and loading the FHIR definitions again (about 10 s each on a busy 2-core
machine, and twice the memory). Here the app is built once in the parent, the socket is
bound once, and workers are *forked* from it (pre-fork, as gunicorn's ``--preload``): they
share the loaded definitions copy-on-write and start at once.

Safe to fork because nothing has touched the database pool or started a thread when the
app is built (each worker opens its own pool on its first request; ``Database`` opens it
lazily). The parent only supervises:

* SIGINT / SIGTERM: forwarded to the workers as SIGTERM (uvicorn then stops each
  gracefully: in-flight requests finish); the parent waits for them and returns, so the
  caller can release the embedded database.
* A worker that dies is replaced (logged, no PHI), unless it died within a second of its
  start twice in a row (a broken start would otherwise loop).
* Each worker asks the kernel for SIGKILL if the parent dies (Linux ``PR_SET_PDEATHSIG``):
  a ``kill -9`` of the server kills its workers as abruptly, so no orphan keeps serving and
  their open transactions roll back, as with a single process.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from typing import Any

log = logging.getLogger("tiercare.api")


def die_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies (prctl(2) PR_SET_PDEATHSIG)."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)


def run(app: Any, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve ``app`` on host:port with ``workers`` processes; return when they have stopped."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                            lifespan="off", server_header=False)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = config.bind_socket()
    parent = os.getpid()
    children: dict[int, float] = {}  # pid -> start time
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                die_with_parent()
                if os.getppid() != parent:  # the parent died before prctl took effect
                    os._exit(1)
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    quick_deaths = 0
    try:
        for _ in range(workers):
            spawn()
        log.info("serving on %s:%d with %d worker processes", host, port, workers)
        while children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            quick_deaths = quick_deaths + 1 if time.monotonic() - started < 1.0 else 0
            log.warning("worker process %d exited (status %d)%s", pid, status,
                        "; stopping" if quick_deaths >= 2 else "; starting another")
            if quick_deaths >= 2:
                stop(signal.SIGTERM, None)
                continue
            spawn()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sock.close()
