"""Budget kernels: the plan, post-FY2027 rules, supplementary budgets, related categories.

Pure numpy functions; the calendar calls them in information order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .constants import PLAN_LAST_YEAR
from .scenario import PostPlan, PostRule


def toward(prev: np.ndarray, target: float | np.ndarray, years_left: int) -> np.ndarray:
    """Geometric step from ``prev`` so that ``target`` is reached in ``years_left`` years."""
    return prev * (target / prev) ** (1.0 / years_left)


def noisy(
    level: np.ndarray | float, sd: float, z: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Implementation uncertainty: a multiplicative log-normal error, ``level exp(sd z)``."""
    out = np.multiply(z, sd, out=out)
    np.exp(out, out=out)
    out *= level
    return out


def grow(prev: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """``prev (1 + rate)``: nominal growth at a fixed rate,
    or the expected deflator (holding real terms)."""
    return prev * (1.0 + rate)


def ramp_required(
    prev_ratio: np.ndarray,
    target: float,
    years_left: int,
    denominator: np.ndarray,
    other_counted: np.ndarray,
    core_share: np.ndarray,
) -> np.ndarray:
    """Core budget needed to move the counted initial-budget ratio
    a 1/years_left step to ``target``."""
    step_ratio = prev_ratio + (target - prev_ratio) / max(years_left, 1)
    return np.maximum(step_ratio * denominator - other_counted, 0.0) / core_share


NEW_PLAN_YEARS = 5  # rule new_plan: a five-year plan, FY2028-FY2032


def new_plan_level(
    base: np.ndarray, k: int, total: float, years: int = NEW_PLAN_YEARS
) -> np.ndarray:
    """Linear path from ``base`` whose ``years`` annual budgets add up to ``total``."""
    step = (total - years * base) / (years * (years + 1) / 2.0)
    return base + k * step


def grow_from_base(base: float, drift: float | np.ndarray, years: int) -> float | np.ndarray:
    """``base (1 + drift)^years``: personnel grown at its real drift alone (years before the
    axis, whose deflator path is not modelled)."""
    return base * (1.0 + drift) ** years


def personnel_step(
    prev: np.ndarray | float,
    expected_deflator: float | np.ndarray,
    drift: float | np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Personnel and provisions: ``prev (1 + expected deflator + drift)``, into ``out``."""
    np.multiply(prev, np.add(1.0 + expected_deflator, drift), out=out)
    return out


def fund_obligations(
    core: np.ndarray,
    personnel: np.ndarray,
    due: np.ndarray,
    gap: np.ndarray,
    general_material: np.ndarray,
) -> None:
    """Personnel and payments due before anything else, in place.

    ``gap = max(personnel + due - core, 0)``; ``core += gap`` (the budget is never below what
    it must pay, so no category goes negative); ``general_material = core - personnel - due``
    (>= 0; exactly 0 where the gap is positive). The gap is the year's financing gap: what
    the rule's level leaves unfunded.
    """
    np.add(personnel, due, out=general_material)  # the floor, for now
    np.subtract(general_material, core, out=gap)
    np.maximum(gap, 0.0, out=gap)
    core += gap
    np.subtract(core, general_material, out=general_material)
    general_material[gap > 0] = 0.0  # at the floor nothing is left (no rounding residue)
    np.maximum(general_material, 0.0, out=general_material)


def fundable_contracts(
    general_material: np.ndarray, first_year_share: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """New contracts the budget can fund after FY2027: general material costs are the first-year
    payments on the year's new contracts (新規契約 = 一般物件費 + 新規後年度負担), so
    ``C = general material / p_0``."""
    np.divide(general_material, first_year_share, out=out)
    return out


def supplementary(
    occurs: np.ndarray,
    log_mean: float | np.ndarray,
    log_sd: float,
    z: np.ndarray,
    initial_total: np.ndarray,
) -> np.ndarray:
    """Supplementary budget: occurs with a fitted frequency, log-normal ratio to the initial budget
    (``occurs * exp(log_mean + log_sd z) * initial_total``, a new array)."""
    x = np.multiply(z, log_sd)
    x += log_mean
    np.exp(x, out=x)
    x *= occurs
    x *= initial_total
    return x


def topup(
    target: float, denominator: np.ndarray, counted_now: np.ndarray, share: np.ndarray, cap: float
) -> np.ndarray:
    """Target-seeking top-up: the yen that closes the gap to ``target`` this year, capped."""
    gap = target * denominator - counted_now
    # a share near zero gives a huge need, clipped to the cap: no warning for that
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        need = np.where(share > 0, gap / np.where(share > 0, share, 1.0), 0.0)
    return np.clip(need, 0.0, cap)


def related_step(
    prev: np.ndarray, factor: np.ndarray | float, sd: float, z: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """Related ministries' categories: grow with expected nominal GDP, with log-normal noise.

    ``out = prev * factor * exp(sd * z)``, ``factor`` = 1 + expected nominal growth (one
    value per draw, broadcast over the rows of a block of categories), computed in place.
    """
    noisy(factor, sd, z, out=out)
    out *= prev
    return out


# --- after the plan: one kernel per post-FY2027 rule ---------------------------------------


@dataclass(frozen=True)
class Ramp:
    """What the ramp_to_ratio rule needs of the counted ratio, (n,) each."""

    prev_ratio: np.ndarray  # last year's counted initial-budget ratio
    denominator: np.ndarray  # this year's denominator at budget time, trillion yen
    other_counted: np.ndarray  # this year's counted initial budgets other than mod_core
    core_share: np.ndarray  # the counted share of mod_core


@dataclass(frozen=True)
class AfterPlan:
    """What a post-FY2027 rule sees when it sets fiscal year ``year``'s core budget."""

    year: int
    prev: np.ndarray  # last year's core budget, (n,) trillion yen
    expected_deflator: float | np.ndarray  # the path's deflator growth this year, fraction
    plan_end: np.ndarray  # the FY2027 core budget, (n,) trillion yen
    ramp: Ramp | None  # given when the rule is ramp_to_ratio


def hold_real(x: AfterPlan, rule: PostPlan) -> np.ndarray:
    """Held in real terms on the expected deflator, plus ``real_growth``."""
    return grow(x.prev, x.expected_deflator) * (1.0 + rule.real_growth)


def grow_nominal(x: AfterPlan, rule: PostPlan) -> np.ndarray:
    """Nominal growth at ``growth`` a year."""
    return grow(x.prev, rule.growth)


def new_plan(x: AfterPlan, rule: PostPlan) -> np.ndarray:
    """A new five-year plan of ``plan_total``, then held in real terms."""
    k = x.year - PLAN_LAST_YEAR
    if k <= NEW_PLAN_YEARS:
        return new_plan_level(x.plan_end, k, rule.plan_total)
    return grow(x.prev, x.expected_deflator)


def ramp_to_ratio(x: AfterPlan, rule: PostPlan) -> np.ndarray:
    """The core budget that moves the counted ratio a step towards ``target_ratio``."""
    if x.ramp is None:
        raise ValueError("ramp_to_ratio needs the counted ratio (AfterPlan.ramp)")
    r = x.ramp
    return ramp_required(
        r.prev_ratio,
        rule.target_ratio,
        rule.target_year - x.year + 1,
        r.denominator,
        r.other_counted,
        r.core_share,
    )


AFTER_PLAN: dict[PostRule, Callable[[AfterPlan, PostPlan], np.ndarray]] = {
    PostRule.hold_real: hold_real,
    PostRule.grow_nominal: grow_nominal,
    PostRule.new_plan: new_plan,
    PostRule.ramp_to_ratio: ramp_to_ratio,
}
