import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import weekly_evaluation as we
from tiercare.core.surveillance.registry import run
from tiercare.core.surveillance.series import CountSeries


def test_config_lists_r_methods_and_ours_with_valid_options():
    methods, alphas = we.config()
    labels = [m.label for m in methods]
    assert labels[:3] == ["farrington_1996", "flexible_r_default", "noufaily_2013"]
    assert "tiercare_weekly" in labels and 0.05 in alphas
    for m in methods:
        m.options().validate()
        assert m.r_function in ("farrington", "farringtonFlexible")
    ours = next(m for m in methods if m.label == "tiercare_weekly")
    assert ours.options().limit54 == (2, 2) and we.method_alpha(ours) == pytest.approx(0.046)


def test_a_scenarios_data_do_not_depend_on_its_companions():
    a, ca, ra = we.simulate_scenarios([7, 20], 3, 11, k_current=5, k_past=5)
    b, cb, rb = we.simulate_scenarios([20], 3, 11, k_current=5, k_past=5)
    assert ra.tolist() == [7, 7, 7, 20, 20, 20] and rb.tolist() == [20, 20, 20]
    np.testing.assert_array_equal(a[3:], b)
    np.testing.assert_array_equal(ca[3:], cb)
    with pytest.raises(InvalidInput):
        we.simulate_scenarios([43], 3, 11, k_current=5, k_past=5)


@pytest.mark.slow
def test_batched_alarms_equal_the_registered_detectors_at_every_alpha():
    methods, _ = we.config()
    counts, _cur, _rows = we.simulate_scenarios([14], 2, 5, k_current=5, k_past=5)
    series = CountSeries.weekly(counts, __import__("datetime").date(2000, 1, 3))
    scored = we.scored_slice(counts.shape[1])
    for m in methods:
        by_alpha = we.alarms(counts, m, [0.01, 0.05])
        for a, al in by_alpha.items():
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in m.params.items()}
            params["alpha"] = a
            ref = run(m.detector, series, range_=scored, **params).alarm[:, scored]
            np.testing.assert_array_equal(al, ref)


def test_evaluate_scores_every_method_at_its_alpha_and_the_grid():
    methods, _ = we.config()
    counts, cur, rows = we.simulate_scenarios([37, 38], 2, 2, k_current=8, k_past=0)
    out = we.evaluate(counts, cur, rows, methods, [0.01])
    labels = {m.label for m in methods}
    assert {(r.method, r.scenario) for r in out} == {(lab, s) for lab in labels for s in (37, 38)}
    ov = we.overall(out, "tiercare_weekly", 0.046)
    assert 0 <= ov["fpr"] <= 0.2 and ov["pod"] >= 0.5  # 8 SDs over ~150 cases a week
    # a lower alpha never raises more false alarms
    assert we.overall(out, "noufaily_2013", 0.01)["fpr"] <= we.overall(out, "noufaily_2013", 0.05)["fpr"]
    with pytest.raises(InvalidInput):
        we.overall(out, "nope", 0.05)


def test_a_detector_the_evaluation_cannot_batch_is_an_error():
    with pytest.raises(InvalidInput, match="cannot batch"):
        we.Method("x", "ears_c1", {}, "").options()
