"""Budget kernels and the post-FY2027 rule table on hand-written inputs (jdef.budget)."""

import math

import numpy as np
import pytest
from jdef import budget
from jdef.scenario import PostPlan, PostRule


def test_toward_reaches_the_target_in_the_years_left():
    prev = np.array([8.0])
    assert budget.toward(prev, 10.0, 2)[0] == pytest.approx(math.sqrt(80.0), rel=1e-15)
    assert budget.toward(prev, 10.0, 1)[0] == pytest.approx(10.0, rel=1e-15)


def test_noisy_is_a_lognormal_factor():
    got = budget.noisy(np.array([2.0, 2.0]), 0.1, np.array([0.0, 10.0]))
    np.testing.assert_allclose(got, [2.0, 2.0 * math.e], rtol=1e-15)


def test_ramp_required_steps_the_ratio_and_floors_at_zero():
    # step to 0.015 of 600 = 9, less 3 counted elsewhere, over a counted share of 0.5
    got = budget.ramp_required(
        np.array([0.01, 0.01]),
        0.02,
        2,
        np.array([600.0, 600.0]),
        np.array([3.0, 20.0]),
        np.array([0.5, 0.5]),
    )
    np.testing.assert_allclose(got, [12.0, 0.0])


def test_new_plan_levels_add_up_to_the_plan_total():
    base = np.array([10.0])
    levels = [budget.new_plan_level(base, k, 60.0)[0] for k in range(1, 6)]
    assert sum(levels) == pytest.approx(60.0, rel=1e-14)
    assert levels[0] == pytest.approx(10.0 + 2.0 / 3.0)


def test_supplementary_occurs_and_scales_with_the_initial_budget():
    got = budget.supplementary(
        np.array([1.0, 0.0]), math.log(0.1), 0.5, np.zeros(2), np.array([10.0, 10.0])
    )
    np.testing.assert_allclose(got, [1.0, 0.0], rtol=1e-15)


def test_topup_closes_the_gap_within_its_cap():
    got = budget.topup(
        0.02,
        np.full(4, 500.0),
        np.array([9.0, 11.0, 9.0, 5.0]),
        np.array([0.5, 0.5, 0.0, 0.5]),
        3.0,
    )
    # gaps 1, -1, 1 (nothing counted), 5 -> 2, 0, 0, capped 3
    np.testing.assert_allclose(got, [2.0, 0.0, 0.0, 3.0])


def test_related_step_grows_a_block_of_categories_in_place():
    out = np.empty((2, 1))
    budget.related_step(np.array([[1.0], [2.0]]), np.array([1.1]), 0.0, np.zeros((2, 1)), out=out)
    np.testing.assert_allclose(out, [[1.1], [2.2]], rtol=1e-15)


def _after(year, ramp=None):
    return budget.AfterPlan(
        year=year,
        prev=np.array([10.0]),
        expected_deflator=0.02,
        plan_end=np.array([9.0]),
        ramp=ramp,
    )


def test_every_post2027_rule_has_a_kernel():
    assert set(budget.AFTER_PLAN) == set(PostRule)


def test_post2027_rule_kernels():
    rule = budget.AFTER_PLAN
    hold = PostPlan(rule=PostRule.hold_real, real_growth=0.01)
    assert rule[PostRule.hold_real](_after(2028), hold)[0] == pytest.approx(10.0 * 1.02 * 1.01)
    grow = PostPlan(rule=PostRule.grow_nominal, growth=0.05)
    assert rule[PostRule.grow_nominal](_after(2028), grow)[0] == pytest.approx(10.5)
    plan = PostPlan(rule=PostRule.new_plan, plan_total=60.0)
    # FY2028 is year 1 of the new plan: from FY2027's 9.0, step (60 - 45) / 15 = 1
    assert rule[PostRule.new_plan](_after(2028), plan)[0] == pytest.approx(10.0)
    assert rule[PostRule.new_plan](_after(2032), plan)[0] == pytest.approx(14.0)
    assert rule[PostRule.new_plan](_after(2033), plan)[0] == pytest.approx(10.2)  # then real
    ramp = PostPlan(rule=PostRule.ramp_to_ratio, target_ratio=0.02, target_year=2029)
    r = budget.Ramp(np.array([0.01]), np.array([600.0]), np.array([3.0]), np.array([0.5]))
    # FY2028, two years left: the same step as in test_ramp_required_...
    assert rule[PostRule.ramp_to_ratio](_after(2028, r), ramp)[0] == pytest.approx(12.0)
    with pytest.raises(ValueError, match="ramp"):
        rule[PostRule.ramp_to_ratio](_after(2028), ramp)
