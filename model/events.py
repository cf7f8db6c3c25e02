"""The six events of a fiscal year, each a function of (constants, state, carry, shocks, year).

Every event has the signature ``event(run, dr, st, carry, sh, j) -> Carry``: it reads the
per-run constants ``run``, the block's per-draw constants ``dr``, the state ``st`` and the
shocks ``sh``, writes only year ``j``'s rows of ``st`` (``contracts``: the later rows of
``payments_due``), and returns the carry into the next year (changed only by ``economy``).
Nothing is cached between calls; the calendar (:mod:`jdef.calendar`) only orders them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from . import budget, contracts, economy
from . import categories as cats
from .constants import PLAN_FIRST_YEAR, PLAN_LAST_YEAR
from .context import Drawn, Run
from .inputs import PolicyEntry
from .policies import Denominator
from .shocks import Shocks
from .state import Carry, State

CORE = cats.INDEX["mod_core"]
SACO = cats.INDEX["saco_realignment"]
MOD_SUPP = cats.INDEX["mod_supplementary"]
SACO_SUPP = cats.INDEX["saco_realignment_supplementary"]
REL_SUPP = cats.INDEX["related_supplementary"]
INITIAL = [i for i, c in enumerate(cats.CATEGORIES) if c.kind == "initial"]
ALL = range(len(cats.NAMES))

Event = Callable[[Run, Drawn, State, Carry, Shocks, int], Carry]


def _prev(arr: np.ndarray, j: int, before: float) -> np.ndarray:
    """Last year's row of ``arr``, or ``before`` for every draw in the first year."""
    return arr[j - 1] if j > 0 else np.full(arr.shape[-1], before)


def noise(
    run: Run, level: np.ndarray | float, sd: float, z: np.ndarray, key: tuple, out: np.ndarray
) -> np.ndarray:
    """``budget.noisy(level, sd, z, out)``; with a memo (``context.PerDraw.memo``: stacked runs
    on the same shocks) the factor exp(sd z) is computed once, under ``key`` and ``sd``, and the
    product is the same: ``exp(sd z) level``."""
    memo = run.per_draw.memo if run.per_draw is not None else None
    if memo is None:
        return budget.noisy(level, sd, z, out=out)
    x = memo.get((key, sd))
    if x is None:
        x = memo[(key, sd)] = np.exp(np.multiply(z, sd))
    return np.multiply(x, level, out=out)


def weighted_sum(
    spend: np.ndarray, share: np.ndarray, weight: np.ndarray, cols: Iterable[int]
) -> np.ndarray:
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


def counted(dr: Drawn, st: State, e: PolicyEntry, j: int, cols: Iterable[int]) -> np.ndarray:
    """Spending counted by policy entry ``e`` in year ``j`` over categories ``cols``, (n,)."""
    share, mask = dr.shares[e.label]
    return weighted_sum(st.spending[j], share, mask[:, j], cols)


def denominator(run: Run, st: State, e: PolicyEntry, j: int, budget_time: bool) -> np.ndarray:
    """The entry's GDP denominator in year ``j``: the outlook at budget time, else reported."""
    if e.denominator == Denominator.fy2022_fixed:
        return np.full(st.n, run.accounting.gdp_fy2022_goal)
    if e.denominator == Denominator.outlook_gdp or budget_time:
        return st.gdp_outlook[j]
    return st.gdp_reported[j]


def request(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """Budget request: the government's outlook of this year's nominal GDP."""
    gprev = _prev(st.gdp, j, run.known.gdp_prev)
    known = run.known.outlook_growth[j]
    if np.isnan(known):
        g = economy.outlook_growth(
            run.path.mu_real[j],
            run.path.mu_deflator[j],
            dr.outlook_bias,
            run.params.outlook.sd * run.economy.volatility_scale,
            sh.z_outlook[j],
        )
        g += 1.0
        np.multiply(gprev, g, out=st.gdp_outlook[j])
    else:
        np.multiply(gprev, 1.0 + known, out=st.gdp_outlook[j])
    return c


def _after_plan(run: Run, dr: Drawn, st: State, j: int, t: int) -> np.ndarray:
    """The core budget's level after the plan, by the scenario's rule (budget.AFTER_PLAN)."""
    e = run.accounting.ramp_entry
    ramp = None
    if e is not None:  # the ramp rule's counted ratio (mod_core is being decided)
        share, mask = dr.shares[e.label]
        ramp = budget.Ramp(
            prev_ratio=counted(dr, st, e, j - 1, INITIAL) / denominator(run, st, e, j - 1, False),
            denominator=denominator(run, st, e, j, True),
            other_counted=counted(dr, st, e, j, [c for c in INITIAL if c != CORE]),
            core_share=share[:, CORE] * mask[CORE, j],
        )
    x = budget.AfterPlan(
        year=t,
        prev=st.spending[j - 1, CORE],
        expected_deflator=run.path.mu_deflator[j],  # (n,) in a stacked run (context.PerDraw)
        plan_end=st.spending[run.axis.idx(PLAN_LAST_YEAR), CORE],
        ramp=ramp,
    )
    return budget.AFTER_PLAN[run.post2027.rule](x, run.post2027)


def personnel(run: Run, dr: Drawn, st: State, j: int) -> None:
    """Personnel and provisions in year ``j``: the published base in its year, then the path's
    expected deflator plus the drawn real drift, ``P_t = P_(t-1) (1 + pi_t + d)``."""
    bp = run.params.budget
    t, base_year = int(run.axis.years[j]), int(bp.personnel_base_year)
    if t < base_year:
        return
    if t == base_year:
        st.personnel[j].fill(bp.personnel_base)
        return
    if j > 0 and t - 1 > base_year:
        prev: np.ndarray | float = st.personnel[j - 1]
    else:  # the base is last year's, or before the axis: grown at the drift alone
        prev = budget.grow_from_base(bp.personnel_base, dr.personnel_drift, t - 1 - base_year)
    budget.personnel_step(prev, run.path.mu_deflator[j], dr.personnel_drift, st.personnel[j])


def _toward_targets(run: Run, st: State, sh: Shocks, j: int, t: int, sd: float) -> None:
    """Related categories of a group with a FY2027 target: a geometric step towards their
    share of it, with log-normal noise."""
    spend = st.spending
    for k, group, members in run.related[j].toward:
        prev = spend[j - 1, k]
        share_of_group = prev / spend[j - 1, list(members)].sum(axis=0)
        target = run.plan.group_targets_2027[group] * share_of_group
        level = budget.toward(prev, target, PLAN_LAST_YEAR - t + 1)
        noise(run, level, sd, sh.z_related[j, k], ("related", j, k), spend[j, k])


def initial_budget(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """The initial budget, decided on the outlook: related categories, the MoD plan-covered
    budget built from its components (personnel, payments due, general material costs) and new
    contracts."""
    t = int(run.axis.years[j])
    personnel(run, dr, st, j)
    bp = run.params.budget
    spend = st.spending
    sd_rel = bp.related_growth_sd
    plan = run.related[j]
    if t < run.axis.first_initial:  # known year: only rule-imputed cells are drawn
        _toward_targets(run, st, sh, j, t, sd_rel)
        return c
    exp_factor = st.gdp_outlook[j] / _prev(st.gdp, j, run.known.gdp_prev)  # 1 + expected growth
    _toward_targets(run, st, sh, j, t, sd_rel)
    for a, b in plan.grow:  # a run of adjacent categories at a time (views, no copies)
        # budget.related_step: prev * factor * exp(sd z)
        out = noise(
            run, exp_factor, sd_rel, sh.z_related[j, a:b], ("related", j, a, b), spend[j, a:b]
        )
        out *= spend[j - 1, a:b]
    # the MoD plan-covered budget
    impl_sd = bp.implementation_sd
    if t <= PLAN_LAST_YEAR:
        level = budget.toward(spend[j - 1, CORE], run.plan.fy2027_budget, PLAN_LAST_YEAR - t + 1)
        impl_sd *= run.plan_rule.implementation_scale
    else:
        level = _after_plan(run, dr, st, j, t)
        if bp.recession_cut:  # (x 1 when there is no cut)
            level = level * (1.0 - bp.recession_cut * st.recession[j - 1])
        impl_sd *= run.post2027.implementation_scale
    core = noise(run, level, impl_sd, sh.z_budget[j], ("budget", j), spend[j, CORE])
    # personnel and payments due come first: a level below them is raised to them, and the
    # difference is the year's financing gap; general material costs are what is left
    budget.fund_obligations(
        core, st.personnel[j], st.payments_due[j], st.financing_gap[j], st.general_material[j]
    )
    # new contracts: the plan's remaining total to FY2027, then what the budget can fund
    if t <= PLAN_LAST_YEAR:
        signed = np.nansum(st.contracts[run.axis.idx(PLAN_FIRST_YEAR) : j], axis=0)
        left = np.maximum(run.plan.contract_total - signed, 0.0) / (PLAN_LAST_YEAR - t + 1)
        noise(run, left, bp.contract_fy2027_sd, sh.z_contract[j], ("contract", j), st.contracts[j])
    else:
        budget.fundable_contracts(st.general_material[j], dr.buildup_profile[0], st.contracts[j])
    return c


def economy_event(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """The year's economy realised: the yen, growth, the deflator, GDP true and reported."""
    t = int(run.axis.years[j])
    eco, p = run.economy, run.params
    log_fx = c.log_fx
    memo = run.per_draw.memo if run.per_draw is not None else None
    if t >= run.axis.first_fx and memo is not None and ("fx", j) in memo:
        # stacked runs on the same shocks: the yen depends on nothing a run varies per draw
        log_fx, fx = memo[("fx", j)]
        st.fx[j] = fx
    elif t >= run.axis.first_fx:
        # the AR(1) runs on the rate before the scenario's shift; the shift applies to the level
        log_fx = economy.log_ar1(
            c.log_fx,
            np.log(run.path.fx_anchor),
            p.fx.ar,
            p.fx.sd * eco.volatility_scale,
            sh.z_fx[j],
        )
        np.exp(log_fx, out=st.fx[j])
        if eco.fx_shift:
            st.fx[j] *= 1.0 + eco.fx_shift
        if memo is not None:
            memo[("fx", j)] = (log_fx, st.fx[j].copy())
    if t < run.axis.first_econ:
        return Carry(c.real_dev, c.deflator_dev, log_fx)
    e = p.economy
    rec = st.recession[j]
    if t in eco.forced_recessions:
        rec.fill(1.0)
    elif eco.recessions:
        np.less(sh.u_recession[j], dr.recession_prob, out=rec, casting="unsafe")
    else:
        rec.fill(0.0)
    # recessions enter centred, R - p: the path is the expected growth, recessions included
    centred = rec - (dr.recession_prob if eco.recessions else 0.0)
    mu_g, mu_pi = run.path.mu_real[j], run.path.mu_deflator[j]
    g, pi = st.real_growth[j], st.deflator_growth[j]
    # the fan: the same function as the backtest's path forecasters (forecasters.economy_forecast)
    fixed = (e.shock_corr, e.t_df, e.shock_bound, e.recession_real, e.recession_deflator)
    pair = None
    if memo is not None:  # the shock pair depends on the shocks and fixed parameters only
        pair = memo.get(("t", j))
        if pair is None:
            pair = memo[("t", j)] = economy.student_t_pair(
                sh.n_real[j], sh.n_deflator[j], sh.chi2[j], *fixed[:3]
            )
    economy.economy_year(
        mu_g,
        mu_pi,
        c.real_dev,
        c.deflator_dev,
        dr.real_ar,
        dr.real_sd,
        dr.deflator_ar,
        dr.deflator_sd,
        sh.n_real[j],
        sh.n_deflator[j],
        sh.chi2[j],
        centred,
        fixed,
        out=(g, pi),
        pair=pair,
    )
    gprev = _prev(st.gdp, j, run.known.gdp_prev)
    now = run.nowcast
    if now is not None and t == now.year:
        # a finished year: its level is the nowcast up to a revision, real growth the path's
        # (no shock, no recession), the deflator the rest
        g[...] = mu_g  # (a value per draw in a stacked run)
        rec.fill(0.0)
        level = economy.nowcast_level(now.level, now.sd * eco.volatility_scale, sh.z_nowcast)
        np.divide(level, gprev * (1.0 + g), out=pi)
        pi -= 1.0
    economy.nominal_level(gprev, g, pi, out=st.gdp[j])
    np.multiply(
        _prev(st.deflator_index, j, run.known.deflator_index_prev),
        1.0 + pi,
        out=st.deflator_index[j],
    )
    np.multiply(st.gdp[j], dr.revision, out=st.gdp_reported[j])
    return Carry(np.subtract(g, mu_g), np.subtract(pi, mu_pi), log_fx)


def supplementary(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """The supplementary budget, decided with the year's news (and any target-seeking top-up)."""
    t = int(run.axis.years[j])
    if t < run.axis.first_supp:
        return c
    sp, rule, spend = run.params.supplementary, run.supplementary, st.spending
    occurs = np.less(sh.u_supp[j], dr.supp_prob).astype(float)
    if not rule.enabled:
        occurs.fill(0.0)
    total = budget.supplementary(
        occurs,
        dr.supp_log_ratio_mean,
        sp.log_ratio_sd,
        sh.z_supp[j],
        spend[j, CORE] + spend[j, SACO],
    )
    share = dr.realignment_share
    np.multiply(1.0 - share, total, out=spend[j, MOD_SUPP])
    np.multiply(share, total, out=spend[j, SACO_SUPP])
    np.multiply(total, sp.related_ratio, out=spend[j, REL_SUPP])
    if np.any(rule.fixed_topup) and t >= rule.from_year:  # (n,) in a stacked run: + 0 is exact
        spend[j, MOD_SUPP] += rule.fixed_topup
    e = run.accounting.target_entry
    if e is not None and t >= rule.from_year:
        counted_share, mask = dr.shares[e.label]
        top = budget.topup(
            rule.target,
            denominator(run, st, e, j, budget_time=False),
            counted(dr, st, e, j, ALL),
            counted_share[:, MOD_SUPP] * mask[MOD_SUPP, j],
            rule.max_topup,
        )
        st.topup[j] = top
        spend[j, MOD_SUPP] += top
    return c


def settlement(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """Execution: the MoD's budgets less the unspent share."""
    out, spend = st.executed[j], st.spending
    np.add(spend[j, CORE], spend[j, SACO], out=out)
    out += spend[j, MOD_SUPP]
    out += spend[j, SACO_SUPP]
    out *= 1.0 - run.params.budget.unspent_share
    return c


def contracts_event(run: Run, dr: Drawn, st: State, c: Carry, sh: Shocks, j: int) -> Carry:
    """This year's contracts schedule their payments in later years, by the vintage's profile
    (legacy before ``contracts.buildup_from``, else the draw's buildup profile)."""
    t = int(run.axis.years[j])
    cp = run.params.contracts
    prof = cp.payment_profile if t < cp.buildup_from else dr.buildup_profile
    # the payments due within the horizon only (p_1 .. p_m)
    m = min(len(prof) - 1, st.payments_due.shape[0] - j - 1)
    later = contracts.later_payments(st.contracts[j], prof[: m + 1])
    st.payments_due[j + 1 : j + 1 + m] += later
    if t <= PLAN_LAST_YEAR:
        st.owed_after_plan[j] = contracts.owed_after(st.contracts[j], prof, t, PLAN_LAST_YEAR)
    return c
