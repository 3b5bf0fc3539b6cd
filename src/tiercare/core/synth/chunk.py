"""One chunk of the region (a village or community, 村/社区): its residents and everything
that happens to them in the period, as serialised FHIR resources and ground-truth rows.

Chunks are independent given the region-level context (region, calendar, outbreak plan):
each draws from its own PCG64 stream seeded by (master seed, village code), so the output
of a chunk does not depend on which chunks ran before it or in which process. Villages of
one township share the township's ID-number block and run in code order.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import orjson

from tiercare.core.synth import fhir
from tiercare.core.synth.calendar import Calendar
from tiercare.core.synth.care import (
    COUNTY,
    PRIMARY,
    Visit,
    allocate,
    allocation_quotas,
    contract_groups,
    contract_probability,
    draw_conditions,
    managed,
    visit_weights,
)
from tiercare.core.synth.chronic import plan_followups
from tiercare.core.synth.encounters import emit_visit
from tiercare.core.synth.infectious import Outbreak, daily_cases, disease_active
from tiercare.core.synth.names import NameModel
from tiercare.core.synth.params import Params
from tiercare.core.synth.population import IdAllocator, Person, generate_residents
from tiercare.core.synth.records import RecordMaker
from tiercare.core.synth.region import County, Region, Township, Village
from tiercare.core.synth.rng import Rng


@dataclass
class Context:
    """Region-level inputs shared by every chunk (read-only)."""

    params: Params
    region: Region
    calendar: Calendar
    start: date
    n_days: int
    seed: int
    outbreaks: list[Outbreak]
    names: NameModel = field(init=False)
    records: RecordMaker = field(init=False)
    by_village: dict[str, list[tuple[Outbreak, dict[int, int]]]] = field(init=False)
    insurer_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.names = NameModel.from_params(self.params.section("names"))
        nm = self.params.section("names")
        self.records = RecordMaker(self.params.section("registration"), nm["male_chars"] + nm["female_chars"])
        self.by_village = {}
        for ob in self.outbreaks:
            for vcode, days in ob.cases.items():
                self.by_village.setdefault(vcode, []).append((ob, days))
        self.insurer_id = f"ins-{self.region.city_code}"


@dataclass
class ChunkOut:
    lines: dict[str, list[bytes]] = field(default_factory=dict)
    persons: list[list[Any]] = field(default_factory=list)
    patients: list[list[Any]] = field(default_factory=list)
    cases: list[list[Any]] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)


def township_chunks(ctx: Context, county: County, township: Township) -> Iterator[ChunkOut]:
    """The chunks of one township, in village-code order."""
    ids = IdAllocator(township.index_in_county, len(county.townships))
    for village in township.villages:
        yield _VillageBuilder(ctx, county, township, village, ids).run()


class _VillageBuilder:
    def __init__(self, ctx: Context, county: County, township: Township, village: Village, ids: IdAllocator) -> None:
        self.ctx = ctx
        self.p = ctx.params
        self.county = county
        self.township = township
        self.village = village
        self.ids = ids
        self.rng = Rng(ctx.seed, 3, int(village.code))
        self.out = ChunkOut()
        self.seq: Counter[str] = Counter()
        self.records: dict[tuple[int, str], str] = {}
        self.region = ctx.region
        self.primary_village = ctx.region.village_clinic[village.code]
        self.primary_township = ctx.region.township_centre[township.code]
        self.address = f"{ctx.region.city_name}{county.name}{township.name}{village.name}"
        # Parameter sections read per visit, looked up once.
        self.care = self.p.section("care")
        self.referral = self.p.section("referral")
        self.free_text = self.p.section("free_text")

    # ---- helpers
    def emit(self, resource: dict[str, Any]) -> None:
        self.out.lines.setdefault(resource["resourceType"], []).append(orjson.dumps(resource))
        self.out.stats["resources." + resource["resourceType"]] += 1

    def next_id(self, prefix: str) -> str:
        self.seq[prefix] += 1
        return f"{prefix}-{self.village.code}-{self.seq[prefix]}"

    def moment(self, day: int, hour_lo: int = 8, hour_hi: int = 17) -> datetime:
        d = self.ctx.start + timedelta(days=int(day))
        secs = int(self.rng.integers(hour_lo * 3600, hour_hi * 3600))
        return datetime.combine(d, time()) + timedelta(seconds=secs)

    def role_at(self, facility: str) -> str | None:
        staff = self.region.staff_by_facility.get(facility)
        if not staff:
            return None
        return "role-" + staff[int(self.rng.integers(len(staff)))]

    def record(self, i: int, facility: str, tier: str) -> str:
        """The Patient id of person ``i`` at ``facility``, registering them on first contact."""
        key = (i, facility)
        rid = self.records.get(key)
        if rid is not None:
            return rid
        person = self.persons[i]
        h = hashlib.blake2b(f"{self.ctx.seed}|{facility}|{person.pid}".encode(), digest_size=8).hexdigest()
        rid = "pt-" + h
        guardian = self.persons[person.guardian] if person.guardian >= 0 else None
        rec, errors = self.ctx.records.make(self.rng, person, tier, facility, str(int(h[:10], 16) % 10**8),
                                            self.county.code, self.address, guardian, self.ctx.start)
        self.emit(fhir.patient(rid, rec))
        self.out.patients.append([rid, person.pid, facility, tier, ";".join(errors)])
        self.out.stats["patients"] += 1
        self.out.stats[f"patients.{tier}"] += 1
        if any(e not in ("missing_id", "missing_phone") for e in errors):
            self.out.stats[f"patients.{tier}.with_errors"] += 1
        self.records[key] = rid
        return rid

    # ---- the steps
    def run(self) -> ChunkOut:
        ctx = self.ctx
        self.persons = generate_residents(self.rng, self.p, ctx.names, self.county, self.township, self.village, ctx.start, self.ids)
        draw_conditions(self.rng, self.p, self.persons)
        self.out.stats["persons"] += len(self.persons)
        self.active = [i for i, q in enumerate(self.persons) if q.resident]
        for i, _q in enumerate(self.persons):  # 居民健康档案 at the township centre, for everyone
            self.record(i, self.primary_township, "township")
        self.households()
        visits: list[Visit] = []
        managed_by: dict[int, list[str]] = {}
        contracted: set[int] = set()
        self.pregnancies = self.draw_pregnancies()
        for i in self.active:
            q = self.persons[i]
            m = managed(self.rng, self.p, q)
            managed_by[i] = m
            self.chronic_conditions(i)
            groups = contract_groups(q, m, i in self.pregnancies)
            if self.rng.random() < contract_probability(self.p, groups):
                contracted.add(i)
                self.contract(i, groups)
            self.stat_groups(q, m, i in contracted, i in self.pregnancies)
        for i in self.active:
            visits += plan_followups(self, i, managed_by[i])
        visits += self.key_group_visits()
        visits += self.antenatal_visits()
        visits += self.infectious_visits()
        visits += self.ordinary_visits(len(visits))
        self.allocate_and_emit(visits)
        self.truth_persons(managed_by, contracted)
        return self.out

    def households(self) -> None:
        members: dict[str, list[str]] = {}
        for i, q in enumerate(self.persons):
            members.setdefault(q.household, []).append(self.records[(i, self.primary_township)])
            if q.insurance != "none":
                cov = "cov-" + self.records[(i, self.primary_township)][3:]
                self.emit(fhir.coverage(cov, self.records[(i, self.primary_township)], q.insurance, self.ctx.insurer_id, self.ctx.start))
        for hid, m in members.items():
            self.emit(fhir.household_group(hid, m))

    def chronic_conditions(self, i: int) -> None:
        q = self.persons[i]
        chronic = self.p.section("chronic")
        for cond, diagnosed in q.conditions.items():
            if not diagnosed:
                continue
            c = chronic[cond]
            years_ago = int(self.rng.integers(30, 3650))
            onset = self.ctx.start - timedelta(days=years_ago)
            recorded = datetime.combine(onset + timedelta(days=int(self.rng.integers(0, 60))), time(9))
            self.emit(fhir.condition(self.next_id("cond"), self.records[(i, self.primary_township)], c["code"], c["display"],
                                     onset, recorded, snomed=c["snomed"]))

    def contract(self, i: int, groups: list[str]) -> None:
        gp = self.role_at(self.primary_township)
        end = date(self.ctx.start.year + 1, self.ctx.start.month, self.ctx.start.day)
        self.emit(fhir.care_plan(self.next_id("cp"), self.records[(i, self.primary_township)], gp, self.primary_township,
                                 self.ctx.start, end, groups))

    def draw_pregnancies(self) -> dict[int, int]:
        """Women of 20-39 who deliver in (or just after) the period: person -> delivery day.
        Their number follows the crude birth rate; antenatal care is planned from it."""
        kg = self.p.section("key_groups")
        women = [i for i in self.active if not self.persons[i].male and 20 <= self.persons[i].age < 40]
        if not women:
            return {}
        span = self.ctx.n_days + kg["gestation_days"]
        expected = self.p["population"]["births_per_1000"] / 1000.0 * len(self.active) * span / 365.0
        n = min(len(women), int(self.rng.poisson(expected)))
        chosen = self.rng.choice(len(women), size=n, replace=False) if n else []
        return {women[int(k)]: int(self.rng.integers(0, span)) for k in chosen}

    def antenatal_visits(self) -> list[Visit]:
        """产前检查: visits at the weeks of the spec (first at 13 weeks, then 16-20, 21-24,
        28-36, 37-40); the first two at the township centre, the rest at the county
        maternal-child hospital. Most women have all five, some fewer."""
        kg = self.p.section("key_groups")
        out: list[Visit] = []
        for i, delivery in sorted(self.pregnancies.items()):
            conception = delivery - kg["gestation_days"]
            weeks = kg["antenatal_weeks"]
            n = len(weeks) if self.rng.random() < kg["antenatal_five_share"] else int(self.rng.integers(1, len(weeks)))
            for k, (lo, hi) in enumerate(weeks[:n]):
                day = conception + int(self.rng.integers(lo * 7, hi * 7 + 1))
                if 0 <= day < self.ctx.n_days:
                    tier = PRIMARY if k < 2 else COUNTY
                    out.append(Visit(i, day, False, ("Z34.9", "孕产妇产前检查"), 0.0, "antenatal", tier, {"hospital": "mch"}))
                    self.out.stats["antenatal_visits"] += 1
            self.out.stats["pregnancies.antenatal_5"] += n >= len(weeks)
        return out

    def stat_groups(self, q: Person, m: list[str], contracted: bool, pregnant: bool = False) -> None:
        s = self.out.stats
        s["residents"] += 1
        s["contracts"] += contracted
        if q.age >= 18:
            s["adults"] += 1
        for g in contract_groups(q, m, pregnant):
            s[f"group.{g}"] += 1
            s[f"group.{g}.contracted"] += contracted
        for cond, diag in q.conditions.items():
            s[f"chronic.{cond}.true"] += 1
            s[f"chronic.{cond}.diagnosed"] += diag
        for cond in m:
            s[f"chronic.{cond}.managed"] += 1

    def key_group_visits(self) -> list[Visit]:
        kg = self.p.section("key_groups")
        years = self.ctx.n_days / 365.0
        out: list[Visit] = []
        for i in self.active:
            q = self.persons[i]
            if q.age >= 65:
                for y in range(max(1, int(round(years)))):
                    if self.rng.random() < kg["elderly_check_share"]:
                        day = min(self.ctx.n_days - 1, y * 365 + int(self.rng.integers(60, 300)))
                        out.append(Visit(i, day, False, ("Z00.0", "老年人健康体检"), 0.0, "elderly-check", PRIMARY))
                        self.out.stats["elderly_checks"] += 1
            if q.age <= 6:
                per_year = 4 if q.age < 1 else (2 if q.age < 3 else 1)
                for _ in range(int(round(per_year * years))):
                    if self.rng.random() < kg["child_check_share"]:
                        out.append(Visit(i, int(self.rng.integers(self.ctx.n_days)), False, ("Z00.1", "儿童健康检查"), 0.0, "child-check", PRIMARY))
                        self.out.stats["child_checks"] += 1
                age_days_start = (self.ctx.start - q.birth).days
                for dose in kg["immunizations"]:
                    due = int(dose["months"] * 30.4) - age_days_start + int(self.rng.integers(0, 14))
                    if 0 <= due < self.ctx.n_days and self.rng.random() < kg["immunization_coverage"]:
                        out.append(Visit(i, due, False, ("Z23", "预防接种"), 0.0, "immunization", PRIMARY, {"vaccine": dose["code"]}))
        return out

    def infectious_visits(self) -> list[Visit]:
        inf = self.p.section("infectious")
        cal = self.ctx.calendar
        out: list[Visit] = []
        ages = np.asarray([self.persons[i].age for i in self.active])
        for d in inf["disease"]:
            lo, hi = d.get("min_age", 0), d.get("max_age", 200)
            eligible = [self.active[k] for k in np.flatnonzero((ages >= lo) & (ages <= hi))]
            if not eligible:
                continue
            counts = daily_cases(self.rng, cal, len(eligible), d["incidence"], d["peak_day"], d["amplitude"],
                                 hi <= 18, self.p["infectious"]["school_holiday_multiplier_children"])
            for day in np.flatnonzero(counts).tolist():
                if not disease_active(d, cal.dates[int(day)]):
                    continue
                for _ in range(int(counts[day])):
                    i = eligible[int(self.rng.integers(len(eligible)))]
                    out.append(Visit(i, int(day), False, (d["icd10"], d["name"]), 0.5, "infectious", self.notifiable_tier(), {"disease": d}))
        for s in inf["syndrome"]:
            counts = daily_cases(self.rng, cal, len(self.active), s["per_100k_day"] * 365, s["peak_day"], s["amplitude"], False, 1.0)
            for day in np.flatnonzero(counts).tolist():
                for _ in range(int(counts[day])):
                    i = self.active[int(self.rng.integers(len(self.active)))]
                    out.append(Visit(i, int(day), False, (s["icd10"], s["name"]), 0.1 + 0.2 * float(self.rng.random()), "syndrome", None, {"syndrome": s["key"]}))
        diseases = {d["key"]: d for d in inf["disease"]}
        for ob, days in self.ctx.by_village.get(self.village.code, []):
            d = diseases[ob.disease]
            lo, hi = d.get("min_age", 0), d.get("max_age", 200)
            eligible = [i for i in self.active if lo <= self.persons[i].age <= hi] or self.active
            for day, n in sorted(days.items()):
                for _ in range(n):
                    i = eligible[int(self.rng.integers(len(eligible)))]
                    out.append(Visit(i, day, False, (d["icd10"], d["name"]), 0.5, "infectious", self.notifiable_tier(),
                                     {"disease": d, "outbreak": ob.id}))
        return out

    def notifiable_tier(self) -> str:
        """Notifiable cases are diagnosed and reported inside the region: mostly at the
        county hospitals (direct network reporting units), the rest at township centres."""
        share = self.p["infectious"]["diagnosed_at_county_share"]
        return COUNTY if self.rng.random() < share else PRIMARY

    def ordinary_visits(self, planned: int) -> list[Visit]:
        care = self.p.section("care")
        years = self.ctx.n_days / 365.0
        n_active = len(self.active)
        w = visit_weights(self.p, self.persons, self.active)
        total_target = care["outpatient_visits_per_person"] * n_active * years
        free_total = max(0.0, total_target - planned)
        lam = w / w.sum() * free_total if w.sum() > 0 else w
        counts = self.rng.poisson(lam)
        reasons = care["reasons"]
        rw = np.asarray([r["weight"] for r in reasons], dtype=float)
        rw /= rw.sum()
        chronic = self.p.section("chronic")
        out: list[Visit] = []
        n = int(counts.sum())
        days = self.ctx.calendar.draw_days(self.rng, n)
        pick = self.rng.choice(len(reasons), size=n, p=rw)
        noise = self.rng.normal(0.0, 0.15, size=n)
        k = 0
        for idx, c in zip(self.active, counts.tolist(), strict=True):
            q = self.persons[idx]
            diag = [cond for cond, dd in q.conditions.items() if dd]
            for _ in range(c):
                if diag and self.rng.random() < 0.4:
                    cond = diag[int(self.rng.integers(len(diag)))]
                    reason, sev = (chronic[cond]["code"], chronic[cond]["display"]), 0.35
                else:
                    r = reasons[int(pick[k])]
                    reason, sev = (r["code"], r["display"]), r["severity"]
                out.append(Visit(idx, int(days[k]), False, reason, sev + q.age / 300.0 + float(noise[k]), "outpatient"))
                k += 1
        # Admissions (住院): Poisson per person, the most severe reasons.
        adm = self.rng.poisson(w / w.mean() * care["admission_rate"] * years) if n_active else np.zeros(0, dtype=int)
        sev_order = np.argsort([-r["severity"] for r in reasons])
        for idx, c in zip(self.active, adm.tolist(), strict=True):
            for _ in range(c):
                r = reasons[int(sev_order[int(self.rng.integers(0, len(reasons) // 2))])]
                out.append(Visit(idx, int(self.ctx.calendar.draw_days(self.rng, 1)[0]), True, (r["code"], r["display"]),
                                 r["severity"] * care["inpatient_severity_boost"] + float(self.rng.normal(0, 0.2)), "inpatient"))
        return out

    def allocate_and_emit(self, visits: list[Visit]) -> None:
        care = self.p.section("care")
        district = self.county.code == self.region.counties[0].code
        outp = [v for v in visits if not v.inpatient]
        inp = [v for v in visits if v.inpatient]
        allocate(outp, allocation_quotas(len(outp), district, care["county_retention_target"], care["primary_share_target"],
                                         care["city_share_of_out_of_county"]))
        allocate(inp, allocation_quotas(len(inp), district, care["inpatient_county_retention_target"],
                                        care["inpatient_primary_share_target"], care["city_share_of_out_of_county"]))
        for v in sorted(visits, key=lambda v: (v.day, v.person)):
            emit_visit(self, v, district)

    def truth_persons(self, managed_by: dict[int, list[str]], contracted: set[int]) -> None:
        for i, q in enumerate(self.persons):
            self.out.persons.append([
                q.pid, q.household, q.village, self.township.code, self.county.code, q.name, "M" if q.male else "F",
                q.birth.isoformat(), q.id_number, q.phone, int(q.registered), int(q.resident), int(q.minority), q.insurance,
                self.persons[q.twin_of].pid if q.twin_of >= 0 else "",
                ";".join(sorted(q.conditions)), ";".join(sorted(c for c, d in q.conditions.items() if d)),
                ";".join(managed_by.get(i, [])), int(i in contracted),
            ])


PERSON_COLUMNS = ["person_id", "household_id", "village", "township", "county", "name", "sex", "birth_date", "id_number",
                  "phone", "registered", "resident", "minority", "insurance", "twin_of", "conditions_true",
                  "conditions_diagnosed", "conditions_managed", "contracted"]
PATIENT_COLUMNS = ["patient_id", "person_id", "facility", "tier", "errors"]
CASE_COLUMNS = ["condition_id", "disease", "outbreak_id", "onset", "diagnosed", "reported", "late"]

__all__ = ["CASE_COLUMNS", "PATIENT_COLUMNS", "PERSON_COLUMNS", "ChunkOut", "Context", "township_chunks"]
