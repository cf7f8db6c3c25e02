"""Rolling-origin backtests: forecasts from data up to each origin, scored against outturns.

For each origin fiscal year ``o`` the model is refitted on the data up to ``o``
(the latest published vintage, truncated at ``o``: the data pack holds no
real-time GDP vintages, so the window and the outturns are pseudo-real-time)
and forecasts horizons 1..5. The official paths are real-time: the forecasters
around a path (``model_cao_path``, ``model_weo_path``) and the IMF point forecast
(``imf_weo``) use only the editions published by the origin date, 31 August of
o + 1 (``jdef.forecasters.origin_date``). Scores: CRPS, coverage of the central
50/80/90% intervals, the PIT histogram and bias (median forecast minus outturn).
Benchmarks on the same cases: a random walk with drift (in logs), the IMF's point
forecast and, where the data has them, the government's own outlooks, the point
forecasts scored as degenerate distributions (CRPS = absolute error). The
forecasters are in ``jdef.forecasters``, the scores in ``jdef.scores``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import xarray as xr

from .data import DataStore
from .economy import MIN_ERRORS
from .forecasters import (
    budget_forecast,
    cao_edition,
    economy_forecast,
    fan_scale_at,
    point_forecast,
    random_walk_forecast,
    weo_edition,
    window_fit,
)
from .scores import LEVELS, PIT_BINS, nanmean, pit_counts, pit_histogram, score

METHODS = (
    "model",
    "random_walk_drift",
    "government_outlook",
    "model_cao_path",
    "model_weo_path",
    "imf_weo",
)

CAO, WEO, IMF = (METHODS.index(m) for m in ("model_cao_path", "model_weo_path", "imf_weo"))
SERIES = ("nominal_gdp_level", "nominal_gdp_growth", "mod_budget_level")
# the forecasters that define the same cases of every comparison
SAME_CASES = ("model", "random_walk_drift", "model_weo_path", "imf_weo")


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
    fan_scale = np.full(len(origins), np.nan)
    n_errors = np.zeros(len(origins), dtype=np.int32)

    def put(si: int, mi: int, oi: int, h: int, sc: dict[str, float]) -> None:
        for k in keys:
            res[k][si, mi, oi, h] = sc[k]

    for oi, o in enumerate(origins):
        window = window_fit(d, o)
        # the production uncertainty model: its fan scale from the official errors known at o
        weo = weo_edition(d, o)
        scale, n_err = fan_scale_at(d, o, weo[1] if weo else None, window, horizon, draws, seed)
        fan_scale[oi], n_errors[oi] = scale, n_err
        # the engine's structure: rates revert to an official path published by the origin date
        for mi, edition in ((CAO, cao_edition(d, o)), (WEO, weo)):
            if edition is None:
                continue
            p_levels, p_growth = economy_forecast(
                d, o, horizon, draws, seed, path=edition[1], window=window, fan_scale=scale
            )
            for h in range(horizon):
                y = o + h + 1
                if y in gdp and np.isfinite(p_levels[0, h]):
                    put(0, mi, oi, h, score(p_levels[:, h], gdp[y]))
                    put(1, mi, oi, h, score(p_growth[:, h], gdp[y] / gdp[y - 1] - 1.0))
            if mi == WEO:  # the IMF's own point forecast, compounded from the origin's level
                point = point_forecast(gdp[o], edition[1], o, horizon)
                for h in range(horizon):
                    y = o + h + 1
                    if y in gdp and np.isfinite(point[h]):
                        put(0, IMF, oi, h, score(point[h : h + 1], gdp[y]))
                        put(
                            1, IMF, oi, h, score(np.array([edition[1][y]]), gdp[y] / gdp[y - 1] - 1)
                        )
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
    ds["fan_scale"] = (
        ("origin",),
        fan_scale,
        {
            "long_name": (
                "Fan scale of the path forecasters at the origin: rolling conformal scaling on "
                "the official forecasts' errors known at the origin (1 with fewer than "
                f"{MIN_ERRORS}; METHODOLOGY.md, section 2.5)"
            ),
            "units": "1",
        },
    )
    ds["n_official_errors"] = (
        ("origin",),
        n_errors,
        {"long_name": "Number of official forecast errors known at the origin", "units": "1"},
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
    # the same cases for every forecaster: the government outlook and SAME_CASES all scored
    scored = np.isfinite(res["crps"][:, [METHODS.index(m) for m in SAME_CASES]]).all(axis=1)
    on_outlook = (np.isfinite(res["crps"][:, METHODS.index("government_outlook")]) & scored)[
        :, None
    ]  # (series, 1, origin, horizon)
    ds["crps_mean_outlook_cases"] = (
        ("series", "forecaster", "horizon"),
        nanmean(np.where(on_outlook, res["crps"], np.nan), axis=2),
        {
            "long_name": (
                "Mean CRPS over the origins where the government outlook and "
                f"{', '.join(SAME_CASES)} are all scored (the same cases for every forecaster)"
            ),
            "units": "1",
        },
    )
    ds["n_outlook_cases"] = (
        ("series", "horizon"),
        on_outlook[:, 0].sum(axis=1),
        {
            "long_name": (
                f"Number of origins where the government outlook and {', '.join(SAME_CASES)} "
                "are all scored"
            ),
            "units": "1",
        },
    )
    bias = res["median"] - res["outcome"]
    ds["bias"] = (
        ("series", "forecaster", "horizon"),
        nanmean(bias, axis=2),
        {"long_name": "Mean of median forecast minus outturn", "units": "1"},
    )
    edges = np.linspace(0, 1, PIT_BINS + 1)
    ds["pit_histogram"] = (
        ("series", "forecaster", "pit_bin"),
        pit_histogram(res["pit"], edges),
        {"long_name": "Share of PIT values in each of 10 equal bins (all horizons)", "units": "1"},
    )
    _same_cases(ds, res, edges)
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
            "Forecasts of nominal GDP and the MoD budget from each origin (official paths as "
            "published by the origin date, national accounts pseudo-real-time), scored against "
            "outturns"
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


def _same_cases(ds: xr.Dataset, res: dict[str, np.ndarray], edges: np.ndarray) -> None:
    """Add the scores of every forecaster on the same cases: the (origin, horizon) cases of each
    series where all of SAME_CASES are scored (the government outlook, a horizon-1 forecaster,
    and the Cabinet Office path, with fewer editions, are shown on their share of these cases)."""
    same = np.isfinite(res["crps"][:, [METHODS.index(m) for m in SAME_CASES]]).all(axis=1)
    ds["same_case"] = (
        ("series", "origin", "horizon"),
        same.astype(np.int8),
        {"long_name": f"1 if {', '.join(SAME_CASES)} are all scored on the case", "units": "1"},
    )
    on = {k: np.where(same[:, None], res[k], np.nan) for k in ("crps", "covered_50", "covered_80")}
    ds["n_same_cases"] = (
        ("series", "forecaster", "horizon"),
        np.isfinite(on["crps"]).sum(axis=2),
        {"long_name": "Number of same cases scored", "units": "1"},
    )
    for k, name in (("crps", "crps"), ("covered_50", "coverage_50"), ("covered_80", "coverage_80")):
        ds[f"{name}_same"] = (
            ("series", "forecaster", "horizon"),
            nanmean(on[k], axis=2),
            {"long_name": f"Mean of {k} over the same cases, by horizon", "units": "1"},
        )
        flat = on[k].reshape(*on[k].shape[:2], -1)
        ds[f"{name}_same_pooled"] = (
            ("series", "forecaster"),
            nanmean(flat, axis=2),
            {"long_name": f"Mean of {k} over the same cases, all horizons pooled", "units": "1"},
        )
    pit_same = np.where(same[:, None], res["pit"], np.nan)
    ds["pit_histogram_same"] = (
        ("series", "forecaster", "pit_bin"),
        pit_histogram(pit_same, edges),
        {"long_name": "Share of PIT values in each bin, same cases, all horizons", "units": "1"},
    )
    ds["pit_count_same"] = (
        ("series", "forecaster", "horizon", "pit_bin"),
        pit_counts(pit_same, edges),
        {"long_name": "Number of PIT values in each bin, same cases, by horizon", "units": "1"},
    )


def same_cases_text(ds: xr.Dataset, series: str = "nominal_gdp_level") -> list[str]:
    """The same-case table of ``series``: n, coverage of the 50% / 80% intervals, mean CRPS and
    its ratios to the random walk's and the IMF point forecast's on the same cases (for a
    forecaster scored on fewer of them, the benchmarks' CRPS on its cases), by horizon and
    pooled over horizons (each case weighted equally)."""
    s = ds.sel(series=series)
    same = s.same_case.values.astype(bool)  # (origin, horizon)
    lines = [
        f"Same cases ({series}; every case where {', '.join(SAME_CASES)} are all scored)",
        f"{'method':<20}{'h':>6}{'n':>4}{'cov50':>7}{'cov80':>7}{'CRPS':>10}{'/rw':>7}{'/imf':>7}",
    ]
    crps = {m: s.crps.sel(forecaster=m).values for m in ds.forecaster.values}
    for m in ds.forecaster.values:
        for h in [*range(len(ds.horizon)), None]:  # None: pooled
            mask = same & np.isfinite(crps[m])
            if h is not None:
                mask[:, np.arange(len(ds.horizon)) != h] = False
            if not mask.any():
                continue
            c, rw, imf = (float(crps[k][mask].mean()) for k in (m, "random_walk_drift", "imf_weo"))
            cov = "".join(
                f"{'n/a':>7}" if np.isnan(x := float(np.mean(v[mask]))) else f"{x:>7.2f}"
                for v in (s[f"covered_{lv}"].sel(forecaster=m).values for lv in (50, 80))
            )
            lines.append(
                f"{m:<20}{'pooled' if h is None else h + 1:>6}{int(mask.sum()):>4}{cov}"
                f"{c:>10.{3 if 'level' in series else 5}f}{c / rw:>7.3f}{c / imf:>7.3f}"
            )
    return lines


def backtest_text(ds: xr.Dataset) -> str:
    """The backtest's scores as a plain-text table (``ds`` from ``run_backtest``)."""
    lines = [
        "Rolling-origin backtest (official paths real-time, national accounts pseudo-real-time; "
        "origins "
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
    lines += [
        "",
        (
            "Same cases (one year ahead, origins where the government outlook and "
            f"{', '.join(SAME_CASES)} are all scored): mean CRPS"
        ),
    ]
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
    for s in ("nominal_gdp_level", "nominal_gdp_growth"):
        lines += ["", *same_cases_text(ds, s)]
    return "\n".join(lines) + "\n"


def pit_figure(ds: xr.Dataset, series: str = "nominal_gdp_level") -> bytes:
    """PNG of the PIT histograms of the interval forecasters on the same cases (``pit_count_same``
    pooled over horizons, as shares): a calibrated forecaster's bars are flat at 1 / PIT_BINS."""
    from .report.figures.common import figure, png_bytes

    counts = ds.pit_count_same.sel(series=series).sum("horizon")
    shown = [str(m) for m in ds.forecaster.values if int(counts.sel(forecaster=m).sum()) > 0]
    fig = figure(3.0 * max(len(shown), 1), 2.8)
    axes = fig.subplots(1, max(len(shown), 1), sharey=True, squeeze=False)[0]
    centres = ds.pit_bin.values
    for ax, m in zip(axes, shown, strict=False):
        c = counts.sel(forecaster=m).values
        n = int(c.sum())
        ax.bar(centres, c / n, width=1.0 / PIT_BINS, edgecolor="white", color="#1f77b4")
        ax.axhline(1.0 / PIT_BINS, color="#d62728", lw=1.2, ls="--")
        ax.set_title(f"{m} (n={n})", fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("PIT", fontsize=8)
    axes[0].set_ylabel("share of cases", fontsize=8)
    fig.suptitle(f"PIT histograms, {series}, same cases, horizons 1-5 pooled", fontsize=10)
    return png_bytes(fig)
