"""TierCare's side of the side-by-side benchmark (bench/mpi/splink_side.py runs
it as a child process so that its time and peak memory are its own).

    .venv/bin/python bench/mpi/ours_run.py DIR OUT_DIR [--today 2026-01-01]

Reads DIR/Patient.ndjson and Group.ndjson (households) as `synth.py` does, links
standardising each record as it is read (only the standardised form is kept)
and linking with `link_standardised`, and writes OUT_DIR/ours.npz (patient ids in order, scored
pairs, probabilities, cluster labels) and OUT_DIR/splink_input.csv: the same
standardised columns for Splink (written after the timed linkage). Prints one
JSON line: read, link wall and CPU seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from synth import households

from tiercare.core.mpi.fhir_patient import from_fhir_patient
from tiercare.core.mpi.person_model import link_standardised
from tiercare.core.mpi.standardise import StandardRecord, standardise_record

SPLINK_COLUMNS = [
    "unique_id", "name", "pinyin", "pinyin_sorted", "surname", "given_pinyin", "birth_date", "birth_lunar",
    "birth_year", "id_number", "id17", "phone", "phone2", "county", "township", "village", "gender", "household",
]


def read_patients(folder: Path, today: date) -> tuple[list[StandardRecord], list[str], float]:
    """Standardised records as they are read (only the standardised form is kept)
    and the seconds spent standardising, which count as linkage time."""
    household = households(folder)
    records, ids = [], []
    spent = 0.0
    with open(folder / "Patient.ndjson", encoding="utf-8") as fh:
        for line in fh:
            res = json.loads(line)
            rec = from_fhir_patient(res, household=household.get(res["id"]))
            t = time.perf_counter()
            records.append(standardise_record(rec, today=today))
            spent += time.perf_counter() - t
            ids.append(sys.intern(res["id"]))
    return records, ids, spent


def splink_row(k: int, r: StandardRecord) -> list:
    name = r.name if r.name is not None and not r.name.placeholder else None
    own = r.own_id
    segs = r.address.segments if r.address is not None else ()
    phones = [p.digits for p in r.phones]
    return [
        k,
        name.text if name else None,
        name.key if name else None,
        "".join(sorted(x[0] for x in name.readings if x)) if name and name.readings else None,
        name.surname_key or None if name else None,
        name.given_key or None if name else None,
        r.birth.value.isoformat() if r.birth else None,
        r.birth.as_lunar.isoformat() if r.birth and r.birth.as_lunar else None,
        r.birth.value.year if r.birth else None,
        own.text if own is not None else None,
        own.text[:17] if own is not None and len(own.text) == 18 else None,
        phones[0] if phones else None,
        phones[1] if len(phones) > 1 else None,
        "".join(segs[:3]) if len(segs) >= 3 else None,
        "".join(segs[:4]) if len(segs) >= 4 else None,
        "".join(segs[:5]) if len(segs) >= 5 else None,
        r.gender,
        r.household,
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--today", default="2026-01-01")
    ap.add_argument("--no-splink-input", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0, c0 = time.perf_counter(), time.process_time()
    records, ids, standardise = read_patients(args.folder, date.fromisoformat(args.today))
    t1, c1 = time.perf_counter(), time.process_time()
    out = link_standardised(records, seed=0)
    t2, c2 = time.perf_counter(), time.process_time()
    # Standardising is linkage work; reading JSON and mapping FHIR is input.
    share = standardise / max(t1 - t0, 1e-9)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res = out.result
    np.savez(args.out / "ours.npz", ids=np.asarray(ids), pairs=res.pairs, prob=res.probabilities,
             labels=res.clustering.labels)
    if not args.no_splink_input:
        with open(args.out / "splink_input.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(SPLINK_COLUMNS)
            w.writerows(splink_row(k, r) for k, r in enumerate(out.records))
    print(json.dumps({"tool": "TierCare", "read": (t1 - t0) - standardise, "wall": t2 - t1 + standardise,
                      "cpu": c2 - c1 + share * (c1 - c0), "rss_mib": rss, "candidate_pairs": int(len(res.pairs)),
                      "standardise": standardise}))


if __name__ == "__main__":
    main()
