"""Batch deduplication of every Patient in the store (居民主索引批量匹配):
`core.mpi.person_model.link_persons` over all live Patients, then persons, links and
review items written so that a re-run changes nothing and manual decisions survive.

Manual decisions win over the model: a Patient whose link is ``manual`` keeps its
person; a ``cannot_link`` pair inside one automatic cluster splits the second record
off; a cluster never takes the person of a record it must not be linked to. Each
cluster keeps the person most of its members already have (so re-runs and unchanged
clusters keep their enterprise ids); other clusters get a new person.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from tiercare.core.mpi.person_model import link_persons
from tiercare.core.mpi.rules import load_table
from tiercare.services.mpi import (
    Link,
    Member,
    MpiStore,
    golden_record,
    issues_of,
    patient_record,
    raw_of,
)
from tiercare.services.mpi_scoring import blocking_keys, completeness, match_settings, params_to_json, summary

Progress = Callable[[str, int, int], None]


class MpiBatchStore(MpiStore, Protocol):
    def iter_patients(self, batch: int = 2000) -> Iterator[tuple[str, dict[str, Any], datetime]]: ...
    def count_patients(self) -> int: ...
    def put_records(self, rows: Sequence[tuple[Any, ...]]) -> None: ...
    def all_links(self) -> dict[str, Link]: ...
    def all_decisions(self) -> list[tuple[str, str, str]]: ...
    def save_params(self, records: int, parameters: dict[str, Any]) -> None: ...
    def stale_records(self) -> list[str]: ...


@dataclass
class BatchReport:
    records: int = 0
    linkable: int = 0
    persons: int = 0
    new_persons: int = 0
    moved: int = 0
    manual_kept: int = 0
    reviews: int = 0
    candidate_pairs: int = 0
    rule_hits: dict[str, int] = field(default_factory=dict)


def _noop(stage: str, done: int, total: int) -> None:
    return None


def link_all(store: MpiBatchStore, *, today: date, seed: int = 0, progress: Progress = _noop,
             by: str = "batch", settings: Mapping[str, Any] | None = None) -> BatchReport:
    """Link every live Patient; ``settings`` replaces core/mpi/data/model.toml (tests use
    fewer random pairs)."""
    settings = settings or load_table("model")
    report = BatchReport()
    total = store.count_patients()
    ids: list[str] = []
    stamps: list[datetime] = []
    records = []
    for n, (pid, body, ts) in enumerate(store.iter_patients(), 1):
        records.append(dataclasses.replace(patient_record(body), record_id=pid))
        ids.append(pid)
        stamps.append(ts)
        if n % 1000 == 0:
            progress("read", n, total)
    progress("read", len(ids), total)
    report.records = len(ids)
    for pid in store.stale_records():
        store.drop_record(pid)
        store.drop_link(pid)
    if not ids:
        return report
    progress("link", 0, 1)
    linkage = link_persons(records, today=today, seed=seed, settings=settings)
    progress("link", 1, 1)
    std = linkage.records
    result = linkage.result
    report.linkable = sum(r.linkable for r in std)
    report.candidate_pairs = len(result.pairs)
    report.rule_hits = result.rule_hits
    rows = []
    for i, (rec, s) in enumerate(zip(records, std, strict=True)):
        rows.append((ids[i], raw_of(rec), summary(s), issues_of(s), s.linkable, completeness(s), stamps[i],
                     blocking_keys(s)))
        if len(rows) == 2000:
            store.put_records(rows)
            rows = []
            progress("index", i + 1, len(ids))
    store.put_records(rows)
    progress("index", len(ids), len(ids))
    params = params_to_json(result.parameters)
    latest = store.latest_params()
    if latest is None or latest["parameters"] != params:
        store.save_params(len(ids), params)

    # ---- clusters -> persons, manual decisions first ------------------------------------
    thr = settings["thresholds"]
    auto = float(thr["auto_link"])
    index = {pid: i for i, pid in enumerate(ids)}
    labels = [int(x) for x in result.clustering.labels.tolist()]
    links = store.all_links()
    manual = {pid for pid, link in links.items() if link.kind == "manual" and pid in index}
    report.manual_kept = len(manual)
    cannot: dict[str, set[str]] = defaultdict(set)
    for a, b, kind in store.all_decisions():
        if kind == "cannot_link":
            cannot[a].add(b)
            cannot[b].add(a)
    clusters: dict[int, list[str]] = defaultdict(list)
    for i, lab in enumerate(labels):
        if ids[i] not in manual:
            clusters[lab].append(ids[i])
    split: list[list[str]] = []
    for members in clusters.values():
        kept: list[str] = []
        for pid in members:
            if any(o in cannot[pid] for o in kept):
                split.append([pid])  # a manual cannot-link beats the model
            else:
                kept.append(pid)
        split.append(kept)
    score: dict[str, float] = {}
    for (i, j), p in zip(result.pairs.tolist(), result.probabilities.tolist(), strict=True):
        if p >= auto and labels[i] == labels[j]:
            score[ids[i]] = max(score.get(ids[i], 0.0), p)
            score[ids[j]] = max(score.get(ids[j], 0.0), p)
    final: dict[str, int] = {pid: links[pid].person_id for pid in manual}
    # A person held by manual links may still be chosen (the manual record joins that
    # person's cluster); only cannot-link partners block a person.
    claimed: set[int] = set()
    touched: set[int] = set()
    # Largest clusters choose first, so a split keeps the old person on its bigger part.
    for members in sorted(split, key=lambda m: (-len(m), min(m))):
        blocked = {final[o] for pid in members for o in cannot[pid] if o in final}
        votes = Counter(links[p].person_id for p in members if p in links)
        choice = next((pp for pp, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
                       if pp not in claimed and pp not in blocked), None)
        if choice is None:
            choice = store.new_person()
            report.new_persons += 1
        claimed.add(choice)
        kind = "auto" if len(members) > 1 else "new"
        for pid in members:
            final[pid] = choice
            old = links.get(pid)
            sc = score.get(pid) if kind == "auto" else None
            if old is None or old.person_id != choice or old.kind != kind:
                store.set_link(pid, choice, kind, sc, by)
                touched.add(choice)
                if old is not None and old.person_id != choice:
                    report.moved += 1
                    touched.add(old.person_id)
                    store.event("relink", choice, old.person_id, [pid], {"kind": kind}, by)
    report.persons = len(set(final.values()))

    # ---- golden records of the persons that changed --------------------------------------
    by_person: dict[int, list[Member]] = defaultdict(list)
    for i, pid in enumerate(ids):
        by_person[final[pid]].append(Member(pid, summary(std[i]), completeness(std[i]), stamps[i]))
    conf = match_settings()
    for n, person in enumerate(sorted(touched), 1):
        present = by_person.get(person, [])
        if present:
            golden = golden_record(present)
            golden["identifier"] = {"system": conf["enterprise_id_system"], "value": store.enterprise_id(person)}
            store.set_golden(person, golden, active=True)
        else:
            store.set_golden(person, {}, active=False)
            store.event("retire", person, None, [], {"reason": "no records left after batch link"}, by)
        if n % 1000 == 0:
            progress("golden", n, len(touched))

    # ---- review items: pairs in the review band (or refused) across persons --------------
    decided = {(a, b) for a, b, _ in store.all_decisions()}
    for i, j, p in [*result.clustering.review, *result.clustering.refused]:
        a, b = sorted((ids[i], ids[j]))
        if final[a] == final[b] or (a, b) in decided:
            continue
        row = _pair_row(result, i, j)
        levels = ({c.name: (c.levels[int(result.gamma[row, k])] if result.gamma[row, k] >= 0 else None)
                   for k, c in enumerate(linkage.model.comparisons)} if row is not None else {})
        store.add_review(a, b, float(p), {"levels": levels, "rules": []})
        report.reviews += 1
    return report


def _pair_row(result: Any, i: int, j: int) -> int | None:
    lo, hi = min(i, j), max(i, j)
    hits = ((result.pairs[:, 0] == lo) & (result.pairs[:, 1] == hi)).nonzero()[0]
    return int(hits[0]) if len(hits) else None
