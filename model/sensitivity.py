"""Sensitivity analysis and "what it takes" on common random numbers.

The factors form one table (``factor_table``): the parameters that a run draws
from their estimates' distribution (calibration/params.toml, [uncertainty]:
the same table feeds the Monte Carlo), the uncertain eligible shares of the
scenario's policies (the Monte Carlo draws them too), and the levers the
scenario declares under ``[sensitivity.levers]``. Every evaluation reuses the
same pre-drawn shocks, so differences between evaluations come from the
inputs, not from Monte Carlo noise.

Methods: one-at-a-time (tornado), Morris elementary effects and Sobol indices
with bootstrap confidence intervals (both from SALib).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from . import categories as cats
from .calendar import run_engine
from .constants import PLAN_LAST_YEAR
from .data import DataStore, load_data
from .errors import InputError
from .inputs import ModelInputs, PolicyEntry, build_inputs
from .metrics import TOLERANCE, entry_accounts, plan_accounts, probability, quantiles
from .params import Params
from .policies import Policy, Share, load_policy, uncertain_keys
from .runner import params_as_of, policy_names, shocks_for
from .scenario import Scenario
from .uncertainty import UNCERTAINTY
from .wiring import load_wiring


@dataclass(frozen=True)
class Factor:
    """One input that a sensitivity analysis varies over [low, high].

    ``kind`` says what ``key`` names: a scenario key ("scenario"), a parameter of
    params.toml ("param") or a category whose eligible share is uncertain ("share": the
    value is the quantile of the policies' share ranges). ``nominal`` is the value of a run;
    ``units``, ``group`` and ``source`` describe the factor in the outputs.
    """

    name: str
    kind: str  # "scenario", "param" or "share"
    key: str
    low: float
    high: float
    nominal: float
    units: str
    group: str
    source: str


@dataclass(frozen=True)
class Metric:
    text: str
    kind: str  # p_reach, p_reach_by, ratio_q, plan_cum
    year: int = 0
    value: float = 0.0  # threshold or quantile
    policy: str = ""
    basis: str = ""

    def long_name(self) -> str:
        if self.kind == "p_reach":
            return f"P(ratio >= {self.value:g} in FY{self.year}) under {self.policy}"
        if self.kind == "p_reach_by":
            return (
                f"P(ratio >= {self.value:g} in some year up to FY{self.year}) under {self.policy}"
            )
        if self.kind == "ratio_q":
            return f"{self.value:g} quantile of the ratio in FY{self.year} under {self.policy}"
        return f"{self.value:g} quantile of FY2023-FY{PLAN_LAST_YEAR} {self.basis} spending (trillion yen)"


METRIC_HELP = (
    "p_reach:YEAR:THRESHOLD:POLICY | p_reach_by:YEAR:THRESHOLD:POLICY | ratio_q:YEAR:QUANTILE:POLICY | "
    "plan_cum:contract|expenditure:QUANTILE"
)


def parse_metric(text: str, inp: ModelInputs) -> Metric:
    """Parse the metric syntax; unknown policies, years or values give an InputError naming metric."""
    parts = text.split(":")
    bad = lambda why: InputError("metric", text, f"{why}; syntax: {METRIC_HELP}")  # noqa: E731
    labels = [e.label for e in inp.accounting.entries]
    if parts[0] == "plan_cum":
        if len(parts) != 3 or parts[1] not in ("contract", "expenditure"):
            raise bad("expected plan_cum:contract|expenditure:QUANTILE")
        q = _number(parts[2], bad)
        if not 0 <= q <= 1:
            raise bad("the quantile must lie in [0, 1]")
        return Metric(text, "plan_cum", value=q, basis=parts[1])
    if parts[0] not in ("p_reach", "p_reach_by", "ratio_q") or len(parts) < 4:
        raise bad(f"unknown metric '{parts[0]}'")
    policy = ":".join(parts[3:])  # a bucket label contains a colon
    year = _number(parts[1], bad)
    value = _number(parts[2], bad)
    if int(year) != year or int(year) not in inp.axis.years:
        raise bad(f"year {parts[1]} is outside FY{inp.axis.years[0]}-FY{inp.axis.years[-1]}")
    if policy not in labels:
        raise bad(f"unknown policy '{policy}'; the scenario reports: {', '.join(labels)}")
    if not 0 <= value <= 1:
        raise bad("the threshold or quantile must lie in [0, 1]")
    return Metric(text, parts[0], int(year), value, policy)


def _number(s: str, bad) -> float:
    try:
        return float(s)
    except ValueError:
        raise bad(f"not a number: {s!r}") from None


# ----------------------------------------------------------------------------
# The factor table
# ----------------------------------------------------------------------------


def factor_table(scenario: Scenario, inp: ModelInputs) -> list[Factor]:
    """The factors of a sensitivity analysis of ``scenario``.

    The parameters drawn per draw (the uncertainty table, ``jdef.uncertainty``) over their
    estimate +/- 2 s.e. within bounds, the uncertain eligible shares of the scenario's
    policies, and the scenario's levers, in this order.
    """
    out: list[Factor] = []
    sens = scenario.sensitivity
    if sens.include_parameters:
        for name in inp.params.drawn:
            u, v = UNCERTAINTY[name], inp.params.value(name)
            low, high = u.sensitivity_range(v, inp.params.se[name])
            source = "calibration/params.toml: estimate +/- 2 s.e."
            out.append(Factor(name, "param", name, low, high, v, "1", u.group, source))
    uncertain = list(
        dict.fromkeys(cat for e in inp.accounting.entries for cat in uncertain_keys(e.shares))
    )
    if sens.include_shares:
        out += [
            Factor(
                f"share:{cat}",
                "share",
                cat,
                0.0,
                1.0,
                0.5,
                "quantile of the policy's share range",
                "accounting",
                "eligible share drawn uniformly between the policy's low and high (policy files)",
            )
            for cat in uncertain
        ]
    for (
        name,
        lv,
    ) in (
        sens.levers.items()
    ):  # key formats and parameter ranges were checked when the scenario was read
        kind, key, field = lv.kind, lv.target, f"sensitivity.levers.{name}.key"
        if kind == "share" and key not in uncertain:
            raise InputError(
                scenario.source_file,
                field,
                f"no policy of the scenario gives '{key}' an uncertain share, "
                f"so the lever would change nothing (uncertain: {', '.join(sorted(uncertain)) or 'none'})",
            )
        for v in (lv.low, lv.high) if kind == "scenario" else ():
            try:
                _with(scenario, {key: v})
            except ValidationError as e:
                raise InputError(
                    scenario.source_file,
                    field,
                    f"{key} = {v} is not a valid scenario value: {e.errors()[0]['msg']}",
                ) from None
        nominal = (
            float(scenario.value_at(key))
            if kind == "scenario"
            else inp.params.value(key)
            if kind == "param"
            else 0.5
        )
        out.append(Factor(name, kind, key, lv.low, lv.high, nominal, lv.units, lv.group, lv.source))
    if not out:
        raise InputError(
            scenario.source_file,
            "sensitivity",
            "no factors: declare [sensitivity.levers] or enable parameters/shares",
        )
    return out


# ----------------------------------------------------------------------------
# Evaluation on common random numbers
# ----------------------------------------------------------------------------


class Evaluator:
    """Evaluates a metric at given factor values, always on the same shocks."""

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
        self.params: Params = params or params_as_of(scenario.as_of, data=self.data)
        self.policies = _policies(scenario)
        self.wiring = load_wiring()
        self.base = build_inputs(scenario, self.data, self.params, self.policies, self.wiring)
        self.metric = parse_metric(metric_text, self.base)
        self.factors = factors if factors is not None else factor_table(scenario, self.base)
        self.shocks = shocks_for(self.base, seed, 0, draws)
        self.draws = draws

    def inputs_at(self, x: dict[str, float]) -> ModelInputs:
        sc_over: dict[str, float] = {}
        params = self.params
        fixed_params = [f.key for f in self.factors if f.kind == "param" and f.name in x]
        if fixed_params:  # a parameter varied as a factor is not also drawn per draw
            params = dataclasses.replace(
                params, drawn=tuple(n for n in params.drawn if n not in fixed_params)
            )
        share_u: dict[str, float] = {}
        for f in self.factors:
            if f.name not in x:
                continue
            if f.kind == "scenario":
                sc_over[f.key] = x[f.name]
            elif f.kind == "param":
                section, key = f.key.split(".")
                params = params.replace(section, **{key: x[f.name]})
            else:
                share_u[f.key] = x[f.name]
        sc = _with(self.scenario, sc_over) if sc_over else self.scenario
        inp = (
            build_inputs(sc, self.data, params, self.policies, self.wiring)
            if (sc_over or params is not self.params)
            else self.base
        )
        if share_u:
            acc = inp.accounting.with_entries(lambda e: _fix_shares(e, share_u))
            inp = dataclasses.replace(inp, accounting=acc)
        return inp

    def per_draw(self, x: dict[str, float], inp: ModelInputs | None = None) -> np.ndarray:
        """The metric's per-draw quantity: an indicator (probabilities) or a value (quantiles),
        at factor values ``x`` (or on ready-made inputs ``inp``)."""
        inp = inp or self.inputs_at(x)
        paths = run_engine(inp, self.shocks)
        m = self.metric
        if m.kind == "plan_cum":
            acc = plan_accounts(inp, paths)
            return acc["cum_contracts" if m.basis == "contract" else "cum_expenditure"]
        e = next(e for e in inp.accounting.entries if e.label == m.policy)
        c, d = entry_accounts(inp, paths, self.shocks, e)
        ratio = c / d
        j = inp.axis.idx(m.year)
        if m.kind == "p_reach":
            return (ratio[j] >= m.value - TOLERANCE).astype(float)
        if m.kind == "p_reach_by":
            return (ratio[: j + 1] >= m.value - TOLERANCE).any(axis=0).astype(float)
        return ratio[j]

    def reduce(self, v: np.ndarray) -> float:
        if self.metric.kind in ("p_reach", "p_reach_by"):
            return float(v.mean())
        q = self.metric.value
        return float(quantiles(v, np.array([q]))[0])

    def __call__(self, x: dict[str, float]) -> float:
        return self.reduce(self.per_draw(x))

    def mc_error(self, v: np.ndarray, batches: int = 20) -> float:
        """Monte Carlo standard error of the metric from its per-draw values ``v``: binomial for a
        probability, else by batch means over the draws."""
        if self.metric.kind in ("p_reach", "p_reach_by"):
            return float(probability(v)[1])
        parts = np.array_split(v, batches)
        vals = np.array([self.reduce(p) for p in parts])
        return float(vals.std(ddof=1) / math.sqrt(batches))


def _policies(sc: Scenario) -> dict[str, Policy]:
    out = {}
    for name in policy_names(sc):
        try:
            out[name] = load_policy(name)
        except InputError:
            if name in sc.policies:
                raise
    return out


def _with(sc: Scenario, over: dict[str, Any]) -> Scenario:
    d = sc.model_dump()
    for key, v in over.items():
        node = d
        *path, last = key.split(".")
        for p in path:
            node = node[p]
        node[last] = v
    return Scenario(**d)


def _fix_shares(e: PolicyEntry, u: dict[str, float]) -> PolicyEntry:
    """The entry with each uncertain share in ``u`` pinned at quantile ``u[cat]`` of its range."""
    pins = {
        cat: s.low + (s.high - s.low) * q
        for cat, q in u.items()
        if (s := e.shares.get(cat)) is not None and s.low != s.high
    }
    return _pin_shares(e, pins)


def _pin_shares(e: PolicyEntry, values: dict[str, float]) -> PolicyEntry:
    """The entry with the shares of ``values``' categories fixed at those values (from the same year as before)."""
    shares = dict(e.shares)
    for cat, v in values.items():
        old = shares.get(cat)
        shares[cat] = Share(low=v, high=v, from_year=old.from_year if old else None)
    return dataclasses.replace(e, shares=shares)


# ----------------------------------------------------------------------------
# Methods
# ----------------------------------------------------------------------------


def _problem(factors: list[Factor], grouped: bool) -> dict[str, Any]:
    prob: dict[str, Any] = {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }
    if grouped:
        prob["groups"] = [f.group for f in factors]
    return prob


def _nominal(factors: list[Factor]) -> dict[str, float]:
    return {f.name: float(min(max(f.nominal, f.low), f.high)) for f in factors}


def evaluate_rows(ev: Evaluator, X: np.ndarray, mapper=map) -> np.ndarray:
    names = [f.name for f in ev.factors]
    return np.array(list(mapper(ev, [dict(zip(names, row, strict=True)) for row in X])))


def run_oat(ev: Evaluator, mapper=map) -> dict[str, np.ndarray]:
    nom = _nominal(ev.factors)
    rows = []
    for f in ev.factors:
        for v in (f.low, f.high):
            rows.append({**nom, f.name: v})
    y = np.array(list(mapper(ev, rows)))
    return {"low": y[0::2], "high": y[1::2], "nominal": np.array(ev(nom))}


def run_morris(ev: Evaluator, samples: int, seed: int, mapper=map) -> dict[str, np.ndarray]:
    from SALib.analyze import morris as ma
    from SALib.sample import morris as ms

    prob = _problem(ev.factors, grouped=False)
    X = ms.sample(prob, samples, num_levels=4, seed=seed)
    Y = evaluate_rows(ev, X, mapper)
    res = ma.analyze(prob, X, Y, num_levels=4, seed=seed)
    return {
        "mu_star": np.asarray(res["mu_star"]),
        "mu_star_conf": np.asarray(res["mu_star_conf"]),
        "sigma": np.asarray(res["sigma"]),
        "X": X,
        "Y": Y,
    }


def run_sobol(
    ev: Evaluator, samples: int, seed: int, mapper=map, grouped: bool = False
) -> dict[str, np.ndarray]:
    """Sobol indices per factor, or per group of factors (``grouped``: economy, budget policy, accounting...)."""
    from SALib.analyze import sobol as sa
    from SALib.sample import sobol as ss

    prob = _problem(ev.factors, grouped=grouped)
    X = ss.sample(prob, samples, calc_second_order=False, seed=seed)
    Y = evaluate_rows(ev, X, mapper)
    n_out = len(dict.fromkeys(prob["groups"])) if grouped else len(ev.factors)
    if np.ptp(Y) == 0:
        nan = np.full(n_out, np.nan)
        return {
            "S1": nan,
            "S1_conf": nan,
            "ST": nan,
            "ST_conf": nan,
            "X": X,
            "Y": Y,
            "constant": True,
        }
    res = sa.analyze(
        prob, Y, calc_second_order=False, num_resamples=200, conf_level=0.95, seed=seed
    )
    return {
        "S1": np.asarray(res["S1"]),
        "S1_conf": np.asarray(res["S1_conf"]),
        "ST": np.asarray(res["ST"]),
        "ST_conf": np.asarray(res["ST_conf"]),
        "X": X,
        "Y": Y,
        "constant": False,
    }


# ----------------------------------------------------------------------------
# "What it takes"
# ----------------------------------------------------------------------------

LEVERS = ("post2027_growth", "supplementary_topup", "category_share:NAME")


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
    """
    if not 0 < probability < 1:
        raise InputError("probability", "", "must lie strictly between 0 and 1")
    if lever == "post2027_growth":
        sc = _with(scenario, {"post2027.rule": "grow_nominal"})
        factor = Factor(
            lever,
            "scenario",
            "post2027.growth",
            -0.2,
            0.5,
            0.0,
            "fraction per year",
            "budget policy",
            "",
        )
        if year <= PLAN_LAST_YEAR:
            raise InputError(
                "year",
                "",
                f"post2027_growth acts after FY{PLAN_LAST_YEAR}; choose a later year",
            )
    elif lever == "supplementary_topup":
        sc = scenario
        factor = Factor(
            lever,
            "scenario",
            "supplementary.fixed_topup",
            0.0,
            20.0,
            0.0,
            "trillion yen per year",
            "budget policy",
            "",
        )
    elif lever.startswith("category_share:"):
        cat = lever.split(":", 1)[1]
        if cat not in cats.INDEX:
            raise InputError(
                "lever", "", f"unknown category '{cat}'; allowed: {', '.join(cats.NAMES)}"
            )
        sc = scenario
        factor = Factor(lever, "policy_share", cat, 0.0, 1.0, 0.0, "share", "accounting", "")
    else:
        raise InputError("lever", "", f"unknown lever '{lever}'; allowed: {', '.join(LEVERS)}")
    metric = f"p_reach:{year}:{target}:{policy}"
    ev = Evaluator(
        sc,
        metric,
        draws,
        seed,
        factors=[factor] if factor.kind != "policy_share" else [],
        params=params,
    )
    if factor.kind == "policy_share":

        def prob_at(v: float) -> float:
            inp = ev.base
            fixed = tuple(
                _pin_shares(e, {factor.key: v}) if e.label == policy else e
                for e in inp.accounting.entries
            )
            acc = dataclasses.replace(inp.accounting, entries=fixed)
            return ev.reduce(ev.per_draw({}, dataclasses.replace(inp, accounting=acc)))
    else:

        def prob_at(v: float) -> float:
            return ev({factor.name: v})

    a = factor.low if lo is None else lo
    b = factor.high if hi is None else hi
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
    h = max((factor.high - factor.low) * 1e-3, 1e-6)
    dens = (prob_at(b + h) - prob_at(max(b - h, factor.low))) / (b + h - max(b - h, factor.low))
    se = math.sqrt(probability * (1 - probability) / draws) / dens if dens > 0 else float("inf")
    return {
        "value": b,
        "probability": pb,
        "standard_error": se,
        "bracket_low": a,
        "bracket_high": b,
        "at_lower_bound": 0.0,
    }


# ----------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------


def sensitivity_dataset(
    ev: Evaluator,
    method: str,
    res: dict[str, np.ndarray],
    samples: int,
    seed: int,
    grouped: bool = False,
):
    import datetime as dt
    import json

    import xarray as xr

    from . import __version__

    names = [f.name for f in ev.factors]
    P, M = "parameter", "metric"
    factors = ev.factors
    if grouped:  # one row per group of factors
        groups = list(dict.fromkeys(f.group for f in ev.factors))
        names = groups
        factors = [
            Factor(
                g,
                "group",
                ", ".join(f.name for f in ev.factors if f.group == g),
                np.nan,
                np.nan,
                np.nan,
                "-",
                g,
                "group of: " + ", ".join(f.name for f in ev.factors if f.group == g),
            )
            for g in groups
        ]
    nom = _nominal(ev.factors)
    at_nominal = ev.per_draw(nom)
    mc, nominal_value = ev.mc_error(at_nominal), ev.reduce(at_nominal)
    one = lambda a: np.asarray(a, dtype=float)[:, None]  # noqa: E731  (parameter, metric)
    v: dict[str, Any] = {}
    idx = {"units": "1", "coverage_content_type": "modelResult"}
    if method == "sobol":
        v["sobol_S1"] = ((P, M), one(res["S1"]), {**idx, "long_name": "Sobol first-order index"})
        v["sobol_S1_conf"] = (
            (P, M),
            one(res["S1_conf"]),
            {**idx, "long_name": "Half-width of the 95% bootstrap confidence interval of sobol_S1"},
        )
        v["sobol_ST"] = ((P, M), one(res["ST"]), {**idx, "long_name": "Sobol total-order index"})
        v["sobol_ST_conf"] = (
            (P, M),
            one(res["ST_conf"]),
            {**idx, "long_name": "Half-width of the 95% bootstrap confidence interval of sobol_ST"},
        )
    elif method == "morris":
        v["morris_mu_star"] = (
            (P, M),
            one(res["mu_star"]),
            {
                **idx,
                "long_name": "Morris mean absolute elementary effect (metric units per factor range)",
            },
        )
        v["morris_mu_star_conf"] = (
            (P, M),
            one(res["mu_star_conf"]),
            {
                **idx,
                "long_name": "Half-width of the 95% bootstrap confidence interval of morris_mu_star",
            },
        )
        v["morris_sigma"] = (
            (P, M),
            one(res["sigma"]),
            {**idx, "long_name": "Morris standard deviation of elementary effects"},
        )
    else:
        v["oat_low"] = (
            (P, M),
            one(res["low"]),
            {**idx, "long_name": "Metric with the factor at its low value, others nominal"},
        )
        v["oat_high"] = (
            (P, M),
            one(res["high"]),
            {**idx, "long_name": "Metric with the factor at its high value, others nominal"},
        )
        v["oat_nominal"] = (
            (M,),
            np.atleast_1d(res["nominal"]),
            {**idx, "long_name": "Metric with every factor nominal"},
        )
    if "X" in res:
        v["sample_inputs"] = (
            ("sample", "factor"),
            res["X"],
            {
                **idx,
                "long_name": "Factor values of each evaluation (columns: the factor coordinate)",
            },
        )
        v["sample_metric"] = (
            ("sample", M),
            np.asarray(res["Y"])[:, None],
            {**idx, "long_name": "Metric at each evaluation"},
        )
    v["metric_monte_carlo_error"] = (
        (M,),
        np.array([mc]),
        {
            **idx,
            "long_name": "Monte Carlo standard error of the metric at the nominal point (same draws for every evaluation)",
        },
    )
    for attr, fn, ln in (
        ("factor_low", lambda f: f.low, "Low end of the factor's range"),
        ("factor_high", lambda f: f.high, "High end of the factor's range"),
        ("factor_nominal", lambda f: f.nominal, "Nominal (scenario) value of the factor"),
    ):
        v[attr] = ((P,), np.array([fn(f) for f in factors]), {**idx, "long_name": ln})
    for attr, fn, ln in (
        ("factor_group", lambda f: f.group, "Factor group"),
        ("factor_units", lambda f: f.units, "Factor units"),
        ("factor_source", lambda f: f.source, "Where the factor's range comes from"),
        ("factor_key", lambda f: f"{f.kind}:{f.key}", "What the factor changes"),
    ):
        v[attr] = ((P,), np.array([fn(f) for f in factors], dtype=object), {"long_name": ln})
    ds = xr.Dataset(
        {k: xr.Variable(*t) for k, t in v.items()},
        coords={
            P: (
                P,
                np.array(names, dtype=object),
                {"long_name": "Uncertain input or lever" + (" group" if grouped else "")},
            ),
            "factor": (
                "factor",
                np.array([f.name for f in ev.factors], dtype=object),
                {"long_name": "Uncertain input or lever (sample columns)"},
            ),
            M: (M, np.array([ev.metric.text], dtype=object), {"long_name": ev.metric.long_name()}),
        },
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    ds.attrs = {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": f"jdef sensitivity ({method}) of '{ev.scenario.name}'",
        "summary": f"{method} sensitivity of {ev.metric.long_name()} to {len(names)} inputs on common random numbers",
        "source": "jdef sensitivity",
        "history": f"{now} created by jdef {__version__} (jdef sensitivity)",
        "date_created": now,
        "method": method,
        "samples": str(samples),
        "seed_entropy": str(seed),
        "draws": str(ev.draws),
        "scenario": json.dumps(ev.scenario.resolved(), sort_keys=True),
        "model_version": __version__,
        "as_of": ev.scenario.as_of.isoformat(),
        "constant_metric": str(bool(res.get("constant", False))),
        "grouped": str(grouped),
        "nominal_metric": repr(float(nominal_value)),
    }
    return ds


def ranked_text(ds) -> str:
    method = ds.attrs["method"]
    mc = float(ds["metric_monte_carlo_error"][0])
    metric = str(ds.metric.values[0])
    lines = [
        f"{ds.attrs['title']}: {ds.metric.attrs['long_name']}",
        f"metric {metric}; Monte Carlo s.e. of the metric at the nominal point {mc:.4f} ({ds.attrs['draws']} draws, common to every evaluation)",
    ]
    nominal = ds.attrs.get("nominal_metric")
    if nominal is not None and metric.startswith("p_reach") and float(nominal) in (0.0, 1.0):
        lines.append(
            f"note: the metric is {float(nominal):g} at the nominal point; the indices say which inputs can move it off "
            "that value within their ranges, and depend strongly on those ranges"
        )
    names = list(ds.parameter.values)
    if method == "sobol":
        if ds.attrs.get("constant_metric") == "True":
            lines.append(
                "The metric is the same at every sample point: the indices are undefined (no input moves it over its range)."
            )
            return "\n".join(lines) + "\n"
        st = ds.sobol_ST.values[:, 0]
        order = np.argsort(-np.nan_to_num(st, nan=-1))
        lines += [
            "",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'S1':>8}{'± 95%':>8}{'ST':>8}{'± 95%':>8}",
        ]
        for r, i in enumerate(order, 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{str(ds.factor_group.values[i]):<15}{ds.sobol_S1.values[i, 0]:>8.3f}"
                f"{ds.sobol_S1_conf.values[i, 0]:>8.3f}{st[i]:>8.3f}{ds.sobol_ST_conf.values[i, 0]:>8.3f}"
            )
    elif method == "morris":
        mu = ds.morris_mu_star.values[:, 0]
        order = np.argsort(-mu)
        lines += [
            "",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'mu*':>10}{'± 95%':>10}{'sigma':>10}",
        ]
        for r, i in enumerate(order, 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{str(ds.factor_group.values[i]):<15}{mu[i]:>10.4f}"
                f"{ds.morris_mu_star_conf.values[i, 0]:>10.4f}{ds.morris_sigma.values[i, 0]:>10.4f}"
            )
    else:
        lo, hi = ds.oat_low.values[:, 0], ds.oat_high.values[:, 0]
        order = np.argsort(-np.abs(hi - lo))
        lines += [
            "",
            f"nominal {float(ds.oat_nominal[0]):.4f}",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'low':>10}{'high':>10}{'swing':>10}",
        ]
        for r, i in enumerate(order, 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{str(ds.factor_group.values[i]):<15}{lo[i]:>10.4f}{hi[i]:>10.4f}{hi[i] - lo[i]:>+10.4f}"
            )
    return "\n".join(lines) + "\n"
