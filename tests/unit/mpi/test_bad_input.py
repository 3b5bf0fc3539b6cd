"""Bad input (issue 6, "Bad input"): every kind gives a clear validation result,
never an exception, and a record made unusable by it takes part in no link, even
beside a real person whose phone and address it copies."""

from dataclasses import replace
from datetime import date

import pytest

from tiercare.core.mpi.person_model import link_persons
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise import standardise_record

TODAY = date(2026, 11, 23)
SETTINGS = {**load_table("model"), "estimation": {**load_table("model")["estimation"], "u_random_pairs": 500}}
REAL = PersonRecord(
    record_id="real", name="王建国", gender="male", birth_date="1961-12-12", phones=("13912345678",),
    address_code="430124105201", household="H1",
)

BAD = [
    ("empty name", {"name": "", "birth_date": None}, ("name", "missing")),
    ("blank name", {"name": "   ", "birth_date": None}, ("name", "missing")),
    ("30 characters", {"name": "王" * 30, "birth_date": None}, ("name", "too_long")),
    ("emoji", {"name": "😀😀", "birth_date": None}, ("name", "characters")),
    ("control characters", {"name": "\x00\x07\x1b", "birth_date": None}, ("name", "empty")),
    ("mixed scripts", {"name": "王jian国", "birth_date": None}, ("name", "mixed_script")),
    ("ID with letters", {"name": "", "id_number": "43012A19611212001X"}, ("id_number", "characters")),
    ("future birth date", {"name": "", "birth_date": "2090-01-01"}, ("birth_date", "future")),
    ("birth date not a date", {"name": "", "birth_date": "1961-13-45"}, ("birth_date", "calendar")),
]


@pytest.mark.parametrize(("label", "change", "issue"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_reported_and_never_linked(label, change, issue):
    bad = [replace(REAL, record_id=f"bad{k}", **change) for k in range(2)]
    std = standardise_record(bad[0], today=TODAY)
    assert issue in {(i.field, i.code) for i in std.issues}
    assert not std.linkable and ("record", "not_linkable") in {(i.field, i.code) for i in std.issues}
    out = link_persons([REAL, replace(REAL, record_id="real2"), *bad], today=TODAY, seed=1, settings=SETTINGS)
    labels = out.result.clustering.labels.tolist()
    assert labels[2] == 2 and labels[3] == 3  # each garbage record alone
    assert all(2 not in pair[:2] and 3 not in pair[:2] for pair in out.result.pairs.tolist())


def test_one_character_and_non_chinese_names_are_usable_with_a_finding():
    one = standardise_record(replace(REAL, name="王"), today=TODAY)
    assert one.linkable and ("name", "too_short") in {(i.field, i.code) for i in one.issues}
    latin = standardise_record(replace(REAL, name="John Smith"), today=TODAY)
    assert latin.linkable and latin.name is not None and latin.name.script == "latin"
    minority = standardise_record(replace(REAL, name="米热古丽•艾山"), today=TODAY)
    assert minority.name is not None and minority.name.text == "米热古丽·艾山"
