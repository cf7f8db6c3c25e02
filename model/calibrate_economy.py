"""Calibration of the economy: the joint MLE of real and deflator growth, the outlook error,
the yen.

Each ``fit_*`` returns ``{name: (value, source)}`` or ``{name: (value, source, se)}`` for one
section of ``params.toml`` (written by ``jdef.calibrate``). The estimators are deterministic
(BFGS from the OLS start with fixed tolerances, closed-form moments), so the same data give
the same numbers bit for bit. Methods: METHODOLOGY.md, section 5.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import minimize

from .data import DataStore
from .errors import InputError
from .uncertainty import UNCERTAINTY

Fitted = dict[str, tuple[Any, ...]]  # name -> (value, source) or (value, source, s.e.)

SHOCK_BOUND = 8.0  # s.d.; see the parameter's source string
RECESSION_THRESHOLD = -0.02  # a recession year: real growth below -2% (FY2008, FY2009, FY2020)


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return beta, y - x @ beta


def _hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central finite-difference Hessian (deterministic)."""
    k = len(x)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            ea, eb = np.eye(k)[a] * h, np.eye(k)[b] * h
            v = (f(x + ea + eb) - f(x + ea - eb) - f(x - ea + eb) + f(x - ea - eb)) / (4 * h * h)
            out[a, b] = out[b, a] = v
    return out


@dataclass(frozen=True)
class EconomyFit:
    """MLE of x_t = c + phi x_t-1 + delta R_t + sigma e_t, e ~ unit-variance t(nu),
    for real growth and deflator."""

    coef: dict[str, float]
    se: dict[str, float]
    corr: float
    recession_prob: float
    recession_prob_se: float
    max_abs_z: float = 0.0


def _t_loglik(resid: np.ndarray, sigma: float, nu: float) -> float:
    scale = sigma * math.sqrt((nu - 2.0) / nu)
    return float(np.sum(stats.t.logpdf(resid / scale, nu) - math.log(scale)))


NU = UNCERTAINTY["economy.t_df"]  # the bounds of the t degrees of freedom


def _nu(x: float) -> float:
    lo, hi = NU.low, NU.high
    return lo + (hi - lo) / (1.0 + math.exp(-x))


def fit_economy_mle(
    g: np.ndarray, g_lag: np.ndarray, p: np.ndarray, p_lag: np.ndarray, rec: np.ndarray
) -> EconomyFit:
    """Joint maximum likelihood for both series with a shared t degrees of freedom.

    nu is bounded to the table's bounds of ``economy.t_df`` by a logistic transform; without a
    recession in the sample the recession coefficients are not identified and are set to 0 (s.e. 0).
    The optimiser (scipy BFGS from the OLS solution, fixed tolerances) is deterministic. Standard
    errors come from the inverse of a finite-difference Hessian.
    """
    has_rec = bool(rec.any())
    ones = np.ones_like(g)
    xg = np.column_stack([ones, g_lag, rec] if has_rec else [ones, g_lag])
    xp = np.column_stack([ones, p_lag, rec] if has_rec else [ones, p_lag])
    k = xg.shape[1]
    bg, rg = _ols(g, xg)
    bp, rp = _ols(p, xp)
    dof = max(len(g) - k, 1)
    theta0 = np.concatenate(
        [
            bg,
            [math.log(math.sqrt(rg @ rg / dof) + 1e-6)],
            bp,
            [math.log(math.sqrt(rp @ rp / dof) + 1e-6)],
            [0.0],
        ]
    )

    def nll(th: np.ndarray) -> float:
        nu = _nu(th[-1])
        r1 = g - xg @ th[0:k]
        r2 = p - xp @ th[k + 1 : 2 * k + 1]
        return -(_t_loglik(r1, math.exp(th[k]), nu) + _t_loglik(r2, math.exp(th[2 * k + 1]), nu))

    res = minimize(nll, theta0, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    th = res.x
    cov = np.linalg.pinv(_hessian(nll, th))
    se_th = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    nu = _nu(th[-1])
    r1, r2 = g - xg @ th[0:k], p - xp @ th[k + 1 : 2 * k + 1]
    o = k + 1  # offset of the deflator block
    lo, hi = NU.low, NU.high
    dnu = (nu - lo) * (hi - nu) / (hi - lo)  # d nu / d theta
    coef = {
        "real_c": th[0],
        "real_ar": th[1],
        "recession_real": th[2] if has_rec else 0.0,
        "real_sd": math.exp(th[k]),
        "deflator_c": th[o],
        "deflator_ar": th[o + 1],
        "recession_deflator": th[o + 2] if has_rec else 0.0,
        "deflator_sd": math.exp(th[2 * k + 1]),
        "t_df": nu,
    }
    se = {
        "real_c": se_th[0],
        "real_ar": se_th[1],
        "recession_real": se_th[2] if has_rec else 0.0,
        "real_sd": math.exp(th[k]) * se_th[k],
        "deflator_c": se_th[o],
        "deflator_ar": se_th[o + 1],
        "recession_deflator": se_th[o + 2] if has_rec else 0.0,
        "deflator_sd": math.exp(th[2 * k + 1]) * se_th[2 * k + 1],
        "t_df": dnu * se_th[-1],
    }
    n = len(g)
    prob = float(rec.mean())
    zmax = float(
        max(np.max(np.abs(r1)) / math.exp(th[k]), np.max(np.abs(r2)) / math.exp(th[2 * k + 1]))
    )
    return EconomyFit(
        {a: float(v) for a, v in coef.items()},
        {a: float(v) for a, v in se.items()},
        float(np.corrcoef(r1, r2)[0, 1]),
        prob,
        math.sqrt(prob * (1 - prob) / n),
        zmax,
    )


def _t_tail(df: float, bound: float) -> float:
    """P(|e| > bound) for a unit-variance Student-t shock with ``df`` degrees of freedom."""
    return float(2 * stats.t.sf(bound * math.sqrt(df / (df - 2)), df))


def economy_sample(
    d: DataStore, window: tuple[int, int]
) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fiscal years of ``window`` with both growth rates and their lags, and the series.

    Returns the years and, each (n_year,): real growth, its lag, deflator growth, its lag,
    and the recession indicator (1 when real growth is below RECESSION_THRESHOLD).
    """
    g = d.series("real_gdp_growth")
    p = d.series("gdp_deflator_growth")
    yrs = [
        y
        for y in range(window[0], window[1] + 1)
        if y in g and y - 1 in g and y in p and y - 1 in p
    ]
    arr = lambda s, lag: np.array([s[y - lag] for y in yrs])  # noqa: E731
    gy = arr(g, 0)
    return yrs, gy, arr(g, 1), arr(p, 0), arr(p, 1), (gy < RECESSION_THRESHOLD).astype(float)


MIN_ECONOMY_YEARS = 10


def fit_economy(d: DataStore, window: tuple[int, int]) -> Fitted:
    yrs, gy, gl, py, pl, rec = economy_sample(d, window)
    if len(yrs) < MIN_ECONOMY_YEARS:
        raise InputError(
            "as_of",
            "",
            f"only {len(yrs)} fiscal years of real growth and deflator growth were published by "
            f"{d.as_of}; at least {MIN_ECONOMY_YEARS} are needed "
            "(the earliest GDP vintage in calibration/data was published on 2024-12-31)",
        )
    fit = fit_economy_mle(gy, gl, py, pl, rec)
    c, se = fit.coef, fit.se
    span = f"FY{yrs[0]}-FY{yrs[-1]} (n={len(yrs)})"
    src = (
        "joint MLE of x_t = c + phi x_t-1 + delta R_t + sigma e_t, "
        f"e ~ unit-variance Student-t (shared nu in [{NU.low:g}, {NU.high:g}]), "
        f"real growth and deflator, {span}; R_t = 1 when real growth < -2%; "
        "s.e. from the inverse Hessian"
    )
    rev = d.series("benchmark_revision_ratio")
    recent = [math.log(v) for y, v in rev.items() if y >= max(rev) - 9] if rev else [0.0]
    return {
        "real_ar": (c["real_ar"], f"AR coefficient of real growth; {src}", se["real_ar"]),
        "real_sd": (c["real_sd"], f"shock s.d. of real growth; {src}", se["real_sd"]),
        "deflator_ar": (
            c["deflator_ar"],
            f"AR coefficient of deflator growth; {src}",
            se["deflator_ar"],
        ),
        "deflator_sd": (
            c["deflator_sd"],
            f"shock s.d. of deflator growth; {src}",
            se["deflator_sd"],
        ),
        "shock_corr": (fit.corr, f"correlation of the two MLE residual series; {span}"),
        "t_df": (c["t_df"], f"Student-t degrees of freedom (shared); {src}", se["t_df"]),
        "shock_bound": (
            SHOCK_BOUND,
            "standardised shocks are truncated at +/- this many s.d.: "
            f"{fit.max_abs_z:.2f} is the largest standardised MLE residual in {span}; "
            "under the fitted t the bound is passed in about "
            f"{_t_tail(c['t_df'], SHOCK_BOUND):.1e} of shock draws, "
            "and without it the heavy tail can drive nominal GDP below zero",
        ),
        "recession_prob": (
            fit.recession_prob,
            f"MLE share of recession years (real growth < -2%) in {span}; s.e. sqrt(p(1-p)/n)",
            fit.recession_prob_se,
        ),
        "recession_real": (
            c["recession_real"],
            f"recession coefficient (delta) in real growth; {src}",
            se["recession_real"],
        ),
        "recession_deflator": (
            c["recession_deflator"],
            f"recession coefficient (delta) in deflator growth; {src}",
            se["recession_deflator"],
        ),
        "revision_sd": (
            float(math.sqrt(np.mean(np.square(recent)))),
            (
                "root mean square of log(2020-base / 2015-base nominal GDP) over the last 10 "
                "fiscal years of benchmark_revision_ratio: the size of a benchmark level revision"
            ),
        ),
    }


def fit_outlook(d: DataStore) -> Fitted:
    gdp = d.nominal_gdp()  # the latest vintage visible
    out = d.series("gov_outlook_nominal_growth")
    yrs = [y for y in sorted(out) if y in gdp and y - 1 in gdp]
    e = np.array([out[y] - (gdp[y] / gdp[y - 1] - 1.0) for y in yrs])
    if len(e) < 2:
        raise InputError(
            "calibration/data/outlooks.csv",
            "gov_outlook_nominal_growth",
            f"fewer than two outlooks with outturns published by {d.as_of}",
        )
    src = (
        "government outlook of nominal growth minus outturn (2020-base nominal GDP), "
        f"FY{', FY'.join(map(str, yrs))} (n={len(e)})"
    )
    return {
        "bias": (
            float(e.mean()),
            f"mean error; {src}; s.e. s.d./sqrt(n)",
            float(e.std(ddof=1) / math.sqrt(len(e))),
        ),
        "sd": (float(e.std(ddof=1)), f"s.d. of the error; {src}"),
    }


def fit_fx(d: DataStore) -> Fitted:
    cy = d.series("usdjpy_average", "CY")
    yrs = [y for y in sorted(cy) if y - 1 in cy and y < d.as_of.year]
    x = np.log(np.array([cy[y] for y in yrs]))
    xl = np.log(np.array([cy[y - 1] for y in yrs]))
    b, r = _ols(x, np.column_stack([np.ones_like(xl), xl]))
    sd = math.sqrt(r @ r / (len(x) - 2))
    anchor = math.exp(b[0] / (1.0 - b[1]))
    src = (
        f"OLS of log yen/dollar (calendar-year averages) on its lag, CY{yrs[0]}-CY{yrs[-1]} "
        f"(n={len(yrs)})"
    )
    budget_fy2024 = d.value("mod_budget_request", 2024)
    share = d.value("fx_sensitive_items_fy2024_request", 2024) / budget_fy2024
    return {
        "ar": (float(b[1]), f"AR coefficient; {src}"),
        "sd": (sd, f"residual s.d.; {src}"),
        "anchor": (anchor, f"long-run mean exp(a / (1 - b)); {src}"),
        "sensitive_share": (
            share,
            (
                "FX-sensitive items in the FY2024 request (15,433 oku) / the FY2024 request "
                "(77,385 oku)"
            ),
        ),
    }
