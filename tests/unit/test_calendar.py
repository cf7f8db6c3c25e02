"""The fiscal calendar and its events on hand-written shocks (jdef.calendar, jdef.events)."""

import dataclasses
import math

import numpy as np
import pytest
from jdef import categories as cats
from jdef import events, load_scenario
from jdef.calendar import EVENTS, run_engine
from jdef.constants import PLAN_LAST_YEAR, SCENARIO_DIR
from jdef.context import drawn, run_constants
from jdef.prepare import prepare
from jdef.shocks import Shocks
from jdef.state import allocate, initial_carry

N = 3
CORE, SACO = cats.INDEX["mod_core"], cats.INDEX["saco_realignment"]


@pytest.fixture(scope="module")
def inp():
    sc = load_scenario(SCENARIO_DIR / "baseline.toml", ["economy.recessions=false", "horizon=2032"])
    # without the nowcast of FY2025 (tests/unit/test_nowcast.py), every projected year is the path
    return dataclasses.replace(prepare(sc), nowcast=None)


def quiet(inp) -> Shocks:
    """Hand-written shocks: every normal 0, the t mixing variable at its mean (factor 1), every
    uniform 1 (no recession, no supplementary budget), parameters at their point values."""
    y, c = inp.axis.n_year, len(cats.NAMES)
    zero = np.zeros((y, N))
    return Shocks(
        years=inp.axis.years,
        n_real=zero,
        n_deflator=zero,
        chi2=np.full((y, N), inp.params.economy.t_df - 2.0),
        u_recession=np.ones((y, N)),
        z_outlook=zero,
        z_fx=zero,
        z_budget=zero,
        z_contract=zero,
        u_supp=np.ones((y, N)),
        z_supp=zero,
        z_related=np.zeros((y, c, N)),
        z_revision=np.zeros(N),
        z_nowcast=np.zeros(N),
        u_shares={},
        z_param={},
    )


def test_event_trace_is_every_event_of_every_year_in_order(inp):
    trace = run_engine(inp, quiet(inp)).trace
    want = [
        (float(t) + k / len(EVENTS), int(t), name)
        for t in inp.axis.years
        for k, name in enumerate(EVENTS)
    ]
    assert [(y, e) for _, y, e in trace] == [(y, e) for _, y, e in want]
    np.testing.assert_allclose([t for t, _, _ in trace], [t for t, _, _ in want], rtol=1e-15)


def test_zero_shocks_give_the_closed_form_path(inp):
    p, ax, path = inp.params, inp.axis, inp.path
    paths = run_engine(inp, quiet(inp))
    j0 = ax.idx(ax.first_econ)
    gdp = paths.gdp[j0 - 1, 0]
    fx = paths.fx[ax.idx(ax.first_fx) - 1, 0]
    core = paths.spending[ax.idx(2026), CORE, 0]
    a = path.fx_anchor
    for j in range(j0, ax.n_year):
        t = int(ax.years[j])
        mu_g, mu_pi = path.mu_real[j], path.mu_deflator[j]
        # the economy is its path: no shock, no deviation to revert, no recession
        np.testing.assert_allclose(paths.real_growth[j], mu_g, rtol=1e-15)
        np.testing.assert_allclose(paths.deflator_growth[j], mu_pi, rtol=1e-15)
        if np.isnan(inp.known.outlook_growth[j]):  # the outlook: the path plus the bias
            bias = p.outlook.bias
            want = gdp * ((1 + mu_g) * (1 + mu_pi) - 1 + bias + 1)
            np.testing.assert_allclose(paths.gdp_outlook[j], want, rtol=1e-13)
        gdp *= (1 + mu_g) * (1 + mu_pi)
        np.testing.assert_allclose(paths.gdp[j], gdp, rtol=1e-13)
        np.testing.assert_array_equal(paths.gdp_reported[j], paths.gdp[j])  # revision factor 1
        if t >= ax.first_fx:  # the yen reverts towards its anchor
            fx = math.exp(math.log(a) + p.fx.ar * (math.log(fx) - math.log(a)))
            np.testing.assert_allclose(paths.fx[j], fx, rtol=1e-13)
        assert (paths.recession[j] == 0.0).all()
        if t < ax.first_initial:
            continue
        # the plan's FY2027 budget, then held in real terms on the expected deflator
        core = inp.plan.fy2027_budget if t == PLAN_LAST_YEAR else core * (1 + mu_pi)
        np.testing.assert_allclose(paths.spending[j, CORE], core, rtol=1e-13)
        if t > PLAN_LAST_YEAR:
            # new contracts: what is left after personnel and payments due, over p0
            left = core - paths.personnel[j] - paths.payments_due[j]
            np.testing.assert_allclose(
                paths.contracts[j], left / p.contracts.buildup_profile[0], rtol=1e-12
            )
        # no supplementary budget: executed is the initial MoD budget less the unspent share
        s = paths.spending[j]
        for name in (
            "mod_supplementary",
            "saco_realignment_supplementary",
            "related_supplementary",
        ):
            assert (s[cats.INDEX[name]] == 0.0).all(), (t, name)
        np.testing.assert_allclose(
            paths.executed[j], (s[CORE] + s[SACO]) * (1 - p.budget.unspent_share), rtol=1e-13
        )


def test_zero_shocks_related_groups_meet_their_fy2027_targets(inp):
    paths = run_engine(inp, quiet(inp))
    j = inp.axis.idx(PLAN_LAST_YEAR)
    assert inp.plan.group_targets_2027
    for group, target in inp.plan.group_targets_2027.items():
        members = [
            cats.INDEX[c.name] for c in cats.CATEGORIES if c.group == group and c.kind == "initial"
        ]
        np.testing.assert_allclose(paths.spending[j, members].sum(axis=0), target, rtol=1e-13)
    # after the plan, related categories grow with the expected nominal GDP
    k = cats.INDEX["coast_guard"]
    factor = paths.gdp_outlook[j + 1] / paths.gdp[j]
    np.testing.assert_allclose(paths.spending[j + 1, k], paths.spending[j, k] * factor, rtol=1e-13)


def test_fy2027_contracts_are_what_is_left_of_the_plan_total(inp):
    paths = run_engine(inp, quiet(inp))
    ax = inp.axis
    j = ax.idx(PLAN_LAST_YEAR)
    signed = np.nansum(paths.contracts[ax.idx(2023) : j], axis=0)
    np.testing.assert_allclose(paths.contracts[j], inp.plan.contract_total - signed, rtol=1e-13)


def test_economy_event_returns_the_new_carry_and_writes_only_its_year(inp):
    sh = quiet(inp)
    sh = Shocks(**{**sh.__dict__, "n_real": np.full_like(sh.n_real, 1.0)})
    run, st = run_constants(inp), allocate(inp, N)
    dr, c = drawn(run, sh), initial_carry(inp.axis, inp.path, allocate(inp, N))
    j = inp.axis.idx(inp.axis.first_econ)
    before = st.gdp.copy()
    out = events.economy_event(run, dr, st, c, sh, j)
    assert (c.real_dev == inp.path.real_dev0).all()  # the carry handed in is untouched
    sd = inp.params.economy.real_sd * inp.params.economy.fan_scale  # the calibrated fan scale
    np.testing.assert_allclose(out.real_dev, sd * 1.0, rtol=1e-12)  # shock 1 x s.d., mixing 1
    np.testing.assert_allclose(st.real_growth[j], inp.path.mu_real[j] + sd, rtol=1e-12)
    rows = np.arange(inp.axis.n_year) != j
    np.testing.assert_array_equal(st.gdp[rows], before[rows])
