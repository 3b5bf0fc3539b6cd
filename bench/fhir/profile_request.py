"""Where the time of one FHIR search request goes (profile of the request path, no HTTP).

Runs each of the issue's seven query shapes N times through the HTTP-independent router
(``FhirRouter.handle``, the same call the Starlette endpoint makes) on the store named by
TIERCARE_HOME / TIERCARE_DATABASE_URL, and prints per query: the mean wall time per request,
the part spent waiting on PostgreSQL (psycopg execute/fetch and commit) and the rest
(Python: parsing, SQL compilation, Bundle assembly, audit). With ``--profile`` it also
prints the cProfile top functions by own time over all queries.

    TIERCARE_HOME=var/bench-search/home-r20000 python bench/fhir/profile_request.py \
        --region var/bench-search/r20000 --n 200 [--profile]

The HTTP part (uvicorn + Starlette + JSON response) is what ``bench/fhir/search.py``
measures on top of this.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import query_set

from tiercare.api.fhir import build_router
from tiercare.bootstrap import build
from tiercare.services.fhir_router import FhirRequest


class DbClock:
    """Wraps psycopg's cursor execute/fetch and connection commit to sum the time spent in them."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def install(self) -> None:
        import psycopg

        clock = self

        def timed(fn: Any) -> Any:
            def wrapper(*a: Any, **kw: Any) -> Any:
                t = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    clock.seconds += time.perf_counter() - t
            return wrapper

        for cls, names in ((psycopg.Cursor, ("execute", "fetchone", "fetchall", "fetchmany")),
                           (psycopg.Connection, ("commit",)),
                           (psycopg.Transaction, ("__exit__", "__enter__"))):
            for name in names:
                setattr(cls, name, timed(getattr(cls, name)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="requests per query shape")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--region", type=Path, required=True, help="the region folder loaded in the store")
    args = ap.parse_args()
    container = build()
    router = build_router(container)
    queries = query_set(args.region)
    clock = DbClock()
    clock.install()
    prof = cProfile.Profile() if args.profile else None
    print(f"{'query':40s} {'ms/request':>10s} {'db ms':>8s} {'python ms':>10s}")
    for name, urls in queries.items():
        for u in urls[:5]:  # warm caches and the pool
            router.handle(_request(u))
        clock.seconds = 0.0
        t = time.perf_counter()
        if prof:
            prof.enable()
        for i in range(args.n):
            resp = router.handle(_request(urls[i % len(urls)]))
            assert resp.status == 200, (name, resp.status, resp.body)
        if prof:
            prof.disable()
        wall = (time.perf_counter() - t) / args.n * 1000
        db = clock.seconds / args.n * 1000
        print(f"{name:40s} {wall:10.2f} {db:8.2f} {wall - db:10.2f}", flush=True)
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    container.close()


def _request(url: str) -> FhirRequest:
    from urllib.parse import parse_qsl

    path, _, query = url.partition("?")
    return FhirRequest("GET", path, parse_qsl(query, keep_blank_values=True), {}, b"", "bench")


if __name__ == "__main__":
    main()
