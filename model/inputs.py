"""Scenario + data + parameters + policies -> the engine's frozen inputs.

Everything the engine needs is resolved here once: the fiscal-year axis, the
known figures (NaN where not yet published at ``as_of``), the first projected
year of each block, the scenario's economic path, and the policies' share
definitions. The engine itself reads no files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import categories as cats
from .constants import OUTPUT_FIRST_YEAR, PLAN_LAST_YEAR
from .data import DataStore
from .errors import InputError
from .params import Params
from .policies import Denominator, Policy, Share
from .scenario import PostRule, Scenario

# Categories whose FY2027 level follows a published FY2027 target for their group
GROUP_TARGET_SERIES = {
    "four_areas": "four_areas_target",
    "jcg_pko": "jcg_pko_etc_target",
    "saco": "saco_realignment_target",
}

# Cabinet Office projection editions, newest first (outlooks.csv series prefixes)
PATH_EDITIONS = ("cao2026", "cao2025")

# Proposed categories: (data series, base-year note). Amounts in proposed.csv.
PROPOSED_SERIES = {
    "space": "space_budget_total",
    "communications_networks": "communications_economic_security",
    "shipbuilding": "shipbuilding_support",
    "national_resilience": "national_resilience_excl_mod",
    "police_technology": "police_agency_budget",
}


@dataclass(frozen=True)
class PolicyEntry:
    label: str
    policy: str
    denominator: Denominator
    supplementary: bool
    shares: dict[str, Share]
    target: float | None = None  # the ratio the policy file says this entry is measured against


@dataclass(frozen=True)
class ModelInputs:
    years: np.ndarray  # fiscal years of the output axis
    # first projected year of each block (known figures before it)
    first_econ: int
    first_initial: int
    first_supp: int
    first_fx: int
    # known figures over ``years`` (NaN = to be projected)
    gdp: np.ndarray
    real_growth: np.ndarray
    deflator_growth: np.ndarray
    deflator_index: np.ndarray  # FY2022 = 1
    outlook_growth_known: np.ndarray  # government outlook of nominal growth, NaN if none
    fx: np.ndarray
    spending: np.ndarray  # (n_category, n_year), NaN where projected
    imputed: np.ndarray  # (n_category, n_year) bool: filled from a neighbouring year
    contracts: np.ndarray  # plan-covered new contracts, NaN where projected
    contracts_before: dict[int, float]  # contracts of years before the axis (pipeline)
    # initial conditions one year before the axis / before projection
    gdp_prev: float
    deflator_index_prev: float
    real_dev0: float
    deflator_dev0: float
    # the scenario's economic path (fractions per year, over ``years``)
    mu_real: np.ndarray
    mu_deflator: np.ndarray
    # fixed figures
    gdp_fy2022_goal: float
    plan_fy2027: float
    plan_contract_total: float
    plan_expenditure_total: float
    plan_level: float
    group_targets_2027: dict[str, float]
    fx_plan: np.ndarray  # the plan's yen/dollar assumption over years (NaN outside the plan)
    fx_anchor: float
    scenario: Scenario
    params: Params
    entries: tuple[PolicyEntry, ...]
    target_entry: PolicyEntry | None  # policy used by target-seeking top-ups
    ramp_entry: PolicyEntry | None  # policy used by the ramp_to_ratio rule
    provenance: dict[str, str] = field(default_factory=dict)

    @property
    def n_year(self) -> int:
        return len(self.years)

    def idx(self, year: int) -> int:
        return int(year - self.years[0])


def _on_axis(series: dict[int, float], years: np.ndarray) -> np.ndarray:
    return np.array([series.get(int(y), np.nan) for y in years])


def _fill_known(
    values: np.ndarray, last_known: int, years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fill gaps within the known period by the nearest found year; flag them."""
    out = values.copy()
    imputed = np.zeros(len(years), dtype=bool)
    known_span = years <= last_known
    found = np.where(~np.isnan(values) & known_span)[0]
    if len(found) == 0:
        return out, imputed
    for j in np.where(known_span)[0]:
        if np.isnan(out[j]):
            nearest = found[np.argmin(np.abs(found - j) + 1e-3 * (found < j))]  # ties: later year
            out[j] = values[nearest]
            imputed[j] = True
    return out, imputed


def _last_year(series: dict[int, float], name: str, as_of: object) -> int:
    if not series:
        raise InputError("calibration/data", f"series '{name}'", f"no figure published by {as_of}")
    return max(series)


def build_inputs(
    scenario: Scenario, data: DataStore, params: Params, policies: dict[str, Policy]
) -> ModelInputs:
    years = np.arange(OUTPUT_FIRST_YEAR, scenario.horizon + 1)
    s = data.series

    # --- economy ---------------------------------------------------------
    gdp_s = data.nominal_gdp()  # the latest GDP vintage visible at as_of
    real_s, defl_s = s("real_gdp_growth"), s("gdp_deflator_growth")
    # the economy is known up to the last year with a level, real growth and deflator growth all published
    first_econ = (
        min(
            _last_year(gdp_s, "nominal_gdp", scenario.as_of),
            _last_year(real_s, "real_gdp_growth", scenario.as_of),
            _last_year(defl_s, "gdp_deflator_growth", scenario.as_of),
        )
        + 1
    )
    gdp = _on_axis({y: v for y, v in gdp_s.items() if y < first_econ}, years)
    real = _on_axis(real_s, years)
    defl = _on_axis(defl_s, years)
    real[years >= first_econ] = np.nan
    defl[years >= first_econ] = np.nan
    gdp_prev = gdp_s.get(OUTPUT_FIRST_YEAR - 1, np.nan)
    if np.isnan(gdp_prev):
        raise InputError(
            "calibration/data/gdp.csv",
            f"nominal_gdp FY{OUTPUT_FIRST_YEAR - 1}",
            "needed as the starting level",
        )
    # deflator index, FY2022 = 1
    dindex = np.full(len(years), np.nan)
    level = 1.0
    for j, y in enumerate(years):
        if y >= first_econ or np.isnan(defl[j]):
            break
        level *= 1.0 + defl[j]
        dindex[j] = level

    case = scenario.economy.path.value
    editions = [(e, r) for e in PATH_EDITIONS if (r := s(f"{e}_{case}_real_growth"))]
    if not editions:
        raise InputError(
            "calibration/data/outlooks.csv",
            f"economy.path = {case}",
            f"no Cabinet Office projection of this case published by {scenario.as_of}",
        )
    path, mu_r_s = f"{editions[0][0]}_{case}", editions[0][1]
    mu_d_s = s(f"{path}_deflator_growth")
    last_path = max(mu_r_s)
    mu_real = (
        np.array([mu_r_s.get(int(min(y, last_path)), np.nan) for y in years])
        + scenario.economy.real_growth_shift
    )
    mu_defl = (
        np.array([mu_d_s.get(int(min(y, last_path)), np.nan) for y in years])
        + scenario.economy.deflator_shift
    )
    proj = years >= first_econ
    if np.isnan(mu_real[proj]).any() or np.isnan(mu_defl[proj]).any():
        raise InputError(
            "calibration/data/outlooks.csv", path, "the path does not cover the projection years"
        )
    j0 = int(first_econ - years[0]) - 1
    real_prev = real[j0] if j0 >= 0 else real_s.get(first_econ - 1, np.nan)
    defl_prev = defl[j0] if j0 >= 0 else defl_s.get(first_econ - 1, np.nan)
    mu_r_prev = mu_r_s.get(first_econ - 1)
    mu_d_prev = mu_d_s.get(first_econ - 1)
    real_dev0 = (
        0.0
        if mu_r_prev is None or np.isnan(real_prev)
        else real_prev - (mu_r_prev + scenario.economy.real_growth_shift)
    )
    defl_dev0 = (
        0.0
        if mu_d_prev is None or np.isnan(defl_prev)
        else defl_prev - (mu_d_prev + scenario.economy.deflator_shift)
    )
    outlook_known = _on_axis(s("gov_outlook_nominal_growth"), years)

    # --- exchange rate ---------------------------------------------------
    fx_fy = s("usdjpy_average", "FY")
    fx_cy = s("usdjpy_average", "CY")
    fx_series = {y: fx_fy.get(y, fx_cy.get(y)) for y in set(fx_fy) | set(fx_cy)}
    # a calendar-year average stands in for a fiscal year only for complete years
    # before the as-of year (METHODOLOGY.md, section 2.4)
    fx_series = {
        y: v
        for y, v in fx_series.items()
        if v is not None and (y in fx_fy or y < scenario.as_of.year)
    }
    first_fx = _last_year(fx_series, "usdjpy_average", scenario.as_of) + 1
    fx = _on_axis({y: v for y, v in fx_series.items() if y < first_fx}, years)
    fx_plan = _on_axis(s("usdjpy_plan_assumption"), years)
    fx_anchor = scenario.economy.fx_anchor or params.fx.anchor

    # --- budgets -----------------------------------------------------------
    excl = s("mod_initial_excl")
    incl = s("mod_initial_incl")
    first_initial = _last_year(excl, "mod_initial_excl", scenario.as_of) + 1
    supp_total = s("mod_supplementary_total")
    supp_plan = s("mod_supplementary_plan_counted")
    first_supp = _last_year(supp_total, "mod_supplementary_total", scenario.as_of) + 1
    n_c, n_y = len(cats.NAMES), len(years)
    spending = np.full((n_c, n_y), np.nan)
    imputed = np.zeros((n_c, n_y), dtype=bool)

    missing: list[str] = []

    def put(name: str, series: dict[int, float], last_known: int) -> None:
        raw = _on_axis({y: v for y, v in series.items() if y <= last_known}, years)
        if not series:
            # no figure published by as_of: the category is left out (zero), and said so
            raw = np.where(years <= last_known, 0.0, np.nan)
            missing.append(name)
        filled, imp = _fill_known(raw, last_known, years)
        spending[cats.INDEX[name]] = filled
        imputed[cats.INDEX[name]] = imp | ((years <= last_known) & (name in missing))

    put("mod_core", excl, first_initial - 1)
    put("saco_realignment", {y: incl[y] - excl[y] for y in excl if y in incl}, first_initial - 1)
    put("mod_supplementary", {y: supp_plan[y] for y in supp_plan}, first_supp - 1)
    put(
        "saco_realignment_supplementary",
        {y: supp_total[y] - supp_plan[y] for y in supp_plan if y in supp_total},
        first_supp - 1,
    )
    jcg = s("coast_guard")
    for name in (
        "research_development",
        "public_infrastructure",
        "cybersecurity",
        "international_cooperation",
    ):
        put(name, s(name), first_initial - 1)
    put("coast_guard", jcg, first_initial - 1)
    # PKO and other: the published "JCG, PKO etc." aggregate less the Coast Guard (and SACO where included)
    pko: dict[int, float] = {}
    for y, v in s("jcg_pko_etc").items():
        if y in jcg:
            pko[y] = v - jcg[y]
    for y, v in s("jcg_pko_saco_etc").items():
        if y in jcg and y in incl and y in excl:
            pko[y] = v - jcg[y] - (incl[y] - excl[y])
    put("pko_other", pko, first_initial - 1)
    rel_supp: dict[int, float] = {}
    jcg_pko, jcg_supp, cyber = (
        s("related_supplementary_jcg_pko"),
        s("coast_guard_supplementary"),
        s("related_supplementary_cyber"),
    )
    for y in set(jcg_pko) | set(jcg_supp) | set(cyber):
        rel_supp[y] = jcg_pko.get(y, jcg_supp.get(y, 0.0)) + cyber.get(y, 0.0)
    put("related_supplementary", rel_supp, first_supp - 1)
    for name, series in PROPOSED_SERIES.items():
        vals = s(series)
        put(name, vals, max(max(vals, default=0), first_initial - 1))

    contracts_all = {
        y: v + s("new_contracts_supplementary").get(y, 0.0)
        for y, v in s("new_contracts_initial").items()
    }
    contracts = _on_axis({y: v for y, v in contracts_all.items() if y < first_initial}, years)
    contracts_before = {y: v for y, v in contracts_all.items() if y < years[0]}

    group_targets = {
        g: v
        for g, series in GROUP_TARGET_SERIES.items()
        if (v := s(series).get(PLAN_LAST_YEAR)) is not None
    }
    plan_fy2027 = scenario.plan.fy2027_budget or data.value("plan_fy2027_budget", PLAN_LAST_YEAR)
    plan_contract_total = data.value("plan_contract_total", PLAN_LAST_YEAR, "FY2023-2027")
    plan_expenditure_total = data.value("plan_expenditure_total", PLAN_LAST_YEAR, "FY2023-2027")
    plan_level = data.value("plan_level", PLAN_LAST_YEAR, "FY2023-2027")

    # --- policies ----------------------------------------------------------
    entries: list[PolicyEntry] = []
    for name in scenario.policies:
        pol = policies[name]
        targets = pol.targets()
        for label, shares in pol.entries():
            entries.append(
                PolicyEntry(
                    label, pol.name, pol.denominator, pol.supplementary, shares, targets.get(label)
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

    target_entry = (
        entry_for(scenario.supplementary.target_policy, "supplementary.target_policy")
        if scenario.supplementary.target_seeking
        else None
    )
    ramp_entry = (
        entry_for(scenario.post2027.target_policy, "post2027.target_policy")
        if scenario.post2027.rule == PostRule.ramp_to_ratio
        else None
    )

    return ModelInputs(
        years=years,
        first_econ=first_econ,
        first_initial=first_initial,
        first_supp=first_supp,
        first_fx=first_fx,
        gdp=gdp,
        real_growth=real,
        deflator_growth=defl,
        deflator_index=dindex,
        outlook_growth_known=outlook_known,
        fx=fx,
        spending=spending,
        imputed=imputed,
        contracts=contracts,
        contracts_before=contracts_before,
        gdp_prev=gdp_prev,
        deflator_index_prev=1.0,
        real_dev0=real_dev0,
        deflator_dev0=defl_dev0,
        mu_real=mu_real,
        mu_deflator=mu_defl,
        gdp_fy2022_goal=data.value("gdp_fy2022_goal_denominator", 2022),
        plan_fy2027=plan_fy2027,
        plan_contract_total=plan_contract_total,
        plan_expenditure_total=plan_expenditure_total,
        plan_level=plan_level,
        group_targets_2027=group_targets,
        fx_plan=fx_plan,
        fx_anchor=fx_anchor,
        scenario=scenario,
        params=params,
        entries=tuple(entries),
        target_entry=target_entry,
        ramp_entry=ramp_entry,
        provenance={
            "data_vintage": data.vintage(),
            "as_of": data.as_of.isoformat(),
            "economy_path": path,
            "categories_without_figures": ", ".join(missing),
        },
    )
