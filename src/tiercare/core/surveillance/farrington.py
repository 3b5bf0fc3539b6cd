"""Farrington et al. (1996) outbreak detection (Farrington 算法).

Source: Farrington CP, Andrews NJ, Beale AD, Catchpole MA (1996). A statistical
algorithm for the early detection of outbreaks of infectious disease. J R Stat Soc A
159(3):547-563. Peer: R ``surveillance::farrington`` / ``algo.farrington``
(documentation of version 1.20.3).

For each series and current week t0 (vectorised over both, see ``_farrington_core``):

1. Reference values: weeks t0 - j*freq - w .. t0 - j*freq + w for j = 1..b
   (b*(2w+1) values; freq = 52 weekly, 365 daily, so on daily data "weeks" are days).
2. Quasi-Poisson GLM log mu = alpha + beta*t; dispersion phi = max(1, Pearson).
3. Re-weighting (``reweight``): Anscombe residuals s_i; weights s_i^-2 where s_i > 1
   (``weights_threshold``), 1 elsewhere, rescaled to sum to n; refit.
4. The trend is kept only if significant at 5% (two-sided t test) *and* the predicted
   mu0 does not exceed the largest reference count; otherwise the whole fit is redone
   without trend.
5. Threshold U: mu0 (1 + 2/3 z tau^1/2 / mu0)^3/2 with tau = phi mu0 + mu0^2 Var(eta0)
   (2/3-power transform; "1/2" and "none" available), z the (1 - alpha/2) normal
   quantile (the paper's two-sided interval).
6. Alarm when y0 > U, except that no alarm is raised when fewer than 5 cases were
   reported in the last 4 weeks including t0 (``limit54``, paper section 3.8).

Assumptions: counts are over-dispersed Poisson around a smooth log-linear trend with no
seasonality beyond the window. NA ("no decision") before b years + w weeks of history,
and where a reference or current count is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from tiercare.core.surveillance import _farrington_core as core
from tiercare.core.surveillance.series import CountSeries


def farrington_options(
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    alpha: float = 0.05,
    trend: bool = True,
    limit54: tuple[int, int] | None = (5, 4),
    powertrans: core.PowerTrans = "2/3",
    limited_bound: Literal["keep", "zero", "na"] = "zero",
) -> core.FarringtonOptions:
    """The options of :func:`farrington` (same parameters, same defaults)."""
    return core.FarringtonOptions(
        b=b,
        w=w,
        reweight=reweight,
        weights_threshold=1.0,
        alpha=alpha,
        two_sided=True,
        trend=trend,
        p_threshold_trend=0.05,
        limit54=limit54,
        powertrans=powertrans,
        no_periods=1,
        past_weeks_not_included=w,
        threshold_method="delta",
        limited_bound=limited_bound,
        trend_max_check=True,
    )


def farrington(
    series: CountSeries,
    *,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    alpha: float = 0.05,
    trend: bool = True,
    limit54: tuple[int, int] | None = (5, 4),
    powertrans: core.PowerTrans = "2/3",
    limited_bound: Literal["keep", "zero", "na"] = "zero",
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """Farrington (1996) with the defaults of the paper and of R ``algo.farrington``."""
    opts = farrington_options(
        b=b,
        w=w,
        reweight=reweight,
        alpha=alpha,
        trend=trend,
        limit54=limit54,
        powertrans=powertrans,
        limited_bound=limited_bound,
    )
    return core.run(series, opts, range_, "farrington")
