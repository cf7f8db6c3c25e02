"""Property: no spending is ever negative, in any category, year or draw (issue 15).

Every shipped scenario at its own settings, at both ends of every factor of its sensitivity
analysis (drawn parameters at estimate +/- 2 s.e., eligible-share quantiles, the scenario's
levers), and at the ends of the schema's ranges of the budget rules' keys. Where a rule's level
cannot pay personnel and the payments due, the budget is raised to them and the difference is
the year's financing gap (>= 0): the test also checks that identity.
"""

import numpy as np
import pytest
from conftest import scenario
from jdef import categories as cats
from jdef.calendar import Paths, run_engine
from jdef.constants import SCENARIO_DIR
from jdef.prepare import prepare
from jdef.runner import shocks_for
from jdef.scenario import load_scenario
from jdef.sensitivity.evaluation import Evaluator

DRAWS = 200
CORE = cats.INDEX["mod_core"]
SCENARIOS = sorted(SCENARIO_DIR.glob("*.toml"))
# the ends of the schema's ranges of the budget rules' keys (scenario_schema.py)
EXTREMES = {
    "hold_real cut 20%/yr": ("post2027.real_growth=-0.2", "post2027.implementation_scale=10.0"),
    "hold_real +50%/yr": ("post2027.real_growth=0.5",),
    "grow_nominal -20%/yr": ("post2027.rule='grow_nominal'", "post2027.growth=-0.2"),
    "grow_nominal +50%/yr": ("post2027.rule='grow_nominal'", "post2027.growth=0.5"),
    "new_plan of 10": ("post2027.rule='new_plan'", "post2027.plan_total=10.0"),
    "new_plan of 0.01": ("post2027.rule='new_plan'", "post2027.plan_total=0.01"),
    "new_plan of 300": ("post2027.rule='new_plan'", "post2027.plan_total=300.0"),
    "ramp to 0.1%": (
        "post2027.rule='ramp_to_ratio'",
        "post2027.target_ratio=0.001",
        "post2027.target_year=2028",
    ),
    "ramp to 19.9%": (
        "post2027.rule='ramp_to_ratio'",
        "post2027.target_ratio=0.199",
        "post2027.target_year=2028",
    ),
    "FY2027 budget 0.01": ("plan.fy2027_budget=0.01", "plan.implementation_scale=10.0"),
    "FY2027 budget 30": ("plan.fy2027_budget=30.0",),
    "top-ups at their caps": (
        "supplementary.target_seeking=true",
        "supplementary.max_topup=20.0",
        "supplementary.fixed_topup=20.0",
    ),
}


def check(paths: Paths, what: str) -> None:
    for name in ("spending", "contracts", "payments_due", "general_material", "personnel"):
        a = getattr(paths, name)
        assert not (a < 0).any(), (what, name, float(np.nanmin(a)))
    gap = paths.financing_gap
    assert (gap >= 0).all(), what
    projected = ~np.isnan(paths.general_material)
    # core = personnel + payments due + general material costs, in every projected cell
    total = paths.personnel + paths.payments_due + paths.general_material
    np.testing.assert_allclose(
        paths.spending[:, CORE][projected], total[projected], rtol=1e-12, err_msg=what
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_no_negative_spending_in_any_scenario_or_at_any_lever_end(path):
    sc = load_scenario(path)
    ev = Evaluator(sc, "plan_cum:expenditure:0.5", DRAWS, seed=5)
    check(run_engine(ev.base, ev.shocks), sc.name)
    for f in ev.factors:
        for v in (f.low, f.high):
            check(run_engine(ev.inputs_at({f.name: v}), ev.shocks), f"{sc.name} {f.name}={v}")


@pytest.mark.parametrize("name", EXTREMES)
def test_no_negative_spending_at_the_ends_of_the_rules_ranges(name):
    inp = prepare(scenario(*EXTREMES[name]))
    check(run_engine(inp, shocks_for(inp, 5, 0, DRAWS)), name)


def test_a_new_plan_too_small_reports_a_financing_gap():
    """The issue's case: a 10-trillion five-year plan cannot pay personnel and payments due."""
    inp = prepare(scenario("post2027.rule='new_plan'", "post2027.plan_total=10.0"))
    paths = run_engine(inp, shocks_for(inp, 5, 0, DRAWS))
    j = inp.axis.idx(2032)
    assert (paths.financing_gap[j] > 0).all()
    assert (paths.spending[j, CORE] >= paths.personnel[j] + paths.payments_due[j] - 1e-12).all()
    assert (paths.contracts[j] == 0).all()  # nothing left for new contracts
