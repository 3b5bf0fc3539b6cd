from datetime import date

import pytest

from tiercare.core.synth.ids import (
    check_char,
    id_sex_is_male,
    is_valid_id_number,
    make_id_number,
    to_legacy_15,
)


def test_check_character_of_the_standard_example() -> None:
    # GB 11643-1999 annex example: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")


def test_made_numbers_are_valid_and_carry_sex_and_birth() -> None:
    n = make_id_number("339021", date(1980, 2, 29), 17)
    assert len(n) == 18 and n.startswith("33902119800229017")
    assert is_valid_id_number(n)
    assert id_sex_is_male(n)
    assert not id_sex_is_male(make_id_number("339021", date(1980, 2, 29), 18))


def test_invalid_numbers_are_refused() -> None:
    good = make_id_number("339021", date(1975, 6, 1), 33)
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert not is_valid_id_number(bad_check)
    assert not is_valid_id_number("339021197502300331")  # 30 February
    assert not is_valid_id_number(good[:17])
    with pytest.raises(ValueError):
        check_char("123")


def test_legacy_15_digit_form_drops_century_and_check() -> None:
    assert to_legacy_15("11010519491231002X") == "110105491231002"
