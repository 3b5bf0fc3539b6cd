"""The daily evaluation design: county-style daily counts with Chinese holidays (日报告模拟).

Design (parameters and their sources in ``data/daily_design.toml``): 3 years of daily
counts; true cases ~ negative binomial with mean base x day-of-week x season x school
term (for school-age types) and variance phi mu; outbreaks of Poisson(k x sd of the
7-day count) cases spread over several days by a lognormal delay (Noufaily et al. 2013's
construction, on days). Then *reporting*: on the days off of a public holiday
(``cn_calendar``, Spring Festival by the lunar calendar) only a share of the day's cases
is reported that day, the rest evenly over the catch-up days after the holiday (补报).
The truth kept for scoring is the current outbreak's *reported* cases per day.

Vectorised over replicates; ``rng`` is passed in.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import cn_calendar

FloatArray = npt.NDArray[np.float64]


def design() -> dict[str, Any]:
    text = (
        resources.files("tiercare.core.surveillance").joinpath("data", "daily_design.toml").read_text("utf-8")
    )
    return tomllib.loads(text)


@dataclass(frozen=True)
class DailyData:
    counts: FloatArray  # series x days, reported cases
    outbreak: FloatArray  # reported cases of the current outbreak
    dates: npt.NDArray[np.datetime64]
    type_of_row: tuple[str, ...]
    scored_from: int  # index of the first judged day


def dates() -> npt.NDArray[np.datetime64]:
    p = design()["period"]
    return np.arange(np.datetime64(p["start"], "D"), np.datetime64(p["end"], "D") + 1)


def true_mean(days: npt.NDArray[np.datetime64], typ: dict[str, Any]) -> FloatArray:
    d = design()
    dow = np.asarray(d["day_of_week"]["multiplier"])[(days.astype(np.int64) + 3) % 7]  # 1970-01-01: Thursday
    doy = (days - days.astype("datetime64[Y]")).astype(np.int64) + 1
    season = 1.0 + d["season"]["amplitude"] * np.cos(2 * np.pi * (doy - d["season"]["peak_day"]) / 365.25)
    mu = typ["mean"] * dow * season
    if typ["school"]:
        s = d["school"]
        term = cn_calendar.school_term(days)
        mu = mu * np.where(term, s["term"], s["a_break"])
    return np.asarray(mu, dtype=np.float64)


def report(cases: FloatArray, days: npt.NDArray[np.datetime64], rng: np.random.Generator) -> FloatArray:
    """Reported counts: on days off a binomial share is reported, the rest spread
    evenly (multinomially) over the catch-up days after the holiday run."""
    rep = design()["reporting"]
    out = cases.copy()
    day_no = days.astype(np.int64)
    for h in cn_calendar.holidays():
        lo, hi = np.array([h.first, h.last], dtype="datetime64[D]").astype(np.int64)
        idx = np.flatnonzero((day_no >= lo) & (day_no <= hi))
        if idx.size == 0:
            continue
        r = rep[h.kind]
        kept = rng.binomial(cases[:, idx].astype(np.int64), r["reported"]).astype(np.float64)
        late = (cases[:, idx] - kept).sum(axis=1)
        out[:, idx] = kept
        after = np.flatnonzero((day_no > hi) & (day_no <= hi + r["catchup_days"]))
        if after.size:
            spread = rng.multinomial(late.astype(np.int64), np.full(after.size, 1.0 / after.size))
            out[:, after] += spread
    return out


def _outbreak(
    rng: np.random.Generator, mu: FloatArray, phi: float, reps: int, lo: int, hi: int, k: float
) -> FloatArray:
    o = design()["outbreaks"]
    n_days = mu.size
    added = np.zeros((reps, n_days))
    start = rng.integers(lo, hi, size=reps)
    week_mu = np.array([mu[s : s + 7].sum() for s in start])
    size = rng.poisson(k * np.sqrt(phi * week_mu))
    total = int(size.sum())
    if total:
        rep_of_case = np.repeat(np.arange(reps), size)
        delay = np.floor(rng.lognormal(o["delay_meanlog"], o["delay_sdlog"], total)).astype(np.int64)
        day = np.repeat(start, size) + delay
        inside = day < n_days
        np.add.at(added, (rep_of_case[inside], day[inside]), 1.0)
    return added


def simulate(reps: int, rng: np.random.Generator, *, k_current: float | None = None) -> DailyData:
    """``reps`` replicates of every series type (rows grouped by type)."""
    if reps < 1:
        raise InvalidInput("the daily design needs reps >= 1")
    d = design()
    days = dates()
    scored_from = int((np.datetime64(d["period"]["scored_first"], "D") - days[0]).astype(np.int64))
    o = d["outbreaks"]
    k_cur = float(o["k_current"] if k_current is None else k_current)
    counts, truth, types = [], [], []
    for typ in d["types"]:
        mu = true_mean(days, typ)
        phi = float(typ["phi"])
        shape = (reps, days.size)
        if phi == 1.0:
            base = rng.poisson(np.broadcast_to(mu, shape)).astype(np.float64)
        else:
            size = np.broadcast_to(mu / (phi - 1.0), shape)
            base = rng.negative_binomial(size, 1.0 / phi).astype(np.float64)
        past = np.zeros(shape)
        for _ in range(int(o["past"])):
            past += _outbreak(rng, mu, phi, reps, 0, scored_from - 14, float(o["k_past"]))
        current = _outbreak(rng, mu, phi, reps, scored_from, days.size - 7, k_cur)
        # Report the outbreak's cases with the same holiday pattern as the baseline's.
        reported_current = report(current, days, rng)
        counts.append(report(base + past, days, rng) + reported_current)
        truth.append(reported_current)
        types.extend([typ["name"]] * reps)
    return DailyData(
        counts=np.vstack(counts),
        outbreak=np.vstack(truth),
        dates=days,
        type_of_row=tuple(types),
        scored_from=scored_from,
    )


def first_day() -> dt.date:
    return dt.date.fromisoformat(str(dates()[0]))
