"""Infectious disease (传染病): notifiable-disease cases and syndromic visits with
seasonality, day-of-week and holiday effects and school terms, and injected outbreaks
(point-source and propagated) whose truth goes to outbreaks.csv.

Baseline cases per village and day are Poisson with mean
population_eligible x incidence / 100,000 / 365 x season(day) x weekday(day) x holiday(day)
(x school-term factor for school-age diseases). The outbreak plan is made once for the
region, from its own seed, and each village adds its share of the extra cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from tiercare.core.synth.calendar import Calendar, seasonal
from tiercare.core.synth.region import Region
from tiercare.core.synth.rng import Rng


@dataclass(frozen=True)
class Outbreak:
    """One injected outbreak (暴发); ``cases`` maps village code -> {day offset: extra cases}."""

    id: str
    disease: str
    kind: str  # point-source | propagated
    county: str
    area: str  # village (point-source) or township (propagated) code
    first_day: int
    last_day: int
    cases: dict[str, dict[int, int]]

    @property
    def extra_cases(self) -> int:
        return sum(sum(d.values()) for d in self.cases.values())


def plan_outbreaks(region: Region, params: Any, seed: int, n_days: int) -> list[Outbreak]:
    ob = params.section("outbreaks")
    rng = Rng(seed, 4)
    out: list[Outbreak] = []
    for county in region.counties:
        n = int(rng.poisson(ob["per_county_year"] * n_days / 365.0))
        for _ in range(n):
            disease = ob["diseases"][int(rng.integers(len(ob["diseases"])))]
            town = county.townships[int(rng.integers(len(county.townships)))]
            size = int(rng.integers(ob["size_min"], ob["size_max"] + 1))
            first = int(rng.integers(0, max(1, n_days - 30)))
            if rng.random() < ob["point_source_share"]:
                kind = "point-source"
                village = town.villages[int(rng.integers(len(town.villages)))]
                days = rng.integers(0, ob["point_source_days"], size=size)
                cases = {village.code: _by_day(first + days, n_days)}
                area = village.code
            else:
                kind = "propagated"
                # Generations of growing then waning size, spread over the township's villages.
                g = ob["propagated_generations"]
                shape = np.sin(np.linspace(0.3, np.pi - 0.3, g))
                per_gen = rng.multinomial(size, shape / shape.sum())
                days_list: list[int] = []
                for k, m in enumerate(per_gen):
                    days_list += (first + k * ob["propagated_generation_days"] + rng.integers(0, ob["propagated_generation_days"], size=int(m))).tolist()
                pops = np.asarray([v.residents for v in town.villages], dtype=float)
                which = rng.choice(len(town.villages), size=len(days_list), p=pops / pops.sum())
                cases = {}
                for vi, d in zip(which, days_list, strict=True):
                    if d < n_days:
                        day_map = cases.setdefault(town.villages[int(vi)].code, {})
                        day_map[int(d)] = day_map.get(int(d), 0) + 1
                area = town.code
            all_days = [d for m in cases.values() for d in m]
            if not all_days:
                continue
            out.append(Outbreak(f"ob-{county.code}-{len(out) + 1}", disease, kind, county.code, area,
                                min(all_days), max(all_days), cases))
    return out


def _by_day(days: np.ndarray, n_days: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for d in days.tolist():
        if d < n_days:
            out[int(d)] = out.get(int(d), 0) + 1
    return out


def disease_active(d: dict[str, Any], day: date) -> bool:
    """Whether the catalogue lists the disease on ``day`` (the list changes over time)."""
    vf = d.get("valid_from")
    vt = d.get("valid_to")
    return (vf is None or day.isoformat() >= vf) and (vt is None or day.isoformat() < vt)


def daily_cases(rng: Rng, cal: Calendar, n_eligible: int, per_100k_year: float,
                peak_day: float, amplitude: float, school_age: bool, school_factor: float) -> np.ndarray:
    """Baseline case counts per day for one village and one disease or syndrome."""
    base = n_eligible * per_100k_year / 1e5 / 365.0
    mu = base * seasonal(cal.doy, peak_day, amplitude) * cal.visit_weight
    if school_age:
        mu = mu * np.where(cal.school, 1.0, school_factor)
    counts: np.ndarray = rng.poisson(np.maximum(mu, 0.0))
    return counts
