"""Scenario + data + parameters + policies -> the engine's frozen inputs.

Everything the engine needs is resolved here once, as nested frozen records: the fiscal-year
axis, the known history (NaN where not yet published at ``as_of``), the scenario's economic
path, the plan's figures, the accounting entries (policies) and the provenance. Each record has
its own small builder; :func:`build_inputs` composes them. The engine itself reads no files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .constants import OUTPUT_FIRST_YEAR, PLAN_LAST_YEAR
from .data import DataStore
from .decisions import Decision
from .decisions import apply as apply_decisions
from .errors import InputError
from .history import (
    BudgetHistory,
    EconomyHistory,
    budget_history,
    economy_history,
    fx_history,
    on_axis,
)
from .nowcast import Nowcast, nowcast
from .params import Params
from .policies import Basis, Denominator, Policy, Share
from .scenario import PostRule, Scenario
from .targets import AmountTarget, PublishedFigure, amount_targets, published_figures
from .wiring import Wiring, load_wiring

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def _read_only(record: DataclassInstance) -> None:
    """Make a record's arrays read-only, so that a frozen record is frozen all the way down."""
    for f in dataclasses.fields(record):
        v = getattr(record, f.name)
        if isinstance(v, np.ndarray):
            v.setflags(write=False)


@dataclass(frozen=True)
class PolicyEntry:
    label: str
    policy: str
    denominator: Denominator
    supplementary: bool
    shares: dict[str, Share]
    target: float | None = None  # the ratio the policy file says this entry is measured against
    target_amount: str | None = None  # the name of the amount target the policy file names
    outlays: bool = False  # MoD categories counted as payments (outlays), not budgets
    caveats: str = ""  # what the policy's definition asks for and the model does not count


@dataclass(frozen=True)
class Axis:
    """The fiscal years of the output and the first projected year of each block."""

    years: np.ndarray
    first_econ: int
    first_initial: int
    first_supp: int
    first_fx: int

    def __post_init__(self) -> None:
        _read_only(self)

    @property
    def n_year(self) -> int:
        return len(self.years)

    def idx(self, year: int) -> int:
        """The axis index of fiscal year ``year``."""
        return int(year - self.years[0])


@dataclass(frozen=True)
class Known:
    """Known figures over the axis (NaN = to be projected) and the state before the axis."""

    gdp: np.ndarray  # trillion yen
    real_growth: np.ndarray  # fraction per year
    deflator_growth: np.ndarray  # fraction per year
    deflator_index: np.ndarray  # FY2022 = 1
    outlook_growth: np.ndarray  # government outlook of nominal growth, NaN if none
    fx: np.ndarray  # yen per dollar
    spending: np.ndarray  # (n_category, n_year) trillion yen, NaN where projected
    imputed: np.ndarray  # (n_category, n_year) bool: filled from a neighbouring year
    contracts: np.ndarray  # plan-covered new contracts, NaN where projected
    contracts_before: dict[int, float]  # contracts of years before the axis (pipeline)
    gdp_prev: float  # nominal GDP the year before the axis
    deflator_index_prev: float

    def __post_init__(self) -> None:
        _read_only(self)


@dataclass(frozen=True)
class GrowthPath:
    """The scenario's economic path (fractions per year over the axis) and the yen's anchor."""

    mu_real: np.ndarray
    mu_deflator: np.ndarray
    # last known real growth minus the path, the year before projection; (n,) per draw in a
    # stacked run (context.PerDraw), like the rates (n_year, n)
    real_dev0: float | np.ndarray
    deflator_dev0: float | np.ndarray
    fx_anchor: float  # yen per dollar the rate reverts to
    fx_plan: np.ndarray  # the plan's yen/dollar assumption over the axis (NaN outside the plan)
    edition: str  # the Cabinet Office projection used, e.g. "cao2026_past_projection"

    def __post_init__(self) -> None:
        _read_only(self)


@dataclass(frozen=True)
class PlanFigures:
    """The FY2023-2027 buildup plan's figures (trillion yen)."""

    fy2027_budget: float
    contract_total: float
    expenditure_total: float
    level: float
    group_targets_2027: dict[str, float]  # category group -> its published FY2027 target
    # the 2022 financing plan's sources a year from FY2028 (FY2022 base + measures), trillion
    # yen; empty where not published by as_of (issue 15)
    financing_after_plan: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Accounting:
    """How spending is counted: the policies' entries and the ratios' fixed denominator."""

    gdp_fy2022_goal: float  # trillion yen
    entries: tuple[PolicyEntry, ...]
    target_entry: PolicyEntry | None  # policy used by target-seeking top-ups
    ramp_entry: PolicyEntry | None  # policy used by the ramp_to_ratio rule
    gdp_fy2022_revised: float = float("nan")  # FY2022 GDP as revised (latest vintage), tn yen
    target_amounts: tuple[AmountTarget, ...] = ()  # amounts named by the policies (targets.py)
    published: tuple[PublishedFigure, ...] = ()  # figures to reconcile with (targets.py)
    decisions: tuple[Decision, ...] = ()  # announced decisions and their effect (decisions.py)
    # for policies counting outlays: the MoD supplementary of the year before the axis (plan-
    # counted part, realignment part; paid the year after) and settled MoD spending by year
    supplementary_before: tuple[float, float] = (0.0, 0.0)
    settled: dict[int, float] = dataclasses.field(default_factory=dict)

    def with_entries(self, f: Callable[[PolicyEntry], PolicyEntry]) -> Accounting:
        """A copy with every entry mapped through ``f``."""
        return dataclasses.replace(
            self,
            entries=tuple(f(e) for e in self.entries),
            target_entry=self.target_entry and f(self.target_entry),
            ramp_entry=self.ramp_entry and f(self.ramp_entry),
        )


@dataclass(frozen=True)
class Provenance:
    """Where the inputs came from (recorded in the output's attributes)."""

    data_vintage: str
    as_of: str
    economy_path: str
    categories_without_figures: str


@dataclass(frozen=True)
class ModelInputs:
    """Everything a run needs, resolved once; derive changed inputs with
    ``dataclasses.replace`` (or the builders), never by editing one."""

    axis: Axis
    known: Known
    path: GrowthPath
    plan: PlanFigures
    accounting: Accounting
    scenario: Scenario
    params: Params
    provenance: Provenance
    nowcast: Nowcast | None = None  # a finished year's GDP from its quarters (jdef.nowcast)


@dataclass(frozen=True)
class PathSource:
    """The Cabinet Office path before the scenario's shifts (``path_source``)."""

    mu_real: np.ndarray  # over the axis, unshifted
    mu_deflator: np.ndarray
    real_prev: float  # the last known rates, the year before projection (NaN if none)
    deflator_prev: float
    mu_real_prev: float | None  # the path's own rates that year (None if it has none)
    mu_deflator_prev: float | None
    fx_anchor: float
    fx_plan: np.ndarray
    edition: str


def path_source(
    scenario: Scenario,
    data: DataStore,
    params: Params,
    years: np.ndarray,
    econ: EconomyHistory,
    wiring: Wiring,
) -> PathSource:
    """The newest Cabinet Office edition with the scenario's case, before its shifts."""
    s, eco = data.series, scenario.economy
    case = eco.path.value
    editions = [(e, r) for e in wiring.path_editions if (r := s(f"{e}_{case}_real_growth"))]
    if not editions:
        raise InputError(
            "calibration/data/outlooks.csv",
            f"economy.path = {case}",
            f"no Cabinet Office projection of this case published by {scenario.as_of}",
        )
    path, mu_r_s = f"{editions[0][0]}_{case}", editions[0][1]
    mu_d_s = s(f"{path}_deflator_growth")
    last_path = max(mu_r_s)
    mu_real = np.array([mu_r_s.get(int(min(y, last_path)), np.nan) for y in years])
    mu_defl = np.array([mu_d_s.get(int(min(y, last_path)), np.nan) for y in years])
    first = econ.first
    proj = years >= first
    if np.isnan(mu_real[proj]).any() or np.isnan(mu_defl[proj]).any():
        raise InputError(
            "calibration/data/outlooks.csv", path, "the path does not cover the projection years"
        )
    j0 = int(first - years[0]) - 1
    real_prev = econ.real_growth[j0] if j0 >= 0 else econ.real_growth_all.get(first - 1, np.nan)
    defl_prev = (
        econ.deflator_growth[j0] if j0 >= 0 else econ.deflator_growth_all.get(first - 1, np.nan)
    )
    return PathSource(
        mu_real=mu_real,
        mu_deflator=mu_defl,
        real_prev=real_prev,
        deflator_prev=defl_prev,
        mu_real_prev=mu_r_s.get(first - 1),
        mu_deflator_prev=mu_d_s.get(first - 1),
        fx_anchor=eco.fx_anchor or params.fx.anchor,
        fx_plan=on_axis(data.series("usdjpy_plan_assumption"), years),
        edition=path,
    )


def shifted_path(src: PathSource, real_shift: float, deflator_shift: float) -> GrowthPath:
    """The path ``src`` shifted by the scenario's ``real_shift`` and ``deflator_shift``
    (fractions per year; the last known deviations from the path follow the shift)."""
    real_prev, defl_prev = src.real_prev, src.deflator_prev
    mu_r_prev, mu_d_prev = src.mu_real_prev, src.mu_deflator_prev
    return GrowthPath(
        mu_real=src.mu_real + real_shift,
        mu_deflator=src.mu_deflator + deflator_shift,
        real_dev0=0.0
        if mu_r_prev is None or np.isnan(real_prev)
        else real_prev - (mu_r_prev + real_shift),
        deflator_dev0=0.0
        if mu_d_prev is None or np.isnan(defl_prev)
        else defl_prev - (mu_d_prev + deflator_shift),
        fx_anchor=src.fx_anchor,
        fx_plan=src.fx_plan,
        edition=src.edition,
    )


def plan_figures(scenario: Scenario, data: DataStore, wiring: Wiring) -> PlanFigures:
    """The plan's totals (data) and FY2027 budget (data, or the scenario's own figure)."""
    total = "FY2023-2027"
    return PlanFigures(
        fy2027_budget=scenario.plan.fy2027_budget
        or data.value("plan_fy2027_budget", PLAN_LAST_YEAR),
        contract_total=data.value("plan_contract_total", PLAN_LAST_YEAR, total),
        expenditure_total=data.value("plan_expenditure_total", PLAN_LAST_YEAR, total),
        level=data.value("plan_level", PLAN_LAST_YEAR, total),
        group_targets_2027={
            g: v
            for g, series in wiring.group_targets.items()
            if (v := data.series(series).get(PLAN_LAST_YEAR)) is not None
        },
        financing_after_plan=financing_plan(data),
    )


FINANCING_SERIES = {
    "fy2022_base": ("baseline_fy2022_plan_covered", PLAN_LAST_YEAR - 5),
    "fund": ("financing_fy2028_fund", PLAN_LAST_YEAR + 1),
    "settlement_surplus": ("financing_fy2028_surplus", PLAN_LAST_YEAR + 1),
    "spending_reform": ("financing_fy2028_spending_reform", PLAN_LAST_YEAR + 1),
    "tax_measures": ("financing_fy2028_tax", PLAN_LAST_YEAR + 1),
}


def financing_plan(data: DataStore) -> dict[str, float]:
    """The 2022 financing plan's yearly sources from FY2028 (trillion yen), or {} when any
    of them is not published by the data's as_of date."""
    out = {k: data.series(s).get(y) for k, (s, y) in FINANCING_SERIES.items()}
    return (
        {k: float(v) for k, v in out.items() if v is not None}
        if all(v is not None for v in out.values())
        else {}
    )


def accounting(scenario: Scenario, data: DataStore, policies: dict[str, Policy]) -> Accounting:
    """One entry per counted bucket of the scenario's policies, and the entries that the top-up
    and the ramp rule aim at."""
    entries: list[PolicyEntry] = []
    for name in scenario.policies:
        pol = policies[name]
        targets = pol.targets()
        amount = pol.target_amount.name if pol.target_amount else None
        for label, shares in pol.entries():
            entries.append(
                PolicyEntry(
                    label,
                    pol.name,
                    pol.denominator,
                    pol.supplementary,
                    shares,
                    targets.get(label),
                    amount if label == pol.name else None,
                    pol.basis == Basis.outlays,
                    "; ".join(pol.caveats) if label == pol.name else "",
                )
            )

    def entry_for(name: str, what: str) -> PolicyEntry:
        base = name.split(":")[0]
        if base not in policies:
            raise InputError(scenario.source_file, what, f"unknown policy '{name}'")
        pol = policies[base]
        found = dict(pol.entries())
        if name not in found:
            raise InputError(
                scenario.source_file,
                what,
                f"unknown policy or bucket '{name}'; allowed: {', '.join(found)}",
            )
        return PolicyEntry(name, pol.name, pol.denominator, pol.supplementary, found[name])

    sup, post = scenario.supplementary, scenario.post2027
    target = (
        entry_for(sup.target_policy, "supplementary.target_policy") if sup.target_seeking else None
    )
    ramp = (
        entry_for(post.target_policy, "post2027.target_policy")
        if post.rule == PostRule.ramp_to_ratio
        else None
    )
    listed = [(policies[n], n) for n in scenario.policies]
    acc = Accounting(
        gdp_fy2022_goal=data.value("gdp_fy2022_goal_denominator", 2022),
        entries=tuple(entries),
        target_entry=target,
        ramp_entry=ramp,
        gdp_fy2022_revised=data.nominal_gdp().get(2022, float("nan")),
        target_amounts=amount_targets(listed, data, scenario),
        published=published_figures(listed, data),
        supplementary_before=supplementary_before(data),
        settled=data.series("spent_total_mod"),
    )
    return dataclasses.replace(
        acc,
        target_entry=target and engine_entry(target, acc),
        ramp_entry=ramp and engine_entry(ramp, acc),
    )


def supplementary_before(data: DataStore) -> tuple[float, float]:
    """The MoD supplementary of the fiscal year before the axis: (total less realignment,
    realignment), trillion yen; its money is paid in the first axis year (outlays basis)."""
    y = OUTPUT_FIRST_YEAR - 1
    total = data.series("mod_supplementary_total").get(y, 0.0)
    realign = data.series("mod_supplementary_realignment").get(y, 0.0)
    return (total - realign, realign)


def engine_entry(e: PolicyEntry, acc: Accounting) -> PolicyEntry:
    """The entry as the engine's top-up and ramp rule see it.

    The engine knows fixed (``fy2022_fixed``), outlook and reported denominators; an entry over
    the revised FY2022 GDP ``R`` is the same entry over the fixed ``F`` with every share scaled
    by ``F / R``: its ratio, its gap to any target ratio and the top-up that closes the gap are
    unchanged (METHODOLOGY.md, section 4.3).
    """
    if e.denominator != Denominator.fy2022_revised:
        return e
    k = acc.gdp_fy2022_goal / acc.gdp_fy2022_revised
    shares = {
        n: Share.model_construct(
            low=s.low * k, high=s.high * k, from_year=s.from_year, to_year=s.to_year
        )
        for n, s in e.shares.items()
    }
    return dataclasses.replace(e, denominator=Denominator.fy2022_fixed, shares=shares)


def known_figures(econ: EconomyHistory, fx: np.ndarray, budgets: BudgetHistory) -> Known:
    """The three histories as one record over the axis."""
    return Known(
        gdp=econ.gdp,
        real_growth=econ.real_growth,
        deflator_growth=econ.deflator_growth,
        deflator_index=econ.deflator_index,
        outlook_growth=econ.outlook_growth,
        fx=fx,
        spending=budgets.spending,
        imputed=budgets.imputed,
        contracts=budgets.contracts,
        contracts_before=budgets.contracts_before,
        gdp_prev=econ.gdp_prev,
        deflator_index_prev=1.0,
    )


def build_inputs(
    scenario: Scenario,
    data: DataStore,
    params: Params,
    policies: dict[str, Policy],
    wiring: Wiring | None = None,
) -> ModelInputs:
    """The engine's inputs for ``scenario`` on the data visible at its ``as_of``.

    Raises
    ------
    InputError
        Naming the file and field when a series the model needs is not published by ``as_of``,
        the scenario's projection case is not available, or a policy it names does not exist.
    """
    wiring = wiring or load_wiring()
    years = np.arange(OUTPUT_FIRST_YEAR, scenario.horizon + 1)
    econ = economy_history(data, years, scenario.as_of)
    eco = scenario.economy
    path = shifted_path(
        path_source(scenario, data, params, years, econ, wiring),
        eco.real_growth_shift,
        eco.deflator_shift,
    )
    fx = fx_history(data, years, scenario.as_of)
    budgets = budget_history(data, years, scenario.as_of, wiring)
    # announced decisions change the prepared scenario and accounting, never the engine
    run_scenario, acc = apply_decisions(
        scenario, data, policies, accounting(scenario, data, policies), budgets.first_supp
    )
    return ModelInputs(
        axis=Axis(years, econ.first, budgets.first_initial, budgets.first_supp, fx.first),
        known=known_figures(econ, fx.fx, budgets),
        path=path,
        plan=plan_figures(scenario, data, wiring),
        accounting=acc,
        scenario=run_scenario,
        params=params,
        provenance=Provenance(
            data_vintage=data.vintage(),
            as_of=data.as_of.isoformat(),
            economy_path=path.edition,
            categories_without_figures=", ".join(budgets.missing),
        ),
        nowcast=nowcast(data, econ.first) if econ.first <= years[-1] else None,
    )
