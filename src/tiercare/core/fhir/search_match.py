"""Search semantics in memory: does a resource (its index rows) satisfy a parsed search?

The reference meaning of every value type, prefix and modifier (R4 search §3.1.1), over the
rows of :func:`tiercare.core.fhir.index.extract`: an in-memory store answers searches with
it, and a SQL search compiler can be tested against it on generated data.

Chains and ``_has`` need other resources: the caller passes ``resolve(type, id) -> Resource |
None`` and ``referrers(source_type, param, target_type, target_id) -> [Resource]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from tiercare.core.fhir.index import (
    CompositeRow,
    DateRow,
    IndexRow,
    NumberRow,
    QuantityRow,
    ReferenceRow,
    StringRow,
    TokenRow,
    UriRow,
    extract,
)
from tiercare.core.fhir.search import Clause, ReverseChain, SearchQuery
from tiercare.core.fhir.search_values import (
    CompositeValue,
    DateValue,
    NumberValue,
    QuantityValue,
    ReferenceValue,
    SearchValue,
    StringValue,
    TokenValue,
    UriValue,
    range_matches,
)
from tiercare.core.fhir.values import MAX_DATE, MIN_DATE, date_range

Resource = dict[str, Any]
Resolve = Callable[[str, str], Resource | None]
Referrers = Callable[[str, str, str, str], Iterable[Resource]]


def _none_resolve(rt: str, rid: str) -> Resource | None:
    return None


def _no_referrers(st: str, p: str, tt: str, tid: str) -> Iterable[Resource]:
    return ()


def matches(query: SearchQuery, resource: Resource, rows: list[IndexRow] | None = None, *,
            resolve: Resolve = _none_resolve, referrers: Referrers = _no_referrers) -> bool:
    """True when ``resource`` satisfies every clause and reverse chain of ``query``."""
    rows = extract(resource) if rows is None else rows
    by_param: dict[str, list[IndexRow]] = {}
    for row in rows:
        by_param.setdefault(row.param, []).append(row)
    return (all(clause_matches(c, resource, by_param, resolve, referrers) for c in query.clauses)
            and all(_has(h, resource, resolve, referrers) for h in query.has))


def clause_matches(c: Clause, resource: Resource, by_param: dict[str, list[IndexRow]],
                   resolve: Resolve = _none_resolve, referrers: Referrers = _no_referrers) -> bool:
    name = c.param.name
    if name == "_id":
        return _id_matches(c, resource)
    if name == "_lastUpdated":
        return _last_updated_matches(c, resource)
    rows = by_param.get(name, [])
    if c.missing is not None:
        return (not rows) == c.missing
    if c.chain is not None:
        inner = c.chain
        for row in rows:
            if isinstance(row, ReferenceRow) and row.target_type and row.target_id and (
                    not c.chain_types or row.target_type in c.chain_types):
                target = resolve(row.target_type, row.target_id)
                if target is not None and clause_matches(inner, target, _rows_by_param(target), resolve, referrers):
                    return True
        return False
    if c.modifier == "not":
        # :not = no row matches (resources without the element match too; R4 §3.1.1.5.5).
        return not any(_value_matches(v, row, None) for v in c.values for row in rows)
    return any(_value_matches(v, row, c.modifier) for v in c.values for row in rows)


def _rows_by_param(resource: Resource) -> dict[str, list[IndexRow]]:
    out: dict[str, list[IndexRow]] = {}
    for row in extract(resource):
        out.setdefault(row.param, []).append(row)
    return out


def _has(h: ReverseChain, resource: Resource, resolve: Resolve, referrers: Referrers) -> bool:
    rt, rid = resource.get("resourceType", ""), resource.get("id", "")
    return any(clause_matches(h.clause, src, _rows_by_param(src), resolve, referrers)
               for src in referrers(h.source_type, h.reference.name, rt, rid))


def _id_matches(c: Clause, resource: Resource) -> bool:
    rid = resource.get("id")
    hit = any(isinstance(v, TokenValue) and v.code == rid for v in c.values)
    return not hit if c.modifier == "not" else hit


def _last_updated_matches(c: Clause, resource: Resource) -> bool:
    text = (resource.get("meta") or {}).get("lastUpdated")
    r = date_range(text) if isinstance(text, str) else None
    if r is None:
        return bool(c.missing)
    return any(isinstance(v, DateValue) and range_matches(v.prefix, (v.low, v.high), r) for v in c.values)


def _open(dt: datetime, bound: datetime) -> datetime | None:
    return None if dt == bound else dt


def _value_matches(v: SearchValue, row: IndexRow, modifier: str | None) -> bool:
    if isinstance(v, TokenValue):
        if isinstance(row, TokenRow):
            return _token(v, row.system, row.code)
        if isinstance(row, ReferenceRow):  # reference:identifier
            return _token(v, row.identifier_system, row.identifier_value)
        return False
    if isinstance(v, StringValue):
        if isinstance(row, TokenRow):  # token:text, a string match on display/text
            return row.text is not None and row.text.startswith(v.value)
        if not isinstance(row, StringRow):
            return False
        if modifier == "exact":
            return row.exact == v.exact
        if modifier == "contains":
            return v.value in row.value
        if modifier == "pinyin":
            return row.pinyin is not None and row.pinyin.startswith(v.value)
        return row.value.startswith(v.value)
    if isinstance(v, DateValue):
        return isinstance(row, DateRow) and range_matches(
            v.prefix, (v.low, v.high), (_open(row.low, MIN_DATE), _open(row.high, MAX_DATE)))
    if isinstance(v, QuantityValue):
        if not isinstance(row, QuantityRow):
            return False
        if v.system is not None and row.system != v.system:
            return False
        if v.code is not None and v.code not in (row.code, row.unit):
            return False
        return range_matches(v.prefix, (v.low, v.high), _quantity_range(row))
    if isinstance(v, NumberValue):
        return isinstance(row, NumberRow) and range_matches(v.prefix, (v.low, v.high), (row.value, row.value))
    if isinstance(v, ReferenceValue):
        return isinstance(row, ReferenceRow) and _reference(v, row)
    if isinstance(v, UriValue):
        if isinstance(row, UriRow):
            target = row.uri
        elif isinstance(row, ReferenceRow) and row.url:
            target = row.url
        else:
            return False
        if modifier == "below":
            return target.startswith(v.uri)
        if modifier == "above":
            return v.uri.startswith(target)
        return target == v.uri
    if isinstance(v, CompositeValue):
        return isinstance(row, CompositeRow) and len(row.parts) == len(v.parts) and all(
            _value_matches(pv, pr, None) for pv, pr in zip(v.parts, row.parts, strict=True))
    return False  # pragma: no cover - every value type is handled above


def _token(v: TokenValue, system: str | None, code: str | None) -> bool:
    if v.code is not None and code != v.code:
        return False
    if v.no_system:
        return system is None
    return v.system is None or system == v.system


def _quantity_range(row: QuantityRow) -> tuple[Any, Any]:
    # A stated value is a point; a comparator or a Range leaves an end open (None).
    return (row.low, row.high)


def _reference(v: ReferenceValue, row: ReferenceRow) -> bool:
    if v.url is not None:
        # An absolute URL or canonical matches the same URL (and version, when given) only;
        # a store that knows its own base should pass local references as Type/id.
        return row.url == v.url and (v.version is None or row.version == v.version)
    if v.target_id is None or row.target_id != v.target_id:
        return False
    return v.target_type is None or row.target_type == v.target_type
