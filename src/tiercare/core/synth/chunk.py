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
from tiercare.core.synth.dynamics import draw_exits, newborn, newcomer_count
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
        self.roles = {f: ["role-" + s for s in staff] for f, staff in self.region.staff_by_facility.items()}
        self._midnights: dict[int, datetime] = {}

    def midnight(self, day: int) -> datetime:
        """00:00 of period day ``day`` (cached: called for every visit)."""
        m = self._midnights.get(day)
        if m is None:
            m = self._midnights[day] = datetime.combine(self.start + timedelta(days=int(day)), time())
        return m


# timedelta of each second of a day, for moment() (constructing one costs ~0.5 us).
_SECONDS = [timedelta(seconds=k) for k in range(86400)]


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

    def emit_bytes(self, rtype: str, line: bytes) -> None:
        """Emit an already serialised resource (see :mod:`fhirbytes`)."""
        self.out.lines.setdefault(rtype, []).append(line)

    def next_id(self, prefix: str) -> str:
        self.seq[prefix] += 1
        return f"{prefix}-{self.village.code}-{self.seq[prefix]}"

    def moment(self, day: int, hour_lo: int = 8, hour_hi: int = 17) -> datetime:
        secs = hour_lo * 3600 + int(self.rng.u() * ((hour_hi - hour_lo) * 3600))
        return self.ctx.midnight(day) + _SECONDS[secs]

    def role_at(self, facility: str) -> str | None:
        roles = self.ctx.roles.get(facility)
        if not roles:
            return None
        return roles[int(self.rng.u() * len(roles))]

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
        if person.exit_reason == "died" and facility == self.primary_township:
            rec["deceased"] = fhir.dt(self.moment(person.exit_day, 0, 24))  # the health record is closed (死亡销档)
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
        dyn = self.p.section("dynamics")
        self.persons = generate_residents(self.rng, self.p, ctx.names, self.county, self.township, self.village, ctx.start, self.ids)
        draw_conditions(self.rng, self.p, self.persons)
        self.active = [i for i, q in enumerate(self.persons) if q.resident]
        self.household_stats()  # the census snapshot, at the start
        # Who dies or leaves, who is born, who arrives (dynamics.py); visits outside a
        # person's presence interval are dropped in allocate_and_emit.
        draw_exits(self.rng, dyn, self.persons, self.active, ctx.n_days)
        self.pregnancies = self.draw_pregnancies()
        self.births = self.add_births(dyn)
        self.add_newcomers(dyn, len(self.active))
        self.active = [i for i, q in enumerate(self.persons) if q.resident]
        self.out.stats["persons"] += len(self.persons)
        for i, _q in enumerate(self.persons):  # 居民健康档案 at the township centre, for everyone
            self.record(i, self.primary_township, "township")
        self.households()
        visits: list[Visit] = []
        managed_by: dict[int, list[str]] = {}
        contracted: set[int] = set()
        for i in self.active:
            q = self.persons[i]
            m = managed(self.rng, self.p, q)
            managed_by[i] = m
            self.chronic_conditions(i)
            groups = contract_groups(q, m, i in self.pregnancies)
            if self.rng.u() < contract_probability(self.p, groups):
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
        for rtype, lines in self.out.lines.items():
            self.out.stats["resources." + rtype] += len(lines)
        return self.out

    def day_date(self, day: int) -> date:
        return self.ctx.start + timedelta(days=day)

    def household_stats(self) -> None:
        # 家庭户规模 as the census counts it: people living here, per household with any.
        living = Counter(q.household for q in self.persons if q.resident)
        self.out.stats["households.resident"] += len(living)
        self.out.stats["households.resident_members"] += sum(living.values())

    def households(self) -> None:
        members: dict[str, list[tuple[str, str | None, str | None]]] = {}
        n_days = self.ctx.n_days
        for i, q in enumerate(self.persons):
            rid = self.records[(i, self.primary_township)]
            joined = self.day_date(q.entry_day).isoformat() if q.entry_day > 0 else None
            left = self.day_date(q.exit_day).isoformat() if q.exit_day < n_days else None
            members.setdefault(q.household, []).append((rid, joined, left))
            if q.insurance != "none":
                self.emit(fhir.coverage("cov-" + rid[3:], rid, q.insurance, self.ctx.insurer_id, self.day_date(q.entry_day)))
        for hid, m in members.items():
            self.emit(fhir.household_group(hid, m))

    def add_births(self, dyn: dict[str, Any]) -> dict[int, int]:
        """Newborns of the deliveries inside the period (mother -> newborn index)."""
        births: dict[int, int] = {}
        for mother, day in sorted(self.pregnancies.items()):
            if day < self.ctx.n_days and day < self.persons[mother].exit_day:
                births[mother] = len(self.persons)
                self.persons.append(newborn(self.rng, dyn, self.ctx.names, self.persons, mother, day, self.ctx.start, self.ids,
                                            self.county.code, len(self.persons)))
        return births

    def add_newcomers(self, dyn: dict[str, Any], residents: int) -> None:
        """People moving in (迁入) during the period, household by household."""
        k = newcomer_count(self.rng, dyn, residents, self.ctx.n_days)
        if not k:
            return
        offset = len(self.persons)
        new = generate_residents(self.rng, self.p, self.ctx.names, self.county, self.township, self.village, self.ctx.start,
                                 self.ids, newcomers=k, first_index=offset)
        draw_conditions(self.rng, self.p, new)
        arrival: dict[str, int] = {}
        for q in new:
            q.guardian = q.guardian + offset if q.guardian >= 0 else -1
            q.twin_of = q.twin_of + offset if q.twin_of >= 0 else -1
            day = arrival.setdefault(q.household, 1 + int(self.rng.u() * (self.ctx.n_days - 1)))
            q.entry_day, q.entry_reason = day, "moved_in"
        self.persons.extend(new)

    def newborn_record(self, i: int, facility: str, tier: str) -> None:
        """The delivery hospital's record of a newborn before naming (新生儿未取名): the
        placeholder 某某之子/之女 after the mother, her phone, no ID number. The real name
        comes with the health record at the township centre and every later record."""
        key = (i, facility)
        if key in self.records:
            return
        child = self.persons[i]
        mother = self.persons[child.guardian]
        h = hashlib.blake2b(f"{self.ctx.seed}|{facility}|{child.pid}".encode(), digest_size=8).hexdigest()
        rid = "pt-" + h
        rec = {"facility": facility, "mrn": str(int(h[:10], 16) % 10**8), "name": mother.name + ("之子" if child.male else "之女"),
               "family": mother.surname, "gender": "male" if child.male else "female", "birth": child.birth.isoformat(),
               "id_number": None, "phone": mother.phone, "address": self.address, "county": self.county.code}
        self.emit(fhir.patient(rid, rec))
        self.out.patients.append([rid, child.pid, facility, tier, "newborn_placeholder"])
        self.out.stats["patients"] += 1
        self.out.stats[f"patients.{tier}"] += 1
        self.out.stats[f"patients.{tier}.with_errors"] += 1
        self.out.stats["patients.newborn_placeholder"] += 1
        self.records[key] = rid

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
        begin = self.day_date(self.persons[i].entry_day)
        self.emit(fhir.care_plan(self.next_id("cp"), self.records[(i, self.primary_township)], gp, self.primary_township,
                                 begin, max(end, begin + timedelta(days=1)), groups))

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
        chosen: list[int] = self.rng.choice(len(women), size=n, replace=False).tolist() if n else []
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
            n = len(weeks) if self.rng.u() < kg["antenatal_five_share"] else int(self.rng.integers(1, len(weeks)))
            for k, (lo, hi) in enumerate(weeks[:n]):
                day = conception + int(self.rng.integers(lo * 7, hi * 7 + 1))
                if 0 <= day < self.ctx.n_days:
                    tier = PRIMARY if k < 2 else COUNTY
                    out.append(Visit(i, day, False, ("Z34.9", "孕产妇产前检查"), 0.0, "antenatal", tier, {"hospital": "mch"}))
                    self.out.stats["antenatal_visits"] += 1
            if i in self.births:  # 住院分娩: the delivery admission; the newborn's first record is made there
                out.append(Visit(i, delivery, True, ("O80", "单胎顺产"), 0.0, "delivery", COUNTY,
                                 {"hospital": "mch", "newborn": self.births[i]}))
            self.out.stats["pregnancies.antenatal_5"] += n >= len(weeks)
        return out

    def stat_groups(self, q: Person, m: list[str], contracted: bool, pregnant: bool = False) -> None:
        s = self.out.stats
        if q.entry_day == 0:
            s["residents"] += 1  # at the start
        else:
            s[f"dynamics.{q.entry_reason}"] += 1
        if q.exit_day < self.ctx.n_days:
            s[f"dynamics.{q.exit_reason}"] += 1
        s["resident_days"] += min(q.exit_day, self.ctx.n_days) - q.entry_day
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
                    if self.rng.u() < kg["elderly_check_share"]:
                        day = min(self.ctx.n_days - 1, y * 365 + int(self.rng.integers(60, 300)))
                        out.append(Visit(i, day, False, ("Z00.0", "老年人健康体检"), 0.0, "elderly-check", PRIMARY))
                        self.out.stats["elderly_checks"] += 1
            if q.age <= 6:
                per_year = 4 if q.age < 1 else (2 if q.age < 3 else 1)
                for _ in range(int(round(per_year * years))):
                    if self.rng.u() < kg["child_check_share"]:
                        out.append(Visit(i, int(self.rng.integers(self.ctx.n_days)), False, ("Z00.1", "儿童健康检查"), 0.0, "child-check", PRIMARY))
                        self.out.stats["child_checks"] += 1
                age_days_start = (self.ctx.start - q.birth).days
                for dose in kg["immunizations"]:
                    due = int(dose["months"] * 30.4) - age_days_start + int(self.rng.integers(0, 14))
                    if 0 <= due < self.ctx.n_days and self.rng.u() < kg["immunization_coverage"]:
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
                    out.append(Visit(i, int(day), False, (s["icd10"], s["name"]), 0.1 + 0.2 * float(self.rng.u()), "syndrome", None, {"syndrome": s["key"]}))
        diseases = {d["key"]: d for d in inf["disease"]}
        for ob, days in self.ctx.by_village.get(self.village.code, []):
            d = diseases[ob.disease]
            lo, hi = d.get("min_age", 0), d.get("max_age", 200)
            eligible = [i for i in self.active if lo <= self.persons[i].age <= hi] or self.active
            for day, n in sorted(days.items()):
                # Only people there that day (the ground truth counts every extra case).
                here = [i for i in eligible if self.persons[i].entry_day <= day < self.persons[i].exit_day] or eligible
                for _ in range(n):
                    i = here[int(self.rng.integers(len(here)))]
                    out.append(Visit(i, day, False, (d["icd10"], d["name"]), 0.5, "infectious", self.notifiable_tier(),
                                     {"disease": d, "outbreak": ob.id}))
        return out

    def notifiable_tier(self) -> str:
        """Notifiable cases are diagnosed and reported inside the region: mostly at the
        county hospitals (direct network reporting units), the rest at township centres."""
        share = self.p["infectious"]["diagnosed_at_county_share"]
        return COUNTY if self.rng.u() < share else PRIMARY

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
                if diag and self.rng.u() < 0.4:
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
        persons = self.persons
        kept = []
        for v in visits:  # nobody is seen before birth or arrival, nor after death or leaving
            q = persons[v.person]
            if q.entry_day <= v.day < q.exit_day:
                back = v.payload.get("followup")
                if back is not None and not back.day < q.exit_day:
                    v.payload["followup"] = None
                kept.append(v)
        visits = kept
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
                self.day_date(q.entry_day).isoformat() if q.entry_day > 0 else "", q.entry_reason,
                self.day_date(q.exit_day).isoformat() if q.exit_day < self.ctx.n_days else "", q.exit_reason,
            ])


PERSON_COLUMNS = ["person_id", "household_id", "village", "township", "county", "name", "sex", "birth_date", "id_number",
                  "phone", "registered", "resident", "minority", "insurance", "twin_of", "conditions_true",
                  "conditions_diagnosed", "conditions_managed", "contracted", "entered", "entry_reason", "left", "exit_reason"]
PATIENT_COLUMNS = ["patient_id", "person_id", "facility", "tier", "errors"]
CASE_COLUMNS = ["condition_id", "disease", "outbreak_id", "onset", "diagnosed", "reported", "late"]

__all__ = ["CASE_COLUMNS", "PATIENT_COLUMNS", "PERSON_COLUMNS", "ChunkOut", "Context", "township_chunks"]
