"""Mixture weights as levers of `sensitivity` and `solve` (common random numbers)."""

import numpy as np
import pytest
from jdef import load_scenario
from jdef.constants import SCENARIO_DIR
from jdef.errors import InputError
from jdef.mixtures import branch_scenario
from jdef.sensitivity import Evaluator, factor_table, solve

MIX = SCENARIO_DIR / "late-2026-mixture.toml"
METRIC = "p_reach:2035:0.035:current-gdp"


@pytest.fixture(scope="module")
def ev():
    return Evaluator(load_scenario(MIX), METRIC, 400, 9)


def test_weight_levers_are_factors(ev):
    f = {x.name: x for x in ev.factors}
    assert f["weight_floor"].kind == "weight" and f["weight_floor"].nominal == 0.05
    assert f["weight_ramp_3_5"].key == "ramp-3p5pct-2035"


def test_mixture_metric_is_the_weighted_branch_metrics(ev):
    sc = ev.scenario
    p = {
        k: Evaluator(branch_scenario(sc, k), METRIC, 400, 9, factors=[])({})
        for k in sc.mixture.branches
    }
    want = sum(sc.mixture.branches[k].weight * p[k] for k in p)
    assert ev({}) == pytest.approx(want, abs=1e-12)
    # a weight lever moves the metric linearly; weight 1 gives the branch alone
    assert ev({"weight_ramp_3_5": 1.0}) == pytest.approx(p["ramp-3p5pct-2035"], abs=1e-12)
    lo, mid, hi = (ev({"weight_ramp_3_5": w}) for w in (0.0, 0.25, 0.5))
    assert mid == pytest.approx(0.5 * (lo + hi), abs=1e-12)
    # the per-draw values' mean is the metric
    assert ev.per_draw_at({}).mean() == pytest.approx(ev({}), abs=1e-12)


def test_solve_finds_the_branch_weight_for_an_even_chance():
    sc = load_scenario(MIX)
    r = solve(sc, 0.035, 2035, "current-gdp", 0.5, "weight:ramp-3p5pct-2035", 400, 9)
    assert 0 < r["value"] < 1 and r["probability"] == pytest.approx(0.5, abs=1e-9)
    assert np.isfinite(r["standard_error"]) and r["standard_error"] > 0


def test_solve_weight_needs_a_mixture_branch():
    with pytest.raises(InputError) as e:
        solve(load_scenario(MIX), 0.035, 2035, "current-gdp", 0.5, "weight:nope", 100, 1)
    assert e.value.file == "lever" and "no branch 'nope'" in e.value.message
    base = load_scenario(SCENARIO_DIR / "baseline.toml")
    with pytest.raises(InputError):
        solve(base, 0.035, 2035, "current-gdp", 0.5, "weight:floor", 100, 1)


def test_factor_table_of_the_mixture_lists_weights():
    ev = Evaluator(load_scenario(MIX), METRIC, 50, 1)
    kinds = {f.kind for f in factor_table(ev.scenario, ev.base)}
    assert "weight" in kinds


def test_a_branch_target_policy_outside_the_reported_ones_works_with_levers(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text(
        f'extends = "{SCENARIO_DIR / "no-new-plan-floor.toml"}"\nname = "m"\n'
        '[mixture.branches.a]\nweight = 0.5\nsource = "x"\npost2027 = { rule = "hold_real" }\n'
        '[mixture.branches.b]\nweight = 0.5\nsource = "x"\npost2027 = { rule = "ramp_to_ratio", '
        'target_ratio = 0.03, target_year = 2035, target_policy = "broadened-gdp" }\n'
    )
    ev = Evaluator(load_scenario(f), METRIC, 50, 2)
    assert 0.0 <= ev({"real_growth_shift": 0.01}) <= 1.0
