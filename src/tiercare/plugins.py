"""Registries through which built-ins and a region's extensions plug in (插件).

Built-in features register exactly as third-party ones do: a CLI command group is named
by ``"module:attribute"`` in :data:`BUILTIN_COMMANDS`, or by an installed package through
the entry-point group ``tiercare.commands``. Other registries (detectors, indicator packs,
FHIR operations, referral rule sets) follow the same pattern in their own modules.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

# One line per feature; each names a click command or group.
BUILTIN_COMMANDS: tuple[str, ...] = (
    "tiercare.fhir_cli:fhir_import",
    "tiercare.fhir_cli:fhir_export",
    "tiercare.synth.cli:synth",
    "tiercare.surveillance.cli:surveillance",
    "tiercare.surveillance.run_cli:surveillance_platform",
    "tiercare.mpi.cli:mpi",
)


def load(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def commands() -> list[Any]:
    """The click commands of the built-ins and of installed extensions."""
    found = [load(spec) for spec in BUILTIN_COMMANDS]
    for ep in entry_points(group="tiercare.commands"):
        found.append(ep.load())
    return found
