"""Registration records (建档/挂号信息) as they arrive in life: the same person registered
at several facilities, each record with its own errors, at rates that differ by tier
(village clinics worst). The error kinds are those of DOMAIN.md and issue 3; every
record's true person and the kinds applied go to the ground truth.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from lunardate import LunarDate

from tiercare.core.synth.ids import check_char, to_legacy_15
from tiercare.core.synth.names import MIDDLE_DOT
from tiercare.core.synth.population import Person
from tiercare.core.synth.rng import Rng

_TIER_RATE = {"village": "error_rate_village", "township": "error_rate_township", "county": "error_rate_county", "city": "error_rate_city"}


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _pinyin(name: str, family: str) -> str:
    from pypinyin import lazy_pinyin

    fam = "".join(lazy_pinyin(family)).capitalize() if family else ""
    given = "".join(lazy_pinyin(name[len(family):])).capitalize()
    return f"{fam} {given}".strip()


def _swap_char(rng: Rng, name: str, table: dict[str, list[str]]) -> str | None:
    spots = [i for i, ch in enumerate(name) if ch in table]
    if not spots:
        return None
    i = spots[int(rng.integers(len(spots)))]
    alts = table[name[i]]
    return name[:i] + alts[int(rng.integers(len(alts)))] + name[i + 1:]


def _id_typo(rng: Rng, idn: str) -> str:
    """One digit misread or two neighbours transposed, keeping the old check character
    (a clerk types what is written, the check no longer holds)."""
    chars = list(idn)
    last = min(len(idn), 17) - 1  # digits only: never the check character
    i = int(rng.integers(6, last + 1))
    if rng.random() < 0.5 and i < last and chars[i] != chars[i + 1]:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        chars[i] = str((int(chars[i]) + 1 + int(rng.integers(9))) % 10)
    out = "".join(chars)
    if len(out) == 18 and check_char(out[:17]) == out[17]:  # by chance still valid: flip the check character
        out = out[:17] + ("0" if out[17] != "0" else "1")
    return out


class RecordMaker:
    """Makes one facility's registration record of a person, with tier-dependent errors."""

    def __init__(self, reg: dict[str, Any], names_chars: list[str]) -> None:
        self.reg = reg
        self.kinds = list(reg["kind_weights"])
        self.weights = [float(reg["kind_weights"][k]) for k in self.kinds]
        self.homophones: dict[str, list[str]] = reg["homophones"]
        self.shapes: dict[str, list[str]] = reg["shape_alikes"]
        self.chars = names_chars

    def applicable(self, p: Person, ref_date: date) -> list[bool]:
        age = (ref_date - p.birth).days // 365
        ok = []
        for k in self.kinds:
            if k == "guardian_id":
                ok.append(age < 16 and p.guardian >= 0)
            elif k == "newborn_placeholder":
                ok.append(age < 1 and p.guardian >= 0)
            elif k == "id_legacy_15":
                ok.append(p.birth.year < 1984)  # adults who kept a first-generation card number on file
            elif k in ("pinyin_only", "homophone", "shape_alike"):
                ok.append(not p.minority)
            elif k == "day_month_swap":
                ok.append(p.birth.day <= 12 and p.birth.day != p.birth.month)
            else:
                ok.append(True)
        return ok

    def make(self, rng: Rng, p: Person, tier: str, facility: str, mrn: str, county: str,
             address: str, guardian: Person | None, ref_date: date) -> tuple[dict[str, Any], list[str]]:
        rec: dict[str, Any] = {
            "facility": facility, "mrn": mrn, "name": p.name, "family": p.surname,
            "gender": "male" if p.male else "female", "birth": p.birth.isoformat(),
            "id_number": p.id_number, "phone": p.phone, "address": address, "county": county,
        }
        errors: list[str] = []
        rate = self.reg[_TIER_RATE.get(tier, "error_rate_county")]
        missing_id = self.reg["missing_id_share_village"] if tier == "village" else self.reg["missing_id_share_other"]
        if rng.random() < missing_id:
            rec["id_number"] = None
            errors.append("missing_id")
        if rng.random() < self.reg["missing_phone_share"]:
            rec["phone"] = None
            errors.append("missing_phone")
        if rng.random() >= rate:
            return rec, errors
        n_err = 2 if rng.random() < self.reg["second_error_share"] else 1
        w = [wt if ok else 0.0 for wt, ok in zip(self.weights, self.applicable(p, ref_date), strict=True)]
        for _ in range(n_err):
            total = sum(w)
            if total <= 0:
                break
            # One weighted draw in plain Python (numpy's per-call overhead dominates here).
            x = rng.random() * total
            j = 0
            while j < len(w) - 1 and (x >= w[j] or w[j] == 0.0):
                x -= w[j]
                j += 1
            k = self.kinds[j]
            w[j] = 0.0
            if self._apply(rng, k, rec, p, guardian):
                errors.append(k)
        return rec, errors

    def _apply(self, rng: Rng, kind: str, rec: dict[str, Any], p: Person, guardian: Person | None) -> bool:
        name = rec["name"]
        fam = rec["family"] or ""
        if kind == "typo":
            i = int(rng.integers(len(fam), len(name))) if len(name) > len(fam) else 0
            if name[i] == MIDDLE_DOT:
                return False
            rec["name"] = name[:i] + self.chars[int(rng.integers(len(self.chars)))] + name[i + 1:]
            return bool(rec["name"] != name)
        if kind in ("homophone", "shape_alike"):
            new = _swap_char(rng, name, self.homophones if kind == "homophone" else self.shapes)
            if new is None:
                return False
            rec["name"] = new
            rec["family"] = new[: len(fam)]
            return True
        if kind == "traditional":
            new = _s2t().convert(name)
            if new == name:
                return False
            rec["name"] = new
            rec["family"] = new[: len(fam)]
            return True
        if kind == "pinyin_only":
            rec["name"] = _pinyin(name, fam)
            rec["family"] = None
            return True
        b = p.birth
        if kind == "day_month_swap":
            rec["birth"] = date(b.year, b.day, b.month).isoformat()
            return True
        if kind == "jan1_placeholder":
            if (b.month, b.day) == (1, 1):
                return False
            rec["birth"] = date(b.year, 1, 1).isoformat()
            return True
        if kind == "lunar_birthday":
            lunar = LunarDate.from_solar_date(b.year, b.month, b.day)
            day = min(lunar.day, 28 if lunar.month == 2 else 30)
            rec["birth"] = date(lunar.year, lunar.month, day).isoformat()
            return bool(rec["birth"] != b.isoformat())
        if kind == "id_transcription":
            if not rec["id_number"]:
                return False
            rec["id_number"] = _id_typo(rng, rec["id_number"])
            return True
        if kind == "id_legacy_15":
            if not rec["id_number"]:
                return False
            rec["id_number"] = to_legacy_15(p.id_number)
            return True
        if kind == "guardian_id":
            if guardian is None:
                return False
            rec["id_number"] = guardian.id_number
            return True
        if kind == "newborn_placeholder":
            if guardian is None:
                return False
            rec["name"] = guardian.name + ("之子" if p.male else "之女")
            rec["family"] = guardian.surname
            rec["id_number"] = None
            return True
        if kind == "missing_fields":
            drop = ["birth", "gender", "address", "phone"][int(rng.integers(4))]
            rec[drop] = None
            return True
        if kind == "phone_typo":
            if not rec["phone"]:
                return False
            i = int(rng.integers(3, 11))
            rec["phone"] = rec["phone"][:i] + str((int(rec["phone"][i]) + 1) % 10) + rec["phone"][i + 1:]
            return True
        raise ValueError(kind)
