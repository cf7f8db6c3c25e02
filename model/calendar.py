"""The fiscal calendar: a simpy process that calls the kernels in information order.

Within each fiscal year the events happen in the order information arrives:

1. ``request``: budget request and the government's economic outlook (GDP forecast);
2. ``initial_budget``: the initial budget, decided on that outlook (related
   categories, the MoD plan-covered budget, new contracts);
3. ``economy``: the year's economy realised (GDP, deflator, yen);
4. ``supplementary``: the supplementary budget, decided with the year's news
   (including any target-seeking top-up);
5. ``settlement``: execution and unspent money;
6. ``contracts``: this year's contracts schedule their payments in later years.

Every event updates whole arrays over the draws, so the framework's cost is per
event, never per draw. Known figures (published by ``as_of``) are used as they
are; only later years are projected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import simpy

from . import budget, contracts, economy
from . import categories as cats
from .constants import PLAN_FIRST_YEAR, PLAN_LAST_YEAR
from .inputs import ModelInputs, PolicyEntry
from .policies import Denominator, share_values, year_mask
from .scenario import PostRule
from .shocks import Shocks

EVENTS = ("request", "initial_budget", "economy", "supplementary", "settlement", "contracts")
CORE = cats.INDEX["mod_core"]
SACO = cats.INDEX["saco_realignment"]
MOD_SUPP = cats.INDEX["mod_supplementary"]
SACO_SUPP = cats.INDEX["saco_realignment_supplementary"]
REL_SUPP = cats.INDEX["related_supplementary"]
INITIAL = [i for i, c in enumerate(cats.CATEGORIES) if c.kind == "initial"]
PROJECTED_INITIAL = [
    c.name for c in cats.CATEGORIES if c.kind == "initial" and c.name != "mod_core"
]


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
    trace: list[tuple[float, int, str]] = field(default_factory=list)


# Draws per pass through the calendar. Each event works on vectors of one block of draws,
# so that its temporaries stay in the CPU cache. The results do not depend on it: every
# draw's arithmetic is the same (tests/test_engine.py checks blocks against one pass).
ENGINE_BLOCK = 16_384


# per-draw outputs (Paths fields) -> engine state names
PATH_STATE = {
    "gdp": "gdp",
    "gdp_reported": "gdp_rep",
    "gdp_outlook": "outlook",
    "real_growth": "real",
    "deflator_growth": "defl",
    "deflator_index": "dindex",
    "fx": "fx",
    "recession": "rec",
    "spending": "spend",
    "contracts": "contracts",
    "payments_due": "due",
    "topup": "topup",
    "executed": "executed",
}


def _allocate(
    inp: ModelInputs, n: int, into: dict[str, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """The state over all ``n`` draws, known years filled in; blocks of draws work on views of it.

    ``into`` maps Paths field names to arrays (or views) of the right shape to use instead of
    new ones, so that a chunk of a run writes straight into the run's arrays.
    """
    y = inp.n_year
    into = {PATH_STATE[k]: v for k, v in (into or {}).items() if k in PATH_STATE}

    def new(
        name: str,
        shape: tuple[int, ...],
        known: np.ndarray | None = None,
        first: int = 0,
        fill: float | None = None,
    ) -> np.ndarray:
        a = into[name] if name in into else (np.zeros(shape) if fill == 0.0 else np.empty(shape))
        if fill is not None and (name in into or fill != 0.0):
            a.fill(fill)
        if known is not None:
            # the known years (before axis index ``first``) for every draw; later rows are left
            # unset because the events write every cell of them (the scalar reference starts from
            # NaN there, so a cell left unwritten would fail its test)
            a[:first] = known[:first, None]
        return a

    econ, fx, initial = (
        max(inp.idx(f), 0) for f in (inp.first_econ, inp.first_fx, inp.first_initial)
    )
    st = {
        name: new(name, (y, n), getattr(inp, src), econ)
        for name, src in (
            ("gdp", "gdp"),
            ("gdp_rep", "gdp"),
            ("real", "real_growth"),
            ("defl", "deflator_growth"),
            ("dindex", "deflator_index"),
        )
    }
    st["fx"] = new("fx", (y, n), inp.fx, fx)
    st["contracts"] = new("contracts", (y, n), inp.contracts, initial)
    st["outlook"] = new("outlook", (y, n))  # written every year by ``request``
    st["executed"] = new("executed", (y, n))  # written every year by ``settlement``
    for name in ("rec", "due", "topup"):  # zero unless an event says otherwise
        st[name] = new(name, (y, n), fill=0.0)
    prof = inp.params.contracts.payment_profile
    for (
        s_year,
        c,
    ) in inp.contracts_before.items():  # payments due on contracts signed before the axis
        for k in range(1, len(prof)):
            j = s_year + k - int(inp.years[0])
            if 0 <= j < y:
                st["due"][j] += prof[k] * c
    # spending: known years copied in; projected cells are written by the events
    spend = new("spend", (y, len(cats.NAMES), n))
    known = ~np.isnan(inp.spending).all(axis=0)
    for j in np.flatnonzero(known):
        spend[j] = inp.spending[:, j, None]  # NaN where a category is not known that year
    st["spend"] = spend
    return st


def _related_plan(
    inp: ModelInputs,
) -> list[tuple[list[tuple[int, str, list[int]]], list[tuple[int, int]]]]:
    """Per axis year: the projected related categories that move towards their group's FY2027
    target (category, group, the group's members) and the runs of those that grow with expected
    nominal GDP. The same for every block of draws, so worked out once per run."""
    plan = []
    for j, t in enumerate(inp.years):
        toward, grow = [], []
        for name in PROJECTED_INITIAL:
            c = cats.INDEX[name]
            if not np.isnan(inp.spending[c, j]):
                continue
            group = cats.BY_NAME[name].group
            if group in inp.group_targets_2027 and t <= PLAN_LAST_YEAR:
                members = [
                    cats.INDEX[m.name]
                    for m in cats.CATEGORIES
                    if m.group == group and m.kind == "initial"
                ]
                toward.append((c, group, members))
            else:
                grow.append(c)
        plan.append((toward, _runs(grow)))
    return plan


def _weighted_sum(spend: np.ndarray, share: np.ndarray, weight: np.ndarray, cols) -> np.ndarray:
    """sum over categories c in ``cols`` of spend[c] * share[:, c] * weight[c], in category order
    (an explicit loop: the order of the additions, and so the rounding, is the same whatever the
    number of draws in a block)."""
    out = np.zeros(spend.shape[-1])
    tmp = np.empty_like(out)
    for c in cols:  # every column, as in the reference: 0 x NaN is NaN
        np.multiply(spend[c], share[:, c], out=tmp)
        tmp *= weight[c]
        out += tmp
    return out


def _runs(idx: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as runs of adjacent ones: [2, 4, 5, 6] -> [(2, 3), (4, 7)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(idx):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


class _Year:
    """Vectorised state of a block of draws and the six events of a fiscal year."""

    def __init__(
        self, inp: ModelInputs, sh: Shocks, state: dict[str, np.ndarray], related_plan: list
    ):
        self.inp, self.sh, self.p = inp, sh, inp.params
        self.related_plan = related_plan  # _related_plan(inp), worked out once per run
        self._pv: dict[tuple[str, float], object] = {}
        self._revision: np.ndarray | None = None
        self._log_fx: np.ndarray | None = (
            None  # log yen/dollar before the scenario's shift, last projected year
        )
        n = self.n = sh.n
        for k, v in state.items():  # views of the run's arrays: the events write through them
            setattr(self, k, v)
        self.real_dev = np.full(n, inp.real_dev0)
        self.defl_dev = np.full(n, inp.deflator_dev0)
        self._occurs = np.empty(n)  # scratch: whether a supplementary budget occurs (0/1)
        self._centred = np.empty(n)  # scratch: the recession indicator minus its probability
        self.shares: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for e in (inp.target_entry, inp.ramp_entry):  # the policies that decisions look at
            if e is not None and e.label not in self.shares:
                self.shares[e.label] = (
                    share_values(e.shares, e.supplementary, sh.u_shares, n),
                    year_mask(e.shares, inp.years),
                )

    # --- helpers -------------------------------------------------------------
    def pv(self, name: str, scale: float = 1.0):
        """A parameter's value per draw (an array if drawn from its estimate's distribution), times ``scale``."""
        key = (name, scale)
        if key not in self._pv:
            v = self.p.per_draw(name, self.sh.z_param.get(name, 0.0))
            self._pv[key] = v if scale == 1.0 else v * scale
        return self._pv[key]

    def prev(self, arr: np.ndarray, j: int, before: float) -> np.ndarray:
        return arr[j - 1] if j > 0 else np.full(self.n, before)

    def counted(self, e: PolicyEntry, j: int, initial_only: bool = False) -> np.ndarray:
        share, mask = self.shares[e.label]
        return _weighted_sum(
            self.spend[j], share, mask[:, j], INITIAL if initial_only else range(len(cats.NAMES))
        )

    def denominator(self, e: PolicyEntry, j: int, budget_time: bool) -> np.ndarray:
        if e.denominator == Denominator.fy2022_fixed:
            return np.full(self.n, self.inp.gdp_fy2022_goal)
        if e.denominator == Denominator.outlook_gdp or budget_time:
            return self.outlook[j]
        return self.gdp_rep[j]

    # --- events --------------------------------------------------------------
    def request(self, t: int, j: int) -> None:
        inp, p = self.inp, self.p
        known = inp.outlook_growth_known[j]
        out = self.outlook[j]
        if np.isnan(known):
            g = economy.outlook_growth(
                inp.mu_real[j],
                inp.mu_deflator[j],
                self.pv("outlook.bias"),
                p.outlook.sd * inp.scenario.economy.volatility_scale,
                self.sh.z_outlook[j],
            )
            g += 1.0
            np.multiply(self.prev(self.gdp, j, inp.gdp_prev), g, out=out)
        else:
            np.multiply(self.prev(self.gdp, j, inp.gdp_prev), 1.0 + known, out=out)

    def initial_budget(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        if t < inp.first_initial:
            return
        exp_factor = self.outlook[j] / self.prev(
            self.gdp, j, inp.gdp_prev
        )  # 1 + expected nominal growth
        sd_rel = p.budget.related_growth_sd
        # related ministries' categories and SACO (decided with the budget)
        toward, grow = self.related_plan[j]
        for c, group, members in toward:  # towards the group's FY2027 target
            prev = self.spend[j - 1, c]
            share_of_group = prev / self.spend[j - 1, members].sum(axis=0)
            target = inp.group_targets_2027[group] * share_of_group
            level = budget.toward(prev, target, PLAN_LAST_YEAR - t + 1)
            budget.noisy(level, sd_rel, self.sh.z_related[j, c], out=self.spend[j, c])
        for a, b in grow:  # in place, a run of adjacent categories at a time (views, no copies)
            budget.related_step(
                self.spend[j - 1, a:b],
                exp_factor,
                sd_rel,
                self.sh.z_related[j, a:b],
                out=self.spend[j, a:b],
            )
        # the MoD plan-covered budget
        prev_b = self.spend[j - 1, CORE]
        exp_defl = inp.mu_deflator[j]
        impl_sd = p.budget.implementation_sd
        if t <= PLAN_LAST_YEAR:
            level = budget.toward(prev_b, inp.plan_fy2027, PLAN_LAST_YEAR - t + 1)
            impl_sd *= sc.plan.implementation_scale
        else:
            rule = sc.post2027
            if rule.rule == PostRule.hold_real:
                level = budget.grow(prev_b, exp_defl) * (1.0 + rule.real_growth)
            elif rule.rule == PostRule.grow_nominal:
                level = budget.grow(prev_b, rule.growth)
            elif rule.rule == PostRule.new_plan:
                k = t - PLAN_LAST_YEAR
                if k <= budget.NEW_PLAN_YEARS:
                    level = budget.new_plan_level(
                        self.spend[inp.idx(PLAN_LAST_YEAR), CORE], k, rule.plan_total
                    )
                else:
                    level = budget.grow(prev_b, exp_defl)
            else:  # ramp_to_ratio
                e = inp.ramp_entry
                assert e is not None
                share, mask = self.shares[e.label]
                prev_ratio = self.counted(e, j - 1, initial_only=True) / self.denominator(
                    e, j - 1, budget_time=False
                )
                cols = [c for c in INITIAL if c != CORE]  # mod_core is being decided
                other_counted = _weighted_sum(self.spend[j], share, mask[:, j], cols)
                core_share = share[:, CORE] * mask[CORE, j]
                level = budget.ramp_required(
                    prev_ratio,
                    rule.target_ratio,
                    rule.target_year - t + 1,
                    self.denominator(e, j, budget_time=True),
                    other_counted,
                    core_share,
                )
            if p.budget.recession_cut:  # (x 1 when there is no cut)
                level = level * (1.0 - p.budget.recession_cut * self.rec[j - 1])
            impl_sd *= rule.implementation_scale
        b = budget.noisy(level, impl_sd, self.sh.z_budget[j], out=self.spend[j, CORE])
        # new contracts: the plan's remaining contract total to FY2027, then a fixed ratio to the budget
        if t <= PLAN_LAST_YEAR:
            signed = np.nansum(self.contracts[inp.idx(PLAN_FIRST_YEAR) : j], axis=0)
            remaining = np.maximum(inp.plan_contract_total - signed, 0.0) / (PLAN_LAST_YEAR - t + 1)
            budget.noisy(
                remaining, p.budget.contract_fy2027_sd, self.sh.z_contract[j], out=self.contracts[j]
            )
        else:
            np.multiply(b, p.budget.contract_ratio, out=self.contracts[j])

    def economy(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        vs = sc.economy.volatility_scale
        if t >= inp.first_fx:
            if self._log_fx is None:  # the last known year's rate
                self._log_fx = np.log(self.prev(self.fx, j, np.nan))
            # the AR(1) runs on the rate before the scenario's shift; the shift applies to the level
            self._log_fx = economy.log_ar1(
                self._log_fx, np.log(inp.fx_anchor), p.fx.ar, p.fx.sd * vs, self.sh.z_fx[j]
            )
            np.exp(self._log_fx, out=self.fx[j])
            if sc.economy.fx_shift:
                self.fx[j] *= 1.0 + sc.economy.fx_shift
        if t < inp.first_econ:
            return
        e = p.economy
        e_g, e_pi = economy.student_t_pair(
            self.sh.n_real[j],
            self.sh.n_deflator[j],
            self.sh.chi2[j],
            e.shock_corr,
            e.t_df,
            e.shock_bound,
        )
        rec = self.rec[j]
        if t in sc.economy.forced_recessions:
            rec.fill(1.0)
        elif sc.economy.recessions:
            np.less(
                self.sh.u_recession[j], self.pv("economy.recession_prob"), out=rec, casting="unsafe"
            )
        else:
            rec.fill(0.0)
        # recessions enter as a centred shock, R - p: the path is the expected growth, recessions included
        centred = np.subtract(
            rec,
            self.pv("economy.recession_prob") if sc.economy.recessions else 0.0,
            out=self._centred,
        )
        g, pi = self.real[j], self.defl[j]
        economy.mean_reverting(
            inp.mu_real[j],
            self.real_dev,
            self.pv("economy.real_ar"),
            self.pv("economy.real_sd", vs),
            e_g,
            centred,
            e.recession_real,
            out=g,
        )
        economy.mean_reverting(
            inp.mu_deflator[j],
            self.defl_dev,
            self.pv("economy.deflator_ar"),
            self.pv("economy.deflator_sd", vs),
            e_pi,
            centred,
            e.recession_deflator,
            out=pi,
        )
        np.subtract(g, inp.mu_real[j], out=self.real_dev)
        np.subtract(pi, inp.mu_deflator[j], out=self.defl_dev)
        economy.nominal_level(self.prev(self.gdp, j, inp.gdp_prev), g, pi, out=self.gdp[j])
        np.multiply(
            self.prev(self.dindex, j, inp.deflator_index_prev), 1.0 + pi, out=self.dindex[j]
        )
        if self._revision is None:  # one benchmark-revision factor per draw, the same every year
            self._revision = np.exp(e.revision_sd * vs * self.sh.z_revision)
        np.multiply(self.gdp[j], self._revision, out=self.gdp_rep[j])

    def supplementary(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        if t < inp.first_supp:
            return
        sp = p.supplementary
        occurs = self._occurs
        np.less(self.sh.u_supp[j], self.pv("supplementary.prob"), out=occurs, casting="unsafe")
        if not sc.supplementary.enabled:
            occurs.fill(0.0)
        total = budget.supplementary(
            occurs,
            self.pv("supplementary.log_ratio_mean"),
            sp.log_ratio_sd,
            self.sh.z_supp[j],
            self.spend[j, CORE] + self.spend[j, SACO],
        )
        share = self.pv("supplementary.realignment_share")
        np.multiply(1.0 - share, total, out=self.spend[j, MOD_SUPP])
        np.multiply(share, total, out=self.spend[j, SACO_SUPP])
        np.multiply(total, sp.related_ratio, out=self.spend[j, REL_SUPP])
        if sc.supplementary.fixed_topup and t >= sc.supplementary.from_year:
            self.spend[j, MOD_SUPP] += sc.supplementary.fixed_topup
        e = inp.target_entry
        if e is not None and t >= sc.supplementary.from_year:
            share, mask = self.shares[e.label]
            top = budget.topup(
                sc.supplementary.target,
                self.denominator(e, j, budget_time=False),
                self.counted(e, j),
                share[:, MOD_SUPP] * mask[MOD_SUPP, j],
                sc.supplementary.max_topup,
            )
            self.topup[j] = top
            self.spend[j, MOD_SUPP] += top

    def settlement(self, t: int, j: int) -> None:
        out = self.executed[j]
        np.add(self.spend[j, CORE], self.spend[j, SACO], out=out)
        out += self.spend[j, MOD_SUPP]
        out += self.spend[j, SACO_SUPP]
        out *= 1.0 - self.p.budget.unspent_share

    def contracts_event(self, t: int, j: int) -> None:
        contracts.schedule(self.due, j, self.contracts[j], self.p.contracts.payment_profile)


def run_engine(
    inp: ModelInputs,
    sh: Shocks,
    block: int = ENGINE_BLOCK,
    into: dict[str, np.ndarray] | None = None,
) -> Paths:
    """Run the vectorised engine over all draws in ``sh``, ``block`` draws at a time.

    ``into``: arrays (by Paths field name) to write the paths into instead of new ones.
    """
    n = sh.n
    state = _allocate(inp, n, into)
    trace: list[tuple[float, int, str]] = []
    related = _related_plan(inp)
    for start in range(0, n, block):
        stop = min(start + block, n)
        st = _Year(
            inp, sh.block(start, stop), {k: v[..., start:stop] for k, v in state.items()}, related
        )
        _calendar(inp, st, trace if start == 0 else None)
    state["due"][inp.years < inp.first_initial] = (
        np.nan
    )  # payments due are unknown before the contracts are
    return Paths(**{f: state[k] for f, k in PATH_STATE.items()}, trace=trace)


def _calendar(inp: ModelInputs, st: _Year, trace: list | None) -> None:
    """One pass of the simpy fiscal calendar over a block of draws."""
    env = simpy.Environment(initial_time=float(inp.years[0]))
    handlers = (
        st.request,
        st.initial_budget,
        st.economy,
        st.supplementary,
        st.settlement,
        st.contracts_event,
    )

    def fiscal_years(env: simpy.Environment):
        for j, t in enumerate(inp.years):
            for k, (name, handler) in enumerate(zip(EVENTS, handlers, strict=True)):
                delay = float(t) + k / len(EVENTS) - env.now
                yield env.timeout(delay)
                handler(int(t), j)
                if trace is not None:
                    trace.append((env.now, int(t), name))

    env.process(fiscal_years(env))
    env.run()
