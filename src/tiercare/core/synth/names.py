"""Personal names (姓名) drawn from realistic frequencies.

Surnames follow the weights of the 2020 national name report; given names are either a
popular whole name of the person's birth cohort (so that common names collide, as 张伟
does in life) or built from one or two characters. Ethnic-minority names are written
given·father's name with the middle dot 间隔号 (U+00B7), as the registration rules ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tiercare.core.synth.rng import Rng

MIDDLE_DOT = "\u00b7"
_COHORT_YEAR = 1980  # before: older naming fashion (建国, 秀英); from: younger (子轩, 梓涵)


def _probs(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    out: np.ndarray = w / w.sum()
    return out


@dataclass(frozen=True)
class NameModel:
    surnames: tuple[str, ...]
    surname_p: np.ndarray
    single_old: float
    single_young: float
    popular_share: float
    popular: dict[tuple[bool, bool], tuple[str, ...]]  # (male, young) -> names
    chars: dict[bool, tuple[str, ...]]  # male -> characters
    minority_given: dict[bool, tuple[str, ...]]
    minority_father: tuple[str, ...]

    @classmethod
    def from_params(cls, names: dict[str, Any]) -> NameModel:
        return cls(
            surnames=tuple(names["surnames"]),
            surname_p=_probs(names["surname_weights"]),
            single_old=float(names["single_char_given_share_old"]),
            single_young=float(names["single_char_given_share_young"]),
            popular_share=float(names["popular_share"]),
            popular={
                (True, False): tuple(names["male_old"]),
                (False, False): tuple(names["female_old"]),
                (True, True): tuple(names["male_young"]),
                (False, True): tuple(names["female_young"]),
            },
            chars={True: tuple(names["male_chars"]), False: tuple(names["female_chars"])},
            minority_given={True: tuple(names["minority_given_male"]), False: tuple(names["minority_given_female"])},
            minority_father=tuple(names["minority_father"]),
        )

    @staticmethod
    def _popular_p(n: int) -> np.ndarray:
        return np.cumsum(1.0 / (np.arange(n) + 3.0))

    def surname_draw(self, rng: Rng, n: int) -> list[str]:
        idx = rng.choice(len(self.surnames), size=n, p=self.surname_p)
        return [self.surnames[i] for i in idx]

    def given(self, rng: Rng, male: bool, birth_year: int) -> str:
        """One given name (名) for a person of this sex and birth year."""
        young = birth_year >= _COHORT_YEAR
        u = rng.random(3)
        if u[0] < self.popular_share:
            pool = self.popular[(male, young)]
            # Harmonic preference for the head of the list (the most popular names).
            w = self._popular_p(len(pool))
            return pool[int(np.searchsorted(w, u[1] * w[-1], side="right"))]
        chars = self.chars[male]
        single = self.single_young if young else self.single_old
        first = chars[int(u[1] * len(chars))]
        if u[2] < single:
            return first
        return first + chars[int(rng.integers(len(chars)))]

    def minority(self, rng: Rng, male: bool) -> str:
        g = self.minority_given[male]
        return g[int(rng.integers(len(g)))] + MIDDLE_DOT + self.minority_father[int(rng.integers(len(self.minority_father)))]
