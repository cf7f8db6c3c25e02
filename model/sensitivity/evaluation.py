"""Evaluation of the metric at given factor values, on common random numbers.

Every evaluation reuses the same pre-drawn shocks, so differences between evaluations come
from the inputs, not from Monte Carlo noise.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..calendar import run_engine
from ..data import DataStore, load_data
from ..inputs import ModelInputs, PolicyEntry, build_inputs
from ..params import Params
from ..policies import Share
from ..prepare import load_policies, scenario_params
from ..runner import shocks_for
from ..scenario import Scenario
from ..shocks import Shocks
from ..wiring import load_wiring
from .factors import Factor, factor_table, scenario_with
from .metric import parse_metric


class Evaluator:
    """Evaluates a metric of ``scenario`` at given factor values, always on the same shocks.

    Parameters
    ----------
    scenario : Scenario
        The scenario at the nominal point.
    metric_text : str
        The metric (``METRIC_HELP``).
    draws, seed : int
        Monte Carlo draws of every evaluation and the seed of their shocks.
    factors : list of Factor, optional
        The factors varied; by default the scenario's ``factor_table``.
    params : Params, optional
        The parameters; by default those estimated as of the scenario's ``as_of``.
    """

    def __init__(
        self,
        scenario: Scenario,
        metric_text: str,
        draws: int,
        seed: int,
        factors: list[Factor] | None = None,
        params: Params | None = None,
    ):
        self.scenario = scenario
        self.data: DataStore = load_data(scenario.as_of)
        self.params: Params = params or scenario_params(scenario, self.data)
        self.policies = load_policies(scenario)
        self.wiring = load_wiring()
        self.base = build_inputs(scenario, self.data, self.params, self.policies, self.wiring)
        self.metric = parse_metric(metric_text, self.base)
        self.factors = factors if factors is not None else factor_table(scenario, self.base)
        self.shocks = shocks_for(self.base, seed, 0, draws)
        self.draws = draws
        # a policy mixture: each branch's scenario, inputs and shocks (common random numbers:
        # the same seed; a branch's own uncertain shares add streams, the others are equal)
        self.branches: dict[str, tuple[Scenario, ModelInputs, Shocks]] = {}
        self.branch_policies: dict[str, dict] = {}
        self._cache: dict[tuple, np.ndarray] = {}
        if scenario.mixture is not None:
            from ..mixtures import assign_branches, branch_scenario, branch_uniforms

            for name in scenario.mixture.branches:
                sc_b = branch_scenario(scenario, name)
                self.branch_policies[name] = load_policies(sc_b)  # its target policy too
                inp_b = build_inputs(
                    sc_b, self.data, self.params, self.branch_policies[name], self.wiring
                )
                self.branches[name] = (sc_b, inp_b, shocks_for(inp_b, seed, 0, draws))
            self.weights = scenario.mixture.weights()
            self.u_branch = branch_uniforms(seed, 0, draws)
            self._assign = assign_branches

    def inputs_at(
        self,
        x: dict[str, float],
        scenario: Scenario | None = None,
        base: ModelInputs | None = None,
        policies: dict | None = None,
    ) -> ModelInputs:
        """The model inputs with the factors named in ``x`` at those values (others nominal);
        ``scenario``, ``base`` and ``policies``: a mixture branch's instead of the scenario's."""
        scenario = scenario or self.scenario
        base = base or self.base
        varied = [f for f in self.factors if f.name in x and f.kind != "weight"]
        params = self.params
        fixed = {f.key for f in varied if f.kind == "param"}
        if fixed:  # a parameter varied as a factor is not also drawn per draw
            params = dataclasses.replace(
                params, drawn=tuple(n for n in params.drawn if n not in fixed)
            )
        sc_over: dict[str, float] = {}
        share_u: dict[str, float] = {}
        for f in varied:
            if f.kind == "scenario":
                sc_over[f.key] = x[f.name]
            elif f.kind == "param":
                section, key = f.key.split(".")
                params = params.replace(section, **{key: x[f.name]})
            else:
                share_u[f.key] = x[f.name]
        inp = base
        if sc_over or params is not self.params:
            sc = scenario_with(scenario, sc_over) if sc_over else scenario
            inp = build_inputs(sc, self.data, params, policies or self.policies, self.wiring)
        if share_u:
            acc = inp.accounting.with_entries(lambda e: _fix_shares(e, share_u))
            inp = dataclasses.replace(inp, accounting=acc)
        return inp

    def per_draw(self, inp: ModelInputs) -> np.ndarray:
        """The metric's per-draw quantity (n,) on inputs ``inp`` (see ``Metric.per_draw``)."""
        return self.metric.per_draw(inp, run_engine(inp, self.shocks), self.shocks)

    def weights_at(self, x: dict[str, float]) -> dict[str, float]:
        """A mixture's branch weights with the weight factors of ``x`` at those values, the
        other branches sharing the rest in proportion (``mixtures.reweighted``)."""
        from ..mixtures import reweighted

        fixed = {f.key: x[f.name] for f in self.factors if f.kind == "weight" and f.name in x}
        return reweighted(self.weights, fixed)

    def branch_per_draw(self, name: str, x: dict[str, float]) -> np.ndarray:
        """The metric's per-draw quantity under branch ``name`` of the mixture, the other factors
        of ``x`` applied to the branch (cached: weights alone do not change it)."""
        key = (
            name,
            tuple(
                sorted(
                    (f.name, x[f.name]) for f in self.factors if f.name in x and f.kind != "weight"
                )
            ),
        )
        if key not in self._cache:
            sc_b, inp_b, sh_b = self.branches[name]
            inp = self.inputs_at(x, sc_b, inp_b, self.branch_policies[name])
            self._cache[key] = self.metric.per_draw(inp, run_engine(inp, sh_b), sh_b)
            if len(self._cache) > 4 * len(self.branches):  # the latest points only
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key]

    def per_draw_at(self, x: dict[str, float]) -> np.ndarray:
        """The metric's per-draw quantity at ``x``. For a mixture: the sampled mixture (each
        draw its branch), except for a probability metric: the weighted mean of the branch
        indicators, ``sum_b w_b 1_b`` per draw, whose mean is the mixture's probability."""
        if not self.branches:
            return self.per_draw(self.inputs_at(x))
        w = self.weights_at(x)
        names = list(self.branches)
        if self.metric.is_probability:
            out = np.zeros(self.draws)
            for name in names:
                if w[name] > 0:
                    out += w[name] * self.branch_per_draw(name, x)
            return out
        which = self._assign(np.array([w[k] for k in names]), self.u_branch)
        out = np.empty(self.draws)
        for i, name in enumerate(names):
            m = which == i
            if m.any():
                out[m] = self.branch_per_draw(name, x)[m]
        return out

    def __call__(self, x: dict[str, float]) -> float:
        """The metric with the factors named in ``x`` at those values (others nominal). For a
        mixture and a probability metric: ``sum_b w_b P_b`` over the branches, exactly."""
        if self.branches and self.metric.is_probability:
            w = self.weights_at(x)
            return float(
                sum(
                    w[k] * self.metric.reduce(self.branch_per_draw(k, x))
                    for k in self.branches
                    if w[k] > 0
                )
            )
        return self.metric.reduce(self.per_draw_at(x))


def _fix_shares(e: PolicyEntry, u: dict[str, float]) -> PolicyEntry:
    """The entry with each uncertain share in ``u`` pinned at quantile ``u[cat]`` of its range."""
    pins = {
        cat: s.low + (s.high - s.low) * q
        for cat, q in u.items()
        if (s := e.shares.get(cat)) is not None and s.low != s.high
    }
    return pin_shares(e, pins)


def pin_shares(e: PolicyEntry, values: dict[str, float]) -> PolicyEntry:
    """The entry with the shares of ``values``' categories fixed at those values (share of the
    category counted, 1), from the same year as before."""
    shares = dict(e.shares)
    for cat, v in values.items():
        old = shares.get(cat)
        shares[cat] = Share(
            low=v,
            high=v,
            from_year=old.from_year if old else None,
            to_year=old.to_year if old else None,
        )
    return dataclasses.replace(e, shares=shares)
