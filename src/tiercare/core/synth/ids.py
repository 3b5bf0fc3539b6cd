"""Identifiers: the 18-character resident identity number (居民身份证号, GB 11643-1999)
and its 15-digit legacy form, and mobile numbers.

GB 11643: 6-digit address code (GB/T 2260) + 8-digit birth date + 3-digit sequence
(odd = male, even = female) + 1 check character computed by ISO 7064 MOD 11-2
(weights 2^(17-i) mod 11; the value 10 is written X).
"""

from __future__ import annotations

from datetime import date
from operator import mul

# ISO 7064 MOD 11-2 weights for positions 1..17 (GB 11643-1999, 附录 A).
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK = "10X98765432"


def check_char(first17: str) -> str:
    """The check character of the 17 leading digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("an ID number body has 17 digits")
    total = sum(map(mul, map(int, first17), _WEIGHTS))
    return _CHECK[total % 11]


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """An 18-character ID number; ``sequence`` (0..999) odd for males."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def is_valid_id_number(value: str) -> bool:
    """True when an 18-character ID has a well-formed date and a correct check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return check_char(value[:17]) == value[17].upper()


def to_legacy_15(id18: str) -> str:
    """The first-generation 15-digit form (before 1999): 2-digit year, no check character."""
    return id18[:6] + id18[8:17]


def id_sex_is_male(id18: str) -> bool:
    return int(id18[16]) % 2 == 1


def mobile_number(prefix: int, rest: int) -> str:
    """An 11-digit mainland mobile number from a 3-digit prefix (e.g. 138) and 8 digits."""
    return f"{prefix:03d}{rest:08d}"
