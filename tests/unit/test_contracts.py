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


def test_payments_due_are_the_sum_over_earlier_contracts_by_vintage(baseline):
    """O_t = sum_s p_(t-s)(s) C_s over contracts on the axis and before it, in every draw, with
    the legacy profile before FY2023 and the draw's tilted buildup profile from then."""
    inp = prepare(baseline)
    sh = shocks_for(inp, 3, 0, 5)
    paths = run_engine(inp, sh)
    cp = inp.params.contracts
    tau = inp.params.per_draw("contracts.profile_tilt", sh.z_param["contracts.profile_tilt"])
    buildup = contracts.tilted_profiles(cp.buildup_profile, tau)  # (11, 5)
    assert not np.allclose(buildup[:, 0], buildup[:, 1])  # the profile differs per draw
    np.testing.assert_allclose(buildup.sum(axis=0), 1.0, rtol=1e-14)
    years = [int(y) for y in inp.axis.years]
    for j, t in enumerate(years):
        if t < inp.axis.first_initial:
            assert np.isnan(paths.payments_due[j]).all()
            continue
        want = np.zeros(5)
        for s in range(t - 10, t):
            prof = np.asarray(cp.payment_profile)[:, None] if s < cp.buildup_from else buildup
            if t - s >= len(prof):
                continue
            c = (
                paths.contracts[years.index(s)]
                if s in years
                else inp.known.contracts_before.get(s, 0.0)
            )
            want += prof[t - s] * c
        np.testing.assert_allclose(paths.payments_due[j], want, rtol=1e-13)


def test_tilt_moves_payments_later_and_keeps_the_first_year_share():
    prof = load_params().contracts.buildup_profile
    p = contracts.tilted_profiles(prof, np.array([-0.2, 0.0, 0.2]))
    np.testing.assert_allclose(p[:, 1], prof, rtol=1e-14)
    np.testing.assert_array_equal(p[0], prof[0])
    k = np.arange(len(prof))
    mean_lag = (k[:, None] * p).sum(axis=0)
    assert mean_lag[0] < mean_lag[1] < mean_lag[2]


def test_owed_after_counts_the_shares_due_after_the_year():
    prof = (0.2, 0.3, 0.5)
    np.testing.assert_allclose(contracts.owed_after(np.array([10.0]), prof, 2026, 2027), [5.0])
    np.testing.assert_allclose(contracts.owed_after(np.array([10.0]), prof, 2027, 2027), [8.0])
    np.testing.assert_allclose(contracts.owed_after(np.array([10.0]), prof, 2020, 2027), [0.0])
