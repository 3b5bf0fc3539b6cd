"""The CapabilityStatement, generated from what the server really supports."""

from __future__ import annotations

from typing import Any

from tiercare import __version__


def capability_statement(base_url: str, resources: list[dict[str, Any]] | None = None,
                         date: str = "2026-01-01") -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "TierCare", "version": __version__},
        "implementation": {"description": "TierCare regional shared health record", "url": f"{base_url}/fhir/R4"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "security": {
                "description": "Bearer tokens issued by `tiercare token create`.",
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                          "code": "OAuth"}]}],
            },
            "resource": resources or [],
        }],
    }
