"""What the events read besides the state: constants worked out once per run, and per block.

:class:`Run` holds the input records and scenario sections the events need, plus the related
categories' plan per year (the same for every block of draws). :class:`Drawn` holds the values
that differ per draw but not per year: parameters drawn from their estimates' distributions,
the benchmark-revision factor and the policies' share values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import categories as cats
from . import contracts, economy
from .constants import PLAN_LAST_YEAR
from .inputs import Accounting, Axis, GrowthPath, Known, ModelInputs, PlanFigures
from .nowcast import Nowcast
from .params import Params
from .policies import share_values, year_mask
from .scenario import Economy, Plan, PostPlan, Supplementary
from .shocks import Shocks

Value = float | np.ndarray  # a parameter: one value, or one per draw (n,)
PROJECTED_INITIAL = [
    c.name for c in cats.CATEGORIES if c.kind == "initial" and c.name != "mod_core"
]


@dataclass(frozen=True)
class RelatedPlan:
    """One year's projected related categories: those moving towards their group's FY2027
    target (category, group, the group's initial members) and runs [a, b) of adjacent ones that
    grow with expected nominal GDP."""

    toward: tuple[tuple[int, str, tuple[int, ...]], ...]
    grow: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Run:
    """Per-run constants: the same for every block of draws."""

    axis: Axis
    known: Known
    path: GrowthPath
    plan: PlanFigures
    accounting: Accounting
    params: Params
    economy: Economy  # the scenario's sections
    plan_rule: Plan
    post2027: PostPlan
    supplementary: Supplementary
    related: tuple[RelatedPlan, ...]  # per axis year
    nowcast: Nowcast | None = None  # a finished year's GDP from its quarters (jdef.nowcast)


@dataclass(frozen=True)
class Drawn:
    """Per-block constants, (n,) or one value each."""

    outlook_bias: Value
    recession_prob: Value
    real_ar: Value
    real_sd: Value  # times the calibrated fan scale and the scenario's volatility scale
    deflator_ar: Value
    deflator_sd: Value  # times the calibrated fan scale and the scenario's volatility scale
    supp_prob: Value
    supp_log_ratio_mean: Value
    realignment_share: Value
    personnel_drift: Value  # real growth of personnel and provisions, fraction per year
    buildup_profile: np.ndarray  # (L + 1, n) the buildup payment profile, tilted per draw
    revision: np.ndarray  # (n,) factor from true to reported GDP, the same every year
    shares: dict[str, tuple[np.ndarray, np.ndarray]]  # policy label -> (share (n, C), mask (C, Y))


def _runs(idx: list[int]) -> tuple[tuple[int, int], ...]:
    """Sorted indices as runs of adjacent ones: [2, 4, 5, 6] -> ((2, 3), (4, 7))."""
    runs: list[tuple[int, int]] = []
    for i in sorted(idx):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return tuple(runs)


def rule_imputed(axis: Axis, known: Known, plan: PlanFigures) -> np.ndarray:
    """(n_category, n_year) bool: cells of the last known budget year (the year before the first
    projected initial budget) filled from a neighbouring year, whose category belongs to a
    group with a published FY2027 target. They are drawn by the group-target rule instead
    (issue 15), since the plan has those groups roughly double by FY2027 (METHODOLOGY.md,
    section 3.10)."""
    out = np.zeros(known.imputed.shape, dtype=bool)
    for name in PROJECTED_INITIAL:
        c = cats.INDEX[name]
        if cats.BY_NAME[name].group not in plan.group_targets_2027:
            continue
        for j, t in enumerate(axis.years):
            if (
                0 < j
                and t == axis.first_initial - 1
                and t <= PLAN_LAST_YEAR
                and known.imputed[c, j]
            ):
                out[c, j] = True
    return out


def related_plan(axis: Axis, known: Known, plan: PlanFigures) -> tuple[RelatedPlan, ...]:
    """Per axis year, how each projected related category is decided (and, before the first
    projected initial budget, each rule-imputed one)."""
    drawn_known = rule_imputed(axis, known, plan)
    out = []
    for j, t in enumerate(axis.years):
        toward, grow = [], []
        for name in PROJECTED_INITIAL:
            c = cats.INDEX[name]
            if t < axis.first_initial and not drawn_known[c, j]:
                continue  # a known year: only its rule-imputed cells are drawn
            if not np.isnan(known.spending[c, j]) and not drawn_known[c, j]:
                continue
            group = cats.BY_NAME[name].group
            if group in plan.group_targets_2027 and t <= PLAN_LAST_YEAR:
                members = tuple(
                    cats.INDEX[m.name]
                    for m in cats.CATEGORIES
                    if m.group == group and m.kind == "initial"
                )
                toward.append((c, group, members))
            else:
                grow.append(c)
        out.append(RelatedPlan(tuple(toward), _runs(grow)))
    return tuple(out)


def run_constants(inp: ModelInputs) -> Run:
    sc = inp.scenario
    return Run(
        axis=inp.axis,
        known=inp.known,
        path=inp.path,
        plan=inp.plan,
        accounting=inp.accounting,
        params=inp.params,
        economy=sc.economy,
        plan_rule=sc.plan,
        post2027=sc.post2027,
        supplementary=sc.supplementary,
        related=related_plan(inp.axis, inp.known, inp.plan),
        nowcast=inp.nowcast,
    )


def drawn(run: Run, sh: Shocks) -> Drawn:
    """The per-draw constants of the block of draws ``sh``."""
    p, vs = run.params, run.economy.volatility_scale
    fan = p.economy.fan_scale * vs  # the economy's shocks: calibrated fan scale x volatility

    def pv(name: str) -> Value:
        v: Value = p.per_draw(name, sh.z_param.get(name, 0.0))
        return v

    shares = {}
    for e in (run.accounting.target_entry, run.accounting.ramp_entry):  # what decisions look at
        if e is not None and e.label not in shares:
            shares[e.label] = (
                share_values(e.shares, e.supplementary, sh.u_shares, sh.n),
                year_mask(e.shares, run.axis.years),
            )
    return Drawn(
        outlook_bias=pv("outlook.bias"),
        recession_prob=pv("economy.recession_prob"),
        real_ar=pv("economy.real_ar"),
        real_sd=economy.shock_scale(pv("economy.real_sd"), fan),
        deflator_ar=pv("economy.deflator_ar"),
        deflator_sd=economy.shock_scale(pv("economy.deflator_sd"), fan),
        supp_prob=pv("supplementary.prob"),
        supp_log_ratio_mean=pv("supplementary.log_ratio_mean"),
        realignment_share=pv("supplementary.realignment_share"),
        personnel_drift=pv("budget.personnel_drift"),
        buildup_profile=np.broadcast_to(
            contracts.tilted_profiles(p.contracts.buildup_profile, pv("contracts.profile_tilt")),
            (len(p.contracts.buildup_profile), sh.n),
        ),
        revision=np.exp(p.economy.revision_sd * vs * sh.z_revision),
        shares=shares,
    )
