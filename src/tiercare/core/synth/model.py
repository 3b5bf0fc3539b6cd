"""Entry points of the model: the region-level context and the static resources.

``make_context`` builds everything shared by the chunks (region, calendar, outbreak
plan); ``region_resources`` yields the Organization, Location, Practitioner and
PractitionerRole resources; ``work_units`` lists the townships, the unit a worker runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from tiercare.core.synth import fhir
from tiercare.core.synth.calendar import Calendar
from tiercare.core.synth.chunk import Context
from tiercare.core.synth.facilities import build_region
from tiercare.core.synth.infectious import plan_outbreaks
from tiercare.core.synth.params import Params
from tiercare.core.synth.region import Region, distance_km


def make_context(params: Params, residents: int, years: int, seed: int) -> Context:
    start = date.fromisoformat(params["period"]["start"])
    end = date(start.year + years, start.month, start.day)
    n_days = (end - start).days
    region = build_region(params, residents, seed)
    calendar = Calendar(start, n_days, params)
    return Context(params, region, calendar, start, n_days, seed, plan_outbreaks(region, params, seed, n_days))


def work_units(region: Region) -> list[tuple[int, int]]:
    return [(ci, ti) for ci, c in enumerate(region.counties) for ti in range(len(c.townships))]


def _division_names(region: Region) -> dict[str, str]:
    out = {}
    for c in region.counties:
        out[c.code] = region.city_name + c.name
        for t in c.townships:
            out[t.code] = out[c.code] + t.name
            for v in t.villages:
                out[v.code] = out[t.code] + v.name
    return out


def region_resources(ctx: Context) -> Iterator[dict[str, Any]]:
    region = ctx.region
    names = _division_names(region)
    yield fhir.insurer(region.city_code, region.city_name)
    for f in sorted(region.facilities.values(), key=lambda f: f.id):
        yield fhir.organization(f, names.get(f.village or f.township or f.county, region.city_name))
        yield fhir.location(f, f.beds, f.departments)
    for s in region.staff:
        yield fhir.practitioner(s)
        yield fhir.practitioner_role(s)


def division_rows(region: Region) -> Iterator[list[Any]]:
    """行政区划: code, level, name, parent, lat, lon, residents."""
    for c in region.counties:
        pop = sum(v.residents for t in c.townships for v in t.villages)
        yield [c.code, "district" if c.district else "county", c.name, region.city_code, c.lat, c.lon, pop]
        for t in c.townships:
            yield [t.code, "street" if t.urban else "township", t.name, c.code, t.lat, t.lon, sum(v.residents for v in t.villages)]
            for v in t.villages:
                yield [v.code, "community" if v.urban else "village", v.name, t.code, v.lat, v.lon, v.residents]


def distance_rows(region: Region) -> Iterator[list[Any]]:
    """Distance (km, great circle) from each village to the facilities its residents use."""
    for c in region.counties:
        hosp = region.facilities[region.county_hospitals[c.code]["general"]]
        city = region.facilities[region.city_hospitals[0]]
        for t in c.townships:
            centre = region.facilities[region.township_centre[t.code]]
            for v in t.villages:
                clinic = region.facilities[region.village_clinic[v.code]]
                yield [v.code, clinic.id, round(distance_km(v.lat, v.lon, clinic.lat, clinic.lon), 2),
                       centre.id, round(distance_km(v.lat, v.lon, centre.lat, centre.lon), 2),
                       hosp.id, round(distance_km(v.lat, v.lon, hosp.lat, hosp.lon), 2),
                       city.id, round(distance_km(v.lat, v.lon, city.lat, city.lon), 2)]
