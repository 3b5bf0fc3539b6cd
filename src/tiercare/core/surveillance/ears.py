"""EARS C1, C2 and C3 (Early Aberration Reporting System, 早期异常报告系统).

Sources: Hutwagner L, Thompson W, Seeman GM, Treadwell T (2003). The bioterrorism
preparedness and response Early Aberration Reporting System (EARS). J Urban Health
80(2 Suppl 1):i89-96. Fricker RD, Hegler BL, Dunfee DA (2008). Comparing syndromic
surveillance detection methods: EARS' versus a CUSUM-based methodology. Stat Med
27:3407-3429. Peer: R ``surveillance::earsC`` (documentation of version 1.20.3).

Method, for each series and day t, with B = ``baseline`` (default 7) days:

* C1: baseline days t-B .. t-1; mean m and sample standard deviation s (n-1);
  C1(t) = (y_t - m) / s; upper bound m + z s with z the (1-alpha) normal quantile.
* C2: the same on days t-B-2 .. t-3 (a 2-day guard band).
* C3: C3(t) = sum over i = t-2, t-1, t of max(0, C2(i) - 1).

Alarm when the count exceeds the upper bound (y > U); NA where the baseline is
incomplete (the first B, B+2, B+4 days) or contains a gap.

Assumptions and options:

* The statistics treat counts as approximately normal: with a baseline of zeros s = 0
  and a single case alarms (DOMAIN.md). ``min_sigma`` (default 0, as R) floors s at
  that value: U = m + z max(s, min_sigma). Burkom suggests 0.5 or 1 for sparse daily
  series (R ``?earsC``).
* C3 has two modes. ``mode="cdc"`` is the published definition: alarm when the C3
  statistic reaches ``threshold`` (CDC: 2); the upper bound is the count that makes
  C3(t) reach it, m + s (1 + threshold - prior), with prior the two earlier terms.
  ``mode="r"`` reproduces R ``earsC``: U = m + s (z - prior) with the (1 - alpha)
  normal quantile z, and alarm when y > U. R's bound omits the "- 1" of the current
  day's term, so it neither equals the CDC rule nor uses the same threshold; a one-day
  spike is judged on a different bound than the CDC statistic (DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import norm

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.series import CountSeries, FloatArray, detection_range, empty_result

C3Mode = Literal["r", "cdc"]


def _check(baseline: int, alpha: float, min_sigma: float) -> None:
    if not isinstance(baseline, int) or baseline < 2:
        raise InvalidInput(f"EARS baseline must be an integer >= 2, got {baseline!r}")
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be in (0, 1), got {alpha!r}")
    if min_sigma < 0:
        raise InvalidInput(f"min_sigma must be >= 0, got {min_sigma!r}")


def _moments(counts: FloatArray, baseline: int, lag: int) -> tuple[FloatArray, FloatArray]:
    """Mean and sample sd of the ``baseline`` values ending ``lag`` days before t, for
    every t (NaN where the window is not complete)."""
    n_series, n_time = counts.shape
    mean = np.full((n_series, n_time), np.nan)
    sd = np.full((n_series, n_time), np.nan)
    first = baseline + lag - 1
    if n_time <= first:
        return mean, sd
    win = sliding_window_view(counts, baseline, axis=1)[:, : n_time - first]
    m = win.mean(axis=2)
    mean[:, first:] = m
    sd[:, first:] = np.sqrt(((win - m[:, :, None]) ** 2).sum(axis=2) / (baseline - 1))
    return mean, sd


def _finish(
    series: CountSeries,
    expected: FloatArray,
    upper: FloatArray,
    alarm_raw: np.ndarray,
    idx: np.ndarray,
    method: str,
    params: dict[str, object],
) -> CountSeries:
    exp_out, up_out, al_out = empty_result(series.counts.shape)
    y = series.counts[:, idx]
    ok = ~(np.isnan(y) | np.isnan(upper[:, idx]))
    exp_out[:, idx] = np.where(ok, expected[:, idx], np.nan)
    up_out[:, idx] = np.where(ok, upper[:, idx], np.nan)
    al_out[:, idx] = np.where(ok, alarm_raw[:, idx].astype(np.float64), np.nan)
    return series.with_result(expected=exp_out, upperbound=up_out, alarm=al_out, method=method, params=params)


def _c12(
    series: CountSeries,
    lag: int,
    method: str,
    baseline: int,
    alpha: float,
    min_sigma: float,
    range_: Sequence[int] | slice | None,
) -> CountSeries:
    _check(baseline, alpha, min_sigma)
    mean, sd = _moments(series.counts, baseline, lag)
    z = float(norm.ppf(1.0 - alpha))
    upper = mean + z * np.maximum(sd, min_sigma)
    with np.errstate(invalid="ignore"):
        alarm = series.counts > upper
    idx = detection_range(series, range_, baseline + lag - 1)
    params = {"baseline": baseline, "alpha": alpha, "min_sigma": min_sigma}
    return _finish(series, mean, upper, alarm, idx, method, params)


def ears_c1(
    series: CountSeries,
    *,
    baseline: int = 7,
    alpha: float = 0.001,
    min_sigma: float = 0.0,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """EARS C1-MILD: baseline of the ``baseline`` days just before t."""
    return _c12(series, 1, "ears_c1", baseline, alpha, min_sigma, range_)


def ears_c2(
    series: CountSeries,
    *,
    baseline: int = 7,
    alpha: float = 0.001,
    min_sigma: float = 0.0,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """EARS C2-MEDIUM: baseline of ``baseline`` days ending 3 days before t."""
    return _c12(series, 3, "ears_c2", baseline, alpha, min_sigma, range_)


def ears_c3(
    series: CountSeries,
    *,
    baseline: int = 7,
    alpha: float = 0.001,
    mode: C3Mode = "r",
    threshold: float = 2.0,
    min_sigma: float = 0.0,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """EARS C3-HIGH: sum of the C2 exceedances over t-2, t-1, t (see module docstring
    for the two modes)."""
    _check(baseline, alpha, min_sigma)
    if mode not in ("r", "cdc"):
        raise InvalidInput(f"C3 mode must be 'r' or 'cdc', got {mode!r}")
    mean, sd = _moments(series.counts, baseline, 3)
    s = np.maximum(sd, min_sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = (series.counts - mean) / s
        term = np.maximum(0.0, c2 - 1.0)
    prior = np.full_like(term, np.nan)
    prior[:, 2:] = term[:, 1:-1] + term[:, :-2]
    if mode == "r":
        z = float(norm.ppf(1.0 - alpha))
        upper = mean + s * (z - prior)
        with np.errstate(invalid="ignore"):
            alarm = series.counts > upper
    else:
        upper = mean + s * (1.0 + threshold - prior)
        with np.errstate(invalid="ignore"):
            alarm = (term + prior) >= threshold
    idx = detection_range(series, range_, baseline + 4)
    params = {"baseline": baseline, "alpha": alpha, "mode": mode, "threshold": threshold, "min_sigma": min_sigma}
    return _finish(series, mean, upper, alarm, idx, "ears_c3", params)
