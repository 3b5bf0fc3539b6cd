"""Cross-check the compiled search expressions against a general FHIRPath engine (fhirpathpy).

For every official R4 example of a supported type (tools/fetch_fhir_examples.py) and every
search parameter of its type, compare what TierCare's compiled closure selects with what
fhirpathpy selects for the same expression. A one-off measurement, not a test: fhirpathpy is
not a TierCare dependency. Run it with fhirpathpy importable, e.g.

    python -m venv /tmp/fp && /tmp/fp/bin/pip install fhirpathpy==2.2.4
    PYTHONPATH=/tmp/fp/lib/python3.11/site-packages .venv/bin/python tools/crosscheck_index_fhirpathpy.py

``where(resolve() is T)`` needs a resolver in fhirpathpy; those parameters are compared
after replacing ``resolve() is T`` by the reference-text test TierCare uses, so the
comparison is about path navigation and typing.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import fhirpathpy  # type: ignore[import-not-found]
from fhirpathpy.models import models  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tiercare.core.fhir.definitions import definitions  # noqa: E402
from tiercare.core.fhir.fhirpath import Env  # noqa: E402
from tiercare.core.fhir.index import indexer  # noqa: E402

R4_MODEL = models["r4"]  # choice types need the model
RESOLVE = re.compile(r"\.where\(resolve\(\) is (\w+)\)")


def _plain(v: Any) -> Any:
    """Numbers compared by value (fhirpathpy yields Decimal), other objects by their text."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | float | Decimal):
        return str(Decimal(str(v)).normalize())
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return str(v)


def canon(values: list[Any]) -> Counter[str]:
    return Counter(json.dumps(_plain(v), sort_keys=True, ensure_ascii=False) for v in values)


def main() -> int:
    examples = ROOT / "var/fhir-r4-examples"
    defs = definitions()
    ix = indexer()
    same = differ = fp_error = 0
    differences: Counter[tuple[str, str]] = Counter()
    for path in sorted(examples.glob("*.json")):
        if path.stat().st_size > 1_000_000:
            continue
        res = json.loads(path.read_bytes())
        rt = res.get("resourceType")
        if rt not in defs.resource_types:
            continue
        for ex in ix.extractors(rt):
            if ex.components:
                continue
            ours = [v for v, _ in ex.fn([(res, rt)], Env(res))]
            expr = RESOLVE.sub(lambda m: f".where(reference.startsWith('{m.group(1)}/'))", ex.param.expression)
            try:
                theirs = fhirpathpy.evaluate(res, expr, {}, R4_MODEL)
            except Exception:  # a failure of the other engine is counted, not fatal
                fp_error += 1
                continue
            if canon(ours) == canon(theirs):
                same += 1
            else:
                differ += 1
                differences[(rt, ex.param.name)] += 1
    total = same + differ
    print(f"parameter x example evaluations: {total}; identical selections: {same} ({100 * same / max(total, 1):.1f}%); "
          f"different: {differ}; fhirpathpy errors: {fp_error}")
    for (rt, name), n in differences.most_common(25):
        print(f"  differs: {rt}.{name} in {n} examples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
