"""Clustering pairwise links into persons (聚类为同一居民).

Plain connected components over links chain: A–B and B–C link A and C even when A
and C are plainly two people (a mother and her child who each match a record
that mixes their fields). We use constrained greedy agglomeration instead:
links are taken in order of decreasing match probability and two clusters merge
only if no pair across them is a cannot-link pair (``conflict(i, j)``: two valid
different own ID numbers, twins, parent and child, …). This is single-linkage
with cannot-link constraints (Wagstaff et al., "Constrained K-means", ICML 2001,
for the constraint idea; the greedy order is that of best-first merging). A link
refused by a constraint is returned for review, never silently dropped.

Bands (data): p >= auto_link merges; review <= p < auto_link goes to the review
queue; below review nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Clustering:
    """Cluster label per record (the smallest record index of the person),
    pairs sent to review with their probability, links refused by a constraint."""

    labels: IntArray
    review: list[tuple[int, int, float]]
    refused: list[tuple[int, int, float]]

    def clusters(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i, lab in enumerate(self.labels.tolist()):
            out.setdefault(int(lab), []).append(i)
        return out


def cluster_links(
    n: int,
    pairs: IntArray,
    probabilities: FloatArray,
    *,
    auto_link: float,
    review: float,
    conflict: Callable[[int, int], bool],
) -> Clustering:
    """Greedy constrained agglomeration of the pairs with p >= auto_link."""
    # Union-find over arrays; member lists only for clusters that grew (a
    # million singletons as lists cost more memory than the whole linkage).
    parent = np.arange(n, dtype=np.int64)
    members: dict[int, list[int]] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:
            parent[x], x = root, int(parent[x])
        return root

    order = np.argsort(-probabilities, kind="stable")
    review_pairs: list[tuple[int, int, float]] = []
    refused: list[tuple[int, int, float]] = []
    for idx in order.tolist():
        p = float(probabilities[idx])
        i, j = int(pairs[idx, 0]), int(pairs[idx, 1])
        if p < review:
            break
        if p < auto_link:
            review_pairs.append((i, j, p))
            continue
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        mi, mj = members.get(ri, [ri]), members.get(rj, [rj])
        if any(conflict(a, b) for a in mi for b in mj):
            refused.append((i, j, p))
            continue
        if len(mi) < len(mj):
            ri, rj, mi, mj = rj, ri, mj, mi
        parent[rj] = ri
        members[ri] = mi + mj
        members.pop(rj, None)
    review_pairs = [(i, j, p) for i, j, p in review_pairs if find(i) != find(j)]
    labels = np.arange(n, dtype=np.int64)
    for idxs in members.values():
        labels[idxs] = min(idxs)
    return Clustering(labels=labels, review=review_pairs, refused=refused)
