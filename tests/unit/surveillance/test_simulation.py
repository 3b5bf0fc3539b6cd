import numpy as np
import pytest

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.farrington_flexible import NOUFAILY_2013, farrington_flexible
from tiercare.core.surveillance.simulation import baseline_mean, evaluate_scenario, scenarios, simulate


def test_42_scenarios_7_groups_trend_and_harmonics():
    sc = scenarios()
    assert len(sc) == 42 and [s.number for s in sc] == list(range(1, 43))
    assert [(s.trend, s.harmonics) for s in sc[:6]] == [
        (False, 0),
        (False, 1),
        (False, 2),
        (True, 0),
        (True, 1),
        (True, 2),
    ]
    assert sc[0].beta == 0 and sc[3].beta > 0 and sc[0].gamma1 == 0 and sc[1].gamma1 != 0
    assert len({(s.theta, s.phi) for s in sc}) == 7


def test_baseline_has_the_scenario_mean_and_variance():
    s = scenarios()[3 * 6 + 0]  # group 4: phi = 5, no trend, no season
    rng = np.random.default_rng(0)
    counts, current = simulate(s, 400, rng, k_current=0, k_past=0)
    mu = baseline_mean(s)[0]
    assert counts.mean() == pytest.approx(mu, rel=0.02)
    assert counts.var() == pytest.approx(s.phi * mu, rel=0.05)
    assert current.sum() == 0


def test_current_outbreak_lands_in_the_last_49_weeks_with_its_size():
    s = scenarios()[6 * 6 + 0]  # group 7: mean ~148
    rng = np.random.default_rng(1)
    _, current = simulate(s, 200, rng, k_current=3, k_past=0)
    weeks_with_cases = np.nonzero(current.any(axis=0))[0]
    assert weeks_with_cases.min() >= 575
    mu = baseline_mean(s)[0]
    assert current.sum(axis=1).mean() == pytest.approx(3 * np.sqrt(s.phi * mu), rel=0.1)
    with pytest.raises(InvalidInput):
        simulate(s, 0, rng, k_current=1, k_past=1)


@pytest.mark.slow
def test_improved_farrington_detects_large_outbreaks_with_few_false_alarms():
    s = scenarios()[5 * 6 + 0]  # group 6, no trend or season
    m = evaluate_scenario(
        s, farrington_flexible, NOUFAILY_2013, 40, np.random.default_rng(2), k_current=8, k_past=2
    )
    assert m.pod > 0.8 and m.fpr < 0.05
