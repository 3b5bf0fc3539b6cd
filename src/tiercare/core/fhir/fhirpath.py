"""A FHIRPath subset compiled to Python closures, for search-parameter extraction.

The R4 SearchParameter expressions use a small part of FHIRPath (http://hl7.org/fhirpath/N1/):
paths, ``|`` unions, ``as``/``as()``/``ofType()``, ``where(...)`` with ``resolve() is T`` or
``field = 'literal'``, ``extension('url')``, ``exists()``, ``first()``, indexers, ``and``/
``or``/``not()``, ``=``/``!=``. Each expression is parsed once and compiled against the R4
definitions so that every step knows the FHIR type of what it yields: a choice element
``Observation.value`` expands at compile time into the JSON keys ``valueQuantity``,
``valueString``..., and each produced item carries its type ("Quantity"), which the index
builder uses to turn it into rows. Anything outside the subset raises
:class:`FhirPathUnsupported` at compile time, never at run time.

Items are ``(value, type_key)`` pairs. A type key is a FHIR type name ("HumanName",
"dateTime", "Patient") or, for an inline BackboneElement, the owning type and path
("Patient.contact"); "Resource" means "look at resourceType".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiercare.core.fhir.definitions import Definitions
from tiercare.core.fhir.fhirpath_parse import FhirPathUnsupported, Node, parse, tokenize

__all__ = ["Compiler", "Env", "FhirPathUnsupported", "Fn", "Node", "TypeTables", "parse", "reference_type",
           "root_keys", "spine_nodes", "tokenize"]

Item = tuple[Any, str]
Items = list[Item]


class Env:
    """One evaluation over one resource: the resource (for ``#contained`` references) and a memo
    of root-level subexpressions, shared by all the parameters extracted from it
    (``Observation.component`` is walked once, not once per parameter)."""

    __slots__ = ("resource", "root", "memo", "rows")

    def __init__(self, resource: dict[str, Any]) -> None:
        self.resource = resource
        self.root: Items = [(resource, resource.get("resourceType") or "Resource")]  # the input of every parameter
        # (subexpression key, id of the input value) -> items; the values live as long as the resource.
        self.memo: dict[tuple[int, int, str], Items] = {}
        self.rows: dict[tuple[str, int, str], Any] = {}  # the index builder's conversion memo


Fn = Callable[[Items, Env], Items]  # (input items, environment) -> items


# ---------------------------------------------------------------- type tables

# FHIRPath System types and FHIR primitive names that `as`/`is` may use (case differs).
_TYPE_ALIASES = {"datetime": "dateTime", "string": "string", "boolean": "boolean", "integer": "integer",
                 "decimal": "decimal", "date": "date", "time": "time", "quantity": "Quantity"}


def _norm_type(name: str) -> str:
    return _TYPE_ALIASES.get(name.lower(), name)


# FHIR type specialisations (R4 datatypes §2.24: code, id and markdown are strings...).
_SUBTYPES = {
    "string": frozenset({"code", "id", "markdown"}),
    "uri": frozenset({"url", "canonical", "oid", "uuid"}),
    "integer": frozenset({"positiveInt", "unsignedInt"}),
    "Quantity": frozenset({"Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"}),
}


def _type_matches(actual: str, wanted: str) -> bool:
    if actual == wanted:
        return True
    sub = _SUBTYPES.get(wanted)
    if sub is not None and actual in sub:
        return True
    return wanted in ("Resource", "DomainResource") and "." not in actual and actual[:1].isupper()


class TypeTables:
    """Child lookups per (type key, name), computed from the definitions and memoised."""

    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self._cache: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}

    def children(self, type_key: str, name: str) -> tuple[tuple[str, str], ...]:
        """(json key, child type key) pairs for ``type_key.name``; empty if there is no such element."""
        key = (type_key, name)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._compute(type_key, name)
        return hit

    def _compute(self, type_key: str, name: str) -> tuple[tuple[str, str], ...]:
        owner, _, path = type_key.partition(".")
        td = self.defs.type_def(owner)
        if td is None:
            return ()
        el = td.children(path).get(name)
        if el is None:
            return ()
        if el.content_ref:
            return ((name, f"{owner}.{el.content_ref}"),)
        if el.is_choice:
            return tuple((name + t[0].upper() + t[1:], t) for t in el.types)
        t = el.types[0] if el.types else "Element"
        if t in ("BackboneElement", "Element"):
            return ((name, f"{owner}.{el.path}"),)
        return ((name, t),)


# ---------------------------------------------------------------- compiler


def _flatten(value: Any, type_key: str, out: Items) -> None:
    if isinstance(value, list):
        for v in value:
            if v is not None:
                out.append((v, type_key))
    elif value is not None:
        out.append((value, type_key))


def reference_type(ref: dict[str, Any], root: dict[str, Any]) -> str | None:
    """The resource type a Reference points to, without a server round-trip.

    Relative (Patient/1), absolute (http://x/fhir/Patient/1[/_history/2]) and contained (#p1)
    references and Reference.type are understood; an identifier-only reference has no type.
    """
    if not isinstance(ref, dict):
        return None
    text = ref.get("reference")
    if isinstance(text, str):
        if text.startswith("#"):
            for c in root.get("contained", ()) or ():
                if isinstance(c, dict) and c.get("id") == text[1:]:
                    rt = c.get("resourceType")
                    return rt if isinstance(rt, str) else None
            return None
        parts = text.split("?", 1)[0].split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) >= 2 and parts[-2][:1].isupper():
            return parts[-2]
    t = ref.get("type")
    return t if isinstance(t, str) else None


Typed = tuple[Fn, frozenset[str]]  # a closure and the type keys it can yield
_BOOL = frozenset({"boolean"})


def _identity(items: Items, root: Env) -> Items:
    return items


class Compiler:
    """Compile expressions for a context type into closures ``(items, root) -> items``.

    Compilation is typed: every step is checked against the definitions, so a path that
    names no element of the types reaching it is reported as unsupported at compile time
    instead of silently indexing nothing.
    """

    def __init__(self, defs: Definitions) -> None:
        self.tables = TypeTables(defs)
        self._memo_keys: dict[tuple[str, Node], int] = {}
        self._memoize = False
        # Subexpressions worth memoising: those used by more than one expression of a type
        # (see spine_nodes); None = memoise every eligible node.
        self.shared: set[Node] | None = None

    def compile(self, text: str, context: str) -> Fn:
        """Compile ``text`` evaluated on items of type ``context`` (a resource type or type key)."""
        return self.compile_typed(text, context)[0]

    def compile_typed(self, text: str, context: str | frozenset[str], memoize: bool = False) -> Typed:
        """Compile and also return the type keys the expression can yield.

        ``memoize``: results of the subexpressions applied to the input are shared through
        ``Env.memo``, keyed by subexpression and input value, with the other parameters
        extracted from the same resource (the same JSON value gives the same result).
        """
        types = frozenset({context}) if isinstance(context, str) else context
        self._memoize = memoize
        try:
            return self._node(parse(text), types, top=True)
        finally:
            self._memoize = False

    def _node(self, node: Node, types: frozenset[str], top: bool = False) -> Typed:
        fn, out = self._node_inner(node, types, top)
        if (top and self._memoize and node.op in ("member", "call", "index") and fn is not _identity
                and (self.shared is None or node in self.shared)):
            key = self._memo_keys.setdefault((min(types), node), len(self._memo_keys))
            inner = fn

            def memoized(items: Items, root: Env) -> Items:
                if len(items) != 1:
                    return inner(items, root)
                mkey = (key, id(items[0][0]), items[0][1])
                hit = root.memo.get(mkey)
                if hit is None:
                    hit = root.memo[mkey] = inner(items, root)
                return hit
            return memoized, out
        return fn, out

    def _node_inner(self, node: Node, types: frozenset[str], top: bool) -> Typed:
        op = node.op
        if op == "path":
            name = node.args[0]
            if top and any(name in (t.partition(".")[0], "Resource", "DomainResource") for t in types):
                return _identity, types
            return self._member((_identity, types), name)
        if op == "this":
            return _identity, types
        if op == "member":
            return self._member(self._node(node.args[0], types, top), node.args[1])
        if op == "index":
            src, st = self._node(node.args[0], types, top)
            n = node.args[1]
            return (lambda items, root: src(items, root)[n:n + 1]), st
        if op == "literal":
            lit = node.args[0]
            kind = ("boolean" if isinstance(lit, bool) else "string" if isinstance(lit, str)
                    else "integer" if isinstance(lit, int) else "decimal")
            lit_item = (lit, kind)
            return (lambda items, root: [lit_item]), frozenset({kind})
        if op == "binary":
            return self._binary(node, types, top)
        if op == "call":
            return self._call(node, types, top)
        raise FhirPathUnsupported(op)  # pragma: no cover - the parser makes no other nodes

    def _member(self, typed: Typed, name: str) -> Typed:
        src, in_types = typed
        children = self.tables.children
        if name[:1].isupper():
            # A type name as a path step filters on resource type (`Bundle.entry.resource.Patient`).
            def type_step(items: Items, root: Env) -> Items:
                return [(v, t) for v, t in src(items, root)
                        if isinstance(v, dict) and v.get("resourceType") == name]
            return type_step, frozenset({name})
        dynamic = "Resource" in in_types
        out_types = frozenset(ct for t in in_types for _, ct in children(t, name))
        if not out_types and not dynamic:
            raise FhirPathUnsupported(f"no element {name!r} on {sorted(in_types)}")
        # The JSON keys per input type, resolved now; only dynamic types ("Resource") look up at run time.
        table = {t: children(t, name) for t in in_types}

        def step(items: Items, root: Env) -> Items:
            out: Items = []
            for value, type_key in src(items, root):
                if value.__class__ is not dict:
                    continue
                pairs = table.get(type_key)
                if pairs is None:
                    if type_key == "Resource":
                        type_key = value.get("resourceType") or ""
                    pairs = children(type_key, name)
                for key, child_type in pairs:
                    child = value.get(key)
                    if child is not None:
                        if child.__class__ is list:
                            out.extend((c, child_type) for c in child if c is not None)
                        else:
                            out.append((child, child_type))
            return out
        return step, (out_types | {"Resource"} if dynamic else out_types)

    def _binary(self, node: Node, types: frozenset[str], top: bool) -> Typed:
        op, left_node, right_node = node.args
        left, lt = self._node(left_node, types, top)
        right, rt = self._node(right_node, types, top)
        if op == "|":
            def union(items: Items, root: Env) -> Items:
                out = list(left(items, root))  # a copy: results may be memoised
                seen = {id(v) for v, _ in out}
                out.extend(x for x in right(items, root) if id(x[0]) not in seen)
                return out
            return union, lt | rt
        if op in ("=", "!="):
            negate = op == "!="

            def equality(items: Items, root: Env) -> Items:
                a, b = left(items, root), right(items, root)
                if not a or not b:
                    return []
                same = len(a) == len(b) and all(_equal(x[0], y[0]) for x, y in zip(a, b, strict=True))
                return [(same != negate, "boolean")]
            return equality, _BOOL
        if op in ("and", "or"):
            is_and = op == "and"

            def logic(items: Items, root: Env) -> Items:
                a, b = _truth(left(items, root)), _truth(right(items, root))
                if is_and:
                    r = False if (a is False or b is False) else (None if (a is None or b is None) else True)
                else:
                    r = True if (a is True or b is True) else (None if (a is None or b is None) else False)
                return [] if r is None else [(r, "boolean")]
            return logic, _BOOL
        raise FhirPathUnsupported(f"operator {op}")

    def _call(self, node: Node, types: frozenset[str], top: bool) -> Typed:
        target, name, args = node.args
        src, st = self._node(target, types, top)
        if name in ("as", "ofType", "is"):
            if len(args) != 1 or args[0].op not in ("literal", "path"):
                raise FhirPathUnsupported(f"{name}() takes a type name")
            wanted = _norm_type(str(args[0].args[0]))
            if name == "is":
                def is_type(items: Items, root: Env) -> Items:
                    got = src(items, root)
                    return [(_type_matches(got[0][1], wanted), "boolean")] if len(got) == 1 else []
                return is_type, _BOOL
            kept = frozenset(t for t in st if _type_matches(t, wanted) or t == "Resource")
            if not kept:
                raise FhirPathUnsupported(f"{name}({wanted}) matches none of {sorted(st)}")
            accepted = frozenset(t for t in st if _type_matches(t, wanted))
            if "Resource" not in st:
                return (lambda items, root: [(v, t) for v, t in src(items, root) if t in accepted]), kept
            return (lambda items, root: [(v, t) for v, t in src(items, root) if _type_matches(t, wanted)]), kept
        if name == "where":
            if len(args) != 1:
                raise FhirPathUnsupported("where() takes one argument")
            crit = args[0]
            if _is_resolve_is(crit):
                wanted = crit.args[2][0].args[0]
                return (lambda items, root: [(v, t) for v, t in src(items, root)
                                             if reference_type(v, root.resource) == wanted]), st
            cond, _ = self._node(crit, st)

            def where(items: Items, root: Env) -> Items:
                return [it for it in src(items, root) if _truth(cond([it], root)) is True]
            return where, st
        if name == "extension":
            if len(args) != 1 or args[0].op != "literal":
                raise FhirPathUnsupported("extension() takes a literal url")
            url = args[0].args[0]
            ext, et = self._member((src, st), "extension")
            return (lambda items, root: [(v, t) for v, t in ext(items, root) if v.get("url") == url]), et
        if name == "exists" and not args:
            return (lambda items, root: [(bool(src(items, root)), "boolean")]), _BOOL
        if name == "empty" and not args:
            return (lambda items, root: [(not src(items, root), "boolean")]), _BOOL
        if name == "not" and not args:
            def negation(items: Items, root: Env) -> Items:
                r = _truth(src(items, root))
                return [] if r is None else [(not r, "boolean")]
            return negation, _BOOL
        if name == "first" and not args:
            return (lambda items, root: src(items, root)[:1]), st
        # resolve() is only meaningful for indexing inside where(resolve() is T), handled above.
        raise FhirPathUnsupported(f"function {name}()")


def _is_resolve_is(node: Node) -> bool:
    return (node.op == "call" and node.args[1] == "is" and node.args[0].op == "call"
            and node.args[0].args[1] == "resolve")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _truth(items: Items) -> bool | None:
    """FHIRPath singleton evaluation of collections as booleans (§4.5)."""
    if not items:
        return None
    if len(items) == 1 and isinstance(items[0][0], bool):
        return items[0][0]
    return True


def spine_nodes(text: str) -> set[Node]:
    """The subexpressions of ``text`` evaluated on its input (not inside function arguments):
    the candidates for sharing results between the parameters of a type."""
    out: set[Node] = set()

    def walk(node: Node) -> None:
        if node.op in ("member", "call", "index"):
            out.add(node)
            walk(node.args[0])
        elif node.op == "binary":
            walk(node.args[1])
            walk(node.args[2])

    walk(parse(text))
    return out


def root_keys(text: str, resource_type: str, tables: TypeTables) -> frozenset[str] | None:
    """The top-level JSON keys without which ``text`` yields nothing, or None if unknown.

    Lets the indexer skip a parameter with one set test when the resource lacks the element
    (most parameters of a type are absent from any one resource).
    """
    return _root_keys(parse(text), resource_type, tables)


def _root_keys(node: Node, rt: str, tables: TypeTables) -> frozenset[str] | None:
    if node.op == "member":
        inner = node.args[0]
        if inner.op == "path" and inner.args[0] in (rt, "Resource", "DomainResource"):
            keys = frozenset(k for k, _ in tables.children(rt, node.args[1]))
            return keys or None
        return _root_keys(inner, rt, tables)
    if node.op == "index":
        return _root_keys(node.args[0], rt, tables)
    if node.op == "call" and node.args[1] in ("as", "ofType", "where", "first", "extension"):
        return _root_keys(node.args[0], rt, tables)
    if node.op == "binary" and node.args[0] == "|":
        a, b = _root_keys(node.args[1], rt, tables), _root_keys(node.args[2], rt, tables)
        return None if a is None or b is None else a | b
    return None  # exists(), and/=, a bare root...: may yield values from an absent element
