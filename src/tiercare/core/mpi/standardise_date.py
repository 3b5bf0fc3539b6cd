"""Birth dates (出生日期标准化): formats, lunar dates, placeholders, checks.

Accepted forms: ISO ``YYYY-MM-DD``, ``YYYYMMDD``, ``YYYY/M/D``, ``YYYY.M.D`` and
``YYYY年M月D日`` (full-width digits folded). A date marked lunar (农历/阴历 prefix,
or the record's lunar flag) is converted to the solar calendar with lunardate;
``闰`` marks a leap month. For every solar date we also keep the solar date it
would be if its numbers were a lunar date, because residents often give their
lunar birthday and clerks type it as solar: the comparison then sees the pair as
equal at the ``lunar`` level. 1 January (and other placeholder month-days from
data) is flagged: the year is known, the day probably not. Dates in the future
(relative to ``today``, an argument) or before the minimum year are errors.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from lunardate import LunarDate

from tiercare.core.mpi.record import Issue, Severity
from tiercare.core.mpi.rules import load_table

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMERIC = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A standardised birth date. ``value`` is solar; ``as_lunar`` is the solar
    date that ``value``'s numbers denote if read as a lunar date (None when that
    lunar date does not exist); ``placeholder`` marks a month-day placeholder."""

    value: date
    as_lunar: date | None = None
    from_lunar: bool = False
    placeholder: bool = False

    @property
    def digits(self) -> str:
        """YYYYMMDD, for digit-level typo comparison."""
        v = self.value
        return f"{v.year:04d}{v.month:02d}{v.day:02d}"


def _cn_number(text: str) -> int | None:
    # 农历 months and days are often written in characters: 八月十五, 正月初一, 腊月廿三.
    text = text.replace("初", "").replace("廿", "二十").replace("卅", "三十")
    text = text.replace("正", "一").replace("冬", "十一").replace("腊", "十二")
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[ch]) for ch in text))


def _parts(text: str) -> tuple[int, int, int] | None:
    m = _NUMERIC.match(text)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = re.match(r"^(\d{4})年?(.+?)月(.+?)日?$", text)
    if m:
        month, day = _cn_number(m.group(2)), _cn_number(m.group(3))
        if month is not None and day is not None:
            return int(m.group(1)), month, day
    return None


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date | None:
    """Solar date of a lunar date (农历转公历), or None if it does not exist."""
    try:
        solar = LunarDate(year, month, day, leap).to_solar_date()
    except (ValueError, IndexError, KeyError):
        return None
    return solar if isinstance(solar, date) else None


def standardise_birth_date(
    raw: str | None, issues: list[Issue], *, today: date, lunar: bool = False, field: str = "birth_date"
) -> BirthDate | None:
    """Parse, convert and check a birth date; ``None`` (with an issue) if unusable."""
    if raw is None or not raw.strip():
        issues.append(Issue(field, "missing", Severity.WARNING))
        return None
    rules = load_table("date_rules")
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    for marker in rules["lunar_markers"]:
        if text.lower().startswith(marker):
            lunar, text = True, text[len(marker) :]
    leap = any(m in text for m in rules["leap_markers"])
    for m in rules["leap_markers"]:
        text = text.replace(m, "")
    parts = _parts(text)
    if parts is None:
        issues.append(Issue(field, "format"))
        return None
    year, month, day = parts
    if lunar:
        solar = lunar_to_solar(year, month, day, leap)
        if solar is None:
            issues.append(Issue(field, "lunar_date"))
            return None
        value = solar
    else:
        try:
            value = date(year, month, day)
        except ValueError:
            issues.append(Issue(field, "calendar"))
            return None
    if value > today:
        issues.append(Issue(field, "future"))
        return None
    if value.year < rules["min_year"]:
        issues.append(Issue(field, "too_old"))
        return None
    placeholder = f"{month:02d}-{day:02d}" in rules["placeholder_month_days"] and not lunar
    if placeholder:
        issues.append(Issue(field, "placeholder", Severity.WARNING))
    as_lunar = None if lunar else lunar_to_solar(year, month, day)
    return BirthDate(value=value, as_lunar=as_lunar, from_lunar=lunar, placeholder=placeholder)
