"""The weekly simulation design of Noufaily et al. (2013), generated from the paper.

Source: Noufaily A et al. (2013), Stat Med 32(7):1206-1222, section 5.1 and Table I
(parameters in ``data/noufaily2013_scenarios.json`` with their source; to be checked
against the paper's Table I, see the file's "verification" note). Not R's
simulator, which departs from the paper (DOMAIN.md).

Baseline: y_t ~ negative binomial with mean mu_t = exp(theta + beta t + sum_{j=1..m}
[gamma1 cos(2 pi j t / 52) + gamma2 sin(2 pi j t / 52)]) and variance phi mu_t (Poisson
when phi = 1), t = 1..624; 7 parameter groups x trend off/on x m = 0, 1, 2 harmonics = 42
scenarios. Outbreaks: 4 past outbreaks starting in weeks 313-575 and one current outbreak
starting in weeks 576-624; an outbreak starting in week s has Poisson(k sqrt(phi mu_s))
cases (k a multiple of the baseline standard deviation *at the start week*), each case
placed floor(D) weeks after s with D ~ lognormal(0, 0.5). The last 49 weeks are scored.

Vectorised over replicates: every array is replicates x weeks. ``rng`` is passed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Scenario:
    number: int  # 1..42
    theta: float
    beta: float
    gamma1: float
    gamma2: float
    phi: float
    harmonics: int
    trend: bool


def design() -> dict[str, Any]:
    text = (
        resources.files("tiercare.core.surveillance").joinpath("data/noufaily2013_scenarios.json").read_text()
    )
    return dict(json.loads(text))


def scenarios() -> list[Scenario]:
    """The 42 scenarios, numbered group by group: trend off (m = 0, 1, 2), trend on (m = 0, 1, 2)."""
    out: list[Scenario] = []
    for g in design()["groups"]:
        for trend in (False, True):
            for m in (0, 1, 2):
                out.append(
                    Scenario(
                        number=len(out) + 1,
                        theta=g["theta"],
                        beta=g["beta"] if trend else 0.0,
                        gamma1=g["gamma1"] if m else 0.0,
                        gamma2=g["gamma2"] if m else 0.0,
                        phi=g["phi"],
                        harmonics=m,
                        trend=trend,
                    )
                )
    return out


def baseline_mean(sc: Scenario, weeks: int = 624) -> FloatArray:
    t = np.arange(1, weeks + 1, dtype=np.float64)
    eta = sc.theta + sc.beta * t
    for j in range(1, sc.harmonics + 1):
        eta = eta + sc.gamma1 * np.cos(2 * np.pi * j * t / 52) + sc.gamma2 * np.sin(2 * np.pi * j * t / 52)
    return np.asarray(np.exp(eta))


def _nb(rng: np.random.Generator, mu: FloatArray, phi: float, shape: tuple[int, int]) -> FloatArray:
    if phi == 1.0:
        return rng.poisson(np.broadcast_to(mu, shape)).astype(np.float64)
    size = np.broadcast_to(mu / (phi - 1.0), shape)
    return rng.negative_binomial(size, 1.0 / phi).astype(np.float64)


def _outbreaks(
    rng: np.random.Generator,
    mu: FloatArray,
    phi: float,
    reps: int,
    starts_in: tuple[int, int],
    count: int,
    k: float,
) -> FloatArray:
    """Cases added by ``count`` outbreaks per replicate starting in weeks ``starts_in`` (1-based)."""
    weeks = mu.size
    added = np.zeros((reps, weeks))
    lo, hi = starts_in
    for _ in range(count):
        start = rng.integers(lo - 1, hi, size=reps)  # 0-based start week
        size = rng.poisson(k * np.sqrt(phi * mu[start]))
        total = int(size.sum())
        if total == 0:
            continue
        rep_of_case = np.repeat(np.arange(reps), size)
        week = np.repeat(start, size) + np.floor(rng.lognormal(0.0, 0.5, total)).astype(np.int64)
        inside = week < weeks
        np.add.at(added, (rep_of_case[inside], week[inside]), 1.0)
    return added


def simulate(
    sc: Scenario, reps: int, rng: np.random.Generator, *, k_current: float, k_past: float
) -> tuple[FloatArray, FloatArray]:
    """(counts, current-outbreak cases), both replicates x 624 weeks."""
    if reps < 1 or k_current < 0 or k_past < 0:
        raise InvalidInput("simulate needs reps >= 1 and k >= 0")
    d = design()
    weeks = int(d["weeks"])
    mu = baseline_mean(sc, weeks)
    base = _nb(rng, mu, sc.phi, (reps, weeks))
    past = _outbreaks(rng, mu, sc.phi, reps, tuple(d["past_outbreak_weeks"]), 4, k_past)
    current = _outbreaks(rng, mu, sc.phi, reps, tuple(d["current_outbreak_weeks"]), 1, k_current)
    return base + past + current, current


def evaluate_scenario(
    sc: Scenario,
    detector: Any,
    params: dict[str, Any],
    reps: int,
    rng: np.random.Generator,
    *,
    k_current: float = 5.0,
    k_past: float = 5.0,
) -> Any:
    """Detection metrics of ``detector`` on ``reps`` replicates of ``sc``, scored on the last 49 weeks."""
    import datetime as dt

    from tiercare.core.surveillance.evaluation import detection_metrics
    from tiercare.core.surveillance.series import CountSeries

    counts, current = simulate(sc, reps, rng, k_current=k_current, k_past=k_past)
    scored = int(design()["scored_weeks"])
    weeks = counts.shape[1]
    series = CountSeries.weekly(counts, dt.date(2000, 1, 3))
    rng_idx = list(range(weeks - scored, weeks))
    out = detector(series, range_=rng_idx, **params)
    return detection_metrics(out.alarm[:, weeks - scored :], current[:, weeks - scored :])
