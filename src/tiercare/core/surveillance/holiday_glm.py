"""Day-of-week and holiday aware GLM baseline (节假日校正的负二项基线), TierCare's daily method.

Idea and sources: a log-linear count regression baseline with day-of-week and holiday
covariates fitted to the recent past, the approach of regression-based syndromic
surveillance (Buckeridge DL et al. 2005, J Biomed Inform 38:99-113, on day-of-week and
holiday effects; Lotze T, Murphy S, Shmueli G 2008, Adv Dis Surveill 5:1, on pre-processing
for holidays), combined with the robust machinery of the improved Farrington method
(Noufaily et al. 2013, Stat Med 32:1206-1222): quasi-Poisson fit, outbreaks in the
baseline down-weighted by Anscombe residuals above 2.58, a guard gap of recent days left
out, and a negative-binomial plug-in quantile as threshold. China's holidays are in
``cn_calendar`` (State Council notices; Spring Festival by the lunar calendar).

Model for series i on day t (all series of one call share the covariates, so every series
is fitted at once by :func:`glm.fit_quasipoisson`, refitted every ``refit_every`` days):

    log mu_it = a_i + dow(t) + school_term(t) + sum_j harmonics(t)
                + [Spring Festival days off] + [days 1-7 after] + [days 8-14 after]
                + [National Day days off] + [days 1-5 after]
                + [other holidays' days off] + [days 1-2 after]  (+ trend)

fitted to the ``history_days`` days that end ``guard_days`` before the first day it
judges. The "after" terms absorb the catch-up of reports delayed over a holiday (补报),
which is what makes EARS and Farrington-type methods raise bursts of false alarms after
Spring Festival. Threshold: the (1 - alpha) quantile of a negative binomial with mean
mu_t and variance phi mu_t (Poisson when phi = 1), phi = max(1, Pearson dispersion);
the upper bound is at least ``min_cases`` - 1 so that a lone case never alarms and
``alarm == observed > upperbound`` holds.

Parameters (defaults): ``history_days=728`` (two years: two Spring Festivals),
``guard_days=7``, ``refit_every=7``, ``alpha=0.03`` (chosen on the daily design, seed 5,
so that its false-positive rate stays below R's methods'; docs/surveillance.md), ``harmonics=1``,
``trend=False``, ``weights_threshold=2.58`` (Noufaily), ``min_cases=2``. Daily series only;
NA where fewer than 365 days of history are available or the day is a gap; gaps in the
history get weight 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.stats import nbinom, poisson

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance import cn_calendar
from tiercare.core.surveillance.glm import fit_quasipoisson, hat_values
from tiercare.core.surveillance.series import (
    DAILY,
    CountSeries,
    FloatArray,
    InvalidSeries,
    detection_range,
    empty_result,
)

MIN_HISTORY = 365


def design_matrix(dates: npt.NDArray[np.datetime64], *, harmonics: int) -> tuple[FloatArray, list[str]]:
    """Covariates of each date (rows) and their names (the trend, if any, is added per fit)."""
    d = np.asarray(dates, dtype="datetime64[D]")
    day = d.astype(np.int64)
    cols: list[FloatArray] = [np.ones(d.size)]
    names = ["intercept"]
    dow = (day + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    for k in range(1, 7):
        cols.append((dow == k).astype(np.float64))
        names.append(f"dow{k}")
    doy = (d - d.astype("datetime64[Y]")).astype(np.int64)
    for j in range(1, harmonics + 1):
        cols.append(np.sin(2 * np.pi * j * doy / 365.25))
        cols.append(np.cos(2 * np.pi * j * doy / 365.25))
        names += [f"sin{j}", f"cos{j}"]
    cols.append(cn_calendar.school_term(d).astype(np.float64))
    names.append("school_term")
    for kind, windows in (
        ("spring_festival", ((1, 7), (8, 14))),
        ("national_day", ((1, 5),)),
        ("short", ((1, 2),)),
    ):
        cols.append(cn_calendar.holiday_days(d, kind).astype(np.float64))
        names.append(f"{kind}_off")
        for lo, hi in windows:
            cols.append(cn_calendar.days_after(d, kind, lo, hi).astype(np.float64))
            names.append(f"{kind}_after_{lo}_{hi}")
    return np.column_stack(cols), names


def _robust_fit(
    x: FloatArray, y: FloatArray, w: FloatArray, threshold: float
) -> tuple[FloatArray, FloatArray]:
    """Coefficients and phi = max(1, dispersion) after one Anscombe re-weighting step."""
    fit = fit_quasipoisson(x, y, w)
    phi = np.maximum(np.nan_to_num(fit.dispersion, nan=1.0), 1.0)
    h = hat_values(x, fit)
    mu = fit.mu
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = 1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / (mu ** (1 / 6) * np.sqrt(phi[:, None] * (1.0 - h)))
        omega = np.where(resid > threshold, resid**-2.0, 1.0)
        omega = np.where(np.isfinite(omega), omega, 1.0) * w
        omega = omega * (w.sum(axis=1) / omega.sum(axis=1))[:, None]
    fit = fit_quasipoisson(x, y, omega)
    return fit.beta, np.maximum(np.nan_to_num(fit.dispersion, nan=1.0), 1.0)


def holiday_glm(
    series: CountSeries,
    *,
    history_days: int = 728,
    guard_days: int = 7,
    refit_every: int = 7,
    alpha: float = 0.03,
    harmonics: int = 1,
    trend: bool = False,
    weights_threshold: float = 2.58,
    min_cases: int = 2,
    range_: Sequence[int] | slice | None = None,
) -> CountSeries:
    """Holiday- and day-of-week-aware negative-binomial threshold on daily series."""
    if series.freq != DAILY:
        raise InvalidSeries("holiday_glm judges daily series only")
    if not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be in (0, 1), got {alpha!r}")
    if history_days < MIN_HISTORY or guard_days < 0 or refit_every < 1 or harmonics < 0 or min_cases < 0:
        raise InvalidInput(
            f"holiday_glm needs history_days >= {MIN_HISTORY}, guard_days >= 0, refit_every >= 1, "
            "harmonics >= 0, min_cases >= 0"
        )
    cn_calendar.check_covered(series.dates)
    idx = detection_range(series, range_, MIN_HISTORY + guard_days)
    exp_out, up_out, al_out = empty_result(series.counts.shape)
    counts = series.counts
    x_all, _names = design_matrix(series.dates, harmonics=harmonics)
    years = (series.dates.astype("datetime64[D]").astype(np.int64)) / 365.25
    q = 1.0 - alpha
    blocks = [idx[i : i + refit_every] for i in range(0, idx.size, refit_every)] if idx.size else []
    for block in blocks:
        first = int(block[0])
        hi = first - guard_days
        lo = max(0, hi - history_days)
        keep = np.asarray(x_all[lo:hi].any(axis=0), dtype=bool)  # a holiday absent from the window: no column
        keep[0] = True
        x = x_all[lo:hi][:, keep]
        xp = x_all[block][:, keep]
        if trend:  # years relative to the first judged day of the block
            x = np.column_stack([x, years[lo:hi] - years[first]])
            xp = np.column_stack([xp, years[block] - years[first]])
        y_raw = counts[:, lo:hi]
        w = (~np.isnan(y_raw)).astype(np.float64)
        y = np.nan_to_num(y_raw, nan=0.0)
        beta, phi = _robust_fit(x, y, w, weights_threshold)
        mu = np.exp(beta @ xp.T)  # series x block days
        nb = phi > 1.0
        size = mu / np.where(nb, phi - 1.0, 1.0)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(nb[:, None], nbinom.ppf(q, size, size / (size + mu)), poisson.ppf(q, mu)).astype(
                np.float64
            )
        up = np.maximum(up, float(min_cases - 1))
        y0 = counts[:, block]
        decided = ~np.isnan(y0)
        exp_out[:, block] = mu
        up_out[:, block] = up
        al_out[:, block] = np.where(decided, (y0 > up).astype(np.float64), np.nan)
    params = {
        "history_days": history_days,
        "guard_days": guard_days,
        "refit_every": refit_every,
        "alpha": alpha,
        "harmonics": harmonics,
        "trend": trend,
        "weights_threshold": weights_threshold,
        "min_cases": min_cases,
    }
    return series.with_result(
        expected=exp_out, upperbound=up_out, alarm=al_out, method="holiday_glm", params=params
    )
