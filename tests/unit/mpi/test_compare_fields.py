from datetime import date

import pytest

from tiercare.core.mpi.compare_fields import (
    age_gap_level,
    compare_addresses,
    compare_birth,
    compare_ids,
    compare_names,
    shape_alike,
)
from tiercare.core.mpi.standardise_address import standardise_address_code
from tiercare.core.mpi.standardise_date import standardise_birth_date
from tiercare.core.mpi.standardise_id import standardise_id_number
from tiercare.core.mpi.standardise_name import standardise_name

TODAY = date(2026, 11, 23)


def n(raw):
    return standardise_name(raw, [])


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("张伟", "张伟", "exact"),
        ("張偉", "张伟", "script"),  # traditional script
        ("zhang wei", "张伟", "pinyin"),  # pinyin-only registration
        ("Wei Zhang", "张伟", "pinyin"),  # Western order
        ("单田芳", "shan tian fang", "pinyin"),  # surname reading from the override table
        ("张伟", "张玮", "homophone"),  # same toneless pinyin
        ("曾乐", "曾悦", "homophone"),  # 乐 yue/le is polyphonic
        ("王己", "王已", "shape"),  # shape-alike
        ("李明浩", "李明洋", "edit1"),
        ("张伟", "张大伟", "edit1"),
        ("张伟", "张建国", "same_surname"),
        ("张伟", "李娜", "different"),
        ("zhang wei", "zhangwei", "exact"),
        ("john smith", "jon smith", "edit1"),
    ],
)
def test_name_levels(a, b, level):
    assert compare_names(n(a), n(b)) == level
    assert compare_names(n(b), n(a)) == level


def test_character_level_edit_distance_not_bytes():
    # One Han character is 3 UTF-8 bytes; a byte-level distance would say 3.
    assert compare_names(n("欧阳娜娜"), n("欧阳娜")) == "edit1"


def test_placeholder_and_missing_names_are_null():
    assert compare_names(n("王某某之子"), n("王某某之子")) is None
    assert compare_names(None, n("张伟")) is None


def test_shape_table_is_symmetric_and_specific():
    assert shape_alike("己", "已") and shape_alike("已", "己")
    assert not shape_alike("己", "王")


def d(raw, **kw):
    return standardise_birth_date(raw, [], today=TODAY, **kw)


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1980-05-03", "1980-05-03", "exact"),
        ("1980-08-15", "1980-09-23", "lunar"),  # lunar birthday typed as solar
        ("1980-05-03", "1980-03-05", "swap"),
        ("1980-01-01", "1980-06-17", "placeholder"),
        ("1985-06-17", "1958-06-17", "typo"),  # adjacent digits swapped
        ("1985-06-17", "1985-06-18", "typo"),
        ("1980-05-03", "1992-11-20", "different"),
    ],
)
def test_birth_levels(a, b, level):
    assert compare_birth(d(a), d(b)) == level
    assert compare_birth(d(b), d(a)) == level


def i(raw):
    return standardise_id_number(raw, today=TODAY)


def test_id_levels():
    own = "11010519491231002X"
    assert compare_ids(i(own), i(own)) == "exact"
    assert compare_ids(i(own), i("110105491231002")) == "exact"  # 15-digit legacy number
    assert compare_ids(i(own), i("110105194912310028")) == "typo"  # wrong check character
    assert compare_ids(i(own), i("11010519491231102X")) == "typo"  # one digit wrong: invalid
    assert compare_ids(i(own), i("110105194912310011")) == "different"  # both valid: two people
    assert compare_ids(i(own), i("3201021980")) == "different_invalid"
    assert compare_ids(i(own), None) is None


def a(code):
    return standardise_address_code(code, [])


@pytest.mark.parametrize(
    ("x", "y", "level"),
    [
        ("430124105201", "430124105201", "same_village"),
        ("430124105201", "430124105202", "differ_village"),
        ("430124105201", "430124105", "same_township"),
        ("430124105201", "430124", "same_county"),
        ("430124105201", "430124106201", "differ_township"),
        ("430124105201", "430125105201", "different_county"),
    ],
)
def test_address_levels(x, y, level):
    assert compare_addresses(a(x), a(y)) == level


def test_age_gap():
    assert age_gap_level(d("1960-01-02"), d("1988-03-04")) == "generation"
    assert age_gap_level(d("1980-01-02"), d("1984-03-04")) == "none"
