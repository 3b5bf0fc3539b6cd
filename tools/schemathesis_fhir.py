"""schemathesis against a running TierCare, over HTTP: every operation of /openapi.json, positive
and negative generated requests, reports every 5xx (issue 4: "schemathesis against the OpenAPI
description of the FHIR endpoints finds no 5xx"). The bounded version of this run is
tests/e2e/test_fhir_schemathesis.py.

    tiercare serve &                    # or any TierCare base URL
    python tools/schemathesis_fhir.py --url http://127.0.0.1:8080 --token "$(tiercare token create st)" \
        --examples 200

Exits 1 if any request got a 5xx (or a 4xx that is not an OperationOutcome), printing a
reproducing curl command for each.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode


@schemathesis.serializer("application/fhir+ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else str(value).encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080", help="server root (serves /openapi.json)")
    ap.add_argument("--token", required=True, help="a bearer token (tiercare token create NAME)")
    ap.add_argument("--examples", type=int, default=100, help="generated requests per operation and mode")
    ap.add_argument("--seed", type=int, default=None, help="derandomise with this seed")
    args = ap.parse_args()
    schema = schemathesis.openapi.from_url(f"{args.url}/openapi.json")
    auth = {"Authorization": f"Bearer {args.token}"}
    failures: list[str] = []
    calls = 0
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        statuses: dict[int, int] = {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=args.examples, deadline=None, database=None, derandomize=args.seed is not None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                nonlocal calls
                response = case.call(base_url=args.url, headers=auth, timeout=60)
                calls += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1  # noqa: B023 (run() is called at once, in this iteration)
                bad = response.status_code >= 500
                if 400 <= response.status_code < 500 and "json" in response.headers.get("content-type", ""):
                    bad = response.json().get("resourceType") != "OperationOutcome"
                if bad:
                    failures.append(f"{response.status_code}: {case.as_curl_command(headers=auth)}")

            try:
                run()
            except Unsatisfiable:
                pass
        print(f"{operation.label:55s} {dict(sorted(statuses.items()))}", flush=True)
    print(f"{calls} requests in {time.perf_counter() - started:.0f} s; {len(failures)} failure(s)")
    for f in failures[:50]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
