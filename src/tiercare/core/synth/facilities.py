"""Facilities (医疗卫生机构) and staff (医务人员) of the synthetic region.

Tiers follow DOMAIN.md: 村卫生室 / 社区卫生服务站 per village or community, 乡镇卫生院 /
社区卫生服务中心 per township or street (together 基层, primary level), per county a
general (县人民医院), TCM (县中医院) and maternal-child hospital (妇幼保健院), city
tertiary hospitals in the urban district, and a CDC (疾控中心) per county and city. The
county general hospital leads the county's 医共体 (its township centres and their village
clinics are members). Staff numbers follow the planning densities in [staff].
"""

from __future__ import annotations

import numpy as np

from tiercare.core.synth.names import NameModel
from tiercare.core.synth.params import Params
from tiercare.core.synth.region import County, Facility, Region, Staff, build_geography
from tiercare.core.synth.rng import Rng

_KIND_NAMES = {"general": "人民医院", "tcm": "中医院", "mch": "妇幼保健院"}
_TITLES = {"resident": "住院医师", "attending": "主治医师", "associate_chief": "副主任医师", "chief": "主任医师"}
_NURSE_TITLES = ("护士", "护师", "主管护师", "副主任护师")


def _facilities(params: Params, city_name: str, counties: tuple[County, ...], residents: int) -> dict[str, Facility]:
    fac = params.section("facilities")
    dep = params.section("departments")
    beds = fac["beds_per_1000"]
    out: dict[str, Facility] = {}

    def add(f: Facility) -> None:
        out[f.id] = f

    district = counties[0]
    n_city = max(1, min(len(fac["city_tertiary_names"]), round(residents / 1e6 * fac["city_tertiary_per_million"])))
    city_beds = int(round(residents * beds["city"] / 1000 / n_city))
    for i in range(n_city):
        fid = f"h-{district.code}-t{i + 1}"
        add(Facility(fid, fac["city_tertiary_names"][i], "city", "tertiary", district.code, district.townships[0].code, "",
                     district.lat + 0.01 * i, district.lon - 0.01 * i, max(city_beds, 20), tuple(dep["city"]), "", ""))
    add(Facility(f"cdc-{district.code[:4]}", city_name + "疾病预防控制中心", "public-health", "cdc", district.code, "", "",
                 district.lat, district.lon + 0.02, 0, (), "", ""))
    for c in counties:
        cpop = sum(v.residents for t in c.townships for v in t.villages)
        lead = f"h-{c.code}-general"
        cbeds = int(round(cpop * beds["county"] / 1000))
        for kind, share in (("general", 0.6), ("tcm", 0.25), ("mch", 0.15)):
            add(Facility(f"h-{c.code}-{kind}", c.name + _KIND_NAMES[kind], "county", kind, c.code, c.townships[0].code, "",
                         c.lat + (0.004 if kind == "tcm" else 0.0), c.lon + (0.004 if kind == "mch" else 0.0),
                         max(10, int(cbeds * share)), tuple(dep[kind]), lead, ""))
        add(Facility(f"cdc-{c.code}", c.name + "疾病预防控制中心", "public-health", "cdc", c.code, "", "",
                     c.lat - 0.004, c.lon, 0, (), "", f"cdc-{district.code[:4]}"))
        for t in c.townships:
            tpop = sum(v.residents for v in t.villages)
            tid = f"f-{t.code}"
            tname = t.name + ("社区卫生服务中心" if t.urban else "卫生院")
            add(Facility(tid, tname, "township", "chc" if t.urban else "thc", c.code, t.code, "", t.lat, t.lon,
                         int(round(tpop * beds["township"] / 1000)), tuple(dep["township"]), lead, lead))
            for v in t.villages:
                vname = v.name + ("社区卫生服务站" if v.urban else "卫生室")
                add(Facility(f"f-{v.code}", vname, "village", "chs_station" if v.urban else "village_clinic", c.code, t.code,
                             v.code, v.lat, v.lon, 0, tuple(dep["village"]), lead, tid))
    return out


def _staff(params: Params, facilities: dict[str, Facility], residents: int, names: NameModel, seed: int) -> list[Staff]:
    st = params.section("staff")
    rng = Rng(seed, 2)
    by_tier: dict[str, list[Facility]] = {}
    for f in facilities.values():
        by_tier.setdefault(f.tier, []).append(f)
    titles = list(st["titles"])
    title_p = np.asarray([st["titles"][k] for k in titles], dtype=float)
    title_p /= title_p.sum()
    out: list[Staff] = []

    def weight(f: Facility) -> float:
        return float(max(f.beds, 5))

    def emit(f: Facility, role: str, n: int) -> None:
        for _ in range(n):
            male = bool(rng.random() < (0.45 if role in ("doctor", "gp", "village-doctor") else 0.03))
            birth_year = int(rng.integers(1962, 2000))
            name = names.surname_draw(rng, 1)[0] + names.given(rng, male, birth_year)
            if role == "nurse":
                title = _NURSE_TITLES[int(rng.integers(len(_NURSE_TITLES)))]
                spec = "护理"
            elif role == "gp":
                title, spec = _TITLES[titles[int(rng.choice(len(titles), p=title_p))]], "全科医学"
            elif role == "village-doctor":
                title, spec = "乡村医生", "全科"
            else:
                title = _TITLES[titles[int(rng.choice(len(titles), p=title_p))]]
                spec = f.departments[int(rng.integers(len(f.departments)))] if f.departments else "公共卫生"
            out.append(Staff(f"pr-{f.id}-{len(out) + 1}", name, male, f.id, role, title, spec))

    def spread(tier: str, total: int, role: str) -> None:
        facs = sorted(by_tier.get(tier, []), key=lambda f: f.id)
        if not facs:
            return
        w = np.asarray([weight(f) for f in facs])
        counts = np.floor(w / w.sum() * total).astype(int)
        for f, n in zip(facs, counts, strict=True):
            emit(f, role, max(1, int(n)))

    doctors = residents * st["doctors_per_1000"] / 1000
    nurses = residents * st["nurses_per_1000"] / 1000
    gps = int(round(residents * st["gps_per_10000"] / 10000))
    for tier in ("city", "county", "township"):
        n_doc = int(round(doctors * st["doctor_share"][tier])) - (gps if tier == "township" else 0)
        spread(tier, max(n_doc, 0), "doctor")
        spread(tier, int(round(nurses * st["nurse_share"][tier])), "nurse")
    spread("township", gps, "gp")
    for f in sorted(by_tier.get("village", []), key=lambda f: f.id):
        n = int(st["village_doctors_per_village"]) + int(rng.random() < st["village_doctors_per_village"] % 1)
        emit(f, "village-doctor", max(1, n))
    for f in sorted(by_tier.get("public-health", []), key=lambda f: f.id):
        emit(f, "doctor", 3)
    return out


def build_region(params: Params, residents: int, seed: int) -> Region:
    """The whole region: geography, facilities and staff. Small (thousands of objects)
    even for a city of millions, so it is built in memory once."""
    city_name, counties = build_geography(params, residents, seed)
    facilities = _facilities(params, city_name, counties, residents)
    names = NameModel.from_params(params.section("names"))
    staff = _staff(params, facilities, residents, names, seed)
    region = Region(counties[0].code[:4] + "00", city_name, counties, facilities, staff)
    for f in facilities.values():
        if f.tier == "village":
            region.village_clinic[f.village] = f.id
        elif f.tier == "township":
            region.township_centre[f.township] = f.id
        elif f.tier == "county":
            region.county_hospitals.setdefault(f.county, {})[f.kind] = f.id
    region.city_hospitals = tuple(sorted(f.id for f in facilities.values() if f.tier == "city"))
    for s in staff:
        if s.role != "nurse":
            region.staff_by_facility.setdefault(s.facility, []).append(s.id)
    return region
