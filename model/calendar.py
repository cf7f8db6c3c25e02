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
from .constants import PLAN_LAST_YEAR
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
PROJECTED_INITIAL = [c.name for c in cats.CATEGORIES if c.kind == "initial" and c.name != "mod_core"]


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


def _tile(row: np.ndarray, n: int) -> np.ndarray:
    """(n_year,) -> (n_year, n); (n_category, n_year) -> (n_year, n_category, n): year-major state."""
    a = row.T if row.ndim == 2 else row
    return np.repeat(a[..., None], n, axis=-1)


class _Year:
    """Vectorised state and the six events of a fiscal year."""

    def __init__(self, inp: ModelInputs, sh: Shocks):
        self.inp, self.sh, self.p = inp, sh, inp.params
        self._pv: dict[str, object] = {}
        self._revision: np.ndarray | None = None
        n, y = sh.n, inp.n_year
        self.n = n
        self.gdp = _tile(inp.gdp, n)
        self.gdp_rep = self.gdp.copy()
        self.outlook = np.full((y, n), np.nan)
        self.real = _tile(inp.real_growth, n)
        self.defl = _tile(inp.deflator_growth, n)
        self.dindex = _tile(inp.deflator_index, n)
        self.fx_base = _tile(inp.fx, n)
        self.fx = self.fx_base.copy()
        self.rec = np.zeros((y, n))
        # spending: known years copied in; projected years are written by the events
        self.spend = np.empty((y, len(cats.NAMES), n))
        known = ~np.isnan(inp.spending).all(axis=0)
        self.spend[known] = inp.spending.T[known][:, :, None]
        # rows of projected years are left unset: the events write every cell of them
        # (the scalar reference starts from NaN there, so a cell left unwritten would fail its test)
        for c, j in zip(*np.nonzero(np.isnan(inp.spending) & known[None, :]), strict=True):
            self.spend[j, c] = np.nan
        self.contracts = _tile(inp.contracts, n)
        self.due = np.zeros((y, n))
        self.due_known = np.zeros(y, dtype=bool)
        self.topup = np.zeros((y, n))
        self.executed = np.full((y, n), np.nan)
        self.real_dev = np.full(n, inp.real_dev0)
        self.defl_dev = np.full(n, inp.deflator_dev0)
        prof = self.p.contracts.payment_profile
        for s_year, c in inp.contracts_before.items():  # contracts signed before the axis
            for k in range(1, len(prof)):
                j = s_year + k - int(inp.years[0])
                if 0 <= j < y:
                    self.due[j] += prof[k] * c
        self.shares: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for e in (inp.target_entry, inp.ramp_entry):  # the policies that decisions look at
            if e is not None and e.label not in self.shares:
                self.shares[e.label] = (share_values(e.shares, e.supplementary, sh.u_shares, n),
                                        year_mask(e.shares, inp.years))

    # --- helpers -------------------------------------------------------------
    def pv(self, name: str):
        """A parameter's value per draw (an array if drawn from its estimate's distribution)."""
        if name not in self._pv:
            self._pv[name] = self.p.per_draw(name, self.sh.z_param.get(name, 0.0))
        return self._pv[name]

    def prev(self, arr: np.ndarray, j: int, before: float) -> np.ndarray:
        return arr[j - 1] if j > 0 else np.full(self.n, before)

    def counted(self, e: PolicyEntry, j: int, initial_only: bool = False) -> np.ndarray:
        share, mask = self.shares[e.label]
        w = share * mask[:, j]
        cols = INITIAL if initial_only else slice(None)
        return np.einsum("cn,nc->n", self.spend[j, cols], w[:, cols])

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
        if np.isnan(known):
            g = economy.outlook_growth(inp.mu_real[j], inp.mu_deflator[j], self.pv("outlook.bias"),
                                       p.outlook.sd * inp.scenario.economy.volatility_scale, self.sh.z_outlook[j])
        else:
            g = np.full(self.n, known)
        self.outlook[j] = self.prev(self.gdp, j, inp.gdp_prev) * (1.0 + g)

    def initial_budget(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        if t < inp.first_initial:
            return
        exp_growth = self.outlook[j] / self.prev(self.gdp, j, inp.gdp_prev) - 1.0
        sd_rel = p.budget.related_growth_sd
        # related ministries' categories and SACO (decided with the budget)
        grow = []  # categories that grow with the expected nominal GDP
        for name in PROJECTED_INITIAL:
            c = cats.INDEX[name]
            if not np.isnan(inp.spending[c, j]):
                continue
            group = cats.BY_NAME[name].group
            if group in inp.group_targets_2027 and t <= PLAN_LAST_YEAR:
                prev = self.spend[j - 1, c]
                members = [cats.INDEX[m.name] for m in cats.CATEGORIES if m.group == group and m.kind == "initial"]
                share_of_group = prev / self.spend[j - 1, members].sum(axis=0)
                target = inp.group_targets_2027[group] * share_of_group
                level = budget.toward(prev, target, PLAN_LAST_YEAR - t + 1)
                self.spend[j, c] = budget.noisy(level, sd_rel, self.sh.z_related[j, c])
            else:
                grow.append(c)
        for c in grow:  # in place, row by row (contiguous)
            budget.related_step(self.spend[j - 1, c], exp_growth, sd_rel, self.sh.z_related[j, c], out=self.spend[j, c])
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
                level = budget.hold_real(prev_b, exp_defl) * (1.0 + rule.real_growth)
            elif rule.rule == PostRule.grow_nominal:
                level = budget.grow_nominal(prev_b, rule.growth)
            elif rule.rule == PostRule.new_plan:
                k = t - PLAN_LAST_YEAR
                if k <= 5:
                    level = budget.new_plan_level(self.spend[inp.idx(PLAN_LAST_YEAR), CORE], k, rule.plan_total)
                else:
                    level = budget.hold_real(prev_b, exp_defl)
            else:  # ramp_to_ratio
                e = inp.ramp_entry
                assert e is not None
                share, mask = self.shares[e.label]
                prev_ratio = self.counted(e, j - 1, initial_only=True) / self.denominator(e, j - 1, budget_time=False)
                others = share * mask[:, j]
                cols = [c for c in INITIAL if c != CORE]  # mod_core is being decided
                other_counted = np.einsum("cn,nc->n", self.spend[j, cols], others[:, cols])
                core_share = share[:, CORE] * mask[CORE, j]
                level = budget.ramp_required(prev_ratio, rule.target_ratio, rule.target_year - t + 1,
                                             self.denominator(e, j, budget_time=True), other_counted, core_share)
            level = level * (1.0 - p.budget.recession_cut * self.rec[j - 1])
            impl_sd *= rule.implementation_scale
        b = budget.noisy(level, impl_sd, self.sh.z_budget[j])
        # new contracts: the plan's remaining contract total to FY2027, then a fixed ratio to the budget
        if t <= PLAN_LAST_YEAR:
            signed = np.nansum(self.contracts[inp.idx(2023):j], axis=0)
            remaining = np.maximum(inp.plan_contract_total - signed, 0.0) / (PLAN_LAST_YEAR - t + 1)
            c_new = budget.noisy(remaining, p.budget.contract_fy2027_sd, self.sh.z_contract[j])
        else:
            c_new = p.budget.contract_ratio * b
        self.spend[j, CORE] = b
        self.contracts[j] = c_new
        self.due_known[j] = True

    def economy(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        vs = sc.economy.volatility_scale
        if t >= inp.first_fx:
            z = self.sh.z_fx[j]
            prev = np.log(self.prev(self.fx_base, j, np.nan))
            self.fx_base[j] = np.exp(economy.log_ar1(prev, np.log(inp.fx_anchor), p.fx.ar, p.fx.sd * vs, z))
            self.fx[j] = self.fx_base[j] * (1.0 + sc.economy.fx_shift)
        if t < inp.first_econ:
            return
        e = p.economy
        e_g, e_pi = economy.student_t_pair(self.sh.n_real[j], self.sh.n_deflator[j], self.sh.chi2[j],
                                           e.shock_corr, e.t_df, e.shock_bound)
        rec = (self.sh.u_recession[j] < self.pv("economy.recession_prob")).astype(float) if sc.economy.recessions else np.zeros(self.n)
        if t in sc.economy.forced_recessions:
            rec = np.ones(self.n)
        g = economy.mean_reverting(inp.mu_real[j], self.real_dev, self.pv("economy.real_ar"), self.pv("economy.real_sd") * vs,
                                   e_g, rec, e.recession_real)
        pi = economy.mean_reverting(inp.mu_deflator[j], self.defl_dev, self.pv("economy.deflator_ar"),
                                    self.pv("economy.deflator_sd") * vs, e_pi, rec, e.recession_deflator)
        self.real_dev = g - inp.mu_real[j]
        self.defl_dev = pi - inp.mu_deflator[j]
        self.real[j], self.defl[j], self.rec[j] = g, pi, rec
        self.gdp[j] = economy.nominal_level(self.prev(self.gdp, j, inp.gdp_prev), g, pi)
        self.dindex[j] = self.prev(self.dindex, j, inp.deflator_index_prev) * (1.0 + pi)
        if self._revision is None:  # one benchmark-revision factor per draw, the same every year
            self._revision = np.exp(e.revision_sd * vs * self.sh.z_revision)
        np.multiply(self.gdp[j], self._revision, out=self.gdp_rep[j])

    def supplementary(self, t: int, j: int) -> None:
        inp, p, sc = self.inp, self.p, self.inp.scenario
        if t < inp.first_supp:
            return
        sp = p.supplementary
        occurs = (self.sh.u_supp[j] < self.pv("supplementary.prob")).astype(float) * float(sc.supplementary.enabled)
        total = budget.supplementary(occurs, self.pv("supplementary.log_ratio_mean"), sp.log_ratio_sd, self.sh.z_supp[j],
                                     self.spend[j, CORE] + self.spend[j, SACO])
        share = self.pv("supplementary.realignment_share")
        self.spend[j, MOD_SUPP] = (1.0 - share) * total
        self.spend[j, SACO_SUPP] = share * total
        self.spend[j, REL_SUPP] = sp.related_ratio * total
        if sc.supplementary.fixed_topup and t >= sc.supplementary.from_year:
            self.spend[j, MOD_SUPP] += sc.supplementary.fixed_topup
        e = inp.target_entry
        if e is not None and t >= sc.supplementary.from_year:
            share, mask = self.shares[e.label]
            top = budget.topup(sc.supplementary.target, self.denominator(e, j, budget_time=False),
                               self.counted(e, j), share[:, MOD_SUPP] * mask[MOD_SUPP, j], sc.supplementary.max_topup)
            self.topup[j] = top
            self.spend[j, MOD_SUPP] += top

    def settlement(self, t: int, j: int) -> None:
        mod = self.spend[j, [CORE, SACO, MOD_SUPP, SACO_SUPP]].sum(axis=0)
        self.executed[j] = mod * (1.0 - self.p.budget.unspent_share)

    def contracts_event(self, t: int, j: int) -> None:
        contracts.schedule(self.due, j, self.contracts[j], self.p.contracts.payment_profile)


def run_engine(inp: ModelInputs, sh: Shocks) -> Paths:
    """Run the vectorised engine over all draws in ``sh``."""
    st = _Year(inp, sh)
    env = simpy.Environment(initial_time=float(inp.years[0]))
    trace: list[tuple[float, int, str]] = []
    handlers = (st.request, st.initial_budget, st.economy, st.supplementary, st.settlement, st.contracts_event)

    def fiscal_years(env: simpy.Environment):
        for j, t in enumerate(inp.years):
            for k, (name, handler) in enumerate(zip(EVENTS, handlers, strict=True)):
                delay = float(t) + k / len(EVENTS) - env.now
                yield env.timeout(delay)
                handler(int(t), j)
                trace.append((env.now, int(t), name))

    env.process(fiscal_years(env))
    env.run()
    due = np.where(st.due_known[:, None], st.due, np.nan)
    return Paths(gdp=st.gdp, gdp_reported=st.gdp_rep, gdp_outlook=st.outlook, real_growth=st.real,
                 deflator_growth=st.defl, deflator_index=st.dindex, fx=st.fx, recession=st.rec,
                 spending=st.spend, contracts=st.contracts, payments_due=due, topup=st.topup,
                 executed=st.executed, trace=trace)
