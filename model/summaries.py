"""From per-draw paths to summaries: exactly (all draws in memory) or streamed.

``per_draw`` names every per-draw quantity the results summarise (draw axis
last); ``indicators`` every event whose probability is reported. ``exact``
summarises draws held in memory (quantiles by sorting). ``StreamingSummary``
summarises chunks of draws in two passes without holding them: pass 1 counts
events and finds each column's range, pass 2 fills a histogram of
``BINS`` equal bins per column; probabilities and means are exact, and each
quantile is within one bin width ((max - min) / BINS of its column) of the
exact value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calendar import Paths
from .inputs import ModelInputs
from .metrics import (
    Accounts,
    entry_denominator,
    plan_accounts,
    probability,
    quantiles,
    sorted_draws,
    target_probabilities,
)

BINS = 4096
MEANS = ("ratio", "spending", "topup")


def per_draw(
    inp: ModelInputs, paths: Paths, acc: Accounts, with_gap: bool = True
) -> dict[str, np.ndarray]:
    plan = plan_accounts(inp, paths)
    out = {
        "ratio": acc.ratio,
        "counted": acc.counted,
        "denominator": acc.denominator,
        "gdp": paths.gdp,
        "gdp_reported": paths.gdp_reported,
        "gdp_outlook": paths.gdp_outlook,
        "real_growth": paths.real_growth,
        "deflator_growth": paths.deflator_growth,
        "fx": paths.fx,
        "spending": paths.spending,
        "contracts": paths.contracts,
        "payments_due": paths.payments_due,
        "executed": paths.executed,
        "topup": paths.topup,
        "cum_initial": plan["cum_initial"],
        "cum_expenditure": plan["cum_expenditure"],
        "cum_contracts": plan["cum_contracts"],
        "obligations_after_plan": plan["obligations_after_plan"],
        "real_value_fy2022": plan["real_value_fy2022"],
        "value_at_plan_fx": plan["value_at_plan_fx"],
    }
    if with_gap:
        thr = np.asarray(inp.scenario.thresholds)
        out["denominator"] = acc.denominators()
        out["gap"] = (
            thr[:, None, None, None] * out["denominator"][None] - acc.counted[None]
        )  # (t, e, y, n)
    return out


def plan_indicators(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-draw events other than reaching a threshold: a top-up, plan shortfalls."""
    return {
        "topup": d["topup"] > 0,
        "initial_shortfall": d["cum_initial"] < inp.plan.expenditure_total,
        "expenditure_shortfall": d["cum_expenditure"] < inp.plan.level,
        "contract_shortfall": d["cum_contracts"] < inp.plan.contract_total,
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
    """Quantiles (quantile axis first), probabilities with standard errors, and means."""

    quantile: dict[str, np.ndarray]
    prob: dict[str, tuple[np.ndarray, np.ndarray]]
    mean: dict[str, np.ndarray]
    method: str
    draws: dict[str, np.ndarray] = field(default_factory=dict)


def exact(
    inp: ModelInputs, d: dict[str, np.ndarray], q: np.ndarray, keep_draws: bool = False
) -> Stats:
    """Exact summaries of draws held in memory.

    ``d`` is consumed: once the statistics that need the draws in their order (probabilities,
    means, gaps) are taken, its arrays are sorted in place for the quantiles, except the
    ones kept with ``keep_draws``.
    """
    thr = np.asarray(inp.scenario.thresholds)
    ratio_sorted = sorted_draws(d["ratio"])
    tp = target_probabilities(d["ratio"], thr, ratio_sorted)
    ind = plan_indicators(inp, d)
    prob = {
        "above": (tp["p_above"], tp["p_above_se"]),
        "by": (tp["p_by"], tp["p_by_se"]),
        "first": (tp["p_first"], tp["p_first_se"]),
    }
    prob.update({k: probability(v) for k, v in ind.items()})
    means = {k: d[k].mean(axis=-1) for k in MEANS}
    kept = ("ratio", "counted", "gdp") if keep_draws else ()
    draws = {k: d[k].copy() for k in kept}
    quant = {
        "gap": _gap_quantiles(inp, d, thr, q)
    }  # before any sorting: it pairs counted and denominator draws
    skip = ("gap", "topup", "ratio", "denominator")
    # one array per thread (two threads), largest first, so that the copies and interpolations
    # between the sorts run in parallel too
    from concurrent.futures import ThreadPoolExecutor

    keys = sorted((k for k in d if k not in skip), key=lambda k: -d[k].size)
    with ThreadPoolExecutor(2) as pool:
        quant.update(
            zip(
                keys,
                pool.map(lambda k: quantiles(d[k], q, in_place=True, threads=1), keys),
                strict=True,
            )
        )
    quant["ratio"] = quantiles(ratio_sorted, q, presorted=True)
    quant["denominator"] = _denominator_quantiles(inp, quant, q)
    return Stats(quant, prob, means, "exact (sorted draws)", draws)


def _denominator_quantiles(
    inp: ModelInputs, quant: dict[str, np.ndarray], q: np.ndarray
) -> np.ndarray:
    """Quantiles of each policy's denominator: those of reported or outlook GDP, or the fixed figure."""
    out = np.empty((len(q), len(inp.accounting.entries), inp.axis.n_year))
    for k, e in enumerate(inp.accounting.entries):
        out[:, k] = entry_denominator(inp, e, quant["gdp_reported"], quant["gdp_outlook"])
    return out


def _gap_quantiles(
    inp: ModelInputs, d: dict[str, np.ndarray], thr: np.ndarray, q: np.ndarray
) -> np.ndarray:
    """Quantiles of thr x denominator - counted, (quantile, threshold, entry, year).

    With a fixed denominator D the gap is a decreasing function of counted spending,
    so its q-quantile is thr D - counted's (1 - q)-quantile (exact, no sort needed).
    """
    from .policies import Denominator

    out = np.empty((len(q), len(thr), len(inp.accounting.entries), inp.axis.n_year))
    for k, e in enumerate(inp.accounting.entries):
        if e.denominator == Denominator.fy2022_fixed:
            cq = quantiles(d["counted"][k], 1.0 - q)  # (q, y)
            out[:, :, k] = thr[None, :, None] * inp.accounting.gdp_fy2022_goal - cq[:, None, :]
        else:
            g = thr[:, None, None] * d["denominator"][k][None] - d["counted"][k][None]  # (t, y, n)
            out[:, :, k] = quantiles(g, q, in_place=True)
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
        "min": {k: np.min(v, axis=-1) for k, v in d.items() if k != "topup"},
        "max": {k: np.max(v, axis=-1) for k, v in d.items() if k != "topup"},
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


def streamed(inp: ModelInputs, s1: dict, hist: dict[str, np.ndarray], q: np.ndarray) -> Stats:
    n = s1["n"]
    prob = {}
    for k, c in s1["count"].items():
        p = c / n
        se = np.sqrt(p * (1 - p) / n)
        prob[k] = (
            (np.moveaxis(p, 0, -1), np.moveaxis(se, 0, -1))
            if k in ("above", "by", "first")
            else (p, se)
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
