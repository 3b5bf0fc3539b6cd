"""`tiercare synth`: generate a synthetic region, or report on one (合成区域)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tiercare.core.errors import InvalidInput
from tiercare.core.synth.params import default_text
from tiercare.core.synth.report import rows
from tiercare.synth.writer import generate, read_manifest


@click.command("synth")
@click.option("--residents", type=int, default=20000, show_default=True, help="Resident population of the region.")
@click.option("--years", type=int, default=1, show_default=True, help="Whole years simulated from [period].start.")
@click.option("--seed", type=int, default=1, show_default=True, help="Master seed: same seed and parameters, same bytes.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Output directory (empty or new).")
@click.option("--gzip", "compress", is_flag=True, help="Write .ndjson.gz instead of .ndjson.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Worker processes (output is identical for any value).")
@click.option("--params", "params_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A parameter TOML replacing the packaged one (see docs/synth.md).")
@click.option("--report", "report_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Print realised rates next to targets for a generated region, and exit.")
def synth(residents: int, years: int, seed: int, out_dir: Path | None, compress: bool, jobs: int,
          params_file: Path | None, report_dir: Path | None) -> None:
    """Generate a synthetic region as FHIR R4 NDJSON with ground truth (or --report on one)."""
    console = Console()
    if report_dir is not None:
        print_report(console, report_dir)
        return
    if out_dir is None:
        raise InvalidInput("synth: give --out DIR (or --report DIR)")
    text = params_file.read_text("utf-8") if params_file else default_text()
    t0 = time.perf_counter()
    with Progress(TextColumn("townships"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("synth", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        manifest = generate(out_dir, residents, years, seed, params_text=text, compress=compress, jobs=jobs, progress=step)
    secs = time.perf_counter() - t0
    total = sum(manifest["counts"].values())
    console.print(f"wrote {total:,} resources for {residents:,} residents x {years} year(s) to {out_dir} "
                  f"in {secs:.1f} s ({residents * years / secs:,.0f} resident-years/s)")


def print_report(console: Console, out_dir: Path) -> None:
    manifest = read_manifest(out_dir)
    table = Table(title=f"synthetic region: {manifest['residents']:,} residents x {manifest['years']} y, seed {manifest['seed']}")
    for col in ("section", "indicator", "realised", "target"):
        table.add_column(col, justify="left" if col in ("section", "indicator") else "right")

    def fmt(v: float | None, unit: str) -> str:
        if v is None:
            return "-"
        return f"{100 * v:.1f}%" if unit == "%" else (f"{v:,.0f}" if v >= 100 else f"{v:.2f}")

    for r in rows(manifest["stats"], manifest["params"]):
        table.add_row(r.section, r.name, fmt(r.realised, r.unit), fmt(r.target, r.unit))
    console.print(table)
    counts = ", ".join(f"{k} {v:,}" for k, v in manifest["counts"].items())
    console.print(f"resources: {counts}")
