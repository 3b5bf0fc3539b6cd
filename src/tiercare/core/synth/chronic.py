"""Hypertension and type 2 diabetes follow-ups (慢病随访) per the basic public-health spec
(DOMAIN.md; thresholds in [management]): >= 4 face-to-face follow-ups a year for most but
not all managed patients, a recheck within 2 weeks after a first unsatisfied result, an
up-referral after two unsatisfied in a row or at urgent values (SBP >= 180 or DBP >= 110;
glucose >= 16.7 or <= 3.9 mmol/L), and a primary-care follow-up within 2 weeks after it.
"""

from __future__ import annotations

from typing import Any

from tiercare.core.synth.care import (
    COUNTY,
    PRIMARY,
    Visit,
    bp_reading,
    followup_count,
    fpg_reading,
    is_controlled_bp,
)

SATISFIED, UNSATISFIED = ("satisfied", "控制满意"), ("unsatisfied", "控制不满意")


def plan_followups(b: Any, i: int, conds: list[str]) -> list[Visit]:
    """The follow-up visits of person ``i`` for the managed conditions ``conds``."""
    if not conds:
        return []
    rng = b.rng
    mgmt = b.p.section("management")
    n_days = b.ctx.n_days
    person = b.persons[i]
    years = n_days / 365.0
    n = followup_count(rng, mgmt, years)
    # A person's own chance of being controlled (some are well controlled, some never).
    share = mgmt["bp_controlled_share"] if "hypertension" in conds else mgmt["fpg_controlled_share"]
    p_ctrl = float(rng.beta(share * 3.0, (1.0 - share) * 3.0))
    p_fpg = float(rng.beta(mgmt["fpg_controlled_share"] * 3.0, (1.0 - mgmt["fpg_controlled_share"]) * 3.0))
    reason = ("I10", "高血压随访") if "hypertension" in conds else ("E11", "糖尿病随访")
    step = n_days / n
    days = sorted(min(n_days - 1, int(k * step + rng.integers(0, max(1, int(step * 0.6))))) for k in range(n))
    visits: list[Visit] = []
    last_unsat = False
    count = 0
    last: dict[str, bool] = {}
    pending = list(days)
    while pending:
        day = pending.pop(0)
        count += 1
        payload: dict[str, Any] = {"conditions": conds}
        urgent = False
        unsat = False
        if "hypertension" in conds:
            urgent_bp = rng.random() < mgmt["urgent_bp_share"]
            ctrl = (not urgent_bp) and rng.random() < p_ctrl
            sbp, dbp = bp_reading(rng, ctrl, urgent_bp, person.age, mgmt)
            payload["bp"] = (sbp, dbp)
            ok = is_controlled_bp(sbp, dbp, person.age, mgmt)
            last["hypertension"] = ok
            urgent |= urgent_bp
            unsat |= not ok
        if "diabetes" in conds:
            urgent_g = rng.random() < mgmt["urgent_fpg_share"]
            ctrl = (not urgent_g) and rng.random() < p_fpg
            fpg = fpg_reading(rng, ctrl, urgent_g, mgmt)
            payload["fpg"] = fpg
            ok = mgmt["fpg_urgent_low"] < fpg < mgmt["fpg_target"]
            last["diabetes"] = ok
            urgent |= urgent_g
            unsat |= not ok
        payload["class"] = UNSATISFIED if unsat else SATISFIED
        visits.append(Visit(i, day, False, reason, 0.0, "followup", PRIMARY, payload))
        rule = urgent or (unsat and last_unsat)
        comply = mgmt["urgent_referral_compliance"] if urgent else mgmt["referral_compliance"]
        if rule and day + 1 < n_days and rng.random() < comply:
            rday = min(n_days - 1, day + int(rng.integers(0, 4)))
            # Primary care's follow-up after the referral is planned now, with a fixed tier,
            # so that the allocation counts it (within 14 days for the configured share).
            within = rng.random() < b.p["referral"]["followup_14d"]
            fday = rday + (int(rng.integers(3, 14)) if within else int(rng.integers(15, 40)))
            back = Visit(i, fday, False, reason, 0.0, "referral-followup", PRIMARY, {"within_14d": within})
            visits.append(Visit(i, rday, False, reason, 0.8, "referral", COUNTY,
                                {"urgent": urgent, "from": b.primary_township, "followup": back if fday < n_days else None}))
            if fday < n_days:
                visits.append(back)
            b.out.stats["referral.from_followup"] += 1
            last_unsat = False
        elif unsat and not last_unsat:
            recheck = day + int(rng.integers(7, mgmt["recheck_days"] + 1))
            if recheck < n_days:
                pending.insert(0, recheck)
                pending.sort()
            last_unsat = True
        else:
            last_unsat = unsat
    s = b.out.stats
    for cond in conds:
        s[f"chronic.{cond}.followups"] += count
        s[f"chronic.{cond}.standard"] += count >= 4 * round(years) if years >= 1 else count >= 4
        s[f"chronic.{cond}.controlled_last"] += bool(last.get(cond))
    return visits
