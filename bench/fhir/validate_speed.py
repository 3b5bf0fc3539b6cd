"""Speed of the pure FHIR core on one write: validation and index extraction.

    .venv/bin/python bench/fhir/validate_speed.py [--n 20000]

Prints the median over 5 runs of the per-resource time (microseconds) for a small Patient,
an Observation (blood-pressure panel) repeated (warm caches), 4,000 distinct Patients and
Observations (caches cleared before each run: the realistic figure) and, if fetched, the
official R4 examples of the supported types (tools/fetch_fhir_examples.py). CPU time (process_time), as the machine is
shared: timings are still noisy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tiercare.core.fhir.definitions import definitions
from tiercare.core.fhir.index import extract, parse_reference
from tiercare.core.fhir.validation import validate
from tiercare.core.fhir.values import date_range, normalize_string, pinyin_key

PATIENT: dict[str, Any] = {
    "resourceType": "Patient", "id": "p1", "meta": {"lastUpdated": "2024-01-01T00:00:00Z", "versionId": "1"},
    "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": "110101198001010011"}],
    "name": [{"family": "张", "given": ["伟"]}], "gender": "male", "birthDate": "1980-05-01",
    "telecom": [{"system": "phone", "value": "13800000000"}], "address": [{"city": "北京", "district": "东城区"}],
    "managingOrganization": {"reference": "Organization/o1"},
}
OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation", "id": "o1", "status": "final",
    "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                              "code": "vital-signs"}]}],
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"reference": "Patient/p1"}, "encounter": {"reference": "Encounter/e1"},
    "effectiveDateTime": "2024-03-01T10:00:00+08:00",
    "component": [
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
         "valueQuantity": {"value": 142, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
        {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
         "valueQuantity": {"value": 91, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
    ],
}


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def variants(n: int) -> list[dict[str, Any]]:
    """n distinct Patients and Observations (ids, names, dates, values differ), so that the
    caches of dates, references and strings hit only as often as in a real load."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        p = json.loads(json.dumps(PATIENT))
        p["id"] = f"p{i}"
        p["name"] = [{"family": SURNAMES[i % len(SURNAMES)], "given": [GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3) % len(GIVEN)]]}]
        p["birthDate"] = f"{1930 + i % 90}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        p["identifier"][0]["value"] = f"1101011980{i:08d}"
        o = json.loads(json.dumps(OBSERVATION))
        o["id"] = f"o{i}"
        o["subject"]["reference"] = f"Patient/p{i % 100}"
        o["encounter"]["reference"] = f"Encounter/e{i}"
        o["effectiveDateTime"] = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+08:00"
        o["component"][0]["valueQuantity"]["value"] = 100 + i % 80
        o["component"][1]["valueQuantity"]["value"] = 60 + i % 50
        out += [p, o]
    return out


def clear_caches() -> None:
    date_range.cache_clear()
    parse_reference.cache_clear()
    normalize_string.cache_clear()
    pinyin_key.cache_clear()


def per_item_us(fn: Callable[[dict[str, Any]], Any], items: list[dict[str, Any]], n: int) -> float:
    runs = []
    for _ in range(5):
        clear_caches()
        t0 = time.process_time()  # CPU time: less sensitive to the other users of the machine
        done = 0
        while done < n:
            for item in items:
                fn(item)
            done += len(items)
        runs.append((time.process_time() - t0) / done * 1e6)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()
    validate(PATIENT), extract(PATIENT), extract(OBSERVATION)  # warm: load definitions, compile shapes
    print("per resource, median of 5 runs (us):")
    for name, res in (("Patient (small)", PATIENT), ("Observation (BP panel)", OBSERVATION)):
        print(f"  {name:24s} validate {per_item_us(validate, [res], args.n):7.1f}   "
              f"extract {per_item_us(extract, [res], args.n // 4):7.1f}")
    mixed = variants(2000)
    print(f"  {len(mixed)} distinct Patients + Observations  validate {per_item_us(validate, mixed, len(mixed)):7.1f}   "
          f"extract {per_item_us(extract, mixed, len(mixed)):7.1f}   (caches cleared each run)")
    examples = Path(__file__).resolve().parents[2] / "var/fhir-r4-examples"
    if examples.is_dir():
        supported = definitions().resource_types
        items = [r for p in sorted(examples.glob("*.json")) if p.stat().st_size < 200_000
                 and (r := json.loads(p.read_bytes())).get("resourceType") in supported]
        for r in items:
            extract(r)
        print(f"  {len(items)} R4 examples (<200 KB)  validate {per_item_us(validate, items, 2000):7.1f}   "
              f"extract {per_item_us(extract, items, 1000):7.1f}")


if __name__ == "__main__":
    main()
