"""The vectorised engine against the scalar reference on the same random inputs."""

import pytest
from conftest import rel_err, scenario

from model.calendar import EVENTS, Paths, run_engine
from model.reference import run_reference
from model.runner import prepare, shocks_for

CASES = {
    "baseline": (),
    "target-seeking top-up": ("supplementary.target_seeking=true", "supplementary.target_policy='current-gdp'"),
    "ramp to 3.5% by 2035": ("post2027.rule='ramp_to_ratio'", "post2027.target_ratio=0.035", "post2027.target_year=2035"),
    "new five-year plan": ("post2027.rule='new_plan'", "post2027.plan_total=60.0"),
    "grow 5% with recessions cutting": ("post2027.rule='grow_nominal'", "post2027.growth=0.05"),
    "weak yen, growth-transition": ("economy.path='growth_transition'", "economy.fx_shift=0.3"),
}
FIELDS = [f for f in Paths.__dataclass_fields__ if f != "trace"]


@pytest.mark.parametrize("name", CASES)
def test_engine_matches_reference(name):
    inp = prepare(scenario(*CASES[name]))
    sh = shocks_for(inp, seed=11, start=0, stop=40)
    fast, slow = run_engine(inp, sh), run_reference(inp, sh)
    for f in FIELDS:
        assert rel_err(getattr(fast, f), getattr(slow, f)) < 1e-9, f


def test_topup_case_actually_tops_up():
    inp = prepare(scenario(*CASES["target-seeking top-up"]))
    paths = run_engine(inp, shocks_for(inp, 11, 0, 200))
    assert (paths.topup > 0).mean() > 0.1


def test_event_trace_is_in_information_order(baseline):
    inp = prepare(baseline)
    trace = run_engine(inp, shocks_for(inp, 1, 0, 3)).trace
    assert len(trace) == len(EVENTS) * inp.n_year
    assert [e for _, _, e in trace[: len(EVENTS)]] == list(EVENTS)
    times = [t for t, _, _ in trace]
    assert times == sorted(times)
    assert trace[0][1] == inp.years[0] and trace[-1][1] == inp.years[-1]
