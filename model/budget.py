"""Budget kernels: the plan, post-FY2027 rules, supplementary budgets, related categories.

Pure numpy functions; the calendar calls them in information order.
"""

from __future__ import annotations

import numpy as np


def toward(prev: np.ndarray, target: float | np.ndarray, years_left: int) -> np.ndarray:
    """Geometric step from ``prev`` so that ``target`` is reached in ``years_left`` years."""
    return prev * (target / prev) ** (1.0 / years_left)


def noisy(level: np.ndarray, sd: float, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Implementation uncertainty: a multiplicative log-normal error, ``level exp(sd z)``."""
    out = np.multiply(z, sd, out=out)
    np.exp(out, out=out)
    out *= level
    return out


def grow(prev: np.ndarray, rate: float) -> np.ndarray:
    """``prev (1 + rate)``: nominal growth at a fixed rate, or the expected deflator (holding real terms)."""
    return prev * (1.0 + rate)


def ramp_required(
    prev_ratio: np.ndarray,
    target: float,
    years_left: int,
    denominator: np.ndarray,
    other_counted: np.ndarray,
    core_share: np.ndarray,
) -> np.ndarray:
    """Core budget needed to move the counted initial-budget ratio a 1/years_left step to ``target``."""
    step_ratio = prev_ratio + (target - prev_ratio) / max(years_left, 1)
    return np.maximum(step_ratio * denominator - other_counted, 0.0) / core_share


NEW_PLAN_YEARS = 5  # rule new_plan: a five-year plan, FY2028-FY2032


def new_plan_level(
    base: np.ndarray, k: int, total: float, years: int = NEW_PLAN_YEARS
) -> np.ndarray:
    """Linear path from ``base`` whose ``years`` annual budgets add up to ``total``."""
    step = (total - years * base) / (years * (years + 1) / 2.0)
    return base + k * step


def supplementary(
    occurs: np.ndarray, log_mean: float, log_sd: float, z: np.ndarray, initial_total: np.ndarray
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
    with np.errstate(divide="ignore", invalid="ignore"):
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
