"""Names (姓名标准化): folding, script, minority separators, placeholders, pinyin.

Steps, in order: Unicode NFKC (full-width letters and digits to half-width);
control characters removed (reported); spaces dropped between Han characters;
the many dots keyed into minority names (维吾尔族 etc.) mapped to the middle dot
U+00B7 prescribed by GB/T 15834-2011; traditional to simplified with OpenCC
``t2s`` (never the reverse: s2t turns the surname 余 into 餘); split into surname
and given name (compound surnames from data); pinyin readings per character.
Pinyin-only names are parsed into syllables. Newborn placeholders (某某之子,
婴儿) are recognised and carry no name evidence. Garbage (emoji, symbols, a
30-character name) is reported and the name becomes null: it is never a match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from opencc import OpenCC

from tiercare.core.mpi.pinyin import name_readings, parse_pinyin
from tiercare.core.mpi.record import Issue, Severity
from tiercare.core.mpi.rules import load_table


@dataclass(frozen=True, slots=True)
class StandardName:
    """A standardised name (标准化姓名).

    ``script`` is ``han`` (Chinese characters), ``minority`` (Han with the middle
    dot), ``pinyin`` (pinyin only) or ``latin`` (other Latin-script name).
    ``readings`` holds the toneless readings of each character (or the single
    parsed syllable of pinyin input), most likely first; ``key`` joins the first
    readings and is the pinyin blocking key.
    """

    text: str
    script: str
    surname: str
    given: str
    readings: tuple[tuple[str, ...], ...]
    traditional: bool = False
    placeholder: bool = False

    @property
    def key(self) -> str:
        return "".join(r[0] for r in self.readings if r)

    @property
    def surname_key(self) -> str:
        if self.script in ("han", "pinyin"):
            return "".join(r[0] for r in self.readings[: self.surname_len] if r)
        return self.surname.lower()

    @property
    def given_key(self) -> str:
        if self.script in ("han", "pinyin"):
            return "".join(r[0] for r in self.readings[self.surname_len :] if r)
        return self.given.lower()

    @property
    def surname_len(self) -> int:
        return len(self.surname) if self.script == "han" else (1 if self.script == "pinyin" else 0)


def is_han(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block and extensions A–H)."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x323AF or ch == "〇"


@cache
def _t2s() -> Any:
    return OpenCC("t2s")


def _fold(raw: str, issues: list[Issue], field: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    cleaned = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    if cleaned != text:
        issues.append(Issue(field, "control_characters", Severity.WARNING))
    rules = load_table("name_rules")
    dot = rules["canonical_middle_dot"]
    has_han = any(is_han(ch) for ch in cleaned)
    out = []
    for ch in cleaned:
        if ch in rules["middle_dots"] and (has_han or ch not in "-."):
            out.append(dot)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    if has_han:
        # Spaces inside a Han name are layout ("张 伟"), never part of the name.
        text = text.replace(" ", "").strip(dot)
    return text


def _placeholder(text: str) -> bool:
    rules = load_table("name_rules")
    return any(text.endswith(s) for s in rules["newborn_suffixes"]) or any(w in text for w in rules["newborn_words"])


def _split_han(text: str) -> tuple[str, str]:
    compounds: list[str] = load_table("surnames")["compound"]["list"]
    if len(text) >= 3 and text[:2] in compounds:
        return text[:2], text[2:]
    return text[:1], text[1:]


def standardise_name(
    raw: str | None,
    issues: list[Issue],
    *,
    family: str | None = None,
    given: str | None = None,
    field: str = "name",
) -> StandardName | None:
    """Standardise a full name, or the family and given parts when only they are
    given; findings are appended to ``issues``. ``None`` means no usable name."""
    if not raw or not raw.strip():
        if family or given:
            han_like = any(is_han(ch) for ch in (family or "") + (given or ""))
            raw = f"{family or ''}{given or ''}" if han_like else f"{family or ''} {given or ''}"
        else:
            issues.append(Issue(field, "missing", Severity.WARNING))
            return None
    rules = load_table("name_rules")
    text = _fold(raw, issues, field)
    if not text:
        issues.append(Issue(field, "empty"))
        return None
    if len(text) > rules["max_chars"]:
        issues.append(Issue(field, "too_long"))
        return None
    dot = rules["canonical_middle_dot"]
    allowed = all(is_han(ch) or ch == dot or (ch.isascii() and (ch.isalpha() or ch in " '-")) for ch in text)
    if not allowed:
        issues.append(Issue(field, "characters"))
        return None
    if any(is_han(ch) for ch in text):
        if not all(is_han(ch) or ch == dot for ch in text):
            issues.append(Issue(field, "mixed_script"))
            return None
        simple = str(_t2s().convert(text))
        traditional = simple != text
        placeholder = _placeholder(simple)
        if dot in simple:
            chars = simple.replace(dot, "")
            return StandardName(
                text=simple, script="minority", surname="", given=simple,
                readings=name_readings("", chars), traditional=traditional, placeholder=placeholder,
            )
        if len(simple) < rules["min_han_chars"]:
            issues.append(Issue(field, "too_short", Severity.WARNING))
        if family and given and family + given == raw.strip():
            sur, giv = str(_t2s().convert(family)), str(_t2s().convert(given))
        else:
            sur, giv = _split_han(simple)
        return StandardName(
            text=simple, script="han", surname=sur, given=giv,
            readings=name_readings(sur, giv), traditional=traditional, placeholder=placeholder,
        )
    lowered = " ".join(text.lower().split())
    sylls = parse_pinyin(lowered)
    if sylls is not None:
        # Surname first, as in Chinese order and GB/T 28039-2011 (中国人名汉语拼音
        #字母拼写规则); the comparison also tries the Western order.
        return StandardName(
            text=" ".join(sylls), script="pinyin", surname=sylls[0], given="".join(sylls[1:]),
            readings=tuple((s,) for s in sylls),
        )
    parts = lowered.replace("-", " ").replace("'", " ").split()
    if not parts:
        issues.append(Issue(field, "empty"))
        return None
    return StandardName(
        text=lowered, script="latin", surname=parts[-1] if len(parts) > 1 else "", given=" ".join(parts[:-1]) or parts[0],
        readings=(),
    )
