"""Straight-line Python for the plain search expressions, generated once per parameter.

Most R4 search expressions are unions of paths from the resource with, at most, ``as`` /
``ofType`` filters, ``where(resolve() is T)`` and ``where(field = 'literal')``. For those the
typed compiler's chain of closures is replaced by one generated function of nested
``dict.get`` and ``for`` statements: every choice expansion and ``as`` filter is resolved
when the code is generated, from the R4 definitions, so at run time only the JSON is walked.
It selects exactly what the closures select (a test holds the two equal on the official
examples); anything else (composites, ``exists()``, ``extension()``, indexers...) keeps the
closures. The generated source comes only from the definitions and the R4 expressions
(names and literals are emitted with ``repr``), never from request data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiercare.core.fhir.fhirpath import (
    Items,
    TypeTables,
    _is_resolve_is,
    _norm_type,
    _type_matches,
    reference_type,
)
from tiercare.core.fhir.fhirpath_parse import FhirPathUnsupported, Node, parse

FastFn = Callable[[dict[str, Any]], Items]
Op = tuple[str, ...]  # ("m", name) | ("as", Type) | ("ref", Type) | ("eq", field, literal)


def _branches(node: Node, rt: str, relative: bool) -> list[list[Op]] | None:
    if node.op == "binary" and node.args[0] == "|":
        left, right = _branches(node.args[1], rt, relative), _branches(node.args[2], rt, relative)
        return None if left is None or right is None else left + right
    chain = _chain(node, rt, relative)
    return None if chain is None else [chain]


def _chain(node: Node, rt: str, relative: bool = False) -> list[Op] | None:
    if node.op == "path":
        if relative:  # a composite component: `code` is a member of the component's context
            return [("m", node.args[0])] if node.args[0][:1].islower() else None
        return [] if node.args[0] in (rt, "Resource", "DomainResource") else None
    if node.op == "member":
        inner = _chain(node.args[0], rt, relative)
        return None if inner is None or node.args[1][:1].isupper() else [*inner, ("m", node.args[1])]
    if node.op != "call":
        return None
    target, name, args = node.args
    inner = _chain(target, rt, relative)
    if inner is None or len(args) != 1:
        return None
    arg = args[0]
    if name in ("as", "ofType") and arg.op in ("literal", "path"):
        return [*inner, ("as", _norm_type(str(arg.args[0])))]
    if name == "where" and _is_resolve_is(arg):
        return [*inner, ("ref", arg.args[2][0].args[0])]
    if (name == "where" and arg.op == "binary" and arg.args[0] == "=" and arg.args[1].op == "path"
            and arg.args[2].op == "literal" and isinstance(arg.args[2].args[0], str)):
        return [*inner, ("eq", arg.args[1].args[0], arg.args[2].args[0])]
    return None


class _Gen:
    def __init__(self, tables: TypeTables) -> None:
        self.tables = tables
        self.lines: list[str] = []
        self.n = 0

    def var(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def ops(self, ops: list[Op], i: int, var: str, tkey: str, indent: int, sink: str) -> None:
        if i == len(ops):
            self.emit(indent, f"{sink}.append(({var}, {tkey!r}))")
            return
        op = ops[i]
        if op[0] == "m":
            j = i + 1
            wanted: list[str] = []
            while j < len(ops) and ops[j][0] == "as":
                wanted.append(ops[j][1])
                j += 1
            pairs = [(k, t) for k, t in self.tables.children(tkey, op[1])
                     if all(_type_matches(t, w) for w in wanted)]
            if not pairs:
                return
            self.emit(indent, f"if {var}.__class__ is dict:")
            for key, ctype in pairs:
                if ctype == "Resource" or tkey == "Resource":
                    raise FhirPathUnsupported("dynamic resource types keep the closures")
                c, x = self.var("c"), self.var("x")
                self.emit(indent + 1, f"{c} = {var}.get({key!r})")
                self.emit(indent + 1, f"if {c} is not None:")
                self.emit(indent + 2, f"for {x} in ({c} if {c}.__class__ is list else ({c},)):")
                self.emit(indent + 3, f"if {x} is not None:")
                self.ops(ops, j, x, ctype, indent + 4, sink)
        elif op[0] == "as":
            if _type_matches(tkey, op[1]):
                self.ops(ops, i + 1, var, tkey, indent, sink)
        elif op[0] == "ref":
            self.emit(indent, f"if _reference_type({var}, r) == {op[1]!r}:")
            self.ops(ops, i + 1, var, tkey, indent + 1, sink)
        elif op[0] == "eq":
            field, literal = op[1], op[2]
            found = self.tables.children(tkey, field)
            if len(found) != 1 or found[0][0] != field or found[0][1][:1].isupper():
                raise FhirPathUnsupported("where() on a complex or choice element keeps the closures")
            self.emit(indent, f"if {var}.__class__ is dict and {var}.get({field!r}) == {literal!r}:")
            self.ops(ops, i + 1, var, tkey, indent + 1, sink)


def compile_fast(text: str, resource_type: str, tables: TypeTables, relative: bool = False) -> FastFn | None:
    """A generated selector for ``text`` on ``resource_type``, or None if it is not plain.

    ``relative``: ``text`` is a composite component evaluated on one item of the type key
    ``resource_type`` (e.g. ``value.as(Quantity)`` on an ``Observation.component``).
    """
    try:
        branches = _branches(parse(text), resource_type, relative)
        if not branches:
            return None
        gen = _Gen(tables)
        gen.emit(0, "def select(r):")
        gen.emit(1, "out = []")
        for k, ops in enumerate(branches):
            if k == 0:
                gen.ops(ops, 0, "r", resource_type, 1, "out")
                continue
            # FHIRPath union: later branches add only values not already selected (by identity,
            # as the closures do).
            gen.emit(1, "tmp = []")
            gen.ops(ops, 0, "r", resource_type, 1, "tmp")
            gen.emit(1, "if tmp:")
            gen.emit(2, "ids = {id(v) for v, _ in out}")
            gen.emit(2, "out.extend(it for it in tmp if id(it[0]) not in ids)")
        gen.emit(1, "return out")
    except FhirPathUnsupported:
        return None
    namespace: dict[str, Any] = {"_reference_type": reference_type}
    exec(compile("\n".join(gen.lines), f"<search {resource_type}: {text}>", "exec"), namespace)
    fn: FastFn = namespace["select"]
    return fn
