"""Sensitivity analysis: known answers (Ishigami), ranking, reproducibility, solve, bad metrics."""

import dataclasses
import math

import numpy as np
import pytest
from conftest import scenario
from jdef.calendar import run_engine
from jdef.cli import app
from jdef.constants import SCENARIO_DIR
from jdef.params import load_params
from jdef.prepare import prepare
from jdef.runner import shocks_for
from jdef.sensitivity import Factor, parse_metric, run_morris, run_oat, run_sobol, solve
from typer.testing import CliRunner


class Toy:
    """A stand-in evaluator: a function of named factors."""

    def __init__(self, factors, fn):
        self.factors, self.fn = factors, fn

    def __call__(self, x):
        return self.fn(x)


def _factors(names, low, high):
    return [Factor(n, "scenario", n, low, high, (low + high) / 2, "1", "g", "test") for n in names]


def ishigami(x, a=7.0, b=0.1):
    return math.sin(x["x1"]) + a * math.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * math.sin(x["x1"])


def test_sobol_recovers_ishigami_indices():
    # analytic values (Ishigami & Homma 1990; SALib test_functions/Ishigami.py)
    s1 = np.array([0.3139, 0.4424, 0.0])
    st = np.array([0.5576, 0.4424, 0.2437])
    toy = Toy(_factors(["x1", "x2", "x3"], -math.pi, math.pi), ishigami)
    res = run_sobol(toy, 2048, seed=3)
    # within the 95% bootstrap interval, widened by 50% for the interval's own sampling error
    assert np.all(np.abs(res["S1"] - s1) <= 1.5 * res["S1_conf"] + 0.01)
    assert np.all(np.abs(res["ST"] - st) <= 1.5 * res["ST_conf"] + 0.01)
    again = run_sobol(toy, 2048, seed=3)
    np.testing.assert_array_equal(res["S1"], again["S1"])
    np.testing.assert_array_equal(res["ST"], again["ST"])


def test_all_methods_rank_the_dominant_input_first():
    toy = Toy(
        _factors(["a", "b", "c", "d"], 0.0, 1.0),
        lambda x: 10 * x["c"] + 0.5 * x["a"] + 0.1 * x["b"] * x["d"],
    )
    oat = run_oat(toy)
    assert np.argmax(np.abs(oat["high"] - oat["low"])) == 2
    assert np.argmax(run_morris(toy, 40, seed=1)["mu_star"]) == 2
    assert np.argmax(run_sobol(toy, 256, seed=1)["ST"]) == 2


def test_grouped_sobol_ranks_the_dominant_group_first():
    fs = [
        Factor(n, "scenario", n, 0.0, 1.0, 0.5, "1", g, "test")
        for n, g in (
            ("a", "economy"),
            ("b", "economy"),
            ("c", "budget policy"),
            ("d", "accounting"),
        )
    ]
    toy = Toy(fs, lambda x: 10 * x["c"] + 0.5 * x["a"] + 0.1 * x["b"] * x["d"])
    res = run_sobol(toy, 256, seed=1, grouped=True)
    assert (
        len(res["ST"]) == 3 and np.argmax(res["ST"]) == 1
    )  # groups in order: economy, budget policy, accounting


def test_solve_matches_closed_form_at_zero_volatility():
    sc = scenario(
        "economy.volatility_scale=0.0",
        "economy.recessions=false",
        "plan.implementation_scale=0.0",
        "post2027.implementation_scale=0.0",
        "supplementary.enabled=false",
        "horizon=2032",
        "policies=['current-gdp']",
    )
    params = dataclasses.replace(load_params().replace("budget", related_growth_sd=0.0), drawn=())
    r = solve(
        sc, 0.02, 2030, "current-gdp", 0.8, "post2027_growth", draws=64, seed=1, params=params
    )
    # closed form: counted(2030) = 8.9 (1 + x)^3 + other categories (which do not depend on x)
    inp = prepare(
        sc.model_copy(
            update={
                "post2027": sc.post2027.model_copy(update={"rule": "grow_nominal", "growth": 0.0})
            }
        ),
        params,
    )
    paths = run_engine(inp, shocks_for(inp, 1, 0, 4))
    j = inp.axis.idx(2030)
    e = inp.accounting.entries[0]
    counted_all = sum(
        e.shares[c].low * paths.spending[j, k, 0]
        for k, c in enumerate(__import__("jdef").categories.NAMES)
        if c in e.shares
    )
    core = paths.spending[j, 0, 0]
    others = counted_all - core
    x = ((0.02 * paths.gdp_reported[j, 0] - others) / core) ** (1 / 3) - 1  # core = 8.9 at growth 0
    assert r["value"] == pytest.approx(x, abs=1e-6)


def test_solve_baseline_answers():
    r = solve(scenario(), 0.02, 2030, "current-gdp", 0.8, "post2027_growth", draws=500, seed=2)
    assert 0.0 < r["value"] < 0.2 and r["probability"] >= 0.8 and r["standard_error"] > 0


@pytest.mark.parametrize(
    "metric,field",
    [
        ("p_reach:2035:0.035:imaginary", "unknown policy"),
        ("p_reach:2099:0.035:current", "outside"),
        ("p_reach:20x5:0.035:current", "not a number"),
        ("wobble:2030:0.5:current", "unknown metric"),
        ("plan_cum:fuzzy:0.5", "plan_cum"),
    ],
)
def test_bad_metric_exits_2(tmp_path, metric, field):
    res = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(SCENARIO_DIR / "baseline.toml"),
            "--method",
            "oat",
            "--metric",
            metric,
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "--metric" in res.stderr and field in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "lever,message,refused_by_run",
    [
        ('key = "param:supplementary.prob"\nlow = 0.5\nhigh = 1.5', "valid range [0.0, 1.0]", True),
        ('key = "param:supplementary.nope"\nlow = 0.5\nhigh = 1.0', "no such parameter", True),
        ('key = "share:nonexistent"\nlow = 0.1\nhigh = 0.9', "no such category", True),
        ('key = "share:mod_core"\nlow = 0.1\nhigh = 0.9', "uncertain share", False),
        ('key = "economy.nope"\nlow = 0.1\nhigh = 0.9', "not a numeric scenario key", True),
        ('key = "horizon"\nlow = 2030\nhigh = 2040', "not a numeric scenario key", True),
        ('key = "seed"\nlow = 1\nhigh = 9', "not a numeric scenario key", True),
    ],
)
def test_bad_lever_exits_2_naming_the_lever(tmp_path, lever, message, refused_by_run):
    f = tmp_path / "lv.toml"
    f.write_text(
        f'extends = "{SCENARIO_DIR / "baseline.toml"}"\nname = "lv"\n'
        f'[sensitivity.levers.bad]\n{lever}\nsource = "test"\n'
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["sensitivity", str(f), "--method", "oat", "--draws", "100", "--out", str(out)]
    )
    assert res.exit_code == 2, res.output
    assert (
        "lv.toml" in res.stderr and "sensitivity.levers.bad" in res.stderr and message in res.stderr
    )
    assert "Traceback" not in res.stderr and not out.exists()
    run = CliRunner().invoke(app, ["run", str(f), "--draws", "100", "--out", str(out)])
    assert (run.exit_code == 2) == refused_by_run, (
        run.output
    )  # a run reads the table's keys, not the policies


def test_metric_parser_accepts_buckets():
    inp = prepare(scenario())
    m = parse_metric("p_reach_by:2035:0.035:nato-style:core", inp)
    assert m.policy == "nato-style:core" and m.year == 2035


def test_oat_cli_writes_outputs(tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(SCENARIO_DIR / "baseline.toml"),
            "--method",
            "oat",
            "--metric",
            "ratio_q:2030:0.5:current-gdp",
            "--draws",
            "200",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "baseline_sensitivity_oat.nc").exists() and (
        tmp_path / "baseline_sensitivity_oat.png"
    ).exists()
    assert "post2027_real_growth" in res.stdout
    # the report command takes a sensitivity result too
    rep = CliRunner().invoke(app, ["report", str(tmp_path / "baseline_sensitivity_oat.nc")])
    assert rep.exit_code == 0, rep.output
    html = (tmp_path / "baseline_sensitivity_oat.html").read_text()
    assert (
        "Inputs varied" in html
        and "data:image/png;base64," in html
        and "post2027_real_growth" in html
    )


def test_unreachable_scheduler_exits_1_quickly(tmp_path):
    import time

    t = time.time()
    res = CliRunner().invoke(
        app,
        [
            "sensitivity",
            str(SCENARIO_DIR / "baseline.toml"),
            "--method",
            "oat",
            "--draws",
            "50",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 1 and "cannot reach" in res.stderr
    assert time.time() - t < 10
