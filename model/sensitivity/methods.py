"""The sensitivity methods: one-at-a-time (tornado), Morris elementary effects and Sobol
indices with bootstrap confidence intervals (both from SALib).

Each method takes an evaluator (its ``factors`` and a call giving the metric at factor values)
and a ``mapper`` that runs the evaluations (``map``, or an execution's map over a dask cluster):
by batches of ``evaluation.STACK`` points when the evaluator can stack them (``evaluate_many``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import numpy as np

from .evaluation import STACK
from .factors import Factor, nominal_point

Mapper = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


class Evaluates(Protocol):
    """What a method needs of an evaluator (``Evaluator`` or a test's stand-in)."""

    @property
    def factors(self) -> list[Factor]: ...

    def __call__(self, x: dict[str, float]) -> float: ...


def run_oat(ev: Evaluates, mapper: Mapper = map) -> dict[str, np.ndarray]:
    """One factor at a time at its low and its high value, the others nominal.

    Returns
    -------
    dict
        ``low`` and ``high`` (n_factor,) and ``nominal`` (scalar), in the metric's units.
    """
    nom = nominal_point(ev.factors)
    rows = [{**nom, f.name: v} for f in ev.factors for v in (f.low, f.high)]
    y = np.array(_evaluate(ev, rows, mapper))
    return {"low": y[0::2], "high": y[1::2], "nominal": np.array(ev(nom))}


def run_morris(
    ev: Evaluates, samples: int, seed: int, mapper: Mapper = map
) -> dict[str, np.ndarray]:
    """Morris elementary effects on ``samples`` trajectories (4 levels).

    Returns
    -------
    dict
        ``mu_star``, its 95% ``mu_star_conf`` and ``sigma`` (n_factor,), in metric units per
        factor range; the sample ``X`` (n_sample, n_factor) and the metric there ``Y`` (n_sample,).
    """
    from SALib.analyze import morris as ma
    from SALib.sample import morris as ms

    prob = _problem(ev.factors, grouped=False)
    X = ms.sample(prob, samples, num_levels=4, seed=seed)
    Y = _evaluate_rows(ev, X, mapper)
    res = ma.analyze(prob, X, Y, num_levels=4, seed=seed)
    out = {k: np.asarray(res[k]) for k in ("mu_star", "mu_star_conf", "sigma")}
    return {**out, "X": X, "Y": Y}


def run_sobol(
    ev: Evaluates, samples: int, seed: int, mapper: Mapper = map, grouped: bool = False
) -> dict[str, Any]:
    """Sobol first- and total-order indices per factor, or per group of factors (``grouped``:
    economy, budget policy, accounting...), from a Saltelli sample of base size ``samples``.

    Returns
    -------
    dict
        ``S1``, ``ST`` and their 95% bootstrap half-widths ``S1_conf``, ``ST_conf`` (n_factor or
        n_group; NaN when the metric is ``constant`` over the sample), the sample ``X``
        (n_sample, n_factor) and the metric there ``Y`` (n_sample,).
    """
    from SALib.analyze import sobol as sa
    from SALib.sample import sobol as ss

    prob = _problem(ev.factors, grouped=grouped)
    X = ss.sample(prob, samples, calc_second_order=False, seed=seed)
    Y = _evaluate_rows(ev, X, mapper)
    keys = ("S1", "S1_conf", "ST", "ST_conf")
    constant = bool(np.ptp(Y) == 0)  # SALib divides by the variance of Y
    if constant:
        n_out = len(dict.fromkeys(prob["groups"])) if grouped else len(ev.factors)
        out = {k: np.full(n_out, np.nan) for k in keys}
    else:
        res = sa.analyze(
            prob, Y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed
        )
        out = {k: np.asarray(res[k]) for k in keys}
    return {**out, "X": X, "Y": Y, "constant": constant}


def _problem(factors: list[Factor], grouped: bool) -> dict[str, Any]:
    """SALib's problem: the factors' names and bounds (and groups)."""
    prob: dict[str, Any] = {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }
    if grouped:
        prob["groups"] = [f.group for f in factors]
    return prob


def _evaluate_rows(ev: Evaluates, X: np.ndarray, mapper: Mapper) -> np.ndarray:
    """The metric at each row of the sample ``X`` (n_sample, n_factor)."""
    names = [f.name for f in ev.factors]
    return np.array(_evaluate(ev, [dict(zip(names, row, strict=True)) for row in X], mapper))


def _evaluate(ev: Evaluates, xs: list[dict[str, float]], mapper: Mapper) -> list[float]:
    """The metric at each point of ``xs``: by batches of ``STACK`` points through the
    evaluator's ``evaluate_many`` (one engine run a batch, the same numbers as one point at a
    time), or a point at a time for an evaluator without one."""
    many = getattr(ev, "evaluate_many", None)
    if many is None:
        return list(mapper(ev, xs))
    batches = [xs[a : a + STACK] for a in range(0, len(xs), STACK)]
    return [y for ys in mapper(many, batches) for y in ys]
