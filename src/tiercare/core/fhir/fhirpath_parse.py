"""FHIRPath (http://hl7.org/fhirpath/N1/) tokens and syntax tree, for the subset compiler in
:mod:`tiercare.core.fhir.fhirpath`. Operator precedence follows FHIRPath §6.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


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
            value = _unescape(value[1:-1])
        elif kind == "id" and value.startswith("`"):
            value = value[1:-1]
        out.append((kind, value))
        pos = m.end()
    return out


_ESCAPES = {"'": "'", '"': '"', "`": "`", "\\": "\\", "/": "/", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(text: str) -> str:
    """FHIRPath string escapes (§6.7 "String"): \\' \\n ... and \\uXXXX."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


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
