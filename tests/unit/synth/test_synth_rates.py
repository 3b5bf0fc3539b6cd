"""Realised rates of a whole 8,000-resident region against its parameters."""

import csv
import io
from collections import Counter

import orjson
import pytest

from tiercare.core.synth.ids import is_valid_id_number
from tiercare.core.synth.report import rows

from .conftest import Run

pytestmark = pytest.mark.slow


def _rate(run: Run, name: str) -> float:
    for r in rows(dict(run.stats), run.ctx.params.raw):
        if r.name == name:
            assert r.realised is not None
            return r.realised
    raise KeyError(name)


def test_retention_and_primary_share_within_one_point(region8k: Run) -> None:
    care = region8k.ctx.params["care"]
    assert abs(_rate(region8k, "outpatient county retention 县域就诊率") - care["county_retention_target"]) < 0.01
    assert abs(_rate(region8k, "outpatient primary-level share 基层诊疗量占比") - care["primary_share_target"]) < 0.01
    assert abs(_rate(region8k, "inpatient county retention 县域就诊率") - care["inpatient_county_retention_target"]) < 0.01
    assert abs(_rate(region8k, "outpatient visits per resident") - care["outpatient_visits_per_person"]) < 0.3


def test_the_same_rates_hold_when_recounted_from_the_resources(region8k: Run) -> None:
    """Recount retention from Encounter + ExplanationOfBenefit and the persons' counties."""
    truth = {row[0]: row for row in region8k.patients}  # patient id -> [id, person, facility, tier, errors]
    county_of_person = {row[0]: row[4] for row in region8k.persons}
    fac_county = {f.id: f.county for f in region8k.ctx.region.facilities.values()}
    fac_tier = {f.id: f.tier for f in region8k.ctx.region.facilities.values()}
    inside = total = primary = in_region = 0
    for line in region8k.lines["Encounter"]:
        e = orjson.loads(line)
        if e["class"]["code"] != "AMB":
            continue
        person = truth[e["subject"]["reference"].split("/")[1]][1]
        fac = e["serviceProvider"]["reference"].split("/")[1]
        total += 1
        in_region += 1
        inside += fac_county[fac] == county_of_person[person]
        primary += fac_tier[fac] in ("village", "township")
    for line in region8k.lines["ExplanationOfBenefit"]:
        if orjson.loads(line)["item"][0]["productOrService"]["coding"][0]["code"] == "AMB":
            total += 1
    uninsured = region8k.stats["visits.province.uninsured"]
    care = region8k.ctx.params["care"]
    # Out-of-region care of the uninsured leaves no record: allow for it.
    assert abs(inside / (total + uninsured) - care["county_retention_target"]) < 0.01
    assert abs(primary / in_region - care["primary_share_target"]) < 0.01


def test_chronic_care_and_contracts_are_realistic(region8k: Run) -> None:
    p = region8k.ctx.params
    assert 0.20 < _rate(region8k, "hypertension adult prevalence") < 0.30
    assert 0.09 < _rate(region8k, "diabetes adult prevalence") < 0.16
    assert abs(_rate(region8k, "hypertension management rate 健康管理率 (managed / true patients)") - p["management"]["hypertension_managed_share"]) < 0.04
    std = _rate(region8k, "hypertension standardised management 规范管理率")
    assert 0.6 < std < 0.95  # most but not all
    assert 0.55 < _rate(region8k, "hypertension control rate 控制率 (last follow-up)") < 0.85
    for group in ("elderly_65", "hypertension", "diabetes"):
        assert abs(_rate(region8k, f"key group {group}") - p["contracts"][group]) < 0.04
    assert _rate(region8k, "key group elderly_65") > _rate(region8k, "contract coverage 签约率 (all residents)")


def test_referrals_closed_loop_and_notifiable_timeliness(region8k: Run) -> None:
    s = region8k.stats
    assert s["referral.up.requested"] == s["referral.up.accepted"] + s["referral.up.rejected"] + s["referral.up.cancelled"]
    assert s["referral.down.completed"] > 0 and s["referral.followup_14d"] > 0
    tasks = [orjson.loads(x) for x in region8k.lines["Task"]]
    statuses = Counter(t["status"] for t in tasks)
    assert statuses["completed"] and statuses["rejected"] and statuses["failed"]
    for t in tasks:
        times = [o["valueDateTime"] for o in t["output"]]
        assert times == sorted(times)  # transitions in time order
        assert t["output"][0]["type"]["coding"][0]["code"] == "requested"
    late = s["notifiable.late"] / s["notifiable.cases"]
    assert abs(late - region8k.ctx.params["infectious"]["late_report_share"]) < 0.03
    outbreak_cases = Counter(row[2] for row in region8k.cases if row[2])
    for ob in region8k.ctx.outbreaks:
        assert outbreak_cases[ob.id] == ob.extra_cases


def test_patient_records_and_ground_truth(region8k: Run) -> None:
    persons = {row[0]: row for row in region8k.persons}
    ids = [row[8] for row in region8k.persons]
    assert len(set(ids)) == len(ids) and all(is_valid_id_number(i) for i in ids)
    per_person = Counter(row[1] for row in region8k.patients)
    assert set(per_person) == set(persons)  # every person has at least the health record
    assert sum(per_person.values()) / len(persons) > 1.5  # registered at several facilities
    kinds = Counter(k for row in region8k.patients for k in row[4].split(";") if k)
    for kind in ("typo", "homophone", "traditional", "pinyin_only", "day_month_swap", "jan1_placeholder",
                 "lunar_birthday", "id_transcription", "id_legacy_15", "guardian_id", "newborn_placeholder", "missing_fields"):
        assert kinds[kind] > 0, kind
    # The Patient resource carries the damaged fields, not the true ones.
    pats = {orjson.loads(x)["id"]: orjson.loads(x) for x in region8k.lines["Patient"][:5000]}
    damaged = [row for row in region8k.patients if row[4] == "traditional" and row[0] in pats]
    assert damaged
    for row in damaged:
        assert pats[row[0]]["name"][0]["text"] != persons[row[1]][5]
    twins = [row for row in region8k.persons if row[14]]
    assert all(persons[row[14]][7] == row[7] for row in twins)  # same birthday


def test_csv_truth_rows_are_writable(region8k: Run) -> None:
    buf = io.StringIO()
    csv.writer(buf).writerows(region8k.persons[:10])
    assert buf.getvalue().count("\n") == 10
