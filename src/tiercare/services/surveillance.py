"""Early-warning use cases (传染病早期预警): build the case series of a day from the
shared record, run the detectors, keep new signals; take a CDC user's verification
step on a signal; compute reporting timeliness. Storage comes in through the ports
below (PostgreSQL adapter: tiercare.adapters.postgres.surveillance)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import workflow
from tiercare.core.surveillance.notifiable import (
    CaseCount,
    Catalogue,
    ReportedCase,
    SignalCandidate,
    Timeliness,
    daily_series,
    detect_day,
    reporting_timeliness,
)

Basis = Literal["onset", "report"]
Level = Literal["county", "township", "city"]
LEVEL_DIGITS = {"city": 4, "county": 6, "township": 9}


class SurveillanceStore(Protocol):
    """Port: case counts from the shared record, and the signal tables."""

    def case_counts(
        self, catalogue: Catalogue, start: dt.date, end: dt.date, basis: Basis, digits: int
    ) -> list[CaseCount]: ...

    def reported_cases(self, catalogue: Catalogue, start: dt.date, end: dt.date) -> list[ReportedCase]: ...

    def save_signals(self, signals: Sequence[SignalCandidate], basis: Basis) -> int: ...

    def load_case(self, signal_id: int) -> workflow.SignalCase: ...

    def record_step(self, signal_id: int, event: workflow.Event) -> None: ...


@dataclass(frozen=True)
class RunReport:
    day: dt.date
    basis: Basis
    level: Level
    series: int
    alarms: int
    new_signals: int


def run_day(
    store: SurveillanceStore,
    catalogue: Catalogue,
    day: dt.date,
    *,
    basis: Basis = "onset",
    level: Level = "county",
) -> RunReport:
    """Detect on every disease x area series for ``day``; store the alarms as signals.
    Running the same day again adds no duplicate (the store's unique key)."""
    return run_days(store, catalogue, day, day, basis=basis, level=level)[0]


def run_days(
    store: SurveillanceStore,
    catalogue: Catalogue,
    first: dt.date,
    last: dt.date,
    *,
    basis: Basis = "onset",
    level: Level = "county",
) -> list[RunReport]:
    """Judge every day from ``first`` to ``last`` as the daily run would have (a backfill,
    e.g. after loading historic data): the cases are read once, each day sees only its
    own window."""
    if basis not in ("onset", "report"):
        raise InvalidInput("basis must be 'onset' or 'report'")
    if level not in LEVEL_DIGITS:
        raise InvalidInput(f"level must be one of {', '.join(LEVEL_DIGITS)}")
    if last < first:
        raise InvalidInput("the last day comes before the first")
    if (last - first).days > 3660:
        raise InvalidInput("judge at most ten years at once")
    start = first - dt.timedelta(days=catalogue.history_days - 1)
    counts = store.case_counts(catalogue, start, last, basis, LEVEL_DIGITS[level])
    reports = []
    day = first
    while day <= last:
        series = daily_series(counts, catalogue, day)
        alarms = detect_day(series, catalogue, day)
        new = store.save_signals(alarms, basis)
        n_series = sum(s.counts.shape[0] for s in series.values())
        reports.append(RunReport(day, basis, level, n_series, len(alarms), new))
        day += dt.timedelta(days=1)
    return reports


def take_step(
    store: SurveillanceStore, signal_id: int, action: str, *, by: str, now: dt.datetime, note: str = ""
) -> workflow.SignalCase:
    """One verification step (核实步骤) on a signal, by ``by`` at ``now``."""
    try:
        act = workflow.SignalAction(action)
    except ValueError:
        allowed = ", ".join(a.value for a in workflow.SignalAction)
        raise InvalidInput(f"unknown action {action!r}; actions: {allowed}") from None
    case = store.load_case(signal_id)
    after = workflow.apply(case, act, by=by, now=now, note=note)
    store.record_step(signal_id, after.history[-1])
    return after


def timeliness(
    store: SurveillanceStore, catalogue: Catalogue, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """报告及时率 between ``start`` and ``end`` (diagnosis dates, inclusive)."""
    if end < start:
        raise InvalidInput("the period ends before it starts")
    rows: list[Timeliness] = reporting_timeliness(store.reported_cases(catalogue, start, end), catalogue)
    return [{"limit": t.group, "cases": t.cases, "on_time": t.on_time, "rate": t.rate} for t in rows]
