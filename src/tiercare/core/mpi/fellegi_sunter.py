"""Fellegi–Sunter match weights with m and u estimated from the data.

Method: Fellegi & Sunter, "A Theory for Record Linkage", JASA 64 (1969); each
comparison k puts a pair in one level l (or null); under conditional independence
the log-odds of a match is logit(λ) + Σ_k log(m_k[l] / u_k[l]), with
m = P(level | match) and u = P(level | non-match). Estimation follows Winkler
(1988, "Using the EM algorithm for weight computation in the Fellegi–Sunter
model") and Splink's practice: u from random record pairs (almost all non-matches),
then EM for m and λ on the blocked candidate pairs, u either held fixed or
re-estimated there too (``update_u``, see `expectation_maximisation`). A null
level (-1: a value missing on either side) contributes nothing.

Term-frequency adjustment (as Splink's, after Winkler 2000): on the exact level
of a comparison with a ``tf_key``, the weight uses the frequency of the agreed
value instead of the average u, so agreeing on 张伟 counts less than on 覃嫣.

Everything here is generic over the record type: a `Comparison` is a name, the
labels of its levels (strongest agreement first) and a level function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

R = TypeVar("R")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
LevelArray = npt.NDArray[np.int8]


@dataclass(frozen=True)
class Comparison(Generic[R]):
    """One comparison: ``level(a, b)`` returns the index into ``levels`` or -1.

    ``weighted`` False makes it a feature that rules read but that adds no weight.
    ``tf_key`` gives the value whose frequency adjusts the exact-level weight.
    """

    name: str
    levels: tuple[str, ...]
    level: Callable[[R, R], int]
    weighted: bool = True
    tf_key: Callable[[R], str | None] | None = None

    def index(self, label: str) -> int:
        return self.levels.index(label)


@dataclass
class Parameters:
    """Estimated parameters: per weighted comparison, m and u over its levels."""

    names: list[str]
    m: list[FloatArray]
    u: list[FloatArray]
    lam: float
    iterations: int = 0
    tf: dict[str, dict[str, float]] = field(default_factory=dict)

    def weights(self) -> list[FloatArray]:
        """log2 Bayes factors per level (the match weights of Splink's charts)."""
        return [np.log2(m / u) for m, u in zip(self.m, self.u, strict=True)]

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"comparison": n, "m": m.round(4).tolist(), "u": u.round(6).tolist(), "weight": w.round(2).tolist()}
            for n, m, u, w in zip(self.names, self.m, self.u, self.weights(), strict=True)
        ]


def compare_pairs(records: Sequence[R], pairs: IntArray, comparisons: Sequence[Comparison[R]]) -> LevelArray:
    """The comparison vector (γ) of each pair: int8 array (n_pairs, n_comparisons)."""
    out = np.empty((len(pairs), len(comparisons)), dtype=np.int8)
    left = [records[i] for i in pairs[:, 0].tolist()]
    right = [records[j] for j in pairs[:, 1].tolist()]
    # Column by column: one Python call per pair and comparison, no per-cell
    # numpy assignment (that alone was a sixth of the time).
    for col, comp in enumerate(comparisons):
        level = comp.level
        out[:, col] = np.fromiter((level(a, b) for a, b in zip(left, right, strict=True)), dtype=np.int8, count=len(left))
    return out


def random_pairs(n: int, count: int, rng: np.random.Generator) -> IntArray:
    """``count`` random pairs i < j of ``n`` records (with replacement)."""
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    i = rng.integers(0, n, size=count)
    j = rng.integers(0, n - 1, size=count)
    j = np.where(j >= i, j + 1, j)
    return np.stack([np.minimum(i, j), np.maximum(i, j)], axis=1).astype(np.int64)


def _level_frequencies(gamma: LevelArray, n_levels: int, weights: FloatArray | None, pseudo: float) -> FloatArray:
    col = gamma.astype(np.int64)
    seen = col >= 0
    w = np.ones(len(col)) if weights is None else weights
    counts = np.bincount(col[seen], weights=w[seen], minlength=n_levels)[:n_levels] + pseudo
    total = counts.sum()
    return np.asarray(counts / total if total > 0 else np.full(n_levels, 1.0 / n_levels), dtype=np.float64)


def estimate_u(
    gamma_random: LevelArray, comparisons: Sequence[Comparison[Any]], *, min_probability: float, pseudo_count: float = 0.0
) -> list[FloatArray]:
    """u per level from comparison vectors of random pairs (nearly all non-matches).
    ``pseudo_count`` keeps a level never seen among the random pairs (a homophone
    of two random people) from getting an absurd weight from u = 0."""
    out = []
    for k, comp in enumerate(comparisons):
        if comp.weighted:
            u = _level_frequencies(gamma_random[:, k], len(comp.levels), None, pseudo_count)
            out.append(np.maximum(u, min_probability))
    return out


def _initial_m(n_levels: int) -> FloatArray:
    # Matches mostly agree: put most mass on the strongest level, decreasing after.
    raw = np.array([0.5**k for k in range(n_levels)], dtype=np.float64)
    raw[-1] = min(raw[-1], 0.02)
    return np.asarray(raw / raw.sum(), dtype=np.float64)


def log_bayes_factors(gamma: LevelArray, comparisons: Sequence[Comparison[Any]], params: Parameters) -> FloatArray:
    """Σ_k log(m_k/u_k)[γ_k] per pair (natural log), nulls contributing 0."""
    total = np.zeros(len(gamma))
    weighted = [k for k, c in enumerate(comparisons) if c.weighted]
    for pos, k in enumerate(weighted):
        table = np.log(params.m[pos] / params.u[pos])
        col = gamma[:, k].astype(np.int64)
        total += np.where(col >= 0, table[np.maximum(col, 0)], 0.0)
    return total


def expectation_maximisation(
    gamma: LevelArray,
    comparisons: Sequence[Comparison[Any]],
    u: list[FloatArray],
    *,
    initial_lambda: float,
    max_iterations: int,
    tolerance: float,
    pseudo_count: float,
    min_probability: float,
    update_u: bool = False,
) -> Parameters:
    """EM for m and λ (vectorised over pairs); u starts from ``u`` and, with
    ``update_u``, is re-estimated on the candidate pairs too.

    Why ``update_u``: the candidate pairs are not random pairs. Non-matches that
    share a block agree on the blocked fields far more often than random pairs
    do, so with u fixed from random pairs EM must explain that agreement with
    the match class and drifts (λ near 1, m of "different" inflated). Freeing u
    gives the posterior of a match among candidate pairs, the quantity the
    thresholds are applied to (Winkler 1988 estimates both classes by EM)."""
    weighted = [c for c in comparisons if c.weighted]
    params = Parameters(
        names=[c.name for c in weighted], m=[_initial_m(len(c.levels)) for c in weighted], u=u, lam=initial_lambda
    )
    idx = [k for k, c in enumerate(comparisons) if c.weighted]
    for it in range(1, max_iterations + 1):
        lam = min(max(params.lam, min_probability), 1 - min_probability)
        logit = np.log(lam / (1 - lam)) + log_bayes_factors(gamma, comparisons, params)
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        new_m = [
            np.maximum(_level_frequencies(gamma[:, k], len(c.levels), p, pseudo_count), min_probability)
            for k, c in zip(idx, weighted, strict=True)
        ]
        new_u = params.u
        if update_u:
            q = 1.0 - p
            new_u = [
                np.maximum(_level_frequencies(gamma[:, k], len(c.levels), q, pseudo_count), min_probability)
                for k, c in zip(idx, weighted, strict=True)
            ]
        new_lam = float(p.mean()) if len(p) else initial_lambda
        change = max(
            [abs(new_lam - params.lam)]
            + [float(np.abs(a - b).max()) for a, b in zip(new_m, params.m, strict=True)]
            + [float(np.abs(a - b).max()) for a, b in zip(new_u, params.u, strict=True)]
        )
        params = Parameters(names=params.names, m=new_m, u=new_u, lam=new_lam, iterations=it)
        if change < tolerance:
            break
    return params


def term_frequencies(records: Sequence[R], comparisons: Sequence[Comparison[R]]) -> dict[str, dict[str, float]]:
    """Relative frequency of each value of the ``tf_key`` comparisons."""
    out: dict[str, dict[str, float]] = {}
    for comp in comparisons:
        if comp.tf_key is None or not comp.weighted:
            continue
        counts = Counter(v for v in (comp.tf_key(r) for r in records) if v)
        total = sum(counts.values())
        out[comp.name] = {v: c / total for v, c in counts.items()} if total else {}
    return out


def tf_adjustments(
    records: Sequence[R], pairs: IntArray, gamma: LevelArray, comparisons: Sequence[Comparison[R]], params: Parameters
) -> FloatArray:
    """log(u_exact / tf(value)) on exact-level pairs of tf comparisons, else 0
    (natural log): the exact-level weight becomes log(m_exact / tf(value)),
    Splink's term-frequency adjustment."""
    adj = np.zeros(len(pairs))
    weighted = [c for c in comparisons if c.weighted]
    for pos, comp in enumerate(weighted):
        if comp.tf_key is None or comp.name not in params.tf:
            continue
        k = list(comparisons).index(comp)
        freq = params.tf[comp.name]
        u_exact = float(params.u[pos][0])
        rows = np.nonzero(gamma[:, k] == 0)[0]
        for row in rows.tolist():
            value = comp.tf_key(records[int(pairs[row, 0])])
            f = freq.get(value, 0.0) if value else 0.0
            if f > 0:
                adj[row] += np.log(u_exact / f)
    return adj


def match_probability(log_odds: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700))), dtype=np.float64)
