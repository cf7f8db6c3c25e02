"""Reading a result Dataset for the report: scenarios, policies, years, targets and slices.

A run result has dims fiscal_year, policy, threshold, percentile and category; a
batch adds ``scenario`` (and its outer join leaves NaN for policies a scenario
does not have); a sensitivity result has ``parameter`` and ``metric``.
"""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from ..constants import GOAL_THRESHOLDS
from .format import fy

REPORT_YEARS = (2025, 2027, 2030, 2035)
SENSITIVITY_VARS = ("sobol_S1", "sobol_ST", "morris_mu_star", "oat_low", "oat_high")
REQUIRED = (
    "probability_of_spending_ratio_above_threshold",
    "spending_ratio",
    "counted_spending",
    "nominal_gdp",
)
DENOMINATOR_WORDS = {
    "fy2022_fixed": "over FY2022 GDP",
    "fy2022_revised": "over FY2022 GDP as revised",
    "current_gdp": "over current-year GDP",
    "outlook_gdp": "over the GDP outlook",
}
# The slice a sensitivity variable with more dims than ``parameter`` is shown at.
SENSITIVITY_PREFERRED = {
    "policy": "current",
    "fiscal_year": 2030,
    "threshold": 0.02,
    "percentile": 50.0,
}


def scenarios(ds: xr.Dataset) -> list[str | None]:
    """The scenario names of a batch, or ``[None]`` for a single run."""
    if "scenario" in ds.dims:
        return [str(s) for s in ds["scenario"].values]
    return [None]


def part(ds: xr.Dataset, sc: str | None) -> xr.Dataset:
    """The part of ``ds`` for scenario ``sc`` (all of it for a single run)."""
    return ds if sc is None else ds.sel(scenario=sc)


def coord(ds: xr.Dataset, dim: str, value: float) -> float | None:
    """The coordinate value of ``dim`` close to ``value`` (floats such as thresholds), or None."""
    if dim not in ds.coords:
        return None
    vals = np.asarray(ds[dim].values, dtype=float)
    hit = np.flatnonzero(np.isclose(vals, value))
    return float(vals[hit[0]]) if hit.size else None


def quantile(da: xr.DataArray, q: float) -> xr.DataArray | None:
    """``da`` at quantile ``q`` (a fraction: the coordinate ``percentile`` at 100 q), or None
    when the file does not hold that percentile."""
    c = coord(da.to_dataset(name="_x"), "percentile", 100 * q)
    return None if c is None else da.sel(percentile=c)


def policies(part: xr.Dataset, var: str = "counted_spending") -> list[str]:
    """Policies with data in this part (a batch's outer join leaves NaN for absent ones)."""
    out = []
    for p in part["policy"].values:
        v = part[var].sel(policy=p)
        if np.isfinite(v.values).any():
            out.append(str(p))
    return out


def years(part: xr.Dataset) -> np.ndarray:
    """The fiscal years, as integers."""
    return np.asarray(part["fiscal_year"].values, dtype=int)


def report_years(ds: xr.Dataset) -> list[int]:
    """The years of REPORT_YEARS that the result holds."""
    have = set(years(ds).tolist())
    return [y for y in REPORT_YEARS if y in have]


def targets(ds: xr.Dataset) -> list[float]:
    """The goal thresholds (2%, 3.5%) that the result holds, as its own coordinate values."""
    return [c for t in GOAL_THRESHOLDS if (c := coord(ds, "threshold", t)) is not None]


def denominator_words(part: xr.Dataset, policy: str) -> str:
    """'over FY2022 GDP' and the like, read from the policy's description."""
    if "policy_description" not in part:
        return ""
    desc = str(part["policy_description"].sel(policy=policy).values)
    m = re.search(r"denominator (\S+?),", desc)
    return DENOMINATOR_WORDS.get(m.group(1), f"over {m.group(1)}") if m else ""


def scalar(part: xr.Dataset, name: str) -> float:
    """A 0-d variable as a float (NaN when absent)."""
    return float(part[name].values) if name in part else float("nan")


def slug(s: str) -> str:
    """``s`` made safe for a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", s)


def sensitivity_vars(part: xr.Dataset) -> list[str]:
    """The sensitivity variables present with a ``parameter`` dimension."""
    return [v for v in SENSITIVITY_VARS if v in part and "parameter" in part[v].dims]


def _matches(value: object, want: object) -> bool:
    if isinstance(want, float):
        try:
            return bool(np.isclose(float(str(value)), want))
        except ValueError:
            return False
    return str(value) == str(want)


def sensitivity_slice(da: xr.DataArray) -> tuple[xr.DataArray, dict[str, object]]:
    """Reduce a sensitivity variable to its ``parameter`` dimension.

    Every other dimension is taken at SENSITIVITY_PREFERRED (policy 'current',
    FY2030, 2%, the median) where it has that value, else at its first value.

    Returns
    -------
    (DataArray with dims (parameter,), {dim: value chosen})
    """
    sel: dict[str, object] = {}
    for d in da.dims:
        if d == "parameter":
            continue
        vals = da[d].values
        want = SENSITIVITY_PREFERRED.get(str(d))
        hit = [v for v in vals if want is not None and _matches(v, want)]
        sel[str(d)] = hit[0] if hit else vals[0]
    where = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in sel.items()}
    return (da.sel(sel) if sel else da), where


def where_text(where: dict[str, object]) -> str:
    """The slice chosen by sensitivity_slice as '\\n(FY2030, policy current)', or ''."""
    if not where:
        return ""
    shown = (fy(v) if k == "fiscal_year" else f"{k} {v}" for k, v in where.items())
    return "\n(" + ", ".join(shown) + ")"
