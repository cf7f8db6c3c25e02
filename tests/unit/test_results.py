"""The NetCDF file: readable, round-trips, units and long names, CF-1.11 compliant."""

import json

import numpy as np
import pytest
import xarray as xr
from jdef.io import write_netcdf
from jdef.runner import Options, simulate


@pytest.fixture(scope="module")
def written(tmp_path_factory, baseline):
    ds = simulate(baseline, draws=800, seed=2, options=Options(keep_draws=True))
    path = write_netcdf(ds, tmp_path_factory.mktemp("out") / "baseline.nc")
    return ds, path


def test_every_variable_has_units_and_long_name(written):
    _, path = written
    with xr.open_dataset(path) as ds:
        for name, var in ds.data_vars.items():
            if name == "time_bnds":  # CF 7.1: a bounds variable takes its coordinate's attributes
                continue
            assert "long_name" in var.attrs, name
            if var.dtype.kind in "fiu":
                assert "units" in var.attrs, name
        assert set(ds["probability_of_spending_ratio_above_threshold"].dims) == {
            "policy",
            "fiscal_year",
            "threshold",
        }
        for key in ("title", "summary", "source", "history", "date_created", "Conventions"):
            assert ds.attrs[key]
        assert json.loads(ds.attrs["scenario"])["name"] == "baseline"
        assert ds.attrs["seed_entropy"] == "2" and ds.attrs["draws"] == "800"


def test_round_trip_identical(written):
    ds, path = written
    with xr.open_dataset(path) as back:
        for name in ds.data_vars:
            np.testing.assert_array_equal(back[name].values, ds[name].values)


def test_probabilities_from_draws_not_quantiles(written):
    ds, _ = written
    r = ds["ratio_draws"].sel(policy="current-gdp", fiscal_year=2035)
    p = float((r >= 0.02).mean())
    assert p == float(
        ds["probability_of_spending_ratio_above_threshold"].sel(
            policy="current-gdp", fiscal_year=2035, threshold=0.02
        )
    )


@pytest.mark.slow  # 23 s; the slow tier also runs the checker on every file kind
def test_cf_compliance(written):
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    _, path = written
    CheckSuite.load_all_available_checkers()
    ok, errors = ComplianceChecker.run_checker(
        str(path),
        ["cf:1.11"],
        verbose=0,
        criteria="strict",
        output_filename=str(path) + ".json",
        output_format="json",
    )
    report = json.loads(open(str(path) + ".json").read())
    scored = report["cf:1.11"]
    failed = [
        p
        for level in ("high_priorities", "medium_priorities", "low_priorities")
        for p in scored.get(level, [])
        if p["value"][0] < p["value"][1]
    ]
    assert not failed, failed
    assert scored["scored_points"] == scored["possible_points"]
    # the checker's own monotonicity check cannot subtract strings (policy, category labels);
    # it reports that as an internal exception, not a failed check
    assert set(scored.get("errors", {})) <= {"check_coordinate_variables_strict_monotonicity"}


def test_atomic_write_leaves_no_partial_file(tmp_path, written, monkeypatch):
    ds, _ = written
    target = tmp_path / "x.nc"

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "dump_to_store", boom)
    with pytest.raises(KeyboardInterrupt):
        write_netcdf(ds, target)
    assert list(tmp_path.iterdir()) == []


# --- the registry of output variables (model/variables.py) ---------------------------------


def test_registry_matches_paths_and_the_per_draw_arrays(baseline):
    """Every per-draw quantity is a Paths field of the same name unless the accounts, the plan
    accounts or the gap make it, and a run's arrays have the registry's axes."""
    import dataclasses

    from jdef.calendar import Paths, run_engine
    from jdef.constants import CATEGORY, POLICY, THRESHOLD, YEAR
    from jdef.metrics import accounts
    from jdef.prepare import prepare
    from jdef.runner import _draw_arrays, shocks_for
    from jdef.summaries import per_draw
    from jdef.variables import ACCOUNTS, GAP, PER_DRAW, PLAN, draw_axes

    fields = {f.name for f in dataclasses.fields(Paths)}
    from_paths = [k for k in PER_DRAW if k not in (*ACCOUNTS, *PLAN, GAP)]
    assert from_paths and set(from_paths) <= fields
    assert not set(ACCOUNTS + PLAN) & fields
    inp = prepare(baseline)
    sh = shocks_for(inp, 1, 0, 5)
    paths = run_engine(inp, sh)
    d = per_draw(inp, paths, accounts(inp, paths, sh))
    assert set(d) == set(PER_DRAW)
    # the baseline's 9 policy entries, 16 categories and 4 thresholds
    size = {YEAR: inp.axis.n_year, POLICY: 9, CATEGORY: 16, THRESHOLD: 4}
    for k in PER_DRAW:
        assert d[k].shape == (*(size[a] for a in draw_axes(k)), 5), k
    for k, v in paths.__dict__.items():
        if k in from_paths:
            assert d[k] is v, k
    arrays = _draw_arrays(inp, 7)
    assert set(arrays) == set(PER_DRAW) - {"denominator", GAP}
    assert all(arrays[k].shape == d[k].shape[:-1] + (7,) for k in arrays)


def test_dataset_holds_the_registry_in_its_order(written):
    from jdef.variables import VARIABLES, Stat

    ds, _ = written
    names = []
    for v in VARIABLES:
        if v.name not in ds.coords:  # a label named as its dimension is that dimension's index
            names.append(v.name)
        if v.stat is Stat.PROBABILITY:
            names.append(f"{v.name}_standard_error")
        assert ds[v.name].dims == v.dims, v.name
        assert ds[v.name].attrs["long_name"] == v.long_name
    added = ("_lower_bound", "_upper_bound")  # the 95% intervals, after the registry
    assert [n for n in ds.data_vars if not n.endswith(added) and n != "spending_ratio_known"] == (
        names
    )
    for n in names:
        if n.endswith("_standard_error"):
            p = n.removesuffix("_standard_error")
            lo, hi = ds[f"{p}_lower_bound"], ds[f"{p}_upper_bound"]
            assert ((lo <= ds[p]) & (ds[p] <= hi)).all(), p
    # every variable of one per-draw quantity sees it on the same axes
    drawn = [v for v in VARIABLES if v.stat in (Stat.QUANTILES, Stat.MEAN, Stat.DRAWS)]
    for v in drawn:
        assert {w.draw_axes for w in drawn if w.of == v.of} == {v.draw_axes}, v.name
    gdp = ds["nominal_gdp_draws"].values
    q = ds["percentile"].values / 100
    np.testing.assert_allclose(ds["nominal_gdp"].values, np.quantile(gdp, q, axis=-1), rtol=1e-14)
    spend_mean = ds["category_spending_mean"].sel(category="mod_core").values
    assert spend_mean.shape == (ds.fiscal_year.size,)


def test_library_errors_name_parameters(baseline):
    from jdef.errors import InputError

    with pytest.raises(InputError) as exc:
        simulate(baseline, draws=0)
    assert (exc.value.file, exc.value.one_line()) == ("draws", "draws: must be at least 1")
    with pytest.raises(InputError) as exc:
        simulate(baseline, draws=10, options=Options(summary_only=True, keep_draws=True))
    assert exc.value.file == "summary_only"
