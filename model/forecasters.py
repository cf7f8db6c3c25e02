"""The backtest's forecasters: the model's economy block refitted at each origin, and benchmarks.

Each forecaster simulates paths from data up to a forecast origin with its own generator,
``SeedSequence(seed, spawn_key=(origin, ...))``, so that a case's draws do not depend on the
other cases. Scored in ``jdef.backtest``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from . import economy
from .calibrate_economy import SHOCK_BOUND, EconomyFit, economy_sample, fit_economy_mle
from .data import DataStore
from .uncertainty import UNCERTAINTY

# A shock s.d. drawn below this is floored to it (in economy.economy_year): the early windows
# (five years at FY2000) have s.e.s the size of the estimate.
SD_FLOOR = economy.SD_FLOOR

CAO_VINTAGES = (
    "cao_vintage_lower_nominal_growth"  # past Cabinet Office medium-term projections (lower case)
)
WEO_GROWTH = "imf_weo_nominal_growth"  # IMF World Economic Outlook editions, calendar years
# The April 2020 WEO was abbreviated: its nominal GDP path was not updated and contradicts its own
# real growth (calibration/data/README.md, "Bases and other caveats"), so it is never used.
WEO_UNUSABLE = frozenset({dt.date(2020, 4, 14)})


def origin_date(origin: int) -> dt.date:
    """The day a forecaster at fiscal-year origin ``origin`` stands: 31 August of the next
    calendar year, after the first outturn estimate of FY``origin`` (mid-May) and the spring
    editions of the official forecasts. Every vintage forecaster uses editions published by it."""
    return dt.date(origin + 1, 8, 31)


def cao_edition(d: DataStore, origin: int) -> tuple[dt.date, dict[int, float]] | None:
    """The Cabinet Office projection a forecaster at ``origin`` would use: the latest edition
    published by ``origin_date(origin)`` that projects the year after the origin; None if there
    is none."""
    cutoff = origin_date(origin)
    usable = [
        (day, v) for day, v in d.editions(CAO_VINTAGES).items() if day <= cutoff and origin + 1 in v
    ]
    return usable[-1] if usable else None


def fiscal_growth(calendar: dict[int, float]) -> dict[int, float]:
    """Fiscal-year growth rates from calendar-year ones: FY_t = 0.75 CY_t + 0.25 CY_t+1.

    FY t runs from April t to March t+1, three quarters in CY t and one in CY t+1; the rule is
    the first-order growth of that weighted level. Rates, not levels, are mapped, so that the
    IMF's base-year breaks (which shift levels only) do not enter. Years without CY_t+1 are left
    out.
    """
    return {y: 0.75 * v + 0.25 * calendar[y + 1] for y, v in calendar.items() if y + 1 in calendar}


def weo_edition(d: DataStore, origin: int) -> tuple[dt.date, dict[int, float]] | None:
    """The IMF path a forecaster at ``origin`` would use: nominal growth by fiscal year
    (``fiscal_growth``) of the latest usable WEO edition published by ``origin_date(origin)``
    that covers FY``origin + 1``; None if there is none."""
    cutoff = origin_date(origin)
    paths = [
        (day, fiscal_growth(v))
        for day, v in d.editions(WEO_GROWTH, "CY").items()
        if day <= cutoff and day not in WEO_UNUSABLE
    ]
    usable = [(day, fy) for day, fy in paths if origin + 1 in fy]
    return usable[-1] if usable else None


def point_forecast(level: float, path: dict[int, float], origin: int, horizon: int) -> np.ndarray:
    """Levels of FY``origin + 1`` .. ``origin + horizon`` (shape (horizon,)) from ``level`` at the
    origin compounded at the path's growth rates; NaN from the first year beyond the path."""
    out = np.full(horizon, np.nan)
    for h in range(horizon):
        if origin + h + 1 not in path:
            break
        level *= 1.0 + path[origin + h + 1]
        out[h] = level
    return out


def window_fit(
    d: DataStore, origin: int, window_start: int = 1995
) -> tuple[np.ndarray, np.ndarray, np.ndarray, EconomyFit]:
    """Real growth, deflator growth and recession years of FY``window_start``-``origin``,
    and their MLE fit."""
    _, g, gl, p, pl, rec = economy_sample(d, (window_start, origin))
    return g, p, rec, fit_economy_mle(g, gl, p, pl, rec)


def official_errors(d: DataStore, origin: int, horizon: int = 5) -> list[tuple[int, float]]:
    """Past errors of the official forecasts known at ``origin``: (horizon h, log(outturn /
    forecast)) of every case whose outturn year is at most ``origin``.

    Two official forecasters, as CBO and the OBR build fans from their own past errors: the
    IMF WEO path used at each earlier origin ``o' < origin`` (``weo_edition``, published by
    ``origin_date(o')``), compounded from ``Y_o'`` (``point_forecast``), h = 1..``horizon``;
    and the government's one-year outlook of nominal growth (h = 1), from ``Y_y-1``. Nothing
    published after ``origin_date(origin)`` and no outturn after FY``origin`` enters.
    """
    gdp = d.nominal_gdp()
    out: list[tuple[int, float]] = []
    for o in range(min(gdp, default=origin), origin):
        edition = weo_edition(d, o)
        if edition is None or o not in gdp:
            continue
        point = point_forecast(gdp[o], edition[1], o, horizon)
        for h in range(1, horizon + 1):
            y = o + h
            if y <= origin and y in gdp and np.isfinite(point[h - 1]):
                out.append((h, math.log(gdp[y] / point[h - 1])))
    outlook = d.series("gov_outlook_nominal_growth")
    for y in sorted(outlook):
        if y <= origin and y in gdp and y - 1 in gdp:
            out.append((1, math.log(gdp[y] / (gdp[y - 1] * (1.0 + outlook[y])))))
    return out


def fan_scale_at(
    d: DataStore,
    origin: int,
    path: dict[int, float] | None,
    window: tuple | None = None,
    horizon: int = 5,
    n: int = 2000,
    seed: int = 1,
) -> tuple[float, int]:
    """The calibrated fan scale at ``origin`` and the number of official errors it rests on:
    ``economy.conformal_scale`` of the official errors known there (``official_errors``)
    against the spread of the unscaled fan around ``path`` (``economy_forecast`` with fan
    scale 1, parameters fitted up to ``origin``). The backtest calls it at every origin, and
    ``jdef calibrate`` at the last year of data for the production run."""
    errors = official_errors(d, origin, horizon)
    if path is None or len(errors) < economy.MIN_ERRORS:
        return 1.0, len(errors)
    levels, _ = economy_forecast(d, origin, horizon, n, seed, path=path, window=window)
    spread = np.full(horizon, np.nan)
    for h in range(horizon):
        if np.isfinite(levels[0, h]):
            x = np.log(levels[:, h])
            spread[h] = np.median(np.abs(x - np.median(x)))
    return economy.conformal_scale(errors, spread), len(errors)


def economy_forecast(
    d: DataStore,
    origin: int,
    horizon: int,
    n: int,
    seed: int,
    window_start: int = 1995,
    path: dict[int, float] | None = None,
    window: tuple | None = None,
    fan_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Model forecast of nominal GDP (levels and growth, (n, horizon)) from data up to ``origin``.

    Each year is ``economy.economy_year``, the function that builds the engine's fan, with
    parameters fitted on FY``window_start``-``origin`` (``window_fit``, the estimator of
    ``jdef calibrate``).

    ``path`` None (``model``): the rates revert to the window means, with the uncertainty of
    a model without an official path: AR coefficients and shock scales from N(estimate, s.e.)
    clipped to the uncertainty table's bounds, the recession probability p from its Jeffreys
    posterior Beta(k + 1/2, n - k + 1/2), and the long-run means from N(window mean,
    sigma / (1 - phi) / sqrt(n)) (the s.e. of the mean of an AR(1) process).

    ``path`` given (``model_cao_path``, ``model_weo_path``): the production uncertainty model
    (METHODOLOGY.md, section 2.5), as the engine draws it: AR coefficients, shock scales and
    p from N(estimate, s.e.) clipped to the table's bounds (``Uncertain.draw``, as
    ``Params.per_draw``), the shock scales times ``fan_scale`` (``fan_scale_at``; in the engine
    ``economy.fan_scale`` of params.toml). Real growth reverts to its window mean ``mu_g`` and
    deflator growth to ``(1 + path_y) / (1 + mu_g) - 1``, so that the expected nominal
    growth is the path. Horizons beyond the path are NaN. ``window``: the ``window_fit`` of
    this origin, if already made.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(origin,)))
    g, p, rec, fit = window or window_fit(d, origin, window_start)
    c, se, m = fit.coef, fit.se, len(g)

    def draw(name: str) -> np.ndarray:  # from the window's estimate and s.e., as in the engine
        return UNCERTAINTY[f"economy.{name}"].draw(c[name], se[name], rng.standard_normal(n))

    ar_g, ar_p = draw("real_ar"), draw("deflator_ar")
    sd_g = economy.shock_scale(draw("real_sd"), fan_scale)
    sd_p = economy.shock_scale(draw("deflator_sd"), fan_scale)
    if path is None:
        # the mean of an AR(1) process is known to s.e. sigma / (1 - phi) / sqrt(m)
        se_mu_g = c["real_sd"] / max(1.0 - c["real_ar"], 0.05) / math.sqrt(m)
        se_mu_p = c["deflator_sd"] / max(1.0 - c["deflator_ar"], 0.05) / math.sqrt(m)
        mu_g = g.mean() + se_mu_g * rng.standard_normal(n)
        mu_p = p.mean() + se_mu_p * rng.standard_normal(n)
        k = rec.sum()
        prob = rng.beta(k + 0.5, m - k + 0.5, n)
    else:
        mu_g = float(g.mean())
        prob = UNCERTAINTY["economy.recession_prob"].draw(
            fit.recession_prob, fit.recession_prob_se, rng.standard_normal(n)
        )
        # the deflator path implied by the nominal path and real growth's mean
        mu_p_path = {y: (1.0 + v) / (1.0 + mu_g) - 1.0 for y, v in path.items()}
        mu_p = mu_p_path.get(origin, p[-1])  # no path value for the origin: deviation 0
    gdp = d.nominal_gdp()
    level = np.full(n, gdp[origin])
    fixed = (fit.corr, c["t_df"], SHOCK_BOUND, c["recession_real"], c["recession_deflator"])
    dev_g, dev_p = g[-1] - mu_g, p[-1] - mu_p
    levels, growth = np.full((n, horizon), np.nan), np.full((n, horizon), np.nan)
    for h in range(horizon):
        if path is not None:
            if origin + h + 1 not in mu_p_path:
                break
            mu_p = mu_p_path[origin + h + 1]
        n1, n2 = rng.standard_normal(n), rng.standard_normal(n)
        w = rng.chisquare(c["t_df"], n)
        r = (rng.random(n) < prob) - prob  # centred: the means include the recessions
        gg, pp = economy.economy_year(
            mu_g, mu_p, dev_g, dev_p, ar_g, sd_g, ar_p, sd_p, n1, n2, w, r, fixed
        )
        dev_g, dev_p = gg - mu_g, pp - mu_p
        new = economy.nominal_level(level, gg, pp)
        growth[:, h] = new / level - 1.0
        level = new
        levels[:, h] = level
    return levels, growth


def random_walk_forecast(
    history: dict[int, float], origin: int, horizon: int, n: int, seed: int, window_start: int
) -> np.ndarray:
    """Random walk with drift in logs, simulated as paths: a drift d ~ N(d_hat, s / sqrt(m)) per
    draw, then log increments N(d, s^2), so that
    log x_o+h ~ N(log x_o + h d_hat, h s^2 + h^2 s^2 / m)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(origin, 1)))
    yrs = [y for y in range(window_start + 1, origin + 1) if y in history and y - 1 in history]
    lg = np.array([math.log(history[y] / history[y - 1]) for y in yrs])
    dft, s, m = lg.mean(), lg.std(ddof=1), len(lg)
    drift = dft + s / math.sqrt(m) * rng.standard_normal((n, 1))
    steps = drift + s * rng.standard_normal((n, horizon))
    return history[origin] * np.exp(np.cumsum(steps, axis=1))


def budget_forecast(
    budget: dict[int, float],
    deflator: dict[int, float],
    origin: int,
    horizon: int,
    n: int,
    seed: int,
) -> np.ndarray:
    """The engine's post-plan ``hold_real`` rule: B_t = B_t-1 (1 + expected deflator) exp(sd z).

    Expected deflator: mean deflator growth over the budget window; sd: RMS of the
    rule's log errors on the budget history up to the origin (its own implementation noise).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(origin, 2)))
    yrs = [y for y in sorted(budget) if y <= origin and y - 1 in budget and y in deflator]
    pi = np.mean([deflator[y] for y in yrs])
    err = np.array([math.log(budget[y] / (budget[y - 1] * (1 + pi))) for y in yrs])
    sd = math.sqrt(np.mean(err**2))
    steps = np.exp(sd * rng.standard_normal((n, horizon)))
    return budget[origin] * np.cumprod((1 + pi) * steps, axis=1)
