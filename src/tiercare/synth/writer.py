"""Streaming writer of a synthetic region: one NDJSON file per resource type (optionally
gzip), ground truth as CSV, manifest.json.

Work is split by township. Each township is generated (in this process or a worker)
into part files under ``.parts/``, village chunk by village chunk, so memory holds one
village at a time; the parts are then appended to the final files in township order.
Gzip parts are separate gzip members (mtime 0), whose concatenation is a valid gzip
stream, so the output is byte-identical whatever the number of workers.
"""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import IO, Any

import orjson

from tiercare import __version__
from tiercare.core.errors import InvalidInput
from tiercare.core.synth.chunk import CASE_COLUMNS, PATIENT_COLUMNS, PERSON_COLUMNS, Context, township_chunks
from tiercare.core.synth.model import distance_rows, division_rows, make_context, region_resources, work_units
from tiercare.core.synth.params import Params, parse

TRUTH = "truth"
_CTX: dict[tuple[str, int, int, int], Context] = {}


def _open(path: Path, compress: bool) -> IO[bytes]:
    raw = path.open("ab")
    if compress:
        # filename="" and mtime=0 keep the gzip header free of names and times.
        return gzip.GzipFile(filename="", mode="ab", fileobj=raw, mtime=0, compresslevel=6)  # type: ignore[return-value]
    return raw


def _csv_bytes(rows: Iterable[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _context(params_text: str, residents: int, years: int, seed: int) -> Context:
    params = parse(params_text)
    key = (params.digest, residents, years, seed)
    if key not in _CTX:
        _CTX.clear()
        _CTX[key] = make_context(params, residents, years, seed)
    return _CTX[key]


def _run_unit(args: tuple[str, int, int, int, int, int, str, bool]) -> dict[str, int]:
    """Generate one township into part files; returns its counts. Runs in a worker."""
    params_text, residents, years, seed, ci, ti, part_dir, compress = args
    ctx = _context(params_text, residents, years, seed)
    county = ctx.region.counties[ci]
    township = county.townships[ti]
    part = Path(part_dir)
    part.mkdir(parents=True, exist_ok=True)
    stats: Counter[str] = Counter()
    handles: dict[str, IO[bytes]] = {}

    def out(name: str) -> IO[bytes]:
        if name not in handles:
            handles[name] = _open(part / name, compress and name.endswith(".ndjson"))
        return handles[name]

    try:
        for chunk in township_chunks(ctx, county, township):
            for rtype, lines in chunk.lines.items():
                out(f"{rtype}.ndjson").write(b"\n".join(lines) + b"\n")
            out("persons.csv").write(_csv_bytes(chunk.persons))
            out("patients.csv").write(_csv_bytes(chunk.patients))
            if chunk.cases:
                out("notifiable_cases.csv").write(_csv_bytes(chunk.cases))
            stats.update(chunk.stats)
    finally:
        for h in handles.values():
            h.close()
    return dict(stats)


def generate(out_dir: Path, residents: int, years: int, seed: int, *, params_text: str, compress: bool = False,
             jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Write the region to ``out_dir`` and return the manifest."""
    if residents < 100:
        raise InvalidInput("synth: --residents must be at least 100")
    if years < 1 or years > 20:
        raise InvalidInput("synth: --years must be between 1 and 20")
    params: Params = parse(params_text)
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("*.ndjson*")) or (out_dir / "manifest.json").exists():
        raise InvalidInput(f"synth: {out_dir} already holds a generated region; choose an empty directory")
    ctx = _context(params_text, residents, years, seed)
    region = ctx.region
    ext = ".ndjson.gz" if compress else ".ndjson"
    truth = out_dir / TRUTH
    truth.mkdir(exist_ok=True)
    counts: Counter[str] = Counter()
    # Region resources first (facilities, staff), so that references resolve in load order.
    by_type: dict[str, list[bytes]] = {}
    for r in region_resources(ctx):
        by_type.setdefault(r["resourceType"], []).append(orjson.dumps(r))
    for rtype, lines in by_type.items():
        with _open(out_dir / f"{rtype}{ext}", compress) as fh:
            fh.write(b"\n".join(lines) + b"\n")
        counts[rtype] += len(lines)
    (truth / "divisions.csv").write_bytes(_csv_bytes([["code", "level", "name", "parent", "lat", "lon", "residents"], *division_rows(region)]))
    (truth / "distances.csv").write_bytes(_csv_bytes([["village", "village_clinic", "km_clinic", "township_centre", "km_centre",
                                                        "county_hospital", "km_county", "city_hospital", "km_city"], *distance_rows(region)]))
    (truth / "outbreaks.csv").write_bytes(_csv_bytes([["outbreak_id", "disease", "kind", "county", "area", "first_day", "last_day", "extra_cases"],
                                                       *([o.id, o.disease, o.kind, o.county, o.area,
                                                          ctx.calendar.dates[o.first_day].isoformat(), ctx.calendar.dates[o.last_day].isoformat(),
                                                          o.extra_cases] for o in ctx.outbreaks)]))
    headers = {"persons.csv": PERSON_COLUMNS, "patients.csv": PATIENT_COLUMNS, "notifiable_cases.csv": CASE_COLUMNS}
    for name, cols in headers.items():
        (truth / name).write_bytes(_csv_bytes([cols]))
    units = work_units(region)
    parts = out_dir / ".parts"
    args = [(params_text, residents, years, seed, ci, ti, str(parts / f"{k:05d}"), compress) for k, (ci, ti) in enumerate(units)]
    stats: Counter[str] = Counter()
    finals: dict[str, IO[bytes]] = {}

    def absorb(k: int, unit_stats: dict[str, int]) -> None:
        stats.update(unit_stats)
        part = Path(args[k][6])
        for f in sorted(part.iterdir()):
            dest = (truth / f.name) if f.name.endswith(".csv") else (out_dir / (f.name[: -len(".ndjson")] + ext))
            key = str(dest)
            if key not in finals:
                finals[key] = dest.open("ab")
            with f.open("rb") as src:
                shutil.copyfileobj(src, finals[key], 1 << 20)
        shutil.rmtree(part)
        if progress:
            progress(k + 1, len(units))

    try:
        if jobs <= 1:
            for k, a in enumerate(args):
                absorb(k, _run_unit(a))
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for k, unit_stats in enumerate(pool.map(_run_unit, args)):
                    absorb(k, unit_stats)
    finally:
        for h in finals.values():
            h.close()
        if parts.exists():
            shutil.rmtree(parts)
    stats["outbreaks"] = len(ctx.outbreaks)
    for key, value in stats.items():
        if key.startswith("resources."):
            counts[key[len("resources."):]] += value
    manifest = {
        "generator": "tiercare synth",
        "version": __version__,
        "fhirVersion": "4.0.1",
        "synthetic": True,
        "seed": seed,
        "residents": residents,
        "years": years,
        "start": ctx.start.isoformat(),
        "days": ctx.n_days,
        "gzip": compress,
        "params_digest": params.digest,
        "counts": dict(sorted(counts.items())),
        "stats": dict(sorted(stats.items())),
        "files": {"resources": sorted(f"{t}{ext}" for t in counts),
                  "truth": sorted(p.name for p in truth.iterdir())},
        "params": params.raw,
    }
    (out_dir / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    (out_dir / "params.toml").write_text(params_text, encoding="utf-8")
    return manifest


def read_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "manifest.json"
    if not path.exists():
        raise InvalidInput(f"synth: no manifest.json in {out_dir}")
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data
