"""Field comparisons for Chinese person records (字段比较), character-level.

Each function returns a level label (strongest agreement first, as listed in the
``*_LEVELS`` tuples) or ``None`` for null evidence. Edit distances are computed on
Unicode code points with rapidfuzz (one Han character is one edit, never three
UTF-8 bytes). Homophones compare toneless pinyin reading sets per character;
shape-alike uses the table of ``data/shape_alike.toml``.
"""

from __future__ import annotations

from functools import cache

from rapidfuzz.distance import OSA

from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise_address import DivisionCode
from tiercare.core.mpi.standardise_date import BirthDate
from tiercare.core.mpi.standardise_id import IdNumber
from tiercare.core.mpi.standardise_name import StandardName

NAME_LEVELS = ("exact", "script", "pinyin", "homophone", "shape", "edit1", "same_surname", "different")
BIRTH_LEVELS = ("exact", "lunar", "swap", "placeholder", "typo", "different")
ID_LEVELS = ("exact", "typo", "different", "different_invalid")
ADDRESS_LEVELS = ("same_village", "same_township", "differ_village", "same_county", "differ_township", "different_county")


@cache
def _shape_groups() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for group in load_table("shape_alike")["groups"]:
        for ch in group:
            out.setdefault(ch, set()).update(group)
    return {ch: frozenset(g - {ch}) for ch, g in out.items()}


def shape_alike(a: str, b: str) -> bool:
    """True when two characters are listed as shape-alike (形近字)."""
    return b in _shape_groups().get(a, frozenset())


def _readings_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return bool(set(a) & set(b))


def _homophone(a: StandardName, b: StandardName) -> bool:
    return len(a.readings) == len(b.readings) and all(
        _readings_overlap(x, y) for x, y in zip(a.readings, b.readings, strict=True)
    )


def _pinyin_matches(pinyin: StandardName, han: StandardName) -> bool:
    sylls = [r[0] for r in pinyin.readings]
    if len(sylls) != len(han.readings):
        return False
    orders = [sylls]
    if len(sylls) >= 2:
        # Western order (given name first): "Wei Zhang" for 张伟.
        s = han.surname_len or 1
        orders.append(sylls[len(sylls) - s :] + sylls[: len(sylls) - s])
    return any(all(syl in r for syl, r in zip(order, han.readings, strict=True)) for order in orders)


def compare_names(a: StandardName | None, b: StandardName | None) -> str | None:
    """Level of agreement of two standardised names (placeholders are null)."""
    if a is None or b is None or a.placeholder or b.placeholder:
        return None
    if a.text == b.text:
        return "script" if a.traditional or b.traditional else "exact"
    han = ("han", "minority")
    if a.script in han and b.script in han:
        if _homophone(a, b):
            return "homophone"
        if len(a.text) == len(b.text) and all(x == y or shape_alike(x, y) for x, y in zip(a.text, b.text, strict=True)):
            return "shape"
        if OSA.distance(a.text, b.text) <= 1:
            return "edit1"
        if a.surname and a.surname == b.surname:
            return "same_surname"
        return "different"
    if a.script == "pinyin" and b.script in han:
        a, b = b, a
    if b.script == "pinyin" and a.script in han:
        if _pinyin_matches(b, a):
            return "pinyin"
        if a.surname_key and a.surname_key == b.surname_key:
            return "same_surname"
        return "different"
    # Both Latin or pinyin: compare the letters (spaces aside).
    ka, kb = a.text.replace(" ", ""), b.text.replace(" ", "")
    if ka == kb:
        return "exact"
    if OSA.distance(ka, kb) <= 1:
        return "edit1"
    if a.surname and a.surname == b.surname:
        return "same_surname"
    return "different"


def compare_birth(a: BirthDate | None, b: BirthDate | None) -> str | None:
    """Birth dates: exact, lunar-as-solar, day/month swapped, placeholder of the
    same year, one-digit typo, different."""
    if a is None or b is None:
        return None
    if a.value == b.value:
        return "exact"
    if a.value == b.as_lunar or b.value == a.as_lunar:
        return "lunar"
    va, vb = a.value, b.value
    if va.year == vb.year and va.month == vb.day and va.day == vb.month:
        return "swap"
    if (a.placeholder or b.placeholder) and va.year == vb.year:
        return "placeholder"
    # One digit wrong or two adjacent digits swapped (1985 -> 1958): OSA distance 1.
    if OSA.distance(a.digits, b.digits) <= 1:
        return "typo"
    return "different"


def compare_ids(a: IdNumber | None, b: IdNumber | None) -> str | None:
    """Own ID numbers: equal; a typo (one not valid and one edit or transposition
    apart); different while both valid (two people); different otherwise."""
    if a is None or b is None:
        return None
    if a.text == b.text:
        return "exact" if a.valid else "typo"
    if a.valid and b.valid:
        return "different"
    if OSA.distance(a.text, b.text) <= 1 or (len(a.text) == len(b.text) == 18 and a.text[:17] == b.text[:17]):
        return "typo"
    return "different_invalid"


def compare_addresses(a: DivisionCode | None, b: DivisionCode | None) -> str | None:
    """Division codes segment-wise (see standardise_address)."""
    if a is None or b is None:
        return None
    depth = min(a.depth, b.depth)
    agree = 0
    while agree < depth and a.segments[agree] == b.segments[agree]:
        agree += 1
    if agree >= 5:
        return "same_village"
    if agree == 4:
        return "differ_village" if depth == 5 else "same_township"
    if agree == 3:
        return "differ_township" if depth >= 4 else "same_county"
    return "different_county"


def birth_gap_level(a: BirthDate | None, b: BirthDate | None) -> str | None:
    """``years`` when birth dates are two or more years apart (siblings), else ``close``."""
    if a is None or b is None:
        return None
    return "years" if abs(a.value.year - b.value.year) >= 2 else "close"


def age_gap_level(a: BirthDate | None, b: BirthDate | None) -> str | None:
    """``generation`` when birth years are a generation apart (data), else ``none``."""
    if a is None or b is None:
        return None
    gap = abs(a.value.year - b.value.year)
    return "generation" if gap >= load_table("model")["features"]["parent_child_min_years"] else "none"
