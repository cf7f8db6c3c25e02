"""The fiscal calendar: a simpy process that calls the events in information order.

Within each fiscal year the events happen in the order information arrives:

1. ``request``: budget request and the government's economic outlook (GDP forecast);
2. ``initial_budget``: the initial budget, decided on that outlook (related
   categories, the MoD plan-covered budget, new contracts);
3. ``economy``: the year's economy realised (GDP, deflator, yen);
4. ``supplementary``: the supplementary budget, decided with the year's news
   (including any target-seeking top-up);
5. ``settlement``: execution and unspent money;
6. ``contracts``: this year's contracts schedule their payments in later years.

The events themselves are in :mod:`jdef.events`; this module only orders the calls. Every
event updates whole arrays over the draws, so the framework's cost is per event, never per
draw. Known figures (published by ``as_of``) are used as they are; only later years are
projected.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, fields

import numpy as np
import simpy

from . import events
from .context import Run, drawn, run_constants
from .inputs import ModelInputs
from .shocks import Shocks
from .state import State, allocate, initial_carry

EVENTS = ("request", "initial_budget", "economy", "supplementary", "settlement", "contracts")
HANDLERS: tuple[events.Event, ...] = (
    events.request,
    events.initial_budget,
    events.economy_event,
    events.supplementary,
    events.settlement,
    events.contracts_event,
)

Trace = list[tuple[float, int, str]]


@dataclass
class Paths:
    """Per-draw paths, year-major with the draw axis last: (n_year, n) unless noted."""

    gdp: np.ndarray
    gdp_reported: np.ndarray
    gdp_outlook: np.ndarray
    real_growth: np.ndarray
    deflator_growth: np.ndarray
    deflator_index: np.ndarray
    fx: np.ndarray
    recession: np.ndarray
    spending: np.ndarray  # (n_year, n_category, n)
    contracts: np.ndarray
    payments_due: np.ndarray
    topup: np.ndarray
    executed: np.ndarray
    personnel: np.ndarray
    general_material: np.ndarray
    financing_gap: np.ndarray
    owed_after_plan: np.ndarray
    trace: Trace = field(default_factory=list)


# Draws per pass through the calendar. Each event works on vectors of one block of draws,
# so that its temporaries stay in the CPU cache. The results do not depend on it: every
# draw's arithmetic is the same (tests/test_engine.py checks blocks against one pass).
ENGINE_BLOCK = 16_384


def run_engine(
    inp: ModelInputs,
    sh: Shocks,
    block: int = ENGINE_BLOCK,
    into: dict[str, np.ndarray] | None = None,
    run: Run | None = None,
    through: int | None = None,
) -> Paths:
    """Run the vectorised engine over all draws in ``sh``, ``block`` draws at a time.

    Parameters
    ----------
    inp : ModelInputs
    sh : Shocks
        The random inputs of every draw.
    block : int
        Draws per pass through the calendar (no effect on the results).
    into : dict, optional
        Arrays (by Paths field name) to write the paths into instead of new ones.
    run : Run, optional
        ``inp``'s constants, if already made (``context.run_constants``; with values given per
        draw, ``context.PerDraw``, for a stacked sensitivity run).
    through : int, optional
        The last fiscal year to simulate: the events of later years are not run and their rows
        are NaN (each year's events read only that year's and earlier rows, so the years up
        to ``through`` are the same as in a whole run).
    """
    n = sh.n
    state = allocate(inp, n, into)
    run = run_constants(inp) if run is None else run
    trace: Trace = []
    for start in range(0, n, block):
        stop = min(start + block, n)
        _calendar(
            run.block(start, stop),
            state.block(start, stop),
            sh.block(start, stop),
            trace if start == 0 else None,
            through,
        )
    # payments due are unknown before the contracts are
    state.payments_due[inp.axis.years < inp.axis.first_initial] = np.nan
    if through is not None:
        later = int(np.searchsorted(inp.axis.years, through, side="right"))
        for f in fields(state):
            getattr(state, f.name)[later:] = np.nan
    return Paths(**{f.name: getattr(state, f.name) for f in fields(state)}, trace=trace)


def _calendar(
    run: Run, st: State, sh: Shocks, trace: Trace | None, through: int | None = None
) -> None:
    """One pass of the simpy fiscal calendar over a block of draws (years up to ``through``)."""
    years = run.axis.years if through is None else run.axis.years[run.axis.years <= through]
    env = simpy.Environment(initial_time=float(years[0]))
    dr = drawn(run, sh)

    def fiscal_years(env: simpy.Environment) -> Generator[simpy.Event, None, None]:
        carry = initial_carry(run.axis, run.path, st)
        for j, t in enumerate(years):
            for k, (name, handler) in enumerate(zip(EVENTS, HANDLERS, strict=True)):
                yield env.timeout(float(t) + k / len(EVENTS) - env.now)
                carry = handler(run, dr, st, carry, sh, j)
                if trace is not None:
                    trace.append((env.now, int(t), name))

    env.process(fiscal_years(env))
    env.run()
