"""`tiercare import` and `tiercare export`: bulk NDJSON in and out of the FHIR store (批量导入导出)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click


def _router() -> object:
    from tiercare.api.fhir import build_router
    from tiercare.cli import _CTX

    container = _CTX.container
    container.database.upgrade()
    return build_router(container)


@click.command("import")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=2000, show_default=True,
              help="Resources per transaction.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes preparing batches (parse, validate, index) [default: 2 on 2+ cores for 10 MB "
                   "or more of input, else 1].")
def fhir_import(target: Path, batch_size: int, workers: int | None) -> None:
    """Load FHIR NDJSON (.ndjson, .ndjson.gz, or a folder of them) into the store."""
    import time

    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from tiercare.adapters.files import ndjson_files, read_lines, total_bytes
    from tiercare.services.fhir_bulk import BulkImporter
    from tiercare.services.fhir_router import FhirRouter

    router = _router()
    assert isinstance(router, FhirRouter)
    files = ndjson_files(target)
    if not files:
        raise click.ClickException(f"no .ndjson or .ndjson.gz files in {target}")
    size = total_bytes(files)

    def lines() -> Iterator[tuple[str, int, bytes]]:
        for path in files:
            for number, raw in read_lines(path):
                yield str(path), number, raw

    if workers is None:  # worker processes cost ~1 s to start (definitions): worth it on larger inputs
        import os

        workers = 2 if (os.cpu_count() or 1) >= 2 and size >= 10 * 2**20 else 1
    importer = BulkImporter(router.store, router.service, batch_size=batch_size, workers=workers)
    start = time.perf_counter()
    with Progress(TextColumn("importing"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[n]} lines"),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task("import", total=size, n=0)

        def progress(done_lines: int, done_bytes: int) -> None:
            # gzip files: bytes are uncompressed, so the bar is approximate for .gz input
            bar.update(task, completed=min(done_bytes, size), n=done_lines)

        report = importer.run(lines(), progress)
    elapsed = time.perf_counter() - start
    for err in report.errors[:50]:
        click.echo(f"rejected {err}", err=True)
    if len(report.errors) > 50:
        click.echo(f"... and {len(report.errors) - 50} more rejected lines", err=True)
    rate = report.loaded / elapsed if elapsed > 0 else 0.0
    click.echo(f"{report.lines} lines from {len(files)} file(s): {report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged, {len(report.errors)} rejected in {elapsed:.1f} s ({rate:,.0f} resources/s)")
    if report.errors:
        raise SystemExit(1)


@click.command("export")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--type", "types", default="", help="Comma-separated resource types (default: all).")
@click.option("--since", default=None, help="Only resources changed at or after this instant.")
def fhir_export(folder: Path, types: str, since: str | None) -> None:
    """Write the store as NDJSON, one <Type>.ndjson per resource type, into FOLDER."""
    from tiercare.adapters.files import NdjsonWriter
    from tiercare.services.fhir_export import export_resources
    from tiercare.services.fhir_router import FhirRouter

    router = _router()
    assert isinstance(router, FhirRouter)
    wanted = [t for t in types.split(",") if t] or None
    writer = NdjsonWriter(folder)
    try:
        export_resources(router, writer.write, types=wanted, since=since, actor="cli")
    finally:
        writer.close()
    for rt, n in sorted(writer.counts.items()):
        click.echo(f"{rt:24} {n:>9} -> {folder / (rt + '.ndjson')}")
