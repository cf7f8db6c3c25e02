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
