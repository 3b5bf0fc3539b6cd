"""A seeded random source for chunk generation: numpy's PCG64 with scalar draws served
from pre-drawn blocks.

numpy's Generator is fast on arrays but costs about a microsecond per scalar call; the
generator makes millions of scalar choices, so ``random()`` and ``integers()`` without a
size take the next value of a block of 4,096 uniforms. The blocks are chained into one
endless iterator whose ``__next__`` (a C function) is exposed as :attr:`Rng.u`, so the hot
paths pay no Python call for a uniform. Every other method (and sized draws) goes to the
Generator itself. The sequence of values depends only on the seed and the sequence of
calls, so output stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

import numpy as np

_BLOCK = 4096


class Rng:
    def __init__(self, *entropy: int) -> None:
        self.gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(entropy))))
        #: the next uniform in [0, 1), as a C-level call (no Python frame)
        self.u: Callable[[], float] = chain.from_iterable(self._blocks()).__next__
        # Bound once: __getattr__ costs a Python call per use.
        self.poisson = self.gen.poisson
        self.choice = self.gen.choice
        self.normal = self.gen.normal
        self.uniform = self.gen.uniform
        self.exponential = self.gen.exponential
        self.beta = self.gen.beta
        self.gamma = self.gen.gamma
        self.permutation = self.gen.permutation

    def _blocks(self) -> Iterator[list[float]]:
        while True:
            yield self.gen.random(_BLOCK).tolist()

    def random(self, size: int | None = None) -> Any:
        if size is not None:
            return self.gen.random(size)
        return self.u()

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return int(self.u() * n)

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        if size is not None:
            return self.gen.integers(low, high, size=size)
        if high is None:
            low, high = 0, low
        return low + int(self.u() * (high - low))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gen, name)
