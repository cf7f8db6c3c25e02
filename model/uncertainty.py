"""The uncertain parameters: one table of name, distribution, valid bounds, units and source.

Every bound on a parameter of ``calibration/params.toml`` lives here. The table feeds
``jdef calibrate`` (the ``[uncertainty] drawn`` list it writes, the bounds of its
estimators), ``params`` (which checks the file against it and draws the parameters per
draw), the scenario's sensitivity levers (their ranges must stay inside the bounds), the
sensitivity analysis (each drawn parameter is a factor) and the backtest (which draws the
economy's parameters from its own window fits, clipped to the same bounds). The
estimates and standard errors themselves are data: ``jdef calibrate`` fits them and
writes them to ``params.toml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import overload

import numpy as np


class Distribution(str, Enum):
    """How a parameter varies from one Monte Carlo draw to the next."""

    NORMAL = "normal"  # N(estimate, s.e.) from params.toml, clipped to [low, high]
    FIXED = "fixed"  # the estimate in every draw; only a sensitivity lever varies it


@dataclass(frozen=True)
class Uncertain:
    """One uncertain parameter.

    Attributes
    ----------
    name : str
        ``section.name`` of the parameter in ``calibration/params.toml``.
    distribution : Distribution
        How the Monte Carlo draws it.
    low, high : float
        Valid range (inclusive): draws are clipped to it, and levers may not leave it.
    units : str
        Units of the parameter's value.
    group : str
        Sensitivity group of the factor.
    source : str
        Why the bounds and the distribution are what they are.
    """

    name: str
    distribution: Distribution
    low: float
    high: float
    units: str
    group: str
    source: str

    @overload
    def draw(self, estimate: float, se: float, z: float) -> float: ...
    @overload
    def draw(self, estimate: float, se: float, z: np.ndarray) -> np.ndarray: ...
    def draw(self, estimate: float, se: float, z: float | np.ndarray) -> float | np.ndarray:
        """The parameter for standard-normal ``z``: estimate + se * z, clipped to [low, high].

        ``z`` is a float (the scalar reference) or an array over draws (the engine, the
        backtest); the result has its shape.
        """
        v = estimate + se * z
        if isinstance(v, float):
            return min(max(v, self.low), self.high)
        return np.clip(v, self.low, self.high)

    def sensitivity_range(self, estimate: float, se: float) -> tuple[float, float]:
        """The range a sensitivity analysis varies it over: estimate +/- 2 s.e., within bounds."""
        return max(estimate - 2 * se, self.low), min(estimate + 2 * se, self.high)


_N, _F = Distribution.NORMAL, Distribution.FIXED
_AR = "|phi| <= 0.99: a stationary AR(1); the estimate and s.e. are the joint MLE of jdef calibrate"
_SD = "a shock s.d. is not negative; the estimate and s.e. are the joint MLE of jdef calibrate"
_FEW = "drawn because the fit rests on few observations (METHODOLOGY.md, section 5)"

# The order is the order of the [uncertainty] drawn list in params.toml and of the factors.
TABLE: tuple[Uncertain, ...] = (
    Uncertain(
        "outlook.bias",
        _N,
        -math.inf,
        math.inf,
        "fraction per year",
        "economy",
        f"mean error of the government's nominal growth outlook, s.e. s.d./sqrt(n); {_FEW}",
    ),
    Uncertain(
        "supplementary.log_ratio_mean",
        _N,
        -math.inf,
        math.inf,
        "log of supplementary / initial budget",
        "budget policy",
        f"mean log size of the MoD supplementary, s.e. s.d./sqrt(n); {_FEW}",
    ),
    Uncertain(
        "supplementary.realignment_share",
        _N,
        0.0,
        1.0,
        "share of the MoD supplementary",
        "budget policy",
        f"a share lies in [0, 1]; mean of four published years, s.e. s.d./sqrt(n); {_FEW}",
    ),
    Uncertain(
        "economy.recession_prob",
        _N,
        0.0,
        1.0,
        "probability per year",
        "economy",
        f"a probability lies in [0, 1]; share of recession years, s.e. sqrt(p(1-p)/n); {_FEW}",
    ),
    Uncertain("economy.real_ar", _N, -0.99, 0.99, "1", "economy", f"{_AR}; {_FEW}"),
    Uncertain(
        "economy.real_sd", _N, 0.0, math.inf, "fraction per year", "economy", f"{_SD}; {_FEW}"
    ),
    Uncertain("economy.deflator_ar", _N, -0.99, 0.99, "1", "economy", f"{_AR}; {_FEW}"),
    Uncertain(
        "economy.deflator_sd", _N, 0.0, math.inf, "fraction per year", "economy", f"{_SD}; {_FEW}"
    ),
    Uncertain(
        "budget.personnel_drift",
        _N,
        -0.1,
        0.1,
        "fraction per year",
        "budget policy",
        "real growth of personnel and provisions, within +/-10% a year; mean of three published "
        f"intervals, s.e. their dispersion / sqrt(n); {_FEW}",
    ),
    Uncertain(
        "contracts.profile_tilt",
        _N,
        -0.5,
        0.5,
        "log weight per year of lag",
        "budget policy",
        "tilt of the buildup payment weights towards later (> 0) or earlier years; 0 at the "
        "fit, s.e. from the fit's curvature along the tilt (a Laplace approximation), bounded "
        "at +/-0.5 (weights e^(0.5 k) at the bound: a far slower or faster profile)",
    ),
    Uncertain(
        "supplementary.prob",
        _F,
        0.0,
        1.0,
        "probability per year",
        "budget policy",
        "a probability lies in [0, 1]; every year of the sample had a supplementary, so the "
        "estimate (1) has no useful s.e.: a sensitivity lever varies it",
    ),
    Uncertain(
        "economy.t_df",
        _F,
        3.0,
        100.0,
        "1",
        "economy",
        "Student-t degrees of freedom: at least 3 for a finite variance with room to spare, at "
        "most 100 (near-normal); the MLE is constrained to this range",
    ),
)

UNCERTAINTY: dict[str, Uncertain] = {u.name: u for u in TABLE}


def drawn() -> tuple[str, ...]:
    """The names of the parameters drawn per Monte Carlo draw, in table order."""
    return tuple(u.name for u in TABLE if u.distribution is Distribution.NORMAL)


def bounds(name: str) -> tuple[float, float]:
    """A parameter's valid range; unbounded for a parameter outside the table."""
    u = UNCERTAINTY.get(name)
    return (u.low, u.high) if u else (-math.inf, math.inf)
