"""The output of a sensitivity analysis: a CF/ACDD Dataset (dims parameter, metric) and
the ranked text table that ``jdef sensitivity`` prints."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from .. import __version__
from .evaluation import Evaluator
from .factors import Factor, nominal_point

P, M = "parameter", "metric"
_INDEX = {"units": "1", "coverage_content_type": "modelResult"}
_HALF_WIDTH = "Half-width of the 95% bootstrap confidence interval of "
# per method: (variable, key of the method's result, long_name), each (parameter, metric)
_METHOD_VARIABLES = {
    "sobol": (
        ("sobol_S1", "S1", "Sobol first-order index"),
        ("sobol_S1_conf", "S1_conf", _HALF_WIDTH + "sobol_S1"),
        ("sobol_ST", "ST", "Sobol total-order index"),
        ("sobol_ST_conf", "ST_conf", _HALF_WIDTH + "sobol_ST"),
    ),
    "morris": (
        (
            "morris_mu_star",
            "mu_star",
            "Morris mean absolute elementary effect (metric units per factor range)",
        ),
        ("morris_mu_star_conf", "mu_star_conf", _HALF_WIDTH + "morris_mu_star"),
        ("morris_sigma", "sigma", "Morris standard deviation of elementary effects"),
    ),
    "oat": (
        ("oat_low", "low", "Metric with the factor at its low value, others nominal"),
        ("oat_high", "high", "Metric with the factor at its high value, others nominal"),
    ),
}
_FACTOR_NUMBERS = (
    ("factor_low", lambda f: f.low, "Low end of the factor's range"),
    ("factor_high", lambda f: f.high, "High end of the factor's range"),
    ("factor_nominal", lambda f: f.nominal, "Nominal (scenario) value of the factor"),
)
_FACTOR_LABELS = (
    ("factor_group", lambda f: f.group, "Factor group"),
    ("factor_units", lambda f: f.units, "Factor units"),
    ("factor_source", lambda f: f.source, "Where the factor's range comes from"),
    ("factor_key", lambda f: f"{f.kind}:{f.key}", "What the factor changes"),
)


def sensitivity_dataset(
    ev: Evaluator,
    method: str,
    res: Mapping[str, Any],
    samples: int,
    seed: int,
    grouped: bool = False,
) -> xr.Dataset:
    """The result of ``run_oat``, ``run_morris`` or ``run_sobol`` as a Dataset.

    Parameters
    ----------
    ev : Evaluator
        The evaluator the method ran (factors, metric, scenario, draws).
    method : str
        "oat", "morris" or "sobol".
    res : mapping
        The method's result.
    samples, seed : int
        The method's sample size and seed (recorded in the attributes).
    grouped : bool
        Whether ``res`` holds Sobol indices per group of factors (one row a group).

    Returns
    -------
    xarray.Dataset
        The indices (parameter, metric; 1 or metric units), the sample (sample, factor) and
        the metric there, the metric's Monte Carlo error at the nominal point, and the
        factors' ranges and descriptions (parameter).
    """
    factors = _groups(ev.factors) if grouped else ev.factors
    at_nominal = ev.per_draw_at(nominal_point(ev.factors))
    v: dict[str, Any] = {
        name: ((P, M), np.asarray(res[key], dtype=float)[:, None], {**_INDEX, "long_name": ln})
        for name, key, ln in _METHOD_VARIABLES[method]
    }
    if method == "oat":
        v["oat_nominal"] = (
            (M,),
            np.atleast_1d(res["nominal"]),
            {**_INDEX, "long_name": "Metric with every factor nominal"},
        )
    if "X" in res:
        v["sample_inputs"] = (
            ("sample", "factor"),
            res["X"],
            {
                **_INDEX,
                "long_name": "Factor values of each evaluation (columns: the factor coordinate)",
            },
        )
        v["sample_metric"] = (
            ("sample", M),
            np.asarray(res["Y"])[:, None],
            {**_INDEX, "long_name": "Metric at each evaluation"},
        )
    v["metric_monte_carlo_error"] = (
        (M,),
        np.array([ev.metric.standard_error(at_nominal)]),
        {
            **_INDEX,
            "long_name": (
                "Monte Carlo standard error of the metric at the nominal point "
                "(same draws for every evaluation)"
            ),
        },
    )
    for name, fn, ln in _FACTOR_NUMBERS:
        v[name] = ((P,), np.array([fn(f) for f in factors]), {**_INDEX, "long_name": ln})
    for name, fn, ln in _FACTOR_LABELS:
        v[name] = ((P,), np.array([fn(f) for f in factors], dtype=object), {"long_name": ln})
    ds = xr.Dataset(
        {k: xr.Variable(*t) for k, t in v.items()},
        coords={
            P: (
                P,
                np.array([f.name for f in factors], dtype=object),
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
        "summary": (
            f"{method} sensitivity of {ev.metric.long_name()} to {len(factors)} inputs "
            "on common random numbers"
        ),
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
        "nominal_metric": repr(ev.metric.reduce(at_nominal)),
    }
    return ds


def _groups(factors: list[Factor]) -> list[Factor]:
    """One row per group of factors, in the order the groups first appear."""
    out = []
    for g in dict.fromkeys(f.group for f in factors):
        members = ", ".join(f.name for f in factors if f.group == g)
        out.append(
            Factor(g, "group", members, np.nan, np.nan, np.nan, "-", g, f"group of: {members}")
        )
    return out


def ranked_text(ds: xr.Dataset) -> str:
    """The factors of a ``sensitivity_dataset`` ranked by importance, as a text table: by
    Sobol ST, by Morris mu*, or by the OAT swing."""
    method = ds.attrs["method"]
    mc = float(ds["metric_monte_carlo_error"][0])
    metric = str(ds.metric.values[0])
    lines = [
        f"{ds.attrs['title']}: {ds.metric.attrs['long_name']}",
        f"metric {metric}; Monte Carlo s.e. of the metric at the nominal point {mc:.4f} "
        f"({ds.attrs['draws']} draws, common to every evaluation)",
    ]
    nominal = ds.attrs.get("nominal_metric")
    if nominal is not None and metric.startswith("p_reach") and float(nominal) in (0.0, 1.0):
        lines.append(
            f"note: the metric is {float(nominal):g} at the nominal point; "
            "the indices say which inputs can move it off "
            "that value within their ranges, and depend strongly on those ranges"
        )
    names = list(ds.parameter.values)
    groups = [str(g) for g in ds.factor_group.values]
    if method == "sobol":
        if ds.attrs.get("constant_metric") == "True":
            lines.append(
                "The metric is the same at every sample point: the indices are undefined "
                "(no input moves it over its range)."
            )
            return "\n".join(lines) + "\n"
        st = ds.sobol_ST.values[:, 0]
        lines += [
            "",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'S1':>8}{'± 95%':>8}{'ST':>8}{'± 95%':>8}",
        ]
        for r, i in enumerate(np.argsort(-np.nan_to_num(st, nan=-1)), 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{groups[i]:<15}{ds.sobol_S1.values[i, 0]:>8.3f}"
                f"{ds.sobol_S1_conf.values[i, 0]:>8.3f}{st[i]:>8.3f}"
                f"{ds.sobol_ST_conf.values[i, 0]:>8.3f}"
            )
    elif method == "morris":
        mu = ds.morris_mu_star.values[:, 0]
        lines += [
            "",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'mu*':>10}{'± 95%':>10}{'sigma':>10}",
        ]
        for r, i in enumerate(np.argsort(-mu), 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{groups[i]:<15}{mu[i]:>10.4f}"
                f"{ds.morris_mu_star_conf.values[i, 0]:>10.4f}{ds.morris_sigma.values[i, 0]:>10.4f}"
            )
    else:
        lo, hi = ds.oat_low.values[:, 0], ds.oat_high.values[:, 0]
        lines += [
            "",
            f"nominal {float(ds.oat_nominal[0]):.4f}",
            f"{'rank':>4}  {'input':<34}{'group':<15}{'low':>10}{'high':>10}{'swing':>10}",
        ]
        for r, i in enumerate(np.argsort(-np.abs(hi - lo)), 1):
            lines.append(
                f"{r:>4}  {names[i]:<34}{groups[i]:<15}{lo[i]:>10.4f}{hi[i]:>10.4f}"
                f"{hi[i] - lo[i]:>+10.4f}"
            )
    return "\n".join(lines) + "\n"
