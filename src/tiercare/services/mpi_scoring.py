"""Scoring one record against candidates with stored parameters (实时匹配评分).

The batch (`core.mpi.person_model.link_persons`) fits m, u, λ and term frequencies;
they are serialised here (`params_to_json` / `params_from_json`) and the real-time
path and ``Patient/$match`` score a new record against the candidates found by its
blocking keys exactly as the batch scores a candidate pair: log-odds = logit(λ) +
Σ log(m/u) + term-frequency adjustment, then the rules of ``core/mpi/data/model.toml``.
Before any batch fit the default parameters of ``services/data/mpi_default_model.json``
are used (see that file's ``source``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from tiercare.core.mpi.fellegi_sunter import (
    Parameters,
    compare_pairs,
    log_bayes_factors,
    match_probability,
    tf_adjustments,
)
from tiercare.core.mpi.link_rules import apply_rules, rule_masks
from tiercare.core.mpi.person_model import person_blocking, person_model
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise import StandardRecord


def params_to_json(params: Parameters) -> dict[str, Any]:
    return {
        "names": list(params.names),
        "m": [m.tolist() for m in params.m],
        "u": [u.tolist() for u in params.u],
        "lambda": float(params.lam),
        "iterations": int(params.iterations),
        "tf": params.tf,
    }


def params_from_json(data: Mapping[str, Any]) -> Parameters:
    return Parameters(
        names=list(data["names"]),
        m=[np.asarray(m, dtype=np.float64) for m in data["m"]],
        u=[np.asarray(u, dtype=np.float64) for u in data["u"]],
        lam=float(data["lambda"]),
        iterations=int(data.get("iterations", 0)),
        tf={k: dict(v) for k, v in (data.get("tf") or {}).items()},
    )


@cache
def default_params() -> Parameters:
    """Parameters used before the first `tiercare mpi link` (see the file's source)."""
    raw = resources.files("tiercare.services").joinpath("data/mpi_default_model.json").read_text("utf-8")
    return params_from_json(json.loads(raw))


@cache
def match_settings() -> dict[str, Any]:
    """Thresholds of the match grades of ``$match`` (services/data/mpi_platform.json)."""
    raw = resources.files("tiercare.services").joinpath("data/mpi_platform.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def blocking_keys(rec: StandardRecord) -> list[str]:
    """Every blocking key of the person model, prefixed by its rule. The newborn-day key
    is given to every record with a birth date (in batch only years with placeholder
    records get it): a placeholder registered later must find the named record."""
    if not rec.linkable:
        return []  # garbage never links: no keys, so never a candidate either
    years = frozenset({rec.birth.value.year}) if rec.birth is not None else frozenset()
    out: list[str] = []
    for key in person_blocking(years):
        out.extend(f"{key.name}:{v}" for v in key.keys(rec))
    return sorted(set(out))


def summary(rec: StandardRecord) -> dict[str, Any]:
    """The standardised form stored per record and shown as evidence (no issues' values)."""
    return {
        "name": rec.name.text if rec.name is not None else None,
        "name_placeholder": bool(rec.name is not None and rec.name.placeholder),
        "pinyin": " ".join(r[0] for r in rec.name.readings if r) if rec.name is not None else None,
        "gender": rec.gender,
        "birth_date": rec.birth.value.isoformat() if rec.birth is not None else None,
        "id_number": rec.id_number.text if rec.id_number is not None and rec.id_number.valid else None,
        "id_foreign": rec.id_foreign,
        "phones": [p.digits for p in rec.phones],
        "address_code": "".join(rec.address.segments) if rec.address is not None else None,
        "household": rec.household,
        "facility": rec.facility,
    }


def completeness(rec: StandardRecord) -> int:
    s = summary(rec)
    return sum(bool(s[k]) for k in ("name", "gender", "birth_date", "id_number", "phones", "address_code"))


@dataclass(frozen=True)
class Scored:
    """One candidate's score against the query record, with evidence."""

    record_id: str
    probability: float
    cannot_link: bool
    levels: dict[str, str | None]
    rules: list[str]


def score_candidates(query: StandardRecord, candidates: Sequence[StandardRecord], params: Parameters,
                     settings: Mapping[str, Any] | None = None) -> list[Scored]:
    """Score ``query`` against each candidate as the batch scores a candidate pair. The
    model's data-dependent sets (shared phones, multiple births) are computed over the
    query and its candidates, the records that can matter to these pairs."""
    settings = settings or load_table("model")
    cands = [c for c in candidates if c.linkable and c.record_id != query.record_id]
    if not cands or not query.linkable:
        return []
    records = [query, *cands]
    model = person_model(records, settings)
    pairs = np.array([[0, j] for j in range(1, len(records))], dtype=np.int64)
    gamma = compare_pairs(records, pairs, model.comparisons)
    est = settings["estimation"]
    lam = min(max(params.lam, est["min_probability"]), 1 - est["min_probability"])
    log_odds = np.log(lam / (1 - lam)) + log_bayes_factors(gamma, model.comparisons, params)
    log_odds += tf_adjustments(records, pairs, gamma, model.comparisons, params)
    raw = match_probability(log_odds)
    masks = rule_masks(gamma, model.comparisons, model.rules)
    prob, cannot = apply_rules(raw, masks, model.rules, auto_link=settings["thresholds"]["auto_link"])
    out = []
    for row in range(len(cands)):
        levels = {c.name: (c.levels[int(gamma[row, k])] if gamma[row, k] >= 0 else None)
                  for k, c in enumerate(model.comparisons)}
        fired = [name for name, m in masks.items() if bool(m[row])]
        out.append(Scored(cands[row].record_id, float(prob[row]), bool(cannot[row]), levels, fired))
    return out
