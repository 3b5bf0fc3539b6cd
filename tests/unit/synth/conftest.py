"""Shared small regions for the synth tests (built once per session)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from tiercare.core.synth.chunk import ChunkOut, Context, township_chunks
from tiercare.core.synth.model import make_context
from tiercare.core.synth.params import Params, load_default


@dataclass
class Run:
    ctx: Context
    stats: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[bytes]] = field(default_factory=dict)
    persons: list[list[object]] = field(default_factory=list)
    patients: list[list[object]] = field(default_factory=list)
    cases: list[list[object]] = field(default_factory=list)

    def add(self, chunk: ChunkOut) -> None:
        self.stats.update(chunk.stats)
        for k, v in chunk.lines.items():
            self.lines.setdefault(k, []).extend(v)
        self.persons += chunk.persons
        self.patients += chunk.patients
        self.cases += chunk.cases


def run_region(params: Params, residents: int, seed: int, years: int = 1) -> Run:
    ctx = make_context(params, residents, years, seed)
    run = Run(ctx)
    for county in ctx.region.counties:
        for township in county.townships:
            for chunk in township_chunks(ctx, county, township):
                run.add(chunk)
    return run


@pytest.fixture(scope="session")
def params() -> Params:
    return load_default()


@pytest.fixture(scope="session")
def region8k(params: Params) -> Run:
    """An 8,000-resident region, one year (a few seconds): the rates tests use it."""
    return run_region(params, 8000, seed=2026)
