"""One ``xarray.Dataset`` with CF/ACDD attributes and JSON provenance."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import numpy as np
import xarray as xr

from . import __version__
from . import categories as cats
from .constants import (
    CATEGORY,
    DEFAULT_PERCENTILES,
    DRAW,
    FRACTION,
    PACKAGE_DIR,
    PERCENTILE,
    POLICY,
    THRESHOLD,
    TRILLION_YEN,
    YEAR,
)
from .inputs import ModelInputs
from .summaries import Stats
from .variables import VARIABLES, Stat, Variable


def _git_commit() -> str:
    """The commit of jdef's own checkout when the code runs from one (an editable install or
    the source tree); "" for an installed package, wherever it sits."""
    root = PACKAGE_DIR.parent
    if (
        PACKAGE_DIR.name != "model"
        or not (root / ".git").exists()
        or not (root / "pyproject.toml").is_file()
    ):
        return ""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _attrs(v: Variable) -> dict:
    out: dict = {"long_name": v.long_name, "coverage_content_type": "modelResult"}
    if v.units is not None:
        out["units"] = v.units
    if v.units == TRILLION_YEN:
        out["currency"] = "JPY (units 1e12: trillion yen)"
    return {**out, **dict(v.attrs)}


def _arrange(data: np.ndarray, axes: tuple[str, ...], v: Variable) -> np.ndarray:
    """``data`` on ``axes`` put in the variable's order of dimensions (a view)."""
    return np.transpose(data, [axes.index(d) for d in v.dims])


def variables_of(v: Variable, inp: ModelInputs, st: Stats) -> dict[str, xr.Variable]:
    """The Dataset variables a registry record makes (two for a probability: it and its s.e.)."""
    attrs = _attrs(v)
    if v.stat is Stat.PROBABILITY:
        p, se = st.prob[v.of]
        se_attrs = {
            "long_name": f"Monte Carlo standard error of {v.name}",
            "coverage_content_type": "qualityInformation",
            "units": FRACTION,
        }
        return {
            v.name: xr.Variable(v.dims, np.asarray(p), attrs),
            f"{v.name}_standard_error": xr.Variable(v.dims, np.asarray(se), se_attrs),
        }
    if v.stat is Stat.QUANTILES:
        data = _arrange(st.quantile[v.of], (PERCENTILE, *v.draw_axes), v)
    elif v.stat is Stat.MEAN:
        data = _arrange(st.mean[v.of], v.draw_axes, v)
    elif v.stat is Stat.DRAWS:
        data = _arrange(st.draws[v.of], (*v.draw_axes, DRAW), v)
    else:
        assert v.value is not None, f"{v.name}: an input variable needs a value"
        data = v.value(inp)
    return {v.name: xr.Variable(v.dims, np.asarray(data), attrs)}


KNOWN = "spending_ratio_known"
# the probabilities of the ratio against a threshold (known where the ratio is)
RATIO_EVENTS = tuple(
    v.name for v in VARIABLES if v.stat is Stat.PROBABILITY and THRESHOLD in v.dims
)


def known_ratio(ds: xr.Dataset) -> xr.DataArray:
    """(policy, fiscal_year) True where the ratio has no Monte Carlo spread in this year and
    every earlier one: all its percentiles and its mean are equal within rounding (every draw
    the same, as in
    a year whose budgets and GDP are published), so the probabilities there are facts."""
    r = ds["spending_ratio"]
    lo, hi = r.min(PERCENTILE), r.max(PERCENTILE)
    # within rounding: the draws of a known year may differ in the last bit of the ratio
    flat = (abs(hi - lo) <= 1e-12 * abs(lo)) & (
        abs(ds["spending_ratio_mean"] - lo) <= 1e-9 * abs(lo)
    )
    return flat.astype(bool).cumprod("fiscal_year").astype(bool).transpose(POLICY, YEAR)


def add_intervals(ds: xr.Dataset, draws: int) -> None:
    """Beside each probability and its standard error, its 95% binomial interval
    (``jdef.probability``: Clopper-Pearson) as ``NAME_lower_bound`` and ``NAME_upper_bound``,
    and for the ratio's events the flag of known cells (``spending_ratio_known``)."""
    from .probability import LEVEL, METHOD, interval

    known = known_ratio(ds) if "spending_ratio" in ds and "spending_ratio_mean" in ds else None
    new: dict[str, xr.Variable] = {}  # added at once: each Dataset assignment is a merge
    if known is not None:
        new[KNOWN] = xr.Variable(
            known.dims,
            known.values.astype(np.int8),
            {
                "long_name": "1 where the spending ratio is known (no Monte Carlo spread: "
                "every draw the same in this and every earlier fiscal year)",
                "flag_values": np.array([0, 1], dtype=np.int8),
                "flag_meanings": "projected known",
                "units": FRACTION,
                "coverage_content_type": "auxiliaryInformation",
            },
        )
    for name in [n for n in ds.data_vars if f"{n}_standard_error" in ds]:
        p = ds[name]
        k = (
            known.broadcast_like(p).transpose(*p.dims).values
            if known is not None and name in RATIO_EVENTS
            else False
        )
        lo, hi = interval(p.values, draws, k)
        what = f"{LEVEL:.0%} interval of {name} ({METHOD}, from {draws} draws"
        what += "; the point itself where spending_ratio_known is 1)" if np.any(k) else ")"
        for side, x in (("lower", lo), ("upper", hi)):
            new[f"{name}_{side}_bound"] = xr.Variable(
                p.dims,
                x,
                {
                    "long_name": f"{side.capitalize()} bound of the {what}",
                    "units": FRACTION,
                    "coverage_content_type": "qualityInformation",
                },
            )
        if np.any(k):
            se = ds[f"{name}_standard_error"]
            se.values = np.where(k, 0.0, se.values)
    ds.update(new)


def build_dataset(inp: ModelInputs, st: Stats, draws: int, seed: int) -> xr.Dataset:
    """The result Dataset: every registry variable (``model.variables``), coordinates, attributes.

    Parameters
    ----------
    inp : ModelInputs
    st : Stats
        From ``summaries.exact`` or ``summaries.streamed``; per-draw variables only if it holds
        draws.
    draws, seed : int
        Recorded in the attributes.
    """
    pct = np.array(DEFAULT_PERCENTILES, dtype=float)
    thr = np.array(inp.scenario.thresholds)
    keep_draws = bool(st.draws)
    v: dict[str, xr.Variable] = {}
    after: dict[str, xr.Variable] = {}  # written after the coordinates they describe
    for var in VARIABLES:
        if var.stat is not Stat.DRAWS or keep_draws:
            (after if var.stat is Stat.LABEL else v).update(variables_of(var, inp, st))
    coords = {
        YEAR: (
            YEAR,
            inp.axis.years.astype(np.int32),
            {
                "long_name": "Japanese fiscal year (April to March), named by its starting year",
                "units": "1",
            },
        ),
        POLICY: (
            POLICY,
            np.array([e.label for e in inp.accounting.entries], dtype=object),
            {"long_name": "Inclusion policy (NAME, or NAME:BUCKET)"},
        ),
        THRESHOLD: (
            THRESHOLD,
            thr,
            {"long_name": "Target ratio of counted spending to the GDP denominator", "units": "1"},
        ),
        PERCENTILE: (
            PERCENTILE,
            pct,
            {"long_name": "Percentile of the Monte Carlo distribution", "units": "%"},
        ),
        CATEGORY: (
            CATEGORY,
            np.array(cats.NAMES, dtype=object),
            {"long_name": "Spending category"},
        ),
    }
    if keep_draws:
        coords[DRAW] = (
            DRAW,
            np.arange(draws, dtype=np.int32),
            {"long_name": "Monte Carlo draw index", "units": "1"},
        )
    ds = xr.Dataset(v, coords=coords)
    ds.update(after)
    add_intervals(ds, draws)
    sc = inp.scenario
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    ds.attrs = {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": f"jdef: Japan defense spending outlook, scenario '{sc.name}'",
        "summary": (
            f"Monte Carlo projection ({draws} draws) of Japan's nominal GDP "
            f"and defense-related spending FY{inp.axis.years[0]}-FY{inp.axis.years[-1]}, "
            f"under inclusion policies {', '.join(sc.policies)}: "
            "probabilities of reaching each threshold ratio, quantiles and plan accounting."
        ),
        "source": "jdef stochastic model; calibration data in calibration/data (sources per row)",
        "history": f"{now} created by jdef {__version__} (jdef run)",
        "date_created": now,
        "keywords": "Japan, defense spending, GDP ratio, Monte Carlo, Defense Buildup Program",
        "product_version": __version__,
        "project": "jdef",
        "license": "MIT",
        "creator_name": "jdef developers",
        "institution": "jdef project",
        "publisher_name": "jdef project",
        "naming_authority": "jdef",
        "id": f"jdef-{sc.name}-{sc.digest()[:12]}-{seed}-{draws}",
        "processing_level": "model projection (Monte Carlo summaries)",
        "time_coverage_start": f"{int(inp.axis.years[0])}-04-01",
        "time_coverage_end": f"{int(inp.axis.years[-1]) + 1}-03-31",
        "scenario": json.dumps({**sc.resolved(), "draws": draws, "seed": seed}, sort_keys=True),
        "scenario_sha256": sc.digest(),
        "seed_entropy": str(seed),
        "draws": str(draws),
        "model_version": __version__,
        "git_commit": _git_commit(),
        "calibration_sha256": inp.params.sha256,
        "calibration_as_of": str(inp.params.meta.get("as_of", "")),
        "data_sha256": json.dumps(inp.params.meta.get("data_sha256", {}), sort_keys=True),
        "data_vintage": inp.provenance.data_vintage,
        "as_of": inp.provenance.as_of,
        "economy_path": inp.provenance.economy_path,
        "categories_without_figures": inp.provenance.categories_without_figures,
        "quantile_method": st.method,
        "first_projected_year": json.dumps(
            {
                "economy": inp.axis.first_econ,
                "initial_budget": inp.axis.first_initial,
                "supplementary": inp.axis.first_supp,
                "exchange_rate": inp.axis.first_fx,
            }
        ),
    }
    return ds
