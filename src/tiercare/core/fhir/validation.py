"""Resource validation on write: structure, cardinality, datatypes, choice types, required
elements, required codes, reference format, unknown elements (R4 JSON §2.6.2, datatypes §2.24).

Each problem is an :class:`Issue` with a FHIRPath-like location using the JSON names
(``Observation.component[1].valueQuantity.value``). The walk runs over *shapes* compiled once
per type from the R4 definitions: a dict lookup per JSON key and a precompiled regex per
primitive, so a small resource validates in tens of microseconds.

Not checked (documented in docs/fhir-core.md): FHIRPath invariants (constraints such as
obs-6), profiles, extensible/preferred bindings and value sets that are not small and
enumerable, that references resolve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from tiercare.core.fhir.definitions import Definitions, ElementDef, definitions
from tiercare.core.fhir.values import date_range

MAX_ISSUES = 100
MAX_DEPTH = 48  # deeper JSON is refused (hostile input; real resources stay far below)


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem, as an OperationOutcome.issue: severity (error|warning),
    code (FHIR IssueType: structure|required|value|code-invalid|invalid), path, message."""

    severity: str
    code: str
    path: str
    message: str


# ---------------------------------------------------------------- primitives (R4 datatypes §2.24.0.1)

_RE = {
    "id": re.compile(r"[A-Za-z0-9\-.]{1,64}"),
    "code": re.compile(r"[^\s]+(\s[^\s]+)*"),
    "uri": re.compile(r"\S*"),
    "oid": re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+"),
    "uuid": re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "date": re.compile(r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?"),
    "dateTime": re.compile(
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?"),
    "instant": re.compile(
        r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
        r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"),
    "time": re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"),
    "base64Binary": re.compile(r"[A-Za-z0-9+/=\s]*"),
}
_INT32 = (-2147483648, 2147483647)
Checker = Callable[[Any], str | None]


def _string(v: Any) -> str | None:
    if not isinstance(v, str):
        return "must be a JSON string"
    if not v.strip():
        return "must not be empty or blank"  # R4 JSON: empty strings are not allowed
    return None


def _pattern(name: str) -> Checker:
    rx = _RE[name]
    is_date = name in ("date", "dateTime", "instant")

    def check(v: Any) -> str | None:
        if not isinstance(v, str):
            return "must be a JSON string"
        if not rx.fullmatch(v) or (name != "uri" and not v):
            return f"is not a valid {name}"
        if is_date and len(v) >= 10 and v[8:10] > "28" and date_range(v) is None:
            return f"is not a valid {name}"  # the regex admits Feb 30
        return None
    return check


def _integer(low: int, high: int, name: str) -> Checker:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return f"must be a JSON integer ({name})"
        if not low <= v <= high:
            return f"is out of range for {name}"
        return None
    return check


def _decimal(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return "must be a JSON number"
    if isinstance(v, float) and not math.isfinite(v):
        return "must be a finite number"  # 1e400 parses to inf in Python's json
    return None


def _boolean(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


PRIMITIVES: dict[str, Checker] = {
    "boolean": _boolean,
    "integer": _integer(*_INT32, "integer"),
    "positiveInt": _integer(1, _INT32[1], "positiveInt"),
    "unsignedInt": _integer(0, _INT32[1], "unsignedInt"),
    "decimal": _decimal,
    "string": _string, "markdown": _string, "xhtml": _string,
    "id": _pattern("id"), "code": _pattern("code"), "uri": _pattern("uri"), "url": _pattern("uri"),
    "canonical": _pattern("uri"), "oid": _pattern("oid"), "uuid": _pattern("uuid"),
    "date": _pattern("date"), "dateTime": _pattern("dateTime"), "instant": _pattern("instant"),
    "time": _pattern("time"), "base64Binary": _pattern("base64Binary"),
}

# R4 §2.3.0.1: a literal reference is relative (Type/id[/_history/vid]), absolute, urn:uuid/oid, or #contained.
_REFERENCE = re.compile(
    r"#[A-Za-z0-9\-.]{1,64}|#"
    r"|(?P<type>[A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?"
    r"|[a-z][a-z0-9+.\-]*:\S+")


# ---------------------------------------------------------------- shapes


@dataclass(frozen=True, slots=True)
class Slot:
    key: str  # JSON key (valueQuantity)
    element: ElementDef
    type_key: str  # child type key: primitive name, complex type, backbone "Type.path", or "Resource"
    checker: Checker | None  # primitive checker, None for complex
    is_array: bool


@dataclass(frozen=True, slots=True)
class Shape:
    slots: dict[str, Slot]
    required: tuple[tuple[str, tuple[str, ...], int], ...]  # (element name, JSON keys, min)
    choices: tuple[tuple[str, tuple[str, ...]], ...]  # choice element name, its JSON keys


class Shapes:
    def __init__(self, defs: Definitions) -> None:
        self.defs = defs
        self._cache: dict[str, Shape | None] = {}

    def get(self, type_key: str) -> Shape | None:
        if type_key not in self._cache:
            self._cache[type_key] = self._build(type_key)
        return self._cache[type_key]

    def _build(self, type_key: str) -> Shape | None:
        owner, _, path = type_key.partition(".")
        td = self.defs.type_def(owner)
        if td is None:
            return None
        slots: dict[str, Slot] = {}
        required: list[tuple[str, tuple[str, ...], int]] = []
        choices: list[tuple[str, tuple[str, ...]]] = []
        for name, el in td.children(path).items():
            is_array = el.max != 1
            if el.content_ref:
                keys = [(name, f"{owner}.{el.content_ref}")]
            elif el.is_choice:
                keys = [(name + t[0].upper() + t[1:], t) for t in el.types]
            else:
                t = el.types[0] if el.types else "Element"
                keys = [(name, f"{owner}.{el.path}" if t in ("BackboneElement", "Element") else t)]
            for key, t in keys:
                target = self.defs.type_def(t)
                if target is not None and target.kind == "resource":
                    t = "Resource"  # e.g. Bundle.entry.response.outcome: OperationOutcome
                slots[key] = Slot(key, el, t, PRIMITIVES.get(t), is_array)
            if el.min > 0:
                required.append((name, tuple(k for k, _ in keys), el.min))
            if el.is_choice:
                choices.append((name, tuple(k for k, _ in keys)))
        return Shape(slots, tuple(required), tuple(choices))


# ---------------------------------------------------------------- the walk


class _Walk:
    __slots__ = ("issues", "shapes", "defs", "root")

    def __init__(self, shapes: Shapes, root: dict[str, Any]) -> None:
        self.shapes = shapes
        self.defs = shapes.defs
        self.issues: list[Issue] = []
        self.root = root

    def add(self, code: str, path: str, message: str, severity: str = "error") -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(Issue(severity, code, path, f"{path} {message}"))

    def resource(self, value: Any, path: str, depth: int) -> None:
        if not isinstance(value, dict):
            self.add("structure", path, "must be a JSON object (a resource)")
            return
        rt = value.get("resourceType")
        if not isinstance(rt, str) or not rt:
            self.add("structure", path, "has no resourceType")
            return
        if depth == 0 and rt not in self.defs.resource_types:
            self.add("not-supported", path, f"has an unsupported resourceType '{rt}'")
            return
        td = self.defs.type_def(rt)
        if td is None or td.kind != "resource" or rt in ("Resource", "DomainResource"):
            # Contained resources and Bundle entries may be of any R4 type, all defined.
            self.add("structure", path, f"has an unknown resourceType '{rt}'")
            return
        self.element(value, rt, path, depth, resource=True)

    def element(self, value: dict[str, Any], type_key: str, path: str, depth: int, resource: bool = False) -> None:
        if depth > MAX_DEPTH:
            self.add("structure", path, "is nested too deeply")
            return
        shape = self.shapes.get(type_key)
        if shape is None:  # pragma: no cover - every type key comes from the definitions
            return
        if not value or (resource and len(value) == 1):
            self.add("structure", path, "must not be empty")
        slots = shape.slots
        for key, v in value.items():
            slot = slots.get(key)
            if slot is None:
                if key == "resourceType" and resource:
                    continue
                if key.startswith("_") and (base := slots.get(key[1:])) is not None and base.checker is not None:
                    self.primitive_extension(v, base, f"{path}.{key}", depth)
                    continue
                self.add("structure", f"{path}.{key}", "is not a known element")
                continue
            checker = slot.checker
            if checker is not None and not slot.is_array and not isinstance(v, list):
                # Fast path for single primitives: the path string is built only on a problem.
                problem = checker(v)
                if problem:
                    self.add("value", f"{path}.{key}", problem)
                elif slot.element.codes is not None and v not in slot.element.codes:
                    self.add("code-invalid", f"{path}.{key}", "is not a code of the required value set")
                continue
            p = f"{path}.{key}"
            if slot.is_array:
                if not isinstance(v, list):
                    self.add("structure", p, "must be a JSON array")
                    continue
                if not v:
                    self.add("structure", p, "must not be an empty array")
                    continue
                if slot.element.max > 1 and len(v) > slot.element.max:
                    self.add("structure", p, f"has {len(v)} items, at most {slot.element.max} allowed")
                for i, item in enumerate(v):
                    if item is None and slot.checker is not None and isinstance(value.get("_" + key), list):
                        continue  # a null aligned with an extension in _key (R4 JSON §2.6.2.3)
                    self.item(item, slot, f"{p}[{i}]", depth)
            elif isinstance(v, list):
                self.add("structure", p, "must not be an array (max 1)")
            else:
                self.item(v, slot, p, depth)
        for name, keys, minimum in shape.required:
            present = 0
            for k in keys:
                got = value.get(k)
                if got is None:
                    got = value.get("_" + k)
                if got is not None:
                    present += len(got) if isinstance(got, list) else 1
            if present < minimum:
                what = f"{name}[x]" if len(keys) > 1 else name
                self.add("required", f"{path}.{what}", f"is required (min {minimum})")
        for name, keys in shape.choices:
            if sum(1 for k in keys if k in value) > 1:
                self.add("structure", f"{path}.{name}[x]", "has more than one type given")

    def item(self, v: Any, slot: Slot, path: str, depth: int) -> None:
        if slot.checker is not None:
            problem = slot.checker(v)
            if problem:
                self.add("value", path, problem)
            elif slot.element.codes is not None and v not in slot.element.codes:
                self.add("code-invalid", path, "is not a code of the required value set")
            return
        if slot.type_key == "Resource":
            self.resource(v, path, depth + 1)
            return
        if not isinstance(v, dict):
            self.add("structure", path, f"must be a JSON object ({slot.type_key})")
            return
        self.element(v, slot.type_key, path, depth + 1)
        if slot.type_key == "Reference":
            self.reference(v, slot.element, path)

    def primitive_extension(self, v: Any, base: Slot, path: str, depth: int) -> None:
        items = v if isinstance(v, list) else [v]
        if base.is_array != isinstance(v, list):
            self.add("structure", path, "must match the shape of its primitive")
            return
        for i, item in enumerate(items):
            if item is None:
                continue
            p = f"{path}[{i}]" if isinstance(v, list) else path
            if not isinstance(item, dict):
                self.add("structure", p, "must be a JSON object (Element)")
            else:
                self.element(item, "Element", p, depth + 1)

    def reference(self, v: dict[str, Any], el: ElementDef, path: str) -> None:
        ref = v.get("reference")
        if not isinstance(ref, str):
            return
        m = _REFERENCE.fullmatch(ref)
        if not m:
            self.add("value", f"{path}.reference", "is not a valid reference (Type/id, an absolute URL or #id)")
            return
        rt = m.group("type")
        if rt and el.ref_targets and rt not in el.ref_targets and "Resource" not in el.ref_targets:
            # A warning, not an error: official R4 examples break target lists, and a wrong
            # target is a profile-level problem, not a malformed resource.
            self.add("value", f"{path}.reference", f"refers to a {rt}, not one of {', '.join(el.ref_targets)}",
                     severity="warning")


@cache
def _shapes() -> Shapes:
    return Shapes(definitions())


def validate(resource: Any, defs: Definitions | None = None) -> list[Issue]:
    """All problems of ``resource`` (a parsed JSON object); an empty list means valid.

    Issues of severity 'error' reject the write (400/422 naming each path); 'warning'
    issues (a reference to a type outside the element's target list) do not.
    """
    shapes = _shapes() if defs is None or defs is _shapes().defs else Shapes(defs)
    walk = _Walk(shapes, resource if isinstance(resource, dict) else {})
    rt = resource.get("resourceType") if isinstance(resource, dict) else None
    walk.resource(resource, rt if isinstance(rt, str) and rt else "Resource", 0)
    return walk.issues
