"""The engine shared by Farrington (1996) and the improved Farrington (Noufaily 2013).

Both methods fit, for each series and each current week t0, a quasi-Poisson GLM to
reference weeks taken from the b previous years, down-weight past outbreaks with
Anscombe residuals, drop a non-significant trend, and compare the current count with a
quantile of the predictive distribution. The reference weeks are fixed *relative* to
t0, so every (series, t0) problem shares one design matrix (time is coded as weeks
relative to t0, which leaves fitted values and tests unchanged) and all problems are
fitted together by :mod:`tiercare.core.surveillance.glm`.

The public modules (``farrington``, ``farrington_flexible``) hold the citations, the
parameters and their defaults; this module holds the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import nbinom, norm, poisson
from scipy.stats import t as student_t

from tiercare.core.errors import InvalidInput
from tiercare.core.surveillance.glm import GlmFit, fit_quasipoisson, hat_values
from tiercare.core.surveillance.series import CountSeries, FloatArray, detection_range, empty_result

PowerTrans = Literal["2/3", "1/2", "none"]
ThresholdMethod = Literal["delta", "nbPlugin", "muan"]
CHUNK = 4096


@dataclass(frozen=True)
class FarringtonOptions:
    b: int
    w: int
    reweight: bool
    weights_threshold: float
    alpha: float
    two_sided: bool
    trend: bool
    p_threshold_trend: float
    limit54: tuple[int, int] | None
    powertrans: PowerTrans
    no_periods: int
    past_weeks_not_included: int
    threshold_method: ThresholdMethod
    trend_max_check: bool
    # R farringtonFlexible: the standard errors (of eta0 and of the trend) use an
    # unfloored dispersion, after re-weighting sum(omega * ((y - mu) / mu)^2) / (n - p)
    # (the weights of the fitted model are replaced by omega), while the prediction
    # error uses phi = max(1, dispersion). Farrington (1996) uses phi throughout.
    r_flexible_se: bool = False
    # What the upper bound shows where the 5-in-4 rule withholds the alarm:
    # "keep" (the computed bound), "zero" (R algo.farrington), "na" (R farringtonFlexible).
    limited_bound: Literal["keep", "zero", "na"] = "keep"

    def validate(self) -> None:
        if self.b < 1 or self.w < 0:
            raise InvalidInput(f"Farrington needs b >= 1 and w >= 0, got b={self.b}, w={self.w}")
        if not 0.0 < self.alpha < 1.0:
            raise InvalidInput(f"alpha must be in (0, 1), got {self.alpha!r}")
        if self.powertrans not in ("2/3", "1/2", "none"):
            raise InvalidInput(f"powertrans must be '2/3', '1/2' or 'none', got {self.powertrans!r}")
        if self.threshold_method not in ("delta", "nbPlugin", "muan"):
            raise InvalidInput(
                f"threshold_method must be delta, nbPlugin or muan, got {self.threshold_method!r}"
            )
        if self.no_periods < 1:
            raise InvalidInput(f"no_periods must be >= 1, got {self.no_periods}")
        if self.past_weeks_not_included < 0:
            raise InvalidInput("past_weeks_not_included must be >= 0")
        if self.limit54 is not None and (self.limit54[0] < 0 or self.limit54[1] < 1):
            raise InvalidInput(f"limit54 must be (cases >= 0, periods >= 1), got {self.limit54}")


def reference_design(opts: FarringtonOptions, freq: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Offsets of the reference weeks relative to t0 and their seasonal level (0 = the
    window around t0 - j*freq; 1.. = the blocks between windows)."""
    w, b = opts.w, opts.b
    if opts.no_periods == 1:
        offs = np.array(
            sorted(-freq * j + k for j in range(1, b + 1) for k in range(-w, w + 1)), dtype=np.intp
        )
        return offs, np.zeros(offs.size, dtype=np.intp)
    offs = np.arange(-b * freq - w, -opts.past_weeks_not_included, dtype=np.intp)
    pos = np.mod(offs, freq)  # 0 = same week of a year
    in_window = (pos <= w) | (pos >= freq - w)
    gap_len = freq - 2 * w - 1
    gap_pos = pos - w - 1
    levels = np.where(in_window, 0, 1 + (gap_pos * (opts.no_periods - 1)) // max(gap_len, 1))
    return offs, levels.astype(np.intp)


def _design(
    offs: npt.NDArray[np.intp], levels: npt.NDArray[np.intp], no_periods: int, trend: bool
) -> FloatArray:
    cols = [np.ones(offs.size)]
    if trend:
        cols.append(offs.astype(np.float64))
    for lev in range(1, no_periods):
        cols.append((levels == lev).astype(np.float64))
    return np.column_stack(cols)


@dataclass
class _Fit:
    glm: GlmFit
    phi: FloatArray  # max(1, dispersion): the prediction-error scale
    disp_se: FloatArray  # the dispersion that scales the standard errors


def _fit_reweighted(x: FloatArray, y: FloatArray, opts: FarringtonOptions) -> _Fit:
    fit = fit_quasipoisson(x, y)
    phi = np.maximum(fit.dispersion, 1.0)
    if opts.reweight:
        h = hat_values(x, fit)
        mu = fit.mu
        with np.errstate(divide="ignore", invalid="ignore"):
            resid = (
                1.5
                * (y ** (2.0 / 3.0) - mu ** (2.0 / 3.0))
                / (mu ** (1.0 / 6.0) * np.sqrt(phi[:, None] * (1.0 - h)))
            )
            omega = np.where(resid > opts.weights_threshold, resid**-2.0, 1.0)
            omega = np.where(np.isfinite(omega), omega, 1.0)
            omega = omega * (y.shape[1] / omega.sum(axis=1))[:, None]
        fit = fit_quasipoisson(x, y, omega)
        phi = np.maximum(fit.dispersion, 1.0)
        if opts.r_flexible_se:
            n_obs, p = x.shape
            work_resid = (y - fit.mu) / fit.mu
            return _Fit(glm=fit, phi=phi, disp_se=(omega * work_resid * work_resid).sum(axis=1) / (n_obs - p))
    return _Fit(glm=fit, phi=phi, disp_se=fit.dispersion if opts.r_flexible_se else phi)


def _upper(
    opts: FarringtonOptions, mu0: FloatArray, var_eta0: FloatArray, phi: FloatArray, alpha: float
) -> FloatArray:
    z = float(norm.ppf(1.0 - alpha / 2.0)) if opts.two_sided else float(norm.ppf(1.0 - alpha))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if opts.threshold_method == "delta":
            tau = phi * mu0 + mu0 * mu0 * var_eta0
            if opts.powertrans == "2/3":
                up = mu0 * (1.0 + (2.0 / 3.0) * z * np.sqrt(tau) / mu0) ** 1.5
            elif opts.powertrans == "1/2":
                up = mu0 * (1.0 + 0.5 * z * np.sqrt(tau) / mu0) ** 2
            else:
                up = mu0 + z * np.sqrt(tau)
            return np.asarray(up)
        if opts.threshold_method == "muan":
            mu_q = np.exp(np.log(mu0) + z * np.sqrt(var_eta0))
        else:
            mu_q = mu0
        q = 1.0 - alpha
        nb = phi > 1.0
        size = np.where(nb, mu_q / np.where(nb, phi - 1.0, 1.0), 1.0)
        up_nb = nbinom.ppf(q, size, size / (size + mu_q))
        up_pois = poisson.ppf(q, mu_q)
        return np.asarray(np.where(nb, up_nb, up_pois), dtype=np.float64)


@dataclass(frozen=True)
class CellFit:
    """The fitted model of every judged (series, week) cell, before any threshold:
    ``s``, ``t`` the cell indices, ``y0`` the observed count, ``mu0`` the predicted
    mean, ``var_eta0`` the variance of the linear predictor, ``phi`` the prediction
    dispersion. One fit serves any alpha (the thresholds are cheap)."""

    s: npt.NDArray[np.intp]
    t: npt.NDArray[np.intp]
    y0: FloatArray
    mu0: FloatArray
    var_eta0: FloatArray
    phi: FloatArray


def fit_cells(series: CountSeries, opts: FarringtonOptions, range_: object) -> CellFit:
    """Fit the reference-week GLM of every cell in ``range_`` (cells with a gap are left out)."""
    opts.validate()
    offs, levels = reference_design(opts, series.freq)
    first = int(-offs.min())
    idx = detection_range(series, range_, first)  # type: ignore[arg-type]
    counts = series.counts
    s_idx, t_idx = np.meshgrid(np.arange(series.n_series), idx, indexing="ij")
    s_all, t_all = s_idx.ravel(), t_idx.ravel()
    x_trend = _design(offs, levels, opts.no_periods, True)
    x_flat = _design(offs, levels, opts.no_periods, False)
    parts: list[tuple[FloatArray, ...]] = []
    for start in range(0, s_all.size, CHUNK):
        s_c, t_c = s_all[start : start + CHUNK], t_all[start : start + CHUNK]
        y = counts[s_c[:, None], t_c[:, None] + offs[None, :]]
        y0 = counts[s_c, t_c]
        ok = ~(np.isnan(y).any(axis=1) | np.isnan(y0))
        s_c, t_c, y, y0 = s_c[ok], t_c[ok], y[ok], y0[ok]
        if s_c.size == 0:
            continue
        mu0, var_eta0, phi = _predict(x_trend, x_flat, y, opts)
        parts.append((s_c.astype(np.float64), t_c.astype(np.float64), y0, mu0, var_eta0, phi))
    if not parts:
        e = np.zeros(0)
        return CellFit(e.astype(np.intp), e.astype(np.intp), e, e, e, e)
    cols = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    return CellFit(
        s=cols[0].astype(np.intp),
        t=cols[1].astype(np.intp),
        y0=cols[2],
        mu0=cols[3],
        var_eta0=cols[4],
        phi=cols[5],
    )


def decide(
    series: CountSeries, opts: FarringtonOptions, fit: CellFit, alpha: float | None = None
) -> tuple[FloatArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Upper bound, alarm and "5-in-4 rule met" of every fitted cell at ``alpha``
    (default ``opts.alpha``); the bound is not yet masked by ``limited_bound``."""
    if alpha is not None and not 0.0 < alpha < 1.0:
        raise InvalidInput(f"alpha must be in (0, 1), got {alpha!r}")
    a = opts.alpha if alpha is None else alpha
    up = _upper(opts, fit.mu0, fit.var_eta0, fit.phi, a)
    alarm = fit.y0 > up
    enough = np.ones(fit.y0.shape, dtype=bool)
    if opts.limit54 is not None:
        cases, periods = opts.limit54
        counts = series.counts
        lo = np.maximum(fit.t - periods + 1, 0)
        csum = np.concatenate([np.zeros((counts.shape[0], 1)), np.nancumsum(counts, axis=1)], axis=1)
        recent = csum[fit.s, fit.t + 1] - csum[fit.s, lo]
        enough = recent >= cases
        alarm &= enough
    return up, alarm, enough


def run(series: CountSeries, opts: FarringtonOptions, range_: object, method: str) -> CountSeries:
    fit = fit_cells(series, opts, range_)
    up, alarm, enough = decide(series, opts, fit)
    if opts.limited_bound == "zero":
        up = np.where(enough, up, 0.0)
    elif opts.limited_bound == "na":
        up = np.where(enough, up, np.nan)
    exp_out, up_out, al_out = empty_result(series.counts.shape)
    exp_out[fit.s, fit.t] = fit.mu0
    up_out[fit.s, fit.t] = up
    al_out[fit.s, fit.t] = alarm.astype(np.float64)
    params = {k: getattr(opts, k) for k in opts.__dataclass_fields__}
    return series.with_result(expected=exp_out, upperbound=up_out, alarm=al_out, method=method, params=params)


def _predict(
    x_trend: FloatArray, x_flat: FloatArray, y: FloatArray, opts: FarringtonOptions
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """mu0, Var(eta0) (phi * x0' C x0) and phi at offset 0 for each row of y."""
    m = y.shape[0]
    mu0 = np.empty(m)
    var_eta0 = np.empty(m)
    phi = np.empty(m)
    keep = np.zeros(m, dtype=bool)
    if opts.trend:
        ft = _fit_reweighted(x_trend, y, opts)
        g = ft.glm
        se = np.sqrt((ft.disp_se if opts.r_flexible_se else g.dispersion) * g.cov_unscaled[:, 1, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            pval = 2.0 * student_t.sf(np.abs(g.beta[:, 1] / se), g.df_residual)
        mu0_t = np.exp(g.beta[:, 0])
        keep = (pval < opts.p_threshold_trend) & g.converged
        if opts.trend_max_check:
            keep &= mu0_t <= y.max(axis=1)
        mu0[keep] = mu0_t[keep]
        var_eta0[keep] = ft.disp_se[keep] * g.cov_unscaled[keep, 0, 0]
        phi[keep] = ft.phi[keep]
    rest = ~keep
    if rest.any():
        ff = _fit_reweighted(x_flat, y[rest], opts)
        g = ff.glm
        mu0[rest] = np.exp(g.beta[:, 0])
        var_eta0[rest] = ff.disp_se * g.cov_unscaled[:, 0, 0]
        phi[rest] = ff.phi
    return mu0, var_eta0, phi
