"""Composition root (组装根): builds the adapters from the settings and hands them to the
API, the CLI and the jobs. The only place that knows which implementation serves which
port. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass, field

from tiercare.adapters.postgres.database import Database
from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.config import Settings, load_settings


@dataclass
class Container:
    settings: Settings
    database: Database
    fhir: PgFhirStore = field(init=False)  # the FHIR store (FhirStore port), sessions from the pool

    def __post_init__(self) -> None:
        self.fhir = PgFhirStore(self.database.connection, durable_read_audit=self.settings.read_audit_sync)

    def close(self) -> None:
        self.database.close()


def build(settings: Settings | None = None) -> Container:
    settings = settings or load_settings()
    return Container(settings=settings, database=Database(settings))
