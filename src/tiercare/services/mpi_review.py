"""Review queue decisions, merge and unmerge (人工核对、合并与拆分).

accept: the two persons merge (the older person survives, the other is kept, inactive,
with ``merged_into``); both records get ``manual`` links and the pair a ``must_link``
decision. reject: a ``cannot_link`` decision (and, if the two records share a person,
the second leaves it for a new one). unmerge: the last merge of a person not yet undone
is reversed: its records go back to the merged-away person and the reviewed pair gets
``cannot_link`` so that no later batch joins them again. Every step is an mpi_event row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from tiercare.core.errors import Conflict, InvalidInput
from tiercare.services.mpi import MpiService, MpiStore


class MpiReviewStore(MpiStore, Protocol):
    def review(self, review_id: int, *, for_update: bool = False) -> dict[str, Any]: ...
    def close_review(self, review_id: int, status: str, by: str, note: str | None) -> None: ...
    def decide_pair(self, a: str, b: str, kind: str, by: str, note: str | None) -> None: ...
    def merge_person(self, survivor: int, merged: int) -> list[str]: ...
    def last_merge(self, person_id: int) -> dict[str, Any] | None: ...
    def reactivate(self, person_id: int) -> None: ...
    def person(self, person_id: int) -> dict[str, Any]: ...
    def events(self, person_id: int) -> list[dict[str, Any]]: ...


def _bare(ref: str) -> str:
    return ref.split("/", 1)[1]


def decide(store: MpiReviewStore, mpi: MpiService, review_id: int, decision: str, *, by: str,
           note: str | None = None) -> dict[str, Any]:
    """Apply a reviewer's decision (accept | reject) to a pending review item."""
    if decision not in ("accept", "reject"):
        raise InvalidInput("decision must be 'accept' or 'reject'")
    item = store.review(review_id, for_update=True)
    if item["status"] != "pending":
        raise Conflict(f"review {review_id} was already decided ({item['status']})")
    a, b = (_bare(p) for p in item["patients"])
    persons = store.persons_of([a, b])
    if a not in persons or b not in persons:
        raise Conflict(f"review {review_id}: a record of the pair is no longer in the registry")
    pa, pb = persons[a], persons[b]
    if decision == "accept":
        store.decide_pair(a, b, "must_link", by, note)
        survivor, merged = min(pa, pb), max(pa, pb)
        moved: Sequence[str] = []
        if survivor != merged:
            moved = store.merge_person(survivor, merged)
            store.event("merge", survivor, merged, moved,
                        {"review": review_id, "pair": [a, b], "note": note}, by)
        for pid in (a, b):
            store.set_link(pid, survivor, "manual", item["score"], by)
        mpi.refresh_golden(store, survivor, by=by)
        store.close_review(review_id, "accepted", by, note)
        return {"review": review_id, "status": "accepted", "person": store.person(survivor)}
    store.decide_pair(a, b, "cannot_link", by, note)
    target = pb
    if pa == pb:
        target = store.new_person()
        store.set_link(b, target, "manual", None, by)
        store.event("unmerge", pa, target, [b], {"review": review_id, "pair": [a, b], "note": note}, by)
        mpi.refresh_golden(store, pa, by=by)
        mpi.refresh_golden(store, target, by=by)
    store.close_review(review_id, "rejected", by, note)
    return {"review": review_id, "status": "rejected", "persons": [pa, target]}


def unmerge(store: MpiReviewStore, mpi: MpiService, person_id: int, *, by: str,
            note: str | None = None) -> dict[str, Any]:
    """Reverse the last merge into ``person_id`` that has not been reversed yet."""
    store.person(person_id)  # 404 for an unknown person
    merge = store.last_merge(person_id)
    if merge is None:
        raise Conflict(f"person {person_id} has no merge to undo")
    other = int(merge["other_person"])
    store.reactivate(other)
    for pid in merge["patients"]:
        store.set_link(pid, other, "manual", None, by)
    pair = store_pair(store, merge["id"], person_id)
    if pair is not None:
        store.decide_pair(pair[0], pair[1], "cannot_link", by, note or "unmerged")
        store.set_link(pair[0], person_id, "manual", None, by)
        store.set_link(pair[1], other, "manual", None, by)
    store.event("unmerge", person_id, other, merge["patients"], {"merge_event": merge["id"], "note": note}, by)
    mpi.refresh_golden(store, person_id, by=by)
    mpi.refresh_golden(store, other, by=by)
    return {"person": store.person(person_id), "restored": store.person(other)}


def store_pair(store: MpiReviewStore, merge_event: int, person_id: int) -> tuple[str, str] | None:
    """The reviewed pair of a merge event (the record that stays, the one that leaves)."""
    for ev in store.events(person_id):
        if ev["id"] == merge_event and ev["detail"].get("pair"):
            a, b = ev["detail"]["pair"]
            return (a, b) if b in ev["patients"] else (b, a)
    return None
