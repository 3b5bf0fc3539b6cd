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
    return _distinct_pairs(n, chunks, group, report), report


def _distinct_pairs(n: int, chunks: list[IntArray], group: Sequence[str | None] | None,
                    report: BlockingReport) -> IntArray:
    """The pairs of all blocks, each once as (low, high), without pairs inside one
    ``group`` (e.g. one source file); counted in ``report``."""
    allp = np.concatenate(chunks) if chunks else np.empty((0, 2), np.int64)
    code = np.unique(np.minimum(allp[:, 0], allp[:, 1]) * n + np.maximum(allp[:, 0], allp[:, 1]))
    pairs = np.stack([code // n, code % n], axis=1).astype(np.int64)
    if group is not None:
        g = np.asarray([str(x) for x in group], dtype=object)
        pairs = pairs[g[pairs[:, 0]] != g[pairs[:, 1]]]
    report.candidate_pairs = len(pairs)
    return pairs


def _pairs_in_blocks(keys: IntArray, members: IntArray, max_block_size: int) -> tuple[IntArray, int, int]:
    """All pairs within blocks of equal ``keys`` (one entry per record and key),
    array-wise: blocks are runs of the sorted keys, and the pairs of all blocks of
    one size s come from one (blocks, s) matrix. Returns pairs, pairs counted and
    oversize blocks skipped."""
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    if len(keys) < 2:
        return np.empty((0, 2), np.int64), 0, 0
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    skipped = int((sizes > max_block_size).sum())
    chunks = []
    count = 0
    for size in np.unique(sizes[(sizes >= 2) & (sizes <= max_block_size)]).tolist():
        block = members[starts[sizes == size][:, None] + np.arange(size)]
        a, b = np.triu_indices(size, k=1)
        chunks.append(np.stack([block[:, a].ravel(), block[:, b].ravel()], axis=1))
        count += len(block) * len(a)
    pairs = np.concatenate(chunks) if chunks else np.empty((0, 2), np.int64)
    return pairs, count, skipped


def candidate_pairs_from_codes(
    n: int,
    codes: dict[str, list[IntArray]],
    *,
    max_block_size: int,
    eligible: Sequence[bool] | None = None,
    group: Sequence[str | None] | None = None,
) -> tuple[IntArray, BlockingReport]:
    """`candidate_pairs` for keys given as int64 codes per record (-1: no key);
    the arrays of one rule share their code space. Same pairs, same report, with
    no Python call per record."""
    report = BlockingReport()
    ok = np.ones(n, bool) if eligible is None else np.asarray(eligible, dtype=bool)
    chunks: list[IntArray] = []
    rows = np.arange(n, dtype=np.int64)
    for name, arrays in codes.items():
        keys = np.concatenate(arrays) if arrays else np.empty(0, np.int64)
        members = np.tile(rows, len(arrays))
        keep = (keys >= 0) & ok[members]
        keys, members = keys[keep], members[keep]
        # A record with the same key twice (two equal phones) is one member.
        dedup = np.unique(np.stack([keys, members], axis=1), axis=0) if len(keys) else np.empty((0, 2), np.int64)
        pairs, count, skipped = _pairs_in_blocks(dedup[:, 0], dedup[:, 1], max_block_size)
        chunks.append(pairs)
        report.pairs_per_key[name] = count
        report.skipped_blocks[name] = skipped
    return _distinct_pairs(n, chunks, group, report), report


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
