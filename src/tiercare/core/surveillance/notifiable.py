"""Notifiable diseases (法定传染病) and the daily platform run: which ICD-10 codes make
a case of which disease on a given day, its legal reporting limit, the detector profile
of its series; turning case counts into one :class:`CountSeries` per disease; deciding
the signals (预警信号) of one day; and reporting timeliness (报告及时率).

The catalogue is dated data (``data/notifiable.toml``, sources inside): the list and
the classes change over time (COVID-19 to 乙类乙管 on 2023-01-08; mpox added to 乙类 on
2023-09-20), so every question takes the day it is asked about. Pure: no clock.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import registry
from tiercare.core.surveillance.series import CountSeries, SeriesKey


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None  # exclusive

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Disease:
    """One notifiable disease (法定传染病病种)."""

    key: str
    name_zh: str
    name_en: str
    klass: str  # A 甲类 | B 乙类 | C 丙类
    icd10: tuple[str, ...]
    detector: str
    valid: Period = field(default_factory=Period)
    managed_as_a: tuple[Period, ...] = ()

    def grave_on(self, day: dt.date) -> bool:
        """甲类, or 乙类 managed as 甲类 on ``day`` (2-hour reporting, one case = signal)."""
        return self.klass == "A" or any(p.contains(day) for p in self.managed_as_a)

    def matches(self, code: str) -> bool:
        """ICD-10 prefix match: "A09" covers A09, A09.0, A09.9; "B18.1" covers B18.1x."""
        code = code.strip().upper()
        return any(
            code == c or code.startswith(c + ".") or ("." in c and code.startswith(c)) for c in self.icd10
        )


@dataclass(frozen=True)
class Profile:
    method: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Catalogue:
    """The notifiable-disease catalogue and the run settings (法定传染病目录)."""

    diseases: tuple[Disease, ...]
    profiles: Mapping[str, Profile]
    timezone: str
    history_days: int
    snapshot_days: int
    icd10_system: str
    report_time_extension: str
    grave_hours: int = 2  # overridden by [reporting] of the catalogue file
    other_hours: int = 24

    def on(self, day: dt.date) -> list[Disease]:
        """The diseases notifiable on ``day``."""
        return [d for d in self.diseases if d.valid.contains(day)]

    def disease_for(self, code: str, day: dt.date) -> Disease | None:
        for d in self.on(day):
            if d.matches(code):
                return d
        return None

    def code_patterns(self) -> list[str]:
        """ICD-10 prefixes of every disease (for the case query)."""
        return sorted({c for d in self.diseases for c in d.icd10})

    def report_limit_hours(self, disease: Disease, day: dt.date) -> int:
        return self.grave_hours if disease.grave_on(day) else self.other_hours

    def profile_for(self, disease: Disease, day: dt.date) -> Profile:
        name = "rare" if disease.grave_on(day) else disease.detector
        try:
            return self.profiles[name]
        except KeyError:
            raise InvalidInput(f"disease {disease.key} names an unknown detector profile {name!r}") from None


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _period(raw: Mapping[str, Any] | None) -> Period:
    raw = raw or {}
    return Period(_date(raw.get("from")), _date(raw.get("to")))


def parse_catalogue(raw: Mapping[str, Any]) -> Catalogue:
    series = raw["series"]
    profiles = {k: Profile(v["method"], dict(v.get("params", {}))) for k, v in raw["detectors"].items()}
    for prof in profiles.values():
        registry.get(prof.method)  # an unknown method fails when the catalogue loads, not at 3 a.m.
    diseases = tuple(
        Disease(
            key=d["key"],
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            klass=d["class"],
            icd10=tuple(d["icd10"]),
            detector=d.get("detector", "default"),
            valid=_period(d.get("valid")),
            managed_as_a=tuple(_period(p) for p in d.get("managed_as_a", [])),
        )
        for d in raw["disease"]
    )
    keys = [d.key for d in diseases]
    if len(set(keys)) != len(keys):
        raise InvalidInput("two diseases in the catalogue share a key")
    if "rare" not in profiles:
        raise InvalidInput("the catalogue needs a 'rare' detector profile (one case = signal)")
    reporting = raw["reporting"]
    return Catalogue(
        diseases,
        profiles,
        series["timezone"],
        int(series["history_days"]),
        int(series["snapshot_days"]),
        series["icd10_system"],
        series["report_time_extension"],
        int(reporting["grave_hours"]),
        int(reporting["other_hours"]),
    )


@cache
def default_catalogue() -> Catalogue:
    text = (
        resources.files("tiercare.core.surveillance").joinpath("data", "notifiable.toml").read_text("utf-8")
    )
    return parse_catalogue(tomllib.loads(text))


# ---- series and signals ---------------------------------------------------------
@dataclass(frozen=True)
class CaseCount:
    """Cases of one ICD-10 code in one area on one day (by onset or by report)."""

    code: str
    area: str
    day: dt.date
    cases: int


@dataclass(frozen=True)
class SignalCandidate:
    """A detector's alarm on the judged day, with its evidence."""

    day: dt.date
    area: str
    disease: str
    method: str
    params: Mapping[str, Any]
    observed: float
    expected: float | None
    upperbound: float | None
    snapshot_dates: tuple[str, ...]
    snapshot_counts: tuple[float, ...]


def daily_series(counts: Iterable[CaseCount], catalogue: Catalogue, end: dt.date) -> dict[str, CountSeries]:
    """One daily CountSeries per disease, rows = areas with at least one case in the
    window, the window being ``history_days`` ending on ``end``. A day without a report
    counts 0: notifiable reporting is exhaustive, so silence means no case."""
    start = end - dt.timedelta(days=catalogue.history_days - 1)
    n = catalogue.history_days
    grid: dict[str, dict[str, np.ndarray]] = {}
    for c in counts:
        if not (start <= c.day <= end):
            continue
        disease = catalogue.disease_for(c.code, c.day)
        if disease is None:
            continue
        rows = grid.setdefault(disease.key, {})
        row = rows.get(c.area)
        if row is None:
            row = rows[c.area] = np.zeros(n)
        row[(c.day - start).days] += c.cases
    out: dict[str, CountSeries] = {}
    for key, rows in grid.items():
        areas = sorted(rows)
        out[key] = CountSeries.daily(np.vstack([rows[a] for a in areas]), start, [(a, key) for a in areas])
    return out


def detect_day(
    series: Mapping[str, CountSeries], catalogue: Catalogue, day: dt.date
) -> list[SignalCandidate]:
    """Run each disease's detector on its series and keep the alarms of ``day`` (the
    last column). A cell without a decision (NA: too little history) is no signal."""
    by_key = {d.key: d for d in catalogue.diseases}
    found: list[SignalCandidate] = []
    for key, s in sorted(series.items()):
        profile = catalogue.profile_for(by_key[key], day)
        last = s.counts.shape[1] - 1
        result = registry.run(profile.method, s, **{**profile.params, "range_": [last]})
        assert result.alarm is not None
        k = catalogue.snapshot_days
        dates = tuple(str(d) for d in s.dates[-k:])
        for i, skey in enumerate(result.keys):
            if result.alarm[i, last] == 1.0:
                found.append(
                    SignalCandidate(
                        day=day,
                        area=skey.area,
                        disease=key,
                        method=profile.method,
                        params=dict(profile.params),
                        observed=float(s.counts[i, last]),
                        expected=_num(result.expected, i, last),
                        upperbound=_num(result.upperbound, i, last),
                        snapshot_dates=dates,
                        snapshot_counts=tuple(float(x) for x in s.counts[i, -k:]),
                    )
                )
    return found


def _num(arr: np.ndarray | None, i: int, j: int) -> float | None:
    if arr is None or np.isnan(arr[i, j]):
        return None
    return float(arr[i, j])


# ---- reporting timeliness ------------------------------------------------------------
@dataclass(frozen=True)
class ReportedCase:
    code: str
    diagnosed: dt.datetime
    reported: dt.datetime


@dataclass(frozen=True)
class Timeliness:
    """报告及时率 of one class of diseases: share of cases reported within the legal limit."""

    group: str  # "2h" (甲类 and managed as 甲类) or "24h"
    cases: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.cases if self.cases else None


def reporting_timeliness(cases: Sequence[ReportedCase], catalogue: Catalogue) -> list[Timeliness]:
    """Cases reported within 2 h (甲类 and 乙类 managed as 甲类) and within 24 h (others)
    of diagnosis, by limit group. A report before diagnosis counts as on time (clock skew)."""
    totals = {f"{catalogue.grave_hours}h": [0, 0], f"{catalogue.other_hours}h": [0, 0]}
    for c in cases:
        if c.diagnosed.tzinfo is None or c.reported.tzinfo is None:
            raise InvalidInput("diagnosis and report times need a time zone")
        disease = catalogue.disease_for(c.code, c.diagnosed.date())
        if disease is None:
            continue
        grave = disease.grave_on(c.diagnosed.date())
        limit = catalogue.report_limit_hours(disease, c.diagnosed.date())
        group = f"{catalogue.grave_hours}h" if grave else f"{catalogue.other_hours}h"
        totals[group][0] += 1
        if (c.reported - c.diagnosed) <= dt.timedelta(hours=limit):
            totals[group][1] += 1
    return [Timeliness(g, n, ok) for g, (n, ok) in totals.items()]


__all__ = [
    "CaseCount",
    "Catalogue",
    "Disease",
    "ReportedCase",
    "SeriesKey",
    "SignalCandidate",
    "Timeliness",
    "daily_series",
    "default_catalogue",
    "detect_day",
    "parse_catalogue",
    "reporting_timeliness",
]
