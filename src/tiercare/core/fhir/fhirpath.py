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

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tiercare.core.fhir.definitions import Definitions

Item = tuple[Any, str]
Items = list[Item]
Fn = Callable[[Items, dict[str, Any]], Items]  # (input items, root resource) -> items


class FhirPathUnsupported(ValueError):
    """The expression uses FHIRPath outside the compiled subset."""


# ---------------------------------------------------------------- tokens and syntax tree

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|[|.()\[\],=<>])
  | (?P<id>[A-Za-z_$][A-Za-z0-9_]*|`[^`]*`)
)""", re.VERBOSE)


def tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FhirPathUnsupported(f"cannot read FHIRPath at {pos}: {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace("\\'", "'")
        elif kind == "id" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value))
        pos = m.end()
    return out


@dataclass(frozen=True)
class Node:
    op: str  # 'path' | 'member' | 'call' | 'index' | 'binary' | 'literal' | 'this'
    args: tuple[Any, ...]


class _Parser:
    # precedence (low -> high, FHIRPath §6 "Operator precedence"): or, and, = !=, |, is/as, postfix
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        if self.i >= len(self.toks):
            return False
        k, v = self.toks[self.i]
        return (value is None or v == value) and (kind is None or k == kind)

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise FhirPathUnsupported("unexpected end of FHIRPath")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        k, v = self.take()
        if v != value:
            raise FhirPathUnsupported(f"expected {value!r}, got {v!r}")

    def parse(self) -> Node:
        node = self.or_expr()
        if self.i != len(self.toks):
            raise FhirPathUnsupported(f"unexpected {self.toks[self.i][1]!r}")
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.peek("or", "id"):
            self.take()
            node = Node("binary", ("or", node, self.and_expr()))
        return node

    def and_expr(self) -> Node:
        node = self.eq_expr()
        while self.peek("and", "id"):
            self.take()
            node = Node("binary", ("and", node, self.eq_expr()))
        return node

    def eq_expr(self) -> Node:
        node = self.union_expr()
        while self.peek("=") or self.peek("!="):
            op = self.take()[1]
            node = Node("binary", (op, node, self.union_expr()))
        return node

    def union_expr(self) -> Node:
        node = self.type_expr()
        while self.peek("|"):
            self.take()
            node = Node("binary", ("|", node, self.type_expr()))
        return node

    def type_expr(self) -> Node:
        node = self.postfix()
        while self.peek("is", "id") or self.peek("as", "id"):
            op = self.take()[1]
            kind, name = self.take()
            if kind != "id":
                raise FhirPathUnsupported(f"type name expected after {op}")
            while self.peek("."):  # qualified names: System.String, FHIR.Patient
                self.take()
                name = self.take()[1]
            node = Node("call", (node, op, (Node("literal", (name,)),)))
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.peek("."):
                self.take()
                kind, name = self.take()
                if kind != "id":
                    raise FhirPathUnsupported(f"name expected after '.', got {name!r}")
                if self.peek("("):
                    node = Node("call", (node, name, self.arguments()))
                else:
                    node = Node("member", (node, name))
            elif self.peek("["):
                self.take()
                kind, num = self.take()
                if kind != "num":
                    raise FhirPathUnsupported("only literal indexes are supported")
                self.expect("]")
                node = Node("index", (node, int(num)))
            else:
                return node

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        while not self.peek(")"):
            args.append(self.or_expr())
            if self.peek(","):
                self.take()
        self.expect(")")
        return tuple(args)

    def primary(self) -> Node:
        kind, value = self.take()
        if value == "(" and kind == "op":
            node = self.or_expr()
            self.expect(")")
            return node
        if kind == "str":
            return Node("literal", (value,))
        if kind == "num":
            return Node("literal", (float(value) if "." in value else int(value),))
        if kind == "id":
            if value in ("true", "false"):
                return Node("literal", (value == "true",))
            if value == "$this":
                return Node("this", ())
            if self.peek("("):
                return Node("call", (Node("this", ()), value, self.arguments()))
            return Node("path", (value,))
        raise FhirPathUnsupported(f"unexpected {value!r}")


def parse(text: str) -> Node:
    return _Parser(tokenize(text)).parse()


# ---------------------------------------------------------------- type tables

# FHIRPath System types and FHIR primitive names that `as`/`is` may use (case differs).
_TYPE_ALIASES = {"datetime": "dateTime", "string": "string", "boolean": "boolean", "integer": "integer",
                 "decimal": "decimal", "date": "date", "time": "time", "quantity": "Quantity"}
_STRINGISH = {"string", "code", "id", "markdown", "uri", "url", "canonical", "oid", "uuid"}


def _norm_type(name: str) -> str:
    return _TYPE_ALIASES.get(name.lower(), name)


def _type_matches(actual: str, wanted: str) -> bool:
    if actual == wanted:
        return True
    if wanted == "string" and actual in _STRINGISH:
        return False  # FHIR `as string` is strict: a code is not a string
    if wanted == "Quantity" and actual in ("Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"):
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


def _identity(items: Items, root: dict[str, Any]) -> Items:
    return items


class Compiler:
    """Compile expressions for a context type into closures ``(items, root) -> items``.

    Compilation is typed: every step is checked against the definitions, so a path that
    names no element of the types reaching it is reported as unsupported at compile time
    instead of silently indexing nothing.
    """

    def __init__(self, defs: Definitions) -> None:
        self.tables = TypeTables(defs)

    def compile(self, text: str, context: str) -> Fn:
        """Compile ``text`` evaluated on items of type ``context`` (a resource type or type key)."""
        return self.compile_typed(text, context)[0]

    def compile_typed(self, text: str, context: str | frozenset[str]) -> Typed:
        """Compile and also return the type keys the expression can yield."""
        types = frozenset({context}) if isinstance(context, str) else context
        return self._node(parse(text), types, top=True)

    def _node(self, node: Node, types: frozenset[str], top: bool = False) -> Typed:
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
            kind = "boolean" if isinstance(lit, bool) else "string" if isinstance(lit, str) else "decimal"
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
            def type_step(items: Items, root: dict[str, Any]) -> Items:
                return [(v, t) for v, t in src(items, root)
                        if isinstance(v, dict) and v.get("resourceType") == name]
            return type_step, frozenset({name})
        dynamic = "Resource" in in_types
        out_types = frozenset(ct for t in in_types for _, ct in children(t, name))
        if not out_types and not dynamic:
            raise FhirPathUnsupported(f"no element {name!r} on {sorted(in_types)}")

        def step(items: Items, root: dict[str, Any]) -> Items:
            out: Items = []
            for value, type_key in src(items, root):
                if not isinstance(value, dict):
                    continue
                if type_key == "Resource":
                    type_key = value.get("resourceType") or ""
                for key, child_type in children(type_key, name):
                    child = value.get(key)
                    if child is not None:
                        _flatten(child, child_type, out)
            return out
        return step, (out_types | {"Resource"} if dynamic else out_types)

    def _binary(self, node: Node, types: frozenset[str], top: bool) -> Typed:
        op, left_node, right_node = node.args
        left, lt = self._node(left_node, types, top)
        right, rt = self._node(right_node, types, top)
        if op == "|":
            def union(items: Items, root: dict[str, Any]) -> Items:
                out = left(items, root)
                seen = {id(v) for v, _ in out}
                out.extend(x for x in right(items, root) if id(x[0]) not in seen)
                return out
            return union, lt | rt
        if op in ("=", "!="):
            negate = op == "!="

            def equality(items: Items, root: dict[str, Any]) -> Items:
                a, b = left(items, root), right(items, root)
                if not a or not b:
                    return []
                same = len(a) == len(b) and all(_equal(x[0], y[0]) for x, y in zip(a, b, strict=True))
                return [(same != negate, "boolean")]
            return equality, _BOOL
        if op in ("and", "or"):
            is_and = op == "and"

            def logic(items: Items, root: dict[str, Any]) -> Items:
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
                return (lambda items, root: [(any(_type_matches(t, wanted) for _, t in src(items, root)),
                                              "boolean")]), _BOOL
            kept = frozenset(t for t in st if _type_matches(t, wanted) or t == "Resource")
            if not kept:
                raise FhirPathUnsupported(f"{name}({wanted}) matches none of {sorted(st)}")
            return (lambda items, root: [(v, t) for v, t in src(items, root) if _type_matches(t, wanted)]), kept
        if name == "where":
            if len(args) != 1:
                raise FhirPathUnsupported("where() takes one argument")
            crit = args[0]
            if _is_resolve_is(crit):
                wanted = crit.args[2][0].args[0]
                return (lambda items, root: [(v, t) for v, t in src(items, root)
                                             if reference_type(v, root) == wanted]), st
            cond, _ = self._node(crit, st)

            def where(items: Items, root: dict[str, Any]) -> Items:
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
            def negation(items: Items, root: dict[str, Any]) -> Items:
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
