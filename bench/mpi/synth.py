"""Benchmark on the synthetic region's registration records (合成区域的重复建档).

Input: a folder written by the synthetic-region generator (branch ``synth``):
``Patient.ndjson`` (one FHIR Patient per line, one per facility registration),
``Group.ndjson`` (households, 户: Groups of type person listing their members),
``patients.csv`` (ground truth: patient_id, person_id, facility, tier, errors with
the error kinds applied, ``;``-separated) and ``persons.csv`` (true persons, with
household_id and twin_of). The Patients are mapped with
``tiercare.core.mpi.fhir_patient.from_fhir_patient`` and linked with
``tiercare.core.mpi.person_model.link_persons``.

Reports pairwise precision/recall/F1 of the clusters and of the p >= auto-link
pairs, recall at precision 0.999, the review queue needed to reach recall 0.985,
blocking recall, the recall of every error kind, false links between twins,
within households and others, time per phase and peak memory.

    .venv/bin/python bench/mpi/synth.py DIR [--limit N] [--today 2026-01-01]

Timings on a shared 2-core machine are noisy. Splink beside TierCare on the same
folder: bench/mpi/splink_side.py.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from tiercare.core.mpi.blocking import blocking_recall, pair_codes, true_pairs
from tiercare.core.mpi.fhir_patient import from_fhir_patient
from tiercare.core.mpi.person_model import link_persons
from tiercare.core.mpi.rules import load_table


def households(folder: Path) -> dict[str, str]:
    """Patient id -> household identifier, from the region's Group.ndjson (empty without it)."""
    household: dict[str, str] = {}
    if (folder / "Group.ndjson").exists():
        with open(folder / "Group.ndjson", encoding="utf-8") as fh:
            for line in fh:
                group = json.loads(line)
                hid = next((i["value"] for i in group.get("identifier", [])), group.get("id"))
                for m in group.get("member", []):
                    household[m["entity"]["reference"].split("/")[-1]] = hid
    return household


def read(folder: Path, limit: int | None) -> tuple[list, list[str], list[set[str]], dict[str, str], dict[str, str]]:
    truth: dict[str, tuple[str, set[str]]] = {}
    with open(folder / "patients.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            errors = {e.strip() for e in (row.get("errors") or "").split(";") if e.strip()}
            truth[row["patient_id"]] = (row["person_id"], errors)
    household = households(folder)
    twin_of: dict[str, str] = {}
    person_household: dict[str, str] = {}
    if (folder / "persons.csv").exists():
        with open(folder / "persons.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                person_household[row["person_id"]] = row.get("household_id", "")
                if row.get("twin_of"):
                    twin_of[row["person_id"]] = row["twin_of"]
    records, persons, errors = [], [], []
    with open(folder / "Patient.ndjson", encoding="utf-8") as fh:
        for line in fh:
            res = json.loads(line)
            pid, errs = truth[res["id"]]
            records.append(from_fhir_patient(res, household=household.get(res["id"])))
            persons.append(pid)
            errors.append(errs)
            if limit and len(records) >= limit:
                break
    return records, persons, errors, twin_of, person_household


def prf(pred: np.ndarray, truth: np.ndarray, n: int) -> tuple[float, float, float]:
    pc, tc = pair_codes(pred, n) if len(pred) else np.empty(0, np.int64), pair_codes(truth, n)
    tp = int(np.isin(pc, tc).sum())
    p = tp / len(pc) if len(pc) else 1.0
    r = tp / len(tc) if len(tc) else 1.0
    return p, r, (2 * p * r / (p + r) if tp else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--today", default="2026-01-01")
    ap.add_argument("--u-pairs", type=int, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    records, persons, errors, twin_of, person_household = read(args.folder, args.limit)
    t1 = time.perf_counter()
    settings = dict(load_table("model"))
    if args.u_pairs:
        settings["estimation"] = {**settings["estimation"], "u_random_pairs": args.u_pairs}
    out = link_persons(records, today=date.fromisoformat(args.today), seed=0, settings=settings)
    t2 = time.perf_counter()
    res = out.result
    n = len(records)
    truth = true_pairs(persons)
    tc = pair_codes(truth, n)
    clusters = true_pairs([str(x) for x in res.clustering.labels])
    auto = settings["thresholds"]["auto_link"]
    print(f"synthetic region: {n} records, {len(set(persons))} persons, {len(truth)} true pairs, "
          f"{len(res.pairs)} candidate pairs, {sum(not r.linkable for r in out.records)} not linkable")
    print(f"blocking recall              {blocking_recall(res.pairs, truth, n):.4f}   per key {res.blocking.pairs_per_key}")
    p, r, f = prf(clusters, truth, n)
    print(f"cluster pairs                precision {p:.4f} recall {r:.4f} F1 {f:.4f}")
    p, r, f = prf(res.pairs[res.probabilities >= auto], truth, n)
    print(f"pairs p >= {auto}            precision {p:.4f} recall {r:.4f} F1 {f:.4f}")
    # Recall at precision 0.999 over the scored pairs (threshold sweep).
    order = np.argsort(-res.probabilities)
    hit = np.isin(pair_codes(res.pairs[order], n), tc) if len(order) else np.zeros(0, bool)
    tp = np.cumsum(hit)
    prec = tp / np.arange(1, len(tp) + 1)
    ok = np.nonzero(prec >= 0.999)[0]
    print(f"recall at precision 0.999    {(tp[ok[-1]] / len(tc)) if len(ok) else 0.0:.4f}")
    reviewed = {i for a, b, _ in res.clustering.review for i in (a, b)}
    print(f"review queue                 {len(res.clustering.review)} pairs, {len(reviewed) / n:.2%} of records")
    # Recall by error kind: a true pair counts for a kind when either record carries it.
    linked = np.isin(tc, pair_codes(clusters, n)) if len(clusters) else np.zeros(len(tc), bool)
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for code, ok_ in zip(tc.tolist(), linked.tolist(), strict=True):
        kinds = errors[code // n] | errors[code % n] or {"clean"}
        for k in kinds:
            by_kind[k][0] += int(ok_)
            by_kind[k][1] += 1
    print("recall by error kind:")
    for k, (got, tot) in sorted(by_kind.items(), key=lambda kv: -kv[1][1]):
        print(f"  {k:22s} {got / tot:.4f}  ({tot} pairs)")
    false = pair_codes(clusters, n)[~np.isin(pair_codes(clusters, n), tc)] if len(clusters) else []
    kinds = Counter()
    for code in false:
        a, b = persons[int(code) // n], persons[int(code) % n]
        if twin_of.get(a) == b or twin_of.get(b) == a:
            kinds["twin"] += 1
        elif person_household.get(a) and person_household.get(a) == person_household.get(b):
            kinds["household"] += 1
        else:
            kinds["other"] += 1
    print(f"false links                  {dict(kinds)}")
    print(f"rules fired                  {res.rule_hits}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"time: read+map {t1 - t0:.1f} s, link {t2 - t1:.1f} s; peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
