"""The region (行政区划与机构): a city -> its urban district and counties -> townships and
streets -> villages and communities, with GB/T 2260 codes (6 digits; 9 with the
township per GB/T 10114; 12 with the village, statistics code), fictional names,
coordinates, and the facilities of every tier with their 医共体 membership, beds,
departments and staff.

Code ranges follow GB/T 2260 practice: district codes 01-20 and county codes 21-80
inside the prefecture; streets 001-099 and towns 100-199 inside a county; communities
001-199 and villages 200-399 inside a township.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tiercare.core.synth.params import Params
from tiercare.core.synth.rng import Rng

TIERS = ("village", "township", "county", "city")


@dataclass(frozen=True)
class Village:
    """村/社区 (village or community): one chunk of residents is generated per village."""

    code: str
    name: str
    urban: bool
    lat: float
    lon: float
    township: str
    county: str
    residents: int
    index: int  # global index: chunk seeds derive from the code, this only orders output


@dataclass(frozen=True)
class Township:
    """乡镇/街道 (township, town or street)."""

    code: str
    name: str
    urban: bool
    lat: float
    lon: float
    county: str
    index_in_county: int
    villages: tuple[Village, ...]


@dataclass(frozen=True)
class County:
    """县/区 (county or urban district)."""

    code: str
    name: str
    district: bool
    lat: float
    lon: float
    townships: tuple[Township, ...]
    foreign_codes: tuple[str, ...]  # address codes of people born outside the region


@dataclass(frozen=True)
class Facility:
    """A health facility (医疗卫生机构) of one tier; ``alliance`` is its 医共体 lead."""

    id: str
    name: str
    tier: str  # village | township | county | city | public-health
    kind: str  # village_clinic, chs_station, thc, chc, general, tcm, mch, tertiary, cdc
    county: str
    township: str
    village: str
    lat: float
    lon: float
    beds: int
    departments: tuple[str, ...]
    alliance: str
    parent: str


@dataclass(frozen=True)
class Staff:
    """A practitioner (医务人员) with one role at one facility."""

    id: str
    name: str
    male: bool
    facility: str
    role: str  # doctor | nurse | gp | village-doctor
    title: str
    specialty: str


@dataclass
class Region:
    city_code: str
    city_name: str
    counties: tuple[County, ...]
    facilities: dict[str, Facility]
    staff: list[Staff]
    # lookups
    village_clinic: dict[str, str] = field(default_factory=dict)  # village code -> facility id
    township_centre: dict[str, str] = field(default_factory=dict)  # township code -> facility id
    county_hospitals: dict[str, dict[str, str]] = field(default_factory=dict)  # county -> kind -> id
    city_hospitals: tuple[str, ...] = ()
    staff_by_facility: dict[str, list[str]] = field(default_factory=dict)

    @property
    def villages(self) -> list[Village]:
        return [v for c in self.counties for t in c.townships for v in t.villages]

    @property
    def residents(self) -> int:
        return sum(v.residents for v in self.villages)

    def county_of(self, code: str) -> County:
        for c in self.counties:
            if c.code == code:
                return c
        raise KeyError(code)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance; road distance is ~1.3x in hilly counties."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _split(rng: Rng, total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` positive sizes with realistic spread (lognormal)."""
    w = rng.lognormal(0.0, 0.35, size=parts)
    raw = w / w.sum() * total
    sizes = np.maximum(1, np.floor(raw)).astype(int)
    rest = total - int(sizes.sum())
    order = np.argsort(-(raw - np.floor(raw)))
    i = 0
    while rest != 0:
        j = int(order[i % parts])
        if rest > 0:
            sizes[j] += 1
            rest -= 1
        elif sizes[j] > 1:
            sizes[j] -= 1
            rest += 1
        i += 1
    return [int(s) for s in sizes]


class _Namer:
    """Fictional two-character place names, unique within the region."""

    def __init__(self, rng: Rng, first: list[str], second: list[str]) -> None:
        combos = [a + b for a in first for b in second]
        self._pool = [combos[i] for i in rng.permutation(len(combos))]
        self._i = 0

    def next(self) -> str:
        name: str = self._pool[self._i % len(self._pool)]
        if self._i >= len(self._pool):  # more places than combinations: number them
            name += str(self._i // len(self._pool) + 1)
        self._i += 1
        return name


def _jitter(rng: Rng, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    r = radius_km * math.sqrt(float(rng.random()))
    a = 2 * math.pi * float(rng.random())
    dlat = r * math.cos(a) / 111.0
    dlon = r * math.sin(a) / (111.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def build_geography(params: Params, residents: int, seed: int) -> tuple[str, tuple[County, ...]]:
    """Administrative divisions sized for ``residents``; deterministic in ``seed``."""
    reg = params.section("region")
    rng = Rng(seed, 1)
    parts = reg["name_parts"]
    namer = _Namer(rng, parts["first"], parts["second"])
    city6 = reg["province_code"] + reg["city_code"]
    n_counties = int(min(reg["max_counties"], max(reg["min_counties"], round(residents * (1 - reg["district_share"]) / reg["residents_per_county"]))))
    district_pop = int(round(residents * reg["district_share"]))
    county_pops = _split(rng, residents - district_pop, n_counties)
    counties: list[County] = []
    vindex = 0
    for ci, pop in enumerate([district_pop, *county_pops]):
        district = ci == 0
        code = city6[:4] + (f"{2:02d}" if district else f"{20 + ci:02d}")
        angle = 2 * math.pi * ci / (n_counties + 1)
        dist = 0.0 if district else 35.0 + 15.0 * float(rng.random())
        clat = reg["center_lat"] + dist * math.cos(angle) / 111.0
        clon = reg["center_lon"] + dist * math.sin(angle) / (111.0 * math.cos(math.radians(reg["center_lat"])))
        cname = namer.next() + (parts["district_suffix"] if district else parts["county_suffix"])
        n_town = max(int(reg["min_townships"]), round(pop / reg["residents_per_township"]))
        town_pops = _split(rng, pop, n_town)
        townships: list[Township] = []
        n_streets = 0
        n_towns = 0
        for ti, tpop in enumerate(town_pops):
            urban = district or ti == 0  # the county seat is a street (街道)
            if urban:
                n_streets += 1
                tcode = code + f"{n_streets:03d}"
                tname = namer.next() + parts["street_suffix"]
            else:
                n_towns += 1
                tcode = code + f"{100 + n_towns:03d}"
                tname = namer.next() + parts["town_suffix"][int(rng.integers(len(parts["town_suffix"])))]
            tlat, tlon = (clat, clon) if ti == 0 else _jitter(rng, clat, clon, 20.0 if not district else 6.0)
            n_vil = max(int(reg["min_villages"]), round(tpop / reg["residents_per_village"]))
            villages = []
            for vi, vpop in enumerate(_split(rng, tpop, n_vil)):
                vcode = tcode + (f"{vi + 1:03d}" if urban else f"{200 + vi + 1:03d}")
                vname = namer.next() + (parts["community_suffix"] if urban else parts["village_suffix"])
                vlat, vlon = _jitter(rng, tlat, tlon, 2.0 if urban else 6.0)
                villages.append(Village(vcode, vname, urban, vlat, vlon, tcode, code, vpop, vindex))
                vindex += 1
            townships.append(Township(tcode, tname, urban, tlat, tlon, code, ti, tuple(villages)))
        # Birthplace codes outside the region, distinct per county so that ID numbers stay
        # unique (GB/T 2260 structure; prefectures 80+ of a neighbouring province are unused).
        foreign = tuple(f"36{80 + ci:02d}{21 + k:02d}" for k in range(3))
        counties.append(County(code, cname, district, round(clat, 5), round(clon, 5), tuple(townships), foreign))
    return reg["city_name"], tuple(counties)
