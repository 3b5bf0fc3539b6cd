"""Realised rates of a generated region next to their targets (合成结果核对).

The generator counts what it emits (stats in manifest.json); this module turns those
counts into the indicators of DOMAIN.md, each beside the parameter it should meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    realised: float | None
    target: float | None
    unit: str = "%"  # "%" for shares, "n" for counts


def _share(num: float, den: float) -> float | None:
    return num / den if den else None


def rows(stats: dict[str, int], params: dict[str, Any]) -> list[Row]:
    s = stats

    def g(k: str) -> float:
        return float(s.get(k, 0))

    out: list[Row] = []
    care = params["care"]
    for kind, ret_t, prim_t in (("outpatient", care["county_retention_target"], care["primary_share_target"]),
                                ("inpatient", care["inpatient_county_retention_target"], care["inpatient_primary_share_target"])):
        pre = f"visits.{kind}."
        total = g(pre + "primary") + g(pre + "county") + g(pre + "city") + g(pre + "province")
        out.append(Row("care", f"{kind} county retention 县域就诊率", _share(g(pre + "primary") + g(pre + "county"), total), ret_t))
        out.append(Row("care", f"{kind} primary-level share 基层诊疗量占比", _share(g(pre + "primary"), total - g(pre + "province")), prim_t))
        out.append(Row("care", f"{kind} visits per resident", _share(total, g("residents")),
                       care["outpatient_visits_per_person"] if kind == "outpatient" else care["admission_rate"], "n"))
    adults = g("adults")
    mgmt = params["management"]
    for cond, c in params["chronic"].items():
        if not isinstance(c, dict):
            continue
        out.append(Row("chronic", f"{cond} adult prevalence", _share(g(f"chronic.{cond}.true"), adults), c["reference_adult_prevalence"]))
    for cond, share in (("hypertension", mgmt["hypertension_managed_share"]), ("diabetes", mgmt["diabetes_managed_share"])):
        m = g(f"chronic.{cond}.managed")
        out.append(Row("chronic", f"{cond} management rate 健康管理率 (managed / true patients)", _share(m, g(f"chronic.{cond}.true")), share))
        out.append(Row("chronic", f"{cond} standardised management 规范管理率", _share(g(f"chronic.{cond}.standard"), m), mgmt["standard_share"]))
        ctrl = mgmt[f"{cond}_control_rate_reference"]
        out.append(Row("chronic", f"{cond} control rate 控制率 (last follow-up)", _share(g(f"chronic.{cond}.controlled_last"), m), ctrl))
    con = params["contracts"]
    out.append(Row("contracts", "contract coverage 签约率 (all residents)", _share(g("contracts"), g("residents")), None))
    for grp in ("elderly_65", "child_0_6", "pregnant", "hypertension", "diabetes"):
        out.append(Row("contracts", f"key group {grp}", _share(g(f"group.{grp}.contracted"), g(f"group.{grp}")), con[grp]))
    ref = params["referral"]
    for k in ("up.requested", "up.accepted", "up.rejected", "up.cancelled", "up.no_show", "down.requested", "from_followup"):
        out.append(Row("referral", f"referrals {k}", g(f"referral.{k}"), None, "n"))
    out.append(Row("referral", "up-referral acceptance", _share(g("referral.up.accepted"), g("referral.up.requested")), ref["acceptance"]))
    out.append(Row("referral", "mean acceptance time (hours)", _share(g("referral.up.accept_minutes") / 60.0, g("referral.up.completed")), None, "n"))
    out.append(Row("referral", "2-week follow-up after down-referral", _share(g("referral.followup_14d"), g("referral.down.completed")), ref["followup_14d"]))
    inf = params["infectious"]
    out.append(Row("infectious", "notifiable cases", g("notifiable.cases"), None, "n"))
    out.append(Row("infectious", "of which injected outbreak cases", g("notifiable.outbreak_cases"), None, "n"))
    out.append(Row("infectious", "reported late", _share(g("notifiable.late"), g("notifiable.cases")), inf["late_report_share"]))
    out.append(Row("infectious", "outbreaks injected", g("outbreaks"), None, "n"))
    reg = params["registration"]
    out.append(Row("records", "Patient records per person", _share(g("patients"), g("persons")), None, "n"))
    for tier in ("village", "township", "county", "city"):
        out.append(Row("records", f"{tier} records with errors", _share(g(f"patients.{tier}.with_errors"), g(f"patients.{tier}")),
                       reg[f"error_rate_{tier}"]))
    out.append(Row("key groups", "65+ annual health checks per 65+ resident", _share(g("elderly_checks"), g("group.elderly_65")),
                   params["key_groups"]["elderly_check_share"]))
    out.append(Row("key groups", "pregnancies with >= 5 antenatal visits (all pregnancies)", _share(g("pregnancies.antenatal_5"), g("group.pregnant")),
                   params["key_groups"]["antenatal_five_share"]))
    out.append(Row("key groups", "antenatal visits", g("antenatal_visits"), None, "n"))
    out.append(Row("key groups", "immunizations", g("immunizations"), None, "n"))
    return out
