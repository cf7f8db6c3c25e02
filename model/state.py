"""The engine's state: the run's per-draw arrays, and what one fiscal year hands to the next.

:class:`State` owns the arrays that become the run's :class:`~jdef.calendar.Paths`; each event
of year ``j`` writes only row ``j`` (``payments_due``: later rows). :class:`Carry` is the state
carried from one year to the next besides those rows (the economy's deviations from its path and
the yen's rate before the scenario's shift), returned anew by the economy event.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import categories as cats
from .inputs import Axis, GrowthPath, ModelInputs


@dataclass(frozen=True)
class State:
    """The run's arrays, year-major with the draw axis last: (n_year, n) unless noted.

    Field names are those of :class:`~jdef.calendar.Paths`.
    """

    gdp: np.ndarray  # trillion yen
    gdp_reported: np.ndarray  # trillion yen, after the benchmark revision
    gdp_outlook: np.ndarray  # trillion yen, the government's outlook at budget time
    real_growth: np.ndarray  # fraction per year
    deflator_growth: np.ndarray  # fraction per year
    deflator_index: np.ndarray  # FY2022 = 1
    fx: np.ndarray  # yen per dollar
    recession: np.ndarray  # 1 in a recession year, else 0
    spending: np.ndarray  # (n_year, n_category, n) trillion yen
    contracts: np.ndarray  # trillion yen signed in the year
    payments_due: np.ndarray  # trillion yen due on earlier contracts
    topup: np.ndarray  # trillion yen of target-seeking top-up
    executed: np.ndarray  # trillion yen executed
    personnel: np.ndarray  # trillion yen of personnel and provisions (NaN before its base year)
    general_material: np.ndarray  # trillion yen: core - personnel - payments due (projected)
    financing_gap: np.ndarray  # trillion yen the rule's level falls short of personnel + due
    owed_after_plan: np.ndarray  # trillion yen the year's contracts owe after FY2027

    @property
    def n(self) -> int:
        return int(self.gdp.shape[-1])

    def block(self, start: int, stop: int) -> State:
        """Draws [start, stop) as views: writes to the block's rows land in the run's arrays."""
        return State(**{f.name: getattr(self, f.name)[..., start:stop] for f in fields(self)})


@dataclass(frozen=True)
class Carry:
    """What a fiscal year hands to the next besides the State rows, (n,) each."""

    real_dev: np.ndarray  # real growth minus its path, fraction
    deflator_dev: np.ndarray  # deflator growth minus its path, fraction
    log_fx: np.ndarray  # log yen/dollar before the scenario's shift


def allocate(inp: ModelInputs, n: int, into: dict[str, np.ndarray] | None = None) -> State:
    """The state over all ``n`` draws, known years filled in.

    Parameters
    ----------
    inp : ModelInputs
    n : int
        Number of draws.
    into : dict, optional
        Paths field name -> array (or view) of the right shape to use instead of a new one, so
        that a chunk of a run writes straight into the run's arrays.
    """
    ax, kn = inp.axis, inp.known
    y = ax.n_year
    given = {k: v for k, v in (into or {}).items() if k in {f.name for f in fields(State)}}

    def new(
        name: str,
        shape: tuple[int, ...],
        known: np.ndarray | None = None,
        first: int = 0,
        fill: float | None = None,
    ) -> np.ndarray:
        a = given[name] if name in given else (np.zeros(shape) if fill == 0.0 else np.empty(shape))
        if fill is not None and (name in given or fill != 0.0):
            a.fill(fill)
        if known is not None:
            # the known years (before axis index ``first``) for every draw; later rows are left
            # unset because the events write every cell of them (the scalar reference starts from
            # NaN there, so a cell left unwritten would fail its test)
            a[:first] = known[:first, None]
        return a

    econ, fx, initial = (max(ax.idx(f), 0) for f in (ax.first_econ, ax.first_fx, ax.first_initial))
    due = new("payments_due", (y, n), fill=0.0)
    for s_year, c in kn.contracts_before.items():  # payments due on contracts before the axis
        prof = central_profile(inp, s_year)
        for k in range(1, len(prof)):
            j = s_year + k - int(ax.years[0])
            if 0 <= j < y:
                due[j] += prof[k] * c
    # spending: known years copied in; projected cells are written by the events
    spend = new("spending", (y, len(cats.NAMES), n))
    for jk in np.flatnonzero(~np.isnan(kn.spending).all(axis=0)):
        spend[jk] = kn.spending[:, jk, None]  # NaN where a category is not known that year
    return State(
        gdp=new("gdp", (y, n), kn.gdp, econ),
        gdp_reported=new("gdp_reported", (y, n), kn.gdp, econ),
        gdp_outlook=new("gdp_outlook", (y, n)),  # written every year by ``request``
        real_growth=new("real_growth", (y, n), kn.real_growth, econ),
        deflator_growth=new("deflator_growth", (y, n), kn.deflator_growth, econ),
        deflator_index=new("deflator_index", (y, n), kn.deflator_index, econ),
        fx=new("fx", (y, n), kn.fx, fx),
        recession=new("recession", (y, n), fill=0.0),
        spending=spend,
        contracts=new("contracts", (y, n), kn.contracts, initial),
        payments_due=due,
        topup=new("topup", (y, n), fill=0.0),
        executed=new("executed", (y, n)),  # written every year by ``settlement``
        personnel=new("personnel", (y, n), fill=np.nan),  # written by ``initial_budget``
        general_material=new("general_material", (y, n), fill=np.nan),
        financing_gap=new("financing_gap", (y, n), fill=0.0),
        owed_after_plan=new("owed_after_plan", (y, n), fill=0.0),  # by ``contracts``
    )


def central_profile(inp: ModelInputs, year: int) -> tuple[float, ...]:
    """The payment profile of contracts signed in ``year`` at the fit (no tilt): legacy before
    ``contracts.buildup_from``, buildup from then (used for contracts before the axis)."""
    c = inp.params.contracts
    return c.payment_profile if year < c.buildup_from else c.buildup_profile


def initial_carry(axis: Axis, path: GrowthPath, st: State) -> Carry:
    """The carry into the first year: the last known deviations from the path and the last
    known yen/dollar rate (read from ``st``, whose known rows are filled in)."""
    j = max(axis.idx(axis.first_fx), 0)
    last_fx = st.fx[min(j, st.fx.shape[0]) - 1] if j > 0 else np.full(st.n, np.nan)
    return Carry(
        real_dev=np.full(st.n, path.real_dev0),
        deflator_dev=np.full(st.n, path.deflator_dev0),
        log_fx=np.log(last_fx),
    )
