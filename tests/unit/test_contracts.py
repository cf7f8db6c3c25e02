"""The contract pipeline (jdef.contracts), alone and in the engine."""

import numpy as np
import pytest
from jdef import contracts
from jdef.calendar import run_engine
from jdef.params import load_params
from jdef.prepare import prepare
from jdef.runner import shocks_for


def test_later_payments_follow_the_profile_and_leave_the_contracts_alone():
    signed = np.array([10.0, 20.0])
    got = contracts.later_payments(signed, (0.1, 0.3, 0.6))
    np.testing.assert_allclose(got, [[3.0, 6.0], [6.0, 12.0]])
    np.testing.assert_array_equal(signed, [10.0, 20.0])


def test_first_year_and_later_payments_add_up_to_the_contract():
    prof = load_params().contracts.payment_profile
    assert sum(prof) == pytest.approx(1.0)
    signed = np.array([1.0, 7.5])
    later = contracts.later_payments(signed, prof)
    assert later.shape == (len(prof) - 1, 2)
    np.testing.assert_allclose(prof[0] * signed + later.sum(axis=0), signed, rtol=1e-14)


def test_payments_due_are_the_sum_over_earlier_contracts(baseline):
    """O_t = sum_k p_k C_{t-k}, over contracts on the axis and before it, in every draw."""
    inp = prepare(baseline)
    paths = run_engine(inp, shocks_for(inp, 3, 0, 5))
    prof = inp.params.contracts.payment_profile
    years = [int(y) for y in inp.axis.years]
    for j, t in enumerate(years):
        if t < inp.axis.first_initial:
            assert np.isnan(paths.payments_due[j]).all()
            continue
        want = np.zeros(5)
        for k in range(1, len(prof)):
            s = t - k
            if s in years:
                want += prof[k] * paths.contracts[years.index(s)]
            else:
                want += prof[k] * inp.known.contracts_before.get(s, 0.0)
        np.testing.assert_allclose(paths.payments_due[j], want, rtol=1e-13)
