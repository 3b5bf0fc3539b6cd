"""Pinyin keys for names (姓名拼音键) and parsing of pinyin-only names.

Readings come from pypinyin, with the surname override table of
``data/surnames.toml`` for the character(s) in surname position (单 is "shan" as a
surname, not "dan"). Tones are dropped and ü is written ``v`` (pypinyin's
Style.NORMAL), because registrations almost never carry tones.
"""

from __future__ import annotations

from functools import cache

from pypinyin import Style, pinyin

from tiercare.core.mpi.rules import load_lines, load_table


@cache
def syllables() -> frozenset[str]:
    """The toneless pinyin syllables of ``data/pinyin_syllables.txt``."""
    return frozenset(load_lines("pinyin_syllables.txt"))


@cache
def char_readings(ch: str) -> tuple[str, ...]:
    """All toneless readings of one Han character, most common first."""
    got = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    out: list[str] = []
    for reading in got[0] if got else []:
        if reading and reading not in out:
            out.append(reading)
    return tuple(out)


def surname_readings(surname: str) -> tuple[tuple[str, ...], ...]:
    """Readings per character of a surname, the override table first."""
    overrides: dict[str, str] = load_table("surnames")["polyphonic"]
    if surname in overrides:
        fixed = overrides[surname].split()
        if len(fixed) == len(surname):
            return tuple((syl, *[r for r in char_readings(ch) if r != syl]) for syl, ch in zip(fixed, surname, strict=True))
    out = []
    for ch in surname:
        if ch in overrides:
            out.append((overrides[ch], *[r for r in char_readings(ch) if r != overrides[ch]]))
        else:
            out.append(char_readings(ch))
    return tuple(out)


def name_readings(surname: str, given: str) -> tuple[tuple[str, ...], ...]:
    """Readings per character of a Han name split into surname and given name."""
    return surname_readings(surname) + tuple(char_readings(ch) for ch in given)


def parse_pinyin(text: str) -> tuple[str, ...] | None:
    """Split a pinyin-only name into syllables (拼音切分), or ``None`` when it is
    not pinyin. Words are split at spaces, apostrophes and hyphens; each word is
    cut into the fewest valid syllables (so "xian" stays one syllable, as in
    standard pinyin orthography where "xi'an" needs the apostrophe)."""
    valid = syllables()
    words = [w for w in text.lower().replace("u:", "v").replace("ü", "v").replace("'", " ").replace("-", " ").split()]
    if not words:
        return None
    out: list[str] = []
    for word in words:
        if not word.isascii() or not word.isalpha():
            return None
        n = len(word)
        # best[i]: fewest syllables covering word[:i] (dynamic programming).
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(1, n + 1):
            for j in range(max(0, i - 6), i):
                prev = best[j]
                if prev is not None and word[j:i] in valid and (best[i] is None or len(prev) + 1 < len(best[i] or ())):
                    best[i] = [*prev, word[j:i]]
        cut = best[n]
        if cut is None:
            return None
        out.extend(cut)
    return tuple(out)
