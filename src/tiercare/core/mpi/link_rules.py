"""Rules applied after Fellegi–Sunter scoring (规则覆盖), read from data.

A rule (``[[rules]]`` in ``data/model.toml``) names comparison levels (``null``
standing for a value missing on either side): it applies to a pair whose levels
are all in ``when``, and in at least one group of
``when_any`` when given, unless every comparison of ``unless`` is at one of its
levels. It caps the match probability (``no_link`` to 0, ``review`` just below
the auto-link threshold) and, with ``cannot_link``, forbids the clustering from
joining the two records through other links. Rules exist for what the
conditional-independence model cannot see: twins agree on everything but the
given name, and two valid ID numbers that differ settle the question however
much else agrees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import ConfigError
from tiercare.core.mpi.fellegi_sunter import Comparison, FloatArray, LevelArray

BoolArray = npt.NDArray[np.bool_]

#: The label a rule uses for "missing on either side" (comparison level -1).
NULL = "null"


@dataclass(frozen=True)
class Rule:
    name: str
    when: Mapping[str, Sequence[str]]
    when_any: Sequence[Mapping[str, Sequence[str]]]
    unless: Mapping[str, Sequence[str]]
    cap: str
    cannot_link: bool


def parse_rules(table: Sequence[Mapping[str, Any]]) -> list[Rule]:
    rules = []
    for item in table:
        cap = item.get("cap", "review")
        if cap not in ("review", "no_link"):
            raise ConfigError(f"mpi rule {item.get('name')!r}: cap must be review or no_link")
        rules.append(
            Rule(
                name=str(item["name"]),
                when=item.get("when", {}),
                when_any=item.get("when_any", []),
                unless=item.get("unless", {}),
                cap=cap,
                cannot_link=bool(item.get("cannot_link", False)),
            )
        )
    return rules


def _mask(gamma: LevelArray, comparisons: Sequence[Comparison[Any]], cond: Mapping[str, Sequence[str]]) -> BoolArray:
    names = [c.name for c in comparisons]
    mask = np.ones(len(gamma), dtype=bool)
    for comp_name, labels in cond.items():
        if comp_name not in names:
            raise ConfigError(f"mpi rule names an unknown comparison {comp_name!r}")
        k = names.index(comp_name)
        wanted = [-1 if lab == NULL else comparisons[k].index(lab) for lab in labels]
        mask &= np.isin(gamma[:, k], wanted)
    return mask


def rule_masks(gamma: LevelArray, comparisons: Sequence[Comparison[Any]], rules: Sequence[Rule]) -> dict[str, BoolArray]:
    """For each rule, which pairs it applies to."""
    out = {}
    for rule in rules:
        mask = _mask(gamma, comparisons, rule.when)
        if rule.when_any:
            anym = np.zeros(len(gamma), dtype=bool)
            for group in rule.when_any:
                anym |= _mask(gamma, comparisons, group)
            mask &= anym
        if rule.unless:
            mask &= ~_mask(gamma, comparisons, rule.unless)
        out[rule.name] = mask
    return out


def rule_applies(row: Sequence[int], comparisons: Sequence[Comparison[Any]], rule: Rule) -> bool:
    """Whether ``rule`` applies to one comparison vector (pure Python: used by the
    clustering's cannot-link checks, one pair at a time)."""
    names = [c.name for c in comparisons]

    def holds(cond: Mapping[str, Sequence[str]]) -> bool:
        for comp_name, labels in cond.items():
            k = names.index(comp_name)
            label = NULL if row[k] < 0 else comparisons[k].levels[row[k]]
            if label not in labels:
                return False
        return True

    if not holds(rule.when):
        return False
    if rule.when_any and not any(holds(g) for g in rule.when_any):
        return False
    return not (rule.unless and holds(rule.unless))


def apply_rules(
    probabilities: FloatArray,
    masks: Mapping[str, BoolArray],
    rules: Sequence[Rule],
    *,
    auto_link: float,
) -> tuple[FloatArray, BoolArray]:
    """Capped probabilities and the cannot-link mask."""
    p = probabilities.copy()
    cannot = np.zeros(len(p), dtype=bool)
    # "review" keeps the pair just under the auto-link threshold: still reviewed
    # when its own probability earned that, never linked without a person.
    below_auto = float(np.nextafter(auto_link, 0.0))
    for rule in rules:
        m = masks[rule.name]
        if rule.cap == "no_link":
            p[m] = 0.0
        else:
            p[m] = np.minimum(p[m], below_auto)
        if rule.cannot_link:
            cannot |= m
    return p, cannot
