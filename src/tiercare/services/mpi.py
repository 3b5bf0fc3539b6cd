"""Client registry use cases (居民主索引服务): real-time linking of every Patient write,
golden records by survivorship, ``Patient/$match``.

Storage goes through the :class:`MpiStore` port (PostgreSQL: tiercare.adapters.postgres.
mpi_store). The real-time path runs as a write listener of the FHIR store, inside the
write's transaction (``FhirService.write_listeners``): if the write rolls back, so does
the link. See docs/mpi-platform.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from tiercare.core.errors import InvalidInput
from tiercare.core.mpi.fellegi_sunter import Parameters
from tiercare.core.mpi.fhir_patient import from_fhir_patient
from tiercare.core.mpi.record import PersonRecord
from tiercare.core.mpi.rules import load_table
from tiercare.core.mpi.standardise import StandardRecord, standardise_record
from tiercare.services.fhir_ports import FhirSession, WriteOp
from tiercare.services.mpi_scoring import (
    Scored,
    blocking_keys,
    completeness,
    default_params,
    match_settings,
    params_from_json,
    score_candidates,
    summary,
)

GOLDEN_FIELDS = ("name", "gender", "birth_date", "id_number", "phones", "address_code", "household")


@dataclass(frozen=True)
class Link:
    person_id: int
    kind: str
    score: float | None


@dataclass(frozen=True)
class Member:
    patient_id: str
    std: dict[str, Any]
    completeness: int
    updated_at: datetime


class MpiStore(Protocol):
    """What the registry needs from storage; one instance works inside one transaction."""

    def put_record(self, patient_id: str, raw: dict[str, Any], std: dict[str, Any], issues: list[dict[str, str]],
                   linkable: bool, completeness: int, updated_at: datetime, keys: Sequence[str]) -> None: ...
    def drop_record(self, patient_id: str) -> None: ...
    def candidates(self, keys: Sequence[str], max_block: int, exclude: str) -> list[tuple[str, dict[str, Any]]]: ...
    def link_of(self, patient_id: str) -> Link | None: ...
    def persons_of(self, patient_ids: Sequence[str]) -> dict[str, int]: ...
    def decisions(self, patient_id: str) -> dict[str, str]: ...
    def new_person(self) -> int: ...
    def set_link(self, patient_id: str, person_id: int, kind: str, score: float | None, by: str) -> None: ...
    def drop_link(self, patient_id: str) -> None: ...
    def add_review(self, a: str, b: str, score: float, evidence: dict[str, Any]) -> None: ...
    def members(self, person_id: int) -> list[Member]: ...
    def set_golden(self, person_id: int, golden: dict[str, Any], active: bool) -> None: ...
    def event(self, kind: str, person_id: int, other: int | None, patient_ids: Sequence[str],
              detail: dict[str, Any], by: str) -> None: ...
    def latest_params(self) -> dict[str, Any] | None: ...
    def latest_model_id(self) -> int | None: ...
    def model_params(self, model_id: int) -> dict[str, Any]: ...
    def enterprise_id(self, person_id: int) -> str: ...


def patient_record(resource: Mapping[str, Any]) -> PersonRecord:
    """The PersonRecord of a Patient, keyed by its bare id."""
    rec = from_fhir_patient(resource)
    return dataclasses.replace(rec, record_id=str(resource.get("id") or ""))


def record_from_raw(raw: Mapping[str, Any]) -> PersonRecord:
    data = dict(raw)
    data["phones"] = tuple(data.get("phones") or ())
    return PersonRecord(**data)


def raw_of(rec: PersonRecord) -> dict[str, Any]:
    data = dataclasses.asdict(rec)
    data["phones"] = list(rec.phones)
    return data


def issues_of(rec: StandardRecord) -> list[dict[str, str]]:
    return [{"field": i.field, "code": i.code, "severity": str(i.severity)} for i in rec.issues]


def golden_record(members: Sequence[Member]) -> dict[str, Any]:
    """Survivorship (存活规则), per field: the value of the most complete record
    (most usable fields), then the most recently updated, then the smallest id; a
    field empty there is taken from the next record in that order."""
    ranked = sorted(members, key=lambda m: (-m.completeness, -m.updated_at.timestamp(), m.patient_id))
    golden: dict[str, Any] = {}
    source: dict[str, str] = {}
    for field in GOLDEN_FIELDS:
        for m in ranked:
            value = m.std.get(field)
            if field == "id_number" and m.std.get("id_foreign"):
                continue  # a guardian's number is not the person's
            if field == "name" and m.std.get("name_placeholder") and any(
                    not x.std.get("name_placeholder") and x.std.get("name") for x in ranked):
                continue  # 某某之子 gives way to the child's real name
            if value:
                golden[field] = value
                source[field] = m.patient_id
                break
    golden["sources"] = source
    golden["patients"] = sorted(m.patient_id for m in members)
    return golden


@dataclass
class Decision:
    """What real-time linking decided for one record (for tests and the benchmark)."""

    person_id: int
    kind: str
    score: float | None
    reviews: int


class MpiService:
    """Real-time linking and ``$match``. ``store_for`` gives the MPI store working in a
    FHIR session's transaction (None for stores without one: then nothing is linked)."""

    def __init__(self, store_for: Callable[[FhirSession], MpiStore | None],
                 settings: Mapping[str, Any] | None = None) -> None:
        self.store_for = store_for
        self.settings = dict(settings or load_table("model"))
        self._params: tuple[Any, Parameters] | None = None

    # ---- parameters ----------------------------------------------------------------
    def params(self, store: MpiStore) -> Parameters:
        """The newest fitted parameters (cached by content id), else the defaults."""
        model_id = store.latest_model_id()
        if model_id is None:
            return default_params()
        if self._params is None or self._params[0] != model_id:
            self._params = (model_id, params_from_json(store.model_params(model_id)))
        return self._params[1]

    # ---- real time -------------------------------------------------------------------
    def on_write(self, s: FhirSession, op: WriteOp) -> None:
        """FHIR write listener: link every Patient create/update in the write's transaction."""
        if op.resource_type != "Patient":
            return
        store = self.store_for(s)
        if store is None:
            return
        if op.deleted:
            self.unlink_deleted(store, op.id)
            return
        self.link_one(store, op.id, op.body, op.last_updated, by="realtime")

    def unlink_deleted(self, store: MpiStore, patient_id: str) -> None:
        link = store.link_of(patient_id)
        store.drop_record(patient_id)
        store.drop_link(patient_id)
        if link is not None:
            self.refresh_golden(store, link.person_id, by="realtime")

    def candidates(self, store: MpiStore, std: StandardRecord, today: date) -> list[StandardRecord]:
        keys = blocking_keys(std)
        if not keys:
            return []
        rows = store.candidates(keys, int(self.settings["blocking"]["max_block_size"]), std.record_id)
        return [standardise_record(record_from_raw(raw), today=today) for _, raw in rows]

    def link_one(self, store: MpiStore, patient_id: str, resource: Mapping[str, Any], ts: datetime,
                 *, by: str) -> Decision:
        """Standardise, index, score against the candidates, decide, record."""
        rec = dataclasses.replace(patient_record(resource), record_id=patient_id)
        today = ts.date()
        std = standardise_record(rec, today=today)
        store.put_record(patient_id, raw_of(rec), summary(std), issues_of(std), std.linkable, completeness(std),
                         ts, blocking_keys(std))
        current = store.link_of(patient_id)
        if current is not None and current.kind == "manual":
            self.refresh_golden(store, current.person_id, by=by)
            return Decision(current.person_id, "manual", current.score, 0)
        scored = score_candidates(std, self.candidates(store, std, today), self.params(store), self.settings)
        return self.decide(store, patient_id, scored, current, by=by)

    def decide(self, store: MpiStore, patient_id: str, scored: Sequence[Scored], current: Link | None,
               *, by: str) -> Decision:
        thr = self.settings["thresholds"]
        decisions = store.decisions(patient_id)
        persons = store.persons_of([c.record_id for c in scored] + list(decisions))
        blocked: set[int] = set()
        for other, kind in decisions.items():
            if kind == "cannot_link" and other in persons:
                blocked.add(persons[other])
        for c in scored:
            if c.cannot_link and c.record_id in persons:
                blocked.add(persons[c.record_id])
        must = [persons[o] for o, k in decisions.items() if k == "must_link" and o in persons]
        best: dict[int, float] = {}
        for c in scored:
            pid = persons.get(c.record_id)
            if pid is not None and pid not in blocked:
                best[pid] = max(best.get(pid, 0.0), c.probability)
        target: int | None = None
        kind, score = "new", None
        if must:
            target, kind, score = must[0], "manual", None
        elif best:
            top = max(best, key=lambda p: (best[p], -p))
            if best[top] >= thr["auto_link"]:
                target, kind, score = top, "auto", best[top]
        if target is None:
            target = current.person_id if current is not None else store.new_person()
            if current is not None:
                kind, score = current.kind, current.score
        reviews = 0
        for c in scored:
            if c.record_id in decisions:
                continue
            pid = persons.get(c.record_id)
            in_review_band = thr["review"] <= c.probability < thr["auto_link"]
            refused = c.probability >= thr["auto_link"] and pid is not None and pid != target
            if pid != target and (in_review_band or refused):
                a, b = sorted((patient_id, c.record_id))
                store.add_review(a, b, c.probability, {"levels": c.levels, "rules": c.rules})
                reviews += 1
        if current is None or current.person_id != target or current.kind != kind:
            store.set_link(patient_id, target, kind, score, by)
        self.refresh_golden(store, target, by=by)
        if current is not None and current.person_id != target:
            store.event("relink", target, current.person_id, [patient_id], {"kind": kind, "score": score}, by)
            self.refresh_golden(store, current.person_id, by=by)
        return Decision(target, kind, score, reviews)

    def refresh_golden(self, store: MpiStore, person_id: int, *, by: str) -> None:
        members = store.members(person_id)
        if not members:
            store.set_golden(person_id, {}, active=False)
            return
        golden = golden_record(members)
        golden["identifier"] = {"system": match_settings()["enterprise_id_system"],
                                "value": store.enterprise_id(person_id)}
        store.set_golden(person_id, golden, active=True)

    # ---- $match ----------------------------------------------------------------------
    def match(self, store: MpiStore, resource: Any, today: date) -> tuple[list[Scored], StandardRecord]:
        """Score a Patient (not stored) against the registry: candidates by blocking keys."""
        if not isinstance(resource, Mapping) or resource.get("resourceType") != "Patient":
            raise InvalidInput("$match needs a 'resource' parameter holding a Patient")
        rec = dataclasses.replace(patient_record(resource), record_id="$match")
        std = standardise_record(rec, today=today)
        scored = score_candidates(std, self.candidates(store, std, today), self.params(store), self.settings)
        return sorted(scored, key=lambda c: -c.probability), std


def match_grade(probability: float, settings: Mapping[str, Any]) -> str | None:
    """certain | probable | possible (extension match-grade) from the thresholds."""
    thr = settings["thresholds"]
    if probability >= thr["auto_link"]:
        return "certain"
    if probability >= thr["review"]:
        return "probable"
    if probability >= match_settings()["possible_min"]:
        return "possible"
    return None
