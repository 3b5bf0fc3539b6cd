import datetime as dt

import numpy as np
import pytest
from scipy.stats import norm

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import CountSeries
from tiercare.core.surveillance.ears import ears_c1, ears_c2, ears_c3
from tiercare.core.surveillance.farrington import farrington
from tiercare.core.surveillance.farrington_flexible import NOUFAILY_2013, farrington_flexible
from tiercare.core.surveillance.fixed_threshold import fixed_threshold
from tiercare.core.surveillance.glm import fit_quasipoisson
from tiercare.core.surveillance.moving_percentile import moving_percentile

START = dt.date(2024, 1, 1)
Z999 = norm.ppf(0.999)


def daily(*rows):
    return CountSeries.daily(np.array(rows, dtype=float), START)


def test_c1_is_mean_plus_z_sd_of_the_last_seven_days():
    s = daily([2, 4, 4, 4, 5, 5, 7, 9, 30])
    r = ears_c1(s)
    base = np.array([4, 4, 4, 5, 5, 7, 9.0])
    assert r.expected[0, 8] == pytest.approx(base.mean())
    assert r.upperbound[0, 8] == pytest.approx(base.mean() + Z999 * base.std(ddof=1))
    assert r.alarm[0, 8] == 1.0
    assert np.isnan(r.alarm[0, :7]).all() and r.alarm[0, 7] == 0.0


def test_c2_skips_two_guard_days():
    s = daily([1, 2, 3, 4, 5, 6, 7, 100, 100, 8])
    r = ears_c2(s)
    assert np.isnan(r.alarm[0, :9]).all()
    assert r.expected[0, 9] == pytest.approx(4.0)  # days 0..6, not the two 100s


def test_min_sigma_stops_single_cases_alarming_on_zero_baselines():
    s = daily([0] * 7 + [1])
    assert ears_c1(s).alarm[0, 7] == 1.0  # R's default: sd 0, one case alarms
    floored = ears_c1(s, min_sigma=0.5)
    assert floored.upperbound[0, 7] == pytest.approx(Z999 * 0.5)
    assert floored.alarm[0, 7] == 0.0


def test_c3_cdc_mode_alarms_on_the_spike_day_and_r_mode_a_day_late():
    rng = np.random.default_rng(3)
    y = rng.poisson(10, 40).astype(float)
    y[30] = 40
    s = daily(y)
    cdc = ears_c3(s, mode="cdc")
    r = ears_c3(s, mode="r")
    assert cdc.alarm[0, 30] == 1.0
    assert r.alarm[0, 30] == 0.0 and r.alarm[0, 31] == 1.0
    assert np.isnan(r.alarm[0, :11]).all()
    with pytest.raises(InvalidInput):
        ears_c3(s, mode="sas")  # type: ignore[arg-type]


def test_ears_rejects_bad_parameters():
    s = daily([1] * 20)
    for kw in ({"baseline": 1}, {"alpha": 0}, {"min_sigma": -1}):
        with pytest.raises(InvalidInput):
            ears_c1(s, **kw)


def test_fixed_threshold_signals_every_case():
    r = fixed_threshold(daily([0, 1, 0, 3, np.nan]))
    assert r.alarm[0, :4].tolist() == [0, 1, 0, 1] and np.isnan(r.alarm[0, 4])
    assert fixed_threshold(daily([0, 1, 2]), cases=2).alarm[0].tolist() == [0, 0, 1]
    with pytest.raises(InvalidInput):
        fixed_threshold(daily([1]), cases=0)


def test_moving_percentile_compares_the_7_day_sum_with_p80_of_15_blocks():
    n = 3 * 364 + 30
    y = np.ones(n)
    y[-7:] = 3  # current 7 days: 21 cases; every baseline block: 7
    r = moving_percentile(daily(y))
    t = n - 1
    assert r.alarm[0, t] == 1.0
    # upper bound on the day's scale: P80 (7) minus the other 6 days (18)
    assert r.upperbound[0, t] == pytest.approx(7 - 18)
    first_decided = 3 * 364 + 2 * 7 + 6
    assert np.isnan(r.alarm[0, :first_decided]).all() and not np.isnan(r.alarm[0, first_decided])
    assert r.alarm[0, first_decided] == 0.0
    weekly = moving_percentile(CountSeries.weekly(np.ones((1, 200)), START))
    assert weekly.params["block"] == 1 and not np.isnan(weekly.alarm[0, -1])
    with pytest.raises(InvalidInput):
        moving_percentile(daily(y), percentile=101)


def test_glm_intercept_only_fit_is_the_mean_and_pearson_dispersion():
    y = np.array([[1.0, 3, 5, 7, 9], [0, 0, 0, 0, 2]])
    fit = fit_quasipoisson(np.ones((5, 1)), y)
    assert fit.converged.all()
    assert np.exp(fit.beta[:, 0]) == pytest.approx(y.mean(axis=1))
    pearson = ((y - y.mean(axis=1, keepdims=True)) ** 2 / y.mean(axis=1, keepdims=True)).sum(axis=1) / 4
    # R convention: working weights of the last step (previous iterate), so ~1e-6 from exact
    assert fit.dispersion == pytest.approx(pearson, rel=1e-5)


def _weekly_outbreak(seed=7, years=7):
    rng = np.random.default_rng(seed)
    t = np.arange(52 * years)
    mu = 20 * np.exp(0.5 * np.sin(2 * np.pi * t / 52))
    y = rng.poisson(mu).astype(float)
    y[-3] += 60
    return CountSeries.weekly(y[None, :], START)


@pytest.mark.parametrize("detector", [farrington, farrington_flexible])
def test_farrington_flags_an_injected_outbreak_and_stays_quiet_before_it(detector):
    s = _weekly_outbreak()
    r = detector(s, range_=range(s.n_time - 30, s.n_time))
    assert r.alarm[0, -3] == 1.0
    assert np.nansum(r.alarm[0, -30:-3]) <= 2
    assert np.isnan(r.alarm[0, : s.n_time - 30]).all()
    assert (r.expected[0, -30:] > 5).all() and (r.upperbound[0, -30:] > r.expected[0, -30:]).all()


def test_noufaily_settings_run_and_the_5_in_4_rule_withholds_alarms():
    s = _weekly_outbreak()
    r = farrington_flexible(s, range_=slice(-10, None), **NOUFAILY_2013)
    assert r.alarm[0, -3] == 1.0
    assert float(r.upperbound[0, -1]) == np.round(r.upperbound[0, -1])  # nbPlugin: a count
    y = np.zeros(52 * 6)
    y[-1] = 1
    sparse = farrington(CountSeries.weekly(y[None, :], START), range_=[len(y) - 1])
    assert sparse.alarm[0, -1] == 0.0 and sparse.upperbound[0, -1] == 0.0  # R: bound 0 when limited
    flex = farrington_flexible(CountSeries.weekly(y[None, :], START), range_=[len(y) - 1])
    assert flex.alarm[0, -1] == 0.0 and np.isnan(flex.upperbound[0, -1])  # R flexible: NA
    keep = farrington_flexible(
        CountSeries.weekly(y[None, :], START), range_=[len(y) - 1], limited_bound="keep"
    )
    assert keep.upperbound[0, -1] >= 0


def test_farrington_needs_b_years_of_history_and_valid_options():
    s = CountSeries.weekly(np.ones((1, 52 * 5 + 2)), START)
    assert np.isnan(farrington(s).alarm).all()  # needs 5*52 + 3 weeks
    with pytest.raises(InvalidInput):
        farrington_flexible(s, threshold_method="exact")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        farrington(s, alpha=1.5)


def test_daily_farrington_counts_days():
    rng = np.random.default_rng(1)
    y = rng.poisson(5, 3 * 365).astype(float)
    s = CountSeries.daily(y[None, :], START)
    r = farrington_flexible(
        s, b=2, w=21, past_weeks_not_included=182, limit54=(5, 28), range_=slice(-5, None)
    )
    assert not np.isnan(r.alarm[0, -5:]).any()


def test_a_gap_in_the_reference_weeks_gives_no_decision_only_where_used():
    s = _weekly_outbreak()
    counts = s.counts.copy()
    t_last = s.n_time - 1
    counts[0, t_last - 52] = np.nan  # a reference week of the last week only (j=1, offset 0)
    gapped = CountSeries.weekly(counts, START)
    r = farrington(gapped, range_=[t_last - 10, t_last])
    assert np.isnan(r.alarm[0, t_last]) and np.isnan(r.upperbound[0, t_last])
    assert not np.isnan(r.alarm[0, t_last - 10])
