"""From per-draw paths to summaries: exactly (all draws in memory) or streamed.

``per_draw`` gathers every per-draw quantity the registry of output variables
(model/variables.py) summarises (draw axis last); ``indicators`` every event whose
probability is reported. ``exact`` summarises draws held in memory (quantiles by
sorting). Streaming summarises chunks of draws in one pass without holding them, each
chunk simulated once: the first ``PILOT`` draws fix each column's grid of ``BINS`` bins
(``pilot_grid``: a power-of-two width, the pilot's range filling a third to two thirds
of it); every chunk (``pass1``, ``histogram``) counts events, sums for means, finds
its columns' ranges and counts its draws in the bins, on the grid coarsened by
doubling the width (``2**level``) where its draws fall outside. Chunks fold in any
order (``combine1``, ``combine_hist``: integer counts, the coarsest level), so the
results do not depend on the chunking. Probabilities and means are exact; each
quantile is within one final bin width (``Stats.bound``) of the exact value, and a
column the same in every draw is exact.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calendar import Paths
from .constants import RNG_BLOCK
from .inputs import ModelInputs
from .metrics import (
    Accounts,
    amount_indicators,
    entry_denominator,
    fixed_figure,
    plan_accounts,
    probability,
    quantiles,
    sorted_draws,
    target_probabilities,
)
from .variables import GAP, PER_DRAW, THRESHOLD_EVENTS, Stat, quantities

BINS = 4096
PILOT = 3 * RNG_BLOCK  # streaming: the first draws, which fix the histogram grids
QUANTILES = quantities(Stat.QUANTILES)
MEANS = quantities(Stat.MEAN)
KEPT = quantities(Stat.DRAWS)
# derived from the other quantities once a run's draws are in (exact mode does not hold them)
DERIVED = ("denominator", GAP)
Map = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]
# streaming: the gaps of the entries whose denominator is drawn (GDP), (threshold, entry, year, n);
# the gaps to a fixed denominator and the denominators themselves are derived at the end
DRAWN_GAP = "gap_to_drawn_denominator"


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


def drawn_entries(inp: ModelInputs) -> list[int]:
    """The entries whose denominator is drawn (reported or outlook GDP)."""
    return [k for k, e in enumerate(inp.accounting.entries) if fixed_figure(inp, e) is None]


def stream_draws(inp: ModelInputs, paths: Paths, acc: Accounts) -> dict[str, np.ndarray]:
    """The per-draw quantities a streamed chunk summarises: ``per_draw`` without the gaps and
    with the denominators as views, plus ``DRAWN_GAP``, the gaps of the entries whose
    denominator is drawn. The other gaps (a fixed figure less counted spending) and the
    denominators (GDP, or a fixed figure) follow from other quantities' quantiles (``streamed``),
    so they are neither formed nor binned."""
    d = per_draw(inp, paths, acc, with_gap=False)
    drawn = drawn_entries(inp)
    if drawn:
        thr = np.asarray(inp.scenario.thresholds)[:, None, None, None]
        den = np.stack([acc.denominator[k] for k in drawn])
        d[DRAWN_GAP] = thr * den[None] - acc.counted[drawn][None]
    return d


def stream_keys(d: dict[str, np.ndarray]) -> list[str]:
    """The quantities whose columns a streamed chunk bins (``stream_draws``)."""
    return [k for k in QUANTILES if k not in DERIVED] + ([DRAWN_GAP] if DRAWN_GAP in d else [])


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
    """Per-draw events: reaching each threshold in a year (``above``), by a year (``by``), first
    in a year (``first``), each (threshold, entry, year, n); and the plan events. (Streaming
    counts them without these arrays: ``event_counts``.)"""
    from .metrics import TOLERANCE

    thr = np.asarray(inp.scenario.thresholds) - TOLERANCE
    above = d["ratio"][None] >= thr[:, None, None, None]  # (t, e, y, n)
    by = np.logical_or.accumulate(above, axis=2)
    first = by.copy()
    first[:, :, 1:] &= ~by[:, :, :-1]
    return {"above": above, "by": by, "first": first, **plan_indicators(inp, d)}


def event_counts(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The number of draws with each reported event: reaching each threshold in a year
    (``above``), by a year (``by``: the running maximum over years reaches it), first in a year
    (``first``: by this year and not by the one before, so ``by`` minus ``by`` a year earlier),
    each (threshold, entry, year); and the plan events."""
    from .metrics import threshold_counts

    above, by = threshold_counts(d["ratio"], np.asarray(inp.scenario.thresholds))
    first = np.diff(by, axis=2, prepend=0)
    plan = {k: np.count_nonzero(v, axis=-1) for k, v in plan_indicators(inp, d).items()}
    return {"above": above, "by": by, "first": first, **plan}


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
    bound: dict[str, np.ndarray] = field(default_factory=dict)  # streamed: quantile error bounds


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
    events, gaps, threshold events) are taken, its arrays are sorted in place for the
    quantiles (numpy's vectorised sort measured as fast as a selection of the seven ranks
    here, README Performance; columns the same in every draw are not sorted).
    ``pmap(fn, items)``, e.g. a map on threads, runs the sorts, one array a task; the results
    do not depend on it.
    """
    thr = np.asarray(inp.scenario.thresholds)
    draws = {k: d[k].copy() for k in KEPT} if keep_draws else {}
    kept = d["ratio"][:, list(paired)] if paired else None  # a copy, in draw order

    # before any sorting, side by side (read-only tasks on ``pmap``): the gaps (they pair counted
    # and denominator draws), the threshold events (reached by a year: over the ratios in draw
    # order), the plan events and the means
    def means() -> dict[str, np.ndarray]:
        # numpy sums an aligned contiguous row pairwise but a misaligned one (as dask can hand
        # over a worker's arrays, unpickled from a byte buffer) through buffers, in another
        # order: the means of an aligned copy are bit for bit those of a run in this process
        return {k: np.require(d[k], requirements=("C", "A")).mean(axis=-1) for k in MEANS}

    gap, gap_jobs = _gap_quantiles(inp, d, thr, q)
    jobs: list[Callable[[], Any]] = [
        *gap_jobs,
        lambda: target_probabilities(d["ratio"], thr),
        lambda: {k: probability(v) for k, v in plan_indicators(inp, d).items()},
        means,
    ]
    *_, tp, prob, mean = pmap(_call, jobs)
    quant = {GAP: gap}
    for k in THRESHOLD_EVENTS:
        prob[k] = (tp[f"p_{k}"], tp[f"p_{k}_se"])

    ordered: dict[str, np.ndarray] = {}  # the sorted draws (d's own arrays where in place)

    def sort(k: str) -> np.ndarray:
        ordered[k] = sorted_draws(d[k], in_place=True)
        return quantiles(ordered[k], q, presorted=True)

    # largest first, so that the tasks end at about the same time
    keys = sorted((k for k in QUANTILES if k not in DERIVED), key=lambda k: -d[k].size)
    quant.update(zip(keys, pmap(sort, keys), strict=True))
    _fixed_gap_quantiles(inp, quant[GAP], ordered["counted"], thr, q)
    quant["denominator"] = _denominator_quantiles(inp, quant, q)
    return Stats(quant, prob, mean, "exact (sorted draws)", draws, kept)


def _denominator_quantiles(
    inp: ModelInputs, quant: dict[str, np.ndarray], q: np.ndarray
) -> np.ndarray:
    """Quantiles of each policy's denominator:
    those of reported or outlook GDP, or the fixed figure."""
    out = np.empty((len(q), len(inp.accounting.entries), inp.axis.n_year))
    for k, e in enumerate(inp.accounting.entries):
        out[:, k] = entry_denominator(inp, e, quant["gdp_reported"], quant["gdp_outlook"])
    return out


def _call(job: Callable[[], Any]) -> Any:
    return job()


def _gap_quantiles(
    inp: ModelInputs, d: dict[str, np.ndarray], thr: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, list[Callable[[], None]]]:
    """Quantiles of thr x denominator - counted, (quantile, threshold, entry, year), formed
    from the draws in their order by the jobs returned (one an entry, each filling its part of
    the array returned); NaN for the entries of the fixed FY2022 denominator D.

    With a fixed denominator D the gap is a decreasing function of counted spending,
    so its q-quantile is thr D - counted's (1 - q)-quantile: ``_fixed_gap_quantiles`` fills
    those in once counted spending is sorted.
    """
    from .policies import Denominator

    out = np.full((len(q), len(thr), len(inp.accounting.entries), inp.axis.n_year), np.nan)

    def entry(k: int) -> None:  # (q, t, y), one threshold at a time in one (y, n) buffer
        den, counted = d["denominator"][k], d["counted"][k]
        g = np.empty(np.broadcast_shapes(den.shape, counted.shape))
        for i, t in enumerate(thr.tolist()):
            np.multiply(den, t, out=g)
            g -= counted
            out[:, i, k] = quantiles(g, q, in_place=True)

    jobs: list[Callable[[], None]] = [
        functools.partial(entry, k)
        for k, e in enumerate(inp.accounting.entries)
        if e.denominator != Denominator.fy2022_fixed
    ]
    return out, jobs


def _fixed_gap_quantiles(
    inp: ModelInputs, gap: np.ndarray, counted_sorted: np.ndarray, thr: np.ndarray, q: np.ndarray
) -> None:
    """The gaps to the fixed FY2022 figure D, in ``gap`` (in place): thr D less counted
    spending's (1 - q)-quantile, from counted spending's draws once sorted for its own
    quantiles (``counted_sorted``: no second sort)."""
    from .policies import Denominator

    for k, e in enumerate(inp.accounting.entries):
        if e.denominator == Denominator.fy2022_fixed:
            cq = quantiles(counted_sorted[k], 1.0 - q, presorted=True)  # (q, y)
            gap[:, :, k] = thr[None, :, None] * inp.accounting.gdp_fy2022_goal - cq[:, None, :]


# ----------------------------------------------------------------------------
# Streaming: one pass over chunks, histograms on a grid fixed by a pilot
# ----------------------------------------------------------------------------


def pass1(inp: ModelInputs, d: dict[str, np.ndarray]) -> dict:
    """Per-chunk: event counts, sums for means (one per block of RNG_BLOCK draws from the
    chunk's start), and each column's min and max."""
    n = d["gdp"].shape[-1]
    return {
        "n": n,
        "count": event_counts(inp, d),
        "blocks": {
            k: [d[k][..., a : a + RNG_BLOCK].sum(axis=-1) for a in range(0, n, RNG_BLOCK)]
            for k in MEANS
        },
        # of the values that are not NaN (NaN where every draw is: years not projected)
        "min": {k: np.fmin.reduce(d[k], axis=-1) for k in stream_keys(d)},
        "max": {k: np.fmax.reduce(d[k], axis=-1) for k in stream_keys(d)},
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


HALF = BINS // 2
# the pilot's range fills between 1/3 and 2/3 of the grid: room for later draws on both sides
PILOT_ROOM = 1.5
SMALLEST_WIDTH = 2.0**-600  # the grid of a column that is the same in every pilot draw


@dataclass(frozen=True)
class Grid:
    """Each column's histogram grid, fixed by the pilot draws: bin ``i`` (from ``-HALF`` to
    ``HALF - 1``) at level ``k`` holds ``centre + [i, i + 1) * width * 2**k``. ``width`` is a
    power of two, so that a bin of level ``k + 1`` is exactly two bins of level ``k``."""

    centre: dict[str, np.ndarray]  # (columns,) per quantity
    width: dict[str, np.ndarray]


def pilot_grid(s1: dict) -> Grid:
    """The grid from the pilot's column ranges (``pass1`` of the pilot draws)."""
    centre, width = {}, {}
    for k, lo in s1["min"].items():
        lo, hi = lo.reshape(-1), s1["max"][k].reshape(-1)
        c = np.nan_to_num((lo + hi) / 2)
        span = np.nan_to_num(hi - lo)
        with np.errstate(divide="ignore"):
            e = np.ceil(np.log2(np.where(span > 0, span * PILOT_ROOM / BINS, 1.0)))
        w = np.where(span > 0, np.ldexp(1.0, e.astype(int)), SMALLEST_WIDTH)
        centre[k], width[k] = c, w
    return Grid(centre, width)


def _levels(m: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The smallest level ``k >= 0`` whose grid holds every value within ``m`` of the centre:
    ``m < HALF * w * 2**k`` (a function of ``m`` alone, increasing: the level a chunk needs and
    the level of the whole run agree whatever the chunking)."""
    m = np.nan_to_num(m)
    with np.errstate(divide="ignore"):
        k = np.floor(np.log2(np.maximum(m / (HALF * w), 1.0))).astype(np.int64) - 1
    k = np.maximum(k, 0)
    while True:
        over = np.ldexp(m / w, -k) >= HALF  # exact scaling by a power of two
        if not over.any():
            return k
        k[over] += 1


ROWS = 16  # columns binned at a time: temporaries that stay in cache (twice as fast here)


def histogram(d: dict[str, np.ndarray], s1: dict, grid: Grid) -> dict:
    """Per-chunk: each column's level (the coarsest its draws need) and bin counts, (columns,
    BINS + 1), the last bin counting NaN (years not projected). A column the same in every draw
    of the chunk (a known year) is counted at once, in the bin its value falls in."""
    out = {}
    n = d["gdp"].shape[-1]
    t = np.empty((ROWS, n))
    idx = np.empty((ROWS, n), dtype=np.int64)
    # each row's bins in the flat counts of a block of rows, BINS + 1 a row
    offset = (HALF + np.arange(ROWS) * (BINS + 1.0))[:, None]
    for k, c in grid.centre.items():
        x = d[k].reshape(-1, n)
        w = grid.width[k]
        lo, hi = s1["min"][k].reshape(-1), s1["max"][k].reshape(-1)
        lev = _levels(np.fmax(np.abs(hi - c), np.abs(lo - c)), w)
        inv = np.ldexp(1.0 / w, -lev)  # exact: powers of two
        h = np.zeros((len(x), BINS + 1), dtype=np.int32)  # counts of at most MAX_DRAWS
        same = (lo == hi) | np.isnan(lo)
        for j in np.flatnonzero(same):
            nan = n if np.isnan(lo[j]) else np.count_nonzero(np.isnan(x[j]))
            h[j, BINS] = nan
            if nan < n:  # the same arithmetic as the binning below, on the one value
                h[j, int(np.floor((lo[j] - c[j]) * inv[j])) + HALF] = n - nan
        for a, r in _runs(np.flatnonzero(~same), ROWS):
            tt, ii = t[:r], idx[:r]
            np.subtract(x[a : a + r], c[a : a + r, None], out=tt)
            tt *= inv[a : a + r, None]
            np.floor(tt, out=tt)  # the bin, from -HALF to HALF - 1
            tt += offset[:r]
            # a row with a NaN sums to NaN (the bins are finite): a fast look for the rare ones
            for j in np.flatnonzero(np.isnan(tt.sum(axis=1))):
                tt[j, np.isnan(tt[j])] = j * (BINS + 1.0) + BINS  # a spare bin for NaN
            ii[...] = tt
            h[a : a + r] = np.bincount(ii.ravel(), minlength=r * (BINS + 1)).reshape(r, -1)
        out[k] = (lev, h)
    return out


def _runs(rows: np.ndarray, most: int) -> list[tuple[int, int]]:
    """(first, length) of the runs of consecutive ``rows``, each at most ``most`` long."""
    out: list[tuple[int, int]] = []
    for j in rows.tolist():
        if out and out[-1][0] + out[-1][1] == j and out[-1][1] < most:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((j, 1))
    return out


def _coarsen(h: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Counts of the bins ``by`` levels up (row by row): bin ``i`` goes to ``i // 2**by``
    (``h`` itself, not a copy, when no row moves up)."""
    if not by.any():
        return h
    h = h.copy()
    for r in np.nonzero(by)[0]:
        row = h[r, :BINS]
        for _ in range(min(int(by[r]), 64)):
            row[HALF // 2 : HALF + HALF // 2] = row[0::2] + row[1::2]
            row[: HALF // 2] = 0
            row[HALF + HALF // 2 :] = 0
    return h


def combine_hist(parts: list[dict]) -> dict:
    """Histograms of several chunks on the level of the coarsest (exact integer counts, in any
    order)."""
    out = {}
    for k in parts[0]:
        lev = np.maximum.reduce([p[k][0] for p in parts])
        total = _coarsen(parts[0][k][1], lev - parts[0][k][0]).copy()
        for p in parts[1:]:
            total += _coarsen(p[k][1], lev - p[k][0])
        out[k] = (lev, total)
    return out


def streamed(
    inp: ModelInputs,
    s1: dict,
    hist: dict,
    grid: Grid,
    q: np.ndarray,
    paired: np.ndarray | None = None,
) -> Stats:
    """Summaries from the folded chunks (``paired``: kept ratio draws, see :class:`Stats`).

    Each quantile lies within one bin width (``Stats.bound``: ``width * 2**level`` of its
    column) of the exact one; a column the same in every draw is exact.
    """
    n = s1["n"]
    prob = {}
    for k, c in s1["count"].items():
        p = c / n
        se = np.sqrt(p * (1 - p) / n)
        prob[k] = (
            (np.moveaxis(p, 0, -1), np.moveaxis(se, 0, -1)) if k in THRESHOLD_EVENTS else (p, se)
        )
    means = {k: v / n for k, v in s1["sum"].items()}
    quant, bound = {}, {}

    def hist_quantiles(k: str, qs: np.ndarray) -> np.ndarray:
        lev, h = hist[k]
        lo, hi = s1["min"][k].reshape(-1), s1["max"][k].reshape(-1)
        w = np.ldexp(grid.width[k], lev)
        return _hist_quantiles(h, grid.centre[k] - HALF * w, w, lo, hi, qs).reshape(
            len(qs), *s1["min"][k].shape
        )

    for k, (lev, _) in hist.items():
        lo, hi = s1["min"][k], s1["max"][k]
        quant[k] = hist_quantiles(k, q)
        bound[k] = np.where(hi > lo, np.ldexp(grid.width[k], lev).reshape(lo.shape), 0.0)
    quant["denominator"] = _denominator_quantiles(inp, quant, q)
    bound["denominator"] = np.stack(
        [
            np.zeros(inp.axis.n_year)
            if fixed_figure(inp, e) is not None
            else entry_denominator(inp, e, bound["gdp_reported"], bound["gdp_outlook"])
            for e in inp.accounting.entries
        ]
    )
    quant[GAP], bound[GAP] = _streamed_gaps(inp, quant, bound, hist_quantiles("counted", 1.0 - q))
    return Stats(
        quant,
        prob,
        means,
        f"histogram (one pass; {BINS} bins per column on a grid fixed by the first "
        f"{PILOT:,} draws, doubled where later draws fall outside it; each quantile within one "
        "bin width of exact)",
        paired=paired,
        bound=bound,
    )


def _streamed_gaps(
    inp: ModelInputs,
    quant: dict[str, np.ndarray],
    bound: dict[str, np.ndarray],
    counted_reflected: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The gaps' quantiles and bounds, (quantile, threshold, entry, year): binned where the
    denominator is drawn (``DRAWN_GAP``); to a fixed denominator D, thr D less counted
    spending's (1 - q)-quantile (``counted_reflected``), as exact mode has it, within counted's
    bound."""
    thr = np.asarray(inp.scenario.thresholds)
    entries = inp.accounting.entries
    gq = np.empty((len(counted_reflected), len(thr), len(entries), inp.axis.n_year))
    gb = np.empty((len(thr), len(entries), inp.axis.n_year))
    drawn = drawn_entries(inp)
    if drawn:
        gq[:, :, drawn] = quant.pop(DRAWN_GAP)
        gb[:, drawn] = bound.pop(DRAWN_GAP)
    for k, e in enumerate(entries):
        fixed = fixed_figure(inp, e)
        if fixed is not None:
            gq[:, :, k] = thr[None, :, None] * fixed - counted_reflected[:, None, k]
            gb[:, k] = bound["counted"][k][None]
    return gq, gb


def _hist_quantiles(
    h: np.ndarray, start: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: np.ndarray
) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) located within histogram bins: each
    order statistic at the middle of its share of its bin, kept within the column's range."""
    counts = h[:, :BINS]
    valid = counts.sum(axis=1)
    cum = np.cumsum(counts, axis=1)
    rows = np.arange(len(h))
    out = np.full((len(q), len(h)), np.nan)
    for i, qq in enumerate(q):
        pos = qq * (valid - 1)
        r0 = np.floor(pos).astype(np.int64)
        frac_w = pos - r0
        vals = []
        for r in (r0, np.minimum(r0 + 1, np.maximum(valid - 1, 0))):
            b = np.array([np.searchsorted(cum[c], r[c], side="right") for c in rows])
            b = np.minimum(b, BINS - 1)
            before = np.where(b > 0, cum[rows, np.maximum(b - 1, 0)], 0)
            inbin = np.maximum(counts[rows, b], 1)
            frac = (r - before + 0.5) / inbin
            vals.append(np.clip(start + (b + frac) * w, lo, hi))
        v = vals[0] * (1 - frac_w) + vals[1] * frac_w
        same = lo * (1 - frac_w) + lo * frac_w  # as exact mode has it, to the last bit
        out[i] = np.where(valid > 0, np.where(hi > lo, v, same), np.nan)
    return out
