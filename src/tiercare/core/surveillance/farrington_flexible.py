"""Improved Farrington (Noufaily et al. 2013; 改进 Farrington 算法).

Source: Noufaily A, Enki DG, Farrington P, Garthwaite P, Andrews N, Charlett A (2013).
An improved algorithm for outbreak detection in multiple surveillance systems. Stat Med
32(7):1206-1222. Farrington CP et al. (1996) J R Stat Soc A 159:547-563 for the base
method. Peer: R ``surveillance::farringtonFlexible`` (documentation of 1.20.3; Salmon,
Schumacher, Hoehle 2016, J Stat Softw 70(10)).

Differences from Farrington (1996), each an option (defaults = R ``farringtonFlexible``;
:data:`NOUFAILY_2013` = the paper's recommended set):

* ``no_periods``: with more than 1, *all* weeks from t0 - b*freq - w up to
  t0 - ``past_weeks_not_included`` - 1 are used, with a seasonal factor of
  ``no_periods`` levels: the 2w+1-week window around each t0 - j*freq is level 0 and
  the weeks between two windows are cut into ``no_periods`` - 1 equal blocks (paper: 10).
* ``past_weeks_not_included`` (default w; paper: 26) weeks before t0 are left out so a
  current outbreak does not inflate its own baseline.
* ``weights_threshold``: Anscombe residuals above it are down-weighted (paper: 2.58,
  Farrington 1996: 1).
* ``p_threshold_trend``: the trend is kept when its p-value is below it (the check
  that mu0 does not exceed the reference maximum of the 1996 paper is not applied).
* ``threshold_method``: "delta" (Farrington's 2/3-power normal approximation with a
  *one-sided* (1 - alpha) quantile), "nbPlugin" (the (1 - alpha) quantile of a negative
  binomial with mean mu0 and variance phi*mu0, Poisson when phi = 1; the paper's
  choice), or "muan" (the same quantile with mu0 replaced by the upper (1 - alpha)
  confidence limit of mu0, to include the estimation error).
* ``limit54``: no alarm with fewer than 5 cases in the last 4 weeks including t0.

On daily data (freq = 365) every "week" parameter counts days (DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from tiercare.core.surveillance import _farrington_core as core
from tiercare.core.surveillance.series import CountSeries

#: The settings recommended by Noufaily et al. (2013), section 6.
NOUFAILY_2013: dict[str, Any] = {
    "b": 5,
    "w": 3,
    "no_periods": 10,
    "weights_threshold": 2.58,
    "past_weeks_not_included": 26,
    "p_threshold_trend": 0.05,
    "threshold_method": "nbPlugin",
}


def flexible_options(
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    alpha: float = 0.05,
    trend: bool = True,
    p_threshold_trend: float = 0.05,
    limit54: tuple[int, int] | None = (5, 4),
    powertrans: core.PowerTrans = "2/3",
    no_periods: int = 1,
    past_weeks_not_included: int | None = None,
    threshold_method: core.ThresholdMethod = "delta",
    limited_bound: Literal["keep", "zero", "na"] = "na",
) -> core.FarringtonOptions:
    """The options of :func:`farrington_flexible` (same parameters, same defaults)."""
    return core.FarringtonOptions(
        b=b,
        w=w,
        reweight=reweight,
        weights_threshold=weights_threshold,
        alpha=alpha,
        two_sided=False,
        trend=trend,
        p_threshold_trend=p_threshold_trend,
        limit54=limit54,
        powertrans=powertrans,
        no_periods=no_periods,
        past_weeks_not_included=w if past_weeks_not_included is None else past_weeks_not_included,
        threshold_method=threshold_method,
        limited_bound=limited_bound,
        trend_max_check=True,
        r_flexible_se=True,
    )


def farrington_flexible(
    series: CountSeries,
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    alpha: float = 0.05,
    trend: bool = True,
    p_threshold_trend: float = 0.05,
    limit54: tuple[int, int] | None = (5, 4),
    powertrans: core.PowerTrans = "2/3",
    no_periods: int = 1,
    past_weeks_not_included: int | None = None,
    threshold_method: core.ThresholdMethod = "delta",
    limited_bound: Literal["keep", "zero", "na"] = "na",
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """Improved Farrington; defaults are R ``farringtonFlexible``'s, see :data:`NOUFAILY_2013`."""
    opts = flexible_options(
        b=b,
        w=w,
        reweight=reweight,
        weights_threshold=weights_threshold,
        alpha=alpha,
        trend=trend,
        p_threshold_trend=p_threshold_trend,
        limit54=limit54,
        powertrans=powertrans,
        no_periods=no_periods,
        past_weeks_not_included=past_weeks_not_included,
        threshold_method=threshold_method,
        limited_bound=limited_bound,
    )
    return core.run(series, opts, range_, "farrington_flexible")
