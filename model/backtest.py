"""Rolling-origin backtests: forecasts from data up to each origin, scored against outturns.

For each origin fiscal year ``o`` the model is refitted on the data up to ``o``
(the latest published vintage, truncated at ``o``: the data pack holds no
real-time vintages before December 2024, so this is a pseudo-real-time test)
and forecasts horizons 1..5. Scores: CRPS, coverage of the central 50/80/90%
intervals, the PIT histogram and bias (median forecast minus outturn).
Benchmarks on the same cases: a random walk with drift (in logs) and, where
the data has them, the government's own outlooks scored as a point forecast
(a degenerate distribution: its CRPS is the absolute error).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import xarray as xr

from . import economy
from .calibrate_economy import SHOCK_BOUND, EconomyFit, economy_sample, fit_economy_mle
from .data import DataStore

LEVELS = (0.5, 0.8, 0.9)
PIT_BINS = 10
METHODS = ("model", "random_walk_drift", "government_outlook", "model_cao_path")
CAO_VINTAGES = (
    "cao_vintage_lower_nominal_growth"  # past Cabinet Office medium-term projections (lower case)
)


def cao_edition(d: DataStore, origin: int) -> tuple[dt.date, dict[int, float]] | None:
    """The Cabinet Office projection a forecaster at ``origin`` would use: the latest edition
    published by the end of August of the next calendar year (after the origin year's first
    outturn estimate) that projects the year after the origin; None if there is none."""
    cutoff = dt.date(origin + 1, 8, 31)
    usable = [
        (day, v) for day, v in d.editions(CAO_VINTAGES).items() if day <= cutoff and origin + 1 in v
    ]
    return usable[-1] if usable else None


SERIES = ("nominal_gdp_level", "nominal_gdp_growth", "mod_budget_level")


def crps(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble: E|X - y| - E|X - X'| / 2 (exact for the empirical distribution)."""
    x = np.sort(samples)
    n = len(x)
    term1 = np.mean(np.abs(x - y))
    i = np.arange(1, n + 1)
    term2 = np.sum((2 * i - n - 1) * x) / (n * n)
    return float(term1 - term2)


def _normal_draws(
    rng: np.random.Generator, mean: float, sd: float, size: tuple[int, ...]
) -> np.ndarray:
    return mean + sd * rng.standard_normal(size)


def window_fit(
    d: DataStore, origin: int, window_start: int = 1995
) -> tuple[np.ndarray, np.ndarray, np.ndarray, EconomyFit]:
    """Real growth, deflator growth and recession years of FY``window_start``-``origin``, and their MLE fit."""
    _, g, gl, p, pl, rec = economy_sample(d, (window_start, origin))
    return g, p, rec, fit_economy_mle(g, gl, p, pl, rec)


def economy_forecast(
    d: DataStore,
    origin: int,
    horizon: int,
    n: int,
    seed: int,
    window_start: int = 1995,
    path: dict[int, float] | None = None,
    window: tuple | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Model forecast of nominal GDP (levels and growth, (n, horizon)) from data up to ``origin``.

    The economy block of the engine (economy.py kernels) with parameters fitted on
    FY``window_start``-``origin`` and parameter uncertainty: AR coefficients and shock
    scales from N(estimate, s.e.), the recession probability p from its Jeffreys posterior
    Beta(k + 1/2, n - k + 1/2), and the long-run mean growth rates from N(window mean,
    sigma / (1 - phi) / sqrt(n)) (the s.e. of the mean of an AR(1) process). As in the
    engine, recessions enter centred, delta (R - p), so that they do not lower the long-run
    mean a second time (the window means already include the recession years).

    ``path``: a Cabinet Office projection of nominal growth by fiscal year (a vintage published
    around the origin). As in the engine, the rates then revert to a path instead of the window
    means: real growth to its window mean ``mu_g`` and deflator growth to
    ``(1 + path_y) / (1 + mu_g) - 1``, so that the expected nominal growth is the path.
    Horizons beyond the path are NaN. ``window``: the ``window_fit`` of this origin, if already made.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(origin,)))
    g, p, rec, fit = window or window_fit(d, origin, window_start)
    c, se, m = fit.coef, fit.se, len(g)

    def draw(name: str, lo: float, hi: float) -> np.ndarray:
        return np.clip(_normal_draws(rng, c[name], se[name], (n,)), lo, hi)

    ar_g, ar_p = draw("real_ar", -0.99, 0.99), draw("deflator_ar", -0.99, 0.99)
    sd_g, sd_p = draw("real_sd", 1e-4, 1.0), draw("deflator_sd", 1e-4, 1.0)
    # the mean of an AR(1) process is known to s.e. sigma / (1 - phi) / sqrt(m) (its long-run s.d.)
    se_mu_g = c["real_sd"] / max(1.0 - c["real_ar"], 0.05) / math.sqrt(m)
    se_mu_p = c["deflator_sd"] / max(1.0 - c["deflator_ar"], 0.05) / math.sqrt(m)
    mu_g = _normal_draws(rng, g.mean(), se_mu_g, (n,))
    mu_p = _normal_draws(rng, p.mean(), se_mu_p, (n,))
    k = rec.sum()
    prob = rng.beta(k + 0.5, m - k + 0.5, n)
    gdp = d.nominal_gdp()
    level = np.full(n, gdp[origin])
    if path is not None:  # the deflator path implied by the nominal path and real growth's mean
        mu_p_path = {y: (1.0 + v) / (1.0 + mu_g) - 1.0 for y, v in path.items()}
        mu_p = mu_p_path.get(
            origin, p[-1]
        )  # no path value for the origin: deviation 0, as in the engine
    dev_g, dev_p = g[-1] - mu_g, p[-1] - mu_p
    levels, growth = np.full((n, horizon), np.nan), np.full((n, horizon), np.nan)
    for h in range(horizon):
        if path is not None:
            if origin + h + 1 not in mu_p_path:
                break
            mu_p = mu_p_path[origin + h + 1]
        n1, n2 = rng.standard_normal(n), rng.standard_normal(n)
        w = rng.chisquare(c["t_df"], n)
        e_g, e_p = economy.student_t_pair(n1, n2, w, fit.corr, c["t_df"], SHOCK_BOUND)
        r = (
            rng.random(n) < prob
        ) - prob  # centred, as in the engine: the window means include the recessions
        gg = economy.mean_reverting(mu_g, dev_g, ar_g, sd_g, e_g, r, c["recession_real"])
        pp = economy.mean_reverting(mu_p, dev_p, ar_p, sd_p, e_p, r, c["recession_deflator"])
        dev_g, dev_p = gg - mu_g, pp - mu_p
        new = economy.nominal_level(level, gg, pp)
        growth[:, h] = new / level - 1.0
        level = new
        levels[:, h] = level
    return levels, growth


def random_walk_forecast(
    history: dict[int, float], origin: int, horizon: int, n: int, seed: int, window_start: int
) -> np.ndarray:
    """Random walk with drift in logs, simulated as paths: a drift d ~ N(d_hat, s / sqrt(m)) per draw,
    then log increments N(d, s^2), so that log x_o+h ~ N(log x_o + h d_hat, h s^2 + h^2 s^2 / m)."""
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


def _score(samples: np.ndarray, y: float) -> dict[str, float]:
    out = {
        "crps": crps(samples, y),
        "pit": float(np.mean(samples <= y)),
        "median": float(np.median(samples)),
        "outcome": y,
    }
    point = len(samples) == 1  # a point forecast has no intervals and no PIT
    for lv in LEVELS:
        lo, hi = np.quantile(samples, [(1 - lv) / 2, (1 + lv) / 2])
        out[f"covered_{int(lv * 100)}"] = np.nan if point else float(lo <= y <= hi)
    if point:
        out["pit"] = np.nan
    return out


def run_backtest(
    d: DataStore, origins: range | None = None, horizon: int = 5, draws: int = 2000, seed: int = 1
) -> xr.Dataset:
    gdp = d.nominal_gdp()
    last = max(gdp)
    origins = origins or range(2000, last)
    outlook = d.series("gov_outlook_nominal_growth")
    budget = d.series("mod_initial_excl")
    defl = d.series("gdp_deflator_growth")
    keys = ("crps", "pit", "median", "outcome", "covered_50", "covered_80", "covered_90")
    shape = (len(SERIES), len(METHODS), len(origins), horizon)
    res = {k: np.full(shape, np.nan) for k in keys}

    def put(si: int, mi: int, oi: int, h: int, sc: dict[str, float]) -> None:
        for k in keys:
            res[k][si, mi, oi, h] = sc[k]

    for oi, o in enumerate(origins):
        edition, window = cao_edition(d, o), window_fit(d, o)
        if (
            edition is not None
        ):  # the engine's structure: rates revert to the Cabinet Office path of the time
            c_levels, c_growth = economy_forecast(
                d, o, horizon, draws, seed, path=edition[1], window=window
            )
            for h in range(horizon):
                y = o + h + 1
                if y in gdp and np.isfinite(c_levels[0, h]):
                    put(0, 3, oi, h, _score(c_levels[:, h], gdp[y]))
                    put(1, 3, oi, h, _score(c_growth[:, h], gdp[y] / gdp[y - 1] - 1.0))
        levels, growth = economy_forecast(d, o, horizon, draws, seed, window=window)
        rw = random_walk_forecast(gdp, o, horizon, draws, seed, window_start=1994)
        rw_growth = np.concatenate([rw[:, :1] / gdp[o], rw[:, 1:] / rw[:, :-1]], axis=1) - 1.0
        for h in range(horizon):
            y = o + h + 1
            if y not in gdp:
                continue
            actual_g = gdp[y] / gdp[y - 1] - 1.0
            put(0, 0, oi, h, _score(levels[:, h], gdp[y]))
            put(0, 1, oi, h, _score(rw[:, h], gdp[y]))
            put(1, 0, oi, h, _score(growth[:, h], actual_g))
            put(1, 1, oi, h, _score(rw_growth[:, h], actual_g))
            if h == 0 and y in outlook:
                point = np.array([gdp[o] * (1 + outlook[y])])
                put(0, 2, oi, h, _score(point, gdp[y]))
                put(1, 2, oi, h, _score(np.array([outlook[y]]), actual_g))
        if o in budget and o - 2 in budget and o - 1 in defl:
            bm = budget_forecast(budget, defl, o, horizon, draws, seed)
            brw = random_walk_forecast(budget, o, horizon, draws, seed, window_start=min(budget))
            for h in range(horizon):
                y = o + h + 1
                if y in budget:
                    put(2, 0, oi, h, _score(bm[:, h], budget[y]))
                    put(2, 1, oi, h, _score(brw[:, h], budget[y]))

    dims = ("series", "forecaster", "origin", "horizon")
    coords = {
        "series": list(SERIES),
        "forecaster": list(METHODS),
        "origin": np.array(list(origins), dtype=np.int32),
        "horizon": np.arange(1, horizon + 1, dtype=np.int32),
    }
    units = {"nominal_gdp_level": "1e12", "nominal_gdp_growth": "1", "mod_budget_level": "1e12"}
    ds = xr.Dataset(coords=coords)
    ds["crps"] = (
        dims,
        res["crps"],
        {
            "long_name": "Continuous ranked probability score (units of the series: trillion yen for levels, fraction for growth)",
            "units": "1",
        },
    )
    ds["pit"] = (
        dims,
        res["pit"],
        {"long_name": "Probability integral transform of the outturn", "units": "1"},
    )
    ds["median_forecast"] = (dims, res["median"], {"long_name": "Median forecast", "units": "1"})
    ds["outcome"] = (dims, res["outcome"], {"long_name": "Outturn", "units": "1"})
    for lv in LEVELS:
        k = f"covered_{int(lv * 100)}"
        ds[k] = (
            dims,
            res[k],
            {
                "long_name": f"1 if the outturn lies in the central {int(lv * 100)}% interval",
                "units": "1",
            },
        )
    n_cases = np.isfinite(res["crps"]).sum(
        axis=2
    )  # scored cases (coverage and PIT: interval forecasts only)
    ds["n_cases"] = (
        ("series", "forecaster", "horizon"),
        n_cases,
        {"long_name": "Number of scored origins", "units": "1"},
    )
    for k, name in (
        ("crps", "crps_mean"),
        ("covered_50", "coverage_50"),
        ("covered_80", "coverage_80"),
        ("covered_90", "coverage_90"),
    ):
        ds[name] = (
            ("series", "forecaster", "horizon"),
            _nanmean(res[k], axis=2),
            {"long_name": f"Mean over origins of {k}", "units": "1"},
        )
    # the same cases for every forecaster: those where the government outlook was scored
    on_outlook = np.isfinite(res["crps"][:, METHODS.index("government_outlook")])[
        :, None
    ]  # (series, 1, origin, horizon)
    ds["crps_mean_outlook_cases"] = (
        ("series", "forecaster", "horizon"),
        _nanmean(np.where(on_outlook, res["crps"], np.nan), axis=2),
        {
            "long_name": "Mean CRPS over the origins where the government outlook is scored (the same cases for every forecaster)",
            "units": "1",
        },
    )
    ds["n_outlook_cases"] = (
        ("series", "horizon"),
        on_outlook[:, 0].sum(axis=1),
        {"long_name": "Number of origins with a government outlook", "units": "1"},
    )
    bias = res["median"] - res["outcome"]
    ds["bias"] = (
        ("series", "forecaster", "horizon"),
        _nanmean(bias, axis=2),
        {"long_name": "Mean of median forecast minus outturn", "units": "1"},
    )
    edges = np.linspace(0, 1, PIT_BINS + 1)
    hist = np.zeros((len(SERIES), len(METHODS), PIT_BINS))
    for si in range(len(SERIES)):
        for mi in range(len(METHODS)):
            v = res["pit"][si, mi].ravel()
            v = v[np.isfinite(v)]
            if len(v):
                hist[si, mi] = np.histogram(np.clip(v, 0, 1 - 1e-12), edges)[0] / len(v)
            else:  # no PIT values (a point forecast, or no cases)
                hist[si, mi] = np.nan
    ds["pit_histogram"] = (
        ("series", "forecaster", "pit_bin"),
        hist,
        {"long_name": "Share of PIT values in each of 10 equal bins (all horizons)", "units": "1"},
    )
    ds = ds.assign_coords(
        pit_bin=(
            "pit_bin",
            (edges[:-1] + edges[1:]) / 2,
            {"long_name": "PIT bin centre", "units": "1"},
        )
    )
    for v in ("origin", "horizon"):
        ds[v].attrs = {
            "long_name": {
                "origin": "Forecast origin (last fiscal year of data)",
                "horizon": "Years ahead",
            }[v],
            "units": "1",
        }
    ds["series"].attrs = {"long_name": "Forecast target"}
    ds["forecaster"].attrs = {"long_name": "Forecasting method"}
    ds.attrs = {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": "jdef rolling-origin backtest",
        "summary": "Pseudo-real-time forecasts of nominal GDP and the MoD budget from each origin, scored against outturns",
        "source": "jdef backtest",
        "date_created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "history": "jdef backtest",
        "as_of": d.as_of.isoformat(),
        "draws": str(draws),
        "seed_entropy": str(seed),
        "level_units": str(units),
    }
    return ds


def _nanmean(x: np.ndarray, axis: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        cnt = np.isfinite(x).sum(axis=axis)
        s = np.nansum(x, axis=axis)
        return np.where(cnt > 0, s / np.maximum(cnt, 1), np.nan)


def backtest_text(ds: xr.Dataset) -> str:
    lines = [
        "Rolling-origin backtest (pseudo-real-time; origins "
        f"FY{int(ds.origin.min())}-FY{int(ds.origin.max())}, {ds.attrs['draws']} draws)",
        "CRPS in the series' units (trillion yen for levels, fraction for growth); cov = share of outturns inside the central"
        " interval (n/a for a point forecast); bias = median forecast minus outturn",
        f"{'series':<20}{'method':<20}{'h':>2}{'n':>4}{'CRPS':>11}{'cov50':>7}{'cov80':>7}{'cov90':>7}{'bias':>11}",
        "-" * 89,
    ]
    for s in ds.series.values:
        for m in ds.forecaster.values:
            for h in ds.horizon.values:
                n = int(ds.n_cases.sel(series=s, forecaster=m, horizon=h))
                if n == 0:
                    continue
                sel = dict(series=s, forecaster=m, horizon=h)
                cov = "".join(
                    f"{'n/a':>7}"
                    if np.isnan(float(ds[c].sel(sel)))
                    else f"{float(ds[c].sel(sel)):>7.2f}"
                    for c in ("coverage_50", "coverage_80", "coverage_90")
                )
                lines.append(
                    f"{s:<20}{m:<20}{int(h):>2}{n:>4}{float(ds.crps_mean.sel(sel)):>11.4f}{cov}"
                    f"{float(ds.bias.sel(sel)):>11.4f}"
                )
    lines += ["", "Same cases (origins with a government outlook, one year ahead): mean CRPS"]
    for s in ds.series.values:
        n = int(ds.n_outlook_cases.sel(series=s, horizon=1))
        if n:
            v = {
                m: float(ds.crps_mean_outlook_cases.sel(series=s, forecaster=m, horizon=1))
                for m in ds.forecaster.values
            }
            lines.append(
                f"{s:<20}n={n:<3}"
                + "  ".join(f"{m} {x:.4f}" for m, x in v.items() if np.isfinite(x))
            )
    lines += [
        "",
        "Pooled over horizons (each case weighted equally): coverage of the 50% / 80% / 90% intervals",
    ]
    for s in ds.series.values:
        for m in ds.forecaster.values:
            sel = ds.sel(series=s, forecaster=m)
            cov = [
                float(np.nanmean(sel[f"covered_{lv}"].values))
                if np.isfinite(sel[f"covered_{lv}"].values).any()
                else np.nan
                for lv in (50, 80, 90)
            ]
            if np.isfinite(cov).all():
                lines.append(f"{s:<20}{m:<20}" + "".join(f"{c:>7.2f}" for c in cov))
    return "\n".join(lines) + "\n"
