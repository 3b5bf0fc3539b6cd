"""Blocking (分块): the candidate pairs worth comparing.

Several blocking keys are used and their pairs united (Splink's blocking rules
joined by OR): a true pair missed by one key (a typo in the ID, a swapped birth
date) is caught by another. Blocks larger than ``max_block_size`` are skipped and
counted, because a key shared by thousands of records brings pairs, not recall.
``blocking_recall`` measures what fraction of true pairs survive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

R = TypeVar("R")
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BlockingKey(Generic[R]):
    """A named function giving the block keys of a record (none, one or several)."""

    name: str
    keys: Callable[[R], Iterable[str]]


@dataclass
class BlockingReport:
    """What blocking did: pairs per key (before union), skipped oversize blocks."""

    pairs_per_key: dict[str, int] = field(default_factory=dict)
    skipped_blocks: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0


def candidate_pairs(
    records: Sequence[R],
    keys: Sequence[BlockingKey[R]],
    *,
    max_block_size: int,
    eligible: Sequence[bool] | None = None,
    group: Sequence[str | None] | None = None,
) -> tuple[IntArray, BlockingReport]:
    """Unique pairs (i < j) sharing at least one block key.

    ``eligible`` excludes records (not linkable); with ``group`` given, only pairs
    of records from different groups are kept (linking sources, not deduplicating).
    """
    n = len(records)
    report = BlockingReport()
    chunks: list[IntArray] = []
    for key in keys:
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, rec in enumerate(records):
            if eligible is not None and not eligible[i]:
                continue
            for k in set(key.keys(rec)):
                if k:
                    blocks[k].append(i)
        count = 0
        skipped = 0
        small: list[int] = []  # flat i, j, i, j, ... of the many small blocks
        for members in blocks.values():
            if len(members) < 2:
                continue
            if len(members) > max_block_size:
                skipped += 1
                continue
            if len(members) <= 16:
                for a_, b_ in combinations(members, 2):
                    small.extend((a_, b_))
                count += len(members) * (len(members) - 1) // 2
                continue
            arr = np.asarray(members, dtype=np.int64)
            a, b = np.triu_indices(len(arr), k=1)
            chunks.append(np.stack([arr[a], arr[b]], axis=1))
            count += len(a)
        if small:
            chunks.append(np.asarray(small, dtype=np.int64).reshape(-1, 2))
        report.pairs_per_key[key.name] = count
        report.skipped_blocks[key.name] = skipped
    if not chunks:
        return np.empty((0, 2), dtype=np.int64), report
    allp = np.concatenate(chunks)
    allp = np.stack([allp.min(axis=1), allp.max(axis=1)], axis=1)
    code = np.unique(allp[:, 0] * n + allp[:, 1])
    pairs = np.stack([code // n, code % n], axis=1).astype(np.int64)
    if group is not None:
        g = np.asarray([str(x) for x in group], dtype=object)
        pairs = pairs[g[pairs[:, 0]] != g[pairs[:, 1]]]
    report.candidate_pairs = len(pairs)
    return pairs, report


def true_pairs(person_ids: Sequence[str | None], group: Sequence[str | None] | None = None) -> IntArray:
    """All pairs (i < j) of records with the same true person id (ground truth)."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, pid in enumerate(person_ids):
        if pid is not None:
            members[pid].append(i)
    chunks = []
    for idx in members.values():
        if len(idx) > 1:
            arr = np.asarray(idx, dtype=np.int64)
            a, b = np.triu_indices(len(arr), k=1)
            chunks.append(np.stack([arr[a], arr[b]], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks)
    if group is not None:
        g = np.asarray([str(x) for x in group], dtype=object)
        pairs = pairs[g[pairs[:, 0]] != g[pairs[:, 1]]]
    return pairs


def pair_codes(pairs: IntArray, n: int) -> IntArray:
    """One int per pair (i * n + j, i < j), for set operations with numpy."""
    lo, hi = pairs.min(axis=1), pairs.max(axis=1)
    return np.asarray(lo * n + hi, dtype=np.int64)


def blocking_recall(candidates: IntArray, truth: IntArray, n: int) -> float:
    """Fraction of true pairs among the candidates (1.0 when there are none)."""
    if len(truth) == 0:
        return 1.0
    found = np.isin(pair_codes(truth, n), pair_codes(candidates, n)) if len(candidates) else np.zeros(len(truth), bool)
    return float(found.mean())
