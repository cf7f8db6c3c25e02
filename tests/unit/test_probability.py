"""Binomial intervals, ICD 203 words and the one text of a probability (jdef.probability)."""

import numpy as np
import pytest
from jdef.probability import clopper_pearson, fmt_bound, fmt_probability, in_words, interval
from scipy.stats import binomtest


@pytest.mark.parametrize("n", [1, 50, 2000, 10_000, 10**6])
def test_analytic_bounds_at_p0_and_p1(n):
    # k = 0: [0, 1 - (alpha/2)^(1/n)]; k = n: [(alpha/2)^(1/n), 1] (Clopper-Pearson)
    edge = 0.025 ** (1 / n)
    lo, hi = clopper_pearson(np.array([0, n]), n)
    assert lo[0] == 0 and hi[0] == pytest.approx(1 - edge, rel=1e-9)
    assert hi[1] == 1 and lo[1] == pytest.approx(edge, rel=1e-9)


def test_zero_in_ten_thousand_is_not_certain():
    lo, hi = interval(0.0, 10_000)
    assert lo == 0 and 0.00036 < hi < 0.00037  # the standard error there is 0


@pytest.mark.parametrize("k", [0, 1, 7, 500, 999, 1000])
def test_matches_scipy_binomtest(k):
    ci = binomtest(k, 1000).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = clopper_pearson(k, 1000)
    assert float(lo) == pytest.approx(ci.low, abs=1e-12)
    assert float(hi) == pytest.approx(ci.high, abs=1e-12)


def test_known_cells_are_the_point():
    lo, hi = interval(np.array([0.0, 1.0, 0.5]), 100, np.array([True, True, False]))
    assert list(lo[:2]) == [0, 1] and list(hi[:2]) == [0, 1] and lo[2] < 0.5 < hi[2]


def test_nan_stays_nan():
    lo, hi = interval(np.array([np.nan, 0.5]), 100)
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and not np.isnan(lo[1])


def test_words_and_text():
    assert in_words(1.0, known=True) == "known"
    assert fmt_probability(1.0, 0.0, 1.0, 1.0, known=True) == "1 (known)"
    lo, hi = interval(0.0, 10_000)
    assert fmt_probability(0.0, 0.0, lo, hi) == "0.000 ± 0.000 [0.000, 0.00037]"
    assert fmt_probability(0.5, 0.0004, 0.49, 0.51) == "0.500 ± <0.001 [0.490, 0.510]"
    assert fmt_bound(1 - 3.7e-6) == "0.9999963"
    assert fmt_probability(float("nan")) == "n/a"
