"""Streaming histograms: the grid's levels and the coarsening that folds chunks together."""

import numpy as np
from jdef.summaries import BINS, HALF, Grid, _coarsen, _levels, combine_hist, histogram


def _chunk(x: np.ndarray) -> tuple[dict, dict]:
    d = {"gdp": x, "v": x}
    s1 = {"min": {"v": np.fmin.reduce(x, axis=-1)}, "max": {"v": np.fmax.reduce(x, axis=-1)}}
    return d, s1


def test_levels_are_the_smallest_that_hold_the_values():
    w = np.array([2.0**-10, 1.0, 0.5])
    m = np.array([HALF * 2.0**-10 * 4, HALF - 1e-9, HALF * 0.5 * 8 * 1.5])
    k = _levels(m, w)
    assert list(k) == [3, 0, 4]
    assert np.all(m < HALF * w * 2.0**k)
    assert np.all((k == 0) | (m >= HALF * w * 2.0 ** (k - 1)))


def test_chunks_fold_to_the_histogram_of_all_draws_in_any_order():
    rng = np.random.default_rng(1)
    x = rng.standard_t(3, size=(3, 6000))
    x[2, :10] = np.nan
    grid = Grid({"v": np.array([0.0, 0.1, -0.2])}, {"v": np.array([2.0**-9, 2.0**-8, 2.0**-9])})
    whole = histogram(*_chunk(x), grid)["v"]
    parts = [histogram(*_chunk(x[:, a : a + 1000]), grid) for a in range(0, 6000, 1000)]
    for order in (parts, parts[::-1]):
        lev, h = combine_hist(order)["v"]
        np.testing.assert_array_equal(lev, whole[0])
        np.testing.assert_array_equal(h, whole[1])
    assert whole[1][:, :BINS].sum(axis=1).tolist() == [6000, 6000, 5990]
    assert whole[1][2, BINS] == 10  # the NaN bin


def test_coarsening_adds_pairs_of_bins():
    h = np.zeros((1, BINS + 1), dtype=np.int64)
    h[0, [0, 1, HALF - 1, HALF, BINS - 1, BINS]] = [1, 2, 3, 4, 5, 6]
    c = _coarsen(h, np.array([1]))
    assert c[0, HALF // 2] == 3 and c[0, HALF // 2 + HALF // 2 - 1] == 3
    assert c[0, HALF] == 4 and c[0, HALF + HALF // 2 - 1] == 5 and c[0, BINS] == 6
    assert c.sum() == h.sum()


def test_a_column_the_same_in_every_draw_lands_in_the_bin_of_its_value():
    """The constant-column shortcut counts a known year's draws in the bin that binning each
    draw would give (the same arithmetic), with its NaN in the NaN bin."""
    x = np.array([[0.37] * 50, [0.37] * 49 + [0.4], [np.nan] * 50, [0.1] * 48 + [np.nan] * 2])
    grid = Grid({"v": np.array([0.3, 0.3, 0.0, 0.05])}, {"v": np.full(4, 2.0**-12)})
    d, s1 = _chunk(x)
    lev, h = histogram(d, s1, grid)["v"]
    inv = np.ldexp(1.0 / grid.width["v"], -lev)
    for r, want_nan in enumerate([0, 0, 50, 2]):
        assert h[r, BINS] == want_nan
        ok = x[r][~np.isnan(x[r])]
        bins = (np.floor((ok - grid.centre["v"][r]) * inv[r]) + HALF).astype(int)
        np.testing.assert_array_equal(h[r, :BINS], np.bincount(bins, minlength=BINS))


def test_threshold_counts_are_those_of_the_running_maximum():
    """Reaching a threshold by a year, counted by a running OR over years, equals counting the
    running maximum (NaN ignored) at or above it; in the year, the plain count."""
    from jdef.metrics import TOLERANCE, threshold_counts

    rng = np.random.default_rng(3)
    ratio = rng.uniform(0.0, 0.04, size=(3, 7, 500))
    ratio[1, 2, :40] = np.nan
    ratio[2, 4] = np.nan
    thr = np.array([0.01, 0.02, 0.035])
    above, by = threshold_counts(ratio, thr)
    running = np.fmax.accumulate(ratio, axis=1)
    for i, t in enumerate(thr - TOLERANCE):
        np.testing.assert_array_equal(above[i], np.count_nonzero(ratio >= t, axis=-1))
        np.testing.assert_array_equal(by[i], np.count_nonzero(running >= t, axis=-1))
    assert by.shape == (3, 3, 7) and (np.diff(by, axis=2) >= 0).all()
