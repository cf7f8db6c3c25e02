"""Summaries computed from the raw draws: probabilities with Monte Carlo errors,
quantiles, first year reached, plan accounting and the yen gap to each target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import categories as cats
from .calendar import Paths
from .constants import PLAN_FIRST_YEAR, PLAN_LAST_YEAR
from .inputs import ModelInputs, PolicyEntry
from .policies import Denominator, counted_many, share_values, uncertain_columns, year_mask
from .policies import counted as count
from .shocks import Shocks
from .state import central_profile


@dataclass
class Accounts:
    """Per-draw counted spending and ratios, (n_entry, n_year, n); the denominators per entry,
    each (n_year, n) (a read-only broadcast view where the denominator is fixed)."""

    counted: np.ndarray
    denominator: tuple[np.ndarray, ...]
    ratio: np.ndarray

    def denominators(self) -> np.ndarray:
        """The denominators as one (n_entry, n_year, n) array."""
        return np.stack(self.denominator)


def fixed_figure(inp: ModelInputs, e: PolicyEntry) -> float | None:
    """A policy entry's denominator when it is one figure, FY2022 GDP as fixed in 2022 or as
    revised since; None when it is drawn (reported or outlook GDP)."""
    if e.denominator == Denominator.fy2022_fixed:
        return inp.accounting.gdp_fy2022_goal
    if e.denominator == Denominator.fy2022_revised:
        return inp.accounting.gdp_fy2022_revised
    return None


def entry_denominator(
    inp: ModelInputs, e: PolicyEntry, gdp_reported: np.ndarray, gdp_outlook: np.ndarray
) -> np.ndarray:
    """A policy entry's denominator, (n_year, n): reported or outlook GDP, or a read-only
    broadcast view of its fixed figure (``fixed_figure``)."""
    fixed = fixed_figure(inp, e)
    if fixed is not None:
        return np.broadcast_to(fixed, gdp_reported.shape)
    return gdp_reported if e.denominator == Denominator.current_gdp else gdp_outlook


def entry_accounts(
    inp: ModelInputs, paths: Paths, sh: Shocks, e: PolicyEntry
) -> tuple[np.ndarray, np.ndarray]:
    """One policy entry's counted spending and denominator, each (n_year, n)."""
    n = paths.gdp.shape[-1]
    c = count(
        paths.spending,
        share_values(e.shares, e.supplementary, sh.u_shares, n),
        year_mask(e.shares, inp.axis.years),
        uncertain_columns(e.shares, e.supplementary),
    )
    if e.outlays:
        c = c + outlay_adjustment(inp, paths.spending, e)
    _known_years_exact(inp, e, c)
    return c, entry_denominator(inp, e, paths.gdp_reported, paths.gdp_outlook)


def _known_years_exact(inp: ModelInputs, e: PolicyEntry, counted: np.ndarray) -> None:
    """Counted spending of the years whose counted categories are all published set to the one
    figure of the known budgets (``known_counted``), in place, (n_year, n): the vectorised sum
    can differ from draw to draw in the last bit, and a known year is one number."""
    kc = known_counted(inp, e)
    j = np.flatnonzero(~np.isnan(kc))
    if len(j):
        counted[j] = kc[j, None]


def accounts(
    inp: ModelInputs,
    paths: Paths,
    sh: Shocks,
    counted: np.ndarray | None = None,
    ratio: np.ndarray | None = None,
) -> Accounts:
    """Counted spending and ratios of every policy entry
    (written into ``counted`` and ``ratio`` if given)."""
    n = paths.gdp.shape[-1]
    counted = (
        np.empty((len(inp.accounting.entries), inp.axis.n_year, n)) if counted is None else counted
    )
    ratio = np.empty_like(counted) if ratio is None else ratio
    # entries with the same counting rules (e.g. the same shares over another
    # denominator) share one sum
    keys = [
        (
            e.supplementary,
            e.outlays,
            tuple(
                sorted(
                    (name, s.low, s.high, s.from_year, s.to_year) for name, s in e.shares.items()
                )
            ),
        )
        for e in inp.accounting.entries
    ]
    rules = list(dict.fromkeys(keys))
    first = [inp.accounting.entries[keys.index(r)] for r in rules]
    distinct = len(rules) == len(keys)
    sums = counted_many(
        paths.spending,
        [share_values(e.shares, e.supplementary, sh.u_shares, n) for e in first],
        [year_mask(e.shares, inp.axis.years) for e in first],
        [uncertain_columns(e.shares, e.supplementary) for e in first],
        out=counted if distinct else None,
        check=False,  # share_values sets every share that is not drawn from one figure
    )
    denom = []
    outlays: dict[tuple[float, ...], np.ndarray] = {}  # entries of the same MoD shares share one
    for k, e in enumerate(inp.accounting.entries):
        if not distinct:
            counted[k] = sums[rules.index(keys[k])]
        if e.outlays:
            w = outlay_weights(e)
            if w not in outlays:
                outlays[w] = _outlays(inp, paths.spending, w)
            counted[k] += outlays[w]
        _known_years_exact(inp, e, counted[k])
        denom.append(entry_denominator(inp, e, paths.gdp_reported, paths.gdp_outlook))
        np.divide(counted[k], denom[k], out=ratio[k])
    return Accounts(counted, tuple(denom), ratio)


def probability(indicator: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo estimate of a probability and its standard error sqrt(p(1-p)/n)."""
    n = indicator.shape[axis]
    p = (
        np.count_nonzero(indicator, axis=axis) / n
        if indicator.dtype == bool
        else indicator.mean(axis=axis)
    )
    return p, np.sqrt(p * (1.0 - p) / n)


def target_probabilities(
    ratio: np.ndarray, thresholds: np.ndarray, ratio_sorted: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """P(ratio >= threshold) per year, P(reached by the year), and the first year's distribution.

    ``ratio`` is (n_entry, n_year, n); results are (n_entry, n_year, n_threshold).
    Reached by year t means max over years up to t >= threshold (a running maximum);
    the first year reached is where that indicator switches on, so its probability is
    P(by t) - P(by t-1) exactly. ``ratio_sorted`` (optional, the same draws sorted) is not
    needed: the counts are taken on ``ratio`` itself (the same integers either way).
    """
    n = ratio.shape[-1]
    valid = n - np.count_nonzero(np.isnan(ratio), axis=-1)  # NaN is never >= a threshold
    above, by = threshold_counts(ratio, thresholds)
    n_above, n_by = np.moveaxis(above, 0, -1), np.moveaxis(by, 0, -1)  # (e, y, t)
    n_first = np.diff(n_by, axis=1, prepend=0)
    # a probability over draws with a missing value is itself missing, never counted as reached
    missing = (valid < n)[..., None]
    missing_by = np.logical_or.accumulate(valid < n, axis=1)[
        ..., None
    ]  # a NaN in this or an earlier year
    out = {}
    for name, c, miss in (
        ("p_above", n_above, missing),
        ("p_by", n_by, missing_by),
        ("p_first", n_first, missing_by),
    ):
        p = np.where(miss, np.nan, c / n)
        out[name], out[name + "_se"] = p, np.sqrt(p * (1.0 - p) / n)
    return out


def threshold_counts(ratio: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The number of draws at or above each threshold (less ``TOLERANCE``) in the year, and in
    some year up to it, each (threshold, n_entry, n_year), from ``ratio`` (n_entry, n_year, n);
    NaN is never at or above a threshold.

    "In some year up to it" is a running OR over the years of the year's indicator, one year at a
    time on contiguous (entry, draw) slices: the same counts as the running maximum's, without
    its slow strided accumulation (8 ns a value here against under 1)."""
    thr = np.asarray(thresholds) - TOLERANCE
    n_entry, n_year, _ = ratio.shape
    above = np.empty((len(thr), n_entry, n_year), dtype=np.int64)
    by = np.empty_like(above)
    hit = np.empty((n_entry, n_year, ratio.shape[-1]), dtype=bool)
    for i, t in enumerate(thr):
        np.greater_equal(ratio, t, out=hit)
        above[i] = np.count_nonzero(hit, axis=-1)
        by[i] = np.count_nonzero(running_or(hit), axis=-1)
    return above, by


def running_or(hit: np.ndarray) -> np.ndarray:
    """``hit`` (entry, year, ...; bool) made, in place, "in this year or an earlier one": a
    running OR over axis 1, one year at a time on contiguous slices (numpy's
    ``logical_or.accumulate`` along a middle axis is strided and several times slower)."""
    for j in range(1, hit.shape[1]):
        np.logical_or(hit[:, j - 1], hit[:, j], out=hit[:, j])
    return hit


# A ratio within this of a threshold counts as reaching it: a target-seeking top-up lands on
# the target up to floating-point rounding (e.g. 0.019999999999999993 for 0.02).
TOLERANCE = 1e-12


def sorted_draws(x: np.ndarray, in_place: bool = False) -> np.ndarray:
    """``x`` sorted along the draw axis (the last); NaN sort last. A copy, or ``x`` itself
    sorted in place if ``in_place`` (and it is a C-contiguous float64 array)."""
    if in_place and x.dtype == np.float64 and x.flags.c_contiguous and x.flags.writeable:
        y = x.reshape(-1, x.shape[-1])
    else:
        y = np.array(x, dtype=float, order="C").reshape(-1, x.shape[-1])
    # columns that are the same in every draw (known years) are already sorted: a look at a
    # few draws rules most columns out of that at once, a full comparison settles the rest
    for r in range(len(y)):
        if not (np.all(y[r, :8] == y[r, 0]) and np.all(y[r] == y[r, 0])):
            y[r].sort()  # NaN sort last
    return y.reshape(x.shape)


def quantiles(
    x: np.ndarray, q: np.ndarray, presorted: bool = False, in_place: bool = False
) -> np.ndarray:
    """Quantiles over the draw axis (the last), numpy's default 'linear' definition; the quantile
    axis comes first.

    One sort per column (faster than ``np.quantile``'s repeated partitions for
    several quantiles). Columns that are entirely NaN (years not projected) stay
    NaN; columns with some NaN use ``np.nanquantile``. ``in_place``: sort ``x`` itself
    rather than a copy, when the caller no longer needs the draws in their order.
    """
    y = x if presorted else sorted_draws(x, in_place)
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


def unfinanced_after_plan(inp: ModelInputs, paths: Paths) -> np.ndarray:
    """Plan-covered budgets FY2028 to the horizon less what the 2022 financing plan provides a
    year (the FY2022 base plus the fund, settlement surpluses, spending reform and tax
    measures), summed, per draw (trillion yen; negative: within the plan's financing; NaN
    where the financing plan is not published by as_of)."""
    j1 = inp.axis.idx(PLAN_LAST_YEAR) + 1
    years = paths.spending.shape[0] - j1
    financed = (
        sum(inp.plan.financing_after_plan.values()) if inp.plan.financing_after_plan else np.nan
    )
    core = paths.spending[j1:, cats.INDEX["mod_core"]]
    return np.asarray(core.sum(axis=0) - years * financed)


def plan_accounts(inp: ModelInputs, paths: Paths) -> dict[str, np.ndarray]:
    """Cumulative FY2023-FY2027 spending against the plan, per draw."""
    j0, j1 = inp.axis.idx(PLAN_FIRST_YEAR), inp.axis.idx(PLAN_LAST_YEAR) + 1
    core = paths.spending[j0:j1, cats.INDEX["mod_core"]]
    supp = paths.spending[j0:j1, cats.INDEX["mod_supplementary"]]
    expenditure = (
        core + supp
    )  # expenditure basis, as in the MOF chart (initial + plan-counted supplementary)
    contracts = paths.contracts[j0:j1]
    # obligations payable after FY2027: contracts before the axis at their central profile,
    # and each axis year's own (the engine's owed_after_plan, by the draw's profile)
    outstanding = np.nansum(paths.owed_after_plan[:j1], axis=0)
    for s, c in inp.known.contracts_before.items():
        prof = central_profile(inp, s)
        paid = sum(prof[: min(PLAN_LAST_YEAR - s, len(prof) - 1) + 1])
        outstanding = outstanding + c * (1.0 - paid)
    dindex = paths.deflator_index[j0:j1]
    fx = paths.fx[j0:j1]
    fx_plan = inp.path.fx_plan[j0:j1, None]
    phi = inp.params.fx.sensitive_share
    return {
        "cum_initial": core.sum(axis=0),
        "cum_expenditure": expenditure.sum(axis=0),
        "cum_contracts": contracts.sum(axis=0),
        "obligations_after_plan": outstanding,
        "financing_gap_after_plan": paths.financing_gap[j1:].sum(axis=0),
        "unfinanced_after_plan": unfinanced_after_plan(inp, paths),
        "real_value_fy2022": (expenditure / dindex).sum(axis=0),
        "value_at_plan_fx": (expenditure * (1.0 - phi + phi * fx_plan / fx)).sum(axis=0),
    }


# ----------------------------------------------------------------------------
# Targets stated as amounts, and the reconciliation with published figures
# ----------------------------------------------------------------------------


def amount_indicators(inp: ModelInputs, counted: np.ndarray) -> dict[str, np.ndarray]:
    """Per-draw events on the amount targets: counted spending at or above each amount in the
    year (``amount_above``) and in some year up to it (``amount_by``), (n_entry, n_year,
    n_amount, n). Every entry is measured against every amount: an amount, unlike a ratio, does
    not depend on the entry's denominator."""
    a = np.array([t.amount for t in inp.accounting.target_amounts]) - TOLERANCE
    above = counted[:, :, None, :] >= a[None, None, :, None]
    return {"amount_above": above, "amount_by": running_or(above.copy())}


MOD_INITIAL = ("mod_core", "saco_realignment")
MOD_SUPPLEMENTARY = ("mod_supplementary", "saco_realignment_supplementary")


def outlay_adjustment(inp: ModelInputs, spending: np.ndarray, e: PolicyEntry) -> np.ndarray:
    """What an outlays-basis entry adds to its budget-basis count, (n_year, n).

    Outlays of the MoD (NATO counts payments made in the fiscal year): the MoD's settled
    spending where published (``spent_total_mod``, times the entry's ``mod_core`` share), else
    the carry-over lag: this year's initial budgets and last year's supplementary budgets
    (decided in November-December, paid mostly in the next fiscal year), less the unspent
    share. METHODOLOGY.md, section 4.4.
    """
    return _outlays(inp, spending, outlay_weights(e))


def outlay_weights(e: PolicyEntry) -> tuple[float, ...]:
    """An entry's shares of the MoD categories ``MOD_INITIAL + MOD_SUPPLEMENTARY`` (all that
    ``outlay_adjustment`` depends on, besides the inputs and the spending)."""

    def w(name: str) -> float:
        s = e.shares.get(name)
        if s is None or (cats.BY_NAME[name].kind == "supplementary" and not e.supplementary):
            return 0.0
        return s.low  # the MoD categories' shares are known exactly (a policy file's choice)

    return tuple(w(n) for n in (*MOD_INITIAL, *MOD_SUPPLEMENTARY))


def _outlays(inp: ModelInputs, spending: np.ndarray, weights: tuple[float, ...]) -> np.ndarray:
    w = dict(zip((*MOD_INITIAL, *MOD_SUPPLEMENTARY), weights, strict=True)).__getitem__
    u = inp.params.budget.unspent_share
    col = {n: spending[:, cats.INDEX[n]] for n in (*MOD_INITIAL, *MOD_SUPPLEMENTARY)}
    zero = np.zeros_like(col["mod_core"])
    initial = sum((w(n) * col[n] for n in MOD_INITIAL), zero)
    supp = sum((w(n) * col[n] for n in MOD_SUPPLEMENTARY), zero)
    before = sum(
        w(n) * b
        for n, b in zip(MOD_SUPPLEMENTARY, inp.accounting.supplementary_before, strict=True)
    )
    lagged = np.concatenate([np.broadcast_to(before, supp[:1].shape), supp[:-1]], axis=0)
    outlays = (1.0 - u) * (initial + lagged)
    for y, v in inp.accounting.settled.items():
        if inp.axis.years[0] <= y <= inp.axis.years[-1]:
            outlays[inp.axis.idx(y)] = w("mod_core") * v
    return np.asarray(outlays - initial - supp)


def known_counted(inp: ModelInputs, e: PolicyEntry) -> np.ndarray:
    """An entry's counted spending in the years whose counted categories are all known at the
    as-of date, (n_year,) trillion yen; NaN where any is projected or a share is uncertain."""
    spend = inp.known.spending  # (c, y), NaN where projected
    mask = year_mask(e.shares, inp.axis.years)
    out = np.zeros(inp.axis.n_year)
    for name, s in e.shares.items():
        c = cats.INDEX[name]
        if cats.BY_NAME[name].kind == "supplementary" and not e.supplementary:
            continue
        w = s.low if s.low == s.high else np.nan
        # a category that does not count in a year adds nothing, even when not yet known there
        out += np.where(mask[c] > 0, w * mask[c] * spend[c], 0.0)
    if e.outlays:
        out += outlay_adjustment(inp, spend.T[:, :, None], e)[:, 0]
    return out


def known_denominator(inp: ModelInputs, e: PolicyEntry) -> np.ndarray:
    """An entry's denominator where known at the as-of date, (n_year,); NaN where projected."""
    fixed = fixed_figure(inp, e)
    if fixed is not None:
        return np.full(inp.axis.n_year, fixed)
    if e.denominator == Denominator.current_gdp:
        return np.array(inp.known.gdp, dtype=float)
    return np.full(inp.axis.n_year, np.nan)  # the outlook is drawn even in known years


def reconciliation(inp: ModelInputs) -> dict[str, np.ndarray]:
    """Published against modelled, one row per published figure (``Accounting.published``):
    the modelled counted spending and ratio of the figure's policy in its year (from the known
    figures; NaN where not all known at the as-of date), and whether the figure's own measure
    is within its rounding."""
    by_label = {e.label: e for e in inp.accounting.entries}
    rows = inp.accounting.published
    amount = np.full(len(rows), np.nan)
    ratio = np.full(len(rows), np.nan)
    for k, p in enumerate(rows):
        e = by_label[p.policy]
        if inp.axis.years[0] <= p.year <= inp.axis.years[-1]:
            j = inp.axis.idx(p.year)
            amount[k] = known_counted(inp, e)[j]
            ratio[k] = amount[k] / known_denominator(inp, e)[j]
    modelled = np.array(
        [ratio[k] if p.measure == "ratio" else amount[k] for k, p in enumerate(rows)]
    )
    published = np.array([p.value for p in rows])
    rounding = np.array([p.rounding for p in rows])
    diff = modelled - published
    within = np.where(np.isnan(diff), -1, (np.abs(diff) <= rounding + 1e-12).astype(int))
    within = np.where([p.reference for p in rows], 2, within) if rows else within
    return {
        "amount": amount,
        "ratio": ratio,
        "difference": diff,
        "within": within.astype(np.int8),
    }
