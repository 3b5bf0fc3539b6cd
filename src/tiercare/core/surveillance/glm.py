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


def _solve(x: FloatArray, xx: FloatArray, w2: FloatArray, w2z: FloatArray) -> FloatArray:
    """Batched weighted least squares: beta = (X'WX)^-1 X'Wz."""
    p = x.shape[1]
    a = (w2 @ xx).reshape(-1, p, p)
    rhs = w2z @ x
    try:
        return np.asarray(np.linalg.solve(a, rhs[:, :, None])[:, :, 0])
    except np.linalg.LinAlgError:
        return np.asarray(np.einsum("mij,mj->mi", np.linalg.pinv(a), rhs))


def fit_quasipoisson(x: FloatArray, y: FloatArray, prior_weights: FloatArray | None = None) -> GlmFit:
    """Fit log(mu) = X beta to each row of ``y`` (m x n) with quasi-Poisson variance."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = y.shape
    p = x.shape[1]
    pw = np.ones_like(y) if prior_weights is None else np.asarray(prior_weights, dtype=np.float64)
    xx = np.einsum("ni,nj->nij", x, x).reshape(n, p * p)
    # Poisson deviance 2 sum pw (y log(y/mu) - (y - mu)) = 2 (c - sum pw y eta + sum pw mu):
    # the constant c = sum pw (y log y - y) is computed once, no log inside the loop.
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
    const = np.einsum("mn,mn->m", pw, ylogy - y)
    pwy = pw * y
    unit = prior_weights is None

    mu = y + 0.1
    eta = np.log(mu)
    dev_old = 2.0 * (const - np.einsum("mn,mn->m", pwy, eta) + np.einsum("mn,mn->m", pw, mu))
    beta = np.zeros((m, p))
    w2_out = np.zeros((m, n))
    mu_out = np.zeros((m, n))
    eta_out = np.zeros((m, n))
    converged = np.zeros(m, dtype=bool)
    iters = np.zeros(m, dtype=np.int64)
    # Compact working copies of the problems still iterating.
    act = np.arange(m)
    ya, pwa, pwya, ca, mua, etaa, dva = y, pw, pwy, const, mu, eta, dev_old
    for it in range(1, MAXIT + 1):
        if (mua < _TINY).any():  # R clamps d mu / d eta = exp(eta) at machine epsilon
            mu_eta = np.maximum(mua, _TINY)
            w2 = pwa * (mu_eta * mu_eta / mua)
            w2z = w2 * (etaa + (ya - mua) / mu_eta)
        else:  # log link: w = mu, z = eta + (y - mu) / mu, so w z = mu (eta - 1) + y
            w2 = mua if unit else pwa * mua
            w2z = mua * (etaa - 1.0)
            w2z += ya
            if not unit:
                w2z *= pwa
        b_new = _solve(x, xx, w2, w2z)
        etaa = b_new @ x.T
        mua = np.exp(etaa)
        sum_mu = mua.sum(axis=1) if unit else np.einsum("mn,mn->m", pwa, mua)
        dev = 2.0 * (ca - np.einsum("mn,mn->m", pwya, etaa) + sum_mu)
        done = np.abs(dev - dva) / (np.abs(dev) + 0.1) < EPSILON
        if it == MAXIT:
            finish = np.ones(act.size, dtype=bool)
        else:
            finish = done
        if finish.any():
            rows = act[finish]
            beta[rows], w2_out[rows], mu_out[rows], eta_out[rows] = (
                b_new[finish],
                w2[finish],
                mua[finish],
                etaa[finish],
            )
            converged[rows] = done[finish]
            iters[rows] = it
            keep = ~finish
            act = act[keep]
            if act.size == 0:
                break
            ya, pwa, pwya, ca = ya[keep], pwa[keep], pwya[keep], ca[keep]
            mua, etaa, dva = mua[keep], etaa[keep], dev[keep]
        else:
            dva = dev
    a = (w2_out @ xx).reshape(m, p, p)
    try:
        cov = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        cov = np.linalg.pinv(a)
    mu_eta = np.maximum(mu_out, _TINY)
    resid = (y - mu_out) / mu_eta
    df_res = (pw > 0).sum(axis=1).astype(np.float64) - p
    with np.errstate(divide="ignore", invalid="ignore"):
        disp = np.where(df_res > 0, np.einsum("mn,mn->m", w2_out, resid * resid) / df_res, np.nan)
    return GlmFit(
        beta=beta,
        mu=mu_out,
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
