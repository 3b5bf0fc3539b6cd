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
  statistic exceeds ``threshold`` (CDC: 2); the upper bound is the count that makes it
  do so, m + s (1 + threshold - prior), with prior the terms of days t-1 and t-2 (and
  -1, "any count", when prior alone already exceeds the threshold).
  ``mode="r"`` (default) reproduces R ``earsC`` 1.20.3 exactly:
  U = max(0, y_t + s (z - prior)) with z the (1 - alpha) normal quantile, alarm when
  y_t > U. The current day's term cancels: the alarm depends only on the two previous
  days (prior > z), so a one-day spike alarms one and two days late, never on the day
  (DOMAIN.md). The default alpha = 0.025 (z = 1.96) is R's and the CDC's for C3.
* Where s = 0 and ``min_sigma`` = 0 the C2 terms of C3 are undefined: NA (as R).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
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


def _moments(
    counts: FloatArray, idx: npt.NDArray[np.intp], baseline: int, lag: int
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample sd of the ``baseline`` values ending ``lag`` days before each t
    in ``idx`` (all idx >= baseline + lag - 1). Whole counts make the window sums and
    sums of squares exact, so var = (n S2 - S1^2) / (n (n - 1)) has one rounding only
    (as accurate as R's two-pass ``sd``, and no sliding-window copy for a single day)."""
    if idx.size == 0:
        empty = np.zeros((counts.shape[0], 0))
        return empty, empty
    start = int(idx.min()) - lag - baseline + 1  # only the columns the windows touch
    counts = counts[:, start : int(idx.max()) - lag + 1]
    idx = idx - start
    gaps = np.isnan(counts)
    filled = np.where(gaps, 0.0, counts)
    zero = np.zeros((counts.shape[0], 1))
    csum = np.concatenate([zero, np.cumsum(filled, axis=1)], axis=1)
    csq = np.concatenate([zero, np.cumsum(filled * filled, axis=1)], axis=1)
    hi = idx - lag + 1  # window = [idx - lag - baseline + 1, idx - lag]
    lo = hi - baseline
    s1 = csum[:, hi] - csum[:, lo]
    s2 = csq[:, hi] - csq[:, lo]
    n = float(baseline)
    mean = s1 / n
    var = np.maximum(n * s2 - s1 * s1, 0.0) / (n * (n - 1.0))
    if gaps.any():  # a window with a gap gives no decision
        cgap = np.concatenate([zero, np.cumsum(gaps, axis=1)], axis=1)
        holed = (cgap[:, hi] - cgap[:, lo]) > 0
        mean = np.where(holed, np.nan, mean)
        var = np.where(holed, np.nan, var)
    return mean, np.sqrt(var)


def _finish(
    series: CountSeries,
    expected: FloatArray,
    upper: FloatArray,
    alarm_raw: np.ndarray,
    idx: np.ndarray,
    method: str,
    params: Mapping[str, object],
) -> CountSeries:
    """Spread the values computed for the columns ``idx`` into full NA-filled arrays."""
    exp_out, up_out, al_out = empty_result(series.counts.shape)
    y = series.counts[:, idx]
    ok = ~(np.isnan(y) | np.isnan(upper))
    exp_out[:, idx] = np.where(ok, expected, np.nan)
    up_out[:, idx] = np.where(ok, upper, np.nan)
    al_out[:, idx] = np.where(ok, alarm_raw.astype(np.float64), np.nan)
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
    idx = detection_range(series, range_, baseline + lag - 1)
    mean, sd = _moments(series.counts, idx, baseline, lag)
    z = float(norm.ppf(1.0 - alpha))
    upper = mean + z * np.maximum(sd, min_sigma)
    with np.errstate(invalid="ignore"):
        alarm = series.counts[:, idx] > upper
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
    alpha: float = 0.025,
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
    idx = detection_range(series, range_, baseline + 4)
    # C2 terms on days t, t-1, t-2 for every t in idx: computed once per distinct day
    days = np.unique(np.concatenate([idx, idx - 1, idx - 2]))
    m_d, sd_d = _moments(series.counts, days, baseline, 3)
    s_d = np.maximum(sd_d, min_sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        term_d = np.maximum(0.0, (series.counts[:, days] - m_d) / s_d - 1.0)
    pos = np.searchsorted(days, idx)
    mean, s = m_d[:, pos], s_d[:, pos]
    term = term_d[:, pos]
    prior = term_d[:, np.searchsorted(days, idx - 1)] + term_d[:, np.searchsorted(days, idx - 2)]
    y = series.counts[:, idx]
    if mode == "r":
        # R: U = max(0, y_t + s (z - prior)); y_t > U <=> prior > z (the current day's term cancels).
        z = float(norm.ppf(1.0 - alpha))
        with np.errstate(invalid="ignore"):
            upper = np.maximum(0.0, y + s * (z - prior))
            upper = np.where(np.isnan(prior) | np.isnan(s), np.nan, upper)
            alarm = y > upper
    else:
        with np.errstate(invalid="ignore"):
            upper = np.where(prior > threshold, -1.0, mean + s * (1.0 + threshold - prior))
            upper = np.where(np.isnan(prior) | np.isnan(s), np.nan, upper)
            alarm = (term + prior) > threshold
    params = {
        "baseline": baseline,
        "alpha": alpha,
        "mode": mode,
        "threshold": threshold,
        "min_sigma": min_sigma,
    }
    return _finish(series, mean, upper, alarm, idx, "ears_c3", params)
