"""Evaluation on the daily design with Chinese holidays (日数据评价).

Runs the methods of ``data/daily_evaluation.toml`` on the series of
:mod:`daily_simulation` over the judged days and scores them with the metrics of
Noufaily et al. (2013) (:mod:`evaluation`: POD, POD on the first outbreak day,
sensitivity, FPR, delay in days), per series type and overall, plus the false-positive
rate inside the Spring Festival window (first day off .. last day off + 14 days, when
delayed reports arrive) and outside it: a method that ignores the holiday shows a burst
(window FPR many times the rest).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from tiercare.core.surveillance import cn_calendar
from tiercare.core.surveillance.daily_simulation import DailyData
from tiercare.core.surveillance.evaluation import DetectionMetrics, detection_metrics
from tiercare.core.surveillance.registry import run
from tiercare.core.surveillance.series import CountSeries

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DailyMethod:
    label: str
    detector: str
    params: dict[str, Any]
    r_function: str


@dataclass(frozen=True)
class DailyRow:
    method: str
    group: str  # a series type or "overall"
    metrics: DetectionMetrics
    fpr_spring_festival: float
    fpr_elsewhere: float


def config() -> tuple[list[DailyMethod], int]:
    raw = tomllib.loads(
        resources.files("tiercare.core.surveillance")
        .joinpath("data", "daily_evaluation.toml")
        .read_text("utf-8")
    )
    methods = [
        DailyMethod(m["label"], m["detector"], dict(m["params"]), m.get("r", "")) for m in raw["methods"]
    ]
    return methods, int(raw["spring_festival_window_after"])


def spring_festival_window(dates: npt.NDArray[np.datetime64], after: int) -> npt.NDArray[np.bool_]:
    """Days from the first day off of Spring Festival to ``after`` days after the last."""
    off = cn_calendar.holiday_days(dates, "spring_festival")
    return off | cn_calendar.days_after(dates, "spring_festival", 1, after)


def alarms(data: DailyData, method: DailyMethod) -> FloatArray:
    """The method's alarms on the judged days (series x judged days; NaN = no decision)."""
    series = CountSeries(
        counts=data.counts,
        dates=data.dates,
        freq=365,
        keys=tuple(("", str(i)) for i in range(data.counts.shape[0])),  # type: ignore[misc]
    )
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in method.params.items()}
    out = run(method.detector, series, range_=slice(data.scored_from, None), **params)
    assert out.alarm is not None
    return np.asarray(out.alarm[:, data.scored_from :])


def score(
    data: DailyData, label: str, alarm: FloatArray, after: int, rows: Sequence[int] | None = None
) -> list[DailyRow]:
    """Rows per series type and overall (the overall row pools the types' series)."""
    truth = data.outbreak[:, data.scored_from :]
    window = spring_festival_window(data.dates[data.scored_from :], after)
    types = np.asarray(data.type_of_row)
    sel_all = np.ones(types.size, dtype=bool) if rows is None else np.isin(np.arange(types.size), rows)
    out = []
    for group in [*dict.fromkeys(data.type_of_row), "overall"]:
        sel = sel_all & ((types == group) if group != "overall" else True)
        al, ob = alarm[sel], truth[sel]
        hit = al == 1.0
        quiet = ob <= 0
        in_w = quiet & window[None, :]
        out_w = quiet & ~window[None, :]
        out.append(
            DailyRow(
                method=label,
                group=group,
                metrics=detection_metrics(al, ob),
                fpr_spring_festival=float(hit[in_w].sum() / max(int(in_w.sum()), 1)),
                fpr_elsewhere=float(hit[out_w].sum() / max(int(out_w.sum()), 1)),
            )
        )
    return out


def evaluate(
    data: DailyData, methods: Sequence[DailyMethod], after: int
) -> tuple[list[DailyRow], dict[str, FloatArray]]:
    rows: list[DailyRow] = []
    kept: dict[str, FloatArray] = {}
    for m in methods:
        al = alarms(data, m)
        kept[m.label] = al
        rows.extend(score(data, m.label, al, after))
    return rows, kept
