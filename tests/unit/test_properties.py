"""Property tests (hypothesis): accounting invariants."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from jdef import categories as cats
from jdef.metrics import target_probabilities
from jdef.policies import Share, counted, share_values, year_mask

C = len(cats.NAMES)


@settings(max_examples=60, deadline=None)
@given(
    spend=arrays(float, (4, C, 5), elements=st.floats(0, 20)),
    base=st.lists(st.sampled_from(cats.NAMES), max_size=6, unique=True),
    extra=st.sampled_from(cats.NAMES),
    share=st.floats(0, 1),
)
def test_adding_an_included_category_never_lowers_the_ratio(spend, base, extra, share):
    years = np.arange(2023, 2027)
    shares = {n: Share(low=1.0, high=1.0) for n in base if n != extra}
    more = {**shares, extra: Share(low=share, high=share)}
    a = counted(spend, share_values(shares, True, {}, 5), year_mask(shares, years))
    b = counted(spend, share_values(more, True, {}, 5), year_mask(more, years))
    assert np.all(b >= a - 1e-12)


@settings(max_examples=40, deadline=None)
@given(ratio=arrays(float, (2, 5, 30), elements=st.floats(0, 0.1)))
def test_probabilities_lie_in_unit_interval(ratio):
    out = target_probabilities(ratio, np.array([0.02, 0.035]))
    for k, v in out.items():
        assert np.all((v >= 0) & (v <= 1)), k
    assert np.all(out["p_by"] >= out["p_above"])


@settings(max_examples=60, deadline=None)
@given(
    gap=arrays(float, 6, elements=st.floats(-50, 50)),
    share=arrays(float, 6, elements=st.floats(0, 1)),
    cap=st.floats(0, 10),
)
def test_topup_is_never_negative_nor_above_its_cap(gap, share, cap):
    from jdef.budget import topup

    got = topup(0.02, np.full(6, 500.0), 10.0 - gap, share, cap)
    assert np.all((got >= 0.0) & (got <= cap))
    assert np.all(got[share == 0.0] == 0.0)


@settings(max_examples=60, deadline=None)
@given(base=st.floats(0.1, 30), total=st.floats(1, 200))
def test_a_new_plan_spends_its_total(base, total):
    from jdef.budget import new_plan_level

    levels = [float(new_plan_level(np.array([base]), k, total)[0]) for k in range(1, 6)]
    assert abs(sum(levels) - total) <= 1e-9 * max(total, 5 * base)
