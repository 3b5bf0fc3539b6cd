"""Bulk import of an NDJSON folder into a fresh database, with the CPU split between this
Python process and its PostgreSQL backend (wall time on a shared machine is mostly waiting
for a core; CPU seconds are what the code costs).

    .venv/bin/python bench/fhir/import_cpu.py /tmp/demo-region [--limit-per-file 2500] [--workers 2]

With --workers N the CPU of the worker processes (parse, validate, index, encode) is counted
apart. The disk use of the FHIR tables per resource is printed at the end.

Uses an embedded PostgreSQL in a temporary folder; prints resources/s (wall) and CPU s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import psycopg

from tiercare.adapters.files import ndjson_files, read_lines
from tiercare.adapters.postgres import migrate
from tiercare.adapters.postgres.embedded import EmbeddedPostgres
from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_bulk import BulkImporter
from tiercare.services.fhir_core import load_core


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("target", type=Path)
    ap.add_argument("--limit-per-file", type=int, default=0, help="first N lines of each file (0: all)")
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    lines = []
    for path in ndjson_files(args.target):
        it = read_lines(path)
        chunk = islice(it, args.limit_per_file) if args.limit_per_file else it
        lines.extend((str(path), n, raw) for n, raw in chunk)
    with tempfile.TemporaryDirectory(prefix="tiercare-import-cpu-") as home:
        server = EmbeddedPostgres(Path(home))
        status = server.start(lease=True)
        try:
            conn = psycopg.connect(status.url("postgres"))
            with psycopg.connect(status.url("postgres"), autocommit=True) as c:
                migrate.upgrade(c)
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
            conn.commit()

            def pg_cpu() -> float:
                fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

            @contextlib.contextmanager
            def connect() -> Iterator[psycopg.Connection]:
                yield conn

            importer = BulkImporter(PgFhirStore(connect), FhirService(load_core()), batch_size=args.batch_size,
                                    workers=args.workers)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            kids0 = children.ru_utime + children.ru_stime
            wall, cpu, pg0 = time.perf_counter(), time.process_time(), pg_cpu()
            report = importer.run(iter(lines), analyze=True)
            conn.commit()
            wall = time.perf_counter() - wall
            py_cpu, db_cpu = time.process_time() - cpu, pg_cpu() - pg0
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            kids_cpu = children.ru_utime + children.ru_stime - kids0
            size = conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                                "WHERE c.relkind = 'r' AND c.relname LIKE 'fhir%%'").fetchone()[0]  # type: ignore[index]
            conn.close()
        finally:
            server.release()
    n = report.loaded
    print(f"{n} resources ({len(report.errors)} rejected) in {wall:.1f} s wall: {n / wall:,.0f} resources/s; "
          f"CPU: python {py_cpu:.1f} s ({py_cpu / n * 1e3:.2f} ms/resource), "
          f"workers {kids_cpu:.1f} s ({kids_cpu / n * 1e3:.2f} ms/resource), "
          f"postgres backend {db_cpu:.1f} s ({db_cpu / n * 1e3:.2f} ms/resource); "
          f"load average {os.getloadavg()[0]:.1f}; FHIR tables {int(size) / max(n, 1):,.0f} bytes/resource")
    for err in report.errors[:5]:
        print("rejected", err)


if __name__ == "__main__":
    main()
