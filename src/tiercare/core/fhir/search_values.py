"""Parsed search values, one class per parameter type (R4 search §3.1.1.5), and their parsing.

Values are normalised the same way as index rows (tiercare.core.fhir.values), so a value
compares directly with the matching row: StringValue.value with StringRow.value, a
DateValue's [low, high) with a DateRow's, and so on. :func:`range_matches` states the
prefix semantics once for dates, numbers and quantities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from tiercare.core.errors import InvalidInput
from tiercare.core.fhir.index import parse_reference
from tiercare.core.fhir.values import (
    date_range,
    implicit_range,
    normalize_pinyin_query,
    normalize_string,
    parse_decimal,
)

# R4 search §3.1.1.4 "prefixes"
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


@dataclass(frozen=True, slots=True)
class TokenValue:
    """``code`` (any system), ``system|code``, ``|code`` (no system: no_system=True),
    ``system|`` (any code in the system: code None)."""

    system: str | None
    code: str | None
    no_system: bool = False


@dataclass(frozen=True, slots=True)
class StringValue:
    """``value`` normalised for the default starts-with and :contains matches (or the pinyin
    query for the pinyin extension), ``exact`` as given for :exact."""

    value: str
    exact: str


@dataclass(frozen=True, slots=True)
class DateValue:
    prefix: str
    low: datetime
    high: datetime


@dataclass(frozen=True, slots=True)
class NumberValue:
    """``value`` as given; [low, high) the implicit range of its precision."""

    prefix: str
    value: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class QuantityValue:
    """``[prefix]number|system|code``; system/code None when not given (``5.4||mg`` leaves system None)."""

    prefix: str
    value: Decimal
    low: Decimal
    high: Decimal
    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    """``Type/id``, ``id`` (target_type from a :Type modifier or the only target, else None),
    an absolute URL (url set, type/id parsed from it when it ends in Type/id), or a canonical
    ``url|version``."""

    target_type: str | None
    target_id: str | None
    url: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class UriValue:
    uri: str


@dataclass(frozen=True, slots=True)
class CompositeValue:
    """The components of ``a$b``, each parsed with its component's type, in definition order."""

    parts: tuple[SearchValue, ...]


SearchValue = TokenValue | StringValue | DateValue | NumberValue | QuantityValue | ReferenceValue | UriValue | CompositeValue


def split_escaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash (R4 search §3.1.1.1.5 escaping); keep escapes."""
    parts: list[str] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\,$|":
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _bad(name: str, what: str) -> InvalidInput:
    return InvalidInput(f"invalid value for search parameter '{name}': {what}", expression=[name])


def split_prefix(text: str) -> tuple[str, str]:
    if len(text) > 2 and text[:2] in PREFIXES and (text[2].isdigit() or text[2] in "-."):
        return text[:2], text[2:]
    return "eq", text


def parse_token(name: str, raw: str) -> TokenValue:
    parts = split_escaped(raw, "|")
    if len(parts) == 1:
        code = unescape(parts[0])
        if not code:
            raise _bad(name, "empty token")
        return TokenValue(None, code)
    if len(parts) != 2:
        raise _bad(name, "a token is [system]|[code]")
    system, code = unescape(parts[0]), unescape(parts[1])
    if not system and not code:
        raise _bad(name, "empty token")
    return TokenValue(system or None, code or None, no_system=not system)


def parse_string(name: str, raw: str, pinyin: bool = False) -> StringValue:
    text = unescape(raw)
    if not text.strip():
        raise _bad(name, "empty string")
    return StringValue(normalize_pinyin_query(text) if pinyin else normalize_string(text), text)


def parse_date(name: str, raw: str, tz: tzinfo = UTC) -> DateValue:
    prefix, text = split_prefix(raw)
    r = date_range(text, tz)
    if r is None:
        raise _bad(name, "not a FHIR date or dateTime")
    return DateValue(prefix, r[0], r[1])


def parse_number(name: str, raw: str) -> NumberValue:
    prefix, text = split_prefix(raw)
    value = parse_decimal(text)
    if value is None:
        raise _bad(name, "not a number")
    low, high = implicit_range(value)
    return NumberValue(prefix, value, low, high)


def parse_quantity(name: str, raw: str) -> QuantityValue:
    parts = split_escaped(raw, "|")
    if len(parts) not in (1, 3):
        raise _bad(name, "a quantity is [prefix]number[|system|code]")
    number = parse_number(name, parts[0])
    system = unescape(parts[1]) if len(parts) == 3 else ""
    code = unescape(parts[2]) if len(parts) == 3 else ""
    return QuantityValue(number.prefix, number.value, number.low, number.high, system or None, code or None)


def parse_reference_value(name: str, raw: str, type_modifier: str | None, targets: tuple[str, ...]
                          ) -> ReferenceValue:
    text = unescape(raw)
    if not text:
        raise _bad(name, "empty reference")
    if "://" in text or text.startswith("urn:"):
        url, _, version = text.partition("|")
        ttype, tid, abs_url, hist = parse_reference(url)
        return ReferenceValue(ttype, tid, abs_url or url, version or hist)
    if "/" in text:
        ttype, tid, _, hist = parse_reference(text)
        if ttype is None or tid is None:
            raise _bad(name, "a reference is [Type/]id or an absolute URL")
        if type_modifier and ttype != type_modifier:
            raise _bad(name, f"reference type {ttype} conflicts with :{type_modifier}")
        return ReferenceValue(ttype, tid, None, hist)
    implied = type_modifier or (targets[0] if len(targets) == 1 else None)
    return ReferenceValue(implied, text)


def parse_uri(name: str, raw: str) -> UriValue:
    text = unescape(raw)
    if not text:
        raise _bad(name, "empty uri")
    return UriValue(text)


def range_matches(prefix: str, search: tuple[Any, Any], target: tuple[Any | None, Any | None],
                  approx: tuple[Any, Any] | None = None) -> bool:
    """Does a target range satisfy ``prefix`` against a search range (R4 search §3.1.1.4)?

    Ranges are ``[low, high)``; a target end of None is open (unbounded). ``approx`` is the
    widened search range for ``ap`` (the caller decides the width, e.g. 10% of the gap to
    now for dates). This is the reference semantics that a store's SQL must reproduce.
    """
    s_low, s_high = search
    t_low, t_high = target
    lo_open, hi_open = t_low is None, t_high is None
    contained = (not lo_open and not hi_open and s_low <= t_low and t_high <= s_high)
    if prefix == "eq":
        return contained
    if prefix == "ne":
        return not contained
    if prefix == "gt":
        return hi_open or t_high > s_high
    if prefix == "lt":
        return lo_open or t_low < s_low
    if prefix == "ge":
        return hi_open or t_high > s_low
    if prefix == "le":
        return lo_open or t_low < s_high
    if prefix == "sa":
        return not lo_open and t_low >= s_high
    if prefix == "eb":
        return not hi_open and t_high <= s_low
    if prefix == "ap":
        a_low, a_high = approx or search
        return (lo_open or t_low < a_high) and (hi_open or t_high > a_low)
    raise ValueError(prefix)


def approximate_date_range(value: DateValue, now: datetime) -> tuple[datetime, datetime]:
    """The ``ap`` range of a date: widened by 10% of the gap between now and the date (R4 §3.1.1.4)."""
    gap = abs(now - value.low)
    pad = max(gap / 10, timedelta(days=1))
    return value.low - pad, value.high + pad
