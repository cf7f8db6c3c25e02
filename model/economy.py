"""Economy kernels: pure numpy functions of old state, parameters and shocks.

Equations (METHODOLOGY.md, section 2):

    e_g  = clip(n1 * s, +/-B),  e_pi = clip((rho n1 + sqrt(1 - rho^2) n2) * s, +/-B),
    s    = sqrt((nu - 2) / w),  w ~ chi2(nu)
    g_t  = mu_g,t  + phi_g  (g_t-1  - mu_g,t-1)  + sigma_g  e_g  + delta_g  (R_t - p)
    pi_t = mu_pi,t + phi_pi (pi_t-1 - mu_pi,t-1) + sigma_pi e_pi + delta_pi (R_t - p)

R_t = 1 in a recession year (probability p); centred, R_t - p, so that the path mu is
the expected rate with recessions included (p = 0 when random recessions are off).
    Y_t  = Y_t-1 (1 + g_t)(1 + pi_t)
"""

from __future__ import annotations

import math

import numpy as np


def student_t_pair(
    n1: np.ndarray, n2: np.ndarray, w: np.ndarray, rho: float, df: float, bound: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """Two unit-variance Student-t shocks with correlation ``rho`` (shared mixing variable),
    truncated at +/- ``bound`` standard deviations."""
    s = np.divide(df - 2.0, w)
    np.sqrt(s, out=s)
    e1 = n1 * s
    e2 = np.multiply(n2, math.sqrt(1.0 - rho * rho))
    e2 += rho * n1
    e2 *= s
    if np.isfinite(bound):
        np.clip(e1, -bound, bound, out=e1)
        np.clip(e2, -bound, bound, out=e2)
    return e1, e2


def mean_reverting(
    mu: float,
    dev_prev: np.ndarray,
    ar,
    sd,
    shock: np.ndarray,
    recession: np.ndarray,
    depth: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """One year of a rate that reverts towards the scenario path ``mu``:
    ``mu + ar dev_prev + sd shock + depth R``, with ``recession`` the centred indicator R - p.
    ``out`` may be given to write the result into (no argument is changed otherwise)."""
    out = np.multiply(dev_prev, ar, out=out)
    out += mu
    out += np.multiply(shock, sd)
    out += depth * recession
    return out


def nominal_level(
    prev: np.ndarray, real: np.ndarray, deflator: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """``prev (1 + real)(1 + deflator)``."""
    out = np.add(real, 1.0, out=out)
    out *= prev
    out *= 1.0 + deflator
    return out


def outlook_growth(
    mu_real: float, mu_deflator: float, bias: float | np.ndarray, sd: float, z: np.ndarray
) -> np.ndarray:
    """Government outlook of nominal growth: the path plus a biased forecast error."""
    g = np.multiply(z, sd)
    g += bias
    g += (1.0 + mu_real) * (1.0 + mu_deflator) - 1.0
    return g


def log_ar1(
    prev_log: np.ndarray, anchor_log: float, ar: float, sd: float, z: np.ndarray
) -> np.ndarray:
    """Log yen/dollar rate reverting towards its anchor."""
    return anchor_log + ar * (prev_log - anchor_log) + sd * z


SD_FLOOR = 1e-4  # a shock s.d. drawn below this is floored to it (see economy_year)


def economy_year(
    mu_g: float,
    mu_pi,
    dev_g,
    dev_pi,
    real_ar,
    real_sd,
    deflator_ar,
    deflator_sd,
    n1: np.ndarray,
    n2: np.ndarray,
    w: np.ndarray,
    centred: np.ndarray,
    fixed: tuple[float, float, float, float, float],
    out: tuple[np.ndarray, np.ndarray] | None = None,
    pair: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One year of the economy's fan: real growth and deflator growth, (n,) each.

    The one function that builds the GDP fan, in the engine (``events.economy_event``) and in
    the backtest (``forecasters.economy_forecast``) alike (METHODOLOGY.md, sections 2.1, 2.5
    and 9): the Student-t shock pair, the recession term ``centred`` (R - p) and the two rates
    reverting to the path. ``real_sd`` and ``deflator_sd`` are the draw's shock scales as
    ``shock_scale`` makes them (floored, times the calibrated fan scale and the scenario's
    volatility scale). ``fixed`` is (shock_corr, t_df, shock_bound, recession_real,
    recession_deflator). ``pair``: the shock pair ``student_t_pair(n1, n2, w, ...)`` if already
    made (stacked sensitivity runs on the same shocks).
    """
    corr, df, bound, d_g, d_pi = fixed
    e_g, e_pi = student_t_pair(n1, n2, w, corr, df, bound) if pair is None else pair
    o_g, o_pi = out if out is not None else (None, None)
    g = mean_reverting(mu_g, dev_g, real_ar, real_sd, e_g, centred, d_g, out=o_g)
    pi = mean_reverting(mu_pi, dev_pi, deflator_ar, deflator_sd, e_pi, centred, d_pi, out=o_pi)
    return g, pi


def shock_scale(drawn_sd, scale: float):
    """A draw's shock scale as the fan uses it: the drawn s.d. floored at SD_FLOOR (a zero s.d.
    would make a draw a point forecast; the early backtest windows have s.e.s the size of the
    estimate), times ``scale`` (the calibrated fan scale, times the scenario's volatility scale
    in the engine). The engine (``context.drawn``) and the backtest
    (``forecasters.economy_forecast``) both call it."""
    return np.maximum(drawn_sd, SD_FLOOR) * scale


MIN_ERRORS = 10  # fewer official errors known than this: no calibration (fan scale 1)


def conformal_scale(errors: list[tuple[int, float]], spread: np.ndarray) -> float:
    """The fan scale: rolling conformal scaling on official forecasters' past errors.

    ``errors``: (horizon h, log(outturn / official forecast)) of every past official forecast
    whose outturn is known; ``spread``: the unscaled fan's median absolute log deviation from
    its median, by horizon (``spread[h - 1]``, NaN where the fan does not reach). The scale is
    the median over the errors of |error| / spread(h): multiplying the shock scales by it
    makes the fan's central 50% interval as wide as the official errors' median size. With
    fewer than MIN_ERRORS usable errors it is 1 (no calibration).
    """
    ratios = [abs(e) / spread[h - 1] for h, e in errors if h <= len(spread)]
    ratios = [r for r in ratios if np.isfinite(r)]
    if len(ratios) < MIN_ERRORS:
        return 1.0
    return float(np.median(ratios))


def nowcast_level(level: float, sd: float, z: np.ndarray) -> np.ndarray:
    """A finished year's nominal GDP per draw: the nowcast times its revision, exp(sd z)."""
    return level * np.exp(sd * np.asarray(z))
