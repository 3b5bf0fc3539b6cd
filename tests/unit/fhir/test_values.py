"""String normalisation, pinyin keys, date ranges and decimal precision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from tiercare.core.fhir.values import (
    MAX_DATE,
    date_range,
    implicit_range,
    normalize_pinyin_query,
    normalize_string,
    parse_decimal,
    pinyin_key,
)


def test_traditional_and_simplified_names_normalise_equal() -> None:
    assert normalize_string("張偉") == normalize_string("张伟") == "张伟"
    assert normalize_string("  José  MÜLLER ") == "jose muller"
    assert normalize_string("ＡＢＣ１") == "abc1"  # full-width forms (NFKC)
    assert normalize_string("Straße") == "strasse"  # casefold, not lower


def test_pinyin_keys_are_toneless_and_space_joined() -> None:
    assert pinyin_key("張偉") == "zhang wei"
    assert pinyin_key("张伟") == "zhang wei"
    assert pinyin_key("李 Jr.") == "li jr."
    assert pinyin_key("Smith") is None
    assert normalize_pinyin_query("  Zhang   Wei ") == "zhang wei"
    assert normalize_pinyin_query("张伟") == "zhang wei"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_date_ranges_follow_precision() -> None:
    assert date_range("2024") == (utc(2024, 1, 1), utc(2025, 1, 1))
    assert date_range("2024-02") == (utc(2024, 2, 1), utc(2024, 3, 1))
    assert date_range("2024-12") == (utc(2024, 12, 1), utc(2025, 1, 1))
    assert date_range("2024-02-29") == (utc(2024, 2, 29), utc(2024, 3, 1))
    assert date_range("2024-03-01T10:00") == (utc(2024, 3, 1, 10), utc(2024, 3, 1, 10, 1))
    assert date_range("2024-03-01T10:00:00+08:00") == (utc(2024, 3, 1, 2), utc(2024, 3, 1, 2, 0, 1))
    low, high = date_range("2024-03-01T10:00:00.12Z")  # type: ignore[misc]
    assert (low, high - low) == (utc(2024, 3, 1, 10, 0, 0, 120000), timedelta(milliseconds=10))
    assert date_range("9999") == (utc(9999, 1, 1), MAX_DATE)


def test_dates_without_zone_use_the_given_local_zone() -> None:
    beijing = timezone(timedelta(hours=8))
    assert date_range("2024-03-01", beijing) == (utc(2024, 2, 29, 16), utc(2024, 3, 1, 16))


def test_invalid_dates_are_rejected() -> None:
    for bad in ("2023-02-30", "24-01-01", "2024-13", "2024-01-01T25:00", "0000", "2024-01-01T10:00+15:00", ""):
        assert date_range(bad) is None, bad


def test_decimals_keep_their_precision() -> None:
    assert parse_decimal("1.50") == Decimal("1.50")
    assert parse_decimal("1e3") == Decimal("1000")
    assert parse_decimal("01") is None and parse_decimal("abc") is None
    assert implicit_range(Decimal("100")) == (Decimal("99.5"), Decimal("100.5"))
    assert implicit_range(Decimal("1.50")) == (Decimal("1.495"), Decimal("1.505"))


def test_only_ascii_digits_are_dates_and_numbers() -> None:
    assert date_range("１９８０-05-01") is None
    assert date_range("１９８０") is None
    assert date_range("+980-05-01") is None
    assert parse_decimal("１") is None
    assert date_range("9999-12-31") == (utc(9999, 12, 31), MAX_DATE)
