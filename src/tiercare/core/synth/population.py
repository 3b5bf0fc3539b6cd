"""Residents (居民) of one township chunk: age-sex pyramid, households, names, ID
numbers, phones, insurance, registered versus resident population.

Ages and sexes are drawn from the 2020-census pyramid first, then households are formed
from them (couples, children with parents 20-45 years older, some elders with their
children), so the pyramid holds exactly while households look like households.
ID sequence numbers are unique by construction: each township owns a block of the 500
odd (or even) sequence numbers of its county's address code and birth date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from tiercare.core.synth.ids import make_id_number
from tiercare.core.synth.names import NameModel
from tiercare.core.synth.region import County, Township, Village
from tiercare.core.synth.rng import Rng

_PHONE_PREFIXES = (130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 157, 158, 159, 177, 180, 181, 186, 187, 188, 189, 199)


@dataclass(slots=True)
class Person:
    """One true person (真实个人); ``pid`` is the ground-truth person id."""

    pid: str
    household: str
    village: str
    name: str
    surname: str
    male: bool
    birth: date
    id_number: str
    phone: str
    insurance: str  # employee | resident | none
    registered: bool  # 户籍 here
    resident: bool  # 常住 here
    minority: bool
    age: int  # completed years at the start of the period
    guardian: int = -1  # index (in the chunk) of a parent for children
    twin_of: int = -1
    conditions: dict[str, bool] = field(default_factory=dict)  # condition -> diagnosed


class IdAllocator:
    """Sequence numbers (顺序码) unique per (address code, birth date, sex) in a county:
    township ``k`` of ``n`` owns the k-th slice of the 500 numbers of each parity."""

    def __init__(self, index: int, count: int) -> None:
        self.width = 500 // max(count, 1)
        self.base = index * self.width
        self.used: dict[tuple[str, date, bool], int] = {}

    def next(self, region: str, birth: date, male: bool) -> str:
        key = (region, birth, male)
        k = self.used.get(key, 0)
        if k >= self.width:
            raise RuntimeError("ID sequence block exhausted: lower residents_per_township")
        self.used[key] = k + 1
        seq = 2 * (self.base + k) + (1 if male else 0)
        return make_id_number(region, birth, seq)


def _pyramid_draw(rng: Rng, pop: dict[str, Any], n: int) -> tuple[np.ndarray, np.ndarray]:
    starts = np.asarray(pop["age_group_start"])
    shares = np.asarray(pop["age_group_share"], dtype=float)
    shares = shares / shares.sum()
    g = rng.choice(len(starts), size=n, p=shares)
    ends = np.append(starts[1:], pop["max_age"])
    width = ends[g] - starts[g]
    # Within the open 85+ group ages thin out quickly; squaring a uniform skews them young.
    u = rng.random(n)
    u = np.where(g == len(starts) - 1, u * u, u)
    ages = starts[g] + np.floor(u * width).astype(int)
    male = rng.random(n) < np.asarray(pop["male_share"])[g]
    return ages, male


def _band(value: int, starts: list[int]) -> int:
    i = -1
    for k, s in enumerate(starts):
        if value >= s:
            i = k
    return i


def _households(rng: Rng, pop: dict[str, Any], ages: np.ndarray, male: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign every person to a household; returns (household index, head flag, parent index)."""
    n = len(ages)
    hh = np.full(n, -1)
    parent = np.full(n, -1)
    head = np.zeros(n, dtype=bool)
    married_share = pop["married_share"]
    bands = pop["married_band_start"]
    married = np.zeros(n, dtype=bool)
    for i in range(n):
        b = _band(int(ages[i]), bands)
        if b >= 0 and rng.random() < married_share[b]:
            married[i] = True
    men = sorted(np.flatnonzero(married & male), key=lambda i: ages[i])
    women = sorted(np.flatnonzero(married & ~male), key=lambda i: ages[i])
    k = min(len(men), len(women))
    # Pair the k youngest-to-oldest of each list, dropping the surplus at random.
    men = sorted(rng.choice(men, size=k, replace=False).tolist(), key=lambda i: ages[i]) if k else []
    women = sorted(rng.choice(women, size=k, replace=False).tolist(), key=lambda i: ages[i]) if k else []
    n_hh = 0
    for m, w in zip(men, women, strict=True):
        hh[m] = hh[w] = n_hh
        head[m] = True
        n_hh += 1
    adults = np.flatnonzero((ages >= 18) & (hh < 0))
    joiners = []
    for i in adults.tolist():
        a = int(ages[i])
        if (a < 30 and rng.random() < pop["young_adult_with_parents"]) or (a >= 70 and rng.random() < pop["elder_with_children"]):
            joiners.append(i)
        else:
            hh[i] = n_hh
            head[i] = True
            n_hh += 1
    heads = np.flatnonzero(head)
    order = heads[np.argsort(ages[heads], kind="stable")]
    head_ages = ages[order]
    for i in [*np.flatnonzero(ages < 18).tolist(), *joiners]:
        a = int(ages[i])
        if a >= 70:  # an elder joins a child's household (head 20-45 years younger)
            lo, hi = np.searchsorted(head_ages, [a - 45, a - 20])
        else:
            lo, hi = np.searchsorted(head_ages, [a + 20, a + 46])
        if hi > lo:
            h = int(order[int(rng.integers(lo, hi))])
            hh[i] = hh[h]
            if a < 70:
                parent[i] = h
        else:  # nobody fits: live alone (or, for a child, with the oldest household)
            h = int(order[-1]) if a < 18 and len(order) else -1
            if h >= 0:
                hh[i] = hh[h]
                parent[i] = h
            else:
                hh[i] = n_hh
                head[i] = True
                n_hh += 1
    return hh, head, parent


def generate_residents(
    rng: Rng,
    params: Any,
    names: NameModel,
    county: County,
    township: Township,
    village: Village,
    start: date,
    ids: IdAllocator,
) -> list[Person]:
    """The residents of one village (plus those registered here who live elsewhere)."""
    pop = params.section("population")
    reg = params.section("region")
    n_res = village.residents
    n_away = int(round(n_res * reg["registered_not_resident_share"]))
    n = n_res + n_away
    ages, male = _pyramid_draw(rng, pop, n)
    hh, head, parent = _households(rng, pop, ages, male)
    # Household surname: the head's (husband's) surname; children take their father's.
    hh_surname = names.surname_draw(rng, int(hh.max()) + 1)
    hh_phone = [f"{_PHONE_PREFIXES[int(rng.integers(len(_PHONE_PREFIXES)))]:03d}{int(rng.integers(10**8)):08d}" for _ in range(len(hh_surname))]
    away = np.zeros(n, dtype=bool)
    away[rng.permutation(n)[:n_away]] = True
    migrant = (rng.random(n) < reg["resident_not_registered_share"]) & ~away
    minority_hh = rng.random(len(hh_surname)) < reg["minority_share"]
    out: list[Person] = []
    for i in range(n):
        a = int(ages[i])
        birth = start - timedelta(days=int(a * 365.25 + rng.integers(1, 365)))
        h = int(hh[i])
        m = bool(male[i])
        minority = bool(minority_hh[h])
        if minority:
            name = names.minority(rng, m)
            surname = ""
        else:
            if head[i] or parent[i] >= 0 or rng.random() < 0.5:
                surname = hh_surname[h]
            else:  # a wife keeps her own surname
                surname = names.surname_draw(rng, 1)[0]
            name = surname + names.given(rng, m, birth.year)
        region_code = county.foreign_codes[int(rng.integers(len(county.foreign_codes)))] if migrant[i] else county.code
        id_number = ids.next(region_code, birth, m)
        if a >= 18 and rng.random() < pop["phone_share_adult"] and not (rng.random() < pop["household_phone_shared"]):
            phone = f"{_PHONE_PREFIXES[int(rng.integers(len(_PHONE_PREFIXES)))]:03d}{int(rng.integers(10**8)):08d}"
        else:
            phone = hh_phone[h]  # children and some adults give the household's number
        u = rng.random()
        if u < pop["uninsured_share"]:
            ins = "none"
        elif 18 <= a < 60:
            ins = "employee" if rng.random() < pop["employee_insurance_share_working_age"] else "resident"
        elif a >= 60:
            ins = "employee" if rng.random() < pop["employee_insurance_share_retired"] else "resident"
        else:
            ins = "resident"
        out.append(Person(
            pid=f"{village.code}-{i + 1:05d}", household=f"{village.code}-h{h + 1:05d}", village=village.code,
            name=name, surname=surname, male=m, birth=birth, id_number=id_number, phone=phone, insurance=ins,
            registered=not migrant[i], resident=not away[i], minority=minority, age=a, guardian=int(parent[i]),
        ))
    # Twins (双胞胎): a share of children get a same-birthday sibling in the household.
    for i, p in enumerate(out):
        if p.age < 18 and p.guardian >= 0 and rng.random() < pop["twin_rate"]:
            for j, q in enumerate(out):
                if j != i and q.household == p.household and q.age < 18 and q.twin_of < 0 and p.twin_of < 0:
                    q.birth = p.birth
                    q.age = p.age
                    q.id_number = ids.next(q.id_number[:6], q.birth, q.male)
                    p.twin_of, q.twin_of = j, i
                    break
    return out
