"""Search request parsing: ``[(name, value), ...]`` -> a :class:`SearchQuery` the store compiles to SQL.

Follows R4 search (https://hl7.org/fhir/R4/search.html): parameters AND across repeats and
OR within a comma list (§3.1.1.1.4); prefixes for number/date/quantity (§3.1.1.4); modifiers
(§3.1.1.5); chains ``subject:Patient.name=x`` (§3.1.1.5.9 chained) and ``_has`` reverse
chains; result parameters ``_sort _count _include _revinclude _summary _elements _total``
(§3.1.1.5.x). Unknown parameters: ``strict`` raises InvalidInput naming the parameter
(handling=strict), otherwise they are listed in ``SearchQuery.unknown`` for the response's
OperationOutcome (handling=lenient, the default). Unsupported modifiers and invalid values
are always errors (§3.1.1.5: servers SHALL reject unsupported modifiers).

TierCare extension: ``:pinyin`` on string parameters matches the toneless pinyin key of
Han-script values (``Patient?name:pinyin=zhang wei``), see docs/fhir-core.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import NamedTuple

from tiercare.core.errors import InvalidInput, NotSupported
from tiercare.core.fhir.definitions import Definitions, SearchParam, definitions
from tiercare.core.fhir.search_values import (
    CompositeValue,
    SearchValue,
    TokenValue,
    UriValue,
    parse_date,
    parse_number,
    parse_quantity,
    parse_reference_value,
    parse_string,
    parse_token,
    parse_uri,
    split_escaped,
    unescape,
)

DEFAULT_COUNT = 20
MAX_COUNT = 1000  # _count above this is capped (a server MAY return fewer than asked, §3.1.1.5.x)
SUMMARY_MODES = ("true", "text", "data", "count", "false")
TOTAL_MODES = ("none", "estimate", "accurate")
# Parameters the API layer consumes itself: never "unknown".
PASSTHROUGH = frozenset({"_format", "_pretty", "_cursor", "_page", "_getpages", "_since"})
# Known R4 parameters this server does not implement: unknown in lenient mode, 400 in strict.
NOT_IMPLEMENTED = frozenset({"_text", "_content", "_list", "_query", "_filter", "_contained", "_containedType"})

# Modifiers allowed per parameter type (R4 search §3.1.1.5); "type" stands for [Type] on references.
MODIFIERS: dict[str, frozenset[str]] = {
    "string": frozenset({"exact", "contains", "missing", "pinyin"}),
    "token": frozenset({"text", "not", "missing"}),
    "reference": frozenset({"identifier", "missing", "type"}),
    "date": frozenset({"missing"}),
    "number": frozenset({"missing"}),
    "quantity": frozenset({"missing"}),
    "uri": frozenset({"above", "below", "missing"}),
    "composite": frozenset({"missing"}),
    "special": frozenset(),
}
# Known R4 modifiers we do not implement (terminology: subsumption and value sets).
UNSUPPORTED_MODIFIERS = frozenset({"in", "not-in", "of-type", "above", "below", "iterate"})


@dataclass(frozen=True)
class Clause:
    """One search parameter occurrence: OR over ``values``; clauses of a query are ANDed.

    * ``modifier``: None, a modifier name, or a resource type for ``reference:[Type]``.
    * ``missing``: True/False for ``:missing`` (``values`` is then empty).
    * ``chain``: for ``subject:Patient.name=x`` the inner clause on the target type(s)
      ``chain_types`` (the :Type given, else every target type that has the parameter).
    * ``name``: the parameter as written (for messages and paging links).
    """

    param: SearchParam
    modifier: str | None
    values: tuple[SearchValue, ...]
    chain: Clause | None = None
    chain_types: tuple[str, ...] = ()
    missing: bool | None = None
    name: str = ""


@dataclass(frozen=True)
class ReverseChain:
    """``_has:Observation:patient:code=1234``: resources referenced by an Observation's
    ``patient`` whose Observation matches ``clause``."""

    source_type: str
    reference: SearchParam
    clause: Clause


class SortKey(NamedTuple):
    param: SearchParam
    descending: bool


@dataclass(frozen=True)
class Include:
    """``_include=Observation:subject[:Patient]`` (or ``*``); ``iterate`` for ``:iterate``."""

    source_type: str
    param: SearchParam | None  # None for the wildcard "*"
    target_type: str | None = None
    iterate: bool = False


@dataclass(frozen=True)
class SearchQuery:
    resource_type: str
    clauses: tuple[Clause, ...] = ()
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: tuple[SortKey, ...] = ()
    include: tuple[Include, ...] = ()
    revinclude: tuple[Include, ...] = ()
    summary: str | None = None
    elements: tuple[str, ...] = ()
    total: str | None = None
    has: tuple[ReverseChain, ...] = ()
    unknown: tuple[str, ...] = ()
    passthrough: tuple[tuple[str, str], ...] = field(default=())


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, expression=[name])


class _Parser:
    def __init__(self, defs: Definitions, strict: bool, tz: tzinfo) -> None:
        self.defs = defs
        self.strict = strict
        self.tz = tz
        self.unknown: list[str] = []

    def unknown_param(self, name: str, resource_type: str, why: str = "unknown") -> None:
        if self.strict:
            cls = NotSupported if why == "not supported" else InvalidInput
            raise cls(f"{why} search parameter '{name}' for {resource_type}", expression=[name])
        self.unknown.append(name)

    def clause(self, resource_type: str, name: str, raw: str, depth: int = 0) -> Clause | None:
        """Parse ``name=raw`` on ``resource_type``; None when unknown (lenient)."""
        base, _, rest = name.partition(".")  # a chain: subject:Patient.name
        code, _, modifier = base.partition(":")
        param = self.defs.search_param(resource_type, code)
        if param is None or param.type == "special" or code in NOT_IMPLEMENTED:
            if code in NOT_IMPLEMENTED or (param is not None and param.type == "special"):
                self.unknown_param(name, resource_type, "not supported")
            else:
                self.unknown_param(name, resource_type)
            return None
        mod = modifier or None
        if rest:
            return self._chain(param, mod, rest, raw, name, depth)
        if mod is not None:
            self._check_modifier(param, mod, name)
        if mod == "missing":
            if raw not in ("true", "false"):
                raise _invalid(name, f"':missing' takes true or false in '{name}'")
            return Clause(param, mod, (), missing=raw == "true", name=name)
        values = tuple(self.value(param, mod, part, name) for part in split_escaped(raw, ",")
                       ) if param.multiple_or else (self.value(param, mod, raw, name),)
        return Clause(param, mod, values, name=name)

    def _check_modifier(self, param: SearchParam, mod: str, name: str) -> None:
        allowed = MODIFIERS.get(param.type, frozenset())
        if mod in allowed:
            return
        if param.type == "reference" and mod[:1].isupper():
            if mod not in self.defs.resource_types or (param.targets and mod not in param.targets):
                raise _invalid(name, f"'{mod}' is not a target type of search parameter '{param.name}'")
            return
        if mod in UNSUPPORTED_MODIFIERS:
            raise NotSupported(f"modifier ':{mod}' is not supported on '{param.name}'", expression=[name])
        raise _invalid(name, f"unknown modifier ':{mod}' for {param.type} parameter '{param.name}'")

    def _chain(self, param: SearchParam, mod: str | None, rest: str, raw: str, name: str, depth: int) -> Clause:
        if param.type != "reference":
            raise _invalid(name, f"'{param.name}' is not a reference parameter: it cannot be chained")
        if depth >= 3:
            raise _invalid(name, "chains are limited to 3 links")
        inner_code = rest.partition(".")[0].partition(":")[0]
        if mod is not None:
            self._check_modifier(param, mod, name)
            if not mod[:1].isupper():
                raise _invalid(name, f"a chained parameter takes a resource type modifier, not ':{mod}'")
            types: tuple[str, ...] = (mod,)
        else:
            types = tuple(t for t in param.targets
                          if t in self.defs.resource_types and self.defs.search_param(t, inner_code) is not None)
        if not types or self.defs.search_param(types[0], inner_code) is None:
            raise _invalid(name, f"unknown chained parameter '{inner_code}' in '{name}'")
        # Lenient mode must not swallow an unknown inner parameter: the chain would match everything.
        inner = _Parser(self.defs, True, self.tz).clause(types[0], rest, raw, depth + 1)
        assert inner is not None  # strict parsing raises instead of returning None
        return Clause(param, mod, (), chain=inner, chain_types=types, name=name)

    def value(self, param: SearchParam, mod: str | None, raw: str, name: str) -> SearchValue:
        t = param.type
        if raw == "":
            raise _invalid(name, f"empty value for search parameter '{name}'")
        if t == "token":
            if mod == "text":
                return parse_string(name, raw)
            return parse_token(name, raw)
        if t == "string":
            return parse_string(name, raw, pinyin=mod == "pinyin")
        if t == "date":
            return parse_date(name, raw, self.tz)
        if t == "number":
            return parse_number(name, raw)
        if t == "quantity":
            return parse_quantity(name, raw)
        if t == "reference":
            if mod == "identifier":
                return parse_token(name, raw)
            return parse_reference_value(name, raw, mod if mod and mod[:1].isupper() else None, param.targets)
        if t == "uri":
            return parse_uri(name, raw)
        if t == "composite":
            parts = split_escaped(raw, "$")
            if len(parts) != len(param.components):
                raise _invalid(name, f"'{param.name}' takes {len(param.components)} '$'-separated values")
            values: list[SearchValue] = []
            for comp, part in zip(param.components, parts, strict=True):
                sub = SearchParam(comp.name, comp.type, param.resource_type, comp.expression)
                values.append(self.value(sub, None, part, name))
            return CompositeValue(tuple(values))
        raise NotSupported(f"search parameter type {t} is not supported ('{name}')", expression=[name])

    def has(self, resource_type: str, name: str, raw: str) -> ReverseChain:
        # _has:Observation:patient:code=1234 (R4 search §3.1.1.5.10 reverse chaining)
        parts = name.split(":", 3)
        if len(parts) != 4 or not parts[1] or not parts[2] or not parts[3]:
            raise _invalid(name, "_has takes the form _has:Type:reference:parameter")
        _, source, ref_name, inner = parts
        if source not in self.defs.resource_types:
            raise _invalid(name, f"unknown resource type '{source}' in _has")
        ref = self.defs.search_param(source, ref_name)
        if ref is None or ref.type != "reference":
            raise _invalid(name, f"'{ref_name}' is not a reference parameter of {source}")
        if ref.targets and resource_type not in ref.targets:
            raise _invalid(name, f"{source}.{ref_name} cannot refer to {resource_type}")
        inner_clause = _Parser(self.defs, True, self.tz).clause(source, inner, raw)
        assert inner_clause is not None
        return ReverseChain(source, ref, inner_clause)


def _parse_count(raw: str) -> int:
    if not raw.isdigit():
        raise _invalid("_count", "_count must be a non-negative integer")
    return min(int(raw), MAX_COUNT)


def _parse_include(defs: Definitions, resource_type: str, name: str, raw: str, rev: bool) -> Include:
    iterate = name.endswith(":iterate") or name.endswith(":recurse")
    if ":" in name and not iterate:
        raise _invalid(name, f"unknown modifier on {name.split(':')[0]}")
    if raw == "*":
        return Include(resource_type, None, None, iterate)
    parts = raw.split(":")
    if len(parts) not in (2, 3):
        raise _invalid(name, f"{name.split(':')[0]} takes Type:parameter[:TargetType]")
    source, pname = parts[0], parts[1]
    target = parts[2] if len(parts) == 3 else None
    if source not in defs.resource_types:
        raise _invalid(name, f"unknown resource type '{source}' in {name}")
    if not rev and not iterate and source != resource_type:
        raise _invalid(name, f"_include source type must be {resource_type} (or use :iterate)")
    param = defs.search_param(source, pname)
    if param is None or param.type != "reference":
        raise _invalid(name, f"'{pname}' is not a reference parameter of {source}")
    if target is not None and (target not in defs.resource_types or (param.targets and target not in param.targets)):
        raise _invalid(name, f"'{target}' is not a target of {source}:{pname}")
    if rev and not iterate and param.targets and resource_type not in param.targets:
        raise _invalid(name, f"{source}:{pname} cannot refer to {resource_type}")
    return Include(source, param, target, iterate)


def _parse_sort(defs: Definitions, resource_type: str, raw: str) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    for item in raw.split(","):
        item = item.strip()
        desc = item.startswith("-")
        pname = item[1:] if desc else item
        param = defs.search_param(resource_type, pname)
        if param is None or param.type in ("composite", "special"):
            raise _invalid("_sort", f"cannot sort {resource_type} by '{pname}'")
        keys.append(SortKey(param, desc))
    return tuple(keys)


def parse_search(resource_type: str, params: Iterable[tuple[str, str]], defs: Definitions | None = None, *,
                 strict: bool = False, tz: tzinfo = UTC) -> SearchQuery:
    """Parse the search parameters of ``GET [base]/[resource_type]?...`` (or POST _search).

    ``tz`` is the zone of dates given without one (UTC unless the region's zone is passed,
    matching the zone used by index extraction). Raises InvalidInput naming the parameter.
    """
    defs = defs or definitions()
    if not defs.is_resource_type(resource_type):
        raise InvalidInput(f"unsupported resource type '{resource_type}'", expression=[resource_type])
    p = _Parser(defs, strict, tz)
    clauses: list[Clause] = []
    has: list[ReverseChain] = []
    include: list[Include] = []
    revinclude: list[Include] = []
    passthrough: list[tuple[str, str]] = []
    count, offset = DEFAULT_COUNT, 0
    sort: tuple[SortKey, ...] = ()
    summary: str | None = None
    elements: tuple[str, ...] = ()
    total: str | None = None
    for name, raw in params:
        base = name.split(":", 1)[0]
        if raw == "" and base not in PASSTHROUGH:
            continue  # `?given=`: a parameter without a value is ignored, as servers commonly do
        if base in PASSTHROUGH:
            passthrough.append((name, raw))
        elif name == "_count":
            count = _parse_count(raw)
        elif name == "_offset":
            if not raw.isdigit():
                raise _invalid(name, "_offset must be a non-negative integer")
            offset = int(raw)
        elif name == "_sort":
            sort = _parse_sort(defs, resource_type, raw)
        elif name == "_summary":
            if raw not in SUMMARY_MODES:
                raise _invalid(name, f"_summary must be one of {', '.join(SUMMARY_MODES)}")
            summary = raw
        elif name == "_elements":
            elements = tuple(e.strip() for e in raw.split(",") if e.strip())
        elif name == "_total":
            if raw not in TOTAL_MODES:
                raise _invalid(name, f"_total must be one of {', '.join(TOTAL_MODES)}")
            total = raw
        elif base == "_include":
            include.extend(_parse_include(defs, resource_type, name, v, rev=False) for v in raw.split(","))
        elif base == "_revinclude":
            revinclude.extend(_parse_include(defs, resource_type, name, v, rev=True) for v in raw.split(","))
        elif base == "_has":
            has.append(p.has(resource_type, name, raw))
        else:
            clause = p.clause(resource_type, name, raw)
            if clause is not None:
                clauses.append(clause)
    return SearchQuery(
        resource_type=resource_type, clauses=tuple(clauses), count=count, offset=offset, sort=sort,
        include=tuple(include), revinclude=tuple(revinclude), summary=summary, elements=elements,
        total=total, has=tuple(has), unknown=tuple(p.unknown), passthrough=tuple(passthrough),
    )


__all__ = [
    "DEFAULT_COUNT", "MAX_COUNT", "Clause", "Include", "ReverseChain", "SearchQuery", "SortKey",
    "TokenValue", "UriValue", "parse_search", "unescape",
]
