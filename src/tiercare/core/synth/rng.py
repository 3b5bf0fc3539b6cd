"""A seeded random source for chunk generation: numpy's PCG64 with scalar draws served
from a pre-drawn block.

numpy's Generator is fast on arrays but costs about a microsecond per scalar call; the
generator makes millions of scalar choices, so ``random()`` and ``integers()`` without a
size take the next value of a block of 4,096 uniforms. Every other method (and sized
draws) goes to the Generator itself. The sequence of values depends only on the seed and
the sequence of calls, so output stays deterministic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BLOCK = 4096


class Rng:
    def __init__(self, *entropy: int) -> None:
        self.gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(entropy))))
        self._buf: list[float] = []
        self._i = 0

    def random(self, size: int | None = None) -> Any:
        if size is not None:
            return self.gen.random(size)
        if self._i >= len(self._buf):
            self._buf = self.gen.random(_BLOCK).tolist()
            self._i = 0
        u = self._buf[self._i]
        self._i += 1
        return u

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        if size is not None:
            return self.gen.integers(low, high, size=size)
        if high is None:
            low, high = 0, low
        return low + int(self.random() * (high - low))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gen, name)
