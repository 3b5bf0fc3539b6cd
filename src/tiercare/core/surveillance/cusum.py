"""Poisson CUSUM with Rossi's approximate normal transformation (累积和控制图).

Sources: Page ES (1954). Continuous inspection schemes. Biometrika 41:100-115. Rossi
G, Lampugnani L, Marchi M (1999). An approximate CUSUM procedure for surveillance of
health events. Stat Med 18:2111-2122 (the transformation below). Peer: R
``surveillance::algo.cusum`` (documentation of 1.20.3: defaults k = 1.04, h = 2.26,
no reset after a signal, alarm when the sum reaches h).

For each series, with expected count m_t:

* transformation ``trans="rossi"``: x_t = (y_t - 3 m_t + 2 sqrt(y_t m_t)) / (2 sqrt(m_t)),
  approximately N(0, 1) for Poisson counts even when m_t is small;
  ``trans="standard"``: x_t = (y_t - m_t) / sqrt(m_t);
* S_t = max(0, S_{t-1} + x_t - k), S before the range = 0; alarm when S_t >= h; no
  reset, so the alarm lasts until the sum falls below h again (as R);
* upper bound: the count that would make S_t reach h (the inverse transformation of
  h + k - S_{t-1}, reported as R does: unrounded for "rossi", rounded up for "standard";
  where S_{t-1} is already far above h the "rossi" bound comes from the negative root and
  the alarm, not the bound, is the decision); expected: m_t. Checked against R
  ``algo.cusum`` (both transformations) in tests/reference/surveillance.

m_t: ``expected`` (an array series x time, e.g. another detector's ``expected``), or by
default the mean of each series before the first time point of the range (R's
``m = NULL``), which needs ``min_train`` (default 8) earlier periods: before them, NA. Vectorised over series; the recursion runs over the time points of the
range. Gaps: a missing count gives NA there and restarts the sum at 0 after it.
Assumption: independent Poisson counts around m_t; over-dispersion inflates false alarms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.series import CountSeries, FloatArray, detection_range, empty_result


def _transform(y: FloatArray, m: FloatArray, trans: str) -> FloatArray:
    sm = np.sqrt(m)
    if trans == "rossi":
        return np.asarray((y - 3.0 * m + 2.0 * np.sqrt(y * m)) / (2.0 * sm))
    return np.asarray((y - m) / sm)


def _inverse(x: FloatArray, m: FloatArray, trans: str) -> FloatArray:
    """The count whose transform is x, as R ``algo.cusum`` reports it: for "rossi"
    (sqrt(4m + 2 sqrt(m) x) - sqrt(m))^2 (not clamped, so a negative root squares to a
    positive bound; 0 where no real root), for "standard" max(0, ceiling(m + sqrt(m) x))."""
    sm = np.sqrt(m)
    if trans == "rossi":
        disc = 4.0 * m + 2.0 * sm * x
        root = np.sqrt(np.maximum(disc, 0.0)) - sm
        return np.asarray(np.where(disc < 0, 0.0, root * root))
    return np.asarray(np.maximum(np.ceil(m + sm * x), 0.0))


def cusum(
    series: CountSeries,
    *,
    k: float = 1.04,
    h: float = 2.26,
    trans: Literal["rossi", "standard"] = "rossi",
    expected: npt.ArrayLike | None = None,
    min_train: int = 8,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """CUSUM of transformed counts; see the module docstring."""
    if trans not in ("rossi", "standard"):
        raise InvalidInput(f"trans must be 'rossi' or 'standard', got {trans!r}")
    if h <= 0 or k < 0:
        raise InvalidInput(f"CUSUM needs h > 0 and k >= 0, got h={h}, k={k}")
    counts = series.counts
    if min_train < 1:
        raise InvalidInput(f"min_train must be >= 1, got {min_train}")
    first = 0 if expected is not None else min_train
    idx = detection_range(series, range_, first)
    exp_out, up_out, al_out = empty_result(counts.shape)
    if idx.size == 0:
        return series.with_result(
            expected=exp_out, upperbound=up_out, alarm=al_out, method="cusum", params={}
        )
    if expected is None:
        with np.errstate(invalid="ignore"):
            m_series = np.nanmean(counts[:, : idx[0]], axis=1)
        m = np.repeat(m_series[:, None], idx.size, axis=1)
    else:
        m_all = np.asarray(expected, dtype=np.float64)
        if m_all.shape != counts.shape:
            raise InvalidInput(f"expected has shape {m_all.shape}, counts {counts.shape}")
        m = m_all[:, idx]
    m = np.where(m > 0, m, np.nan)  # a zero expectation gives no decision
    s_prev = np.zeros(series.n_series)
    for j, t in enumerate(idx):
        y, mt = counts[:, t], m[:, j]
        with np.errstate(invalid="ignore", divide="ignore"):
            x = _transform(y, mt, trans)
            up_out[:, t] = _inverse(h + k - s_prev, mt, trans)
            s_now = np.maximum(0.0, s_prev + x - k)
        ok = ~np.isnan(s_now)
        al_out[:, t] = np.where(ok, (s_now >= h).astype(np.float64), np.nan)
        exp_out[:, t] = mt
        up_out[:, t] = np.where(ok, up_out[:, t], np.nan)
        s_prev = np.where(ok, s_now, 0.0)
    params = {
        "k": k,
        "h": h,
        "trans": trans,
        "expected": "given" if expected is not None else "mean before range",
    }
    return series.with_result(
        expected=exp_out, upperbound=up_out, alarm=al_out, method="cusum", params=params
    )
