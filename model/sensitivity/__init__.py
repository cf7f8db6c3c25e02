"""Sensitivity analysis and "what it takes" on common random numbers.

The factors (``factors``: the uncertainty table's parameters, the policies' uncertain
eligible shares and the scenario's levers) are varied by a method (``methods``: one at a
time, Morris or Sobol from SALib); an ``Evaluator`` (``evaluation``) gives the ``metric`` at
each point on the same pre-drawn shocks, so differences between evaluations come from the
inputs, not from Monte Carlo noise. ``solve`` finds the lever value that reaches a target
with a given probability; ``results`` writes the Dataset and the ranked table.
"""

from .evaluation import Evaluator
from .factors import Factor, factor_table
from .methods import run_morris, run_oat, run_sobol
from .metric import parse_metric
from .results import ranked_text, sensitivity_dataset
from .solve import solve

__all__ = [
    "Evaluator",
    "Factor",
    "factor_table",
    "parse_metric",
    "ranked_text",
    "run_morris",
    "run_oat",
    "run_sobol",
    "sensitivity_dataset",
    "solve",
]
