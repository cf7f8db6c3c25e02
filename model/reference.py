"""The same model, one draw at a time, in plain Python (the correctness oracle).

Written independently of the vectorised kernels, from the equations in
METHODOLOGY.md, using only ``math`` on floats. ``run_reference`` returns the
same ``Paths`` as :func:`jdef.calendar.run_engine` on the same shocks; the
tests require agreement to 1e-9 relative. It is also the slow baseline of the
benchmark.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import categories as cats
from .calendar import Paths
from .constants import PLAN_LAST_YEAR
from .context import rule_imputed
from .inputs import ModelInputs, PolicyEntry
from .policies import Denominator
from .scenario import PostRule
from .shocks import Shocks

NAMES = cats.NAMES
KIND = {c.name: c.kind for c in cats.CATEGORIES}
GROUP = {c.name: c.group for c in cats.CATEGORIES}


def _shares(e: PolicyEntry, sh: Shocks, i: int, years: list[int]) -> dict[str, list[float]]:
    """Share of each category counted in each year, for draw i."""
    out = {}
    for name in NAMES:
        s = e.shares.get(name)
        if s is None or (KIND[name] == "supplementary" and not e.supplementary):
            out[name] = [0.0] * len(years)
            continue
        v = s.low if s.low == s.high else s.low + (s.high - s.low) * float(sh.u_shares[name][i])
        out[name] = [v if s.counts_in(y) else 0.0 for y in years]
    return out


def _one_draw(inp: ModelInputs, sh: Shocks, i: int) -> dict[str, list]:
    p, sc = inp.params, inp.scenario
    years = [int(y) for y in inp.axis.years]
    ny = len(years)
    nan = float("nan")
    gdp = [float(x) for x in inp.known.gdp]
    rep = list(gdp)
    outlook = [nan] * ny
    real = [float(x) for x in inp.known.real_growth]
    defl = [float(x) for x in inp.known.deflator_growth]
    dindex = [float(x) for x in inp.known.deflator_index]
    fx_base = [float(x) for x in inp.known.fx]
    fx = list(fx_base)
    rec = [0.0] * ny
    spend = {name: [float(x) for x in inp.known.spending[cats.INDEX[name]]] for name in NAMES}
    con = [float(x) for x in inp.known.contracts]
    due = [0.0] * ny
    due_known = [False] * ny
    topup = [0.0] * ny
    executed = [nan] * ny
    pers = [nan] * ny
    gmat = [nan] * ny
    fgap = [0.0] * ny
    owed = [0.0] * ny
    cp = p.contracts
    for s_year, c in inp.known.contracts_before.items():
        prof = cp.payment_profile if s_year < cp.buildup_from else cp.buildup_profile
        for k in range(1, len(prof)):
            j = s_year + k - years[0]
            if 0 <= j < ny:
                due[j] += prof[k] * c
    vs = sc.economy.volatility_scale

    def pv(name: str) -> float:
        z = sh.z_param.get(name)
        return p.per_draw(name, 0.0 if z is None else float(z[i]))

    # the buildup profile of this draw: weights tilted by tau towards later years
    tau = pv("contracts.profile_tilt")
    bp0 = cp.buildup_profile[0]
    lags = range(1, len(cp.buildup_profile))
    mean_k = sum(lags) / len(lags)
    raw = [cp.buildup_profile[k] * math.exp(tau * (k - mean_k)) for k in lags]
    buildup = [bp0] + [(1 - bp0) * w / sum(raw) for w in raw]
    drift = pv("budget.personnel_drift")
    drawn_known = rule_imputed(inp.axis, inp.known, inp.plan)
    base_year = int(p.budget.personnel_base_year)

    real_dev, defl_dev = inp.path.real_dev0, inp.path.deflator_dev0
    shares = {}
    for e in [*inp.accounting.entries, inp.accounting.target_entry, inp.accounting.ramp_entry]:
        if e is not None:
            shares[e.label] = _shares(e, sh, i, years)

    def counted(e: PolicyEntry, j: int, initial_only: bool = False) -> float:
        return sum(
            shares[e.label][n][j] * spend[n][j]
            for n in NAMES
            if not (initial_only and KIND[n] != "initial")
        )

    def denom(e: PolicyEntry, j: int, budget_time: bool) -> float:
        if e.denominator == Denominator.fy2022_fixed:
            return inp.accounting.gdp_fy2022_goal
        if e.denominator == Denominator.outlook_gdp or budget_time:
            return outlook[j]
        return rep[j]

    for j, t in enumerate(years):
        gprev = gdp[j - 1] if j > 0 else inp.known.gdp_prev
        # personnel and provisions: the base in its year, then deflator + drift
        if t == base_year:
            pers[j] = p.budget.personnel_base
        elif t > base_year:
            prev_p = (
                pers[j - 1]
                if j > 0 and t - 1 > base_year
                else p.budget.personnel_base * (1 + drift) ** (t - 1 - base_year)
            )
            pers[j] = prev_p * (1 + float(inp.path.mu_deflator[j]) + drift)
        # 1. request and outlook
        known = float(inp.known.outlook_growth[j])
        if math.isnan(known):
            g_out = (
                (1 + inp.path.mu_real[j]) * (1 + inp.path.mu_deflator[j])
                - 1
                + pv("outlook.bias")
                + p.outlook.sd * vs * float(sh.z_outlook[j, i])
            )
        else:
            g_out = known
        outlook[j] = gprev * (1 + g_out)
        # 2. initial budget (in the last known year: only the rule-imputed related cells)
        if t < inp.axis.first_initial:
            for name in NAMES:
                c = cats.INDEX[name]
                if not drawn_known[c, j]:
                    continue
                prev = spend[name][j - 1]
                grp = GROUP[name]
                tot = sum(
                    spend[m][j - 1] for m in NAMES if GROUP[m] == grp and KIND[m] == "initial"
                )
                target = inp.plan.group_targets_2027[grp] * prev / tot
                spend[name][j] = (
                    prev
                    * (target / prev) ** (1 / (PLAN_LAST_YEAR - t + 1))
                    * math.exp(p.budget.related_growth_sd * float(sh.z_related[j, c, i]))
                )
        if t >= inp.axis.first_initial:
            exp_g = outlook[j] / gprev - 1
            for name in NAMES:
                if (
                    KIND[name] != "initial"
                    or name == "mod_core"
                    or not math.isnan(float(inp.known.spending[cats.INDEX[name]][j]))
                ):
                    continue
                prev = spend[name][j - 1]
                z = float(sh.z_related[j, cats.INDEX[name], i])
                grp = GROUP[name]
                if grp in inp.plan.group_targets_2027 and t <= PLAN_LAST_YEAR:
                    tot = sum(
                        spend[m][j - 1] for m in NAMES if GROUP[m] == grp and KIND[m] == "initial"
                    )
                    target = inp.plan.group_targets_2027[grp] * prev / tot
                    spend[name][j] = (
                        prev
                        * (target / prev) ** (1 / (PLAN_LAST_YEAR - t + 1))
                        * math.exp(p.budget.related_growth_sd * z)
                    )
                else:
                    spend[name][j] = prev * (1 + exp_g) * math.exp(p.budget.related_growth_sd * z)
            prev_b = spend["mod_core"][j - 1]
            mu_d = float(inp.path.mu_deflator[j])
            sd = p.budget.implementation_sd
            if t <= PLAN_LAST_YEAR:
                level = prev_b * (inp.plan.fy2027_budget / prev_b) ** (1 / (PLAN_LAST_YEAR - t + 1))
                sd *= sc.plan.implementation_scale
            else:
                r = sc.post2027
                if r.rule == PostRule.hold_real:
                    level = prev_b * (1 + mu_d) * (1 + r.real_growth)
                elif r.rule == PostRule.grow_nominal:
                    level = prev_b * (1 + r.growth)
                elif r.rule == PostRule.new_plan:
                    k = t - PLAN_LAST_YEAR
                    if k <= 5:
                        base = spend["mod_core"][years.index(PLAN_LAST_YEAR)]
                        level = base + k * (r.plan_total - 5 * base) / 15.0
                    else:
                        level = prev_b * (1 + mu_d)
                else:
                    e = inp.accounting.ramp_entry
                    if e is None:
                        raise ValueError("ramp_to_ratio needs the accounting's ramp entry")
                    prev_ratio = counted(e, j - 1, True) / denom(e, j - 1, False)
                    left = max(r.target_year - t + 1, 1)
                    step = prev_ratio + (r.target_ratio - prev_ratio) / left
                    other = sum(
                        shares[e.label][n][j] * spend[n][j]
                        for n in NAMES
                        if KIND[n] == "initial" and n != "mod_core"
                    )
                    level = (
                        max(step * denom(e, j, True) - other, 0.0) / shares[e.label]["mod_core"][j]
                    )
                level *= 1 - p.budget.recession_cut * rec[j - 1]
                sd *= r.implementation_scale
            b = level * math.exp(sd * float(sh.z_budget[j, i]))
            # personnel and payments due first; a shortfall is the financing gap
            floor = pers[j] + due[j]
            fgap[j] = max(floor - b, 0.0)
            b = b + fgap[j]
            gmat[j] = 0.0 if fgap[j] > 0 else max(b - floor, 0.0)
            if t <= PLAN_LAST_YEAR:
                signed = sum(c for c in con[years.index(2023) : j] if not math.isnan(c))
                remaining = max(inp.plan.contract_total - signed, 0.0) / (PLAN_LAST_YEAR - t + 1)
                c_new = remaining * math.exp(
                    p.budget.contract_fy2027_sd * float(sh.z_contract[j, i])
                )
            else:
                c_new = gmat[j] / buildup[0]
            spend["mod_core"][j] = b
            con[j] = c_new
            due_known[j] = True
        # 3. economy
        if t >= inp.axis.first_fx:
            x = math.log(fx_base[j - 1])
            a = math.log(inp.path.fx_anchor)
            fx_base[j] = math.exp(a + p.fx.ar * (x - a) + p.fx.sd * vs * float(sh.z_fx[j, i]))
            fx[j] = fx_base[j] * (1 + sc.economy.fx_shift)
        if t >= inp.axis.first_econ:
            ec = p.economy
            s = math.sqrt((ec.t_df - 2) / float(sh.chi2[j, i]))
            n1, n2 = float(sh.n_real[j, i]), float(sh.n_deflator[j, i])
            e_g = min(max(n1 * s, -ec.shock_bound), ec.shock_bound)
            e_pi = min(
                max(
                    (ec.shock_corr * n1 + math.sqrt(1 - ec.shock_corr**2) * n2) * s, -ec.shock_bound
                ),
                ec.shock_bound,
            )
            r_t = (
                1.0
                if (
                    sc.economy.recessions
                    and float(sh.u_recession[j, i]) < pv("economy.recession_prob")
                )
                else 0.0
            )
            if t in sc.economy.forced_recessions:
                r_t = 1.0
            r_c = r_t - (
                pv("economy.recession_prob") if sc.economy.recessions else 0.0
            )  # centred: E[R - p] = 0
            # shock scales times the calibrated fan scale, floored at 1e-4 (METHODOLOGY 2.5)
            sd_g = max(pv("economy.real_sd"), 1e-4) * ec.fan_scale * vs
            sd_pi = max(pv("economy.deflator_sd"), 1e-4) * ec.fan_scale * vs
            g = (
                inp.path.mu_real[j]
                + pv("economy.real_ar") * real_dev
                + sd_g * e_g
                + ec.recession_real * r_c
            )
            pi = (
                inp.path.mu_deflator[j]
                + pv("economy.deflator_ar") * defl_dev
                + sd_pi * e_pi
                + ec.recession_deflator * r_c
            )
            now = inp.nowcast
            if now is not None and t == now.year:  # a finished year: the nowcast, revised
                g, r_t = inp.path.mu_real[j], 0.0
                level = now.level * math.exp(now.sd * vs * float(sh.z_nowcast[i]))
                pi = level / (gprev * (1 + g)) - 1
            real_dev, defl_dev = g - inp.path.mu_real[j], pi - inp.path.mu_deflator[j]
            real[j], defl[j], rec[j] = g, pi, r_t
            gdp[j] = gprev * (1 + g) * (1 + pi)
            dindex[j] = (dindex[j - 1] if j > 0 else inp.known.deflator_index_prev) * (1 + pi)
            rep[j] = gdp[j] * math.exp(ec.revision_sd * vs * float(sh.z_revision[i]))
        # 4. supplementary
        if t >= inp.axis.first_supp:
            sp = p.supplementary
            occurs = (
                1.0
                if (float(sh.u_supp[j, i]) < pv("supplementary.prob") and sc.supplementary.enabled)
                else 0.0
            )
            total = (
                occurs
                * math.exp(
                    pv("supplementary.log_ratio_mean") + sp.log_ratio_sd * float(sh.z_supp[j, i])
                )
                * (spend["mod_core"][j] + spend["saco_realignment"][j])
            )
            share = pv("supplementary.realignment_share")
            spend["mod_supplementary"][j] = (1 - share) * total
            spend["saco_realignment_supplementary"][j] = share * total
            spend["related_supplementary"][j] = sp.related_ratio * total
            if sc.supplementary.fixed_topup and t >= sc.supplementary.from_year:
                spend["mod_supplementary"][j] += sc.supplementary.fixed_topup
            e = inp.accounting.target_entry
            if e is not None and t >= sc.supplementary.from_year:
                share = shares[e.label]["mod_supplementary"][j]
                gap = sc.supplementary.target * denom(e, j, False) - counted(e, j)
                top = min(max(gap / share, 0.0), sc.supplementary.max_topup) if share > 0 else 0.0
                topup[j] = top
                spend["mod_supplementary"][j] += top
        # 5. settlement
        mod = sum(
            spend[n][j]
            for n in (
                "mod_core",
                "saco_realignment",
                "mod_supplementary",
                "saco_realignment_supplementary",
            )
        )
        executed[j] = mod * (1 - p.budget.unspent_share)
        # 6. contracts
        vintage = list(cp.payment_profile) if t < cp.buildup_from else buildup
        for k in range(1, len(vintage)):
            if j + k < ny:
                due[j + k] += vintage[k] * con[j]
        if t <= PLAN_LAST_YEAR:
            owed[j] = (
                sum(vintage[k] for k in range(len(vintage)) if t + k > PLAN_LAST_YEAR) * con[j]
            )
    return dict(
        gdp=gdp,
        gdp_reported=rep,
        gdp_outlook=outlook,
        real_growth=real,
        deflator_growth=defl,
        deflator_index=dindex,
        fx=fx,
        recession=rec,
        spending=[spend[n] for n in NAMES],
        contracts=con,
        payments_due=[d if k else nan for d, k in zip(due, due_known, strict=True)],
        topup=topup,
        executed=executed,
        personnel=pers,
        general_material=gmat,
        financing_gap=fgap,
        owed_after_plan=owed,
    )


def run_reference(inp: ModelInputs, sh: Shocks) -> Paths:
    """Run every draw in ``sh`` one at a time."""
    per = [_one_draw(inp, sh, i) for i in range(sh.n)]
    arrays: dict[str, Any] = {
        k: np.moveaxis(np.array([d[k] for d in per], dtype=float), 0, -1) for k in per[0]
    }
    arrays["spending"] = np.array([d["spending"] for d in per], dtype=float).transpose(2, 1, 0)
    return Paths(**arrays)
