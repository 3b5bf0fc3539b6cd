"""TierCare's detectors against R ``surveillance`` 1.20.3 on the same series.

The data and the R outputs are checked in (data/), made by make_reference.R with the
command in README.md; R is not needed here. Targets (issue 5): EARS C1/C2 identical in
100% of cells and C3 in the R-compatible mode; Farrington and farringtonFlexible upper
bounds within 1e-6 relative in >= 99.5% of cells, alarms identical in >= 99.9%, and
every difference listed below with its cause.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from tests.reference.surveillance.refdata import counts, reference
from tiercare.core.surveillance import CountSeries
from tiercare.core.surveillance.ears import ears_c1, ears_c2, ears_c3
from tiercare.core.surveillance.farrington import farrington
from tiercare.core.surveillance.farrington_flexible import farrington_flexible
from tiercare.core.surveillance.glr_nb import glr_nb

pytestmark = pytest.mark.slow

EARS = {
    "C1": (ears_c1, {}),
    "C2": (ears_c2, {}),
    "C3": (ears_c3, {"mode": "r"}),
    "C3_b10_a01": (ears_c3, {"mode": "r", "baseline": 10, "alpha": 0.01}),
    "C1_minsigma": (ears_c1, {"min_sigma": 0.5}),
    "C2_minsigma": (ears_c2, {"min_sigma": 1.0}),
}

NOUFAILY = {
    "no_periods": 10,
    "weights_threshold": 2.58,
    "past_weeks_not_included": 26,
    "p_threshold_trend": 0.05,
}
FARRINGTON = {
    "farrington_default": (farrington, {}),
    "farrington_b3_a01": (farrington, {"b": 3, "w": 2, "alpha": 0.01}),
    "farrington_notrend_noreweight": (farrington, {"trend": False, "reweight": False}),
    "flex_default": (farrington_flexible, {}),
    "flex_noufaily": (farrington_flexible, {**NOUFAILY, "threshold_method": "nbPlugin"}),
    "flex_noufaily_muan": (farrington_flexible, {**NOUFAILY, "threshold_method": "muan"}),
    "flex_original_opts": (
        farrington_flexible,
        {"b": 4, "w": 3, "weights_threshold": 1, "past_weeks_not_included": 3, "alpha": 0.1},
    ),
    "flex_trend1_half": (
        farrington_flexible,
        {"no_periods": 4, "p_threshold_trend": 1, "powertrans": "1/2", "limit54": (3, 2)},
    ),
    "flex_notrend_none": (
        farrington_flexible,
        {"trend": False, "reweight": False, "powertrans": "none", "b": 3},
    ),
}

# Every cell where we differ from R, with its cause. (set, series, t) -> cause.
KNOWN_DIFFERENCES: dict[tuple[str, int, int], str] = {
    ("farrington_b3_a01", 35, 350): (
        "degenerate trend fit: the 15 reference weeks hold 2 cases, both in the oldest year, so the "
        "log-linear trend diverges (separation); R's glm.fit stops as non-converged with the trend "
        "kept (bound 0.0003), ours meets the deviance criterion and the trend test drops it (bound "
        "1.40). Both alarm (5 cases that week)."
    ),
}


def _compare(out: CountSeries, ref: dict[str, np.ndarray], rtol: float) -> tuple[np.ndarray, np.ndarray]:
    s, t = ref["series"], ref["t"]
    ub, al = out.upperbound[s, t], out.alarm[s, t]
    rub, ral = ref["upperbound"], ref["alarm"]
    with np.errstate(divide="ignore", invalid="ignore"):
        close = (np.isnan(ub) & np.isnan(rub)) | (ub == rub) | (np.abs(ub - rub) <= rtol * np.abs(rub))
    same_alarm = (al == ral) | (np.isnan(al) & np.isnan(ral))
    return close, same_alarm


@pytest.fixture(scope="module")
def daily_series() -> CountSeries:
    return CountSeries.daily(counts("daily_counts.csv"), dt.date(2022, 1, 3))


@pytest.fixture(scope="module")
def weekly_series() -> CountSeries:
    return CountSeries.weekly(counts("weekly_counts.csv"), dt.date(2019, 1, 7))


@pytest.fixture(scope="module")
def ears_ref() -> dict[str, dict[str, np.ndarray]]:
    return reference("ears_reference.csv.gz")


@pytest.fixture(scope="module")
def farrington_ref() -> dict[str, dict[str, np.ndarray]]:
    return reference("farrington_reference.csv.gz")


@pytest.mark.parametrize("name", sorted(EARS))
def test_ears_identical_to_r_in_every_cell(name, daily_series, ears_ref):
    detector, params = EARS[name]
    out = detector(daily_series, **params)
    close, same_alarm = _compare(out, ears_ref[name], rtol=1e-12)
    assert close.all(), f"{name}: {(~close).sum()} upper bounds differ"
    assert same_alarm.all(), f"{name}: {(~same_alarm).sum()} alarms differ"
    assert close.size == daily_series.n_series * (daily_series.n_time - int(ears_ref[name]["t"].min()))


@pytest.mark.parametrize("name", sorted(FARRINGTON))
def test_farrington_matches_r(name, weekly_series, farrington_ref):
    detector, params = FARRINGTON[name]
    ref = farrington_ref[name]
    rng = np.unique(ref["t"])
    out = detector(weekly_series, range_=rng, **params)
    close, same_alarm = _compare(out, ref, rtol=1e-6)
    assert close.mean() >= 0.995 and same_alarm.mean() >= 0.999
    differing = {
        (name, int(s), int(t))
        for s, t in zip(ref["series"][~close | ~same_alarm], ref["t"][~close | ~same_alarm], strict=True)
    }
    unexplained = differing - set(KNOWN_DIFFERENCES)
    assert not unexplained, f"differences without a listed cause: {sorted(unexplained)[:10]}"
    if "expected" in ref and not np.isnan(ref["expected"]).all():
        ex = out.expected[ref["series"], ref["t"]]
        ok = ~np.isnan(ref["expected"])
        assert np.allclose(ex[ok], ref["expected"][ok], rtol=1e-6)


def test_every_listed_difference_still_occurs(weekly_series, farrington_ref):
    for (name, s, t), _cause in KNOWN_DIFFERENCES.items():
        detector, params = FARRINGTON[name]
        ref = farrington_ref[name]
        out = detector(weekly_series, range_=[t], **params)
        i = np.where((ref["series"] == s) & (ref["t"] == t))[0][0]
        assert not np.isclose(out.upperbound[s, t], ref["upperbound"][i], rtol=1e-6)


@pytest.mark.parametrize("trans", ["rossi", "standard"])
def test_cusum_identical_to_r(trans, weekly_series):
    from tiercare.core.surveillance.cusum import cusum

    ref = reference("cusum_reference.csv.gz")[f"cusum_{trans}"]
    sub = weekly_series.select(list(range(10)))
    out = cusum(sub, trans=trans, range_=np.unique(ref["t"]))
    close, same_alarm = _compare(out, ref, rtol=1e-9)
    assert close.all() and same_alarm.all()


# ---- negative-binomial GLR (R glrnb, make_reference_glr.R) ------------------------
GLR_SETS = {
    "glr_pois_m25": {"alpha": 0.0, "c_arl": 5.0, "window": 26, "min_window": 2},  # R algo.glrpois
    "glr_nb02_m25": {"alpha": 0.2, "c_arl": 5.0, "window": 26},  # R M = 25: k = n-25 .. n
    "glr_nb05_all": {"alpha": 0.5, "c_arl": 4.0, "window": 10_000},  # R M = -1: all since restart
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GLR_SETS))
def test_glr_nb_alarms_equal_r_glrnb_in_every_cell(name):
    weekly = counts("weekly_counts.csv")[:10]
    ref = reference("glr_reference.csv.gz")[name]
    rng = list(range(weekly.shape[1] - 52, weekly.shape[1]))
    series = CountSeries.weekly(weekly, dt.date(2019, 1, 7))
    expected = np.repeat(ref["expected"][ref["t"] == rng[0]][:, None], weekly.shape[1], axis=1)
    np.testing.assert_allclose(expected[:, 0], weekly[:, : rng[0]].mean(axis=1), rtol=1e-12)
    out = glr_nb(series, expected=expected, range_=rng, **GLR_SETS[name])
    s, t = ref["series"], ref["t"]
    assert np.array_equal(out.alarm[s, t], ref["alarm"])  # 520 of 520 cells
    # R's upperbound with ret = "cases" is the count that would alarm = ours + 1, except
    # where R reports no number: 1e99 from its brute-force NB search when the count is 0,
    # and 0 from its Poisson chart on the first point after a (re)start (no window; ours inf).
    ours, theirs, y = out.upperbound[s, t] + 1.0, ref["upperbound"], weekly[s, t]
    r_no_number = (theirs == 1e99) | ((theirs == 0) & np.isinf(ours))
    assert np.array_equal(ours[~r_no_number], theirs[~r_no_number])
    assert (y[theirs == 1e99] == 0).all()
    assert (~r_no_number).sum() >= 400
