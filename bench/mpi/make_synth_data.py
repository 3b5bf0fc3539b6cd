"""Write the synthetic-region data that bench/mpi/synth.py reads.

Uses the generator of branch ``synth`` (``tiercare.core.synth``; as of its commit
596d1bd: params.load_default, facilities.build_region, calendar.Calendar,
infectious.plan_outbreaks, chunk.Context / township_chunks). Until that branch
is merged, run it with a checkout of the branch first on the path:

    PYTHONPATH=/path/to/synth-checkout/src .venv/bin/python bench/mpi/make_synth_data.py 20000 /tmp/synth20k
    .venv/bin/python bench/mpi/synth.py /tmp/synth20k

Writes Patient.ndjson, Group.ndjson (households), patients.csv (ground truth
per registration) and persons.csv (true persons) for every county and township,
one simulated year from 2025-01-01, seed 1. The figures in docs/mpi.md came from
``make_synth_data.py 20000`` (60,870 registrations of 22,400 persons).
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path


def main(residents: int, out: Path, seed: int = 1, days: int = 365) -> None:
    try:
        from tiercare.core.synth.calendar import Calendar
        from tiercare.core.synth.chunk import PATIENT_COLUMNS, PERSON_COLUMNS, Context, township_chunks
        from tiercare.core.synth.facilities import build_region
        from tiercare.core.synth.infectious import plan_outbreaks
        from tiercare.core.synth.params import load_default
    except ImportError:
        sys.exit("error: the synthetic-region generator (branch synth) is not importable; see this file's docstring")
    params = load_default()
    region = build_region(params, residents, seed)
    start = date(2025, 1, 1)
    ctx = Context(
        params=params, region=region, calendar=Calendar(start, days, params), start=start, n_days=days, seed=seed,
        outbreaks=plan_outbreaks(region, params, seed, days),
    )
    out.mkdir(parents=True, exist_ok=True)
    with (
        open(out / "Patient.ndjson", "wb") as fp,
        open(out / "Group.ndjson", "wb") as fg,
        open(out / "patients.csv", "w", newline="", encoding="utf-8") as ft,
        open(out / "persons.csv", "w", newline="", encoding="utf-8") as fq,
    ):
        truth, persons = csv.writer(ft), csv.writer(fq)
        truth.writerow(PATIENT_COLUMNS)
        persons.writerow(PERSON_COLUMNS)
        for county in region.counties:
            for township in county.townships:
                for chunk in township_chunks(ctx, county, township):
                    for name, fh in (("Patient", fp), ("Group", fg)):
                        fh.writelines(x if x.endswith(b"\n") else x + b"\n" for x in chunk.lines.get(name, []))
                    truth.writerows(chunk.patients)
                    persons.writerows(chunk.persons)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_synth_data.py RESIDENTS OUT_DIR")
    main(int(sys.argv[1]), Path(sys.argv[2]))
