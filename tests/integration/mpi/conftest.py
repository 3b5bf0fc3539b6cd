"""Fixtures of the client-registry tests: a FHIR router on the rolled-back ``db``
connection with the registry's write listener and ``Patient/$match`` installed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson
import psycopg
import pytest
from tests.integration.fhir.conftest import BASE, TickClock

from tiercare.adapters.postgres.fhir_store import PgFhirStore
from tiercare.adapters.postgres.mpi_store import PgMpiStore, store_for_session
from tiercare.services.fhir import FhirService
from tiercare.services.fhir_core import load_core
from tiercare.services.fhir_router import FhirRequest, FhirResponse, FhirRouter
from tiercare.services.mpi import MpiService
from tiercare.services.mpi_match import match_operation

ID_SYSTEM = "urn:oid:1.2.156.112604.1.2.1"


def check_char(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def id_number(birth: str, seq: str = "124", gender: str = "female") -> str:
    """A valid 18-character resident ID (GB 11643) of a Yunnan county, for a birth date; the
    sex digit (17th: odd male, even female) is made to agree with ``gender`` (the core
    treats a number whose sex contradicts the record as someone else's)."""
    last = int(seq[-1])
    if (last % 2 == 1) != (gender == "male"):
        last = (last + 1) % 10
    body = "530102" + birth.replace("-", "") + seq[:-1] + str(last)
    return body + check_char(body)


def patient(name: str, birth: str | None, gender: str = "female", *, idn: str | None = None,
            phone: str | None = None, district: str | None = "530102001001") -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Patient", "name": [{"use": "official", "text": name}], "gender": gender}
    if birth:
        res["birthDate"] = birth
    if idn:
        res["identifier"] = [{"system": ID_SYSTEM, "value": idn}]
    if phone:
        res["telecom"] = [{"system": "phone", "value": phone}]
    if district:
        res["address"] = [{"district": district}]
    return res


class Api:
    def __init__(self, router: FhirRouter, db: psycopg.Connection) -> None:
        self.router = router
        self.db = db
        self.mpi = PgMpiStore(db)

    def __call__(self, method: str, path: str, body: object = None) -> FhirResponse:
        raw = b"" if body is None else orjson.dumps(body)
        return self.router.handle(FhirRequest(method, path, [], {}, raw, "tester"))

    def create(self, resource: dict[str, Any]) -> str:
        resp = self("POST", "Patient", resource)
        assert resp.status == 201, resp.body
        return str(resp.body["id"])

    def person_of(self, patient_id: str) -> int:
        link = self.mpi.link_of(patient_id)
        assert link is not None
        return link.person_id


@pytest.fixture
def mpi_service() -> MpiService:
    return MpiService(store_for_session)


@pytest.fixture
def api(db: psycopg.Connection, mpi_service: MpiService) -> Iterator[Api]:
    db.execute("SELECT 1")
    service = FhirService(load_core(), clock=TickClock())
    service.write_listeners.append(mpi_service.on_write)
    router = FhirRouter(PgFhirStore.on_connection(db), service, BASE)
    router.operations[("Patient", "$match")] = match_operation(mpi_service, store_for_session)
    yield Api(router, db)


@pytest.fixture
def make_patient() -> Callable[..., dict[str, Any]]:
    return patient
