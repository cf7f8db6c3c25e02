"""Scale: identical results whatever the chunking, the mode or the number of workers."""

import numpy as np
import pytest
import xarray as xr
from jdef.runner import Options, simulate

DATA_VARS_EXACT = None


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)


def test_chunk_sizes_give_identical_results(baseline):
    a = simulate(baseline, draws=9000, seed=4, options=Options(chunk=1000))
    b = simulate(baseline, draws=9000, seed=4, options=Options(chunk=7919))
    c = simulate(baseline, draws=9000, seed=4, options=Options(chunk=9000))
    _same(a, b)
    _same(a, c)


def test_summary_only_gives_the_same_probabilities(baseline):
    full = simulate(baseline, draws=6000, seed=5)
    stream = simulate(baseline, draws=6000, seed=5, options=Options(summary_only=True, chunk=1500))
    for v in full.data_vars:
        if v.startswith("probability_of") or v.endswith("_mean"):
            np.testing.assert_allclose(
                stream[v].values, full[v].values, rtol=1e-12, atol=1e-15, err_msg=v
            )


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_summary_only_identical_whatever_the_chunk(baseline):
    """Streamed results (means and quantiles included) are bit for bit the same for any chunk
    size: chunks are rounded up to whole blocks of random numbers, sums are added block by block
    in order, the pilot is the first 12,288 draws whatever the chunk, and histograms fold to the
    coarsest level in any grouping of the later chunks."""
    runs = [
        simulate(baseline, draws=30000, seed=8, options=Options(summary_only=True, chunk=c))
        for c in (1000, 7919, 13000, 30000)
    ]
    for other in runs[1:]:
        xr.testing.assert_identical(runs[0].drop_attrs(), other.drop_attrs())


def test_streamed_quantiles_within_one_bin(baseline):
    """Each streamed quantile lies within its stated bound (``Stats.bound``: one bin width of
    its column's final grid, 0 for a column the same in every draw) of the exact one, up to
    rounding; on the golden streamed run (baseline, 20,000 draws, seed 11: the pilot of 12,288
    draws and later chunks)."""
    from jdef.parallel import execution
    from jdef.prepare import prepare
    from jdef.runner import summarize

    inp = prepare(baseline)
    with execution(threads=1) as ex:
        st = summarize(inp, 20_000, 11, ex, 4096, summary_only=True)
        ex_ = summarize(inp, 20_000, 11, ex, 20_000)
    assert st.bound and set(st.bound) == set(st.quantile)
    for k, got in st.quantile.items():
        want = ex_.quantile[k]
        err = np.abs(got - want)
        slack = 1e-12 * np.nanmax(np.abs(want), initial=1.0)  # rounding of the reflected gaps
        ok = (err <= st.bound[k][None] * (1 + 1e-9) + slack) | (np.isnan(got) & np.isnan(want))
        assert ok.all(), k
    for k, (p, _) in st.prob.items():
        np.testing.assert_array_equal(p, ex_.prob[k][0], err_msg=k)


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_local_cluster_gives_identical_arrays(baseline):
    ref = simulate(baseline, draws=4000, seed=6, options=Options(chunk=1000))
    one = simulate(baseline, draws=4000, seed=6, options=Options(chunk=1000, workers=1))
    two = simulate(baseline, draws=4000, seed=6, options=Options(chunk=1000, workers=2))
    for other in (one, two):
        xr.testing.assert_identical(ref.drop_attrs(), other.drop_attrs())


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_streamed_run_on_workers_is_the_streamed_run_in_process(baseline):
    """Streaming maps the pilot, then groups of chunk tasks: each map's tasks must keep their
    own data on the cluster (they were lost when two maps shared scatter keys)."""
    opts = {"chunk": 4096, "summary_only": True}
    ref = simulate(baseline, draws=100_000, seed=6, options=Options(**opts))
    two = simulate(baseline, draws=100_000, seed=6, options=Options(**opts, workers=2))
    xr.testing.assert_identical(ref.drop_attrs(), two.drop_attrs())


def test_execution_keeps_order_in_and_out_of_process():
    from jdef.parallel import execution

    with execution(threads=3) as ex:
        assert ex.in_process
        assert ex.map(lambda x: x * x, range(10)) == [x * x for x in range(10)]
        assert ex.local_map(str, [3, 1]) == ["3", "1"]
    with execution(threads=1) as ex:
        seen: list[int] = []
        assert ex.map(seen.append, [2, 1]) == [None, None] and seen == [2, 1]


def test_execution_map_advances_a_bar_once_per_task_in_and_out_of_process():
    """A progress bar is advanced in this process as each task finishes, also on a dask
    cluster (a bar advanced inside a worker process would never be seen)."""
    from jdef.parallel import execution

    for kw in ({"threads": 2}, {"workers": 1}):
        calls: list[int] = []
        with execution(**kw) as ex:
            assert ex.map(abs, [-3, 2, -1], advance=calls.append) == [3, 2, 1], kw
        assert calls == [1, 1, 1], kw
