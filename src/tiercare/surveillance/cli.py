"""`tiercare surveillance`: run the early-warning detectors on count series in a CSV file.

Input CSV: a header ``area,disease,<date>,<date>,...`` (ISO dates: every day, or the
Monday of every ISO week) and one row per series; an empty cell is a gap (NA). Output
CSV (stdout or --out): one row per series and judged time point, with the observed
count, expected value, upper bound and alarm (1, 0; a cell with no decision is left
out unless --all).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import click
import numpy as np

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.registry import get, names, run
from tiercare.core.surveillance.series import DAILY, WEEKLY, CountSeries, SeriesKey


def read_series_csv(path: Path) -> CountSeries:
    """A CountSeries from the CSV layout described in the module docstring."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if len(rows) < 2 or len(rows[0]) < 3 or rows[0][:2] != ["area", "disease"]:
        raise InvalidInput(f"{path}: expected a header 'area,disease,<date>,...' and at least one series")
    try:
        dates = np.array([dt.date.fromisoformat(d) for d in rows[0][2:]], dtype="datetime64[D]")
    except ValueError as exc:
        raise InvalidInput(f"{path}: a column header is not an ISO date ({exc})") from None
    step = int((dates[1] - dates[0]).astype(int)) if dates.size > 1 else 1
    freq = WEEKLY if step == 7 else DAILY
    keys, counts = [], []
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            raise InvalidInput(f"{path}: line {i} has {len(row)} cells, the header {len(rows[0])}")
        keys.append(SeriesKey(row[0], row[1]))
        try:
            counts.append([float(c) if c.strip() else np.nan for c in row[2:]])
        except ValueError:
            raise InvalidInput(f"{path}: line {i} has a count that is not a number") from None
    return CountSeries(counts=np.array(counts), dates=dates, freq=freq, keys=tuple(keys))


def write_result_csv(result: CountSeries, out: TextIO, *, last: int | None, include_na: bool) -> int:
    assert result.alarm is not None and result.expected is not None and result.upperbound is not None
    w = csv.writer(out)
    w.writerow(["area", "disease", "date", "observed", "expected", "upperbound", "alarm", "method"])
    cols = range(result.n_time)[-last:] if last else range(result.n_time)
    n = 0
    for s, key in enumerate(result.keys):
        for t in cols:
            a = result.alarm[s, t]
            if np.isnan(a) and not include_na:
                continue

            def fmt(v: float) -> str:
                return "" if np.isnan(v) else f"{v:.6g}"

            w.writerow(
                [
                    key.area,
                    key.disease,
                    str(result.dates[t]),
                    fmt(result.counts[s, t]),
                    fmt(result.expected[s, t]),
                    fmt(result.upperbound[s, t]),
                    fmt(a),
                    result.method,
                ]
            )
            n += int(a == 1.0)
    return n


def _parse_params(items: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise InvalidInput(f"--param needs NAME=VALUE, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        params[key] = tuple(value) if isinstance(value, list) else value
    return params


@click.group()
def surveillance() -> None:
    """Infectious-disease early warning: run detectors on count series."""


@surveillance.command("methods")
def methods() -> None:
    """List the detectors and their parameters."""
    import inspect

    for name in names():
        sig = inspect.signature(get(name))
        params = ", ".join(f"{p.name}={p.default!r}" for p in sig.parameters.values() if p.name != "series")
        click.echo(f"{name:22} {params}")


@surveillance.command("detect")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", "-m", required=True, help="Detector name (see `tiercare surveillance methods`).")
@click.option(
    "--param", "-p", "params", multiple=True, help="NAME=VALUE (JSON), e.g. -p b=5 -p limit54=[5,4]."
)
@click.option("--last", type=int, default=None, help="Only judge the last N time points.")
@click.option("--all", "include_na", is_flag=True, help="Also write cells with no decision.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output CSV (default stdout).",
)
def detect(
    csv_file: Path, method: str, params: tuple[str, ...], last: int | None, include_na: bool, out: Path | None
) -> None:
    """Run one detector on the series of CSV_FILE and write its judgements as CSV."""
    series = read_series_csv(csv_file)
    kwargs = _parse_params(params)
    if last:
        kwargs["range_"] = list(range(max(series.n_time - last, 0), series.n_time))
    result = run(method, series, **kwargs)
    if out is None:
        n = write_result_csv(result, sys.stdout, last=last, include_na=include_na)
    else:
        with out.open("w", newline="", encoding="utf-8") as fh:
            n = write_result_csv(result, fh, last=last, include_na=include_na)
    click.echo(f"{n} alarm(s) from {method} on {series.n_series} series", err=True)


def _evaluate_chunk(
    numbers: list[int], reps: int, seed: int, k_current: float, k_past: float, alphas: list[float]
) -> list[Any]:
    """One worker's share of the weekly evaluation (module level, so processes can run it)."""
    from tiercare.core.surveillance import weekly_evaluation as we

    methods, _ = we.config()
    counts, current, rows = we.simulate_scenarios(numbers, reps, seed, k_current=k_current, k_past=k_past)
    return we.evaluate(counts, current, rows, methods, alphas)


@surveillance.command("evaluate")
@click.option("--reps", type=int, default=100, show_default=True, help="Replicates per scenario.")
@click.option("--scenarios", "only", default="", help="Comma-separated scenario numbers (default: all 42).")
@click.option(
    "--k-current", type=float, default=5.0, show_default=True, help="Current outbreak size, in baseline SDs."
)
@click.option(
    "--k-past", type=float, default=5.0, show_default=True, help="Past outbreak size, in baseline SDs."
)
@click.option("--seed", type=int, default=2013, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="Processes (scenarios are split).")
@click.option("--no-curve", is_flag=True, help="Skip the POD-vs-FPR table over the alpha grid.")
def evaluate(
    reps: int, only: str, k_current: float, k_past: float, seed: int, workers: int, no_curve: bool
) -> None:
    """POD and FPR of the weekly methods on the 42 scenarios of Noufaily et al. (2013)."""
    from concurrent.futures import ProcessPoolExecutor

    from tiercare.core.surveillance import weekly_evaluation as we
    from tiercare.core.surveillance.simulation import scenarios

    methods, alphas = we.config()
    known = [s.number for s in scenarios()]
    wanted = [int(x) for x in only.split(",") if x.strip()] if only else known
    if not wanted or any(n not in known for n in wanted):
        raise InvalidInput(f"scenarios must be among 1..{len(known)}, got {only!r}")
    if reps < 1 or workers < 1:
        raise InvalidInput("--reps and --workers must be >= 1")
    grid = [] if no_curve else alphas
    chunks = [wanted[i::workers] for i in range(min(workers, len(wanted)))]
    if len(chunks) == 1:
        rows = _evaluate_chunk(chunks[0], reps, seed, k_current, k_past, grid)
    else:
        with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
            parts = pool.map(
                _evaluate_chunk,
                chunks,
                *(
                    [reps] * len(chunks),
                    [seed] * len(chunks),
                    [k_current] * len(chunks),
                    [k_past] * len(chunks),
                    [grid] * len(chunks),
                ),
            )
            rows = [r for part in parts for r in part]
    own = {m.label: we.method_alpha(m) for m in methods}
    click.echo(
        f"{'scenario':>8} {'method':20} {'alpha':>6} {'POD':>6} {'POD1':>6} {'sens':>6} {'FPR':>7} {'delay':>6}"
    )
    for number in wanted:
        for m in methods:
            for r in rows:
                if r.scenario == number and r.method == m.label and r.alpha == own[m.label]:
                    x = r.metrics
                    click.echo(
                        f"{number:>8} {m.label:20} {r.alpha:6.3f} {x.pod:6.3f} {x.pod_first_week:6.3f} "
                        f"{x.sensitivity:6.3f} {x.fpr:7.4f} {x.mean_delay:6.2f}"
                    )
    for m in methods:
        o = we.overall(rows, m.label, own[m.label])
        click.echo(
            f"{'overall':>8} {m.label:20} {own[m.label]:6.3f} {o['pod']:6.3f} {o['pod_first_week']:6.3f} "
            f"{o['sensitivity']:6.3f} {o['fpr']:7.4f} {o['delay']:6.2f}"
        )
    if grid:
        click.echo("\nPOD against FPR as alpha varies (means over the scenarios)")
        click.echo(f"{'method':20} " + " ".join(f"{a:>13.3f}" for a in grid))
        for m in methods:
            cells = []
            for a in grid:
                o = we.overall(rows, m.label, a)
                cells.append(f"{o['pod']:.3f}/{o['fpr']:.4f}")
            click.echo(f"{m.label:20} " + " ".join(f"{c:>13}" for c in cells))


@surveillance.command("evaluate-daily")
@click.option("--reps", type=int, default=20, show_default=True, help="Replicates per series type.")
@click.option("--seed", type=int, default=2024, show_default=True)
def evaluate_daily(reps: int, seed: int) -> None:
    """POD, FPR and Spring Festival false alarms on the daily design with Chinese holidays."""
    from tiercare.core.surveillance import daily_evaluation as de
    from tiercare.core.surveillance import daily_simulation as ds

    if reps < 1:
        raise InvalidInput("--reps must be >= 1")
    data = ds.simulate(reps, np.random.default_rng(seed))
    methods, after = de.config()
    rows, _ = de.evaluate(data, methods, after)
    click.echo(
        f"{'method':26} {'series':8} {'POD':>6} {'POD1':>6} {'sens':>6} {'FPR':>7} "
        f"{'FPR SF':>7} {'FPR else':>8} {'delay':>6}"
    )
    for r in rows:
        x = r.metrics
        click.echo(
            f"{r.method:26} {r.group:8} {x.pod:6.3f} {x.pod_first_week:6.3f} {x.sensitivity:6.3f} "
            f"{x.fpr:7.4f} {r.fpr_spring_festival:7.4f} {r.fpr_elsewhere:8.4f} {x.mean_delay:6.2f}"
        )
