"""Pure parts of the client-registry platform: survivorship, keys, parameters, scoring."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.standardise import standardise_record
from tiercare.services.mpi import Member, golden_record, match_grade, patient_record
from tiercare.services.mpi_scoring import (
    blocking_keys,
    default_params,
    params_from_json,
    params_to_json,
    score_candidates,
)

TODAY = date(2026, 11, 23)


def member(pid, std, completeness, day):
    return Member(pid, std, completeness, datetime(2026, 1, day, tzinfo=UTC))


def test_golden_prefers_complete_then_recent_and_fills_gaps():
    a = member("a", {"name": "王秀英", "birth_date": "1962-03-14", "phones": ["13987654321"]}, 3, 1)
    b = member("b", {"name": "王秀英", "birth_date": "1962-03-15", "phones": []}, 2, 9)
    c = member("c", {"name": "王秀瑛", "birth_date": "1962-03-16", "address_code": "530102001001"}, 3, 5)
    g = golden_record([a, b, c])
    assert g["name"] == "王秀瑛" and g["birth_date"] == "1962-03-16"  # c: as complete as a, newer
    assert g["phones"] == ["13987654321"] and g["sources"]["phones"] == "a"
    assert g["address_code"] == "530102001001"
    assert g["patients"] == ["a", "b", "c"]


def test_golden_skips_guardian_id_and_placeholder_name():
    baby = member("a", {"name": "王某之子", "name_placeholder": True, "id_number": "X", "id_foreign": True}, 4, 9)
    named = member("b", {"name": "王小明", "name_placeholder": False}, 1, 1)
    g = golden_record([baby, named])
    assert g["name"] == "王小明" and "id_number" not in g


def test_parameters_round_trip_and_defaults_are_usable():
    p = default_params()
    back = params_from_json(params_to_json(p))
    assert back.names == p.names and back.lam == p.lam
    assert all((m == m2).all() for m, m2 in zip(back.m, p.m, strict=True))
    assert 0 < p.lam < 1 and "name" in p.names


def test_garbage_has_no_keys_and_scores_nothing():
    bad = standardise_record(PersonRecord(record_id="g", name="😀😀", birth_date="2099-01-01"), today=TODAY)
    good = standardise_record(PersonRecord(record_id="x", name="王秀英", birth_date="1962-03-14",
                                           phones=("13987654321",)), today=TODAY)
    assert blocking_keys(bad) == []
    assert score_candidates(bad, [good], default_params()) == []
    assert any(k.startswith("phone:") for k in blocking_keys(good))


def test_scoring_one_pair_with_defaults():
    rec = patient_record({"resourceType": "Patient", "id": "1", "name": [{"text": "王秀英"}], "gender": "female",
                          "birthDate": "1962-03-14", "telecom": [{"system": "phone", "value": "13987654321"}]})
    a = standardise_record(rec, today=TODAY)
    b = standardise_record(PersonRecord(record_id="2", name="王秀英", gender="female", birth_date="1962-03-14",
                                        phones=("13987654321",)), today=TODAY)
    (got,) = score_candidates(a, [b], default_params())
    assert got.record_id == "2" and got.levels["name"] == "exact" and got.levels["phone"] == "shared"
    assert match_grade(got.probability, {"thresholds": {"auto_link": 0.95, "review": 0.3}}) == "certain"
    assert match_grade(0.5, {"thresholds": {"auto_link": 0.95, "review": 0.3}}) == "probable"
    assert match_grade(0.01, {"thresholds": {"auto_link": 0.95, "review": 0.3}}) is None
