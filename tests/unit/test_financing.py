"""The 2022 financing plan against spending after FY2027 (issue 15)."""

import numpy as np
import pytest
from conftest import scenario
from jdef import categories as cats
from jdef.calendar import run_engine
from jdef.metrics import plan_accounts
from jdef.prepare import prepare
from jdef.runner import shocks_for


def test_financing_plan_is_read_from_the_data():
    inp = prepare(scenario())
    f = inp.plan.financing_after_plan
    assert f == {
        "fy2022_base": 5.2,
        "fund": 0.9,
        "settlement_surplus": 0.7,
        "spending_reform": 1.0,
        "tax_measures": 1.0,
    }


def test_spending_above_the_financing_plan_is_budgets_less_sources():
    inp = prepare(scenario())
    paths = run_engine(inp, shocks_for(inp, 2, 0, 50))
    got = plan_accounts(inp, paths)["unfinanced_after_plan"]
    j1 = inp.axis.idx(2028)
    core = paths.spending[j1:, cats.INDEX["mod_core"]]
    want = (core - 8.8).sum(axis=0)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.mean() == pytest.approx(want.mean())
