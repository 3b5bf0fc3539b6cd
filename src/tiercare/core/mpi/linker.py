"""The linkage pipeline, generic over the record type (匹配流程).

standardised records -> blocking -> comparison vectors -> u from random pairs ->
EM for m (and u, λ) on the candidates -> match probabilities, scored with m from
EM, u from random pairs and λ over all pairs (+ term-frequency adjustment) ->
rules -> constrained clustering. Pure: randomness comes from the ``seed`` argument, data
and thresholds from the ``settings`` mapping (``data/model.toml`` by default).
`tiercare.core.mpi.person_model` instantiates it for Chinese person records; the
FEBRL benchmark instantiates it for FEBRL's fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from tiercare.core.mpi.blocking import BlockingKey, BlockingReport, IntArray, candidate_pairs
from tiercare.core.mpi.cluster import Clustering, cluster_links
from tiercare.core.mpi.fellegi_sunter import (
    Comparison,
    FloatArray,
    LevelArray,
    Parameters,
    compare_pairs,
    estimate_u,
    expectation_maximisation,
    log_bayes_factors,
    match_probability,
    random_pairs,
    term_frequencies,
    tf_adjustments,
)
from tiercare.core.mpi.link_rules import Rule, apply_rules, parse_rules, rule_applies, rule_masks

R = TypeVar("R")


@dataclass(frozen=True)
class LinkModel(Generic[R]):
    """What to compare, how to block, which rules apply."""

    comparisons: Sequence[Comparison[R]]
    blocking: Sequence[BlockingKey[R]]
    rules: Sequence[Rule]


@dataclass
class LinkResult:
    """Everything a caller or a benchmark needs: the candidate pairs with their
    comparison vectors and probabilities (after rules), the parameters, the
    clustering, and which rule fired on which pair."""

    pairs: IntArray
    gamma: LevelArray
    probabilities: FloatArray
    raw_probabilities: FloatArray
    parameters: Parameters
    clustering: Clustering
    blocking: BlockingReport
    rule_hits: dict[str, int]


def link(
    records: Sequence[R],
    model: LinkModel[R],
    settings: Mapping[str, Any],
    *,
    seed: int,
    eligible: Sequence[bool] | None = None,
    group: Sequence[str | None] | None = None,
) -> LinkResult:
    """Deduplicate ``records`` (or link across ``group``s) end to end."""
    est = settings["estimation"]
    thr = settings["thresholds"]
    rng = np.random.default_rng(seed)
    pairs, report = candidate_pairs(
        records, model.blocking, max_block_size=settings["blocking"]["max_block_size"], eligible=eligible, group=group
    )
    gamma = compare_pairs(records, pairs, model.comparisons)
    pool = np.arange(len(records)) if eligible is None else np.nonzero(np.asarray(eligible, dtype=bool))[0]
    rnd = pool[random_pairs(len(pool), int(est["u_random_pairs"]), rng)] if len(pool) > 1 else np.empty((0, 2), np.int64)
    gamma_random = compare_pairs(records, rnd, model.comparisons)
    u = estimate_u(
        gamma_random, model.comparisons, min_probability=est["min_probability"], pseudo_count=est["u_pseudo_count"]
    )
    params = expectation_maximisation(
        gamma,
        model.comparisons,
        u,
        initial_lambda=est["initial_lambda"],
        max_iterations=est["em_max_iterations"],
        tolerance=est["em_tolerance"],
        pseudo_count=est["m_pseudo_count"],
        min_probability=est["min_probability"],
        update_u=bool(est.get("update_u", False)),
    )
    if est.get("score_over_all_pairs", False):
        # Score as Splink does: m from EM, u from random pairs, λ the share of
        # matches among all pairs (expected matches in the candidates over all
        # pairs), so that the posterior is that of a random pair, under which
        # conditional independence holds far better than among candidates.
        total = len(pool) * (len(pool) - 1) / 2 if group is None else _cross_pairs(pool, group)
        lam_all = params.lam * len(pairs) / max(total, 1.0)
        params = Parameters(names=params.names, m=params.m, u=u, lam=lam_all, iterations=params.iterations)
    params.tf = term_frequencies(records, model.comparisons)
    lam = min(max(params.lam, est["min_probability"]), 1 - est["min_probability"])
    log_odds = np.log(lam / (1 - lam)) + log_bayes_factors(gamma, model.comparisons, params)
    log_odds += tf_adjustments(records, pairs, gamma, model.comparisons, params)
    raw = match_probability(log_odds)
    masks = rule_masks(gamma, model.comparisons, model.rules)
    prob, cannot = apply_rules(raw, masks, model.rules, auto_link=thr["auto_link"])
    hard = [r for r in model.rules if r.cannot_link]
    n = len(records)
    scored = dict(zip((pairs[:, 0] * n + pairs[:, 1]).tolist(), cannot.tolist(), strict=True))

    def conflict(i: int, j: int) -> bool:
        # Candidate pairs were judged already; others are compared now.
        lo, hi = min(i, j), max(i, j)
        known = scored.get(lo * n + hi)
        if known is not None:
            return bool(known)
        a, b = records[lo], records[hi]
        row = [c.level(a, b) for c in model.comparisons]
        return any(rule_applies(row, model.comparisons, r) for r in hard)

    clustering = cluster_links(
        len(records), pairs, prob, auto_link=thr["auto_link"], review=thr["review"], conflict=conflict
    )
    return LinkResult(
        pairs=pairs,
        gamma=gamma,
        probabilities=prob,
        raw_probabilities=raw,
        parameters=params,
        clustering=clustering,
        blocking=report,
        rule_hits={name: int(m.sum()) for name, m in masks.items()},
    )


def _cross_pairs(pool: IntArray, group: Sequence[str | None]) -> float:
    sizes = Counter(str(group[int(i)]) for i in pool)
    total = sum(sizes.values())
    return float(total * total - sum(v * v for v in sizes.values())) / 2


def rules_from_settings(settings: Mapping[str, Any]) -> list[Rule]:
    return parse_rules(settings.get("rules", []))
