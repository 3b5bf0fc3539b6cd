from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tiercare.core.mpi.standardise_id import mod11_2_check, standardise_id_number

TODAY = date(2026, 11, 23)
# GB 11643-1999 Annex example: 11010519491231002X (check character X).
EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid_and_derives_fields():
    got = standardise_id_number(EXAMPLE, today=TODAY)
    assert got is not None and got.valid
    assert got.region == "110105"
    assert got.birth_date == date(1949, 12, 31)
    assert got.male is False  # sequence 002: even, a woman
    assert mod11_2_check(EXAMPLE[:17]) == "X"


def test_lower_case_x_full_width_and_spaces_are_folded():
    got = standardise_id_number(" １１０１０５ 19491231 002x ", today=TODAY)
    assert got is not None and got.valid and got.text == EXAMPLE


def test_fifteen_digit_number_is_converted_with_century_19_and_new_check():
    got = standardise_id_number("110105491231002", today=TODAY)
    assert got is not None and got.valid and got.from_legacy
    assert got.text == EXAMPLE
    assert got.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "check"),
        ("11010519491231002A", "characters"),
        ("1101051949123100", "length"),
        ("990105194912310020", "region"),
        ("110105194913310020", "birth_date"),
        ("11010520300101002X", "birth_date"),  # born in the future
        ("11010519491231OO2X", "characters"),  # letters O for zeros
    ],
)
def test_invalid_numbers_are_flagged_with_a_reason_not_dropped(raw, reason):
    got = standardise_id_number(raw, today=TODAY)
    assert got is not None
    assert not got.valid and got.reason == reason
    assert got.text  # kept, so that a typo can still be compared


def test_missing_or_blank_is_none():
    assert standardise_id_number(None, today=TODAY) is None
    assert standardise_id_number("  ", today=TODAY) is None


def test_check_rejects_a_body_that_is_not_17_digits():
    with pytest.raises(ValueError):
        mod11_2_check("123")


bodies = st.builds(
    lambda region, days, seq: f"{region}{date.fromordinal(date(1900, 1, 1).toordinal() + days):%Y%m%d}{seq:03d}",
    st.sampled_from(["110105", "320102", "430124", "650102"]),
    st.integers(0, 40000),
    st.integers(0, 999),
)


@given(bodies)
def test_mod11_2_round_trip(body):
    number = body + mod11_2_check(body)
    got = standardise_id_number(number, today=TODAY)
    assert got is not None and got.valid and got.text == number
    assert got.male == (int(body[16]) % 2 == 1)


@given(bodies, st.integers(0, 16), st.integers(1, 9))
def test_every_single_digit_error_is_detected(body, pos, delta):
    number = body + mod11_2_check(body)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assert mod11_2_check(wrong[:17]) != wrong[17]


@given(bodies, st.integers(0, 15))
def test_every_adjacent_transposition_of_different_digits_is_detected(body, pos):
    number = body + mod11_2_check(body)
    if number[pos] == number[pos + 1]:
        return
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    assert mod11_2_check(swapped[:17]) != swapped[17]
