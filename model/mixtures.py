"""Policy mixtures: a weighted set of post-FY2027 rules, as a layer above the engine.

A scenario with a ``[mixture]`` table declares branches, each a post-FY2027 rule
(``post2027``) with a weight. ``simulate_mixture`` runs every branch on the same shocks
(common random numbers: the same seed, so the same economy, supplementaries and shares in
every branch) and assigns each draw one branch from a uniform stream of its own
(``branch_uniforms``), so that branch frequencies match the weights within binomial error.

Two estimates of the mixture come out of the same run:

- its probabilities, the weighted sum of the branch probabilities, ``sum_b w_b P_b``: on
  common random numbers each ``P_b`` is exactly the probability of the branch run alone, so
  the mixture's probability is exact given the branches (no sampling noise from the branch
  draw); its standard error is that of the per-draw mean of ``sum_b w_b 1_b``;
- the sampled mixture: every draw takes the paths of its assigned branch; its quantiles (of
  ratios, spending, GDP...) are those of the mixture distribution, and its probabilities
  (``sampled_*``) agree with the weighted ones within Monte Carlo error.

Per-branch results sit on a ``branch`` dimension (``BRANCH_VARIABLES`` in
:mod:`jdef.variables`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .constants import DEFAULT_QUANTILES, RNG_BLOCK
from .errors import InputError
from .scenario import Scenario

if TYPE_CHECKING:
    import xarray as xr

    from .inputs import ModelInputs
    from .parallel import Execution
    from .runner import Options
    from .summaries import Stats

MIXTURE_STREAM = 16  # the branch draw's stream; shocks.STREAMS uses 1-15 (15: the nowcast)
BRANCH = "branch"


def branch_scenario(sc: Scenario, name: str) -> Scenario:
    """The scenario of one branch: ``sc`` with the branch's post-FY2027 rule, no mixture."""
    assert sc.mixture is not None
    b = sc.mixture.branches[name]
    d = sc.model_dump()
    d.update(post2027=b.post2027.model_dump(), mixture=None, name=f"{sc.name}.{name}")
    levers = d["sensitivity"]["levers"]  # a weight lever has no meaning without the mixture
    d["sensitivity"]["levers"] = {
        k: v for k, v in levers.items() if not str(v["key"]).startswith("weight:")
    }
    return Scenario(**d)


def check_branches(sc: Scenario) -> None:
    """Prepare every branch (its rule's target policy, the data): InputError naming
    ``mixture.branches.NAME`` in the scenario's file."""
    from .prepare import prepare

    assert sc.mixture is not None
    for name in sc.mixture.branches:
        try:
            prepare(branch_scenario(sc, name))
        except InputError as exc:
            raise branch_error(sc, name, exc) from None


def branch_error(sc: Scenario, name: str, exc: InputError) -> InputError:
    """A branch's fault, named in the mixture: ``post2027.X`` -> ``mixture.branches.NAME.
    post2027.X`` in the scenario's file; any other fault keeps its file and field."""
    if str(exc.field).startswith("post2027."):
        return InputError(
            sc.source_file or "scenario", f"mixture.branches.{name}.{exc.field}", exc.message
        )
    return exc


def branch_uniforms(seed: int, start: int, stop: int) -> np.ndarray:
    """The uniform numbers that pick the branches of draws [start, stop): one generator per
    block of ``RNG_BLOCK`` draws, as for the shocks, so a draw's branch depends on its index
    and the seed only (not on the chunking or the number of draws)."""
    from .shocks import _gen

    b0, b1 = start // RNG_BLOCK, (stop - 1) // RNG_BLOCK
    parts = [_gen(seed, b, MIXTURE_STREAM, 0).random(RNG_BLOCK) for b in range(b0, b1 + 1)]
    lo = start - b0 * RNG_BLOCK
    return np.concatenate(parts)[lo : lo + stop - start]


def assign_branches(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The branch index of each draw: ``u`` (uniform on [0, 1)) falls in the branch's slice
    of [0, 1) (cumulative weights); a branch of weight 0 gets no draw."""
    edges = np.cumsum(weights)
    edges[-1] = 1.0  # rounding: every u < 1 has a branch
    return np.searchsorted(edges, u, side="right").astype(np.intp)


def reweighted(weights: dict[str, float], fixed: dict[str, float]) -> dict[str, float]:
    """Weights with the branches of ``fixed`` at those values and the others scaled in
    proportion to share the rest (1 - sum of ``fixed``). If the fixed weights add up to more
    than 1 they are scaled to add up to 1 and the others get 0; if the others had weight 0 they
    share the rest equally."""
    fixed_total = sum(fixed.values())
    if fixed_total >= 1.0:
        return {k: (fixed[k] / fixed_total if k in fixed else 0.0) for k in weights}
    others = {k: w for k, w in weights.items() if k not in fixed}
    rest = 1.0 - fixed_total
    total = sum(others.values())
    out = dict(fixed)
    for k, w in others.items():
        out[k] = rest * (w / total if total > 0 else 1.0 / len(others))
    return {k: out[k] for k in weights}


def _gather(inp: ModelInputs, draws: int, seed: int, ex: Execution, chunk: int) -> dict[str, Any]:
    """Every per-draw quantity of a run, draw axis last (as ``runner.summarize`` in exact mode)."""
    from .metrics import entry_denominator
    from .runner import ChunkTask, _draw_arrays

    spans = [(a, min(a + chunk, draws)) for a in range(0, draws, chunk)]
    if ex.in_process:
        d: dict[str, Any] = _draw_arrays(inp, draws)
        ex.map(ChunkTask(inp, seed, "draws", out=d), spans)
        d["denominator"] = tuple(
            entry_denominator(inp, e, d["gdp_reported"], d["gdp_outlook"])
            for e in inp.accounting.entries
        )
        return d
    parts = ex.map(ChunkTask(inp, seed, "draws"), spans)
    if len(parts) == 1:
        return parts[0]
    return {
        k: (
            tuple(np.concatenate([p[k][i] for p in parts], axis=-1) for i in range(len(v)))
            if isinstance(v, tuple)
            else np.concatenate([p[k] for p in parts], axis=-1)
        )
        for k, v in parts[0].items()
    }


def _take(into: dict[str, Any], d: dict[str, Any], mask: np.ndarray) -> None:
    """Copy the draws of ``mask`` from one branch's per-draw arrays into the mixture's."""
    for k, v in d.items():
        if isinstance(v, tuple):
            for a, b in zip(into[k], v, strict=True):
                a[..., mask] = b[..., mask]
        else:
            into[k][..., mask] = v[..., mask]


def _empty_like(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: tuple(np.empty_like(a) for a in v) if isinstance(v, tuple) else np.empty_like(v)
        for k, v in d.items()
    }


def simulate_mixture(
    scenario: Scenario, draws: int, seed: int, options: Options, ex: Execution | None = None
) -> xr.Dataset:
    """Run a scenario's policy mixture (see the module's docstring) and return one Dataset:
    the registry's variables for the mixture, plus the ``branch`` dimension's variables.

    Raises
    ------
    InputError
        ``summary_only`` (a mixture keeps every draw to sample its branches); faults of a
        branch's rule or target policy, naming the branch.
    """
    from .parallel import execution
    from .prepare import prepare
    from .runner import default_chunk
    from .summaries import exact, indicators
    from .variables import THRESHOLD_EVENTS
    from .worksize import check_fits

    mix = scenario.mixture
    assert mix is not None
    o = options
    if o.summary_only:
        raise InputError(
            "summary_only",
            "",
            "a policy mixture keeps every draw (to sample the branches); run it without "
            "--summary-only",
        )
    names = list(mix.branches)
    w = np.array([mix.branches[k].weight for k in names])
    chunk = default_chunk(draws) if o.chunk is None else o.chunk
    q = np.array(DEFAULT_QUANTILES)
    which = assign_branches(w, branch_uniforms(seed, 0, draws))
    stats: list[Stats] = []
    mixed: dict[str, Any] = {}
    weighted: dict[str, np.ndarray] = {}
    inp0: ModelInputs | None = None
    with execution(o.workers, o.scheduler) if ex is None else _given(ex) as run_ex:
        for i, name in enumerate(names):
            try:
                sc_b = branch_scenario(scenario, name)
                inp = prepare(sc_b, o.params, o.data_dir)
            except InputError as exc:
                raise branch_error(scenario, name, exc) from None
            if inp0 is None:
                inp0 = inp
                check_fits(inp, draws, chunk, False, o.keep_draws)
            d = _gather(inp, draws, seed, run_ex, chunk)
            if not mixed:
                mixed = _empty_like(d)
            _take(mixed, d, which == i)
            for k, ind in indicators(inp, d).items():
                # threshold events come as (threshold, entry, year, n): put them as the
                # probabilities are, (entry, year, threshold)
                term = w[i] * (np.moveaxis(ind, 0, -2) if k in THRESHOLD_EVENTS else ind)
                weighted[k] = term if k not in weighted else weighted[k] + term
            stats.append(exact(inp, d, q, False, run_ex.local_map))
            del d
        assert inp0 is not None
        st = exact(inp0, mixed, q, o.keep_draws, run_ex.local_map)
    return _dataset(scenario, inp0, st, stats, weighted, which, names, draws, seed)


class _given:
    """A context manager that hands over an execution it does not own."""

    def __init__(self, ex: Execution):
        self.ex = ex

    def __enter__(self) -> Execution:
        return self.ex

    def __exit__(self, *exc: object) -> None:
        return None


def mixture_probability(stats: list[Stats], weights: np.ndarray, key: str) -> np.ndarray:
    """``sum_b w_b P_b``: the mixture's probability of event ``key`` from its branches'."""
    out = weights[0] * stats[0].prob[key][0]
    for wb, s in zip(weights[1:], stats[1:], strict=True):
        out = out + wb * s.prob[key][0]
    return np.asarray(out)


def _dataset(
    sc: Scenario,
    inp: ModelInputs,
    st: Stats,
    stats: list[Stats],
    weighted: dict[str, np.ndarray],
    which: np.ndarray,
    names: list[str],
    draws: int,
    seed: int,
) -> xr.Dataset:
    import json

    import xarray as xr

    from .constants import PERCENTILE, POLICY, YEAR
    from .results import build_dataset
    from .variables import BRANCH_VARIABLES, VARIABLES, Stat

    assert sc.mixture is not None
    branches = [sc.mixture.branches[k] for k in names]
    w = np.array([b.weight for b in branches])
    sampled = {k: st.prob[k] for k in st.prob}
    # the mixture's probabilities: weighted branch probabilities; s.e. of the weighted mean
    for k in st.prob:
        p = mixture_probability(stats, w, k)
        y = weighted[k]
        n = y.shape[-1]
        se = np.sqrt(np.maximum(y.var(axis=-1), 0.0) / n)
        st.prob[k] = (p, se)
    ds = build_dataset(inp, st, draws=draws, seed=seed)
    ds.attrs["title"] = f"jdef: Japan defense spending outlook, scenario '{sc.name}'"
    ds.attrs["scenario"] = json.dumps(
        {**sc.resolved(), "draws": draws, "seed": seed}, sort_keys=True
    )
    ds.attrs["scenario_sha256"] = sc.digest()
    ds.attrs["id"] = f"jdef-{sc.name}-{sc.digest()[:12]}-{seed}-{draws}"
    ds.attrs["policy_mixture"] = (
        "probabilities are sum_b weight_b P_b over the branches on common random numbers; "
        "quantiles are of the sampled mixture (each draw follows the branch it was assigned); "
        "sampled_* give the sampled mixture's probabilities"
    )
    counts = np.bincount(which, minlength=len(names))
    ds = ds.assign_coords(
        {BRANCH: (BRANCH, np.array(names, dtype=object), {"long_name": "Policy mixture branch"})}
    )
    prob_vars = [v for v in VARIABLES if v.stat is Stat.PROBABILITY and v.of in ("above", "by")]
    for v in prob_vars:
        attrs = dict(ds[v.name].attrs)
        ds[f"sampled_{v.name}"] = xr.Variable(
            v.dims,
            np.asarray(sampled[v.of][0]),
            {**attrs, "long_name": attrs["long_name"] + " (sampled mixture: each draw its branch)"},
        )
    reg = {r.name: r for r in BRANCH_VARIABLES}

    def put(name: str, dims: tuple[str, ...], data: Any) -> None:
        r = reg[name]
        attrs: dict[str, Any] = {"long_name": r.long_name}
        if r.units is not None:
            attrs["units"] = r.units
        ds[name] = xr.Variable(dims, np.asarray(data), attrs)

    put("branch_weight", (BRANCH,), w)
    put("branch_draw_share", (BRANCH,), counts / draws)
    put("branch_rule", (BRANCH,), np.array([b.post2027.rule.value for b in branches], object))
    put(
        "branch_rule_settings",
        (BRANCH,),
        np.array([json.dumps(b.post2027.model_dump(mode="json")) for b in branches], object),
    )
    put("branch_weight_source", (BRANCH,), np.array([b.source for b in branches], object))
    put("branch_weight_is_judgement", (BRANCH,), np.array([b.judgement for b in branches], "i1"))
    dims = tuple(str(d) for d in ds["probability_of_spending_ratio_above_threshold"].dims)
    for name, key in (
        ("branch_probability_of_spending_ratio_above_threshold", "above"),
        ("branch_probability_of_spending_ratio_reached_threshold_by_year", "by"),
    ):
        put(name, (BRANCH, *dims), np.stack([s.prob[key][0] for s in stats]))
        put(f"{name}_standard_error", (BRANCH, *dims), np.stack([s.prob[key][1] for s in stats]))
    # percentile axis first, as spending_ratio's (PERCENTILE, POLICY, YEAR)
    put(
        "branch_spending_ratio",
        (BRANCH, PERCENTILE, POLICY, YEAR),
        np.stack([s.quantile["ratio"] for s in stats]),
    )
    return ds
