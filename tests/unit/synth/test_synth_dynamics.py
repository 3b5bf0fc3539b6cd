"""Population dynamics: deaths, moves, births with newborn placeholders, in the resources."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from tiercare.core.synth.chunk import PERSON_COLUMNS
from tiercare.core.synth.dynamics import death_rate
from tiercare.core.synth.ids import is_valid_id_number
from tiercare.core.synth.params import Params

from .conftest import Run
from .test_synth_fhir_valid import _validator

pytestmark = pytest.mark.slow


def _persons(run: Run) -> dict[str, dict[str, object]]:
    return {str(row[0]): dict(zip(PERSON_COLUMNS, row, strict=True)) for row in run.persons}


def test_mortality_table_rises_with_age_and_is_higher_for_men(params: Params) -> None:
    dyn = params.section("dynamics")
    rates = [death_rate(dyn, a, True) for a in (3, 30, 50, 70, 90)]
    assert rates == sorted(rates) and rates[-1] > 0.1
    assert death_rate(dyn, 70, True) > death_rate(dyn, 70, False)


def test_every_kind_of_change_happens_at_plausible_rates(region8k: Run) -> None:
    s = region8k.stats
    ry = s["resident_days"] / 365.0
    assert 0.97 * s["residents"] < ry < 1.02 * s["residents"]
    assert 3 < 1000 * s["dynamics.born"] / ry < 10  # crude birth rate 6.39 per 1,000
    assert 4 < 1000 * s["dynamics.died"] / ry < 12  # crude death rate ~7 per 1,000
    assert s["dynamics.moved_out"] > 0 and s["dynamics.moved_in"] > 0
    people = _persons(region8k)
    reasons = {(p["entry_reason"], p["exit_reason"]) for p in people.values()}
    assert {("born", ""), ("moved_in", ""), ("", "died"), ("", "moved_out")} <= reasons
    for p in people.values():
        if p["entry_reason"] == "born":
            assert p["birth_date"] == p["entered"] and is_valid_id_number(str(p["id_number"]))
            assert p["registered"] == 1 and p["resident"] == 1
        if p["entry_reason"] == "moved_in":
            assert p["registered"] == 0


def test_no_encounter_outside_a_persons_presence(region8k: Run) -> None:
    people = _persons(region8k)
    person_of = {str(row[0]): str(row[1]) for row in region8k.patients}
    seen_dead = 0
    for line in region8k.lines["Encounter"]:
        e = orjson.loads(line)
        p = people[person_of[e["subject"]["reference"].split("/")[1]]]
        day = date.fromisoformat(e["period"]["start"][:10])
        if p["entered"]:
            assert day >= date.fromisoformat(str(p["entered"]))
        if p["left"]:
            assert day < date.fromisoformat(str(p["left"]))
            seen_dead += p["exit_reason"] == "died"
    assert seen_dead > 0  # people who die later in the year were seen before


def test_deaths_close_the_health_record_and_leavers_are_inactive_members(region8k: Run) -> None:
    people = _persons(region8k)
    truth = {str(row[0]): row for row in region8k.patients}
    deceased = [orjson.loads(x) for x in region8k.lines["Patient"] if b"deceasedDateTime" in x]
    assert deceased
    for pt in deceased:
        person = people[str(truth[pt["id"]][1])]
        assert person["exit_reason"] == "died" and pt["deceasedDateTime"][:10] == person["left"]
        assert _validator("Patient").is_valid(pt)
    died = sum(p["exit_reason"] == "died" for p in people.values())
    assert len(deceased) == died  # one health record each
    groups = [orjson.loads(x) for x in region8k.lines["Group"]]
    inactive = [m for g in groups for m in g["member"] if m.get("inactive")]
    joined = [m for g in groups for m in g["member"] if "start" in m.get("period", {})]
    assert inactive and joined and all("end" in m["period"] for m in inactive)
    v = _validator("Group")
    for g in groups[:: max(1, len(groups) // 200)] + [g for g in groups if any(m.get("inactive") for m in g["member"])][:50]:
        assert v.is_valid(g)
        assert g["quantity"] == sum(1 for m in g["member"] if not m.get("inactive"))


def test_newborns_are_first_registered_under_a_placeholder_then_by_name(region8k: Run) -> None:
    people = _persons(region8k)
    newborns = {pid for pid, p in people.items() if p["entry_reason"] == "born"}
    placeholders = [row for row in region8k.patients if row[4] == "newborn_placeholder" and row[1] in newborns]
    assert placeholders
    records = {orjson.loads(x)["id"]: orjson.loads(x) for x in region8k.lines["Patient"]}
    delivery = [orjson.loads(x) for x in region8k.lines["Encounter"] if b'"code":"delivery"' in x]
    assert delivery and all(e["class"]["code"] == "IMP" for e in delivery)
    for rid, pid, facility, tier, _ in placeholders:
        rec = records[str(rid)]
        person = people[str(pid)]
        name = rec["name"][0]["text"]
        assert name.endswith(("之子", "之女")) and "family" not in rec["name"][0] and "given" not in rec["name"][0]
        assert not any(i["system"].endswith("resident-id-number") for i in rec["identifier"])
        assert rec["birthDate"] == person["birth_date"] and tier in ("county", "city")
        assert rec["managingOrganization"]["reference"] == f"Organization/{facility}"  # the delivery hospital
        assert _validator("Patient").is_valid(rec)
        # The health record at the township centre carries the real name.
        named = [(records[str(r[0])], str(r[4])) for r in region8k.patients if r[1] == pid and r[3] == "township"]
        assert named
        name_errors = {"typo", "homophone", "shape_alike", "traditional", "pinyin_only", "newborn_placeholder", "missing_fields"}
        for rec_t, errors in named:
            if not set(errors.split(";")) & name_errors:
                assert rec_t["name"][0]["text"] == person["name"]
        assert str(person["name"]) not in name
