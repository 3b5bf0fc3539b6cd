"""`tiercare mpi`: batch linking of the client registry (居民主索引批量匹配)."""

from __future__ import annotations

import datetime as dt

import click


@click.group("mpi")
def mpi() -> None:
    """Client registry (居民主索引): link Patients into persons."""


@mpi.command("link")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random pairs that estimate u.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Reference day for birth-date checks (default: today, UTC).")
def link(seed: int, today: dt.datetime | None) -> None:
    """Deduplicate every Patient in the store into persons; re-running changes nothing."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from tiercare.adapters.postgres.mpi_store import PgMpiStore
    from tiercare.cli import _CTX
    from tiercare.services.mpi_batch import link_all

    container = _CTX.container
    container.database.upgrade()
    day = today.date() if today else dt.datetime.now(dt.UTC).date()
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        with container.database.connect() as conn:
            report = link_all(PgMpiStore(conn), today=day, seed=seed, progress=progress)
            conn.commit()
    click.echo(f"{report.records} Patients ({report.linkable} linkable), {report.candidate_pairs} candidate pairs; "
               f"{report.persons} persons ({report.new_persons} new), {report.moved} relinked, "
               f"{report.manual_kept} manual links kept, {report.reviews} pairs for review")
