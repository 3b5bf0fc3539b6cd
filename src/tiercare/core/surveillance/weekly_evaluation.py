"""The weekly evaluation of Noufaily et al. (2013), batched (模拟评价).

Source: Noufaily A et al. (2013) Stat Med 32(7):1206-1222, sections 5.1-5.2 (design and
metrics; see :mod:`simulation` and :mod:`evaluation`). The methods compared and the
alphas of the POD-vs-FPR curve are data (``data/weekly_evaluation.toml``).

Speed: all replicates of all chosen scenarios are one ``CountSeries`` (one row per
replicate), so each method is one batched fit over every (replicate, scored week) cell
(:func:`_farrington_core.fit_cells`); the thresholds for every alpha come from that one
fit (:func:`_farrington_core.decide`). The data of a scenario depend only on
``(seed, scenario number)``, so any split of the scenarios over processes gives the same
figures (the CLI splits them over ``--workers`` processes).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import _farrington_core as core
from tiercare.core.surveillance.evaluation import DetectionMetrics, detection_metrics
from tiercare.core.surveillance.farrington import farrington_options
from tiercare.core.surveillance.farrington_flexible import flexible_options
from tiercare.core.surveillance.series import CountSeries
from tiercare.core.surveillance.simulation import design, scenarios, simulate

FloatArray = npt.NDArray[np.float64]

_OPTIONS: dict[str, Callable[..., core.FarringtonOptions]] = {
    "farrington": farrington_options,
    "farrington_flexible": flexible_options,
}


@dataclass(frozen=True)
class Method:
    """One evaluated configuration: a label, a registered detector and its parameters,
    and the R function that runs the same configuration in the bench."""

    label: str
    detector: str
    params: dict[str, Any]
    r_function: str

    def options(self) -> core.FarringtonOptions:
        try:
            build = _OPTIONS[self.detector]
        except KeyError:
            raise InvalidInput(f"the weekly evaluation cannot batch detector {self.detector!r}") from None
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in self.params.items()}
        return build(**params)


@dataclass(frozen=True)
class Row:
    scenario: int
    method: str
    alpha: float
    metrics: DetectionMetrics


def config(text: str | None = None) -> tuple[list[Method], list[float]]:
    """The methods and the alpha grid of ``data/weekly_evaluation.toml`` (or ``text``)."""
    if text is None:
        text = (
            resources.files("tiercare.core.surveillance")
            .joinpath("data", "weekly_evaluation.toml")
            .read_text("utf-8")
        )
    raw = tomllib.loads(text)
    methods = [
        Method(label=m["label"], detector=m["detector"], params=dict(m["params"]), r_function=m.get("r", ""))
        for m in raw["methods"]
    ]
    return methods, [float(a) for a in raw["alphas"]]


def simulate_scenarios(
    numbers: Sequence[int], reps: int, seed: int, *, k_current: float, k_past: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """(counts, current-outbreak cases, scenario number of each row) for ``reps``
    replicates of each scenario; the data of scenario n come from rng(seed, n)."""
    by_number = {s.number: s for s in scenarios()}
    unknown = [n for n in numbers if n not in by_number]
    if unknown or not numbers:
        raise InvalidInput(f"scenario numbers must be in 1..{len(by_number)}, got {list(numbers)}")
    counts, current = [], []
    for n in numbers:
        c, cur = simulate(
            by_number[n], reps, np.random.default_rng([seed, n]), k_current=k_current, k_past=k_past
        )
        counts.append(c)
        current.append(cur)
    rows = np.repeat(np.asarray(numbers, dtype=np.intp), reps)
    return np.vstack(counts), np.vstack(current), rows


def design_scored() -> int:
    """Weeks scored at the end of each simulated series (the paper's last 49)."""
    return int(design()["scored_weeks"])


def scored_slice(n_weeks: int) -> slice:
    return slice(n_weeks - int(design()["scored_weeks"]), n_weeks)


def alarms(counts: FloatArray, method: Method, alphas: Sequence[float]) -> dict[float, FloatArray]:
    """The alarm arrays (rows x scored weeks; NaN = no decision) of ``method`` at each
    alpha, from one batched fit."""
    series = CountSeries.weekly(counts, dt.date(2000, 1, 3))
    scored = scored_slice(series.n_time)
    opts = method.options()
    fit = core.fit_cells(series, opts, scored)
    out: dict[float, FloatArray] = {}
    for a in alphas:
        _up, alarm, _enough = core.decide(series, opts, fit, a)
        grid = np.full(counts.shape, np.nan)
        grid[fit.s, fit.t] = alarm.astype(np.float64)
        out[a] = grid[:, scored]
    return out


def method_alpha(method: Method) -> float:
    return float(method.options().alpha)


def evaluate(
    counts: FloatArray,
    current: FloatArray,
    scenario_of_row: npt.NDArray[np.intp],
    methods: Sequence[Method],
    alphas: Sequence[float] = (),
) -> list[Row]:
    """Metrics per scenario, method and alpha (each method's own alpha always included)."""
    scored = scored_slice(counts.shape[1])
    truth = current[:, scored]
    rows: list[Row] = []
    for m in methods:
        own = method_alpha(m)
        grid = sorted({own, *alphas})
        for a, al in alarms(counts, m, grid).items():
            rows.extend(score(al, truth, scenario_of_row, m.label, a))
    return rows


def score(
    alarm: FloatArray, truth: FloatArray, scenario_of_row: npt.NDArray[np.intp], label: str, alpha: float
) -> list[Row]:
    """Rows of metrics per scenario for one alarm array (rows x scored weeks)."""
    out = []
    for n in dict.fromkeys(scenario_of_row.tolist()):
        sel = scenario_of_row == n
        out.append(Row(int(n), label, alpha, detection_metrics(alarm[sel], truth[sel])))
    return out


def overall(rows: Sequence[Row], label: str, alpha: float) -> dict[str, float]:
    """Means over the scenarios (each scenario weighs the same, as in the paper)."""
    ms = [r.metrics for r in rows if r.method == label and r.alpha == alpha]
    if not ms:
        raise InvalidInput(f"no rows for {label} at alpha {alpha}")
    return {
        "pod": float(np.mean([m.pod for m in ms])),
        "pod_first_week": float(np.mean([m.pod_first_week for m in ms])),
        "sensitivity": float(np.mean([m.sensitivity for m in ms])),
        "fpr": float(np.mean([m.fpr for m in ms])),
        "delay": float(np.nanmean([m.mean_delay for m in ms])),
    }
