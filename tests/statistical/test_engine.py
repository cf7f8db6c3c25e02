"""Known answers: history reproduced, closed-form zero-volatility path, reproducibility."""

import dataclasses

import numpy as np
import pytest
from conftest import scenario
from jdef import categories as cats
from jdef.calendar import Paths, run_engine
from jdef.metrics import accounts
from jdef.params import load_params
from jdef.policies import load_policy
from jdef.prepare import prepare
from jdef.runner import run_draws, shocks_for, simulate


def _ratio(inp, paths, sh, label):
    acc = accounts(inp, paths, sh)
    k = [e.label for e in inp.accounting.entries].index(label)
    return acc.ratio[k].T  # (n, n_year)


def test_history_fy2025_current_with_and_without_supplementary(baseline):
    inp = prepare(baseline)
    sh = shocks_for(inp, 5, 0, 300)
    paths = run_engine(inp, sh)
    ratio = _ratio(inp, paths, sh, "current")
    j = inp.axis.idx(2025)
    # every draw has the same, published, FY2025 figure
    assert np.ptp(ratio[:, j]) == 0.0
    # about 11 trillion yen = "the 2% level" (11.03 / 560.2 = 1.97%)
    assert ratio[0, j] == pytest.approx(0.0197, abs=0.0005)
    # without supplementary budgets: about 9.9 trillion = 1.8% (reported, Yomiuri 2025-04-16)
    initial_only = inp.accounting.entries[
        [e.label for e in inp.accounting.entries].index("current")
    ]
    share = np.array(
        [
            initial_only.shares.get(n).low
            if n in initial_only.shares and cats.BY_NAME[n].kind == "initial"
            else 0.0
            for n in cats.NAMES
        ]
    )
    no_supp = share @ paths.spending[j] / inp.accounting.gdp_fy2022_goal
    assert np.ptp(no_supp) == 0.0
    assert no_supp[0] == pytest.approx(0.0176, abs=0.0005)
    # FY2024 initial: about 8.9 trillion yen, 1.6% of FY2022 GDP (Kihara, 2024-04-26)
    assert share @ paths.spending[inp.axis.idx(2024), :, 0] == pytest.approx(8.9, abs=0.05)


def test_known_years_identical_in_every_draw(baseline):
    inp = prepare(baseline)
    paths = run_engine(inp, shocks_for(inp, 5, 0, 100))
    for y in (2023, 2024):
        j = inp.axis.idx(y)
        assert np.ptp(paths.gdp[j]) == 0.0
        assert np.ptp(paths.spending[j], axis=-1).max() == 0.0
    assert paths.gdp[inp.axis.idx(2024), 0] == pytest.approx(642.4147)
    assert paths.spending[inp.axis.idx(2026), cats.INDEX["mod_core"], 0] == pytest.approx(8.8093)


def test_zero_volatility_reproduces_hand_computed_path():
    sc = scenario(
        "economy.volatility_scale=0.0",
        "economy.recessions=false",
        "plan.implementation_scale=0.0",
        "post2027.implementation_scale=0.0",
        "horizon=2032",
    )
    params = load_params().replace("budget", contract_fy2027_sd=0.0)
    # without the nowcast of FY2025 (tests/unit/test_nowcast.py), every projected year is the path
    inp = dataclasses.replace(prepare(sc, params), nowcast=None)
    paths = run_engine(inp, shocks_for(inp, 3, 0, 4))
    # nominal GDP: FY2024 level compounded along the CAO past-projection path (Jan 2026)
    real = {
        2025: 0.011,
        2026: 0.013,
        2027: 0.006,
        2028: 0.005,
        2029: 0.005,
        2030: 0.005,
        2031: 0.005,
        2032: 0.005,
    }
    defl = {
        2025: 0.031,
        2026: 0.020,
        2027: 0.011,
        2028: 0.007,
        2029: 0.007,
        2030: 0.007,
        2031: 0.007,
        2032: 0.007,
    }
    level = 642.4147
    for y in range(2025, 2033):
        # the FY2024 deviation from the path
        # (actual 0.5% vs path 0.5%; deflator 3.2% vs 3.2%) is zero
        level *= (1 + real[y]) * (1 + defl[y])
        assert paths.gdp[inp.axis.idx(y)] == pytest.approx(np.full(4, level), rel=1e-12)
    # budget: the plan's 8.9 trillion in FY2027, then held in real terms on the expected deflator
    b = 8.9
    assert paths.spending[inp.axis.idx(2027), 0] == pytest.approx(np.full(4, b), rel=1e-12)
    for y in range(2028, 2033):
        b *= 1 + defl[y]
        assert paths.spending[inp.axis.idx(y), 0] == pytest.approx(np.full(4, b), rel=1e-12)
    # FY2027 contracts: what is left of 43.5 trillion after FY2023-FY2026 (MOF, 2025-12-26)
    signed = (8.9525 + 0.1297) + (9.3625 + 0.1066) + (8.4332 + 0.1021) + 8.2607
    assert paths.contracts[inp.axis.idx(2027)] == pytest.approx(
        np.full(4, 43.5 - signed), rel=1e-12
    )
    # after FY2027 contracts are what the budget can fund after personnel and payments due
    j = inp.axis.idx(2030)
    left = paths.spending[j, 0] - paths.personnel[j] - paths.payments_due[j]
    assert paths.contracts[j] == pytest.approx(
        left / params.contracts.buildup_profile[0], rel=1e-12
    )


def test_same_seed_same_numbers_and_chunking_does_not_matter(baseline):
    inp = prepare(baseline)
    one, _ = run_draws(inp, 9000, 7, chunk=9000)
    a, _ = run_draws(inp, 9000, 7, chunk=1000)
    b, _ = run_draws(inp, 9000, 7, chunk=7919)
    for f in ("gdp", "spending", "fx", "contracts", "topup"):
        assert np.array_equal(getattr(one, f), getattr(a, f), equal_nan=True)
        assert np.array_equal(getattr(one, f), getattr(b, f), equal_nan=True)
    other, _ = run_draws(inp, 9000, 8, chunk=9000)
    assert not np.array_equal(one.gdp, other.gdp, equal_nan=True)


@pytest.mark.parametrize(
    "overrides", [(), ("supplementary.target_seeking=true",), ("post2027.rule='ramp_to_ratio'",)]
)
def test_engine_blocks_do_not_change_results(overrides):
    """run_engine works on blocks of draws (cache-sized); any block size gives the same arrays."""
    inp = prepare(scenario(*overrides))
    sh = shocks_for(inp, 11, 0, 400)
    whole = run_engine(inp, sh, block=400)
    for block in (1, 97, 256):
        part = run_engine(inp, sh, block=block)
        for f in Paths.__dataclass_fields__:
            if f != "trace":
                assert np.array_equal(getattr(whole, f), getattr(part, f), equal_nan=True), (
                    block,
                    f,
                )
        assert part.trace == whole.trace


@pytest.mark.parametrize("recessions", [True, False])
def test_expected_growth_is_the_path_with_recessions_on_or_off(recessions):
    """Recessions enter centred, delta (R - p): with the initial deviations at 0 (the baseline's
    FY2024 outturns equal the path), E[g_t] = mu_g(t) and E[pi_t] = mu_pi(t) in every projected
    year, recessions on or off. Tolerance: 4.5 Monte Carlo standard errors per year."""
    # without the nowcast of FY2025, which sets that year's deflator and so the next deviation
    inp = dataclasses.replace(
        prepare(scenario(f"economy.recessions={str(recessions).lower()}")), nowcast=None
    )
    assert inp.path.real_dev0 == 0.0 and inp.path.deflator_dev0 == 0.0
    n = 40_000
    sh = shocks_for(inp, 21, 0, n)
    paths = run_engine(inp, sh)
    proj = inp.axis.years >= inp.axis.first_econ
    for got, path in (
        (paths.real_growth[proj], inp.path.mu_real[proj]),
        (paths.deflator_growth[proj], inp.path.mu_deflator[proj]),
    ):
        mean, se = got.mean(axis=1), got.std(axis=1) / np.sqrt(n)
        assert np.all(np.abs(mean - path) < 4.5 * se), np.max(np.abs(mean - path) / se)
    if recessions:  # and the recessions are there: P(R_t = 1) is each draw's own probability
        p = inp.params.per_draw("economy.recession_prob", sh.z_param["economy.recession_prob"])
        share = paths.recession[proj].mean(axis=0)  # per draw
        assert abs(share.mean() - p.mean()) < 4.5 * share.std() / np.sqrt(n)


def test_accounts_of_all_policies_equal_each_policy_alone(baseline):
    """accounts() sums every policy's counting rules together, year by year; the result is bit for
    bit that of each policy alone (entry_accounts, used by the sensitivity analysis)."""
    from jdef.metrics import entry_accounts

    inp = prepare(baseline)
    sh = shocks_for(inp, 4, 0, 700)
    paths = run_engine(inp, sh)
    acc = accounts(inp, paths, sh)
    for k, e in enumerate(inp.accounting.entries):
        c, d = entry_accounts(inp, paths, sh, e)
        assert np.array_equal(acc.counted[k], c, equal_nan=True), e.label
        assert np.array_equal(acc.ratio[k], c / d, equal_nan=True), e.label


def test_simulate_twice_identical(baseline):
    a = simulate(baseline, draws=500, seed=3)
    b = simulate(baseline, draws=500, seed=3)
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values)


def test_probabilities_in_unit_interval_and_consistent(baseline):
    ds = simulate(baseline, draws=2000, seed=4)
    for v in ds.data_vars:
        if v.startswith("probability_of") and not v.endswith("standard_error"):
            x = ds[v].values
            assert np.all((x >= 0) & (x <= 1)), v
    p_by = ds["probability_of_spending_ratio_reached_threshold_by_year"]
    p_in = ds["probability_of_spending_ratio_above_threshold"]
    assert (p_by >= p_in - 1e-12).all()
    assert (p_by.diff("fiscal_year") >= -1e-12).all()
    # first-year masses add up to P(reached by the horizon)
    first = ds["probability_of_first_reaching_threshold"].sum("fiscal_year")
    np.testing.assert_allclose(first, p_by.isel(fiscal_year=-1), atol=1e-12)


def test_monte_carlo_probability_matches_analytic_case():
    """P(FY2027 budget >= plan) with only the implementation error: analytically 1/2."""
    n = 40_000
    sc = scenario("economy.volatility_scale=0.0", "economy.recessions=false", "horizon=2028")
    inp = prepare(sc)
    paths = run_engine(inp, shocks_for(inp, 9, 0, n))
    above = paths.spending[inp.axis.idx(2027), 0] >= inp.plan.fy2027_budget
    se = np.sqrt(0.25 / n)
    assert abs(above.mean() - 0.5) < 4 * se


def test_policies_ship():
    for name in ("mod-core", "current", "broadened", "current-gdp", "nato-style"):
        assert load_policy(name).name == name


def test_missing_values_are_not_counted_as_reaching_a_target():
    from jdef.metrics import target_probabilities

    ratio = np.full((1, 3, 4), 0.03)
    ratio[0, 1, 0] = np.nan
    tp = target_probabilities(ratio, np.array([0.02]))
    assert (
        np.isnan(tp["p_above"][0, 1, 0])
        and tp["p_above"][0, 0, 0] == 1.0
        and tp["p_above"][0, 2, 0] == 1.0
    )
    assert np.isnan(tp["p_by"][0, 2, 0])  # reached-by needs every earlier year


def test_target_seeking_topup_reaches_its_target_in_every_draw():
    """A top-up that closes the gap lands on the target up to rounding; it counts as reached."""
    sc = scenario(
        "supplementary.target_seeking=true", "supplementary.max_topup=20.0", "horizon=2030"
    )
    ds = simulate(sc, draws=2000, seed=3)
    p = ds["probability_of_spending_ratio_above_threshold"].sel(policy="current", threshold=0.02)
    assert (p.sel(fiscal_year=[2026, 2027, 2028, 2029, 2030]) == 1.0).all()


def test_plan_accounts_against_the_right_totals():
    ds = simulate(scenario(), draws=500, seed=2)
    assert float(ds["plan_budget_total"]) == 40.5 and float(ds["plan_level_total"]) == 43.0
    # initial budgets FY2023-26 are known (33.6091 tn) and FY2027 is about 8.9
    assert float(ds["plan_cumulative_initial"].sel(percentile=50)) == pytest.approx(
        6.6001 + 7.7249 + 8.4748 + 8.8093 + 8.9, abs=0.05
    )
    assert float(ds["plan_cumulative_expenditure"].sel(percentile=50)) > float(
        ds["plan_cumulative_initial"].sel(percentile=50)
    )
