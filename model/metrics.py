"""Summaries computed from the raw draws: probabilities with Monte Carlo errors,
quantiles, first year reached, plan accounting and the yen gap to each target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import categories as cats
from .calendar import Paths
from .constants import PLAN_FIRST_YEAR, PLAN_LAST_YEAR
from .inputs import ModelInputs
from .policies import Denominator, share_values, year_mask
from .policies import counted as count
from .shocks import Shocks


@dataclass
class Accounts:
    """Per-draw counted spending, denominators and ratios, (n_entry, n_year, n)."""

    counted: np.ndarray
    denominator: np.ndarray
    ratio: np.ndarray


def accounts(inp: ModelInputs, paths: Paths, sh: Shocks) -> Accounts:
    n = paths.gdp.shape[-1]
    counted = np.empty((len(inp.entries), inp.n_year, n))
    denom = np.empty_like(counted)
    for k, e in enumerate(inp.entries):
        share = share_values(e.shares, e.supplementary, sh.u_shares, n)
        mask = year_mask(e.shares, inp.years)
        counted[k] = count(paths.spending, share, mask)
        if e.denominator == Denominator.fy2022_fixed:
            denom[k] = inp.gdp_fy2022_goal
        elif e.denominator == Denominator.current_gdp:
            denom[k] = paths.gdp_reported
        else:
            denom[k] = paths.gdp_outlook
    return Accounts(counted, denom, counted / denom)


def probability(indicator: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo estimate of a probability and its standard error sqrt(p(1-p)/n)."""
    n = indicator.shape[axis]
    p = np.count_nonzero(indicator, axis=axis) / n if indicator.dtype == bool else indicator.mean(axis=axis)
    return p, np.sqrt(p * (1.0 - p) / n)


def target_probabilities(ratio: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """P(ratio >= threshold) per year, P(reached by the year), and the first year's distribution.

    ``ratio`` is (n_entry, n_year, n); results are (n_entry, n_year, n_threshold).
    """
    above = ratio[None] >= np.asarray(thresholds)[:, None, None, None]  # (t, e, y, n)
    by = np.logical_or.accumulate(above, axis=2)
    first = by.copy()
    first[:, :, 1:] &= ~by[:, :, :-1]
    out = {}
    for name, ind in (("p_above", above), ("p_by", by), ("p_first", first)):
        p, se = probability(ind)
        out[name], out[name + "_se"] = np.moveaxis(p, 0, -1), np.moveaxis(se, 0, -1)
    return out


def quantiles(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Quantiles over the draw axis (the last), numpy's default 'linear' definition; the quantile axis comes first.

    One sort per column (faster than ``np.quantile``'s repeated partitions for
    several quantiles). Columns that are entirely NaN (years not projected) stay
    NaN; columns with some NaN use ``np.nanquantile``.
    """
    y = np.array(x, dtype=float, order="C").reshape(-1, x.shape[-1])
    # numpy's sort releases the GIL: sort halves of the columns on two threads
    halves = np.array_split(np.arange(len(y)), 2)
    from concurrent.futures import ThreadPoolExecutor

    def _sort(idx: np.ndarray) -> None:
        if len(idx):
            y[idx[0]:idx[-1] + 1].sort(axis=-1)  # NaN sort last

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(_sort, halves))
    y = y.reshape(x.shape)
    n = y.shape[-1]
    pos = np.asarray(q) * (n - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = pos - lo
    out = y[..., lo] * (1.0 - w) + y[..., hi] * w
    nan = np.isnan(y[..., -1])
    if nan.any():
        some = nan & ~np.isnan(y[..., 0])
        out[nan] = np.nan
        if some.any():
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out[some] = np.nanquantile(y[some], q, axis=-1).T
    return np.moveaxis(out, -1, 0)


def plan_accounts(inp: ModelInputs, paths: Paths) -> dict[str, np.ndarray]:
    """Cumulative FY2023-FY2027 spending against the plan, per draw."""
    j0, j1 = inp.idx(PLAN_FIRST_YEAR), inp.idx(PLAN_LAST_YEAR) + 1
    core = paths.spending[j0:j1, cats.INDEX["mod_core"]]
    supp = paths.spending[j0:j1, cats.INDEX["mod_supplementary"]]
    expenditure = core + supp  # expenditure basis, as in the MOF chart (initial + plan-counted supplementary)
    contracts = paths.contracts[j0:j1]
    prof = inp.params.contracts.payment_profile
    outstanding = np.zeros(paths.gdp.shape[-1])
    signed = {**{s: np.asarray(c) for s, c in inp.contracts_before.items()},
              **{int(y): paths.contracts[inp.idx(int(y))] for y in inp.years if y <= PLAN_LAST_YEAR}}
    for s, c in signed.items():
        paid = sum(prof[: min(PLAN_LAST_YEAR - s, len(prof) - 1) + 1])
        outstanding = outstanding + c * (1.0 - paid)
    dindex = paths.deflator_index[j0:j1]
    fx = paths.fx[j0:j1]
    fx_plan = inp.fx_plan[j0:j1, None]
    phi = inp.params.fx.sensitive_share
    return {
        "cum_expenditure": expenditure.sum(axis=0),
        "cum_contracts": contracts.sum(axis=0),
        "obligations_after_plan": outstanding,
        "real_value_fy2022": (expenditure / dindex).sum(axis=0),
        "value_at_plan_fx": (expenditure * (1.0 - phi + phi * fx_plan / fx)).sum(axis=0),
    }
