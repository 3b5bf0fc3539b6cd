"""Chinese public holidays and school terms for daily surveillance (节假日与学期).

Sources: the State Council's yearly holiday notices (国务院办公厅关于部分节假日安排的通知,
``data/cn_holidays.toml`` lists each year's notice and its days off); Spring Festival
(春节, 正月初一) from the lunar calendar (``lunardate``), which must fall inside each
notice's Spring Festival run (checked by the tests). School terms: winter break around
Spring Festival and summer break, lengths in ``data/daily_design.toml`` (教育部 school
calendars put winter break at about 3 weeks before to 2 weeks after Spring Festival and
summer break from about 10 July to 31 August).

Everything is a function of the dates passed in: no clock.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
from lunardate import LunarDate

from tiercare.core.errors import InvalidInput

KINDS = ("spring_festival", "national_day", "short")


@dataclass(frozen=True)
class Holiday:
    name: str
    kind: str
    first: dt.date
    last: dt.date
    source: str


def _data(name: str) -> dict[str, Any]:
    text = resources.files("tiercare.core.surveillance").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


@cache
def holidays() -> tuple[Holiday, ...]:
    """Every listed holiday run, from the notices."""
    out = []
    for y in _data("cn_holidays.toml")["years"]:
        for h in y["holidays"]:
            if h["kind"] not in KINDS:
                raise InvalidInput(f"holiday kind {h['kind']!r} is not one of {KINDS}")
            out.append(Holiday(h["name"], h["kind"], h["first"], h["last"], y["source"]))
    return tuple(out)


def covered_years() -> tuple[int, ...]:
    return tuple(int(y["year"]) for y in _data("cn_holidays.toml")["years"])


def spring_festival(year: int) -> dt.date:
    """正月初一 of the lunar year that starts in Gregorian ``year``."""
    return LunarDate(year, 1, 1).to_solar_date()  # type: ignore[no-any-return]


def _days(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    return np.asarray(dates, dtype="datetime64[D]").astype(np.int64)


def check_covered(dates: npt.NDArray[np.datetime64]) -> None:
    """Holiday-aware methods need every year of the series in the notices' data."""
    years = set(np.asarray(dates, dtype="datetime64[Y]").astype(int) + 1970)
    missing = sorted(years - set(covered_years()))
    if missing:
        raise InvalidInput(
            f"no holiday notice for year(s) {missing}: add them to data/cn_holidays.toml (State Council notice)"
        )


def holiday_days(dates: npt.NDArray[np.datetime64], kind: str) -> npt.NDArray[np.bool_]:
    """True on the days off of holidays of ``kind``."""
    d = _days(dates)
    out = np.zeros(d.shape, dtype=bool)
    for h in holidays():
        if h.kind == kind:
            lo, hi = _days(np.array([h.first, h.last], dtype="datetime64[D]"))
            out |= (d >= lo) & (d <= hi)
    return out


def days_after(dates: npt.NDArray[np.datetime64], kind: str, first: int, last: int) -> npt.NDArray[np.bool_]:
    """True on days ``first``..``last`` (1 = the day after) after the end of a ``kind`` run."""
    d = _days(dates)
    out = np.zeros(d.shape, dtype=bool)
    for h in holidays():
        if h.kind == kind:
            end = int(_days(np.array([h.last], dtype="datetime64[D]"))[0])
            out |= (d >= end + first) & (d <= end + last)
    return out


def school_term(dates: npt.NDArray[np.datetime64]) -> npt.NDArray[np.bool_]:
    """True in term (weekends included): not in winter break (days before to days after
    Spring Festival) nor in summer break, as ``[school_calendar]`` of cn_holidays.toml says."""
    cal = _data("cn_holidays.toml")["school_calendar"]
    winter_before = int(cal["winter_before_spring_festival_days"])
    winter_after = int(cal["winter_after_spring_festival_days"])
    summer = (tuple(cal["summer"][0]), tuple(cal["summer"][1]))
    d = _days(dates)
    dd = np.asarray(dates, dtype="datetime64[D]")
    years = np.unique(dd.astype("datetime64[Y]").astype(int) + 1970)
    term = np.ones(d.shape, dtype=bool)
    for y in range(int(years.min()), int(years.max()) + 2):
        sf = int(_days(np.array([spring_festival(y)], dtype="datetime64[D]"))[0])
        term &= ~((d >= sf - winter_before) & (d < sf + winter_after))
        (m1, d1), (m2, d2) = summer
        lo, hi = _days(np.array([dt.date(y, m1, d1), dt.date(y, m2, d2)], dtype="datetime64[D]"))
        term &= ~((d >= lo) & (d <= hi))
    return term
