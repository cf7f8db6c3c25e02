"""``simulate(scenario, draws, seed, options) -> xarray.Dataset``: the public entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import categories as cats
from . import progress
from .calendar import Paths, run_engine
from .constants import (
    RNG_BLOCK,
)
from .errors import InputError
from .inputs import ModelInputs
from .metrics import accounts, entry_denominator
from .params import Params
from .policies import uncertain_keys
from .prepare import prepare
from .scenario import Scenario
from .shocks import Shocks, draw_shocks
from .summaries import Grid, Stats
from .worksize import check_draws, check_fits, draw_shapes

if TYPE_CHECKING:
    import xarray as xr

    from .parallel import Execution

# draws; above this, runs stream into summaries unless asked for exact quantiles
AUTO_STREAM_ABOVE = 250_000
# 12,288 draws, whole blocks of random numbers, in both modes: a chunk's shocks and temporaries
# (x threads) bound the memory a run touches besides its results, and the memory a chunk frees
# serves the next one (README, Performance)
CHUNK = 3 * RNG_BLOCK


def first_related(inp: ModelInputs) -> int:
    """The first year the related categories draw noise: the first projected initial budget,
    or an earlier year with a rule-imputed cell (issue 15, context.rule_imputed)."""
    from .context import rule_imputed

    drawn = np.asarray(rule_imputed(inp.axis, inp.known, inp.plan).any(axis=0))
    years = [int(y) for y, d in zip(inp.axis.years, drawn.tolist(), strict=True) if d]
    return min([inp.axis.first_initial, *years])


def shocks_for(inp: ModelInputs, seed: int, start: int, stop: int) -> Shocks:
    keys: list[str] = []
    for e in (*inp.accounting.entries, inp.accounting.target_entry, inp.accounting.ramp_entry):
        if e is not None:
            keys += [k for k in uncertain_keys(e.shares) if k not in keys]
    unknown_outlook = [
        int(y) for y, g in zip(inp.axis.years, inp.known.outlook_growth, strict=True) if np.isnan(g)
    ]
    first = {
        "real": inp.axis.first_econ,
        "deflator": inp.axis.first_econ,
        "chi2": inp.axis.first_econ,
        "recession": inp.axis.first_econ,
        "fx": inp.axis.first_fx,
        "outlook": min(unknown_outlook, default=int(inp.axis.years[-1]) + 1),
        "budget": inp.axis.first_initial,
        "contract": inp.axis.first_initial,
        "related": first_related(inp),
        "supp_occurs": inp.axis.first_supp,
        "supp_size": inp.axis.first_supp,
    }
    return draw_shocks(
        seed,
        start,
        stop,
        inp.axis.years,
        len(cats.NAMES),
        keys,
        inp.params.economy.t_df,
        inp.params.drawn,
        first,
    )


def run_draws(inp: ModelInputs, draws: int, seed: int, chunk: int = CHUNK) -> tuple[Paths, Shocks]:
    """Run all draws in chunks in this process; per-draw results are concatenated in draw order."""
    parts: list[tuple[Paths, Shocks]] = []
    for start in range(0, draws, chunk):
        stop = min(start + chunk, draws)
        sh = shocks_for(inp, seed, start, stop)
        parts.append((run_engine(inp, sh), sh))
    if len(parts) == 1:
        return parts[0]
    paths = Paths(
        **{
            f: np.concatenate([getattr(p, f) for p, _ in parts], axis=-1)
            for f in Paths.__dataclass_fields__
            if f != "trace"
        },
        trace=parts[0][0].trace,
    )
    sh0 = parts[0][1]
    sh = Shocks(
        years=sh0.years,
        **{
            f: np.concatenate([getattr(s, f) for _, s in parts], axis=-1)
            for f in Shocks.__dataclass_fields__
            if f not in ("years", "u_shares", "z_param")
        },
        u_shares={k: np.concatenate([s.u_shares[k] for _, s in parts]) for k in sh0.u_shares},
        z_param={k: np.concatenate([s.z_param[k] for _, s in parts]) for k in sh0.z_param},
    )
    return paths, sh


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of draws: run it and return what the summaries need (picklable, for dask)."""

    inp: ModelInputs
    seed: int
    mode: str  # "draws" or "stream"
    grid: Grid | None = None  # "stream": the pilot's histogram grid (None: this is the pilot)
    out: dict | None = None  # "draws" in this process: the run's per-draw arrays, written in place
    paired: tuple[int, ...] = ()  # "stream": also return the ratio draws at these year indices

    def __call__(self, span: tuple[int, int]):
        from .summaries import histogram, pass1, per_draw, pilot_grid, stream_draws

        sh = shocks_for(self.inp, self.seed, *span)
        into = (
            None
            if self.out is None
            else {k: v[..., span[0] : span[1]] for k, v in self.out.items()}
        )
        paths = run_engine(self.inp, sh, into=into)
        acc = accounts(self.inp, paths, sh, *((into["counted"], into["ratio"]) if into else ()))
        d = (
            per_draw(self.inp, paths, acc, with_gap=False)
            if self.mode == "draws"
            else stream_draws(self.inp, paths, acc)
        )
        if into is not None:  # the engine and the accounts wrote in place; copy what they did not
            for k, v in into.items():
                if d[k] is not v:
                    v[...] = d[k]
            return None
        if self.mode == "draws":
            return d
        p1 = pass1(self.inp, d)
        grid = pilot_grid(p1) if self.grid is None else self.grid
        p1["hist"] = histogram(d, p1, grid)
        if self.grid is None:
            p1["grid"] = grid
        if self.paired:
            p1["paired"] = d["ratio"][:, list(self.paired)]  # a copy: the chunk is freed
        return p1


def _draw_arrays(inp: ModelInputs, draws: int) -> dict[str, np.ndarray]:
    """Uninitialised per-draw arrays for a whole run (``worksize.draw_shapes``)."""
    return {k: np.empty(shape) for k, shape in draw_shapes(inp, draws).items()}


def default_chunk(draws: int) -> int:
    """``CHUNK`` draws, or fewer when that leaves a core without a chunk: at least one chunk a
    core (threads)."""
    import os

    per_core = -(-draws // (os.cpu_count() or 1))
    return max(min(per_core, CHUNK), 1)


def summarize(
    inp: ModelInputs,
    draws: int,
    seed: int,
    ex: Execution,
    chunk: int = CHUNK,
    summary_only: bool = False,
    keep_draws: bool = False,
    paired: tuple[int, ...] = (),
) -> Stats:
    """Run the draws in chunks through ``ex`` (threads here, or a dask cluster) and summarise them
    (``paired``: year indices whose ratio draws to keep in ``Stats.paired``, in both modes).

    Exact mode gathers every draw and sorts (one array a thread); summary-only mode streams
    chunks in one pass with bounded memory (see model/summaries.py).
    """
    from .constants import DEFAULT_QUANTILES
    from .summaries import PILOT, combine1, combine_hist, exact, streamed

    q = np.array(DEFAULT_QUANTILES)
    if summary_only:  # whole blocks of random numbers, so that sums add in one order (combine1)
        chunk = -(-chunk // RNG_BLOCK) * RNG_BLOCK
    spans = [(a, min(a + chunk, draws)) for a in range(0, draws, chunk)]
    if not summary_only and ex.in_process:
        # chunks on threads write straight into the run's arrays: no concatenation
        d: dict[str, Any] = _draw_arrays(inp, draws)
        bar = progress.task("chunks of draws", len(spans))
        ex.map(progress.counted(ChunkTask(inp, seed, "draws", out=d), bar), spans)
        d["denominator"] = tuple(
            entry_denominator(inp, e, d["gdp_reported"], d["gdp_outlook"])
            for e in inp.accounting.entries
        )
        return exact(inp, d, q, keep_draws, ex.local_map, paired)
    if not summary_only:
        bar = progress.task("chunks of draws", len(spans))
        parts = ex.map(ChunkTask(inp, seed, "draws"), spans)
        bar(len(spans))
        d = (
            parts[0]
            if len(parts) == 1
            else {k: np.concatenate([p[k] for p in parts], axis=-1) for k in parts[0]}
        )
        del parts
        return exact(inp, d, q, keep_draws, ex.local_map, paired)
    # one pass: the pilot (the first PILOT draws) fixes the histogram grids, then the other
    # chunks are folded in as they arrive, a few at a time, so that memory stays bounded
    first = min(PILOT, draws)
    spans = [(0, first)] + [(a, min(a + chunk, draws)) for a in range(first, draws, chunk)]
    [pilot] = ex.map(ChunkTask(inp, seed, "stream", paired=paired), spans[:1])
    grid = pilot.pop("grid")
    kept = [pilot.pop("paired")] if paired else []
    hist = pilot.pop("hist")
    s1 = combine1([pilot])
    group = 4
    task = ChunkTask(inp, seed, "stream", grid, paired=paired)
    bar = progress.task("chunks of draws (one pass)", len(spans))
    bar(1)  # the pilot
    for g in range(1, len(spans), group):
        parts = ex.map(task, spans[g : g + group])
        bar(len(parts))
        kept += [p.pop("paired") for p in parts if "paired" in p]
        hist = combine_hist([hist, *(p.pop("hist") for p in parts)])
        s1 = combine1([s1, *parts])
        del parts
    return streamed(inp, s1, hist, grid, q, np.concatenate(kept, axis=-1) if kept else None)


@dataclass(frozen=True)
class Options:
    """How to run a scenario; none of them changes the results, but ``params`` and ``data_dir``.

    Attributes
    ----------
    keep_draws : bool
        Also store the per-draw ratios, counted spending and GDP (large).
    chunk : int or None
        Draws per chunk (default: see ``default_chunk``); results do not depend on it.
    summary_only : bool or None
        Stream chunks into the summaries in bounded memory (probabilities exact, quantiles
        within one histogram bin); incompatible with ``keep_draws``. ``None`` (the default, as
        on the command line): stream when there are more than ``AUTO_STREAM_ABOVE`` draws and
        per-draw arrays are not kept.
    workers, scheduler : int or str, optional
        Run chunks on a local dask cluster of ``workers`` processes, or on the dask scheduler
        at ``scheduler``; results are identical to a single process.
    params : Params or None
        Parameters to use instead of the calibration as of the scenario's date.
    data_dir : Path or None
        The data folder (default ``constants.default_data_dir()``).
    """

    keep_draws: bool = False
    chunk: int | None = None
    summary_only: bool | None = None
    workers: int | None = None
    scheduler: str | None = None
    params: Params | None = None
    data_dir: Path | None = None


def simulate(
    scenario: Scenario | str | Path,
    draws: int | None = None,
    seed: int | None = None,
    options: Options = Options(),
) -> xr.Dataset:
    """Run a scenario and return its results as one ``xarray.Dataset``.

    Parameters
    ----------
    scenario : Scenario, or str or Path
        From :func:`jdef.load_scenario`, or a scenario file or shipped name to load.
    draws, seed : int, optional
        Override the scenario's number of Monte Carlo draws and root seed.
    options : Options
        How to run it (per-draw arrays, chunks, streaming, dask, parameters, data).

    Raises
    ------
    InputError
        Naming the parameter or option field at fault (``draws``, also when the run would not
        fit in memory; ``chunk``, ``summary_only``, ``workers``, ``scheduler``).
    """
    from .parallel import check_execution, execution
    from .results import build_dataset

    if not isinstance(scenario, Scenario):
        from .scenario import load_scenario

        scenario = load_scenario(scenario)
    o = options
    check_execution(o.workers, o.scheduler)  # before any work: a bad address fails at once
    draws = scenario.draws if draws is None else draws
    seed = scenario.seed if seed is None else seed
    auto = draws > AUTO_STREAM_ABOVE and not o.keep_draws
    summary_only = auto if o.summary_only is None else o.summary_only
    chunk = default_chunk(draws) if o.chunk is None else o.chunk
    check_draws(draws)
    if chunk < 1:
        raise InputError("chunk", "", "must be at least 1")
    if scenario.mixture is not None:  # a weighted set of post-FY2027 rules (jdef.mixtures)
        from .mixtures import simulate_mixture

        return simulate_mixture(scenario, draws, seed, o)  # every draw kept (never streamed)
    if summary_only and o.keep_draws:
        raise InputError("summary_only", "", "cannot keep per-draw arrays in summary-only mode")
    inp = prepare(scenario, o.params, o.data_dir)
    check_fits(inp, draws, chunk, summary_only, o.keep_draws)
    with execution(o.workers, o.scheduler) as ex:
        st = summarize(inp, draws, seed, ex, chunk, summary_only, o.keep_draws)
    return build_dataset(inp, st, draws=draws, seed=seed)
