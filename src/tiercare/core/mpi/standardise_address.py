"""Address division codes (行政区划代码) compared segment by segment.

GB/T 2260 gives 6 digits (province 2, prefecture 2, county 2); GB/T 10114 adds
the township (3 digits) and the statistics code of the National Bureau of
Statistics the village (3 digits), 12 in all. Codes are compared per segment,
from the top: two villages of one township share 9 of 12 digits yet are two
places, so a string similarity on the code would call them near-equal. The level
of agreement is the deepest segment on which both codes agree while both are
known; when one code stops earlier (county only) that is a different, weaker level.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from tiercare.core.mpi.record import Issue

#: (name, end offset) of each segment of a 12-digit code.
SEGMENTS: tuple[tuple[str, int], ...] = (
    ("province", 2),
    ("prefecture", 4),
    ("county", 6),
    ("township", 9),
    ("village", 12),
)


@dataclass(frozen=True, slots=True)
class DivisionCode:
    """A division code cut into its known segments (trailing zero segments of a
    6-digit code mean "not this deep", as GB/T 2260 writes 320000 for a province)."""

    segments: tuple[str, ...]

    @property
    def depth(self) -> int:
        return len(self.segments)

    @property
    def county(self) -> str | None:
        return "".join(self.segments[:3]) if self.depth >= 3 else None

    def prefix(self, depth: int) -> str:
        return "".join(self.segments[:depth])


def standardise_address_code(raw: str | None, issues: list[Issue], field: str = "address_code") -> DivisionCode | None:
    """Parse a 2/4/6/9/12-digit division code; ``None`` (with an issue) if malformed."""
    if raw is None:
        return None
    text = "".join(unicodedata.normalize("NFKC", raw).split())
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) not in (2, 4, 6, 9, 12):
        issues.append(Issue(field, "format"))
        return None
    segs: list[str] = []
    start = 0
    for _, end in SEGMENTS:
        if end > len(text):
            break
        seg = text[start:end]
        if set(seg) == {"0"}:
            break
        segs.append(seg)
        start = end
    if not segs:
        issues.append(Issue(field, "format"))
        return None
    return DivisionCode(tuple(segs))


def address_level(a: DivisionCode, b: DivisionCode) -> str:
    """Agreement of two division codes: ``village``/``township``/``county``/
    ``prefecture``/``province`` when they agree to that depth and both stop there,
    ``within_<seg>`` when they agree as deep as the shorter code goes,
    ``differ_<seg>`` naming the first segment that differs."""
    depth = min(a.depth, b.depth)
    for i in range(depth):
        if a.segments[i] != b.segments[i]:
            return f"differ_{SEGMENTS[i][0]}"
    name = SEGMENTS[depth - 1][0]
    return name if a.depth == b.depth else f"within_{name}"
