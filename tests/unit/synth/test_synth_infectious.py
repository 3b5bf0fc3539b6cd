from tiercare.core.synth.facilities import build_region
from tiercare.core.synth.infectious import plan_outbreaks
from tiercare.core.synth.params import Params
from tiercare.core.synth.rng import Rng
from tiercare.core.synth.text import damage_text


def test_outbreak_plan_has_both_kinds_inside_their_area(params: Params) -> None:
    region = build_region(params, 200_000, seed=8)
    plan = [o for s in range(1, 4) for o in plan_outbreaks(region, params, seed=s, n_days=730)]
    assert {o.kind for o in plan} == {"point-source", "propagated"}
    ob = params["outbreaks"]
    for o in plan:
        assert o.first_day <= o.last_day < 730
        assert all(code.startswith(o.area) for code in o.cases)  # a village, or villages of a township
        if o.kind == "point-source":
            assert len(o.cases) == 1 and o.last_day - o.first_day < ob["point_source_days"]
        assert 1 <= o.extra_cases <= ob["size_max"]
        assert o.disease in ob["diseases"]
    assert plan_outbreaks(region, params, seed=8, n_days=730) == plan_outbreaks(region, params, seed=8, n_days=730)


def test_free_text_damage_like_the_seeds(params: Params) -> None:
    ft = dict(params["free_text"], damaged_share=1.0, pinyin_after_share=1.0, spam_share=1.0, traditional_share=1.0)
    rng = Rng(3)
    seen_pinyin = seen_spam = 0
    for _ in range(50):
        text, damaged = damage_text(rng, "血压控制不佳复诊取药", ft)
        assert damaged
        assert "血壓" in text or "血(xuè)壓" in text or "壓(yā)" in text  # traditional characters
        seen_pinyin += "(" in text
        seen_spam += "\n" in text
    assert seen_pinyin > 30 and seen_spam == 50
    clean = dict(ft, damaged_share=0.0)
    assert damage_text(rng, "头晕", clean) == ("头晕", False)
