"""The input records (jdef.inputs, jdef.history): frozen all the way down, wired by the table."""

import dataclasses

import numpy as np
import pytest
from jdef import categories as cats
from jdef.data import load_data
from jdef.prepare import prepare


@pytest.fixture(scope="module")
def inp(baseline):
    return prepare(baseline)


def test_records_and_their_arrays_are_frozen(inp):
    with pytest.raises(dataclasses.FrozenInstanceError):
        inp.known.gdp = np.zeros(3)
    for a in (inp.axis.years, inp.known.spending, inp.path.mu_real):
        with pytest.raises(ValueError, match="read-only"):
            a[0] = 0.0


def test_replace_derives_new_inputs_and_leaves_the_old_alone(inp):
    acc = dataclasses.replace(inp.accounting, entries=inp.accounting.entries[:1])
    other = dataclasses.replace(inp, accounting=acc)
    assert len(other.accounting.entries) == 1 < len(inp.accounting.entries)
    assert other.known is inp.known


def test_categories_are_the_wired_sums_of_their_series(inp, baseline):
    s = load_data(baseline.as_of).series
    j = inp.axis.idx(2024)
    spend = inp.known.spending[:, j]
    incl, excl = s("mod_initial_incl")[2024], s("mod_initial_excl")[2024]
    assert spend[cats.INDEX["mod_core"]] == excl
    assert spend[cats.INDEX["saco_realignment"]] == incl - excl
    supp_total = s("mod_supplementary_total")[2024]
    supp_plan = s("mod_supplementary_plan_counted")[2024]
    assert spend[cats.INDEX["saco_realignment_supplementary"]] == supp_total - supp_plan
    assert inp.plan.group_targets_2027["four_areas"] == s("four_areas_target")[2027]
