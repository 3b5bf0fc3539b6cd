"""Phone numbers (电话号码标准化).

Mobile numbers are 11 digits starting 1[3-9]; a +86, 0086 or 86 country prefix is
removed. Landlines keep their 0-prefixed area code; an extension (转, ext, #) is
dropped. A landline without area code is kept as ``local`` (it cannot be compared
across counties safely). Patterns are data (``data/phone_rules.toml``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from tiercare.core.mpi.record import Issue, Severity
from tiercare.core.mpi.rules import load_table

_EXTENSION = re.compile(r"(转|分机|ext\.?|x|#).*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Phone:
    """A standardised phone: ``kind`` is ``mobile``, ``landline`` or ``local``."""

    digits: str
    kind: str


def _strip_country(digits: str, plus: bool, rules: dict[str, Any]) -> str:
    # "+86 ..." and "0086 ..." are unambiguous; a bare "86" only when what follows
    # is a whole mobile number (13 digits), since 86 may start a local number.
    for prefix in rules["country_prefixes"]:
        bare = str(prefix).lstrip("+")
        explicit = (plus and prefix.startswith("+")) or bare.startswith("00")
        if digits.startswith(bare) and (explicit or len(digits) == 13):
            rest = digits[len(bare) :]
            if re.match(str(rules["mobile_pattern"]), rest):
                return rest
            if explicit:
                return "0" + rest.lstrip("0")
    return digits


def standardise_phone(raw: str, issues: list[Issue], field: str = "phone") -> Phone | None:
    """Standardise one phone number; ``None`` (with an issue) when it is not one."""
    rules = load_table("phone_rules")
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    text = _EXTENSION.sub("", text)
    plus = text.startswith("+")
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if any(ch.isalpha() for ch in text) or not digits:
        issues.append(Issue(field, "characters"))
        return None
    digits = _strip_country(digits, plus, rules)
    if re.match(rules["mobile_pattern"], digits):
        return Phone(digits, "mobile")
    if re.match(rules["landline_pattern"], digits):
        return Phone(digits, "landline")
    if re.match(rules["local_pattern"], digits):
        issues.append(Issue(field, "no_area_code", Severity.WARNING))
        return Phone(digits, "local")
    issues.append(Issue(field, "pattern"))
    return None
