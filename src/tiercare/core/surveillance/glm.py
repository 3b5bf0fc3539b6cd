"""Batched quasi-Poisson GLM (log link) fitted by IRLS, many problems at once.

Every Farrington-type detector fits one small GLM per (series, week). The design
matrix depends only on the position of the reference weeks *relative* to the current
week, so all problems share one ``X`` (n x p) and differ in the counts ``Y`` (m x n)
and prior weights ``W`` (m x n). One IRLS step for all m problems is then two matrix
products and a batched p x p solve: no Python loop over series.

The iteration follows the standard IRLS of McCullagh & Nelder (1989, sec. 2.5) with the
conventions of R's ``glm.fit`` (documented in R's ``?glm.control`` and ``?glm``):
start at mu = y + 0.1, stop when |dev - dev_old| / (|dev| + 0.1) < 1e-8, at most 25
iterations; each problem stops at its own iteration. The reported working weights are
those of the last weighted least-squares step, and the quasi-Poisson dispersion is the
Pearson statistic sum(w * r^2) / (n - p) over the observations with positive prior
weight (as R's ``summary.glm``), so that results agree with R to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

EPSILON = 1e-8
MAXIT = 25
_TINY = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class GlmFit:
    """Result of m fits sharing one design: arrays are (m, ...)."""

    beta: FloatArray  # (m, p)
    mu: FloatArray  # (m, n) fitted means
    work_weights: FloatArray  # (m, n) working weights of the last WLS step
    cov_unscaled: FloatArray  # (m, p, p) (X' W X)^-1
    dispersion: FloatArray  # (m,) Pearson estimate of phi (not floored)
    df_residual: FloatArray  # (m,)
    converged: npt.NDArray[np.bool_]  # (m,)
    iterations: npt.NDArray[np.int64]  # (m,)


def _deviance(y: FloatArray, mu: FloatArray, pw: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return np.asarray(2.0 * (pw * (term - (y - mu))).sum(axis=1))


def _wls(x: FloatArray, xx: FloatArray, w2: FloatArray, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Batched weighted least squares: beta = (X'WX)^-1 X'Wz and (X'WX)^-1."""
    p = x.shape[1]
    a = (w2 @ xx).reshape(-1, p, p)
    rhs = (w2 * z) @ x
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(a)
    beta = np.einsum("mij,mj->mi", inv, rhs)
    return beta, inv


def fit_quasipoisson(x: FloatArray, y: FloatArray, prior_weights: FloatArray | None = None) -> GlmFit:
    """Fit log(mu) = X beta to each row of ``y`` (m x n) with quasi-Poisson variance."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = y.shape
    p = x.shape[1]
    pw = np.ones_like(y) if prior_weights is None else np.asarray(prior_weights, dtype=np.float64)
    xx = np.einsum("ni,nj->nij", x, x).reshape(n, p * p)

    mu = y + 0.1
    eta = np.log(mu)
    dev_old = _deviance(y, mu, pw)
    beta = np.zeros((m, p))
    cov = np.zeros((m, p, p))
    w2_out = np.zeros((m, n))
    converged = np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=np.int64)
    active = np.arange(m)
    for it in range(1, MAXIT + 1):
        ya, mua, etaa, pwa = y[active], mu[active], eta[active], pw[active]
        mu_eta = np.maximum(np.exp(etaa), _TINY)
        z = etaa + (ya - mua) / mu_eta
        w2 = pwa * mu_eta * mu_eta / mua
        b_new, inv = _wls(x, xx, w2, z)
        eta_new = b_new @ x.T
        mu_new = np.exp(eta_new)
        dev = _deviance(ya, mu_new, pwa)
        beta[active], cov[active], w2_out[active] = b_new, inv, w2
        mu[active], eta[active] = mu_new, eta_new
        iters[active] = it
        done = np.abs(dev - dev_old[active]) / (np.abs(dev) + 0.1) < EPSILON
        converged[active[done]] = True
        dev_old[active] = dev
        active = active[~done]
        if active.size == 0:
            break
    mu_eta = np.maximum(np.exp(eta), _TINY)
    resid = (y - mu) / mu_eta
    df_res = (pw > 0).sum(axis=1).astype(np.float64) - p
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = np.where(df_res > 0, (np.where(w2_out > 0, w2_out * resid * resid, 0.0)).sum(axis=1) / df_res, np.nan)
    return GlmFit(
        beta=beta,
        mu=mu,
        work_weights=w2_out,
        cov_unscaled=cov,
        dispersion=disp,
        df_residual=df_res,
        converged=converged,
        iterations=iters,
    )


def hat_values(x: FloatArray, fit: GlmFit) -> FloatArray:
    """Diagonal of the weighted hat matrix W^1/2 X (X'WX)^-1 X' W^1/2, (m, n)."""
    n, p = x.shape
    xx = np.einsum("ni,nj->nij", x, x).reshape(n, p * p)
    quad = fit.cov_unscaled.reshape(-1, p * p) @ xx.T
    return np.asarray(fit.work_weights * quad)
