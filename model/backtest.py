"""Rolling-origin backtests: forecasts from data up to each origin, scored against outturns.

For each origin fiscal year ``o`` the model is refitted on the data up to ``o``
(the latest published vintage, truncated at ``o``: the data pack holds no
real-time vintages before December 2024, so this is a pseudo-real-time test)
and forecasts horizons 1..5. Scores: CRPS, coverage of the central 50/80/90%
intervals, the PIT histogram and bias (median forecast minus outturn).
Benchmarks on the same cases: a random walk with drift (in logs) and, where
the data has them, the government's own outlooks scored as a point forecast
(a degenerate distribution: its CRPS is the absolute error). The forecasters are in
``jdef.forecasters``, the scores in ``jdef.scores``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from .data import DataStore
from .forecasters import (
    budget_forecast,
    cao_edition,
    economy_forecast,
    random_walk_forecast,
    window_fit,
)
from .scores import LEVELS, PIT_BINS, nanmean, score

METHODS = ("model", "random_walk_drift", "government_outlook", "model_cao_path")

SERIES = ("nominal_gdp_level", "nominal_gdp_growth", "mod_budget_level")


def run_backtest(
    d: DataStore, origins: range | None = None, horizon: int = 5, draws: int = 2000, seed: int = 1
) -> xr.Dataset:
    """Score every forecaster on every origin and horizon with an outturn in ``d``.

    Parameters
    ----------
    d : DataStore
        The data (its latest vintage, truncated at each origin by the forecasters).
    origins : range, optional
        Forecast origins, fiscal years (default FY2000 to the year before the last outturn).
    horizon : int
        Years ahead, 1..horizon.
    draws : int
        Draws per forecast.
    seed : int
        Root seed of every forecaster's generators.

    Returns
    -------
    xarray.Dataset
        Per (series, forecaster, origin, horizon) the scores of each case, and their means
        over origins; dims as named in the variables' attributes.
    """
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
                    put(0, 3, oi, h, score(c_levels[:, h], gdp[y]))
                    put(1, 3, oi, h, score(c_growth[:, h], gdp[y] / gdp[y - 1] - 1.0))
        levels, growth = economy_forecast(d, o, horizon, draws, seed, window=window)
        rw = random_walk_forecast(gdp, o, horizon, draws, seed, window_start=1994)
        rw_growth = np.concatenate([rw[:, :1] / gdp[o], rw[:, 1:] / rw[:, :-1]], axis=1) - 1.0
        for h in range(horizon):
            y = o + h + 1
            if y not in gdp:
                continue
            actual_g = gdp[y] / gdp[y - 1] - 1.0
            put(0, 0, oi, h, score(levels[:, h], gdp[y]))
            put(0, 1, oi, h, score(rw[:, h], gdp[y]))
            put(1, 0, oi, h, score(growth[:, h], actual_g))
            put(1, 1, oi, h, score(rw_growth[:, h], actual_g))
            if h == 0 and y in outlook:
                point = np.array([gdp[o] * (1 + outlook[y])])
                put(0, 2, oi, h, score(point, gdp[y]))
                put(1, 2, oi, h, score(np.array([outlook[y]]), actual_g))
        if o in budget and o - 2 in budget and o - 1 in defl:
            bm = budget_forecast(budget, defl, o, horizon, draws, seed)
            brw = random_walk_forecast(budget, o, horizon, draws, seed, window_start=min(budget))
            for h in range(horizon):
                y = o + h + 1
                if y in budget:
                    put(2, 0, oi, h, score(bm[:, h], budget[y]))
                    put(2, 1, oi, h, score(brw[:, h], budget[y]))

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
            "long_name": (
                "Continuous ranked probability score (units of the series: trillion yen for "
                "levels, fraction for growth)"
            ),
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
            nanmean(res[k], axis=2),
            {"long_name": f"Mean over origins of {k}", "units": "1"},
        )
    # the same cases for every forecaster: those where the government outlook was scored
    on_outlook = np.isfinite(res["crps"][:, METHODS.index("government_outlook")])[
        :, None
    ]  # (series, 1, origin, horizon)
    ds["crps_mean_outlook_cases"] = (
        ("series", "forecaster", "horizon"),
        nanmean(np.where(on_outlook, res["crps"], np.nan), axis=2),
        {
            "long_name": (
                "Mean CRPS over the origins where the government outlook is scored (the same "
                "cases for every forecaster)"
            ),
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
        nanmean(bias, axis=2),
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
        "summary": (
            "Pseudo-real-time forecasts of nominal GDP and the MoD budget from each origin, "
            "scored against outturns"
        ),
        "source": "jdef backtest",
        "date_created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "history": "jdef backtest",
        "as_of": d.as_of.isoformat(),
        "draws": str(draws),
        "seed_entropy": str(seed),
        "level_units": str(units),
    }
    return ds


def backtest_text(ds: xr.Dataset) -> str:
    """The backtest's scores as a plain-text table (``ds`` from ``run_backtest``)."""
    lines = [
        "Rolling-origin backtest (pseudo-real-time; origins "
        f"FY{int(ds.origin.min())}-FY{int(ds.origin.max())}, {ds.attrs['draws']} draws)",
        (
            "CRPS in the series' units (trillion yen for levels, fraction for growth); "
            "cov = share of outturns inside the central interval (n/a for a point forecast); "
            "bias = median forecast minus outturn"
        ),
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
        (
            "Pooled over horizons (each case weighted equally): coverage of the 50% / 80% / 90% "
            "intervals"
        ),
    ]
    for s in ds.series.values:
        for m in ds.forecaster.values:
            part = ds.sel(series=s, forecaster=m)
            pooled = [
                float(np.nanmean(part[f"covered_{lv}"].values))
                if np.isfinite(part[f"covered_{lv}"].values).any()
                else np.nan
                for lv in (50, 80, 90)
            ]
            if np.isfinite(pooled).all():
                lines.append(f"{s:<20}{m:<20}" + "".join(f"{c:>7.2f}" for c in pooled))
    return "\n".join(lines) + "\n"
