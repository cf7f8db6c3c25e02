"""Scenario discovery (jdef.discover): PRIM recovers a known box on a synthetic problem."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from jdef.discover import discover, discovery_dataset, prim_box, summary_text, trajectory_csv
from jdef.errors import InputError
from jdef.sensitivity.factors import Factor


def _box(restrictions):
    return {r.name: r for r in restrictions}


def test_prim_recovers_a_known_box_with_a_categorical_input():
    rng = np.random.default_rng(0)
    n = 3000
    x = pd.DataFrame(
        {
            "a": rng.uniform(0, 1, n),
            "b": rng.uniform(0, 10, n),
            "c": rng.uniform(-1, 1, n),  # irrelevant
            "branch": rng.choice(["p", "q", "r"], n).astype(object),
        }
    )
    cases = ((x.a > 0.6) & (x.b < 3.0) & (x.branch != "p")).to_numpy()
    traj, limits, sel = prim_box(x, cases, min_density=0.95)
    # each limit within 3% of its input's range of the true one
    box = _box(limits[sel])
    assert set(box) == {"a", "b", "branch"}  # c is left alone
    assert box["a"].low == pytest.approx(0.6, abs=0.03) and box["a"].high > 0.99
    assert box["b"].high == pytest.approx(3.0, abs=0.3) and box["b"].low < 0.05
    assert box["branch"].values == ("q", "r")
    assert traj["density"][sel] >= 0.95 and traj["coverage"][sel] >= 0.85
    # the trajectory starts from the whole space
    assert traj["coverage"][0] == 1.0 and traj["mass"][0] == 1.0


@dataclass
class _Metric:
    text: str = "synthetic"
    is_probability: bool = True

    def reduce(self, v):
        return float(np.mean(v))

    def long_name(self):
        return "synthetic"


class _Stand:
    """An evaluator's stand-in: the metric is 1 inside a known box, else 0."""

    def __init__(self):
        self.factors = [
            Factor("u", "scenario", "u", 0.0, 1.0, 0.5, "1", "g", "s"),
            Factor("v", "scenario", "v", -2.0, 2.0, 0.0, "1", "g", "s"),
            Factor("w", "weight", "hi", 0.0, 1.0, 0.5, "1", "g", "s"),  # weights: not inputs
        ]
        self.branches = {"lo": None, "hi": None}
        self.metric = _Metric()
        self.draws = 1

    def branch_per_draw(self, name, x):
        inside = name == "hi" and x["u"] >= 0.3 and x["v"] <= 1.0
        return np.array([1.0 if inside else 0.0])


def test_discover_pipeline_recovers_the_box_and_writes_its_dataset():
    d = discover(_Stand(), 1200, 3, threshold=0.5, min_density=0.95)
    assert "w" not in d.inputs.columns and "branch" in d.inputs.columns
    box = _box(d.box)
    assert box["branch"].values == ("hi",)
    assert box["u"].low == pytest.approx(0.3, abs=0.03)
    assert box["v"].high == pytest.approx(1.0, abs=0.12)
    st = d.stats()
    assert st["density"] >= 0.95 and st["coverage"] >= 0.85
    ds = discovery_dataset(d, None, 3)
    assert int(ds.attrs["selected_step"]) == d.selected
    assert float(ds["box_coverage"][d.selected]) == pytest.approx(st["coverage"])
    assert set(ds["input"].values) == {"u", "v"}
    assert "branch in {hi}" in str(ds["box_description"].values[d.selected])
    assert trajectory_csv(ds).splitlines()[0].startswith("step,coverage,density")
    assert "*" in summary_text(ds)


def test_no_case_of_interest_is_an_input_error():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(InputError) as e:
        prim_box(x, np.zeros(50, bool))
    assert e.value.field == "threshold"
