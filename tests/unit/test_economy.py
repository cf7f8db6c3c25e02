"""Economy kernels on hand-written shocks (jdef.economy)."""

import math

import numpy as np
import pytest
from jdef import economy


def test_student_t_pair_with_unit_mixing_is_the_correlated_normal_pair():
    # w = df - 2 makes the mixing factor sqrt((df - 2) / w) exactly 1
    df, rho = 6.0, 0.6
    n1, n2 = np.array([1.0, -2.0]), np.array([0.5, 1.0])
    e1, e2 = economy.student_t_pair(n1, n2, np.full(2, df - 2.0), rho, df)
    np.testing.assert_allclose(e1, [1.0, -2.0], rtol=1e-15)
    np.testing.assert_allclose(e2, [0.6 + 0.8 * 0.5, -1.2 + 0.8], rtol=1e-15)


def test_student_t_pair_scales_by_the_mixing_variable_and_truncates():
    df = 5.0
    # w = (df - 2) / 4: s = 2
    e1, e2 = economy.student_t_pair(
        np.array([0.5, 1.0]), np.zeros(2), np.full(2, 0.75), 0.0, df, 1.5
    )
    np.testing.assert_allclose(e1, [1.0, 1.5])  # 2.0 truncated at the bound
    np.testing.assert_allclose(e2, [0.0, 0.0])


def test_mean_reverting_one_year_and_leaves_its_arguments_alone():
    dev, shock, rec = np.array([0.02, -0.01]), np.array([1.0, -0.5]), np.array([0.5, -0.5])
    before = (dev.copy(), shock.copy(), rec.copy())
    g = economy.mean_reverting(0.01, dev, 0.5, 0.1, shock, rec, -0.02)
    # mu + ar dev + sd shock + depth (R - p)
    np.testing.assert_allclose(g, [0.01 + 0.01 + 0.1 - 0.01, 0.01 - 0.005 - 0.05 + 0.01])
    for a, b in zip((dev, shock, rec), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_mean_reverting_writes_into_out():
    out = np.empty(1)
    got = economy.mean_reverting(
        0.0, np.array([0.1]), 0.5, 1.0, np.zeros(1), np.zeros(1), 0.0, out=out
    )
    assert got is out and out[0] == pytest.approx(0.05)


def test_nominal_level_compounds_real_and_deflator_growth():
    got = economy.nominal_level(np.array([100.0]), np.array([0.01]), np.array([0.02]))
    assert got[0] == pytest.approx(103.02, rel=1e-15)


def test_outlook_growth_is_the_path_plus_bias_plus_error():
    g = economy.outlook_growth(0.01, 0.02, 0.001, 0.01, np.array([0.0, 1.0, -2.0]))
    path = 1.01 * 1.02 - 1.0
    np.testing.assert_allclose(g, [path + 0.001, path + 0.011, path - 0.019], rtol=1e-13)


def test_log_ar1_reverts_towards_the_anchor():
    a = math.log(120.0)
    x = economy.log_ar1(np.array([math.log(150.0)]), a, 0.5, 0.1, np.array([2.0]))
    assert x[0] == pytest.approx(a + 0.5 * (math.log(150.0) - a) + 0.2, rel=1e-15)
