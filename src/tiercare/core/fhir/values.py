"""Value normalisation shared by index extraction and search parsing.

* Strings (R4 search §3.1.1.5.6 "string": case- and accent-insensitive): NFKC, OpenCC
  traditional -> simplified (张伟 = 張偉), casefold, accents stripped, spaces collapsed.
* Pinyin keys (a TierCare extension for Chinese names and addresses): toneless syllables
  joined by one space ("zhang wei"), from pypinyin.
* Dates (R4 search §3.1.1.5.2 "date"): every date, dateTime or instant is the half-open
  UTC interval ``[low, high)`` its precision covers; a value without a time zone is read in
  ``local_tz`` (UTC unless the caller passes the region's zone, e.g. +08:00).
* Decimals: kept as :class:`decimal.Decimal`, with the implicit range of their precision
  (R4 search §3.1.1.5.1 "number": 100 matches [99.5, 100.5)).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

# Open ends of periods: the store can keep these as -infinity/+infinity.
MIN_DATE = datetime(1, 1, 1, tzinfo=UTC)
MAX_DATE = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

_T2S = opencc.OpenCC("t2s")
_ONE_DAY = timedelta(days=1)
_LAST_DAY = datetime(9999, 12, 31, tzinfo=UTC)
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=65536)
def normalize_string(text: str) -> str:
    """The search form of a string: simplified script, NFKC, casefolded, unaccented, trimmed."""
    if text.isascii():
        return _SPACES.sub(" ", text.casefold()).strip()
    s = unicodedata.normalize("NFKC", _T2S.convert(text)).casefold()
    decomposed = unicodedata.normalize("NFD", s)
    if decomposed != s:
        # Drop combining marks only (é -> e); recompose the rest (Hangul, kana keep their form).
        s = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return _SPACES.sub(" ", s).strip()


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


@lru_cache(maxsize=65536)
def pinyin_key(text: str) -> str | None:
    """Toneless pinyin of the Han characters of ``text``, syllables space-joined; None without Han.

    Other words are kept, normalised: '张伟 Jr.' -> 'zhang wei jr.'.
    """
    if not has_han(text):
        return None
    words: list[str] = []
    for part in lazy_pinyin(normalize_string(text), style=Style.NORMAL, errors="default"):
        words.extend(part.split())
    return " ".join(w.casefold() for w in words if w)


def normalize_pinyin_query(text: str) -> str:
    """A pinyin search value: 'Zhang  Wei' -> 'zhang wei'; Han characters are converted too."""
    key = pinyin_key(text)
    return key if key is not None else normalize_string(text)


# ---------------------------------------------------------------- dates

_DATE = re.compile(  # ASCII: \d must not match full-width digits
    r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?",
    re.ASCII,
)


def _add_months(dt: datetime, months: int) -> datetime:
    y, m = divmod(dt.month - 1 + months, 12)
    year = dt.year + y
    if year > 9999:
        return MAX_DATE
    return dt.replace(year=year, month=m + 1)


@lru_cache(maxsize=65536)  # timestamps repeat within a load (one encounter, many observations)
def date_range(text: str, local_tz: tzinfo = UTC) -> tuple[datetime, datetime] | None:
    """``[low, high)`` in UTC of a FHIR date, dateTime or instant; None if it is not one.

    Precision sets the width: '2024' is the whole year, '2024-03-01T10:00:00.5Z' half a
    second's tenth (one unit of the last digit given).
    """
    if (len(text) == 10 and local_tz is UTC and text[4] == "-" and text[7] == "-" and text.isascii()
            and text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit()):
        # Fast path for the commonest form, a UTC calendar date (birthDate, onsetDate...).
        try:
            midnight = datetime(int(text[:4]), int(text[5:7]), int(text[8:]), tzinfo=UTC)
        except ValueError:
            return None  # 2023-02-30, year 0
        return midnight, (midnight + _ONE_DAY if midnight < _LAST_DAY else MAX_DATE)
    m = _DATE.fullmatch(text.strip())
    if not m:
        return None
    g = m.groupdict()
    tz: tzinfo | None = local_tz
    if g["tz"]:
        tz = _zone(g["tz"])
        if tz is None:
            return None
    try:
        year = int(g["y"])
        if year == 0:
            return None
        month = int(g["m"] or 1)
        day = int(g["d"] or 1)
        hour = int(g["H"] or 0)
        minute = int(g["M"] or 0)
        second = int(g["S"] or 0)
        frac = g["f"] or ""
        micro = int((frac + "000000")[:6]) if frac else 0
        low = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None  # 2023-02-30, hour 25 ...
    if g["m"] is None:
        high = _add_months(low, 12)
    elif g["d"] is None:
        high = _add_months(low, 1)
    elif g["H"] is None:
        high = low + timedelta(days=1)
    elif g["S"] is None:
        high = low + timedelta(minutes=1)
    elif not frac:
        high = low + timedelta(seconds=1)
    else:
        high = low + timedelta(microseconds=max(1, 10 ** (6 - min(len(frac), 6))))
    return _to_utc(low), _to_utc(high)


@lru_cache(maxsize=256)
def _zone(text: str) -> tzinfo | None:
    """'Z' or '+08:00' -> a fixed-offset zone (cached: a region uses one or two)."""
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    tz_h, tz_m = int(text[1:3]), int(text[4:6])
    if tz_h > 14 or tz_m > 59:
        return None
    return timezone(sign * timedelta(hours=tz_h, minutes=tz_m))


def _to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is UTC:
        return dt
    try:
        return dt.astimezone(UTC)
    except OverflowError:
        return MIN_DATE if dt.year < 2 else MAX_DATE


# ---------------------------------------------------------------- numbers

_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?", re.ASCII)


def parse_decimal(text: str) -> Decimal | None:
    if not _DECIMAL.fullmatch(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        return None


def implicit_range(value: Decimal) -> tuple[Decimal, Decimal]:
    """The range a decimal's precision implies: 100 -> [99.5, 100.5), 1.50 -> [1.495, 1.505)."""
    exponent = value.as_tuple().exponent
    exp = exponent if isinstance(exponent, int) else 0
    half = Decimal(5).scaleb(exp - 1)
    return value - half, value + half
