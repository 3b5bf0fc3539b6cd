"""Turning an allocated visit into records (就诊记录): the facility of its tier, the
Encounter (or, outside the region, only the insurance settlement ExplanationOfBenefit),
the referral ServiceRequest + Task with its timestamps, follow-up Observations,
notifiable-disease Conditions with onset, diagnosis and report times, immunizations.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tiercare.core.synth import fhir
from tiercare.core.synth.care import CITY, COUNTY, PRIMARY, PROVINCE, Visit
from tiercare.core.synth.text import damage_text

_PROVINCIAL = ("省人民医院(区域外)", "省中医院(区域外)", "省肿瘤医院(区域外)", "外省三甲医院(区域外)")


def _facility(b: Any, v: Visit, district: bool) -> tuple[str, str]:
    """(facility id, tier label) for a visit of allocation class ``v.tier``."""
    rng = b.rng
    care = b.care
    region = b.region
    if v.tier == PRIMARY:
        if v.inpatient or v.kind in ("elderly-check", "immunization", "referral-followup", "antenatal"):
            return b.primary_township, "township"
        if rng.random() < care["village_share_of_primary"]:
            return b.primary_village, "village"
        return b.primary_township, "township"
    if v.tier == CITY or (v.tier == COUNTY and district and rng.random() < 0.5):
        return region.city_hospitals[int(rng.integers(len(region.city_hospitals)))], "city"
    kinds = care["county_hospital_kind_share"]
    person = b.persons[v.person]
    u = rng.random()
    kind = "general" if u < kinds["general"] else ("tcm" if u < kinds["general"] + kinds["tcm"] else "mch")
    if v.payload.get("hospital") == "mch":
        kind = "mch"
    if kind == "mch" and person.male and person.age >= 14:
        kind = "general"
    return region.county_hospitals[b.county.code][kind], "county"


def emit_visit(b: Any, v: Visit, district: bool) -> None:
    s = b.out.stats
    s[f"visits.{'inpatient' if v.inpatient else 'outpatient'}.{v.tier}"] += 1
    if v.tier == PROVINCE:
        _settlement(b, v)
        return
    rng = b.rng
    care = b.care
    facility, tier = _facility(b, v, district)
    start = v.payload.get("start") or b.moment(v.day)
    if v.inpatient:
        los = max(1, int(rng.poisson(care["los_mean_days"]["county" if tier == "village" else tier])))
        end = start + timedelta(days=los, hours=int(rng.integers(-4, 4)))
    else:
        end = start + timedelta(minutes=int(rng.integers(10, 60)))
    pid = b.record(v.person, facility, tier)
    eid = b.next_id("enc")
    based_on = None
    referral = None
    if v.tier in (COUNTY, CITY) and (v.kind == "referral" or rng.random() < b.referral["up_share_of_higher_tier_visits"]):
        referral = _refer_up(b, v, facility, start, end)
        based_on = referral
    note = None
    if v.kind in ("outpatient", "inpatient"):
        ft = b.free_text
        complaint = ft["complaints"][int(rng.integers(len(ft["complaints"])))]
        note, damaged = damage_text(rng, complaint, ft)
        s["free_text.damaged"] += damaged
    if v.kind == "referral-followup":
        based_on = v.payload.get("sr")
    b.emit(fhir.encounter(eid, pid, facility, start, end, v.inpatient, v.kind, v.reason, b.role_at(facility), based_on, note))
    if v.kind == "followup":
        _followup_obs(b, v, pid, eid, start)
    elif v.kind == "infectious":
        _notifiable(b, v, pid, eid, start)
    elif v.kind == "elderly-check":
        sbp, dbp = int(rng.normal(138, 16)), int(rng.normal(82, 10))
        b.emit(fhir.bp_observation(b.next_id("obs"), pid, eid, start, sbp, dbp))
    elif v.kind == "immunization":
        b.emit(fhir.immunization(b.next_id("imm"), pid, v.payload["vaccine"], start, facility, eid))
        s["immunizations"] += 1
    if referral and (v.kind == "referral" or (v.inpatient and rng.random() < b.referral["down_share_of_completed_inpatient"])):
        _refer_down(b, v, facility, end, v.kind == "referral")


def _settlement(b: Any, v: Visit) -> None:
    person = b.persons[v.person]
    if person.insurance == "none":
        b.out.stats["visits.province.uninsured"] += 1  # leaves no record in the region
        return
    rng = b.rng
    care = b.care
    start = b.moment(v.day)
    cost = care["cost_inpatient_cny" if v.inpatient else "cost_outpatient_cny"][2]
    end = start + (timedelta(days=max(1, int(rng.poisson(care["los_mean_days"]["province"])))) if v.inpatient else timedelta(minutes=40))
    pid = b.records[(v.person, b.primary_township)]
    b.emit(fhir.explanation_of_benefit(b.next_id("eob"), pid, "cov-" + pid[3:], b.ctx.insurer_id,
                                       _PROVINCIAL[int(rng.integers(len(_PROVINCIAL)))], start, end, v.inpatient,
                                       v.reason, float(rng.gamma(2.0, cost / 2.0))))


def _refer_up(b: Any, v: Visit, facility: str, start: datetime, end: datetime) -> Any:
    """上转: a referral from the person's township centre that the visit is based on, or
    None when the receiving side rejected it (the person then came on their own)."""
    rng = b.rng
    ref = b.referral
    s = b.out.stats
    urgent = bool(v.payload.get("urgent"))
    src = b.primary_township
    pid_src = b.record(v.person, src, "township")
    lead_days = float(rng.uniform(0.05, 0.5)) if urgent else max(0.1, float(rng.exponential(ref["arrive_days_median"] / 0.69)))
    requested = start - timedelta(days=lead_days)
    accepted_at = requested + timedelta(hours=float(rng.exponential(ref["accept_hours_median"] / 0.69)))
    accepted_at = min(accepted_at, start - timedelta(minutes=5))
    sr = b.next_id("sr")
    b.emit(fhir.service_request(sr, pid_src, b.role_at(src), src, facility, requested, "refer-up", urgent, v.reason))
    s["referral.up.requested"] += 1
    u = rng.random()
    if u < ref["rejection"]:
        b.emit(fhir.task("task-" + sr, sr, pid_src, src, facility, "rejected", [("requested", requested), ("rejected", accepted_at)]))
        s["referral.up.rejected"] += 1
        return None
    if u < 1.0 - ref["acceptance"]:  # withdrawn before an answer; the person then came alone
        b.emit(fhir.task("task-" + sr, sr, pid_src, src, facility, "cancelled", [("requested", requested), ("cancelled", accepted_at)]))
        s["referral.up.cancelled"] += 1
        return None
    s["referral.up.accepted"] += 1
    s["referral.up.arrived"] += 1
    s["referral.up.completed"] += 1
    s["referral.up.accept_minutes"] += int((accepted_at - requested).total_seconds() // 60)
    b.emit(fhir.task("task-" + sr, sr, pid_src, src, facility, "completed",
                     [("requested", requested), ("accepted", accepted_at), ("arrived", start), ("completed", end)]))
    # A referral accepted but never attended (no-show) is a separate request with no visit.
    if rng.random() > ref["arrival_given_accepted"]:
        sr2 = b.next_id("sr")
        req2 = requested - timedelta(days=int(rng.integers(5, 30)))
        b.emit(fhir.service_request(sr2, pid_src, b.role_at(src), src, facility, req2, "refer-up", False, v.reason))
        b.emit(fhir.task("task-" + sr2, sr2, pid_src, src, facility, "failed",
                         [("requested", req2), ("accepted", req2 + timedelta(hours=3)), ("no-show", req2 + timedelta(days=7))]))
        s["referral.up.requested"] += 1
        s["referral.up.accepted"] += 1
        s["referral.up.no_show"] += 1
    return sr


def _refer_down(b: Any, v: Visit, facility: str, end: datetime, chronic: bool) -> None:
    """下转 back to the township centre (or, for a chronic referral, the return of the
    patient to primary care), and primary care's follow-up within 14 days or not."""
    rng = b.rng
    ref = b.referral
    s = b.out.stats
    dst = b.primary_township
    pid = b.record(v.person, facility, "county")
    sr = b.next_id("sr")
    b.emit(fhir.service_request(sr, pid, b.role_at(facility), facility, dst, end, "refer-down", False, v.reason))
    accepted = end + timedelta(hours=float(rng.uniform(1, 4) if chronic else rng.uniform(1, 24)))
    events = [("requested", end), ("accepted", accepted)]
    s["referral.down.requested"] += 1
    # Back home within a day or two (a chronic patient's planned follow-up is >= 3 days on).
    arrived = accepted + timedelta(days=float(rng.uniform(0.2, 1.4) if chronic else rng.uniform(0.5, 3)))
    events.append(("arrived", arrived))
    back = v.payload.get("followup") if chronic else None
    if chronic:
        # The follow-up visit was planned with the referral (and counted by the allocation).
        if back is not None:
            fday = b.moment(back.day)
            back.payload.update(start=fday, sr=sr)
            events.append(("follow-up", fday))
            s["referral.followup_14d"] += bool(back.payload["within_14d"])
    else:
        within = rng.random() < ref["followup_14d"]
        fday = arrived + timedelta(days=float(rng.uniform(1, 12) if within else rng.uniform(15, 40)))
        if (fday.date() - b.ctx.start).days < b.ctx.n_days:
            events.append(("follow-up", fday))
            s["referral.followup_14d"] += within
            pid_dst = b.record(v.person, dst, "township")
            b.emit(fhir.encounter(b.next_id("enc"), pid_dst, dst, fday, fday + timedelta(minutes=20), False,
                                  "referral-followup", v.reason, b.role_at(dst), sr))
            s["visits.outpatient.primary"] += 1
            s["visits.outpatient.referral_followup_unplanned"] += 1
    b.emit(fhir.task("task-" + sr, sr, pid, facility, dst, "completed", events))
    s["referral.down.completed"] += 1
    s["referral.closed_loop_source." + ("chronic" if chronic else "inpatient")] += 1


def _followup_obs(b: Any, v: Visit, pid: str, eid: str, when: datetime) -> None:
    mgmt = b.p.section("management")
    if "bp" in v.payload:
        sbp, dbp = v.payload["bp"]
        b.emit(fhir.bp_observation(b.next_id("obs"), pid, eid, when, sbp, dbp))
    if "fpg" in v.payload:
        b.emit(fhir.glucose_observation(b.next_id("obs"), pid, eid, when, v.payload["fpg"], mgmt["fpg_loinc"], mgmt["fpg_loinc_display"]))
    code, display = v.payload["class"]
    b.emit(fhir.followup_class_observation(b.next_id("obs"), pid, eid, when, code, display))


def _notifiable(b: Any, v: Visit, pid: str, eid: str, diagnosed: datetime) -> None:
    """A notifiable case: onset before the visit, diagnosis at it, report within the legal
    limit (2 h for class A, 24 h otherwise) except for a late share."""
    rng = b.rng
    inf = b.p.section("infectious")
    d = v.payload["disease"]
    limit = inf["report_within_hours_a"] if d["klass"] == "A" else inf["report_within_hours_bc"]
    onset = diagnosed - timedelta(days=float(rng.exponential(inf["onset_to_diagnosis_days_mean"])))
    late = rng.random() < inf["late_report_share"]
    hours = float(rng.uniform(limit, limit * 4)) if late else float(rng.uniform(0.1, limit * 0.9))
    reported = diagnosed + timedelta(hours=hours)
    cid = b.next_id("cond")
    ext = [{"url": fhir.EXT_REPORTED, "valueDateTime": fhir.dt(reported)},
           {"url": fhir.EXT_NOTIFIABLE_CLASS, "valueCode": d["klass"]}]
    b.emit(fhir.condition(cid, pid, d["icd10"], d["name"], onset, diagnosed, encounter=eid, category="encounter-diagnosis", extensions=ext))
    s = b.out.stats
    s["notifiable.cases"] += 1
    s["notifiable.late"] += late
    if "outbreak" in v.payload:
        s["notifiable.outbreak_cases"] += 1
    b.out.cases.append([cid, d["key"], v.payload.get("outbreak", ""), fhir.dt(onset), fhir.dt(diagnosed), fhir.dt(reported), int(late)])
