"""The pre-serialised fast paths write exactly what orjson writes for the dict builders."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from tiercare.core.synth import fhir, fhirbytes

START = datetime(2024, 3, 5, 9, 7, 3, 512000)
END = datetime(2024, 3, 9, 23, 59, 59)


@pytest.mark.parametrize(("inpatient", "kind", "reason", "role", "based_on", "note"), [
    (False, "outpatient", ("J06.9", "急性上呼吸道感染"), "role-s-1", None, '头(tóu)晕 "3天"\n广告\\'),
    (True, "inpatient", ("I63.9", "脑梗死"), None, "sr-339021101201-4", None),
    (False, "referral-followup", ("I10", "高血压随访"), "role-x", "sr-1", None),
    (False, "outpatient", None, "role-x", "sr-2", "胸闷"),
    (False, "child-check", None, None, None, None),
    (False, "outpatient", ("R50.9", ""), "role-y", None, "发热"),
])
def test_encounter_bytes_equal_dict(inpatient, kind, reason, role, based_on, note) -> None:
    args = ("enc-339021101201-17", "pt-0123456789abcdef", "f-339021101", START, END, inpatient, kind, reason, role, based_on, note)
    assert fhirbytes.encounter(*args) == orjson.dumps(fhir.encounter(*args))


def test_observations_bytes_equal_dict() -> None:
    args = ("obs-1", "pt-00ff", "enc-9", START)
    assert fhirbytes.bp_observation(*args, 178, 96) == orjson.dumps(fhir.bp_observation(*args, 178, 96))
    for value in (5.6, 16.7, 7.0, 25.0, 2.5):
        assert (fhirbytes.glucose_observation(*args, value, "14771-0", "Glucose [Moles/volume] in Serum or Plasma --fasting")
                == orjson.dumps(fhir.glucose_observation(*args, value, "14771-0", "Glucose [Moles/volume] in Serum or Plasma --fasting")))
    for code, display in (("satisfied", "控制满意"), ("unsatisfied", "控制不满意")):
        assert (fhirbytes.followup_class_observation(*args, code, display)
                == orjson.dumps(fhir.followup_class_observation(*args, code, display)))


def test_dt_matches_isoformat() -> None:
    for value in (START, END, datetime(1931, 12, 31, 0, 0, 0), datetime(2026, 2, 28, 12, 30, 1, 999999)):
        assert fhir.dt(value) == value.isoformat(timespec="seconds") + "+08:00"
