"""``_summary`` and ``_elements`` views of a resource (R4 search §3.1.1.5.x "_summary", "_elements").

* ``true``: the elements the R4 definitions mark *isSummary*, and the mandatory ones
  (min >= 1), at the top level and, recursively, inside BackboneElements (a datatype value
  such as a HumanName is kept whole);
* ``text``: ``text``, ``id``, ``meta`` and the top-level mandatory elements;
* ``data``: everything but ``text``;
* ``count`` / ``false``: the resource unchanged (``count`` returns no resources at all:
  the caller's job);
* ``_elements=a,b``: those top-level elements (a choice name such as ``value`` keeps
  ``valueQuantity``...) plus ``id``, ``meta`` and the mandatory elements.

A subsetted view carries the ``SUBSETTED`` tag in ``meta.tag`` (R4 §3.1.1.5.x), the input is
never modified.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from tiercare.core.fhir.definitions import Definitions, definitions

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
_ALWAYS = frozenset({"resourceType", "id", "meta"})


@cache
def _keys(defs: Definitions, type_key: str, summary_only: bool) -> frozenset[str]:
    """JSON keys of the summary (or mandatory) elements directly under ``type_key``."""
    owner, _, path = type_key.partition(".")
    td = defs.type_def(owner)
    if td is None:
        return frozenset()
    out: set[str] = set()
    for name, el in td.children(path).items():
        if el.min > 0 or (summary_only and el.summary):
            if el.is_choice:
                out.update(name + t[0].upper() + t[1:] for t in el.types)
            else:
                out.update((name, "_" + name))
    return frozenset(out)


@cache
def _backbone(defs: Definitions, type_key: str, key: str) -> str | None:
    """The type key of a BackboneElement child (to recurse into), else None."""
    owner, _, path = type_key.partition(".")
    td = defs.type_def(owner)
    el = td.children(path).get(key) if td else None
    if el is None or el.is_choice:
        return None
    if el.content_ref:
        return f"{owner}.{el.content_ref}"
    return f"{owner}.{el.path}" if el.types and el.types[0] == "BackboneElement" else None


def _summary(defs: Definitions, value: dict[str, Any], type_key: str) -> dict[str, Any]:
    keep = _keys(defs, type_key, True)
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k not in keep and k not in _ALWAYS:
            continue
        child = _backbone(defs, type_key, k)
        if child is not None:
            v = [_summary(defs, x, child) for x in v] if isinstance(v, list) else _summary(defs, v, child)
        out[k] = v
    return out


def _tagged(view: dict[str, Any]) -> dict[str, Any]:
    meta = dict(view.get("meta") or {})
    meta["tag"] = [*(meta.get("tag") or []), SUBSETTED]
    view["meta"] = meta
    return view


def summarize(resource: dict[str, Any], summary: str | None = None, elements: Iterable[str] = (),
              defs: Definitions | None = None) -> dict[str, Any]:
    """The view of ``resource`` that ``_summary`` / ``_elements`` ask for (see the module doc)."""
    defs = defs or definitions()
    rt = resource.get("resourceType", "")
    wanted = tuple(elements)
    if summary in (None, "false", "count") and not wanted:
        return resource
    if summary == "true":
        return _tagged(_summary(defs, resource, rt))
    if summary == "data":
        return _tagged({k: v for k, v in resource.items() if k != "text"})
    keep = set(_ALWAYS) | _keys(defs, rt, False)
    if summary == "text":
        keep.add("text")
    else:
        td = defs.type_def(rt)
        for name in wanted:
            el = td.children("").get(name.split(".")[0]) if td else None
            if el is not None and el.is_choice:
                keep.update(el.name + t[0].upper() + t[1:] for t in el.types)
            else:
                keep.update((name, "_" + name))
    return _tagged({k: v for k, v in resource.items() if k in keep})
