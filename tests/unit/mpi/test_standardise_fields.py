from datetime import date

import pytest

from tiercare.core.mpi.standardise_address import address_level, standardise_address_code
from tiercare.core.mpi.standardise_date import lunar_to_solar, standardise_birth_date
from tiercare.core.mpi.standardise_phone import standardise_phone

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "digits", "kind"),
    [
        ("138 0013 8000", "13800138000", "mobile"),
        ("+86 138-0013-8000", "13800138000", "mobile"),
        ("008613800138000", "13800138000", "mobile"),
        ("8613800138000", "13800138000", "mobile"),
        ("１３８００１３８０００", "13800138000", "mobile"),
        ("010-62345678", "01062345678", "landline"),
        ("+86 10 6234 5678", "01062345678", "landline"),
        ("0731-8888888转123", "07318888888", "landline"),
        ("6234567", "6234567", "local"),
    ],
)
def test_phones_are_standardised(raw, digits, kind):
    issues = []
    got = standardise_phone(raw, issues)
    assert got is not None and (got.digits, got.kind) == (digits, kind)


@pytest.mark.parametrize(("raw", "code"), [("abc", "characters"), ("12345", "pattern"), ("1380013800", "pattern")])
def test_bad_phones_are_reported(raw, code):
    issues = []
    assert standardise_phone(raw, issues) is None
    assert [i.code for i in issues] == [code]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1980-08-15", date(1980, 8, 15)), ("19800815", date(1980, 8, 15)), ("1980/8/15", date(1980, 8, 15)),
     ("1980年8月15日", date(1980, 8, 15)), ("１９８０－０８－１５", date(1980, 8, 15))],
)
def test_solar_date_formats(raw, value):
    got = standardise_birth_date(raw, [], today=TODAY)
    assert got.value == value and not got.from_lunar


def test_lunar_dates_are_converted_to_solar():
    # 农历1980年八月十五 (Mid-Autumn) was 23 September 1980.
    got = standardise_birth_date("农历1980年八月十五", [], today=TODAY)
    assert got.value == date(1980, 9, 23) and got.from_lunar
    got = standardise_birth_date("1980-08-15", [], today=TODAY, lunar=True)
    assert got.value == date(1980, 9, 23)
    # Leap tenth month of 1984.
    assert standardise_birth_date("阴历1984-闰10-05", [], today=TODAY).value == date(1984, 11, 27)
    assert standardise_birth_date("农历1980年正月初一", [], today=TODAY).value == date(1980, 2, 16)


def test_solar_dates_remember_their_lunar_reading():
    got = standardise_birth_date("1980-08-15", [], today=TODAY)
    assert got.as_lunar == date(1980, 9, 23)
    assert lunar_to_solar(1980, 2, 30) is None


def test_january_first_is_a_placeholder():
    issues = []
    got = standardise_birth_date("1975-01-01", issues, today=TODAY)
    assert got.placeholder and [i.code for i in issues] == ["placeholder"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [("2030-05-01", "future"), ("1980-02-30", "calendar"), ("yesterday", "format"), ("1850-01-02", "too_old"),
     ("", "missing"), ("农历1980年十三月一日", "lunar_date")],
)
def test_bad_dates_are_reported(raw, code):
    issues = []
    assert standardise_birth_date(raw, issues, today=TODAY) is None
    assert [i.code for i in issues] == [code]


def test_address_codes_are_cut_into_segments():
    got = standardise_address_code("430124105201", [])
    assert got.segments == ("43", "01", "24", "105", "201") and got.county == "430124"
    assert standardise_address_code("430000", []).segments == ("43",)
    issues = []
    assert standardise_address_code("43012A", issues) is None and issues[0].code == "format"


def test_two_villages_of_one_township_differ_at_the_village():
    a = standardise_address_code("430124105201", [])
    b = standardise_address_code("430124105202", [])
    c = standardise_address_code("430124", [])
    assert address_level(a, b) == "differ_village"
    assert address_level(a, a) == "village"
    assert address_level(a, c) == "within_county"
