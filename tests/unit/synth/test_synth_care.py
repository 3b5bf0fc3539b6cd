from typing import Any

from tiercare.core.synth.care import (
    CITY,
    COUNTY,
    PRIMARY,
    PROVINCE,
    Visit,
    allocate,
    allocation_quotas,
    bp_reading,
    fpg_reading,
    is_controlled_bp,
)
from tiercare.core.synth.chronic import plan_followups
from tiercare.core.synth.params import Params
from tiercare.core.synth.rng import Rng


def test_quotas_meet_retention_and_primary_share() -> None:
    q = allocation_quotas(10_000, district=False, retention=0.88, primary_share=0.58, city_share=0.45)
    assert sum(q.values()) == 10_000
    assert q[CITY] + q[PROVINCE] == 1200  # 12% leave the county
    assert abs(q[PRIMARY] / (10_000 - q[PROVINCE]) - 0.58) < 0.0005
    d = allocation_quotas(10_000, district=True, retention=0.88, primary_share=0.58, city_share=0.45)
    assert d[CITY] == 0 and d[PROVINCE] == 1200  # the city hospitals are inside the district


def test_allocation_respects_fixed_tiers_and_sends_the_most_severe_up() -> None:
    visits = [Visit(i, 0, False, ("X", "x"), i / 100, "outpatient") for i in range(100)]
    fixed = [Visit(100 + i, 0, False, ("I10", "随访"), 0.0, "followup", PRIMARY) for i in range(10)]
    q = allocation_quotas(110, False, 0.88, 0.58, 0.45)
    allocate(visits + fixed, q)
    tiers = [v.tier for v in visits + fixed]
    assert {t: tiers.count(t) for t in (PRIMARY, COUNTY, CITY, PROVINCE)} == q
    assert all(v.tier == PRIMARY for v in fixed)
    assert visits[-1].tier == PROVINCE and visits[0].tier == PRIMARY


def test_readings_follow_the_thresholds(params: Params) -> None:
    mgmt = params["management"]
    rng = Rng(4)
    for _ in range(500):
        sbp, dbp = bp_reading(rng, True, False, 50, mgmt)
        assert is_controlled_bp(sbp, dbp, 50, mgmt)
        sbp, dbp = bp_reading(rng, False, False, 50, mgmt)
        assert not is_controlled_bp(sbp, dbp, 50, mgmt) and sbp < 180 and dbp < 110
        sbp, dbp = bp_reading(rng, False, True, 70, mgmt)
        assert sbp >= 180  # urgent
        assert 150 <= bp_reading(rng, False, False, 70, mgmt)[0] or bp_reading(rng, False, False, 70, mgmt)[1] >= 0
        assert fpg_reading(rng, True, False, mgmt) < 7.0
        g = fpg_reading(rng, False, True, mgmt)
        assert g >= 16.7 or g <= 3.9


class _FakeBuilder:
    """The parts of a village builder plan_followups reads."""

    def __init__(self, params: Params, seed: int) -> None:
        from collections import Counter

        from tiercare.core.synth.population import Person

        self.rng = Rng(seed)
        self.p = params
        self.ctx = type("C", (), {"n_days": 365})()
        self.persons = [Person("p1", "h1", "v", "张伟", "张", True, __import__("datetime").date(1960, 1, 1), "x", "1", "resident", True, True, False, 64)]
        self.out = type("O", (), {"stats": Counter()})()
        self.primary_township = "f-thc"


def test_followups_spec_rules(params: Params) -> None:
    n_standard = n_patients = 0
    referrals = rechecks_ok = 0
    for seed in range(300):
        b: Any = _FakeBuilder(params, seed)
        visits = plan_followups(b, 0, ["hypertension"])
        fu = sorted((v for v in visits if v.kind == "followup"), key=lambda v: v.day)
        n_patients += 1
        n_standard += len(fu) >= 4
        for a, nxt in zip(fu, fu[1:], strict=False):
            if a.payload["class"][0] == "unsatisfied" and nxt.day - a.day <= 14:
                rechecks_ok += 1
        for v in visits:
            if v.kind == "referral":
                referrals += 1
                assert v.tier == COUNTY
                back = v.payload["followup"]
                if back is not None:
                    assert back.tier == PRIMARY and back.day > v.day
                    assert (back.day - v.day <= 14) == back.payload["within_14d"] or back.day - v.day <= 17
            if v.kind == "followup":
                sbp, dbp = v.payload["bp"]
                assert (v.payload["class"][0] == "satisfied") == is_controlled_bp(sbp, dbp, 64, params["management"])
    # Most but not all patients get >= 4 follow-ups; unsatisfied results get 2-week rechecks.
    assert 0.6 < n_standard / n_patients < 0.95
    assert rechecks_ok > 50
    assert referrals > 0
