"""Fit the default parameters of the real-time path (services/data/mpi_default_model.json).

    .venv/bin/python bench/mpi/make_synth_data.py 5000 /tmp/synth5k
    .venv/bin/python bench/mpi/fit_default_model.py /tmp/synth5k/Patient.ndjson

Runs `link_persons` on the synthetic Patients (no households: the real-time path sees
none either) and writes m, u and λ. Term frequencies are left out: the names of a
synthetic county say nothing about a real one's; the first `tiercare mpi link` fits them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

from tiercare.core.mpi.person_model import link_persons
from tiercare.services.mpi import patient_record
from tiercare.services.mpi_scoring import params_to_json


def main(path: Path, out: Path) -> None:
    records = []
    for line in path.read_text("utf-8").splitlines():
        body = json.loads(line)
        records.append(dataclasses.replace(patient_record(body), record_id=body["id"]))
    linkage = link_persons(records, today=date(2026, 1, 1), seed=0)
    params = params_to_json(linkage.result.parameters)
    params["tf"] = {}
    params["source"] = (f"bench/mpi/fit_default_model.py on {len(records)} synthetic Patients "
                        "(bench/mpi/make_synth_data.py 5000, seed 1); tf left out on purpose")
    out.write_text(json.dumps(params, indent=1) + "\n", "utf-8")
    print(f"{len(records)} records, λ={params['lambda']:.3g}, written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else
         Path(__file__).resolve().parents[2] / "src/tiercare/services/data/mpi_default_model.json")
