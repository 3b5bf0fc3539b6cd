"""FHIR store benchmark: TierCare vs the PyPI FHIR server sekmet-fhir on the same data.

Measures (medians of --runs runs; client and servers share this machine):
1. transaction Bundles of --entries entries (1 Patient, 1 Encounter, the rest Observations,
   urn:uuid references) posted over HTTP one after another: resources/s, for TierCare
   (`tiercare serve` on the embedded PostgreSQL, started here) and sekmet-fhir (pinned,
   installed into its own venv here, SQLite) -> ratio;
2. bulk NDJSON import (`tiercare import`): resources/s;
3. search latency p50/p95 with --clients concurrent clients on the loaded TierCare store.

    .venv/bin/python bench/fhir/run.py            # defaults: 3 runs x 20 bundles x 100 entries
    .venv/bin/python bench/fhir/run.py --quick    # a smoke run

Results are printed and written to bench/fhir/results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from servers import Sekmet, TierCare

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent


# ---- data ---------------------------------------------------------------------------
FAMILY = "王李张刘陈杨赵黄周吴"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]
LOINC = [("8480-6", "Systolic blood pressure", "mm[Hg]", 100, 180), ("8462-4", "Diastolic blood pressure", "mm[Hg]", 60, 110),
         ("2339-0", "Glucose", "mmol/L", 4, 15), ("29463-7", "Body weight", "kg", 45, 95)]


def make_bundle(rng: random.Random, entries: int, tag: str) -> dict[str, Any]:
    pid = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    eid = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    out = [
        {"fullUrl": pid, "request": {"method": "POST", "url": "Patient"}, "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:oid:2.16.156.10011.1.24", "value": f"{tag}{rng.randrange(10**12):012d}"}],
            "name": [{"text": rng.choice(FAMILY) + rng.choice(GIVEN), "family": rng.choice(FAMILY),
                      "given": [rng.choice(GIVEN)]}],
            "gender": rng.choice(["male", "female"]), "birthDate": f"{rng.randint(1930, 2020)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"}},
        {"fullUrl": eid, "request": {"method": "POST", "url": "Encounter"}, "resource": {
            "resourceType": "Encounter", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": pid},
            "period": {"start": f"{day}T09:00:00+08:00", "end": f"{day}T09:30:00+08:00"}}},
    ]
    for _ in range(entries - 2):
        code, display, unit, lo, hi = rng.choice(LOINC)
        out.append({"request": {"method": "POST", "url": "Observation"}, "resource": {
            "resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": display}]},
            "subject": {"reference": pid}, "encounter": {"reference": eid},
            "effectiveDateTime": f"{day}T09:{rng.randint(0, 59):02d}:00+08:00",
            "valueQuantity": {"value": round(rng.uniform(lo, hi), 1), "unit": unit,
                              "system": "http://unitsofmeasure.org", "code": unit}}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": out}


def post_bundles(base: str, bundles: list[dict[str, Any]], headers: dict[str, str]) -> float:
    """Post the bundles one after another; return resources/s."""
    n = sum(len(b["entry"]) for b in bundles)
    bodies = [json.dumps(b).encode() for b in bundles]
    with httpx.Client(timeout=120, headers={**headers, "content-type": "application/fhir+json"}) as c:
        start = time.perf_counter()
        for body in bodies:
            r = c.post(base, content=body)
            if r.status_code >= 300:
                raise SystemExit(f"bundle rejected by {base}: {r.status_code} {r.text[:300]}")
        elapsed = time.perf_counter() - start
    return n / elapsed


# ---- search latency -------------------------------------------------------------------
def latencies(base: str, token: str, queries: dict[str, list[str]], clients: int, per_query: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, urls in queries.items():
        samples: list[float] = []
        lock = threading.Lock()

        def worker(k: int, urls: list[str] = urls, samples: list[float] = samples, lock: threading.Lock = lock) -> None:
            with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as c:
                c.get(f"{base}/{urls[k % len(urls)]}")  # warm the connection
                for i in range(per_query):
                    url = f"{base}/{urls[(k * per_query + i) % len(urls)]}"
                    t = time.perf_counter()
                    r = c.get(url)
                    dt = (time.perf_counter() - t) * 1000
                    if r.status_code != 200:
                        raise SystemExit(f"{url}: {r.status_code} {r.text[:200]}")
                    with lock:
                        samples.append(dt)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        samples.sort()
        out[name] = {"p50_ms": round(samples[len(samples) // 2], 2),
                     "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2), "n": len(samples)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bundles", type=int, default=20)
    ap.add_argument("--entries", type=int, default=100)
    ap.add_argument("--import-resources", type=int, default=30000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--per-query", type=int, default=25)
    ap.add_argument("--no-peer", action="store_true", help="skip sekmet-fhir")
    ap.add_argument("--quick", action="store_true", help="1 run, small sizes")
    args = ap.parse_args()
    if args.quick:
        args.runs, args.bundles, args.import_resources, args.per_query = 1, 4, 3000, 5
    rng = random.Random(20261123)
    work = Path(tempfile.mkdtemp(prefix="tiercare-bench-"))
    results: dict[str, Any] = {"machine": f"{os.cpu_count()} cpu(s), shared",
                               "load_average_at_start": [round(x, 1) for x in os.getloadavg()], "runs": args.runs,
                               "bundle_entries": args.entries, "bundles_per_run": args.bundles}
    runs = [[make_bundle(rng, args.entries, f"R{r}B{b}") for b in range(args.bundles)] for r in range(args.runs)]
    tc = TierCare(work / "tiercare", TIERCARE_POOL_SIZE="8")
    peer = None if args.no_peer else Sekmet(work / "sekmet")
    try:
        tc.start()
        auth = {"Authorization": f"Bearer {tc.token}"}
        if peer is not None:
            peer.install()
            peer.start()
        # the two servers take turns, run by run, so that both see the same load of this shared machine
        tc_rates, peer_rates = [], []
        for bundles in runs:
            tc_rates.append(post_bundles(tc.base, bundles, auth))
            if peer is not None:
                peer_rates.append(post_bundles(peer.base, bundles, {}))
        results["tiercare_bundle_resources_per_s"] = round(statistics.median(tc_rates), 1)
        results["tiercare_bundle_runs"] = [round(x, 1) for x in tc_rates]
        if peer is not None:
            peer.stop()
            results["sekmet_bundle_resources_per_s"] = round(statistics.median(peer_rates), 1)
            results["sekmet_bundle_runs"] = [round(x, 1) for x in peer_rates]
            results["bundle_ratio_tiercare_over_sekmet"] = round(
                results["tiercare_bundle_resources_per_s"] / results["sekmet_bundle_resources_per_s"], 2)
        print(json.dumps(results), flush=True)
        # bulk import: NDJSON of the same shapes, new ids each run
        imp_rates = []
        for r in range(args.runs):
            path = work / f"import-{r}.ndjson.gz"
            n = 0
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                while n < args.import_resources:
                    b = make_bundle(rng, args.entries, f"I{r}")
                    ids = {e["fullUrl"]: f"{e['resource']['resourceType']}/{uuid.uuid4()}" for e in b["entry"]
                           if "fullUrl" in e}
                    text = json.dumps(b)
                    for k, v in ids.items():
                        text = text.replace(k, v)
                    for orig, e in zip(b["entry"], json.loads(text)["entry"], strict=True):
                        res = e["resource"]
                        if "fullUrl" in orig:
                            res["id"] = ids[orig["fullUrl"]].split("/")[1]
                        else:
                            res["id"] = str(uuid.uuid4())
                        fh.write(json.dumps(res, ensure_ascii=False) + "\n")
                        n += 1
            out = tc.tc("import", str(path), "--batch-size", "2000")
            # the command's own rate: the load itself, without process start-up and migrations
            imp_rates.append(float(out.rsplit("(", 1)[1].split(" ")[0].replace(",", "")))
        results["tiercare_import_resources_per_s"] = round(statistics.median(imp_rates), 1)
        results["tiercare_import_runs"] = [round(x, 1) for x in imp_rates]
        # search latencies on the loaded store
        with httpx.Client(headers=auth, timeout=60) as c:
            pats = c.get(f"{tc.base}/Patient", params={"_count": "200"}).json().get("entry", [])
            pids = [e["resource"]["id"] for e in pats]
            idents = [e["resource"]["identifier"][0]["value"] for e in pats]
            names = [e["resource"]["name"][0]["text"] for e in pats]
            total = c.get(f"{tc.base}/Observation", params={"_summary": "count"}).json()["total"]
        results["store_observations"] = total
        queries = {
            "read Patient": [f"Patient/{p}" for p in pids],
            "Observation?subject&code&date=ge": [f"Observation?subject=Patient/{p}&code=http://loinc.org|8480-6"
                                                 f"&date=ge2026-01-01" for p in pids],
            "Encounter?patient": [f"Encounter?patient={p}" for p in pids],
            "Encounter?date=month&_count=50": [f"Encounter?date=2026-{m:02d}&_count=50" for m in range(1, 13)],
            "Patient?name": [f"Patient?name={n}" for n in names],
            "Observation?code&_count=100": ["Observation?code=http://loinc.org|2339-0&_count=100"],
            "Patient?identifier": [f"Patient?identifier=urn:oid:2.16.156.10011.1.24|{i}" for i in idents],
        }
        results["search"] = latencies(tc.base, tc.token, queries, args.clients, args.per_query)
        size = subprocess.run([str(BIN / "tiercare"), "db", "psql", "-At", "-c",
                               "SELECT (SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind = 'r' "
                               "AND relname LIKE 'fhir%'), (SELECT count(*) FROM fhir_resource)"],
                              env=tc.env, capture_output=True, text=True).stdout.strip()
        if "|" in size:
            db_bytes, n_res = (int(x) for x in size.split("|"))
            results["disk_bytes_per_resource"] = round(db_bytes / max(n_res, 1))
            results["resources_stored"] = n_res
        results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    finally:
        if peer is not None:
            peer.stop()
        tc.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
