"""Policy mixtures (jdef.mixtures): branch draws, weights, and the mixture on common random
numbers."""

import numpy as np
import pytest
from jdef import load_scenario
from jdef.constants import SCENARIO_DIR
from jdef.errors import InputError
from jdef.mixtures import (
    MIXTURE_STREAM,
    assign_branches,
    branch_scenario,
    branch_uniforms,
    mixture_probability,
    reweighted,
)
from jdef.runner import Options, simulate
from jdef.shocks import STREAMS

MIX = SCENARIO_DIR / "late-2026-mixture.toml"


def test_branch_stream_is_its_own():
    assert MIXTURE_STREAM not in STREAMS.values()


@pytest.mark.parametrize("seed", [1, 20261125])
def test_branch_frequencies_match_weights_within_binomial_tolerance(seed):
    w = np.array([0.05, 0.2, 0.25, 0.15, 0.05, 0.15, 0.1, 0.05])
    n = 200_000
    counts = np.bincount(assign_branches(w, branch_uniforms(seed, 0, n)), minlength=w.size)
    # each count is binomial(n, w): within 4.5 standard deviations (all 8 pass with
    # probability > 0.9999)
    sd = np.sqrt(n * w * (1 - w))
    assert np.all(np.abs(counts - n * w) <= 4.5 * sd), (counts, n * w)
    # and jointly: Pearson's chi-square with 7 degrees of freedom below its 0.9999 quantile
    chi2 = float(np.sum((counts - n * w) ** 2 / (n * w)))
    assert chi2 < 31.0


def test_zero_weight_branch_gets_no_draw_and_draws_do_not_depend_on_chunks():
    u = branch_uniforms(7, 0, 30_000)
    assert np.array_equal(
        np.concatenate(
            [branch_uniforms(7, a, a + 7_000) for a in range(0, 28_000, 7_000)]
            + [branch_uniforms(7, 28_000, 30_000)]
        ),
        u,
    )
    assert np.array_equal(branch_uniforms(7, 0, 100), u[:100])
    b = assign_branches(np.array([0.5, 0.0, 0.5]), u)
    assert not np.any(b == 1) and set(np.unique(b)) == {0, 2}


def test_reweighted_keeps_the_others_in_proportion():
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    r = reweighted(w, {"a": 0.0})
    assert r == pytest.approx({"a": 0.0, "b": 0.6, "c": 0.4})
    assert sum(reweighted(w, {"b": 0.9}).values()) == pytest.approx(1.0)
    assert reweighted(w, {"a": 0.8, "b": 0.6}) == pytest.approx(
        {"a": 0.8 / 1.4, "b": 0.6 / 1.4, "c": 0.0}
    )


@pytest.fixture(scope="module")
def small_mixture():
    sc = load_scenario(MIX)
    ds = simulate(sc, 1200, 5, Options(keep_draws=True))
    branches = {
        k: simulate(branch_scenario(sc, k), 1200, 5, Options(keep_draws=True))
        for k in sc.mixture.branches
    }
    return sc, ds, branches


PROB = (
    "probability_of_spending_ratio_above_threshold",
    "probability_of_spending_ratio_reached_threshold_by_year",
)


def test_mixture_probability_is_the_weighted_branch_probabilities_exactly(small_mixture):
    sc, ds, branches = small_mixture
    names = list(sc.mixture.branches)
    w = np.array([sc.mixture.branches[k].weight for k in names])
    for v in PROB:
        # each branch inside the mixture is the branch run alone, bit for bit (same shocks)
        for k in names:
            assert np.array_equal(ds[f"branch_{v}"].sel(branch=k).values, branches[k][v].values)
        want = w[0] * branches[names[0]][v].values
        for wb, k in zip(w[1:], names[1:], strict=True):
            want = want + wb * branches[k][v].values
        assert np.array_equal(ds[v].values, want)
    assert np.array_equal(ds["branch_weight"].values, w)


def test_sampled_mixture_follows_each_draws_branch(small_mixture):
    sc, ds, branches = small_mixture
    names = list(sc.mixture.branches)
    w = np.array([sc.mixture.branches[k].weight for k in names])
    which = assign_branches(w, branch_uniforms(5, 0, 1200))
    got = ds["ratio_draws"].values
    for i, k in enumerate(names):
        m = which == i
        assert np.array_equal(got[..., m], branches[k]["ratio_draws"].values[..., m])
    assert np.allclose(ds["branch_draw_share"].values, np.bincount(which, minlength=len(w)) / 1200)
    # the sampled mixture's probabilities agree with the weighted ones within Monte Carlo error
    v = PROB[1]
    p, s = ds[v].values, ds[f"sampled_{v}"].values
    se = np.sqrt(np.maximum(p * (1 - p), 1e-12) / 1200)
    assert np.all(np.abs(s - p) <= 5 * se + 1e-12)


def test_mixture_probability_helper_is_linear():
    class S:
        def __init__(self, p):
            self.prob = {"by": (np.array(p), None)}

    got = mixture_probability([S([0.0, 1.0]), S([1.0, 1.0])], np.array([0.25, 0.75]), "by")
    assert np.allclose(got, [0.75, 1.0])


def _write(tmp_path, body):
    f = tmp_path / "m.toml"
    f.write_text(f'extends = "{SCENARIO_DIR / "no-new-plan-floor.toml"}"\nname = "m"\n' + body)
    return f


def test_weights_must_add_up_to_one(tmp_path):
    f = _write(
        tmp_path,
        '[mixture.branches.a]\nweight = 0.5\nsource = "x"\npost2027 = { rule = "hold_real" }\n',
    )
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert "mixture.branches" in str(e.value) and "add up to 0.5" in str(e.value)


def test_a_weight_needs_a_source(tmp_path):
    f = _write(
        tmp_path,
        '[mixture.branches.a]\nweight = 1.0\nsource = ""\npost2027 = { rule = "hold_real" }\n',
    )
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert "mixture.branches.a.source" in str(e.value)


def test_weight_lever_must_name_a_branch(tmp_path):
    f = _write(
        tmp_path,
        '[mixture.branches.a]\nweight = 0.5\nsource = "x"\n'
        'post2027 = { rule = "hold_real" }\n'
        '[mixture.branches.b]\nweight = 0.5\nsource = "x"\n'
        'post2027 = { rule = "new_plan", plan_total = 60.0 }\n'
        '[sensitivity.levers.wz]\nkey = "weight:z"\nlow = 0.0\nhigh = 1.0\n'
        'source = "x"\n',
    )
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert "sensitivity.levers.wz.key" in str(e.value) and "names no branch" in str(e.value)


def test_ramp_branch_after_horizon_is_refused(tmp_path):
    f = _write(
        tmp_path,
        '[mixture.branches.a]\nweight = 1.0\nsource = "x"\n'
        'post2027 = { rule = "ramp_to_ratio", target_year = 2045 }\n',
    )
    with pytest.raises(InputError) as e:
        load_scenario(f)
    assert "mixture.branches.a.post2027.target_year" in str(e.value)


def test_mixture_refuses_summary_only():
    sc = load_scenario(MIX)
    with pytest.raises(InputError) as e:
        simulate(sc, 100, 1, Options(summary_only=True))
    assert e.value.file == "summary_only"


def test_no_mixture_keeps_the_scenario_digest():
    sc = load_scenario(SCENARIO_DIR / "baseline.toml")
    assert "mixture" not in sc.resolved()
    assert "mixture" in load_scenario(MIX).resolved()


def test_batch_runs_a_mixture_beside_plain_scenarios(tmp_path):
    import xarray as xr
    from jdef.batch import combine, comparison_rows, run_batch

    scs = [load_scenario(SCENARIO_DIR / "baseline.toml"), load_scenario(MIX)]
    outcomes = run_batch(scs, 300, 4, tmp_path)
    alone = simulate(load_scenario(MIX), 300, 4)
    with xr.open_dataset(tmp_path / "late-2026-mixture.nc") as ds:
        v = "probability_of_spending_ratio_reached_threshold_by_year"
        assert np.array_equal(ds[v].values, alone[v].values)
        assert "branch" in ds.dims
    combined, _ = combine(outcomes, tmp_path)
    assert "branch" not in combined.dims
    assert {r["scenario"] for r in comparison_rows(outcomes)} >= {"late-2026-mixture"}


def test_a_branch_with_an_unknown_target_policy_is_named(tmp_path):
    f = _write(
        tmp_path,
        '[mixture.branches.a]\nweight = 1.0\nsource = "x"\n'
        'post2027 = { rule = "ramp_to_ratio", target_policy = "nosuch" }\n',
    )
    with pytest.raises(InputError) as e:
        simulate(load_scenario(f), 50, 1)
    assert e.value.field == "mixture.branches.a.post2027.target_policy"
    assert str(e.value.file).endswith("m.toml") and "nosuch" in e.value.message
