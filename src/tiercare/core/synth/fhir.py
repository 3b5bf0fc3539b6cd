"""FHIR R4 resources of the synthetic region, as plain dicts ready for orjson.

Every resource carries meta.tag HTEST (v3-ActReason "test health data") so that synthetic
records can never pass for real ones. Identifier and code systems of TierCare live under
:data:`BASE`; national codes use their published systems (ICD-10, LOINC, SNOMED CT, UCUM).
Times are local China time (+08:00).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

BASE = "https://tiercare.org/fhir"
SYS_RESIDENT_ID = f"{BASE}/sid/resident-id-number"  # 居民身份证号 (GB 11643)
SYS_LEGACY_ID = f"{BASE}/sid/resident-id-number-15"  # first-generation 15-digit number
SYS_MRN = f"{BASE}/sid/facility-patient-id"  # a facility's own patient number
SYS_DIVISION = f"{BASE}/sid/gbt2260"  # 行政区划代码 (6/9/12 digits)
SYS_FACILITY = f"{BASE}/sid/facility"
SYS_STAFF = f"{BASE}/sid/staff"
SYS_HOUSEHOLD = f"{BASE}/sid/household"
CS_TIER = f"{BASE}/CodeSystem/facility-tier"
CS_FACILITY_KIND = f"{BASE}/CodeSystem/facility-kind"
CS_STAFF_ROLE = f"{BASE}/CodeSystem/staff-role"
CS_REFERRAL_EVENT = f"{BASE}/CodeSystem/referral-event"
CS_ENCOUNTER_TYPE = f"{BASE}/CodeSystem/encounter-type"
CS_INSURANCE = f"{BASE}/CodeSystem/insurance-scheme"
CS_CARE_PLAN = f"{BASE}/CodeSystem/care-plan-category"
CS_FOLLOWUP = f"{BASE}/CodeSystem/followup-class"
CS_VACCINE = f"{BASE}/CodeSystem/nip-vaccine"
EXT_REPORTED = f"{BASE}/StructureDefinition/notifiable-report-time"
EXT_NOTIFIABLE_CLASS = f"{BASE}/StructureDefinition/notifiable-class"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

META = {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST", "display": "test health data"}]}


def dt(value: datetime) -> str:
    """A FHIR dateTime at China time, to the second."""
    return value.isoformat(timespec="seconds") + "+08:00"


def ref(kind: str, rid: str, display: str | None = None) -> dict[str, str]:
    out = {"reference": f"{kind}/{rid}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if display:
        c["text"] = display
    return c


def organization(f: Any, division_name: str) -> dict[str, Any]:
    org: dict[str, Any] = {
        "resourceType": "Organization", "id": f.id, "meta": META,
        "identifier": [{"system": SYS_FACILITY, "value": f.id}],
        "active": True,
        "type": [concept(CS_TIER, f.tier), concept(CS_FACILITY_KIND, f.kind)],
        "name": f.name,
        "address": [{"text": division_name, "district": f.county}],
    }
    if f.alliance and f.alliance != f.id:
        org["partOf"] = ref("Organization", f.parent or f.alliance)
    elif f.parent:
        org["partOf"] = ref("Organization", f.parent)
    return org


def location(f: Any, beds: int, departments: tuple[str, ...]) -> dict[str, Any]:
    return {
        "resourceType": "Location", "id": f"loc-{f.id}", "meta": META,
        "status": "active", "name": f.name,
        "description": f"beds {beds}; departments: {'、'.join(departments)}" if departments else f"beds {beds}",
        "position": {"longitude": f.lon, "latitude": f.lat},
        "managingOrganization": ref("Organization", f.id),
    }


def practitioner(s: Any) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner", "id": s.id, "meta": META,
        "identifier": [{"system": SYS_STAFF, "value": s.id}],
        "active": True,
        "name": [{"text": s.name}],
        "gender": "male" if s.male else "female",
        "qualification": [{"code": {"text": s.title}}],
    }


def practitioner_role(s: Any) -> dict[str, Any]:
    return {
        "resourceType": "PractitionerRole", "id": f"role-{s.id}", "meta": META,
        "active": True,
        "practitioner": ref("Practitioner", s.id),
        "organization": ref("Organization", s.facility),
        "code": [concept(CS_STAFF_ROLE, s.role)],
        "specialty": [{"text": s.specialty}],
    }


def insurer(city_code: str, city_name: str) -> dict[str, Any]:
    return {
        "resourceType": "Organization", "id": f"ins-{city_code}", "meta": META,
        "active": True, "type": [concept("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")],
        "name": city_name + "医疗保障局",
    }


def birth_str(d: date | None) -> str | None:
    return d.isoformat() if d else None


def patient(rid: str, rec: dict[str, Any]) -> dict[str, Any]:
    """A facility's record of a person: ``rec`` holds the (possibly damaged) registration fields."""
    ids: list[dict[str, Any]] = [{"system": SYS_MRN + "/" + rec["facility"], "value": rec["mrn"]}]
    if rec.get("id_number"):
        sys_ = SYS_LEGACY_ID if len(rec["id_number"]) == 15 else SYS_RESIDENT_ID
        ids.append({"system": sys_, "value": rec["id_number"]})
    p: dict[str, Any] = {"resourceType": "Patient", "id": rid, "meta": META, "identifier": ids, "active": True}
    name = rec.get("name")
    if name:
        n: dict[str, Any] = {"use": "official", "text": name}
        if rec.get("family") and not name.endswith(("之子", "之女")):  # a placeholder has no given name
            n["family"] = rec["family"]
            given = name[len(rec["family"]):]
            if given:
                n["given"] = [given]
        p["name"] = [n]
    if rec.get("gender"):
        p["gender"] = rec["gender"]
    if rec.get("birth"):
        p["birthDate"] = rec["birth"]
    if rec.get("phone"):
        p["telecom"] = [{"system": "phone", "value": rec["phone"], "use": "mobile"}]
    if rec.get("address"):
        p["address"] = [{"use": "home", "text": rec["address"], "district": rec["county"]}]
    p["managingOrganization"] = ref("Organization", rec["facility"])
    return p


def household_group(hid: str, members: list[str]) -> dict[str, Any]:
    return {
        "resourceType": "Group", "id": f"hh-{hid}", "meta": META,
        "identifier": [{"system": SYS_HOUSEHOLD, "value": hid}],
        "type": "person", "actual": True, "name": "户",
        "quantity": len(members),
        "member": [{"entity": ref("Patient", m)} for m in members],
    }


def coverage(rid: str, patient_id: str, scheme: str, payor: str, start: date) -> dict[str, Any]:
    display = {"employee": "职工基本医疗保险", "resident": "城乡居民基本医疗保险"}[scheme]
    return {
        "resourceType": "Coverage", "id": rid, "meta": META, "status": "active",
        "type": concept(CS_INSURANCE, scheme, display),
        "beneficiary": ref("Patient", patient_id),
        "period": {"start": start.isoformat()},
        "payor": [ref("Organization", payor)],
    }


def condition(rid: str, patient_id: str, icd: str, display: str, onset: datetime | date, recorded: datetime,
              snomed: str | None = None, encounter: str | None = None, category: str = "problem-list-item",
              extensions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    codings = [coding(ICD10, icd, display)]
    if snomed:
        codings.append(coding(SNOMED, snomed))
    c: dict[str, Any] = {
        "resourceType": "Condition", "id": rid, "meta": META,
        "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        "verificationStatus": concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category", category)],
        "code": {"coding": codings, "text": display},
        "subject": ref("Patient", patient_id),
        "onsetDateTime": dt(onset) if isinstance(onset, datetime) else onset.isoformat(),
        "recordedDate": dt(recorded),
    }
    if encounter:
        c["encounter"] = ref("Encounter", encounter)
    if extensions:
        c["extension"] = extensions
    return c


def encounter(rid: str, patient_id: str, facility: str, start: datetime, end: datetime, inpatient: bool,
              kind: str, reason: tuple[str, str] | None, practitioner_role: str | None,
              based_on: str | None = None, note_text: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {
        "resourceType": "Encounter", "id": rid, "meta": META, "status": "finished",
        "class": coding(ACT_CODE, "IMP" if inpatient else "AMB", "inpatient encounter" if inpatient else "ambulatory"),
        "type": [concept(CS_ENCOUNTER_TYPE, kind)],
        "subject": ref("Patient", patient_id),
        "period": {"start": dt(start), "end": dt(end)},
        "serviceProvider": ref("Organization", facility),
    }
    if practitioner_role:
        e["participant"] = [{"individual": ref("PractitionerRole", practitioner_role)}]
    if reason:
        e["reasonCode"] = [concept(ICD10, reason[0], reason[1])]
    if based_on:
        e["basedOn"] = [ref("ServiceRequest", based_on)]
    if note_text:
        # Encounter has no note in R4: the chief complaint (主诉) goes in reasonCode text.
        e.setdefault("reasonCode", []).append({"text": note_text})
    return e


def bp_observation(rid: str, patient_id: str, encounter_id: str, when: datetime, sbp: int, dbp: int) -> dict[str, Any]:
    """Blood pressure panel, LOINC 85354-9 with systolic 8480-6 and diastolic 8462-4."""
    return {
        "resourceType": "Observation", "id": rid, "meta": META, "status": "final",
        "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        "code": concept(LOINC, "85354-9", "Blood pressure panel with all children optional"),
        "subject": ref("Patient", patient_id), "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": dt(when),
        "component": [
            {"code": concept(LOINC, "8480-6", "Systolic blood pressure"),
             "valueQuantity": {"value": sbp, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
            {"code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": {"value": dbp, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}},
        ],
    }


def glucose_observation(rid: str, patient_id: str, encounter_id: str, when: datetime, value: float,
                        loinc: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": rid, "meta": META, "status": "final",
        "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
        "code": concept(LOINC, loinc, display),
        "subject": ref("Patient", patient_id), "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": dt(when),
        "valueQuantity": {"value": value, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"},
    }


def followup_class_observation(rid: str, patient_id: str, encounter_id: str, when: datetime, code: str, display: str) -> dict[str, Any]:
    """随访分类 (follow-up class): satisfied / unsatisfied / adverse reaction / complication."""
    return {
        "resourceType": "Observation", "id": rid, "meta": META, "status": "final",
        "category": [concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey")],
        "code": concept(CS_FOLLOWUP, "followup-class", "随访分类"),
        "subject": ref("Patient", patient_id), "encounter": ref("Encounter", encounter_id),
        "effectiveDateTime": dt(when),
        "valueCodeableConcept": concept(CS_FOLLOWUP, code, display),
    }


def service_request(rid: str, patient_id: str, requester: str | None, requester_org: str, performer_org: str,
                    when: datetime, direction: str, urgent: bool, reason: tuple[str, str] | None) -> dict[str, Any]:
    sr: dict[str, Any] = {
        "resourceType": "ServiceRequest", "id": rid, "meta": META, "status": "completed", "intent": "order",
        "category": [concept(SNOMED, "3457005", "Patient referral")],
        "code": concept(CS_REFERRAL_EVENT, direction, "上转" if direction == "refer-up" else "下转"),
        "priority": "urgent" if urgent else "routine",
        "subject": ref("Patient", patient_id),
        "authoredOn": dt(when),
        "requester": ref("PractitionerRole", requester) if requester else ref("Organization", requester_org),
        "performer": [ref("Organization", performer_org)],
    }
    if reason:
        sr["reasonCode"] = [concept(ICD10, reason[0], reason[1])]
    return sr


def task(rid: str, sr_id: str, patient_id: str, requester_org: str, owner_org: str, status: str,
         events: list[tuple[str, datetime]]) -> dict[str, Any]:
    """The referral workflow (转诊任务): current status plus every transition as a
    timestamped output (type = referral-event code, valueDateTime)."""
    return {
        "resourceType": "Task", "id": rid, "meta": META, "status": status, "intent": "order",
        "businessStatus": {"text": events[-1][0]},
        "focus": ref("ServiceRequest", sr_id),
        "for": ref("Patient", patient_id),
        "authoredOn": dt(events[0][1]),
        "lastModified": dt(events[-1][1]),
        "requester": ref("Organization", requester_org),
        "owner": ref("Organization", owner_org),
        "output": [{"type": concept(CS_REFERRAL_EVENT, code), "valueDateTime": dt(t)} for code, t in events],
    }


def explanation_of_benefit(rid: str, patient_id: str, coverage_id: str, insurer_id: str, provider: str,
                           start: datetime, end: datetime, inpatient: bool, reason: tuple[str, str], amount: float) -> dict[str, Any]:
    """An insurance settlement (医保结算) of care outside the region: the only trace such
    care leaves, and the denominator of county retention needs it."""
    return {
        "resourceType": "ExplanationOfBenefit", "id": rid, "meta": META, "status": "active",
        "type": concept("http://terminology.hl7.org/CodeSystem/claim-type", "institutional" if inpatient else "professional"),
        "use": "claim",
        "patient": ref("Patient", patient_id),
        "billablePeriod": {"start": dt(start), "end": dt(end)},
        "created": dt(end),
        "insurer": ref("Organization", insurer_id),
        "provider": {"display": provider},
        "outcome": "complete",
        "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": concept(ICD10, reason[0], reason[1])}],
        "insurance": [{"focal": True, "coverage": ref("Coverage", coverage_id)}],
        "item": [{"sequence": 1, "productOrService": concept(ACT_CODE, "IMP" if inpatient else "AMB"),
                  "servicedDate": start.date().isoformat()}],
        "total": [{"category": concept("http://terminology.hl7.org/CodeSystem/adjudication", "submitted"),
                   "amount": {"value": round(amount, 2), "currency": "CNY"}}],
    }


def care_plan(rid: str, patient_id: str, team_role: str | None, org: str, start: date, end: date, groups: list[str]) -> dict[str, Any]:
    """家庭医生签约 (family-doctor contract) as a CarePlan with the key groups it serves."""
    cp: dict[str, Any] = {
        "resourceType": "CarePlan", "id": rid, "meta": META, "status": "active", "intent": "plan",
        "category": [concept(CS_CARE_PLAN, "family-doctor-contract", "家庭医生签约服务")],
        "subject": ref("Patient", patient_id),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "author": ref("PractitionerRole", team_role) if team_role else ref("Organization", org),
    }
    if groups:
        cp["description"] = "重点人群: " + ",".join(groups)
    return cp


def immunization(rid: str, patient_id: str, vaccine: str, when: datetime, facility: str, encounter_id: str) -> dict[str, Any]:
    return {
        "resourceType": "Immunization", "id": rid, "meta": META, "status": "completed",
        "vaccineCode": concept(CS_VACCINE, vaccine),
        "patient": ref("Patient", patient_id), "encounter": ref("Encounter", encounter_id),
        "occurrenceDateTime": dt(when), "performer": [{"actor": ref("Organization", facility)}],
    }
