""" "What it takes": the smallest value of a lever that gives the asked probability of
reaching a target ratio, by bisection on common random numbers."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from .. import categories as cats
from ..constants import PLAN_LAST_YEAR
from ..errors import InputError
from ..params import Params
from ..scenario import Scenario
from .evaluation import Evaluator, pin_shares
from .factors import Factor, scenario_with

_SCENARIO_LEVERS = {
    f.name: f
    for f in (
        Factor(
            "post2027_growth",
            "scenario",
            "post2027.growth",
            -0.2,
            0.5,
            0.0,
            "fraction per year",
            "budget policy",
            "",
        ),
        Factor(
            "supplementary_topup",
            "scenario",
            "supplementary.fixed_topup",
            0.0,
            20.0,
            0.0,
            "trillion yen per year",
            "budget policy",
            "",
        ),
    )
}
LEVERS = (*_SCENARIO_LEVERS, "category_share:NAME", "weight:BRANCH")


def solve(
    scenario: Scenario,
    target: float,
    year: int,
    policy: str,
    probability: float,
    lever: str,
    draws: int,
    seed: int,
    lo: float | None = None,
    hi: float | None = None,
    tol: float = 1e-7,
    params: Params | None = None,
) -> dict[str, float]:
    """Smallest lever value with P(ratio >= target in ``year`` under ``policy``) >= ``probability``.

    Bisection on common random numbers (the probability is non-decreasing in the
    lever). Monte Carlo uncertainty of the answer: the answer is the
    ``probability``-quantile of the draws' own thresholds, so its s.e. is
    sqrt(p (1 - p) / n) / f, f = dP/dx estimated by a central difference.

    Parameters
    ----------
    scenario : Scenario
        The scenario the lever acts on.
    target : float
        The ratio to reach (1, e.g. 0.02 of GDP) in fiscal ``year`` under the policy labelled
        ``policy``.
    probability : float
        The probability asked for, in (0, 1).
    lever : str
        One of ``LEVERS``: post2027_growth (per year), supplementary_topup (trillion yen a
        year), category_share:NAME (share of the category counted, 1) or weight:BRANCH (the
        weight of a branch of the scenario's policy mixture, the others sharing the rest in
        proportion; solved exactly, see ``_solve_weight``).
    draws, seed : int
        Monte Carlo draws (the same for every trial value) and their seed.
    lo, hi : float, optional
        The bracket searched; by default the lever's range.
    tol : float
        Relative width of the final bracket.
    params : Params, optional
        The parameters; by default those estimated as of the scenario's ``as_of``.

    Returns
    -------
    dict
        ``value`` (the lever's units), ``probability`` there, its ``standard_error``, the final
        ``bracket_low`` and ``bracket_high``, and ``at_lower_bound`` (1.0 when already met at
        ``lo``, else 0.0).
    """
    if not 0 < probability < 1:
        raise InputError("probability", "", "must lie strictly between 0 and 1")
    if lever.startswith("weight:"):
        return _solve_weight(
            scenario, lever, year, policy, target, probability, draws, seed, params
        )
    prob_at, low, high = _trial(scenario, lever, year, policy, target, draws, seed, params)
    a = low if lo is None else lo
    b = high if hi is None else hi
    pa, pb = prob_at(a), prob_at(b)
    if pa >= probability:
        return {
            "value": a,
            "probability": pa,
            "standard_error": 0.0,
            "bracket_low": a,
            "bracket_high": b,
            "at_lower_bound": 1.0,
        }
    if pb < probability:
        raise InputError(
            "lever", lever, f"even at {b:g} the probability is only {pb:.3f} < {probability}"
        )
    while b - a > tol * max(1.0, abs(b)):
        mid = 0.5 * (a + b)
        pm = prob_at(mid)
        if pm >= probability:
            b, pb = mid, pm
        else:
            a = mid
    h = max((high - low) * 1e-3, 1e-6)
    dens = (prob_at(b + h) - prob_at(max(b - h, low))) / (b + h - max(b - h, low))
    se = math.sqrt(probability * (1 - probability) / draws) / dens if dens > 0 else float("inf")
    return {
        "value": b,
        "probability": pb,
        "standard_error": se,
        "bracket_low": a,
        "bracket_high": b,
        "at_lower_bound": 0.0,
    }


def _evaluator(
    sc: Scenario,
    metric: str,
    draws: int,
    seed: int,
    factors: list[Factor],
    params: Params | None,
) -> Evaluator:
    """The evaluator of the metric ``solve`` builds from its own parameters: a fault in that
    metric is reported as the parameter's (``year``, ``target`` or ``policy``), since the caller
    named no metric."""
    try:
        return Evaluator(sc, metric, draws, seed, factors=factors, params=params)
    except InputError as exc:
        if exc.file != "metric":
            raise
        why = exc.message.split("; syntax:")[0]
        at_fault = "policy" if "policy" in why else "year" if "year" in why else "target"
        raise InputError(at_fault, "", why) from None


def _trial(
    scenario: Scenario,
    lever: str,
    year: int,
    policy: str,
    target: float,
    draws: int,
    seed: int,
    params: Params | None,
) -> tuple[Callable[[float], float], float, float]:
    """The probability of reaching ``target`` as a function of the lever's value, and the
    lever's range (low, high)."""
    metric = f"p_reach:{year}:{target}:{policy}"
    if lever in _SCENARIO_LEVERS:
        factor = _SCENARIO_LEVERS[lever]
        sc = scenario
        if lever == "post2027_growth":
            if year <= PLAN_LAST_YEAR:
                raise InputError(
                    "year",
                    "",
                    f"post2027_growth acts after FY{PLAN_LAST_YEAR}; choose a later year",
                )
            sc = scenario_with(scenario, {"post2027.rule": "grow_nominal"})
        ev = _evaluator(sc, metric, draws, seed, [factor], params)
        return (lambda v: ev({factor.name: v})), factor.low, factor.high
    if not lever.startswith("category_share:"):
        raise InputError("lever", "", f"unknown lever '{lever}'; allowed: {', '.join(LEVERS)}")
    cat = lever.split(":", 1)[1]
    if cat not in cats.INDEX:
        raise InputError("lever", "", f"unknown category '{cat}'; allowed: {', '.join(cats.NAMES)}")
    ev = _evaluator(scenario, metric, draws, seed, [], params)

    def prob_at(v: float) -> float:
        # only the asked policy's entry counts the category at ``v``
        inp = ev.base
        entries = tuple(
            pin_shares(e, {cat: v}) if e.label == policy else e for e in inp.accounting.entries
        )
        acc = dataclasses.replace(inp.accounting, entries=entries)
        return ev.metric.reduce(ev.per_draw(dataclasses.replace(inp, accounting=acc)))

    return prob_at, 0.0, 1.0


def _solve_weight(
    scenario: Scenario,
    lever: str,
    year: int,
    policy: str,
    target: float,
    probability: float,
    draws: int,
    seed: int,
    params: Params | None,
) -> dict[str, float]:
    """The smallest weight of a mixture branch with P >= ``probability``.

    On common random numbers the mixture's probability is linear in the branch's weight
    ``w`` (the others sharing 1 - w in proportion): P(w) = P(0) + w (P(1) - P(0)), with P(1)
    the branch's own probability and P(0) the others' mixture. So the answer is exact given
    the draws, w* = (p - P(0)) / (P(1) - P(0)), and its Monte Carlo s.e. is about
    sqrt(p (1 - p) / n) / |P(1) - P(0)|.
    """
    branch = lever.split(":", 1)[1]
    branches = scenario.mixture.branches if scenario.mixture else {}
    if branch not in branches:
        raise InputError(
            "lever",
            "",
            f"'{lever}': the scenario's mixture has no branch '{branch}' "
            f"(branches: {', '.join(branches) or 'none: the scenario has no [mixture]'})",
        )
    if len(branches) < 2:
        raise InputError("lever", "", f"'{lever}': the mixture needs at least two branches")
    factor = Factor(lever, "weight", branch, 0.0, 1.0, branches[branch].weight, "1", "", "")
    ev = _evaluator(scenario, f"p_reach:{year}:{target}:{policy}", draws, seed, [factor], params)
    p0, p1 = ev({lever: 0.0}), ev({lever: 1.0})
    out = {"bracket_low": 0.0, "bracket_high": 1.0, "at_lower_bound": 0.0}
    if p0 >= probability:
        return {
            **out,
            "value": 0.0,
            "probability": p0,
            "standard_error": 0.0,
            "at_lower_bound": 1.0,
        }
    if p1 < probability:
        raise InputError(
            "lever",
            lever,
            f"even at weight 1 the probability is only {p1:.3f} < {probability} "
            f"(the branch alone; the other branches give {p0:.3f})",
        )
    w = (probability - p0) / (p1 - p0)
    se = math.sqrt(probability * (1 - probability) / draws) / abs(p1 - p0)
    return {**out, "value": w, "probability": ev({lever: w}), "standard_error": se}
