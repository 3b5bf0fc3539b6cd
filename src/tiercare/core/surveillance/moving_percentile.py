"""Moving percentile method (移动百分位数法) of China's automated alert system.

Sources: Yang W, Li Z, Lan Y et al. (2011). A nationwide web-based automated system for
outbreak early detection and rapid response in China. Western Pac Surveill Response J
2(1):10-15 (CIDARS design: the count of the current 7 days against the same period
and its neighbours in the previous 3 years). Zhang H, Sun Q, Lai S et al. (2014).
Analysis of effect on infectious diseases outbreak detection performance by
classifying provinces for moving percentile method. Chin J Prev Med 48(4):265-269
(national optimal thresholds P80 or P90 by disease). Wang R et al. (2017) BMC Public
Health 17:484 (weekly variant: 5 weeks x 5 years, P40-P95 by disease).

For each series and time t:

* current value C(t): the sum of the last ``block`` periods (t-block+1 .. t);
  default 7 on daily series (the CIDARS 7-day moving window), 1 on weekly series;
* baseline: for each of the previous ``years`` years (default 3) the block at the same
  time, t - j*year_length, and ``half_window`` blocks before and after it (default 2):
  years x (2*half_window + 1) values (CIDARS: 3 x 5 = 15). ``year_length`` defaults
  to 364 days on daily series (52 whole weeks, so each block keeps its weekdays) and
  52 on weekly series;
* threshold P: the ``percentile`` of the baseline (default 80, the national P80;
  linear interpolation between order statistics, Hyndman-Fan type 7 = Excel's
  PERCENTILE); signal when C(t) > P.

To keep one convention for every detector (alarm <=> y_t > upperbound), the upper bound
and the expected value (the baseline median) are expressed on the scale of the current
period's count: P minus the cases of the other block-1 periods of the current window.
NA before ``years`` x year_length + (half_window+1) x block periods of history, and
where the window or the baseline has a gap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.series import DAILY, CountSeries, detection_range, empty_result


def moving_percentile(
    series: CountSeries,
    *,
    percentile: float = 80.0,
    block: int | None = None,
    half_window: int = 2,
    years: int = 3,
    year_length: int | None = None,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """CIDARS moving percentile method; defaults as in the module docstring."""
    daily = series.freq == DAILY
    block = (7 if daily else 1) if block is None else block
    year_length = (364 if daily else 52) if year_length is None else year_length
    if not 0.0 <= percentile <= 100.0:
        raise InvalidInput(f"percentile must be in [0, 100], got {percentile}")
    if block < 1 or half_window < 0 or years < 1 or year_length < 1:
        raise InvalidInput("block, years and year_length must be >= 1 and half_window >= 0")
    counts = series.counts
    n_series, n_time = counts.shape
    csum = np.concatenate([np.zeros((n_series, 1)), np.cumsum(counts, axis=1)], axis=1)
    window = np.full((n_series, n_time), np.nan)
    window[:, block - 1 :] = csum[:, block:] - csum[:, : n_time - block + 1]
    offsets = np.array(
        [
            -j * year_length + k * block
            for j in range(1, years + 1)
            for k in range(-half_window, half_window + 1)
        ]
    )
    first = int(-offsets.min()) + block - 1
    idx = detection_range(series, range_, first)
    expected, upper, alarm = empty_result(counts.shape)
    if idx.size == 0:
        return series.with_result(
            expected=expected, upperbound=upper, alarm=alarm, method="moving_percentile", params={}
        )
    base = window[:, idx[:, None] + offsets[None, :]]  # series x time x baseline
    thr = np.percentile(base, percentile, axis=2)
    med = np.median(base, axis=2)
    others = window[:, idx] - counts[:, idx]  # cases of the other block-1 periods
    cur = window[:, idx]
    ok = ~(np.isnan(thr) | np.isnan(cur))
    upper[:, idx] = np.where(ok, thr - others, np.nan)
    expected[:, idx] = np.where(ok, med - others, np.nan)
    with np.errstate(invalid="ignore"):
        alarm[:, idx] = np.where(ok, (cur > thr).astype(np.float64), np.nan)
    params = {
        "percentile": percentile,
        "block": block,
        "half_window": half_window,
        "years": years,
        "year_length": year_length,
    }
    return series.with_result(
        expected=expected, upperbound=upper, alarm=alarm, method="moving_percentile", params=params
    )
