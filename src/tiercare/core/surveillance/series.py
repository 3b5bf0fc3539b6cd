"""The one series type of the early-warning detectors (传染病预警时间序列).

A :class:`CountSeries` holds many count series on one regular time axis: ``counts`` is a
2-D array *series x time* (one row per area x disease key), ``dates`` the first day of
each period (a day, or the Monday of an ISO week), ``freq`` the number of periods in a
year (365 daily, 52 weekly, as R ``surveillance``'s ``sts``). Every detector takes a
``CountSeries`` and returns a copy filled with ``expected``, ``upperbound`` and
``alarm`` (same shape as ``counts``), the method name and its parameters.

Conventions (documented in docs/surveillance.md):

* ``alarm`` is float: 1.0 = signal, 0.0 = no signal, NaN = *no decision* (the cell is
  outside the detection range, the history is too short for the method, or a value
  the method needs is missing). A NaN is never an alarm.
* Missing counts (gaps, 漏报) are NaN in ``counts``. A detector gives NA at every cell
  whose current value or whose baseline contains a gap; it never fills gaps silently.
* Bad input - no series, no time point, negative or non-integer counts, infinite
  values, irregular dates, a key count that does not match - raises
  :class:`InvalidSeries` with one clear line, before any detector runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]

DAILY = 365
WEEKLY = 52
_STEP_DAYS = {DAILY: 1, WEEKLY: 7}


class InvalidSeries(InvalidInput):
    """A count series that no detector may run on (empty, negative, non-integer, ...)."""


class SeriesKey(NamedTuple):
    """What one row counts: a reporting area (township/county/city code) and a disease
    or syndrome code."""

    area: str
    disease: str


@dataclass(frozen=True, eq=False)
class CountSeries:
    """Counts of many series on one regular time axis, and the detector's output.

    ``counts``: float array (series x time), non-negative integers or NaN for a gap.
    ``dates``: ``datetime64[D]`` array, one per time point, equally spaced by 1 day
    (``freq=365``) or 7 days (``freq=52``).
    """

    counts: FloatArray
    dates: npt.NDArray[np.datetime64]
    freq: int
    keys: tuple[SeriesKey, ...]
    expected: FloatArray | None = None
    upperbound: FloatArray | None = None
    alarm: FloatArray | None = None
    method: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.float64)
        if counts.ndim == 1:
            counts = counts[None, :]
        if counts.ndim != 2:
            raise InvalidSeries(f"counts must be a 2-D array (series x time), got {counts.ndim} dimensions")
        n_series, n_time = counts.shape
        if n_series == 0 or n_time == 0:
            raise InvalidSeries(f"empty series: {n_series} series x {n_time} time points")
        if np.isinf(counts).any():
            raise InvalidSeries("counts contain an infinite value")
        observed = counts[~np.isnan(counts)]
        if (observed < 0).any():
            raise InvalidSeries(f"counts must be >= 0; found {int((observed < 0).sum())} negative value(s)")
        if (observed != np.round(observed)).any():
            raise InvalidSeries("counts must be whole numbers; found a non-integer value")
        if self.freq not in _STEP_DAYS:
            raise InvalidSeries(f"freq must be 365 (daily) or 52 (weekly), got {self.freq!r}")
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        if dates.shape != (n_time,):
            raise InvalidSeries(f"{dates.size} dates for {n_time} time points")
        if n_time > 1:
            steps = np.diff(dates).astype(np.int64)
            if (steps != _STEP_DAYS[self.freq]).any():
                raise InvalidSeries(
                    f"dates must be consecutive {'days' if self.freq == DAILY else 'ISO weeks'} with no gap "
                    "(give a missing period as NaN counts)"
                )
        if self.freq == WEEKLY and ((dates.astype(np.int64) + 3) % 7 != 0).any():
            # 1970-01-01 was a Thursday: Mondays are day numbers = 4 (mod 7).
            raise InvalidSeries("weekly dates must be the Monday of each ISO week")
        keys = tuple(SeriesKey(*k) for k in self.keys)
        if len(keys) != n_series:
            raise InvalidSeries(f"{len(keys)} keys for {n_series} series")
        counts.setflags(write=False)
        dates.setflags(write=False)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "dates", dates)
        object.__setattr__(self, "keys", keys)
        for name in ("expected", "upperbound", "alarm"):
            value = getattr(self, name)
            if value is not None:
                arr = np.asarray(value, dtype=np.float64)
                if arr.shape != counts.shape:
                    raise InvalidSeries(f"{name} has shape {arr.shape}, counts {counts.shape}")
                object.__setattr__(self, name, arr)

    # ---- construction -------------------------------------------------------
    @classmethod
    def daily(
        cls, counts: npt.ArrayLike, start: dt.date, keys: Iterable[Sequence[str]] | None = None
    ) -> CountSeries:
        """Daily series starting on ``start``; keys default to ("", "0"), ("", "1"), ..."""
        return cls._make(counts, start, DAILY, keys)

    @classmethod
    def weekly(
        cls, counts: npt.ArrayLike, start: dt.date, keys: Iterable[Sequence[str]] | None = None
    ) -> CountSeries:
        """Weekly series whose first week is the ISO week containing ``start``."""
        monday = start - dt.timedelta(days=start.weekday())
        return cls._make(counts, monday, WEEKLY, keys)

    @classmethod
    def _make(
        cls, counts: npt.ArrayLike, start: dt.date, freq: int, keys: Iterable[Sequence[str]] | None
    ) -> CountSeries:
        arr = np.asarray(counts, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise InvalidSeries(f"counts must be a 2-D array (series x time), got {arr.ndim} dimensions")
        dates = np.datetime64(start, "D") + np.arange(arr.shape[1]) * _STEP_DAYS[freq]
        key_list = (
            [SeriesKey(*k) for k in keys]
            if keys is not None
            else [SeriesKey("", str(i)) for i in range(arr.shape[0])]
        )
        return cls(counts=arr, dates=dates, freq=freq, keys=tuple(key_list))

    # ---- views --------------------------------------------------------------
    @property
    def n_series(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_time(self) -> int:
        return int(self.counts.shape[1])

    @property
    def decided(self) -> npt.NDArray[np.bool_]:
        """Cells where the detector made a decision (alarm is 0 or 1)."""
        if self.alarm is None:
            return np.zeros(self.counts.shape, dtype=bool)
        return ~np.isnan(self.alarm)

    @property
    def alarms(self) -> npt.NDArray[np.bool_]:
        """Cells with a signal (NA counts as no signal here, never as a signal)."""
        if self.alarm is None:
            return np.zeros(self.counts.shape, dtype=bool)
        return np.asarray(self.alarm == 1.0)

    def iso_weeks(self) -> list[str]:
        """ISO week ids (2025W07) of the time points."""
        out = []
        for d in self.dates.astype(dt.date):
            year, week, _ = d.isocalendar()
            out.append(f"{year}W{week:02d}")
        return out

    def select(self, rows: Sequence[int] | slice) -> CountSeries:
        """The series of the given rows (with their results, if any)."""
        idx = np.arange(self.n_series)[rows]
        return dataclasses.replace(
            self,
            counts=self.counts[idx],
            keys=tuple(self.keys[i] for i in idx),
            expected=None if self.expected is None else self.expected[idx],
            upperbound=None if self.upperbound is None else self.upperbound[idx],
            alarm=None if self.alarm is None else self.alarm[idx],
        )

    def with_result(
        self,
        *,
        expected: FloatArray,
        upperbound: FloatArray,
        alarm: FloatArray,
        method: str,
        params: Mapping[str, Any],
    ) -> CountSeries:
        """A copy filled with a detector's output (the counts were validated when this
        series was made, so they are not checked again)."""
        shape = self.counts.shape
        for name, arr in (("expected", expected), ("upperbound", upperbound), ("alarm", alarm)):
            if arr.shape != shape:
                raise InvalidSeries(f"{name} has shape {arr.shape}, counts {shape}")
        out = object.__new__(CountSeries)
        for f in dataclasses.fields(self):
            object.__setattr__(out, f.name, getattr(self, f.name))
        object.__setattr__(out, "expected", np.asarray(expected, dtype=np.float64))
        object.__setattr__(out, "upperbound", np.asarray(upperbound, dtype=np.float64))
        object.__setattr__(out, "alarm", np.asarray(alarm, dtype=np.float64))
        object.__setattr__(out, "method", method)
        object.__setattr__(out, "params", dict(params))
        return out


def detection_range(
    series: CountSeries, range_: Sequence[int] | slice | None, first: int
) -> npt.NDArray[np.intp]:
    """The time indices to evaluate: ``range_`` (default: all), less those before
    ``first`` (the first index with enough history for the method), which stay NA."""
    all_idx = np.arange(series.n_time)
    idx = all_idx if range_ is None else np.unique(all_idx[range_])
    return idx[idx >= first]


def empty_result(shape: tuple[int, ...]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """expected, upperbound, alarm arrays of NA."""
    return np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
