"""Resident ID numbers (居民身份证号码), GB 11643-1999.

18 characters: 6-digit region code (GB/T 2260), 8-digit birth date, 3-digit
sequence (odd for men, even for women), 1 check character computed with
ISO 7064:1983 MOD 11-2 (may be ``X`` for 10). Legacy 15-digit numbers (issued
before 1999) have a 2-digit year and no check character: they are converted to
18 characters with the century 19 and a recomputed check, as the issuing
authorities did. An invalid number is kept with the reason it failed; it is
never dropped, because a one-character typo is still strong evidence.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from tiercare.core.mpi.rules import load_table


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A standardised ID number (标准化的身份证号).

    ``text`` is the cleaned 18-character form when one could be made (also for
    an invalid check character, so that typos can be compared), else the cleaned
    input. ``valid`` is true only when length, characters, region, birth date and
    check character are all right; otherwise ``reason`` says which failed.
    """

    text: str
    valid: bool
    reason: str | None = None
    region: str | None = None
    birth_date: date | None = None
    male: bool | None = None
    from_legacy: bool = False


def mod11_2_check(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits (GB 11643 §8)."""
    rules = load_table("id_rules")
    weights: list[int] = rules["weights"]
    chars: str = rules["check_chars"]
    if len(body17) != 17 or not body17.isascii() or not body17.isdigit():
        raise ValueError("the body of an ID number is 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return chars[total % 11]


def _clean(raw: str) -> str:
    # NFKC folds full-width digits and Ｘ; drop every space or separator keyed in.
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_.").upper()


def _birth(text8: str) -> date | None:
    try:
        return date(int(text8[:4]), int(text8[4:6]), int(text8[6:8]))
    except ValueError:
        return None


def standardise_id_number(raw: str | None, *, today: date) -> IdNumber | None:
    """Clean, convert and check an ID number; ``None`` when nothing was given.

    ``today`` bounds the birth date (a number born in the future is invalid).
    """
    if raw is None:
        return None
    text = _clean(raw)
    if not text:
        return None
    rules = load_table("id_rules")
    legacy = False
    if len(text) == 15:
        if not (text.isascii() and text.isdigit()):
            return IdNumber(text=text, valid=False, reason="characters")
        body = text[:6] + rules["legacy_century"] + text[6:]
        text = body + mod11_2_check(body)
        legacy = True
    if len(text) != 18:
        return IdNumber(text=text, valid=False, reason="length")
    body, check = text[:17], text[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        return IdNumber(text=text, valid=False, reason="characters")
    region, born, male = body[:6], _birth(body[6:14]), int(body[16]) % 2 == 1
    if region[:2] not in rules["province_codes"]:
        return IdNumber(text=text, valid=False, reason="region", birth_date=born, male=male)
    if born is None or born.year < rules["min_birth_year"] or born > today:
        return IdNumber(text=text, valid=False, reason="birth_date", region=region, male=male)
    if mod11_2_check(body) != check:
        return IdNumber(text=text, valid=False, reason="check", region=region, birth_date=born, male=male)
    return IdNumber(text=text, valid=True, region=region, birth_date=born, male=male, from_legacy=legacy)
