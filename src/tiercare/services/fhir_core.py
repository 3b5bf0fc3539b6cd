"""Wire the pure FHIR core (tiercare.core.fhir, built on branch ``fhircore``) into the
use cases: definitions, validation, index extraction and search parsing.

The parts are looked up by the contract's names (CONTRACT.md). A part the core does not
provide yet is replaced by a documented fallback: no validation beyond resourceType/id,
no index rows, no search (docs/fhir-store.md, "core interface").
"""

from __future__ import annotations

import importlib
from typing import Any

from tiercare.core.fhir.definitions import definitions
from tiercare.services.fhir import FhirCore


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def load_core() -> FhirCore:
    defs = definitions()
    validate = _optional("tiercare.core.fhir.validation", "validate")
    extract = _optional("tiercare.core.fhir.index", "extract")  # -> list of typed rows (index.ROW_KINDS)
    parse = _optional("tiercare.core.fhir.search", "parse_search")
    summarize = _optional("tiercare.core.fhir.summary", "summarize")
    supported = frozenset(t for t in defs.resource_types if t not in ("OperationOutcome", "Bundle"))

    def _validate(resource: dict[str, Any]) -> list[Any]:
        return list(validate(resource)) if validate is not None else []

    def _extract(resource: dict[str, Any]) -> Any:
        return extract(resource)

    def _parse(resource_type: str, params: list[tuple[str, str]], strict: bool) -> Any:
        return parse(resource_type, params, defs, strict=strict)

    return FhirCore(
        resource_types=supported,
        validate=_validate,
        extract_index=_extract if extract is not None else None,
        parse_search=_parse if parse is not None else None,
        search_params=defs.search_params,
        summarize=(lambda r, summary, elements: summarize(r, summary, elements, defs)) if summarize else None,
    )
