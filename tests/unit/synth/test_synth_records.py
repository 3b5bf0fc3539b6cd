from datetime import date

from tiercare.core.synth.ids import is_valid_id_number, make_id_number
from tiercare.core.synth.params import Params
from tiercare.core.synth.population import Person
from tiercare.core.synth.records import RecordMaker
from tiercare.core.synth.rng import Rng

REF = date(2024, 1, 1)


def _maker(params: Params, **weights: float) -> RecordMaker:
    reg = dict(params["registration"])
    reg["kind_weights"] = {k: weights.get(k, 0.0) for k in reg["kind_weights"]}
    for tier in ("village", "township", "county", "city"):
        reg[f"error_rate_{tier}"] = 1.0
    reg["second_error_share"] = 0.0
    reg["missing_id_share_village"] = reg["missing_id_share_other"] = reg["missing_phone_share"] = 0.0
    nm = params["names"]
    return RecordMaker(reg, nm["male_chars"] + nm["female_chars"])


def _person(birth: date = date(1969, 3, 8), name: str = "张伟", male: bool = True, guardian: int = -1) -> Person:
    return Person("p1", "h1", "339021101201", name, name[0], male, birth, make_id_number("339021", birth, 13 if male else 14),
                  "13812345678", "resident", True, True, False, (REF - birth).days // 365, guardian=guardian)


def _make(maker: RecordMaker, p: Person, guardian: Person | None = None, seed: int = 1) -> tuple[dict, list[str]]:  # type: ignore[type-arg]
    return maker.make(Rng(seed), p, "village", "f-1", "123", "339021", "地址", guardian, REF)


def test_a_clean_record_copies_the_person(params: Params) -> None:
    maker = _maker(params)
    rec, errors = _make(maker, _person())
    assert errors == [] and rec["name"] == "张伟" and rec["birth"] == "1969-03-08" and is_valid_id_number(rec["id_number"])


def test_each_error_kind_damages_what_it_says(params: Params) -> None:
    p = _person()
    rec, e = _make(_maker(params, homophone=1), p)
    assert e == ["homophone"] and rec["name"] != "张伟" and len(rec["name"]) == 2
    rec, e = _make(_maker(params, traditional=1), p)
    assert e == ["traditional"] and rec["name"] == "張偉"
    rec, e = _make(_maker(params, pinyin_only=1), p)
    assert rec["name"] == "Zhang Wei"
    rec, e = _make(_maker(params, day_month_swap=1), p)
    assert rec["birth"] == "1969-08-03"
    rec, e = _make(_maker(params, jan1_placeholder=1), p)
    assert rec["birth"] == "1969-01-01"
    rec, e = _make(_maker(params, lunar_birthday=1), p)
    assert rec["birth"] == "1969-01-20"  # Spring Festival 1969 fell on 17 February: 8 March is 正月二十
    rec, e = _make(_maker(params, id_transcription=1), p)
    assert e == ["id_transcription"] and not is_valid_id_number(rec["id_number"]) and len(rec["id_number"]) == 18
    rec, e = _make(_maker(params, id_legacy_15=1), p)
    assert rec["id_number"] == p.id_number[:6] + p.id_number[8:17]
    rec, e = _make(_maker(params, phone_typo=1), p)
    assert rec["phone"] != p.phone and len(rec["phone"]) == 11


def test_children_get_the_guardians_id_and_newborn_placeholders(params: Params) -> None:
    mother = _person(date(1995, 5, 5), "李娜", male=False)
    baby = _person(date(2023, 10, 1), "王子轩", male=True, guardian=0)
    rec, e = _make(_maker(params, guardian_id=1), baby, mother)
    assert e == ["guardian_id"] and rec["id_number"] == mother.id_number
    rec, e = _make(_maker(params, newborn_placeholder=1), baby, mother)
    assert e == ["newborn_placeholder"] and rec["name"] == "李娜之子" and rec["id_number"] is None
    # Kinds that do not apply to adults are never drawn for them.
    rec, e = _make(_maker(params, guardian_id=1, newborn_placeholder=1), _person(), mother)
    assert e == []


def test_error_rates_differ_by_tier(params: Params) -> None:
    nm = params["names"]
    maker = RecordMaker(params["registration"], nm["male_chars"] + nm["female_chars"])
    rng = Rng(9)
    rates = {}
    for tier in ("village", "city"):
        n = 0
        for _ in range(3000):
            _, errors = maker.make(rng, _person(), tier, "f", "1", "339021", "a", None, REF)
            n += any(e not in ("missing_id", "missing_phone") for e in errors)
        rates[tier] = n / 3000
    assert rates["village"] > 2 * rates["city"]
    assert abs(rates["village"] - params["registration"]["error_rate_village"]) < 0.06
