"""From per-draw paths to summaries: exactly (all draws in memory) or streamed.

``per_draw`` gathers every per-draw quantity the registry of output variables
(model/variables.py) summarises (draw axis last); ``indicators`` every event whose
probability is reported. ``exact``
summarises draws held in memory (quantiles by sorting). ``StreamingSummary``
summarises chunks of draws in two passes without holding them: pass 1 counts
events and finds each column's range, pass 2 fills a histogram of
``BINS`` equal bins per column; probabilities and means are exact, and each
quantile is within one bin width ((max - min) / BINS of its column) of the
exact value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calendar import Paths
from .inputs import ModelInputs
from .metrics import (
    Accounts,
    amount_indicators,
    entry_denominator,
    plan_accounts,
    probability,
    quantiles,
    sorted_draws,
    target_probabilities,
)
from .variables import GAP, PER_DRAW, THRESHOLD_EVENTS, Stat, quantities

BINS = 4096
QUANTILES = quantities(Stat.QUANTILES)
MEANS = quantities(Stat.MEAN)
KEPT = quantities(Stat.DRAWS)
# derived from the other quantities once a run's draws are in (exact mode does not hold them)
DERIVED = ("denominator", GAP)
Map = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


def per_draw(
    inp: ModelInputs, paths: Paths, acc: Accounts, with_gap: bool = True
) -> dict[str, np.ndarray]:
    """Every per-draw quantity of the registry (``variables.PER_DRAW``), draw axis last.

    The denominators are a tuple of per-entry arrays (views), unless ``with_gap``: then they are
    stacked, and the gap to each threshold is added, (threshold, entry, year, n).
    """
    own: dict = {
        "ratio": acc.ratio,
        "counted": acc.counted,
        "denominator": acc.denominator,
        **plan_accounts(inp, paths),
    }
    out = {k: own[k] if k in own else getattr(paths, k) for k in PER_DRAW if k != GAP}
    if with_gap:
        thr = np.asarray(inp.scenario.thresholds)
        out["denominator"] = acc.denominators()
        out[GAP] = thr[:, None, None, None] * out["denominator"][None] - acc.counted[None]
    return out


def plan_indicators(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-draw events other than reaching a threshold: a top-up, plan shortfalls, amount
    targets (``metrics.amount_indicators``)."""
    return {
        "topup": d["topup"] > 0,
        "financing_gap": d["financing_gap"] > 0,  # issue 15: the rule left personnel/due unpaid
        "any_financing_gap": d["financing_gap_after_plan"] > 0,
        "initial_shortfall": d["cum_initial"] < inp.plan.expenditure_total,
        "expenditure_shortfall": d["cum_expenditure"] < inp.plan.level,
        "contract_shortfall": d["cum_contracts"] < inp.plan.contract_total,
        **amount_indicators(inp, d["counted"]),
    }


def indicators(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from .metrics import TOLERANCE

    thr = np.asarray(inp.scenario.thresholds) - TOLERANCE
    above = d["ratio"][None] >= thr[:, None, None, None]  # (t, e, y, n)
    by = np.logical_or.accumulate(above, axis=2)
    first = by.copy()
    first[:, :, 1:] &= ~by[:, :, :-1]
    return {"above": above, "by": by, "first": first, **plan_indicators(inp, d)}


@dataclass
class Stats:
    """Quantiles (quantile axis first), probabilities with standard errors, and means;
    ``paired``: the ratio draws at the year indices asked for, (policy, year, draw), in draw
    order (for paired comparisons across scenarios), or None."""

    quantile: dict[str, np.ndarray]
    prob: dict[str, tuple[np.ndarray, np.ndarray]]
    mean: dict[str, np.ndarray]
    method: str
    draws: dict[str, np.ndarray] = field(default_factory=dict)
    paired: np.ndarray | None = None


def exact(
    inp: ModelInputs,
    d: dict[str, np.ndarray],
    q: np.ndarray,
    keep_draws: bool = False,
    pmap: Map = map,
    paired: tuple[int, ...] = (),
) -> Stats:
    """Exact summaries of draws held in memory (``paired``: year indices whose ratio draws
    to keep, see :class:`Stats`).

    ``d`` is consumed: once the statistics that need the draws in their order (means, plan
    events, gaps) are taken, its arrays are sorted in place for the quantiles, except the
    ratios (sorted in a copy, for the threshold probabilities) and the ones kept with
    ``keep_draws``. ``pmap(fn, items)``, e.g. a map on threads, runs the sorts, one array a
    task; the results do not depend on it.
    """
    thr = np.asarray(inp.scenario.thresholds)
    # before any sorting: it pairs counted and denominator draws
    quant = {GAP: _gap_quantiles(inp, d, thr, q, pmap)}
    prob = {k: probability(v) for k, v in plan_indicators(inp, d).items()}
    # numpy sums an aligned contiguous row pairwise but a misaligned one (as dask can hand over
    # a worker's arrays, unpickled from a byte buffer) through buffers, in another order: the
    # means of an aligned copy are bit for bit those of a run in this process (no copy there)
    means = {k: np.require(d[k], requirements=("C", "A")).mean(axis=-1) for k in MEANS}
    draws = {k: d[k].copy() for k in KEPT} if keep_draws else {}
    kept = d["ratio"][:, list(paired)] if paired else None  # a copy, in draw order

    def sort(k: str) -> np.ndarray:
        return sorted_draws(d[k], in_place=k != "ratio")

    # largest first, so that the tasks end at about the same time
    keys = sorted((k for k in QUANTILES if k not in DERIVED), key=lambda k: -d[k].size)
    srt = dict(zip(keys, pmap(sort, keys), strict=True))
    quant.update({k: quantiles(srt[k], q, presorted=True) for k in keys})
    tp = target_probabilities(d["ratio"], thr, srt["ratio"])
    for k in THRESHOLD_EVENTS:
        prob[k] = (tp[f"p_{k}"], tp[f"p_{k}_se"])
    quant["denominator"] = _denominator_quantiles(inp, quant, q)
    return Stats(quant, prob, means, "exact (sorted draws)", draws, kept)


def _denominator_quantiles(
    inp: ModelInputs, quant: dict[str, np.ndarray], q: np.ndarray
) -> np.ndarray:
    """Quantiles of each policy's denominator:
    those of reported or outlook GDP, or the fixed figure."""
    out = np.empty((len(q), len(inp.accounting.entries), inp.axis.n_year))
    for k, e in enumerate(inp.accounting.entries):
        out[:, k] = entry_denominator(inp, e, quant["gdp_reported"], quant["gdp_outlook"])
    return out


def _gap_quantiles(
    inp: ModelInputs, d: dict[str, np.ndarray], thr: np.ndarray, q: np.ndarray, pmap: Map = map
) -> np.ndarray:
    """Quantiles of thr x denominator - counted, (quantile, threshold, entry, year).

    With a fixed denominator D the gap is a decreasing function of counted spending,
    so its q-quantile is thr D - counted's (1 - q)-quantile (exact, no sort needed).
    """
    from .policies import Denominator

    def entry(k: int) -> np.ndarray:  # (q, t, y)
        if inp.accounting.entries[k].denominator == Denominator.fy2022_fixed:
            cq = quantiles(d["counted"][k], 1.0 - q)  # (q, y)
            return thr[None, :, None] * inp.accounting.gdp_fy2022_goal - cq[:, None, :]
        g = thr[:, None, None] * d["denominator"][k][None] - d["counted"][k][None]  # (t, y, n)
        return quantiles(g, q, in_place=True)

    out = np.empty((len(q), len(thr), len(inp.accounting.entries), inp.axis.n_year))
    for k, part in enumerate(pmap(entry, range(len(inp.accounting.entries)))):
        out[:, :, k] = part
    return out


# ----------------------------------------------------------------------------
# Streaming: two passes over chunks
# ----------------------------------------------------------------------------


def pass1(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict:
    """Per-chunk: event counts, sums for means (one per block of RNG_BLOCK draws from the
    chunk's start), and each column's min and max."""
    from .constants import RNG_BLOCK

    ind = indicators(inp, d)
    n = d["gdp"].shape[-1]
    return {
        "n": n,
        "count": {k: np.count_nonzero(v, axis=-1) for k, v in ind.items()},
        "blocks": {
            k: [d[k][..., a : a + RNG_BLOCK].sum(axis=-1) for a in range(0, n, RNG_BLOCK)]
            for k in MEANS
        },
        "min": {k: np.min(d[k], axis=-1) for k in QUANTILES},
        "max": {k: np.max(d[k], axis=-1) for k in QUANTILES},
    }


def combine1(parts: list[dict]) -> dict:
    """Fold pass-1 results in draw order; the first part may be an earlier fold.

    Counts, minima and maxima are exact in any order. The sums are added one block of draws
    at a time, in order, so that with chunks made of whole blocks (summary-only mode) the
    means come out bit for bit the same whatever the chunk size.
    """
    out = {"n": sum(p["n"] for p in parts)}
    for key, op in (("count", np.add), ("min", np.fmin), ("max", np.fmax)):
        out[key] = {k: op.reduce([p[key][k] for p in parts]) for k in parts[0][key]}
    out["sum"] = {}
    for k in parts[0].get("sum") or parts[0]["blocks"]:
        total = None
        for i, p in enumerate(parts):
            if "sum" in p and i > 0:
                raise ValueError("combine1: only the first part may be an earlier fold")
            for x in [p["sum"][k]] if "sum" in p else p["blocks"][k]:
                total = x.copy() if total is None else total + x
        out["sum"][k] = total
    return out


def pass2(
    d: dict[str, np.ndarray], lo: dict[str, np.ndarray], hi: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per-chunk: histogram counts (columns, BINS) on the fixed per-column ranges of pass 1."""
    out = {}
    for k, lo_k in lo.items():
        x = d[k].reshape(-1, d[k].shape[-1])
        a, b = lo_k.reshape(-1, 1), hi[k].reshape(-1, 1)
        width = np.where(b > a, (b - a) / BINS, 1.0)
        with np.errstate(invalid="ignore"):
            idx = np.clip(((x - a) / width).astype(np.int64), 0, BINS - 1)
        idx[np.isnan(x)] = BINS  # a spare bin for NaN (years not projected)
        flat = (np.arange(len(x))[:, None] * (BINS + 1) + idx).ravel()
        out[k] = (
            np.bincount(flat, minlength=len(x) * (BINS + 1))
            .astype(np.int64)
            .reshape(len(x), BINS + 1)
        )
    return out


def combine2(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.add.reduce([p[k] for p in parts]) for k in parts[0]}


def streamed(
    inp: ModelInputs,
    s1: dict,
    hist: dict[str, np.ndarray],
    q: np.ndarray,
    paired: np.ndarray | None = None,
) -> Stats:
    """Summaries from the folded passes (``paired``: kept ratio draws, see :class:`Stats`)."""
    n = s1["n"]
    prob = {}
    for k, c in s1["count"].items():
        p = c / n
        se = np.sqrt(p * (1 - p) / n)
        prob[k] = (
            (np.moveaxis(p, 0, -1), np.moveaxis(se, 0, -1)) if k in THRESHOLD_EVENTS else (p, se)
        )
    means = {k: v / n for k, v in s1["sum"].items()}
    quant = {}
    for k, h in hist.items():
        lo, hi = s1["min"][k].reshape(-1), s1["max"][k].reshape(-1)
        quant[k] = _hist_quantiles(h, lo, hi, q).reshape(len(q), *s1["min"][k].shape)
    return Stats(
        quant,
        prob,
        means,
        f"histogram ({BINS} bins per column; each quantile within (max - min)/{BINS} of exact)",
        paired=paired,
    )


def _hist_quantiles(h: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) located within histogram bins."""
    counts = h[:, :BINS]
    valid = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    width = np.where(hi > lo, (hi - lo) / BINS, 0.0)
    out = np.full((len(q), len(h)), np.nan)
    for i, qq in enumerate(q):
        pos = qq * (valid - 1)
        r0 = np.floor(pos).astype(np.int64)
        w = pos - r0
        vals = []
        for r in (r0, np.minimum(r0 + 1, np.maximum(valid - 1, 0))):
            b = np.array([np.searchsorted(cum[c], r[c], side="right") for c in range(len(h))])
            b = np.minimum(b, BINS - 1)
            before = np.where(b > 0, cum[np.arange(len(h)), np.maximum(b - 1, 0)], 0)
            inbin = np.maximum(counts[np.arange(len(h)), b], 1)
            frac = (r - before + 0.5) / inbin
            vals.append(lo + (b + frac) * width)
        v = vals[0] * (1 - w) + vals[1] * w
        out[i] = np.where(valid > 0, np.where(hi > lo, v, lo), np.nan)
    return out
