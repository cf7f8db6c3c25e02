"""How much work a run asks for: a cap on draws, and an estimate of its peak memory checked
against the memory the machine has available, before any draw is made.

The estimate is a straight line fitted to the peak resident memory of ``jdef run baseline``
(6,840 bytes of per-draw arrays a draw; 2 cores; measured with ``/usr/bin/time``; exact runs
in chunks of at most 12,288 draws, ``runner.CHUNK``):

================================  =========  =========
run                               measured   estimate
================================  =========  =========
exact, 20,000 draws                402 MB     413 MB
exact, 40,000 draws                564 MB     568 MB
exact, 80,000 draws                833 MB     833 MB
exact, 100,000 draws               966 MB     965 MB
exact, 100,000, chunk 50000      1,330 MB   1,326 MB
exact, 40,000, keep draws          647 MB     650 MB
streamed, 100,000, chunk 12288     676 MB     676 MB
streamed, 100,000, chunk 50000   1,387 MB   1,397 MB
================================  =========  =========

so within about 5% of the measured peak for these sizes (an over-estimate in most). A streamed
run also grows slowly with the number of draws (0.65 GB measured at 10^7 draws, README); the
per-draw term below covers that (0.75 GB estimated).
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from . import categories as cats
from .constants import CATEGORY, POLICY, THRESHOLD, YEAR
from .errors import InputError
from .summaries import DERIVED
from .variables import PER_DRAW, draw_axes

if TYPE_CHECKING:
    from .inputs import ModelInputs

# the bound of a scenario's ``draws`` (scenario_schema), for the options too: a streamed
# 10^6-draw run takes 13-20 s here (make bench), so 10^8 draws is under an hour
MAX_DRAWS = 100_000_000
MB = 10**6
BASE_EXACT = 185 * MB  # the interpreter, libraries, data and inputs
BASE_STREAM = 440 * MB  # the same, the histograms and the memory malloc keeps for reuse
EXACT_FACTOR = 0.97  # per-draw arrays, and the temporaries of the summaries
EXACT_CHUNK_FACTOR = 0.7  # a chunk's shocks and temporaries, per draw of the chunks in flight
KEEP_FACTOR = 0.3  # the per-draw variables stored in the Dataset with --keep-draws
STREAM_FACTOR = 1.4  # a chunk's arrays, its shocks and its temporaries, per chunk in flight
STREAM_PER_DRAW = 8  # bytes a draw: growth of a streamed run with its length (10^7 draws)


def check_draws(draws: int) -> None:
    """Refuse a number of draws below 1 or above ``MAX_DRAWS``, before anything is computed.

    Raises
    ------
    InputError
        Naming ``draws``.
    """
    if draws < 1:
        raise InputError("draws", "", "must be at least 1")
    if draws > MAX_DRAWS:
        raise InputError(
            "draws", "", f"at most {MAX_DRAWS:,} draws (got {draws:,}); use fewer draws"
        )


def draw_shapes(inp: ModelInputs, draws: int) -> dict[str, tuple[int, ...]]:
    """The shape of every per-draw array of a whole run (the registry's quantities but the
    derived ones: the denominators are views of the GDP arrays), the draw axis last."""
    size = {
        YEAR: inp.axis.n_year,
        POLICY: len(inp.accounting.entries),
        CATEGORY: len(cats.NAMES),
        THRESHOLD: len(inp.scenario.thresholds),
    }
    return {k: (*(size[a] for a in draw_axes(k)), draws) for k in PER_DRAW if k not in DERIVED}


def estimate_bytes(
    inp: ModelInputs, draws: int, chunk: int, summary_only: bool, keep_draws: bool
) -> int:
    """Estimated peak memory of a run in this process, in bytes (accuracy: module docstring).

    Parameters
    ----------
    inp : ModelInputs
        The run's inputs (years, policies, categories and thresholds give the array sizes).
    draws, chunk : int
        Draws in the run, and per chunk.
    summary_only : bool
        Streamed (memory bounded by the chunks in flight) or exact (every draw kept).
    keep_draws : bool
        Per-draw variables also stored in the result (exact mode only).
    """
    per_draw = 8 * sum(math.prod(s) for s in draw_shapes(inp, 1).values())
    if summary_only:
        in_flight = min(chunk * (os.cpu_count() or 1), draws)
        return int(BASE_STREAM + STREAM_FACTOR * per_draw * in_flight + STREAM_PER_DRAW * draws)
    factor = EXACT_FACTOR + (KEEP_FACTOR if keep_draws else 0.0)
    in_flight = min(chunk * (os.cpu_count() or 1), draws)
    return int(BASE_EXACT + factor * per_draw * draws + EXACT_CHUNK_FACTOR * per_draw * in_flight)


def available_bytes() -> int:
    """Memory available to a new run, in bytes: what the kernel could hand out without swapping
    (psutil's ``available``; free pages where psutil is missing)."""
    try:
        import psutil
    except ImportError:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGESIZE")
    return int(psutil.virtual_memory().available)


def check_fits(
    inp: ModelInputs,
    draws: int,
    chunk: int,
    summary_only: bool,
    keep_draws: bool,
    available: int | None = None,
    how: str | None = None,
) -> None:
    """Refuse a run whose estimated peak memory exceeds the memory available (``available``
    bytes, default :func:`available_bytes`); ``how``: the way to a smaller run, in the
    caller's words (default: ``run``'s).

    Raises
    ------
    InputError
        Naming ``draws``, with the estimate, the memory available and how to stream.
    """
    need = estimate_bytes(inp, draws, chunk, summary_only, keep_draws)
    have = available_bytes() if available is None else available
    if need > have:
        how = how or (
            "use fewer draws or a smaller --chunk"
            if summary_only
            else "stream them with --summary-only (bounded memory, no --keep-draws) or use fewer"
            " draws"
        )
        raise InputError(
            "draws",
            "",
            f"{draws:,} draws need about {need / 1e9:.1f} GB of memory, and "
            f"{have / 1e9:.1f} GB is available; {how}",
        )
