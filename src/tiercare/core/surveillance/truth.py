"""Signals against known outbreaks (与已知暴发比对): which injected outbreaks of a
synthetic region (its ``truth/outbreaks.csv``) the platform's signals caught, how early,
and which signals fall outside every outbreak (false signals).

A signal matches an outbreak when the disease is the same, the signal's area contains
the outbreak's area (its GB/T 2260 code is a prefix of the outbreak's area or county
code) and its day lies from ``lead_days`` before the outbreak's first day to its last
day: cases are dated by onset, which precedes the days the generator injects by design.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Outbreak:
    outbreak_id: str
    disease: str
    area: str
    county: str
    first_day: dt.date
    last_day: dt.date
    extra_cases: int


@dataclass(frozen=True)
class SignalRef:
    disease: str
    area: str
    day: dt.date


@dataclass(frozen=True)
class OutbreakResult:
    outbreak: Outbreak
    signals: int
    first_signal: dt.date | None

    @property
    def detected(self) -> bool:
        return self.signals > 0

    @property
    def delay_days(self) -> int | None:
        return None if self.first_signal is None else (self.first_signal - self.outbreak.first_day).days


def _matches(s: SignalRef, o: Outbreak, lead_days: int) -> bool:
    return (
        s.disease == o.disease
        and (o.area.startswith(s.area) or o.county.startswith(s.area))
        and o.first_day - dt.timedelta(days=lead_days) <= s.day <= o.last_day
    )


def compare(
    signals: Sequence[SignalRef], outbreaks: Sequence[Outbreak], lead_days: int = 7
) -> tuple[list[OutbreakResult], list[SignalRef]]:
    """Per outbreak: matching signals and the first one; and the signals matching none."""
    results = []
    for o in outbreaks:
        days = sorted(s.day for s in signals if _matches(s, o, lead_days))
        results.append(OutbreakResult(o, len(days), days[0] if days else None))
    false = [s for s in signals if not any(_matches(s, o, lead_days) for o in outbreaks)]
    return results, false
