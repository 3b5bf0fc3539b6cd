"""Search-index extraction: a resource -> the rows the store keeps per search parameter.

Each search parameter of a supported type (from the R4 definitions) is compiled once by the
FHIRPath subset compiler (:mod:`tiercare.core.fhir.fhirpath`) into a closure; the typed items it
yields are turned into rows by the rules of R4 search §3.1.1.5 (one row type per parameter
type). The store writes the rows into one table per kind; the search compiler queries them.

``_id``, ``_lastUpdated`` (columns of the resource table), ``_text``/``_content`` (narrative
search) and the special parameters have no rows.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any, ClassVar

from tiercare.core.errors import NotSupported
from tiercare.core.fhir.definitions import Definitions, SearchParam, definitions
from tiercare.core.fhir.fastpath import FastFn, compile_fast
from tiercare.core.fhir.fhirpath import Compiler, Env, FhirPathUnsupported, Fn, Node, root_keys, spine_nodes
from tiercare.core.fhir.values import (
    MAX_DATE,
    MIN_DATE,
    date_range,
    normalize_string,
    parse_decimal,
    pinyin_key,
)

# The contract's spelling; the same function (shared by index and query side).
normalise_string = normalize_string
__all__ = ["CompositeRow", "DateRow", "IndexRow", "IndexRows", "NumberRow", "QuantityRow", "ReferenceRow",
           "StringRow", "TokenRow", "UriRow", "extract", "extract_index", "normalise_string", "pinyin_key"]

# Parameters the store answers from its resource table or does not index.
NOT_INDEXED = frozenset({"_id", "_lastUpdated", "_text", "_content", "_query", "_list", "_has", "_type"})


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class TokenRow:
    """A code: (system, code) from Coding/CodeableConcept/Identifier/ContactPoint/code/boolean.

    ``text`` is the normalised display/text (for ``:text``); a CodeableConcept.text alone gives
    a row with only ``text``. ``system`` None means "no system given".
    """

    kind: ClassVar[str] = "token"
    param: str
    system: str | None
    code: str | None
    text: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class StringRow:
    """A string: ``value`` normalised (values.normalize_string), ``exact`` as written (for
    ``:exact``), ``pinyin`` the toneless pinyin key when the string has Han characters (else None)."""

    kind: ClassVar[str] = "string"
    param: str
    value: str
    exact: str
    pinyin: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class DateRow:
    """A date, dateTime, instant, Period or Timing as the UTC interval ``[low, high)``.
    Open period ends are values.MIN_DATE / values.MAX_DATE."""

    kind: ClassVar[str] = "date"
    param: str
    low: datetime
    high: datetime


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class ReferenceRow:
    """A reference. Local ``Type/id`` fills target_type/target_id (url None); an absolute URL
    fills url and, when it ends in ``Type/id``, target_type/target_id too; a contained
    reference has url ``#id``; canonical references fill url (+ version); an identifier-only
    reference fills identifier_system/identifier_value (for ``:identifier``)."""

    kind: ClassVar[str] = "reference"
    param: str
    target_type: str | None
    target_id: str | None
    url: str | None = None
    version: str | None = None
    identifier_system: str | None = None
    identifier_value: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class QuantityRow:
    """A quantity as the range ``[low, high]`` it states (value, or comparator / Range ends open
    as None); system/code as given (UCUM when system is http://unitsofmeasure.org), unit text."""

    kind: ClassVar[str] = "quantity"
    param: str
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    system: str | None = None
    code: str | None = None
    unit: str | None = None


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class NumberRow:
    kind: ClassVar[str] = "number"
    param: str
    value: Decimal


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class UriRow:
    kind: ClassVar[str] = "uri"
    param: str
    uri: str


@dataclass(slots=True, unsafe_hash=True)  # not frozen: 3x faster to build, hashed by value
class CompositeRow:
    """One combination of component values, e.g. Observation code-value-quantity:
    ``parts = (TokenRow('code', ...), QuantityRow('value-quantity', ...))`` from the same
    Observation or the same Observation.component."""

    kind: ClassVar[str] = "composite"
    param: str
    parts: tuple[IndexRow, ...]


IndexRow = TokenRow | StringRow | DateRow | ReferenceRow | QuantityRow | NumberRow | UriRow | CompositeRow
ROW_KINDS = ("token", "string", "date", "reference", "quantity", "number", "uri", "composite")

_QUANTITY_TYPES = frozenset({"Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity",
                             "MoneyQuantity"})
_STRING_PRIMS = frozenset({"string", "markdown", "code", "id", "uri", "url", "canonical", "uuid", "oid"})
_NUMBER_PRIMS = frozenset({"decimal", "integer", "positiveInt", "unsignedInt", "integer64"})
_DATE_PRIMS = frozenset({"date", "dateTime", "instant"})
Rows = list[IndexRow]


# ---------------------------------------------------------------- item -> rows, per parameter type


def _token_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t == "CodeableConcept":
        for coding in _list(value.get("coding")):
            if isinstance(coding, dict):
                yield from _token_rows(param, coding, "Coding", tz)
        text = value.get("text")
        if isinstance(text, str) and text:
            yield TokenRow(param, None, None, normalize_string(text))
    elif t == "Coding":
        code, system, display = value.get("code"), value.get("system"), value.get("display")
        if isinstance(code, str) or isinstance(display, str):
            yield TokenRow(param, _str(system), _str(code), normalize_string(display) if isinstance(display, str) else None)
    elif t == "Identifier":
        ident = value.get("value")
        type_text = (value.get("type") or {}).get("text") if isinstance(value.get("type"), dict) else None
        if isinstance(ident, str):
            yield TokenRow(param, _str(value.get("system")), ident,
                           normalize_string(type_text) if isinstance(type_text, str) else None)
    elif t == "ContactPoint":
        if isinstance(value.get("value"), str):
            yield TokenRow(param, _str(value.get("system")), value["value"])
    elif t == "boolean":
        if isinstance(value, bool):
            yield TokenRow(param, None, "true" if value else "false")
    elif t in _STRING_PRIMS:
        if isinstance(value, str):
            yield TokenRow(param, None, value)
    elif t == "Reference" and isinstance(value.get("identifier"), dict):
        yield from _token_rows(param, value["identifier"], "Identifier", tz)


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _string_row(param: str, text: Any) -> StringRow | None:
    if not isinstance(text, str) or not text.strip():
        return None
    # Every string with Han characters gets a pinyin key: names, addresses, but also
    # organisation and location names (人民医院 -> "ren min yi yuan").
    return StringRow(param, normalize_string(text), text, None if text.isascii() else pinyin_key(text))


def _string_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    texts: list[Any]
    if t in _STRING_PRIMS:
        texts = [value]
    elif t == "HumanName":
        family, given = value.get("family"), [g for g in _list(value.get("given")) if isinstance(g, str)]
        texts = [value.get("text"), family, *given, *_list(value.get("prefix")), *_list(value.get("suffix"))]
        if isinstance(family, str) and given:
            # Whole-name forms, so that 张伟 (family 张, given 伟) and "John Smith" match as typed.
            joined = "".join(given)
            texts.append(family + joined if pinyin_key(family) else " ".join([*given, family]))
    elif t == "Address":
        lines = [x for x in _list(value.get("line")) if isinstance(x, str)]
        parts = [value.get("state"), value.get("city"), value.get("district")]
        texts = [value.get("text"), *lines, *parts, value.get("postalCode"), value.get("country")]
        big_to_small = [x for x in (*parts, *lines) if isinstance(x, str) and x]
        if len(big_to_small) > 1 and any(pinyin_key(x) for x in big_to_small):
            # A Chinese address is written from province down to house, without spaces:
            # 北京市东城区东华门街道 finds state 北京市 + district 东城区 + line 东华门街道.
            texts.append("".join(big_to_small))
    elif t == "CodeableConcept":
        texts = [value.get("text"), *[c.get("display") for c in _list(value.get("coding")) if isinstance(c, dict)]]
    elif t == "Coding":
        texts = [value.get("display")]
    else:
        texts = []
    seen: set[str] = set()
    for text in texts:
        row = _string_row(param, text)
        if row is not None and row.exact not in seen:
            seen.add(row.exact)
            yield row


def _date_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t in _DATE_PRIMS:
        r = date_range(value, tz) if isinstance(value, str) else None
        if r:
            yield DateRow(param, r[0], r[1])
    elif t == "Period":
        start = date_range(value["start"], tz) if isinstance(value.get("start"), str) else None
        end = date_range(value["end"], tz) if isinstance(value.get("end"), str) else None
        if start or end:
            yield DateRow(param, start[0] if start else MIN_DATE, end[1] if end else MAX_DATE)
    elif t == "Timing":
        events = [r for e in _list(value.get("event")) if isinstance(e, str) and (r := date_range(e, tz))]
        if events:
            yield DateRow(param, min(r[0] for r in events), max(r[1] for r in events))
        repeat = value.get("repeat")
        if isinstance(repeat, dict) and isinstance(repeat.get("boundsPeriod"), dict):
            yield from _date_rows(param, repeat["boundsPeriod"], "Period", tz)


def _reference_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t in ("canonical", "uri", "url"):
        if isinstance(value, str):
            canonical, _, canonical_version = value.partition("|")
            yield ReferenceRow(param, None, None, canonical, canonical_version or None)
        return
    if t != "Reference":
        return
    ref = value.get("reference")
    ident = value.get("identifier") if isinstance(value.get("identifier"), dict) else {}
    id_sys, id_val = _str(ident.get("system")), _str(ident.get("value"))
    if isinstance(ref, str) and ref:
        if ref.startswith("#"):
            yield ReferenceRow(param, _str(value.get("type")), None, ref, None, id_sys, id_val)
            return
        parsed_type, target_id, url, version = parse_reference(ref)
        yield ReferenceRow(param, parsed_type or _str(value.get("type")), target_id, url, version, id_sys, id_val)
    elif id_sys or id_val:
        yield ReferenceRow(param, _str(value.get("type")), None, None, None, id_sys, id_val)


@lru_cache(maxsize=65536)  # the same patients and encounters are referenced again and again
def parse_reference(ref: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(type, id, absolute url or None, version) of a literal reference (R4 §2.3.0 references).

    'Patient/1' -> ('Patient', '1', None, None); 'http://x/fhir/Patient/1/_history/2' ->
    ('Patient', '1', 'http://x/fhir/Patient/1', '2'); 'urn:uuid:...' -> (None, None, urn, None).
    """
    absolute = "://" in ref or ref.startswith("urn:")
    path = ref
    version = None
    parts = path.split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        version = parts[-1]
        parts = parts[:-2]
        path = "/".join(parts)
    if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-2].isalnum() and parts[-1]:
        return parts[-2], parts[-1], path if absolute else None, version
    return None, None, path if absolute else None, version


def _quantity_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t in _QUANTITY_TYPES or t == "Money":
        v = _decimal(value.get("value"))
        if v is None:
            return
        comparator = value.get("comparator")
        low = None if comparator in ("<", "<=") else v
        high = None if comparator in (">", ">=") else v
        if t == "Money":
            yield QuantityRow(param, v, low, high, "urn:iso:std:iso:4217", _str(value.get("currency")), None)
        else:
            yield QuantityRow(param, v, low, high, _str(value.get("system")), _str(value.get("code")),
                              _str(value.get("unit")))
    elif t == "Range":
        lo = value.get("low") if isinstance(value.get("low"), dict) else {}
        hi = value.get("high") if isinstance(value.get("high"), dict) else {}
        lv, hv = _decimal(lo.get("value")), _decimal(hi.get("value"))
        if lv is None and hv is None:
            return
        unit_src = lo if lv is not None else hi
        yield QuantityRow(param, None, lv, hv, _str(unit_src.get("system")), _str(unit_src.get("code")),
                          _str(unit_src.get("unit")))


def _decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        return parse_decimal(v)
    return None


def _number_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t in _NUMBER_PRIMS:
        v = _decimal(value)
        if v is not None:
            yield NumberRow(param, v)


def _uri_rows(param: str, value: Any, t: str, tz: tzinfo) -> Iterator[IndexRow]:
    if t in _STRING_PRIMS and isinstance(value, str):
        yield UriRow(param, value)


_CONVERTERS: dict[str, Callable[[str, Any, str, tzinfo], Iterator[IndexRow]]] = {
    "token": _token_rows, "string": _string_rows, "date": _date_rows, "reference": _reference_rows,
    "quantity": _quantity_rows, "number": _number_rows, "uri": _uri_rows,
}


# ---------------------------------------------------------------- compiled extractors


@dataclass(frozen=True)
class Extractor:
    """A search parameter with its compiled expression (and compiled components)."""

    param: SearchParam
    fn: Fn
    # (name, type, closure, generated selector per context type key) of each component
    components: tuple[tuple[str, str, Fn, dict[str, FastFn] | None], ...] = ()
    needs: frozenset[str] | None = None  # top-level JSON keys one of which must be present
    fast: FastFn | None = None  # generated selector (fastpath) doing what ``fn`` does, when plain

    def rows(self, resource: dict[str, Any], tz: tzinfo = UTC, env: Env | None = None) -> Rows:
        env = env or Env(resource)
        items = self.fast(resource) if self.fast is not None else self.fn(env.root, env)
        if not items:
            return []
        name = self.param.name
        if not self.components:
            # Converted directly: cheaper than sharing conversions through the memo, which
            # only composites (several parameters over the same component) profit from.
            convert = _CONVERTERS[self.param.type]
            return [row for v, t in items if t[0].islower() or v.__class__ is dict
                    for row in convert(name, v, t, tz)]
        out: Rows = []
        for item in items:
            per_component: list[list[IndexRow]] = []
            for cname, ctype, cfn, cfast in self.components:
                fast = cfast.get(item[1]) if cfast is not None else None
                citems = fast(item[0]) if fast is not None else cfn([item], env)
                rows = ([r for v, t in citems for r in _convert(env, ctype, cname, v, t, tz)]
                        if ctype in _CONVERTERS else [])
                if not rows:
                    break
                per_component.append(rows)
            else:
                out.extend(CompositeRow(name, tuple(parts)) for parts in itertools.product(*per_component))
        return out


def _convert(env: Env, kind: str, name: str, value: Any, type_key: str, tz: tzinfo) -> Rows:
    """Rows of one item, memoised per (kind, value, type) within one resource: the same
    CodeableConcept feeds code, combo-code and three composites; only ``param`` differs."""
    if type_key[:1].isupper() and value.__class__ is not dict:
        return []  # a malformed complex value (validation reports it); never crash the indexer
    key = (kind, id(value), type_key)
    hit: Rows | None = env.rows.get(key)
    if hit is None:
        hit = env.rows[key] = list(_CONVERTERS[kind](name, value, type_key, tz))
    if hit and hit[0].param != name:
        return [_renamed(r, name) for r in hit]
    return hit


def _renamed(row: IndexRow, name: str) -> IndexRow:
    # 10x cheaper than copy.copy on a slotted dataclass; ``param`` is every row's first field.
    cls = row.__class__
    return cls(name, *[getattr(row, f) for f in cls.__slots__[1:]])


@dataclass
class CompileReport:
    compiled: int
    total: int
    failures: list[tuple[str, str, str]]  # (resource type, parameter, reason)


class Indexer:
    """Compiled extractors for every supported type, built lazily per type and kept."""

    def __init__(self, defs: Definitions, use_fast: bool = True) -> None:
        self.defs = defs
        self.compiler = Compiler(defs)
        self._by_type: dict[str, list[Extractor]] = {}
        self.failures: dict[str, list[tuple[str, str]]] = {}
        self.use_fast = use_fast

    def extractors(self, resource_type: str) -> list[Extractor]:
        hit = self._by_type.get(resource_type)
        if hit is None:
            hit = self._by_type[resource_type] = self._compile_type(resource_type)
        return hit

    def _compile_type(self, rt: str) -> list[Extractor]:
        out: list[Extractor] = []
        failures: list[tuple[str, str]] = []
        params = [p for p in self.defs.search_params(rt).values()
                  if p.name not in NOT_INDEXED and p.type != "special" and p.expression]
        # Memoise only subexpressions that several expressions of this type evaluate.
        uses: Counter[Node] = Counter()
        for p in params:
            for text in (p.expression, *(c.expression for c in p.components)):
                with contextlib.suppress(FhirPathUnsupported):
                    uses.update(spine_nodes(text))
        self.compiler.shared = {n for n, k in uses.items() if k > 1}
        for p in params:
            try:
                fn, types = self.compiler.compile_typed(p.expression, rt, memoize=True)
                comps = tuple((c.name, c.type, self.compiler.compile_typed(c.expression, types, memoize=True)[0],
                               self._fast_components(c.expression, types) if self.use_fast else None)
                              for c in p.components)
            except FhirPathUnsupported as exc:
                failures.append((p.name, str(exc)))
                continue
            tables = self.compiler.tables
            out.append(Extractor(p, fn, comps, root_keys(p.expression, rt, tables),
                                 compile_fast(p.expression, rt, tables) if self.use_fast else None))
        self.compiler.shared = None
        self.failures[rt] = failures
        return out

    def _fast_components(self, text: str, types: frozenset[str]) -> dict[str, FastFn] | None:
        """A generated selector for a component per context type (``Observation`` and
        ``Observation.component`` for the combo-* composites); None unless all are plain."""
        out: dict[str, FastFn] = {}
        for t in types:
            fn = compile_fast(text, t, self.compiler.tables, relative=True)
            if fn is None:
                return None
            out[t] = fn
        return out

    def extract(self, resource: dict[str, Any], tz: tzinfo = UTC) -> Rows:
        """All index rows of a resource of a supported type (duplicates removed, order kept)."""
        rt = resource.get("resourceType")
        if not isinstance(rt, str) or not self.defs.is_resource_type(rt):
            raise NotSupported(f"cannot index a resource of type {rt!r}", expression=["resourceType"])
        rows: Rows = []
        env = Env(resource)
        keys = resource.keys()
        for ex in self.extractors(rt):
            needs = ex.needs
            if needs is not None and needs.isdisjoint(keys):
                continue
            found = ex.rows(resource, tz, env)
            # Rows of different parameters never collide: deduplicate per parameter only.
            rows.extend(dict.fromkeys(found) if len(found) > 1 else found)
        return rows

    def report(self, resource_types: Iterable[str] | None = None) -> CompileReport:
        total = compiled = 0
        failures: list[tuple[str, str, str]] = []
        for rt in resource_types or self.defs.resource_type_list:
            compiled += len(self.extractors(rt))
            failures.extend((rt, n, why) for n, why in self.failures[rt])
            total += len(self.extractors(rt)) + len(self.failures[rt])
        return CompileReport(compiled, total, failures)


@cache
def indexer() -> Indexer:
    """The shared indexer over the packaged definitions."""
    return Indexer(definitions())


def extract(resource: dict[str, Any], tz: tzinfo = UTC) -> Rows:
    """Index rows of ``resource`` (a supported type); ``tz`` reads dates without a zone."""
    return indexer().extract(resource, tz)


@dataclass(frozen=True)
class IndexRows:
    """The contract's tuple-per-table view of :func:`extract` (columns as in the row classes).

    ``composite`` holds (param, parts) where parts are the component rows' value tuples.
    """

    token: list[tuple[str, str | None, str | None]]
    token_text: list[tuple[str, str]]
    string: list[tuple[str, str, str, str | None]]  # (param, value, exact, pinyin)
    date: list[tuple[str, datetime, datetime]]
    reference: list[tuple[str, str | None, str | None, str | None, str | None, str | None, str | None]]
    quantity: list[tuple[str, Decimal | None, Decimal | None, Decimal | None, str | None, str | None, str | None]]
    number: list[tuple[str, Decimal]]
    uri: list[tuple[str, str]]
    composite: list[tuple[str, tuple[tuple[Any, ...], ...]]]


def _values(row: IndexRow) -> tuple[Any, ...]:
    if isinstance(row, CompositeRow):
        return (row.param, tuple(_values(p)[1:] for p in row.parts))
    return tuple(getattr(row, f) for f in row.__slots__)


def extract_index(resource: dict[str, Any], defs: Definitions | None = None, tz: tzinfo = UTC) -> IndexRows:
    """:func:`extract` grouped per table, as the contract names it."""
    ix = indexer() if defs is None or defs is indexer().defs else Indexer(defs)
    out: dict[str, list[Any]] = {k: [] for k in (*ROW_KINDS, "token_text")}
    for row in ix.extract(resource, tz):
        if isinstance(row, TokenRow):
            if row.system is not None or row.code is not None:
                out["token"].append((row.param, row.system, row.code))
            if row.text:
                out["token_text"].append((row.param, row.text))
        else:
            out[row.kind].append(_values(row))
    return IndexRows(**out)
