"""Scenario discovery: which combinations of inputs lead to an outcome (PRIM).

An experiment design (a Latin hypercube over the factor table, ``sensitivity.factors``, and,
for a policy mixture, a branch drawn uniformly per experiment) is evaluated on common random
numbers: each experiment's outcome is the metric (e.g. the probability of reaching 3.5% of
current GDP by FY2035) over the same Monte Carlo draws. An experiment is a case of interest
when its outcome is at or above ``threshold`` (below, with ``below=True``). PRIM (Friedman and
Fisher 1999), as implemented by the ``prim`` package (Project Platypus; the EMA Workbench's
algorithm without its heavier dependencies), peels the input space to a box of high density of
cases of interest; each step of its peeling and pasting trajectory is a candidate box with its
coverage (share of all cases of interest inside), density (share of the box's experiments
that are cases of interest) and mass (share of experiments inside). The box reported is the
one of highest coverage whose density reaches ``min_density`` (the highest density if none
does): the usual choice on the coverage-density trade-off (Bryant and Lempert 2010).

Mixture weights are not inputs here: an experiment follows one branch, and the branch is the
categorical input.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from .sensitivity.evaluation import Evaluator

BRANCH_INPUT = "branch"


@dataclass(frozen=True)
class Restriction:
    """One restricted input of a box: a range [low, high] of a numeric input, or the set of
    ``values`` of a categorical one (the mixture's branch)."""

    name: str
    low: float = float("nan")
    high: float = float("nan")
    values: tuple[str, ...] = ()

    def text(self) -> str:
        if self.values:
            return f"{self.name} in {{{', '.join(self.values)}}}"
        return f"{self.low:.4g} <= {self.name} <= {self.high:.4g}"


@dataclass
class Discovery:
    """The result of ``discover``: the experiments, their outcomes, and PRIM's trajectory.

    ``trajectory`` has one row per candidate box (coverage, density, mean, res dim, mass);
    ``limits[i]`` the box's restrictions at step i; ``selected`` the step reported.
    """

    inputs: pd.DataFrame
    outcome: np.ndarray
    cases: np.ndarray
    trajectory: pd.DataFrame
    limits: list[list[Restriction]]
    selected: int
    threshold: float
    below: bool
    min_density: float

    @property
    def box(self) -> list[Restriction]:
        return self.limits[self.selected]

    def stats(self, i: int | None = None) -> dict[str, float]:
        row = self.trajectory.iloc[self.selected if i is None else i]
        return {k: float(row[k]) for k in ("coverage", "density", "mass", "mean", "res dim")}


def design(ev: Evaluator, n: int, seed: int) -> pd.DataFrame:
    """``n`` experiments: a Latin hypercube (scipy.stats.qmc) over the evaluator's factors other
    than mixture weights, scaled to each factor's range, and for a mixture a ``branch`` column
    (each branch equally often, in a seeded random order)."""
    import pandas as pd
    from scipy.stats import qmc

    factors = [f for f in ev.factors if f.kind != "weight"]
    cols: dict[str, Any] = {}
    if factors:
        u = qmc.LatinHypercube(d=len(factors), seed=np.random.default_rng(seed)).random(n)
        for j, f in enumerate(factors):
            cols[f.name] = f.low + (f.high - f.low) * u[:, j]
    if ev.branches:
        names = list(ev.branches)
        rng = np.random.default_rng([seed, 17])
        cols[BRANCH_INPUT] = np.array(
            [names[i] for i in rng.permutation(np.arange(n) % len(names))], dtype=object
        )
    if not cols:
        raise InputError("discover", "factors", "no inputs to vary: no factors and no mixture")
    return pd.DataFrame(cols)


def evaluate(ev: Evaluator, experiments: pd.DataFrame) -> np.ndarray:
    """The metric of each experiment, on the evaluator's common random numbers."""
    out = np.empty(len(experiments))
    numeric = [c for c in experiments.columns if c != BRANCH_INPUT]
    for i, rec in enumerate(experiments.to_dict("records")):
        x = {c: float(rec[c]) for c in numeric}
        if BRANCH_INPUT in rec:
            out[i] = ev.metric.reduce(ev.branch_per_draw(str(rec[BRANCH_INPUT]), x))
        else:
            out[i] = ev(x)
    return out


def _restrictions(lims: Any, init: Any) -> list[Restriction]:
    """The restricted inputs of a box (``prim``'s record of two rows, min and max, or a set
    for a categorical input), against the initial box ``init``."""
    out = []
    for name in lims.dtype.names:
        lo, hi = lims[name][0], lims[name][1]
        if isinstance(lo, set):
            if lo != init[name][0]:
                out.append(Restriction(name, values=tuple(sorted(map(str, lo)))))
        elif lo != init[name][0] or hi != init[name][1]:
            out.append(Restriction(name, float(lo), float(hi)))
    return out


def prim_box(
    inputs: pd.DataFrame,
    cases: np.ndarray,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> tuple[pd.DataFrame, list[list[Restriction]], int]:
    """PRIM's first box over ``inputs`` for the cases of interest ``cases`` (bool).

    Returns the peeling and pasting trajectory (one row a candidate box), each candidate's
    restrictions, and the step selected: the highest coverage with density >= ``min_density``,
    or the highest density if no step reaches it.
    """
    import prim

    if not cases.any():
        raise InputError(
            "discover", "threshold", "no experiment is a case of interest: nothing to discover"
        )
    with warnings.catch_warnings():  # the package's pandas idioms warn under newer pandas
        warnings.simplefilter("ignore")
        p = prim.Prim(
            inputs,
            cases.astype(bool),
            threshold=0.5,
            threshold_type=">",
            peel_alpha=peel_alpha,
            paste_alpha=paste_alpha,
            mass_min=mass_min,
        )
        box = p.find_box()
    traj = box.peeling_trajectory.reset_index(drop=True).astype(float)
    limits = [_restrictions(lims, p._box_init) for lims in box._box_lims]
    dens, cov = traj["density"].to_numpy(), traj["coverage"].to_numpy()
    ok = np.flatnonzero(dens >= min_density - 1e-12)
    if ok.size:
        selected = int(ok[np.argmax(cov[ok])])
    else:
        selected = int(np.argmax(dens))
    return traj, limits, selected


def discover(
    ev: Evaluator,
    experiments: int,
    seed: int,
    threshold: float = 0.5,
    below: bool = False,
    min_density: float = 0.8,
) -> Discovery:
    """Design, evaluate and peel (see the module's docstring)."""
    X = design(ev, experiments, seed)
    y = evaluate(ev, X)
    cases = y < threshold if below else y >= threshold
    traj, limits, sel = prim_box(X, cases, min_density)
    return Discovery(X, y, cases, traj, limits, sel, threshold, below, min_density)


def discovery_dataset(d: Discovery, ev: Evaluator | None = None, seed: int = 0) -> xr.Dataset:
    """The discovery as a Dataset: experiments (inputs, outcome, case of interest), the
    trajectory (coverage, density, mass, mean, restricted dimensions per step) and each step's
    box (low/high per numeric input, the branches of a mixture), with the selected step."""
    import json

    import xarray as xr

    numeric = [c for c in d.inputs.columns if c != BRANCH_INPUT]
    steps = np.arange(len(d.trajectory), dtype=np.int32)
    low = np.full((len(steps), len(numeric)), np.nan)
    high = np.full((len(steps), len(numeric)), np.nan)
    for i, lims in enumerate(d.limits):
        for r in lims:
            if r.name in numeric:
                j = numeric.index(r.name)
                low[i, j], high[i, j] = r.low, r.high
    one = {"units": "1"}
    v: dict[str, Any] = {
        "experiment_inputs": (
            ("experiment", "input"),
            d.inputs[numeric].to_numpy(dtype=float),
            {"long_name": "Input values of each experiment (Latin hypercube)"},
        ),
        "experiment_outcome": (
            ("experiment",),
            d.outcome,
            {"long_name": "The metric of each experiment (common random numbers)"},
        ),
        "experiment_is_case_of_interest": (
            ("experiment",),
            d.cases.astype(np.int8),
            {
                "long_name": "1 where the outcome is "
                + ("below" if d.below else "at or above")
                + f" the threshold {d.threshold:g}",
                "flag_values": np.array([0, 1], dtype=np.int8),
                "flag_meanings": "other case_of_interest",
            },
        ),
        "box_coverage": (
            ("step",),
            d.trajectory["coverage"].to_numpy(),
            {**one, "long_name": "Share of all cases of interest inside the box"},
        ),
        "box_density": (
            ("step",),
            d.trajectory["density"].to_numpy(),
            {**one, "long_name": "Share of the box's experiments that are cases of interest"},
        ),
        "box_mass": (
            ("step",),
            d.trajectory["mass"].to_numpy(),
            {**one, "long_name": "Share of all experiments inside the box"},
        ),
        "box_restricted_dimensions": (
            ("step",),
            d.trajectory["res dim"].to_numpy().astype(np.int32),
            {**one, "long_name": "Number of inputs the box restricts"},
        ),
        "box_low": (
            ("step", "input"),
            low,
            {"long_name": "Lower limit of the box on the input (NaN: not restricted)"},
        ),
        "box_high": (
            ("step", "input"),
            high,
            {"long_name": "Upper limit of the box on the input (NaN: not restricted)"},
        ),
        "box_description": (
            ("step",),
            np.array(
                [" and ".join(r.text() for r in lims) or "(all)" for lims in d.limits], object
            ),
            {"long_name": "The box's restrictions"},
        ),
    }
    coords: dict[str, Any] = {
        "experiment": ("experiment", np.arange(len(d.inputs), dtype=np.int32), one),
        "input": ("input", np.array(numeric, dtype=object), {"long_name": "Numeric input"}),
        "step": ("step", steps, {**one, "long_name": "Step of PRIM's peeling/pasting trajectory"}),
    }
    if BRANCH_INPUT in d.inputs:
        v["experiment_branch"] = (
            ("experiment",),
            d.inputs[BRANCH_INPUT].to_numpy(dtype=object),
            {"long_name": "The policy mixture branch the experiment follows"},
        )
        v["box_branches"] = (
            ("step",),
            np.array(
                [
                    ", ".join(next((r.values for r in lims if r.name == BRANCH_INPUT), ("(all)",)))
                    for lims in d.limits
                ],
                dtype=object,
            ),
            {"long_name": "The branches inside the box"},
        )
    ds = xr.Dataset(v, coords=coords)
    st = d.stats()
    ds.attrs = {
        "title": "jdef scenario discovery (PRIM)",
        "summary": (
            f"PRIM box for the cases with the metric "
            f"{'below' if d.below else 'at or above'} {d.threshold:g}: "
            f"{ds['box_description'].values[d.selected]} "
            f"(coverage {st['coverage']:.3f}, density {st['density']:.3f}, mass {st['mass']:.3f})"
        ),
        "selected_step": int(d.selected),
        "threshold": float(d.threshold),
        "case_of_interest": "below" if d.below else "at_or_above",
        "min_density": float(d.min_density),
        "prim_implementation": "prim (Project Platypus) 1.x: Prim.find_box, lenient1 objective",
        "seed_entropy": str(seed),
    }
    if ev is not None:
        ds.attrs.update(
            metric=ev.metric.text,
            metric_long_name=ev.metric.long_name(),
            draws=str(ev.draws),
            scenario=json.dumps(ev.scenario.resolved(), sort_keys=True),
            as_of=str(ev.scenario.as_of),
        )
        ds.attrs["title"] = f"jdef scenario discovery (PRIM) of '{ev.scenario.name}'"
    return ds


def trajectory_csv(ds: xr.Dataset) -> str:
    """The trajectory as CSV: step, coverage, density, mass, restricted dimensions, selected,
    the box."""
    sel = int(ds.attrs.get("selected_step", -1))
    out = ["step,coverage,density,mass,restricted_dimensions,selected,box"]
    for i in range(ds.sizes["step"]):
        box = str(ds["box_description"].values[i]).replace('"', "'")
        out.append(
            f"{i},{float(ds['box_coverage'][i]):.6f},{float(ds['box_density'][i]):.6f},"
            f"{float(ds['box_mass'][i]):.6f},{int(ds['box_restricted_dimensions'][i])},"
            f'{int(i == sel)},"{box}"'
        )
    return "\n".join(out) + "\n"


def summary_text(ds: xr.Dataset) -> str:
    """The selected box and the trajectory's ends, for the terminal."""
    sel = int(ds.attrs["selected_step"])
    lines = [
        ds.attrs.get("title", "jdef scenario discovery"),
        f"metric {ds.attrs.get('metric', '?')}: cases of interest "
        f"{'below' if ds.attrs.get('case_of_interest') == 'below' else 'at or above'} "
        f"{ds.attrs.get('threshold')}: {int(ds['experiment_is_case_of_interest'].sum())} of "
        f"{ds.sizes['experiment']} experiments",
        "",
        f"{'step':>4} {'coverage':>9} {'density':>8} {'mass':>6} {'dims':>4}  box",
    ]
    n = ds.sizes["step"]
    shown = sorted({0, sel, n - 1, *range(max(0, sel - 2), min(n, sel + 3))})
    for i in shown:
        mark = "*" if i == sel else " "
        lines.append(
            f"{i:>4}{mark}{float(ds['box_coverage'][i]):>9.3f} {float(ds['box_density'][i]):>8.3f} "
            f"{float(ds['box_mass'][i]):>6.3f} {int(ds['box_restricted_dimensions'][i]):>4}  "
            f"{ds['box_description'].values[i]}"
        )
    lines.append(
        f"(* the box reported: highest coverage with density >= {ds.attrs['min_density']})"
    )
    return "\n".join(lines) + "\n"
