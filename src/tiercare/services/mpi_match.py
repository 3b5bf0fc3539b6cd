"""``Patient/$match`` (FHIR R4 patient-operation-match, 患者匹配操作): a Patient in, a
searchset Bundle of scored Patients out, each with ``search.score`` and the extension
``http://hl7.org/fhir/StructureDefinition/match-grade`` (certain | probable | possible).

Input Parameters: ``resource`` (Patient, required), ``onlyCertainMatches`` (boolean),
``count`` (integer: at most this many). Scoring is that of real-time linking
(services.mpi_scoring); the bands are the thresholds of core/mpi/data/model.toml.
A Patient too poor to link (garbage, empty name, future birth date) gives an empty
Bundle with an OperationOutcome entry listing the validation issues.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiercare.core.errors import InvalidInput
from tiercare.services.fhir_ports import FhirSession
from tiercare.services.fhir_router import FhirRequest, FhirResponse, FhirRouter, parse_json
from tiercare.services.mpi import MpiService, MpiStore, match_grade

MATCH_GRADE = "http://hl7.org/fhir/StructureDefinition/match-grade"


def _params(body: Any) -> tuple[Any, bool, int | None]:
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise InvalidInput("$match needs a Parameters resource as body")
    resource, only_certain, count = None, False, None
    for p in body.get("parameter") or []:
        if not isinstance(p, dict):
            continue
        name = p.get("name")
        if name == "resource":
            resource = p.get("resource")
        elif name == "onlyCertainMatches":
            if not isinstance(p.get("valueBoolean"), bool):
                raise InvalidInput("onlyCertainMatches must be a valueBoolean")
            only_certain = p["valueBoolean"]
        elif name == "count":
            value = p.get("valueInteger")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInput("count must be a positive valueInteger")
            count = value
    if resource is None:
        raise InvalidInput("$match needs a 'resource' parameter holding a Patient")
    return resource, only_certain, count


def match_operation(mpi: MpiService, store_for: Callable[[FhirSession], MpiStore | None],
                    ) -> Callable[[FhirRouter, FhirRequest], FhirResponse]:
    """The handler to register as ``router.operations[("Patient", "$match")]``."""

    def handle(router: FhirRouter, req: FhirRequest) -> FhirResponse:
        if req.method.upper() != "POST":
            raise InvalidInput("$match is invoked with POST")
        resource, only_certain, count = _params(parse_json(req.body))
        with router.store.session() as s:
            store = store_for(s)
            if store is None:
                raise InvalidInput("this FHIR store has no client registry")
            scored, std = mpi.match(store, resource, router.service.clock().date())
            entries: list[dict[str, Any]] = []
            if not std.linkable:
                entries.append({"resource": {"resourceType": "OperationOutcome", "issue": [
                    {"severity": "warning" if i.severity == "warning" else "error", "code": "invalid",
                     "diagnostics": f"{i.field}: {i.code}", "expression": [f"Patient.{i.field}"]}
                    for i in std.issues]}, "search": {"mode": "outcome"}})
            for c in scored:
                grade = match_grade(c.probability, mpi.settings)
                if grade is None or (only_certain and grade != "certain"):
                    continue
                got = s.current("Patient", c.record_id)
                if got is None or got.deleted or got.body is None:
                    continue
                entries.append({"fullUrl": f"{router.base}/Patient/{c.record_id}", "resource": got.body,
                                "search": {"mode": "match", "score": round(c.probability, 6),
                                           "extension": [{"url": MATCH_GRADE, "valueCode": grade}]}})
                if count is not None and sum(e["search"]["mode"] == "match" for e in entries) >= count:
                    break
        matches = sum(e["search"]["mode"] == "match" for e in entries)
        return FhirResponse(200, {"resourceType": "Bundle", "type": "searchset", "total": matches,
                                  "entry": entries})

    return handle
