"""Bulk export (批量导出) of the store as NDJSON: system, Patient and Group level, per the
FHIR Bulk Data Access IG (http://hl7.org/fhir/uv/bulkdata/export.html): ``_type`` limits
the resource types, ``_since`` keeps resources changed at or after the instant. Patient
level exports the resources of the patient compartment (R4 CompartmentDefinition) of
every patient; Group level those of the group's members."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from tiercare.core.errors import InvalidInput
from tiercare.services.fhir import parse_instant, patient_compartment
from tiercare.services.fhir_router import FhirRouter


def export_resources(router: FhirRouter, write: Callable[[str, bytes], None], *, types: Sequence[str] | None,
                     since: str | None, actor: str, level: str = "system", group_id: str | None = None) -> int:
    """Stream the selected resources to ``write(type, ndjson_line)``; return how many."""
    service = router.service
    since_ts = parse_instant(since, "_since") if since else None
    compartment = patient_compartment()
    if level == "system":
        wanted = list(types) if types else sorted(service.core.resource_types)
    else:
        wanted = [t for t in (types or sorted(compartment)) if t in compartment]
    for t in wanted:
        service.check_type(t)
    n = 0
    with router.store.session() as s:
        ids: dict[str, set[str]] | None = None
        if level in ("patient", "group"):
            patients: list[str] | None = None
            if level == "group":
                if not group_id:
                    raise InvalidInput("a Group export needs the group id")
                group = service.read(s, "Group", group_id).body or {}
                patients = [m["entity"]["reference"].split("/", 1)[1] for m in group.get("member", [])
                            if isinstance(m, dict) and str(m.get("entity", {}).get("reference", "")).startswith(
                                "Patient/")]
            ids = s.compartment_ids(wanted, compartment, patients)  # type: ignore[attr-defined]
        for res in s.iter_current(wanted, since=since_ts, ids=ids):
            write(res.resource_type, orjson.dumps(res.body))
            n += 1
        s.audit(actor, "export", None, None, 0, {"level": level, "resources": n})
    return n


def manifest(request_url: str, base: str, job: str, counts: dict[str, int], when: str) -> dict[str, Any]:
    """The completion manifest of the Bulk Data IG (status request, 200 response)."""
    return {
        "transactionTime": when,
        "request": request_url,
        "requiresAccessToken": True,
        "output": [{"type": t, "url": f"{base}/$export-file/{job}/{t}.ndjson", "count": c}
                   for t, c in sorted(counts.items())],
        "error": [],
    }
