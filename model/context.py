"""What the events read besides the state: constants worked out once per run, and per block.

:class:`Run` holds the input records and scenario sections the events need, plus the related
categories' plan per year (the same for every block of draws). :class:`Drawn` holds the values
that differ per draw but not per year: parameters drawn from their estimates' distributions,
the benchmark-revision factor and the policies' share values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

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


# The parameters the engine reads only through ``drawn`` (one value per draw): a sensitivity
# analysis may give any of them one value per draw (PerDraw.params).
PER_DRAW_PARAMS = (
    "outlook.bias",
    "economy.recession_prob",
    "economy.real_ar",
    "economy.real_sd",
    "economy.deflator_ar",
    "economy.deflator_sd",
    "supplementary.prob",
    "supplementary.log_ratio_mean",
    "supplementary.realignment_share",
    "budget.personnel_drift",
    "contracts.profile_tilt",
)
# Scenario keys the engine reads as plain numbers in arithmetic with the draws, so that a value
# per draw goes through the same operations (PerDraw.path / PerDraw.scenario)
PER_DRAW_SCENARIO = (
    "economy.real_growth_shift",
    "economy.deflator_shift",
    "post2027.growth",
    "post2027.real_growth",
    "supplementary.fixed_topup",
)


@dataclass(frozen=True)
class PerDraw:
    """Inputs that differ from draw to draw in one engine run: a sensitivity analysis stacks
    several evaluations along the draw axis (``sensitivity.evaluation``), each with its own
    parameters, path and scenario values. Every array's last axis is the draw; a value given
    here replaces the run's own (a parameter here is not drawn). Each draw's arithmetic is the
    one of a run with its values as plain numbers (tests/unit/test_stacked.py).
    """

    params: dict[str, np.ndarray] = field(default_factory=dict)  # PER_DRAW_PARAMS -> (n,)
    mu_real: np.ndarray | None = None  # (n_year, n), the shifted path (inputs.shifted_path)
    mu_deflator: np.ndarray | None = None
    real_dev0: np.ndarray | None = None  # (n,)
    deflator_dev0: np.ndarray | None = None
    scenario: dict[str, np.ndarray] = field(default_factory=dict)  # "post2027.growth" -> (n,)
    shares: dict[str, np.ndarray] = field(default_factory=dict)  # entry label -> (n, n_cat)
    # transforms of the shocks alone (e.g. exp(sd z) of a noise whose s.d. is not varied),
    # kept from one run to the next: only for runs on the very same shocks (events.noise)
    memo: dict | None = None

    def block(self, start: int, stop: int) -> PerDraw:
        """Draws [start, stop), as views (and the memo of that block)."""

        def cut(a):
            return None if a is None else a[..., start:stop]

        return PerDraw(
            params={k: v[start:stop] for k, v in self.params.items()},
            mu_real=cut(self.mu_real),
            mu_deflator=cut(self.mu_deflator),
            real_dev0=cut(self.real_dev0),
            deflator_dev0=cut(self.deflator_dev0),
            scenario={k: v[start:stop] for k, v in self.scenario.items()},
            shares={k: v[start:stop] for k, v in self.shares.items()},
            memo=None if self.memo is None else self.memo.setdefault((start, stop), {}),
        )


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
    per_draw: PerDraw | None = None  # inputs given per draw (a stacked sensitivity run)

    def block(self, start: int, stop: int) -> Run:
        """The constants of draws [start, stop): the same, but for ``per_draw``'s values, which
        take the place of the path's rates and the scenario's numbers as (..., n) arrays."""
        pd = self.per_draw
        if pd is None:
            return self
        pd = pd.block(start, stop)
        path = self.path
        for name in ("mu_real", "mu_deflator", "real_dev0", "deflator_dev0"):
            if getattr(pd, name) is not None:
                path = dataclasses.replace(path, **{name: getattr(pd, name)})
        sections = {}
        for section in ("post2027", "supplementary"):
            upd = {k.split(".")[1]: v for k, v in pd.scenario.items() if k.startswith(section)}
            sections[section] = getattr(self, section).model_copy(update=upd)
        return dataclasses.replace(self, path=path, per_draw=pd, **sections)


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


def run_constants(inp: ModelInputs, per_draw: PerDraw | None = None) -> Run:
    """The per-run constants of ``inp`` (``per_draw``: values given per draw, see PerDraw)."""
    # the path's shifts come as the shifted rates (PerDraw.mu_real...), the others as numbers
    numbers = {k for k in PER_DRAW_SCENARIO if not k.startswith("economy.")}
    unknown = set(per_draw.scenario) - numbers if per_draw else set()
    unknown |= set(per_draw.params) - set(PER_DRAW_PARAMS) if per_draw else set()
    if unknown:
        raise ValueError(f"not given per draw by the engine: {sorted(unknown)}")
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
        per_draw=per_draw,
    )


def drawn(run: Run, sh: Shocks) -> Drawn:
    """The per-draw constants of the block of draws ``sh``."""
    p, vs = run.params, run.economy.volatility_scale
    fan = p.economy.fan_scale * vs  # the economy's shocks: calibrated fan scale x volatility

    given = run.per_draw or PerDraw()

    def pv(name: str) -> Value:
        if name in given.params:
            return given.params[name]
        v: Value = p.per_draw(name, sh.z_param.get(name, 0.0))
        return v

    shares = {}
    for e in (run.accounting.target_entry, run.accounting.ramp_entry):  # what decisions look at
        if e is not None and e.label not in shares:
            shares[e.label] = (
                given.shares[e.label]
                if e.label in given.shares
                else share_values(e.shares, e.supplementary, sh.u_shares, sh.n),
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
