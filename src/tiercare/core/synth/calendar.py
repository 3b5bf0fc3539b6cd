"""The calendar of care seeking (就诊日历): public holidays (法定节假日) with Spring Festival
and the other lunar festivals placed by the lunar calendar, National Day week, school
terms, day-of-week effects and seasonality.

Holiday lengths come from [holidays] in the parameters; the State Council's yearly
bridging (调休) of weekends is not modelled: a holiday is the listed run of days.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
from lunardate import LunarDate

from tiercare.core.synth.rng import Rng


def spring_festival(year: int) -> date:
    """正月初一 (Lunar New Year's Day) of the lunar year starting in ``year``."""
    return LunarDate(year, 1, 1).to_solar_date()  # type: ignore[no-any-return]


def holidays(year: int, hol: dict[str, Any]) -> dict[date, str]:
    """Holiday dates of one Gregorian year -> holiday name."""
    out: dict[date, str] = {}
    for h in hol["solar"]:
        first = date(year, h["month"], h["day"])
        for k in range(h["days"]):
            out[first + timedelta(days=k)] = h["name"]
    for h in hol["lunar"]:
        if h["month"] == 12 and h["day"] >= 29:
            # 除夕 (New Year's Eve) is the last day of lunar month 12, which has 29 or 30 days.
            first = spring_festival(year) - timedelta(days=1)
        else:
            first = LunarDate(year, h["month"], h["day"]).to_solar_date()
        for k in range(h["days"]):
            out[first + timedelta(days=k)] = h["name"]
    return out


def in_school_term(d: date, hol: dict[str, Any]) -> bool:
    """True on a school day of term (weekends excluded)."""
    if d.weekday() >= 5:
        return False
    summer = date(d.year, *hol["school_summer_start"])
    autumn = date(d.year, *hol["school_autumn_start"])
    if summer <= d < autumn:
        return False
    for y in (d.year, d.year + 1):
        sf = spring_festival(y)
        if sf - timedelta(days=hol["winter_break_before_spring_festival_days"]) <= d < sf + timedelta(days=hol["winter_break_after_spring_festival_days"]):
            return False
    return True


def seasonal(day_of_year: np.ndarray, peak_day: float, amplitude: float) -> np.ndarray:
    """1 + a·cos(2π(t − peak)/365.25): a smooth annual cycle with its maximum at ``peak``."""
    return 1.0 + amplitude * np.cos(2 * math.pi * (day_of_year - peak_day) / 365.25)


class Calendar:
    """Per-day factors over the simulated period, computed once per run."""

    def __init__(self, start: date, n_days: int, params: Any) -> None:
        hol = params.section("holidays")
        inf = params.section("infectious")
        self.start = start
        self.n_days = n_days
        self.dates = [start + timedelta(days=k) for k in range(n_days)]
        names: dict[date, str] = {}
        for y in range(start.year, self.dates[-1].year + 1):
            names.update(holidays(y, hol))
        self.holiday = np.asarray([d in names for d in self.dates])
        self.holiday_names = names
        dow = np.asarray(inf["day_of_week_multiplier"], dtype=float)
        self.weekday = np.asarray([d.weekday() for d in self.dates])
        self.doy = np.asarray([d.timetuple().tm_yday for d in self.dates], dtype=float)
        self.school = np.asarray([in_school_term(d, hol) for d in self.dates])
        # Outpatient attendance weight of each day: weekday pattern, fewer on holidays.
        self.visit_weight = dow[self.weekday] * np.where(self.holiday, inf["holiday_multiplier"], 1.0)
        self.visit_cdf = np.cumsum(self.visit_weight) / self.visit_weight.sum()

    def draw_days(self, rng: Rng, n: int) -> np.ndarray:
        """Day offsets of ``n`` ordinary visits, following the attendance weights."""
        days: np.ndarray = np.searchsorted(self.visit_cdf, rng.random(n), side="right").clip(0, self.n_days - 1)
        return days
