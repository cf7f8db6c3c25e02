"""Issue 14: the as-published policy reproduces the published figures, the revised FY2022
denominator, amount targets, and announced decisions applied as of a date."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from conftest import scenario
from jdef.calendar import run_engine
from jdef.decisions import apply
from jdef.metrics import accounts, amount_indicators, reconciliation
from jdef.prepare import prepare
from jdef.runner import shocks_for, simulate
from jdef.summary import summary_text

PUBLISHED_YEARS = {2023, 2024, 2025}


@pytest.fixture(scope="module")
def inp():
    return prepare(scenario())


def test_reconciliation_reproduces_every_known_year_within_its_rounding(inp):
    """Fails when a known year drifts from its published figure by more than the figure's
    rounding (half a unit of its last published digit)."""
    rows = inp.accounting.published
    assert {p.year for p in rows if p.policy == "government"} == PUBLISHED_YEARS
    rec = reconciliation(inp)
    for k, p in enumerate(rows):
        if p.reference:  # SIPRI: another accounting, compared in test_nato_style_*
            continue
        modelled = rec["ratio"][k] if p.measure == "ratio" else rec["amount"][k]
        assert abs(modelled - p.value) <= p.rounding + 1e-12, (p.label, modelled, p.value)
        assert rec["within"][k] == 1
    # the published figures themselves: 1.4%, 1.6% and 8.9 tn, the 2% level and 11 tn
    got = {p.label: p.value for p in rows}
    assert got["government FY2023 ratio"] == pytest.approx(0.014)
    assert got["government FY2024 ratio"] == pytest.approx(0.016)
    assert got["government FY2024 amount"] == pytest.approx(8.9)
    assert got["government FY2025 amount"] == pytest.approx(11.0)


def test_government_counts_initial_budgets_through_fy2024_and_supplementary_from_fy2025(inp):
    rec = reconciliation(inp)
    amount = {p.label: rec["amount"][k] for k, p in enumerate(inp.accounting.published)}
    # FY2024 initial only (8.93), not the 9.85 of `current` with its supplementary
    assert amount["government FY2024 amount"] == pytest.approx(8.9299, abs=1e-4)
    assert amount["government FY2025 amount"] == pytest.approx(11.03, abs=1e-4)


def test_drift_is_caught(inp):
    """A known year moved by more than its rounding fails the check."""
    import dataclasses

    p = inp.accounting.published[0]
    moved = dataclasses.replace(p, value=p.value + 2.5 * p.rounding)
    acc = dataclasses.replace(inp.accounting, published=(moved,))
    rec = reconciliation(dataclasses.replace(inp, accounting=acc))
    assert rec["within"][0] == 0


def test_revised_denominator_is_the_2020_base_fy2022_gdp(inp):
    assert inp.accounting.gdp_fy2022_revised == pytest.approx(591.6513)
    sh = shocks_for(inp, 3, 0, 200)
    paths = run_engine(inp, sh)
    acc = accounts(inp, paths, sh)
    labels = [e.label for e in inp.accounting.entries]
    cur, rev = labels.index("current"), labels.index("fy2022-revised")
    np.testing.assert_allclose(acc.counted[rev], acc.counted[cur])
    np.testing.assert_allclose(acc.ratio[rev] * 591.6513, acc.ratio[cur] * 560.2)


def test_revised_denominator_as_a_topup_target_closes_its_own_gap():
    """The engine sees a revised-denominator target as the fixed one with scaled shares: the
    top-up lands on 2% of 591.65 under that policy."""
    sc = scenario(
        "supplementary.target_seeking=true",
        "supplementary.target_policy=fy2022-revised",
        "supplementary.max_topup=20.0",
    )
    inp = prepare(sc)
    sh = shocks_for(inp, 3, 0, 300)
    paths = run_engine(inp, sh)
    acc = accounts(inp, paths, sh)
    k = [e.label for e in inp.accounting.entries].index("fy2022-revised")
    j = inp.axis.idx(2026)
    assert acc.ratio[k, j].min() >= 0.02 - 1e-12


def test_amount_events_measure_counted_spending_against_the_yen_level(inp):
    assert [t.name for t in inp.accounting.target_amounts] == [
        "government 2% level (11 trillion yen)"
    ]
    assert inp.accounting.target_amounts[0].amount == 11.0
    counted = np.array([[[10.99, 11.0, 11.2]]])  # (entry, year, draw)
    ev = amount_indicators(inp, counted)
    assert ev["amount_above"][0, 0, 0].tolist() == [False, True, True]


def test_baseline_fy2025_reached_under_the_yardstick_not_under_strict_two_percent():
    ds = simulate(scenario(), draws=200, seed=1)
    pa = ds["probability_of_counted_spending_above_target_amount"]
    pr = ds["probability_of_spending_ratio_above_threshold"]
    for pol in ("government", "current"):
        assert float(pa.sel(policy=pol, fiscal_year=2025).squeeze()) == 1.0
        assert float(pr.sel(policy=pol, fiscal_year=2025, threshold=0.02)) == 0.0
    text = summary_text(ds)
    assert "government 2% level (11 trillion yen)" in text
    assert "2.0% of FY2022 GDP" in text
    assert "FY2025 (government" in text and "but not under 2.0% of FY2022 GDP" in text
    assert ds.sizes["published_figure"] == 7  # 5 government, 2 SIPRI


def _asof(day: str, *more: str):
    return scenario(f"as_of={day}", *more)


def test_pledge_turns_on_the_fy2025_topup_only_after_it_was_published():
    before = prepare(_asof("2025-10-23"))
    after = prepare(_asof("2025-10-25"))
    assert before.accounting.target_entry is None
    e = after.accounting.target_entry
    assert e is not None and e.policy == "government"
    ms = e.shares["mod_supplementary"]
    assert (ms.from_year, ms.to_year) == (2025, 2025)
    assert after.scenario.supplementary.from_year == 2025
    assert after.scenario.supplementary.target == pytest.approx(11.0 / 560.0)
    (pledge,) = [d for d in after.accounting.decisions if d.series == "pledge_2pct_level"]
    assert pledge.effect == "applied"
    n = 400
    pa = {}
    for name, x in (("before", before), ("after", after)):
        sh = shocks_for(x, 7, 0, n)
        paths = run_engine(x, sh)
        acc = accounts(x, paths, sh)
        k = [en.label for en in x.accounting.entries].index("government")
        pa[name] = acc.counted[k]
        if name == "after":
            j = x.axis.idx(2025)
            assert (paths.topup[x.axis.idx(2026) :] == 0).all()  # that year only
            assert (paths.topup[j] > 0).any()
    j = before.axis.idx(2025)
    # after the pledge every draw reaches the yardstick in FY2025 (the top-up closes the gap)
    assert (pa["after"][j] >= 11.0 - 1e-9).all()
    assert (pa["before"][j] < 11.0).mean() > 0.5
    # later years are not changed by the pledge (same shocks)
    np.testing.assert_array_equal(pa["after"][j + 1 :], pa["before"][j + 1 :])


def test_scenario_switch_ignores_decisions():
    off = prepare(_asof("2025-10-25", "decisions=false"))
    assert off.accounting.target_entry is None
    assert {d.effect for d in off.accounting.decisions} == {"ignored"}


def test_a_scenario_topup_of_its_own_wins_over_a_pledge():
    inp = prepare(_asof("2025-10-25", "supplementary.target_seeking=true"))
    (pledge,) = [d for d in inp.accounting.decisions if d.series == "pledge_2pct_level"]
    assert pledge.effect == "not applied"
    assert inp.accounting.target_entry is not None
    assert inp.accounting.target_entry.label == "current"


def test_applying_decisions_twice_changes_nothing():
    from jdef.data import load_data
    from jdef.prepare import load_policies

    sc = _asof("2025-10-25")
    inp = prepare(sc)
    data = load_data(dt.date(2025, 10, 25))
    again, acc = apply(inp.scenario, data, load_policies(sc), inp.accounting, 2025)
    assert again.supplementary == inp.scenario.supplementary
    assert acc.target_entry == inp.accounting.target_entry


def test_nato_style_by_nato_definition(inp):
    """Outlays (settlement FY2023, carry-over lag FY2024), the Coast Guard outside core, the
    proposed categories only from FY2027, pensions flagged, SIPRI shown for comparison."""
    by = {e.label: e for e in inp.accounting.entries}
    core, res = by["nato-style:core"], by["nato-style:resilience"]
    assert core.outlays and "coast_guard" not in core.shares and "pko_other" not in core.shares
    assert all(res.shares[c].from_year == 2027 for c in ("space", "shipbuilding"))
    assert "pensions" in by["nato-style"].caveats
    rec = reconciliation(inp)
    rows = {p.label: (k, p) for k, p in enumerate(inp.accounting.published)}
    k23, p23 = rows["nato-style:core FY2023 amount"]
    k24, p24 = rows["nato-style:core FY2024 amount"]
    assert p23.reference and rec["within"][k23] == 2
    # FY2023: the MoD's settled spending 7.1613 (+ OSA 0.002) against SIPRI's 7.1575
    assert rec["amount"][k23] == pytest.approx(7.1613 + 0.002, abs=1e-9)
    assert abs(rec["amount"][k23] - p23.value) < 0.01
    # FY2024: initial 7.9496 + FY2023 supplementary 0.8130, less the unspent share, + OSA
    u = inp.params.budget.unspent_share
    assert rec["amount"][k24] == pytest.approx((7.9496 + 0.8130) * (1 - u) + 0.005, abs=1e-9)
    assert abs(rec["amount"][k24] - p24.value) < 0.2  # the residual of METHODOLOGY 4.4


def test_outlays_in_projected_years_follow_the_carry_over_lag(inp):
    sh = shocks_for(inp, 3, 0, 50)
    paths = run_engine(inp, sh)
    acc = accounts(inp, paths, sh)
    from jdef import categories as cats

    k = [e.label for e in inp.accounting.entries].index("nato-style:core")
    j = inp.axis.idx(2027)
    s = paths.spending
    u = inp.params.budget.unspent_share
    mod = lambda y, names: sum(s[y, cats.INDEX[n]] for n in names)  # noqa: E731
    want = (1 - u) * (
        mod(j, ("mod_core", "saco_realignment"))
        + mod(j - 1, ("mod_supplementary", "saco_realignment_supplementary"))
    ) + s[j, cats.INDEX["international_cooperation"]]
    np.testing.assert_allclose(acc.counted[k, j], want, rtol=1e-12)


def test_a_scenario_states_its_own_amount_target():
    sc = scenario('target_amounts=[{name="14 trillion yen", amount=14.0}]')
    inp = prepare(sc)
    assert [(t.name, t.amount) for t in inp.accounting.target_amounts] == [
        ("government 2% level (11 trillion yen)", 11.0),
        ("14 trillion yen", 14.0),
    ]


def test_bad_amount_targets_are_named(tmp_path):
    from jdef.errors import InputError
    from jdef.policies import read_policy

    p = tmp_path / "p.toml"
    p.write_text(
        'name = "p"\ndenominator = "fy2022_fixed"\nsupplementary = true\n'
        "[shares]\nmod_core = 1.0\n"
        '[target_amount]\nname = "x"\namount = 11.0\nseries = "security_related_target"\n'
    )
    with pytest.raises(InputError) as e:
        read_policy(p)
    assert e.value.field == "target_amount" and "either" in e.value.message
    with pytest.raises(InputError) as e:
        prepare(scenario('target_amounts=[{name="y", series="no_such_series", year=2027}]'))
    assert e.value.field == "target_amounts.0" and "no_such_series" in e.value.message
