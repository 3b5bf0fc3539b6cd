"""Population dynamics over the period (人口变动): deaths, moves out, births and moves in.

Rates live in ``[dynamics]`` of the parameters with their sources. Every person has a
presence interval [entry_day, exit_day) in period days; the chunk drops every planned
visit outside it, so nobody is seen before birth or arrival, nor after death or leaving.

- Deaths (死亡): each year of the period a resident dies with the age- and sex-specific
  rate of the life table (age at that year), on a uniform day of the year.
- Moves out (迁出): a resident leaves with ``moved_out_per_1000`` a year; they stay
  registered (户籍) here if they were.
- Births (出生): deliveries of the women drawn by the chunk's pregnancy plan (crude birth
  rate) that fall inside the period and before the mother leaves; the newborn joins the
  mother's household with the father's surname (the household's), sex by the sex ratio at
  birth, an ID number of the county, and is named later: see the chunk's newborn records.
- Moves in (迁入): ``moved_in_per_1000`` a year of the starting residents arrive on a
  uniform day, in households of their own, registered elsewhere.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tiercare.core.synth.care import band_index
from tiercare.core.synth.names import NameModel
from tiercare.core.synth.population import IdAllocator, Person
from tiercare.core.synth.rng import Rng


def death_rate(dyn: dict[str, Any], age: int, male: bool) -> float:
    """Annual probability of death at ``age`` (life-table mortality per 1,000 / 1,000)."""
    b = band_index(age, dyn["mortality_age_start"])
    table = dyn["mortality_male_per_1000"] if male else dyn["mortality_female_per_1000"]
    return float(table[max(b, 0)]) / 1000.0


def draw_exits(rng: Rng, dyn: dict[str, Any], persons: list[Person], active: list[int], n_days: int) -> None:
    """Set exit_day / exit_reason of the starting residents who die or move out."""
    years = max(1, -(-n_days // 365))
    out_rate = dyn["moved_out_per_1000"] / 1000.0
    for i in active:
        p = persons[i]
        for y in range(years):
            lo = y * 365
            if lo >= n_days:
                break
            width = min(365, n_days - lo)
            frac = width / 365.0
            u = rng.u()
            q = death_rate(dyn, p.age + y, p.male) * frac
            if u < q:
                p.exit_day, p.exit_reason = lo + int(rng.u() * width), "died"
                break
            if u < q + out_rate * frac:
                p.exit_day, p.exit_reason = lo + int(rng.u() * width), "moved_out"
                break


def newborn(rng: Rng, dyn: dict[str, Any], names: NameModel, persons: list[Person], mother: int, day: int,
            start: Any, ids: IdAllocator, county_code: str, index: int) -> Person:
    """The child of ``persons[mother]`` born on period day ``day`` (appended at ``index``)."""
    m = persons[mother]
    male = rng.u() < dyn["sex_ratio_at_birth"] / (100.0 + dyn["sex_ratio_at_birth"])
    birth = start + timedelta(days=day)
    # The household's surname: its oldest man aged 20-60 (the father, usually), else the mother's.
    men = [q for q in persons if q.household == m.household and q.male and 20 <= q.age <= 60 and q.exit_day > day]
    surname = max(men, key=lambda q: q.age).surname if men and not m.minority else m.surname
    if m.minority:
        name, surname = names.minority(rng, male), ""
    else:
        name = surname + names.given(rng, male, birth.year)
    return Person(
        pid=f"{m.village}-{index + 1:05d}", household=m.household, village=m.village, name=name, surname=surname,
        male=male, birth=birth, id_number=ids.next(county_code, birth, male), phone=m.phone, insurance="resident",
        registered=True, resident=True, minority=m.minority, age=0, guardian=mother,
        entry_day=day, entry_reason="born",
    )


def newcomer_count(rng: Rng, dyn: dict[str, Any], residents: int, n_days: int) -> int:
    return int(rng.poisson(dyn["moved_in_per_1000"] / 1000.0 * residents * n_days / 365.0))
