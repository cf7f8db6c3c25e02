"""Scenario library, layering, the bad-scenario corpus and robust batches."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
from conftest import DATA
from jdef import __version__
from jdef.batch import comparison_rows, run_batch
from jdef.cli import app
from jdef.constants import SCENARIO_DIR
from jdef.scenario import load_scenario
from typer.testing import CliRunner

runner = CliRunner()
BAD_DIR = DATA / "scenarios"
EXPECTED_FIELD = {
    "bad-syntax.toml": "not valid TOML",
    "bad-unknown-key.toml": "horizn",
    "bad-unknown-nested-key.toml": "economy.volatilty_scale",
    "bad-wrong-type.toml": "draws",
    "bad-negative-draws.toml": "draws",
    "bad-probability-out-of-range.toml": "thresholds",
    "bad-unknown-policy.toml": "policies",
    "bad-cycle-a.toml": "extends",
    "bad-cycle-b.toml": "extends",
    "bad-missing-parent.toml": "extends",
    "bad-years-out-of-order.toml": "economy.forced_recessions",
    "bad-thresholds-out-of-order.toml": "thresholds",
    "bad-unknown-rule.toml": "post2027.rule",
    "bad-unknown-path.toml": "economy.path",
    "bad-target-after-horizon.toml": "post2027.target_year",
    "bad-negative-topup.toml": "supplementary.max_topup",
    "bad-as-of.toml": "as_of",
    "bad-bool.toml": "supplementary.target_seeking",
    "bad-target-policy.toml": "supplementary.target_policy",
    "bad-horizon.toml": "horizon",
    "bad-negative-volatility.toml": "economy.volatility_scale",
    "bad-table-expected.toml": "economy",
    "bad-empty-thresholds.toml": "thresholds",
}


def test_corpus_is_complete():
    files = sorted(p.name for p in BAD_DIR.glob("bad-*.toml"))
    assert len(files) >= 15
    assert set(files) == set(EXPECTED_FIELD)


@pytest.mark.parametrize("name", sorted(EXPECTED_FIELD))
def test_bad_scenario_exit_2_names_file_and_key(tmp_path, name):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(BAD_DIR / name), "--draws", "10", "--out", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert name in err and EXPECTED_FIELD[name] in err
    assert "Traceback" not in res.stdout + res.stderr
    assert not out.exists()


def test_error_names_the_file_or_option_that_set_the_key(tmp_path):
    """A bad value inherited through ``extends`` is blamed on the file that set it; one from
    ``--set`` on that option."""
    child = tmp_path / "child.toml"
    child.write_text(f'extends = "{BAD_DIR / "bad-negative-draws.toml"}"\nname = "child"\n')
    res = runner.invoke(app, ["run", str(child), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "bad-negative-draws.toml: draws" in res.stderr, res.stderr
    res = runner.invoke(
        app, ["run", "scenarios/baseline.toml", "--set", "draws=-5", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and res.stderr.startswith("error: --set draws=-5: draws"), res.stderr
    assert not (tmp_path / "o").exists()


def test_validate_reports_every_error_at_once(tmp_path):
    f = tmp_path / "many.toml"
    f.write_text('name = "x"\ndraws = -1\nhorizn = 2040\n[economy]\npath = "nope"\n')
    res = runner.invoke(app, ["scenarios", "validate", str(f)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 3
    assert (
        any("draws" in x for x in lines)
        and any("horizn" in x for x in lines)
        and any("economy.path" in x for x in lines)
    )


def test_layering_overrides_only_what_differs():
    base = load_scenario(SCENARIO_DIR / "baseline.toml")
    child = load_scenario(SCENARIO_DIR / "growth-transition.toml")
    assert child.name == "growth-transition"
    assert child.economy.path.value == "growth_transition"
    assert (
        child.horizon == base.horizon
        and child.seed == base.seed
        and child.policies == base.policies
    )
    assert child.post2027 == base.post2027 and child.supplementary == base.supplementary
    res = runner.invoke(app, ["scenarios", "show", str(SCENARIO_DIR / "topup-on.toml")])
    assert '"target_seeking": true' in res.stdout and '"horizon": 2040' in res.stdout


def test_common_random_numbers_make_self_difference_zero(tmp_path):
    scs = [
        load_scenario(SCENARIO_DIR / "baseline.toml"),
        load_scenario(SCENARIO_DIR / "baseline.toml", ["name=same-as-baseline"]),
        load_scenario(SCENARIO_DIR / "growth-transition.toml"),
    ]
    outcomes = run_batch(scs, 600, 5, tmp_path)
    rows = comparison_rows(outcomes)
    same = [r for r in rows if r["scenario"] == "same-as-baseline"]
    assert same and all(r["difference"] == 0.0 and r["difference_se"] == 0.0 for r in same)
    # a different scenario differs somewhere, with a finite paired s.e.
    other = [r for r in rows if r["scenario"] == "growth-transition"]
    assert all(np.isfinite(r["difference_se"]) for r in other)


@pytest.mark.slow  # a cluster: 5-10 s
def test_batch_on_an_external_scheduler_writes_here(tmp_path):
    """The workers of an external scheduler may not see this machine's files: they send the
    summaries back and this process writes the same files as a batch in process."""
    from distributed import LocalCluster

    scs = [load_scenario(SCENARIO_DIR / f) for f in ("baseline.toml", "topup-on.toml")]
    a = run_batch(scs, draws=400, seed=3, out=tmp_path / "here")
    with LocalCluster(
        n_workers=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        b = run_batch(
            scs, draws=400, seed=3, out=tmp_path / "there", scheduler=cluster.scheduler_address
        )
    assert comparison_rows(a) == comparison_rows(b)
    for x, y in zip(a, b, strict=True):
        with xr.open_dataset(x.path) as dx, xr.open_dataset(y.path) as dy:
            xr.testing.assert_identical(dx.load().drop_attrs(), dy.load().drop_attrs())


def test_comparison_rows_follow_the_first_outcome(tmp_path):
    """The rows are computed once, as run_batch reads each file back; asked for the
    outcomes in another order, they are recomputed against the new first scenario."""
    scs = [load_scenario(SCENARIO_DIR / f) for f in ("baseline.toml", "topup-on.toml")]
    outcomes = run_batch(scs, 300, 5, tmp_path)
    assert all(o.rows is not None for o in outcomes)  # digested as they were reported
    rows = comparison_rows(outcomes)
    first = [r for r in rows if r["scenario"] == "baseline"]
    assert first and all(r["difference"] == 0.0 for r in first)
    swapped = comparison_rows(outcomes[::-1])
    assert all(r["difference"] == 0.0 for r in swapped if r["scenario"] == "topup-on")
    # the probabilities do not depend on the order; the differences change sign
    key = lambda r: (r["scenario"], r["policy"], r["fiscal_year"], r["threshold"])  # noqa: E731
    back = {key(r): r for r in swapped}
    for r in rows:
        assert back[key(r)]["probability"] == r["probability"]
        if r["scenario"] == "topup-on":
            twin = back[("baseline", *key(r)[1:])]
            assert twin["difference"] == pytest.approx(-r["difference"], abs=1e-12)


def _data(path):
    with xr.open_dataset(path) as ds:
        return ds.load()


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_interrupted_batch_resumes_to_identical_results(tmp_path):
    files = [
        str(SCENARIO_DIR / f)
        for f in (
            "baseline.toml",
            "growth-transition.toml",
            "topup-on.toml",
            "new-plan-55tn-fy2028-32.toml",
        )
    ]
    jdef = [sys.executable, "-m", "jdef.cli", "batch", *files, "--draws", "30000", "--seed", "3"]
    full, part = tmp_path / "full", tmp_path / "part"
    subprocess.run([*jdef, "--out", str(full)], check=True, capture_output=True)
    proc = subprocess.Popen(
        [*jdef, "--out", str(part)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not (part / "baseline.nc").exists():
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    assert not (part / "batch.nc").exists() or proc.returncode == 0
    # nothing that looks complete but is not: every .nc present opens
    for f in part.glob("*.nc"):
        _data(f)
    res = subprocess.run([*jdef, "--out", str(part)], check=True, capture_output=True, text=True)
    assert "skipped (up to date)" in res.stderr
    for name in ("baseline", "growth-transition", "topup-on", "new-plan-55tn-fy2028-32", "batch"):
        a, b = _data(full / f"{name}.nc"), _data(part / f"{name}.nc")
        xr.testing.assert_equal(a, b)


def test_changed_scenario_is_recomputed(tmp_path):
    sc = load_scenario(SCENARIO_DIR / "baseline.toml")
    run_batch([sc], 300, 1, tmp_path)
    first = run_batch([sc], 300, 1, tmp_path)
    assert first[0].skipped
    changed = load_scenario(
        SCENARIO_DIR / "baseline.toml", ["post2027.rule=grow_nominal", "post2027.growth=0.02"]
    )
    assert not run_batch([changed], 300, 1, tmp_path)[0].skipped
    assert not run_batch([sc], 301, 1, tmp_path)[0].skipped


def test_batch_cli_writes_combined_file(tmp_path):
    files = [str(SCENARIO_DIR / "baseline.toml"), str(SCENARIO_DIR / "topup-on.toml")]
    res = runner.invoke(app, ["batch", *files, "--draws", "400", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "batch.nc") as ds:
        assert list(ds.scenario.values) == ["baseline", "topup-on"]
        assert "probability_of_spending_ratio_above_threshold" in ds
    assert "paired difference" in res.stdout


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_batch_on_workers_is_the_batch_in_process(tmp_path):
    """A batch on a local cluster (a scenario a task) writes the same files as in this process
    (scenarios side by side on threads)."""
    scs = [load_scenario(SCENARIO_DIR / f) for f in ("baseline.toml", "no-supplementary.toml")]
    here, there = tmp_path / "here", tmp_path / "there"
    a = run_batch(scs, draws=600, seed=3, out=here)
    b = run_batch(scs, draws=600, seed=3, out=there, workers=2)
    assert comparison_rows(a) == comparison_rows(b)
    for x, y in zip(a, b, strict=True):
        with xr.open_dataset(x.path) as dx, xr.open_dataset(y.path) as dy:
            xr.testing.assert_identical(dx.load().drop_attrs(), dy.load().drop_attrs())
            # each worker wrote its own file: with this process's command line in its history
            # and the same attributes but the dates
            skip = ("history", "date_created", "date_modified", "date_issued")
            same = {k: v for k, v in dx.attrs.items() if k not in skip and "date_" not in k}
            assert {k: dy.attrs[k] for k in same} == same
            assert dy.attrs["history"].endswith(f"{dx.attrs['command_line']} (jdef {__version__})")


@pytest.mark.parametrize("name", ["bad-unknown-policy.toml", "bad-target-policy.toml"])
def test_batch_on_workers_reports_a_bad_policy_before_starting_a_cluster(
    tmp_path, monkeypatch, name
):
    import jdef.parallel

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started for a batch with a bad policy")

    monkeypatch.setattr(jdef.parallel, "background", no_cluster)
    out = tmp_path / "out"
    args = ["batch", str(SCENARIO_DIR / "baseline.toml"), str(BAD_DIR / name), "--draws", "10"]
    res = runner.invoke(app, [*args, "--workers", "2", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert name in res.stderr and EXPECTED_FIELD[name] in res.stderr
    assert not out.exists()


def test_batch_on_workers_refuses_two_scenarios_of_one_name_before_starting_a_cluster(
    tmp_path, monkeypatch
):
    import jdef.parallel

    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started for a batch with two scenarios of one name")

    monkeypatch.setattr(jdef.parallel, "background", no_cluster)
    base = str(SCENARIO_DIR / "baseline.toml")
    out = tmp_path / "out"
    res = runner.invoke(app, ["batch", base, base, "--workers", "2", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "two scenarios are named 'baseline'" in res.stderr
    assert not out.exists()
