"""Pre-drawn random inputs (jdef.shocks): streams, seeding, chunking and blocks."""

import numpy as np
from jdef.constants import RNG_BLOCK
from jdef.shocks import STREAMS, draw_shocks

YEARS = np.arange(2023, 2027)


def _draw(start, stop, **kw):
    return draw_shocks(7, start, stop, YEARS, 3, ["space"], 5.0, ("outlook.bias",), **kw)


def _gen(block, stream, key):
    ss = np.random.SeedSequence(7, spawn_key=(block, STREAMS[stream], key))
    return np.random.Generator(np.random.PCG64(ss))


def test_each_stream_and_year_has_its_own_generator():
    sh = _draw(0, 5)
    for jy, y in enumerate(YEARS):
        np.testing.assert_array_equal(sh.n_real[jy], _gen(0, "real", int(y)).standard_normal(5))
        np.testing.assert_array_equal(sh.u_supp[jy], _gen(0, "supp_occurs", int(y)).random(5))
    np.testing.assert_array_equal(sh.z_revision, _gen(0, "revision", 0).standard_normal(5))
    assert sh.n == 5 and sh.z_related.shape == (4, 3, 5) and sh.chi2.shape == (4, 5)
    assert set(sh.u_shares) == {"space"} and set(sh.z_param) == {"outlook.bias"}


def test_years_before_a_streams_first_are_zeros():
    sh = _draw(0, 5, first={"budget": 2025})
    assert (sh.z_budget[:2] == 0.0).all() and (sh.z_budget[2:] != 0.0).all()
    np.testing.assert_array_equal(sh.z_budget[2], _gen(0, "budget", 2025).standard_normal(5))


def test_chunks_across_an_rng_block_boundary_are_the_same_numbers():
    whole = _draw(0, RNG_BLOCK + 3)
    part = _draw(RNG_BLOCK - 2, RNG_BLOCK + 3)
    sl = slice(RNG_BLOCK - 2, RNG_BLOCK + 3)
    for name in ("n_real", "chi2", "u_recession", "z_related", "z_revision"):
        np.testing.assert_array_equal(getattr(whole, name)[..., sl], getattr(part, name), name)
    np.testing.assert_array_equal(whole.u_shares["space"][sl], part.u_shares["space"])


def test_block_is_a_view_of_the_draws():
    sh = _draw(0, 10)
    b = sh.block(2, 6)
    assert b.n == 4 and b.years is sh.years
    assert np.shares_memory(b.z_fx, sh.z_fx)
    np.testing.assert_array_equal(b.z_related, sh.z_related[..., 2:6])
    np.testing.assert_array_equal(b.z_param["outlook.bias"], sh.z_param["outlook.bias"][2:6])


def test_seed_changes_every_stream():
    a = _draw(0, 4)
    b = draw_shocks(8, 0, 4, YEARS, 3, ["space"], 5.0, ("outlook.bias",))
    for name in ("n_real", "z_fx", "u_supp", "z_revision"):
        assert not np.array_equal(getattr(a, name), getattr(b, name)), name
