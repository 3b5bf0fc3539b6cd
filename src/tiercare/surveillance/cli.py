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


EVALUATED: dict[str, tuple[str, dict[str, Any]]] = {
    "farrington_1996": ("farrington", {}),
    "flexible_r_default": ("farrington_flexible", {}),
    "noufaily_2013": ("farrington_flexible", {}),  # filled with NOUFAILY_2013 below
}


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
def evaluate(reps: int, only: str, k_current: float, k_past: float, seed: int) -> None:
    """POD and FPR of the Farrington methods on the 42 scenarios of Noufaily et al. (2013)."""
    from rich.progress import Progress

    from tiercare.core.surveillance.farrington_flexible import NOUFAILY_2013
    from tiercare.core.surveillance.simulation import evaluate_scenario, scenarios

    methods = dict(EVALUATED)
    methods["noufaily_2013"] = ("farrington_flexible", dict(NOUFAILY_2013))
    chosen = [s for s in scenarios() if not only or str(s.number) in only.split(",")]
    if not chosen:
        raise InvalidInput(f"no scenario among {only!r} (1..42)")
    rows: list[tuple[int, str, Any]] = []
    with Progress(transient=True) as bar:
        task = bar.add_task("scenarios", total=len(chosen) * len(methods))
        for sc in chosen:
            for label, (name, params) in methods.items():
                rng = np.random.default_rng([seed, sc.number])  # same data for every method
                rows.append(
                    (
                        sc.number,
                        label,
                        evaluate_scenario(
                            sc, get(name), params, reps, rng, k_current=k_current, k_past=k_past
                        ),
                    )
                )
                bar.advance(task)
    click.echo(f"{'scenario':>8} {'method':20} {'POD':>6} {'POD1':>6} {'sens':>6} {'FPR':>7} {'delay':>6}")
    for number, label, m in rows:
        click.echo(
            f"{number:>8} {label:20} {m.pod:6.3f} {m.pod_first_week:6.3f} {m.sensitivity:6.3f} "
            f"{m.fpr:7.4f} {m.mean_delay:6.2f}"
        )
    for label in methods:
        ms = [m for _n, lab, m in rows if lab == label]
        click.echo(
            f"{'overall':>8} {label:20} {np.mean([m.pod for m in ms]):6.3f} "
            f"{np.mean([m.pod_first_week for m in ms]):6.3f} {np.mean([m.sensitivity for m in ms]):6.3f} "
            f"{np.mean([m.fpr for m in ms]):7.4f} {np.nanmean([m.mean_delay for m in ms]):6.2f}"
        )
