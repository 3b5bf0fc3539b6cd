"""Quality measures shared by the synthetic-region benchmarks (ours and Splink's),
computed the same way for both tools from: scored candidate pairs, cluster labels
and the ground truth of the synthetic generator.

* pairwise P/R/F1: pairs with p >= the auto-link threshold against true pairs;
* cluster P/R/F1: pairs of records put in one cluster against true pairs;
* recall at precision 0.999: sweep the pairs by decreasing p, the largest recall
  whose precision is still >= 0.999 (what auto-linking can reach unsupervised);
* review share for recall 0.985: below that precision-0.999 cut, the records of
  the pairs a person must look at, in decreasing p, until recall reaches 0.985,
  as a share of all records (0 when the cut already reaches it);
* recall by error kind (a true pair counts for each kind either record carries)
  and false links by relation of the two true persons: twins (twin_of), mother/
  father and child (one household, birth years >= 15 apart), other household
  members, others.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Truth:
    persons: list[str]
    errors: list[set[str]]
    twin_of: dict[str, str] = field(default_factory=dict)
    household: dict[str, str] = field(default_factory=dict)
    birth_year: dict[str, int] = field(default_factory=dict)


def read_truth(folder: Path, order: list[str]) -> Truth:
    """Ground truth for the Patients in ``order`` (their ids, as read)."""
    by_id: dict[str, tuple[str, set[str]]] = {}
    with open(folder / "patients.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            errs = {e.strip() for e in (row.get("errors") or "").split(";") if e.strip()}
            by_id[row["patient_id"]] = (row["person_id"], errs)
    truth = Truth(persons=[by_id[i][0] for i in order], errors=[by_id[i][1] for i in order])
    with open(folder / "persons.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pid = row["person_id"]
            truth.household[pid] = row.get("household_id", "")
            if row.get("twin_of"):
                truth.twin_of[pid] = row["twin_of"]
            if row.get("birth_date"):
                truth.birth_year[pid] = int(row["birth_date"][:4])
    return truth


def true_pair_codes(persons: list[str]) -> np.ndarray:
    members: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(persons):
        members[p].append(i)
    n = len(persons)
    out = []
    for idx in members.values():
        if len(idx) > 1:
            a, b = np.triu_indices(len(idx), k=1)
            arr = np.asarray(idx, dtype=np.int64)
            out.append(arr[a] * n + arr[b])
    return np.unique(np.concatenate(out)) if out else np.empty(0, np.int64)


def codes(pairs: np.ndarray, n: int) -> np.ndarray:
    if not len(pairs):
        return np.empty(0, np.int64)
    lo, hi = pairs.min(axis=1), pairs.max(axis=1)
    return np.asarray(lo * n + hi, dtype=np.int64)


def cluster_pair_codes(labels: np.ndarray) -> np.ndarray:
    n = len(labels)
    order = np.argsort(labels, kind="stable")
    lab = labels[order]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]])
    sizes = np.diff(np.r_[starts, n])
    out = []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        block = np.sort(order[starts[sizes == size][:, None] + np.arange(size)], axis=1)
        a, b = np.triu_indices(size, k=1)
        out.append((block[:, a] * n + block[:, b]).ravel())
    return np.concatenate(out) if out else np.empty(0, np.int64)


def _prf(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    tp = int(np.isin(pred, truth).sum())
    p = tp / len(pred) if len(pred) else 1.0
    r = tp / len(truth) if len(truth) else 1.0
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def relation(truth: Truth, a: str, b: str) -> str:
    if truth.twin_of.get(a) == b or truth.twin_of.get(b) == a:
        return "twin"
    ha, hb = truth.household.get(a), truth.household.get(b)
    if ha and ha == hb:
        ya, yb = truth.birth_year.get(a), truth.birth_year.get(b)
        if ya is not None and yb is not None and abs(ya - yb) >= 15:
            return "mother_child"
        return "household"
    return "other"


def evaluate(truth: Truth, pairs: np.ndarray, prob: np.ndarray, labels: np.ndarray, auto_link: float) -> dict:
    n = len(truth.persons)
    tc = true_pair_codes(truth.persons)
    pc = codes(pairs, n)
    out: dict = {"records": n, "true_pairs": len(tc), "scored_pairs": len(pc)}
    out["pair_p"], out["pair_r"], out["pair_f1"] = _prf(pc[prob >= auto_link], tc)
    cc = cluster_pair_codes(labels)
    out["cluster_p"], out["cluster_r"], out["cluster_f1"] = _prf(cc, tc)
    order = np.argsort(-prob, kind="stable")
    hit = np.isin(pc[order], tc)
    tp = np.cumsum(hit)
    prec = tp / np.arange(1, len(tp) + 1)
    ok = np.nonzero(prec >= 0.999)[0]
    cut = int(ok[-1]) + 1 if len(ok) else 0
    out["recall_at_p999"] = float(tp[cut - 1] / len(tc)) if cut else 0.0
    need = np.nonzero(tp >= 0.985 * len(tc))[0]
    if not len(need):
        out["review_share_r985"] = float("nan")
    elif need[0] < cut:
        out["review_share_r985"] = 0.0
    else:
        rows = order[cut : int(need[0]) + 1]
        out["review_share_r985"] = len(np.unique(pairs[rows].ravel())) / n
    linked = np.isin(tc, cc)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code, got in zip(tc.tolist(), linked.tolist(), strict=True):
        for kind in truth.errors[code // n] | truth.errors[code % n] or {"clean"}:
            by_kind[kind][0] += int(got)
            by_kind[kind][1] += 1
    out["recall_by_kind"] = {k: (g / t, t) for k, (g, t) in by_kind.items()}
    false = cc[~np.isin(cc, tc)]
    rel: Counter[str] = Counter()
    kinds_false: Counter[str] = Counter()
    for code in false.tolist():
        i, j = code // n, code % n
        rel[relation(truth, truth.persons[i], truth.persons[j])] += 1
        for kind in truth.errors[i] | truth.errors[j]:
            kinds_false[kind] += 1
    out["false_links"] = dict(rel)
    out["false_by_kind"] = dict(kinds_false)
    return out


KINDS = [
    ("typo", "typo"), ("homophone", "homophone"), ("traditional", "traditional script"), ("pinyin_only", "pinyin"),
    ("shape_alike", "shape-alike"), ("day_month_swap", "date swap"), ("jan1_placeholder", "placeholder date"),
    ("lunar_birthday", "lunar birthday"), ("id_transcription", "ID typo"), ("id_legacy_15", "15-digit ID"),
    ("guardian_id", "guardian ID"), ("newborn_placeholder", "newborn placeholder"), ("missing_id", "missing ID"),
    ("missing_phone", "missing phone"), ("phone_typo", "phone typo"), ("missing_fields", "missing fields"),
]


def table(results: dict[str, dict]) -> str:
    """One text table, a column per tool."""
    tools = list(results)
    lines = [f"{'measure':34s}" + "".join(f"{t:>22s}" for t in tools)]

    def row(label: str, fmt) -> None:
        lines.append(f"{label:34s}" + "".join(f"{fmt(results[t]):>22s}" for t in tools))

    row("records / true pairs", lambda r: f"{r['records']} / {r['true_pairs']}")
    row("scored pairs", lambda r: f"{r['scored_pairs']}")
    row("pairwise P / R", lambda r: f"{r['pair_p']:.4f} / {r['pair_r']:.4f}")
    row("pairwise F1", lambda r: f"{r['pair_f1']:.4f}")
    row("cluster P / R", lambda r: f"{r['cluster_p']:.4f} / {r['cluster_r']:.4f}")
    row("cluster F1", lambda r: f"{r['cluster_f1']:.4f}")
    row("recall at precision 0.999", lambda r: f"{r['recall_at_p999']:.4f}")
    row("review share for recall 0.985", lambda r: f"{r['review_share_r985']:.2%}")
    row("link wall time (s)", lambda r: f"{r.get('wall', float('nan')):.0f}")
    row("link CPU time (s)", lambda r: f"{r.get('cpu', float('nan')):.0f}")
    row("peak RSS (MiB)", lambda r: f"{r.get('rss_mib', float('nan')):.0f}")
    lines.append("recall by error kind (false links in the pairs of that kind)")
    for key, label in KINDS:
        if not any(key in results[t]["recall_by_kind"] for t in tools):
            continue

        def cell(r: dict, key: str = key) -> str:
            rec, tot = r["recall_by_kind"].get(key, (float("nan"), 0))
            return f"{rec:.4f} ({r['false_by_kind'].get(key, 0)}) n={tot}"

        row(f"  {label}", cell)
    lines.append("false links by relation of the two true persons")
    for key in ("twin", "mother_child", "household", "other"):
        row(f"  {key}", lambda r, key=key: str(r["false_links"].get(key, 0)))
    return "\n".join(lines)
