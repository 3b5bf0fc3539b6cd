"""Care of one village's residents (诊疗): chronic conditions, family-doctor contracts, the
visit plan, and the allocation of visits to tiers.

Allocation meets the configured county retention (县域就诊率) and primary-level share
(基层诊疗量占比) by construction, per village: the visits whose tier is fixed (chronic
follow-ups, health checks, referrals) are counted first, then the remaining visits are
ordered by severity and the most severe fill the out-of-region, then city, then county
quotas, the rest going to the primary level. So every village, and the region, lands on
the targets up to rounding, while the sick still climb the tiers.

Definitions (DOMAIN.md): retention = visits of the county's residents inside their own
county / all their visits, wherever treated; primary share = visits at primary-level
facilities / all visits at the region's facilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tiercare.core.synth.population import Person
from tiercare.core.synth.rng import Rng

CHRONIC = ("hypertension", "diabetes", "copd", "chd", "stroke", "ckd")
# Tier classes of the allocation: primary (village/township), home county, city hospitals in
# another county of the region, and care outside the region (insurance settlements only).
PRIMARY, COUNTY, CITY, PROVINCE = "primary", "county", "city", "province"


@dataclass(slots=True)
class Visit:
    """One planned encounter; ``tier`` is set for visits whose tier is fixed."""

    person: int
    day: int
    inpatient: bool
    reason: tuple[str, str]
    severity: float
    kind: str  # outpatient | inpatient | followup | check | child-check | immunization | infectious | referral-followup
    tier: str | None = None  # allocation class once known
    payload: dict[str, Any] = field(default_factory=dict)


def band_index(age: int, starts: list[int]) -> int:
    i = -1
    for k, s in enumerate(starts):
        if age >= s:
            i = k
    return i


def draw_conditions(rng: Rng, params: Any, persons: list[Person]) -> None:
    """Fill Person.conditions: condition -> diagnosed, for true patients only."""
    chronic = params.section("chronic")
    mgmt = params.section("management")
    starts = chronic["age_band_start"]
    aware = {"hypertension": mgmt["hypertension_aware_share"], "diabetes": mgmt["diabetes_aware_share"]}
    for p in persons:
        b = band_index(p.age, starts)
        if b < 0:
            continue
        u = rng.random(2 * len(CHRONIC))
        for k, cond in enumerate(CHRONIC):
            prev = chronic[cond]["male" if p.male else "female"][b]
            if u[k] < prev:
                p.conditions[cond] = bool(u[len(CHRONIC) + k] < aware.get(cond, mgmt["other_aware_share"]))


def managed(rng: Rng, params: Any, p: Person) -> list[str]:
    """Conditions for which the person is in the primary-care register (纳入管理)."""
    mgmt = params.section("management")
    out = []
    for cond, share, aware in (("hypertension", mgmt["hypertension_managed_share"], mgmt["hypertension_aware_share"]),
                               ("diabetes", mgmt["diabetes_managed_share"], mgmt["diabetes_aware_share"])):
        if p.conditions.get(cond) and rng.random() < min(1.0, share / aware):
            out.append(cond)
    return out


def contract_groups(p: Person, managed_conditions: list[str], pregnant: bool = False) -> list[str]:
    """Key groups (重点人群) of a person for family-doctor contracts."""
    groups = ["pregnant"] if pregnant else []
    if p.age >= 65:
        groups.append("elderly_65")
    if p.age <= 6:
        groups.append("child_0_6")
    groups.extend(managed_conditions)
    return groups


def contract_probability(params: Any, groups: list[str]) -> float:
    c = params.section("contracts")
    return float(max([c["general"], *(c[g] for g in groups)]))


def allocation_quotas(total: int, district: bool, retention: float, primary_share: float, city_share: float) -> dict[str, int]:
    """Counts per tier class for ``total`` visits of one village."""
    out_of_county = int(round((1.0 - retention) * total))
    province = out_of_county if district else int(round(out_of_county * (1.0 - city_share)))
    city = out_of_county - province
    primary = int(round(primary_share * (total - province)))
    county = total - out_of_county - primary
    return {PROVINCE: province, CITY: city, COUNTY: county, PRIMARY: primary}


def allocate(visits: list[Visit], quotas: dict[str, int]) -> None:
    """Give every visit without a tier one, so the class totals match ``quotas``.

    Fixed visits use up their class's quota; the free ones, most severe first, fill the
    province, city, county and finally primary quotas. A class already over its quota by
    fixed visits takes nothing more (its excess is noted by the realised rates)."""
    left = dict(quotas)
    free = []
    for v in visits:
        if v.tier is None:
            free.append(v)
        else:
            left[v.tier] = left.get(v.tier, 0) - 1
    free.sort(key=lambda v: -v.severity)
    i = 0
    for cls in (PROVINCE, CITY, COUNTY, PRIMARY):
        n = max(0, left.get(cls, 0))
        for v in free[i:i + n]:
            v.tier = cls
        i += n
    for v in free[i:]:  # rounding surplus goes to the primary level
        v.tier = PRIMARY


def visit_weights(params: Any, persons: list[Person], active: list[int]) -> np.ndarray:
    """Relative visit rate of each active person: age pattern x chronic burden."""
    care = params.section("care")
    starts = care["visit_rate_by_age_start"]
    mult = care["visit_rate_multiplier"]
    boost = care["chronic_visit_boost"]
    w = np.empty(len(active))
    for k, i in enumerate(active):
        p = persons[i]
        w[k] = mult[band_index(p.age, starts)] * (1.0 + boost * sum(1 for d in p.conditions.values() if d))
    return w


def followup_count(rng: Rng, mgmt: dict[str, Any], years_in_care: float) -> int:
    """Follow-ups in a year: >= 4 for the standard share (some 5-6), 1-3 for the rest."""
    if rng.random() < mgmt["standard_share"]:
        n = 4 + (int(rng.integers(1, 3)) if rng.random() < mgmt["extra_followup_share"] else 0)
    else:
        low = mgmt["low_followups"]
        n = int(low[int(rng.integers(len(low)))])
    return max(1, int(round(n * years_in_care)))


def bp_reading(rng: Rng, controlled: bool, urgent: bool, age: int, mgmt: dict[str, Any]) -> tuple[int, int]:
    """A follow-up blood pressure consistent with its class (thresholds from [management])."""
    sbp_t = mgmt["sbp_target_65plus"] if age >= 65 else mgmt["sbp_target"]
    if urgent:
        return int(rng.integers(int(mgmt["sbp_urgent"]), 201)), int(rng.integers(95, 121))
    if controlled:
        return int(rng.integers(112, int(sbp_t))), int(rng.integers(65, int(mgmt["dbp_target"])))
    if rng.random() < 0.7:
        return int(rng.integers(int(sbp_t), int(mgmt["sbp_urgent"]))), int(rng.integers(75, int(mgmt["dbp_urgent"])))
    return int(rng.integers(120, int(sbp_t))), int(rng.integers(int(mgmt["dbp_target"]), int(mgmt["dbp_urgent"])))


def fpg_reading(rng: Rng, controlled: bool, urgent: bool, mgmt: dict[str, Any]) -> float:
    if urgent:
        if rng.random() < 0.7:
            return round(float(rng.uniform(mgmt["fpg_urgent_high"], 25.0)), 1)
        return round(float(rng.uniform(2.5, mgmt["fpg_urgent_low"] - 0.1)), 1)
    if controlled:
        return round(float(rng.uniform(4.4, mgmt["fpg_target"] - 0.1)), 1)
    return round(float(rng.uniform(mgmt["fpg_target"], mgmt["fpg_urgent_high"] - 0.1)), 1)


def is_controlled_bp(sbp: int, dbp: int, age: int, mgmt: dict[str, Any]) -> bool:
    sbp_t = mgmt["sbp_target_65plus"] if age >= 65 else mgmt["sbp_target"]
    return bool(sbp < sbp_t and dbp < mgmt["dbp_target"])


def contract_dates(start: date, n_days: int) -> tuple[date, date]:
    return start, date(start.year + max(1, n_days // 365), start.month, start.day)
