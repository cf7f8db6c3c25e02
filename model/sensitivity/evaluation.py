"""Evaluation of the metric at given factor values, on common random numbers.

Every evaluation reuses the same pre-drawn shocks, so differences between evaluations come
from the inputs, not from Monte Carlo noise.

``Evaluator.evaluate_many`` evaluates many points at once: up to ``STACK`` evaluations one
after another on the draw axis of one engine run (the shocks tiled, drawn once), the factors
that differ between them given to the engine per draw (``context.PerDraw``). Each draw's
arithmetic is that of its own evaluation, so the metric is the same, bit for bit, as
evaluating the points one at a time (tests/unit/test_stacked.py).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import numpy as np
from pydantic import ValidationError

from .. import categories as cats
from ..calendar import Paths, run_engine
from ..context import PER_DRAW_PARAMS, PER_DRAW_SCENARIO, PerDraw, Run, run_constants
from ..data import DataStore, load_data
from ..errors import InputError
from ..history import economy_history
from ..inputs import (
    GrowthPath,
    ModelInputs,
    PathSource,
    PolicyEntry,
    build_inputs,
    path_source,
    shifted_path,
)
from ..params import Params
from ..policies import Share, share_values
from ..prepare import load_policies, scenario_params
from ..runner import shocks_for
from ..scenario import Scenario
from ..shocks import Shocks
from ..state import State
from ..wiring import load_wiring
from .factors import Factor, factor_table, scenario_with
from .metric import parse_metric

HORIZON_MIN = 2028  # the earliest horizon a scenario may have (scenario_schema)
STACK = 16  # evaluations per engine run in ``evaluate_many`` (no effect on the results)
_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(State))
_PATH_KEYS = {"economy.real_growth_shift": "real", "economy.deflator_shift": "deflator"}


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
        self._stacked: dict[tuple, _Group] = {}  # evaluate_many: inputs shared by stacked points
        self._tiled: dict[int, Shocks] = {}
        self._short_inputs: tuple[Scenario, ModelInputs] | None = None
        self._short_made = False
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the engine's arrays (``_buffers``)
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

    # --- many points at once -----------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to dask workers) without the caches, which are rebuilt there."""
        d = dict(self.__dict__)
        d["_stacked"], d["_tiled"], d["_lock"], d["_local"] = {}, {}, None, None
        d["_short_inputs"], d["_short_made"] = None, False
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)
        self._lock = threading.Lock()
        self._local = threading.local()

    def evaluate_many(self, xs: list[dict[str, float]]) -> list[float]:
        """The metric at each point of ``xs``, as ``[self(x) for x in xs]`` gives it, bit for
        bit, but up to ``STACK`` points per engine run.

        Points whose factors the engine can take per draw (``context.PER_DRAW_PARAMS``, the
        scenario keys of ``context.PER_DRAW_SCENARIO``, the policies' uncertain shares) and
        whose other factors are equal share one set of inputs and are stacked along the draw
        axis; a policy mixture is evaluated one point at a time.
        """
        if self.branches:
            return [self(x) for x in xs]
        groups: dict[tuple, list[int]] = {}
        for i, x in enumerate(xs):
            groups.setdefault(self._stack_key(x), []).append(i)
        out = [0.0] * len(xs)
        for key, idx in groups.items():
            g = self._group(key, xs[idx[0]])
            for a in range(0, len(idx), STACK):
                part = idx[a : a + STACK]
                for i, v in zip(part, self._stacked_values(g, [xs[i] for i in part]), strict=True):
                    out[i] = v
        return out

    def _stack_key(self, x: dict[str, float]) -> tuple:
        """What points must share to be stacked: the values of the factors that change the
        inputs otherwise than per draw."""
        key: list[tuple] = []
        for f in self.factors:
            if f.name not in x or f.kind == "weight":
                continue
            if f.kind == "share" or (f.kind == "param" and f.key in PER_DRAW_PARAMS):
                key.append((f.name,))
            elif f.kind == "scenario" and f.key in PER_DRAW_SCENARIO:
                # whether there is a fixed top-up also decides whether an announced pledge
                # applies (decisions.apply): points with and without one do not share inputs
                top = f.key == "supplementary.fixed_topup"
                key.append((f.name, bool(x[f.name])) if top else (f.name,))
            else:
                key.append((f.name, float(x[f.name])))
        return tuple(key)

    def _group(self, key: tuple, x: dict[str, float]) -> _Group:
        """The inputs shared by the points of ``key`` (``x``: one of them), cached."""
        with self._lock:
            if key in self._stacked:
                return self._stacked[key]
        kinds = {f.name: f.kind for f in self.factors}
        rest = {k: v for k, v in x.items() if kinds.get(k) != "share"}
        short = self._short()
        inp = self.inputs_at(rest) if short is None else self.inputs_at(rest, *short)
        sc = inp.scenario
        econ = economy_history(self.data, inp.axis.years, sc.as_of)
        g = _Group(
            inp=inp,
            run=run_constants(inp),
            path=path_source(sc, self.data, inp.params, inp.axis.years, econ, self.wiring),
            real_shift=sc.economy.real_growth_shift,
            deflator_shift=sc.economy.deflator_shift,
            entry=next(e for e in inp.accounting.entries if e.label == self.metric.policy)
            if self.metric.policy
            else None,
        )
        with self._lock:
            if len(self._stacked) >= 8:  # the latest groups only
                self._stacked.pop(next(iter(self._stacked)))
            self._stacked[key] = g
        return g

    def _short(self) -> tuple[Scenario, ModelInputs] | None:
        """The scenario and inputs up to the last year the metric reads (the events of a year
        read that year's and earlier figures only, so those years are the same as over the
        whole horizon); None when the metric reads every year or the horizon cannot be
        shortened."""
        with self._lock:
            if self._short_made:
                return self._short_inputs
        last = self.metric.last_year
        out = None
        if last is not None and max(last, HORIZON_MIN) < self.scenario.horizon:
            try:
                sc = scenario_with(self.scenario, {"horizon": max(last, HORIZON_MIN)})
                out = (sc, build_inputs(sc, self.data, self.params, self.policies, self.wiring))
            except (ValidationError, InputError):
                out = None
        with self._lock:
            self._short_inputs, self._short_made = out, True
        return out

    def _stack_shocks(self) -> Shocks:
        """The shocks of one evaluation over the years the stacked runs simulate."""
        short = self._short()
        if short is None:
            return self.shocks
        sh, years = self.shocks, short[1].axis.n_year
        cut: dict[str, Any] = {
            f.name: v[:years]
            for f in dataclasses.fields(sh)
            if isinstance(v := getattr(sh, f.name), np.ndarray)
            and (v.ndim > 1 or f.name == "years")
        }
        return dataclasses.replace(sh, **cut)

    def _tiled_shocks(self, k: int) -> Shocks:
        """The shocks repeated ``k`` times along the draw axis (cached for ``STACK``)."""
        with self._lock:
            if k in self._tiled:
                return self._tiled[k]
        big = STACK if k <= STACK else k
        sh = self._tiled.get(big)
        if sh is None:
            sh = _tile(self._stack_shocks(), big)
            with self._lock:
                self._tiled[big] = sh
        return sh if k == big else sh.block(0, k * self.draws)

    def _buffers(self, inp: ModelInputs, k: int) -> dict[str, np.ndarray]:
        """This thread's arrays for the paths of ``k`` stacked evaluations (reused from one
        engine run to the next: new arrays of this size cost more to map than to fill)."""
        local, y, n = self._local, inp.axis.n_year, STACK * self.draws
        shapes = {f: (y, len(cats.NAMES), n) if f == "spending" else (y, n) for f in _STATE_FIELDS}
        if getattr(local, "shapes", None) != shapes:
            local.shapes = shapes
            local.arrays = {f: np.empty(shape) for f, shape in shapes.items()}
        return {f: a[..., : k * self.draws] for f, a in local.arrays.items()}

    def _stacked_values(self, g: _Group, xs: list[dict[str, float]]) -> list[float]:
        """The metric at the points ``xs`` of group ``g``, in one engine run."""
        n, k = self.draws, len(xs)
        sh = self._tiled_shocks(k)
        varied = [f for f in self.factors if f.name in xs[0] and f.kind != "weight"]

        def each(values: list[Any]) -> np.ndarray:
            """One value per point -> one per draw (n,), or one column per draw (a, n)."""
            return np.repeat(np.asarray(values, dtype=float), n, axis=-1)

        params, scen, shift = {}, {}, {}
        u: list[dict[str, float]] = [{} for _ in xs]
        for f in varied:
            vals = [float(x[f.name]) for x in xs]
            if f.kind == "param" and f.key in PER_DRAW_PARAMS:
                params[f.key] = each(vals)
            elif f.kind == "scenario" and f.key in _PATH_KEYS:
                shift[_PATH_KEYS[f.key]] = vals
            elif f.kind == "scenario" and f.key in PER_DRAW_SCENARIO:
                scen[f.key] = each(vals)
            elif f.kind == "share":
                for ui, v in zip(u, vals, strict=True):
                    ui[f.key] = v
        # the shocks' transforms are the same in every batch of k points of the group
        pd = PerDraw(params=params, scenario=scen, memo=g.memos.setdefault(k, {}))
        if shift:
            paths: list[GrowthPath] = [
                shifted_path(
                    g.path,
                    shift.get("real", [g.real_shift] * k)[i],
                    shift.get("deflator", [g.deflator_shift] * k)[i],
                )
                for i in range(k)
            ]
            pd = dataclasses.replace(
                pd,
                mu_real=np.repeat(np.stack([p.mu_real for p in paths], axis=1), n, axis=1),
                mu_deflator=np.repeat(np.stack([p.mu_deflator for p in paths], axis=1), n, axis=1),
                real_dev0=each([p.real_dev0 for p in paths]),
                deflator_dev0=each([p.deflator_dev0 for p in paths]),
            )
        if u[0]:
            acc = g.inp.accounting
            engine_entries = {e.label: e for e in (acc.target_entry, acc.ramp_entry) if e}
            pd = dataclasses.replace(
                pd,
                shares={
                    # (k n, n_category), category-major like share_values' own
                    label: np.concatenate(
                        [
                            share_values(
                                _fix_shares(e, ui).shares, e.supplementary, self.shocks.u_shares, n
                            ).T
                            for ui in u
                        ],
                        axis=1,
                    ).T
                    for label, e in engine_entries.items()
                },
            )
        paths_all = run_engine(
            g.inp,
            sh,
            block=max(k * n, 1),
            into=self._buffers(g.inp, k),
            run=dataclasses.replace(g.run, per_draw=pd),
            through=self.metric.last_year,
        )
        m = self.metric
        entries = [_fix_shares(g.entry, ui) if g.entry is not None and ui else g.entry for ui in u]
        if g.entry is not None:
            many = m.per_draw_many(g.inp, paths_all, sh, [e for e in entries if e is not None], n)
            if many is not None:
                return [m.reduce(many[i * n : (i + 1) * n]) for i in range(k)]
        return [  # one evaluation at a time
            m.reduce(m.per_draw(g.inp, _draws(paths_all, i * n, (i + 1) * n), self.shocks, e))
            for i, e in enumerate(entries)
        ]


@dataclasses.dataclass(frozen=True)
class _Group:
    """Inputs shared by stacked points: the inputs and run constants, the path before its
    shifts and the shifts of the inputs, and the metric's policy entry (shares not pinned)."""

    inp: ModelInputs
    run: Run
    path: PathSource
    real_shift: float
    deflator_shift: float
    entry: PolicyEntry | None
    memos: dict[int, dict] = dataclasses.field(default_factory=dict)  # PerDraw.memo per batch size


def _tile(sh: Shocks, k: int) -> Shocks:
    """The shocks of ``k`` evaluations one after another on the draw axis."""
    return sh.apply(lambda a: np.tile(a, (1,) * (a.ndim - 1) + (k,)))


def _draws(p: Paths, start: int, stop: int) -> Paths:
    """Draws [start, stop) of the paths ``p``, as views."""
    return Paths(
        **{
            f.name: getattr(p, f.name)[..., start:stop]
            for f in dataclasses.fields(p)
            if f.name != "trace"
        },
        trace=p.trace,
    )


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
