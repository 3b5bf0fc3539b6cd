"""Negative-binomial GLR chart for a multiplicative increase (Höhle & Paul 2008).

Source: Höhle M, Paul M (2008). Count data regression charts for the monitoring of
surveillance time series. Comput Stat Data Anal 52(9):4357-4368. Peer: R
``surveillance::algo.glrnb`` (documentation of 1.20.3: shift in the intercept, i.e. a
multiplicative change kappa of the mean, decision threshold ``c.ARL`` = 5, restart after
an alarm).

In control y_t ~ NB(mu_t, alpha) with Var = mu_t + alpha mu_t^2 (alpha = 0: Poisson);
from an unknown change point tau on, the mean is kappa mu_t with kappa >= 1. After each
time n the chart computes

    G_n = max over k in [n - window + 1, n] of  max over kappa >= 1 of
          sum_{t=k..n} [log f(y_t; kappa mu_t, alpha) - log f(y_t; mu_t, alpha)]

and signals when G_n >= ``c_arl``; after a signal the chart restarts (the next window
begins after it). kappa-hat solves the score equation sum_t [y_t / kappa - (y_t + 1/alpha)
alpha mu_t / (1 + alpha kappa mu_t)] = 0 (Newton steps on log kappa; closed form sum y /
sum mu when alpha = 0), truncated at 1.

``min_window`` (default 1, the paper's definition: the change may start at n itself)
is the shortest window searched. R 1.20.3 agrees with the default for alpha > 0
(``algo.glrnb``) but its Poisson chart (alpha = 0, ``algo.glrpois``) never uses the
one-point window k = n (G_n = 0 on the first time point after a start or restart), which
``min_window=2`` reproduces (tests/reference/surveillance).

The upper bound is the smallest count y_n that makes G_n reach ``c_arl`` given the
earlier counts (found by bisection over whole counts); expected = mu_n. ``expected`` (the
in-control means, series x time, e.g. another detector's ``expected``) should be given, since
the chart monitors departures from a model fitted elsewhere (phase 1); without it, the
mean of each series before the range (``min_train`` periods at least). Vectorised over
series; loops over the time points of the range and the window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.series import CountSeries, FloatArray, detection_range, empty_result


def _loglik(y: FloatArray, mu: FloatArray, alpha: float) -> FloatArray:
    if alpha == 0.0:
        return np.asarray(y * np.log(mu) - mu - gammaln(y + 1.0))
    r = 1.0 / alpha
    return np.asarray(
        gammaln(y + r) - gammaln(r) - gammaln(y + 1.0) + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))
    )


def _kappa(y: FloatArray, mu: FloatArray, alpha: float) -> FloatArray:
    """MLE of kappa >= 1 per row for the summed window (rows x window arrays)."""
    sy, smu = y.sum(axis=1), mu.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(smu > 0, sy / smu, 1.0)  # the Poisson answer, a good start
    if alpha > 0:
        lk = np.log(np.maximum(k, 1e-8))
        for _ in range(30):
            kap = np.exp(lk)[:, None]
            denom = 1.0 + alpha * kap * mu
            score = (y - (y + 1.0 / alpha) * alpha * kap * mu / denom).sum(axis=1)  # d/d log kappa
            info = ((y + 1.0 / alpha) * alpha * kap * mu / (denom * denom)).sum(axis=1)
            step = np.where(info > 0, score / np.where(info > 0, info, 1.0), 0.0)
            lk = lk + step
            if np.all(np.abs(step) < 1e-10):
                break
        k = np.exp(lk)
    return np.asarray(np.maximum(k, 1.0))


def _glr(
    y: FloatArray, mu: FloatArray, alpha: float, starts: npt.NDArray[np.intp], n: int, min_window: int = 1
) -> FloatArray:
    """G_n for every series given window starts (per series, the first allowed k); windows
    hold at least ``min_window`` time points."""
    best = np.zeros(y.shape[0])
    for k in range(int(starts.min()), n - min_window + 2):
        rows = starts <= k
        if not rows.any():
            continue
        yk, mk = y[rows, k : n + 1], mu[rows, k : n + 1]
        kap = _kappa(yk, mk, alpha)[:, None]
        llr = (_loglik(yk, kap * mk, alpha) - _loglik(yk, mk, alpha)).sum(axis=1)
        best[rows] = np.maximum(best[rows], llr)
    return best


def glr_nb(
    series: CountSeries,
    *,
    expected: npt.ArrayLike | None = None,
    alpha: float = 0.0,
    c_arl: float = 5.0,
    window: int = 26,
    min_train: int = 8,
    min_window: int = 1,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """GLR chart; see the module docstring."""
    if alpha < 0 or c_arl <= 0 or window < 1 or min_train < 1 or not 1 <= min_window <= window:
        raise InvalidInput(
            "glr_nb needs alpha >= 0, c_arl > 0, window >= 1, min_train >= 1 and 1 <= min_window <= window"
        )
    idx = detection_range(series, range_, 0 if expected is not None else min_train)
    if expected is None:  # the mean of each series before the range, as R's algo.cusum m = NULL
        first = int(idx[0]) if idx.size else series.n_time
        with np.errstate(invalid="ignore"):
            m0 = (
                np.nanmean(series.counts[:, :first], axis=1)
                if first > 0
                else np.full(series.n_series, np.nan)
            )
        mu = np.repeat(m0[:, None], series.n_time, axis=1)
    else:
        mu = np.asarray(expected, dtype=np.float64)
    if mu.shape != series.counts.shape:
        raise InvalidInput(f"expected has shape {mu.shape}, counts {series.counts.shape}")
    exp_out, up_out, al_out = empty_result(series.counts.shape)
    y = series.counts
    gaps = np.concatenate([np.zeros((series.n_series, 1)), np.cumsum(np.isnan(y), axis=1)], axis=1)
    rows = np.arange(series.n_series)
    restart = np.full(series.n_series, int(idx[0]) if idx.size else 0, dtype=np.intp)
    for n in idx:
        starts = np.maximum(restart, n - window + 1)
        # no decision at a gap, where the window holds a gap, or without a positive mean
        ok = (gaps[rows, n + 1] - gaps[rows, starts] == 0) & ~np.isnan(mu[:, n]) & (mu[:, n] > 0)
        mu_ok = np.where(mu > 0, mu, 1.0)
        g = _glr(np.nan_to_num(y), mu_ok, alpha, starts, int(n), min_window)
        alarm = (g >= c_arl) & ok
        # smallest whole count at time n that reaches c_arl, by bisection on [0, hi]
        lo = np.zeros(series.n_series)
        hi = np.maximum(2.0 * (np.nan_to_num(y[:, n]) + mu[:, n] * 10 + 10), 10.0)
        trial = np.nan_to_num(y.copy())
        for _ in range(40):
            mid = np.floor((lo + hi) / 2.0)
            trial[:, n] = mid
            reach = _glr(trial, mu_ok, alpha, starts, int(n), min_window) >= c_arl
            hi = np.where(reach, mid, hi)
            lo = np.where(reach, lo, mid)
            if np.all(hi - lo <= 1):
                break
        # With min_window > 1 right after a (re)start no window exists: no count can alarm.
        bound = np.where(n - starts + 1 >= min_window, hi - 1.0, np.inf)
        exp_out[:, n] = np.where(ok, mu[:, n], np.nan)
        up_out[:, n] = np.where(ok, bound, np.nan)  # y > hi - 1  <=>  y >= hi reaches c_arl
        al_out[:, n] = np.where(ok, alarm.astype(np.float64), np.nan)
        restart = np.where(alarm, n + 1, restart)
    params = {
        "alpha": alpha,
        "c_arl": c_arl,
        "window": window,
        "min_window": min_window,
        "expected": "given" if expected is not None else "mean before range",
    }
    return series.with_result(
        expected=exp_out, upperbound=up_out, alarm=al_out, method="glr_nb", params=params
    )
