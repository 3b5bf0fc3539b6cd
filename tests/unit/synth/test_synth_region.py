from collections import Counter

import pytest

from tiercare.core.synth.facilities import build_region
from tiercare.core.synth.model import distance_rows, division_rows
from tiercare.core.synth.params import Params


def test_division_codes_follow_gbt_2260_structure(params: Params) -> None:
    region = build_region(params, 60000, seed=3)
    codes = set()
    for c in region.counties:
        assert len(c.code) == 6 and c.code.startswith("3390")
        assert 1 <= int(c.code[4:]) <= 20 if c.district else 21 <= int(c.code[4:]) <= 80
        for t in c.townships:
            assert len(t.code) == 9 and t.code.startswith(c.code)
            assert (int(t.code[6:]) < 100) == t.urban  # streets 001-099, towns 100+
            for v in t.villages:
                assert len(v.code) == 12 and v.code.startswith(t.code)
                assert (int(v.code[9:]) < 200) == v.urban  # communities < 200 <= villages
                codes.add(v.code)
    assert len(codes) == len(region.villages)
    assert region.residents == 60000
    assert region.counties[0].district and not region.counties[1].district


def test_every_tier_has_its_facilities(params: Params) -> None:
    region = build_region(params, 60000, seed=3)
    kinds = Counter(f.kind for f in region.facilities.values())
    n_counties = len(region.counties)
    assert kinds["general"] == kinds["tcm"] == kinds["mch"] == n_counties
    assert kinds["cdc"] == n_counties + 1  # one per county and one for the city
    assert kinds["tertiary"] >= 1
    assert kinds["village_clinic"] + kinds["chs_station"] == len(region.villages)
    assert kinds["thc"] + kinds["chc"] == sum(len(c.townships) for c in region.counties)
    for f in region.facilities.values():
        if f.tier in ("village", "township"):
            # 医共体: members belong to their county's lead hospital.
            assert f.alliance == region.county_hospitals[f.county]["general"]


@pytest.mark.slow
def test_staff_densities_near_planning_figures(params: Params) -> None:
    n = 1_000_000
    region = build_region(params, n, seed=3)
    roles = Counter(s.role for s in region.staff)
    doctors = roles["doctor"] + roles["gp"]
    assert abs(doctors / n * 1000 - 2.5) < 0.15  # licensed doctors per 1,000
    assert abs(roles["nurse"] / n * 1000 - 3.14) < 0.15  # nurses per 1,000
    assert abs(roles["gp"] / n * 10000 - 3.0) < 0.3  # GPs per 10,000
    assert roles["village-doctor"] >= len([f for f in region.facilities.values() if f.tier == "village"])


def test_region_is_deterministic_and_names_are_fictional(params: Params) -> None:
    a = build_region(params, 30000, seed=5)
    b = build_region(params, 30000, seed=5)
    assert [v.name for v in a.villages] == [v.name for v in b.villages]
    assert [s.name for s in a.staff] == [s.name for s in b.staff]
    assert all(v.name.endswith(("村", "社区")) for v in a.villages)
    rows = list(division_rows(a))
    assert len(rows) == len(a.villages) + sum(len(c.townships) for c in a.counties) + len(a.counties)
    for r in distance_rows(a):
        assert 0 <= r[2] < 30 and 0 <= r[4] < 50  # km to the village clinic and the township centre
