"""Stacked sensitivity evaluations (Evaluator.evaluate_many: several points on the draw axis of
one engine run, their factors given per draw) give the same numbers, bit for bit, as the points
evaluated one at a time (Evaluator.__call__: inputs rebuilt, one engine run each)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT
from jdef import load_scenario
from jdef.context import PER_DRAW_PARAMS, PER_DRAW_SCENARIO, PerDraw, run_constants
from jdef.sensitivity.evaluation import STACK, Evaluator
from jdef.sensitivity.factors import nominal_point
from jdef.sensitivity.methods import _problem
from SALib.sample import sobol as ss

DRAWS = 200


def _sobol_points(ev: Evaluator, n: int) -> list[dict[str, float]]:
    X = ss.sample(_problem(ev.factors, grouped=False), n, calc_second_order=False, seed=3)
    names = [f.name for f in ev.factors]
    return [dict(zip(names, row, strict=True)) for row in X]


@pytest.mark.parametrize(
    ("scenario", "metric"),
    [
        ("baseline", "ratio_q:2035:0.5:current-gdp"),  # a continuous metric: every bit shows
        ("baseline", "p_reach_by:2035:0.02:current-gdp"),  # the CLI's default
        ("baseline", "ratio_q:2040:0.9:nato-style"),  # the whole horizon, uncertain shares
        ("baseline", "plan_cum:expenditure:0.5"),  # evaluated one at a time after the engine
        # the ramp rule counts by its own policy entry in the engine (PerDraw.shares)
        ("ramp-3.5pct-gdp-2035-current", "ratio_q:2033:0.5:current-gdp"),
    ],
)
def test_stacked_equals_one_at_a_time(scenario, metric):
    ev = Evaluator(load_scenario(ROOT / "scenarios" / f"{scenario}.toml"), metric, DRAWS, 11)
    xs = _sobol_points(ev, 2)  # 2 x (20 + 2) points: two full batches and a part one
    assert len(xs) > STACK
    one = np.array([ev(x) for x in xs])
    many = np.array(ev.evaluate_many(xs))
    assert np.ptp(one) > 0  # the points differ: the comparison is not between constants
    np.testing.assert_array_equal(many, one)


def test_stacked_oat_rows_group_by_topup():
    """OAT's rows: a fixed top-up of zero and a positive one need their own inputs (an
    announced pledge applies only without one), and are still each the one-at-a-time value."""
    ev = Evaluator(
        load_scenario(ROOT / "scenarios/baseline.toml"), "ratio_q:2030:0.5:current-gdp", DRAWS, 5
    )
    nom = nominal_point(ev.factors)
    rows = [{**nom, f.name: v} for f in ev.factors for v in (f.low, f.high)]
    keys = {ev._stack_key(x) for x in rows}
    assert len(keys) == 2
    np.testing.assert_array_equal(ev.evaluate_many(rows), [ev(x) for x in rows])


def test_a_wrong_value_per_draw_shows():
    """The comparison can fail: one point's parameter given wrong in the stack changes that
    point's metric and only that one."""
    ev = Evaluator(
        load_scenario(ROOT / "scenarios/baseline.toml"), "ratio_q:2035:0.5:current-gdp", DRAWS, 11
    )
    xs = _sobol_points(ev, 1)[:3]
    wrong = [dict(x) for x in xs]
    wrong[1]["economy.real_ar"] = xs[1]["economy.real_ar"] + 0.05
    a, b = ev.evaluate_many(xs), ev.evaluate_many(wrong)
    assert a[0] == b[0] and a[2] == b[2] and a[1] != b[1]


def test_engine_refuses_what_it_cannot_take_per_draw():
    inp = Evaluator(
        load_scenario(ROOT / "scenarios/baseline.toml"), "ratio_q:2035:0.5:current-gdp", 20, 1
    ).base
    with pytest.raises(ValueError, match="not given per draw"):
        run_constants(inp, PerDraw(params={"budget.unspent_share": np.zeros(20)}))
    with pytest.raises(ValueError, match="not given per draw"):
        run_constants(inp, PerDraw(scenario={"post2027.target_year": np.zeros(20)}))
    run_constants(inp, PerDraw(params={k: np.zeros(20) for k in PER_DRAW_PARAMS}))
    with pytest.raises(ValueError, match="not given per draw"):  # the shifted path instead
        run_constants(inp, PerDraw(scenario={"economy.real_growth_shift": np.zeros(20)}))
    numbers = [k for k in PER_DRAW_SCENARIO if not k.startswith("economy.")]
    run_constants(inp, PerDraw(scenario={k: np.zeros(20) for k in numbers}))


@pytest.mark.slow  # starts a local dask cluster (about 5 s)
def test_batches_on_dask_workers_and_threads_give_the_same_numbers():
    """The batches of evaluate_many sent to a dask worker (the evaluator pickled without its
    caches) and run on this process's threads give the numbers of one point at a time."""
    from jdef.parallel import execution
    from jdef.sensitivity.methods import run_sobol

    sc = load_scenario(ROOT / "scenarios/baseline.toml")
    ev = Evaluator(sc, "ratio_q:2035:0.5:current-gdp", DRAWS, 7)
    ref = run_sobol(ev, 2, 7, mapper=lambda fn, items: [fn(x) for x in items])
    one = np.array([ev(dict(zip([f.name for f in ev.factors], r, strict=True))) for r in ref["X"]])
    np.testing.assert_array_equal(ref["Y"], one)
    for workers in (None, 1):
        with execution(workers, None) as ex:
            res = run_sobol(Evaluator(sc, "ratio_q:2035:0.5:current-gdp", DRAWS, 7), 2, 7, ex.map)
        np.testing.assert_array_equal(res["Y"], ref["Y"])
        np.testing.assert_array_equal(res["ST"], ref["ST"])
