"""The IOOS compliance checker on every kind of file jdef writes (jdef.conventions): the CF-1.11
suite passes with every test completing, and ACDD-1.3 has no high or medium failure other than
``standard_name`` on variables whose comment says CF defines none."""

from pathlib import Path

import pytest
import xarray as xr
from jdef.cli import app
from jdef.conventions import NO_STANDARD_NAME
from typer.testing import CliRunner

pytest.importorskip("compliance_checker")
from compliance_checker.runner import CheckSuite  # noqa: E402

runner = CliRunner()
KINDS = {
    "run": (["run", "baseline", "--draws", "200"], "baseline.nc"),
    "batch": (
        ["batch", "scenarios/baseline.toml", "scenarios/topup-on.toml", "--draws", "200"],
        "batch.nc",
    ),
    "sensitivity": (
        ["sensitivity", "baseline", "--method", "oat", "--draws", "200"],
        "baseline_sensitivity_oat.nc",
    ),
    "backtest": (["backtest", "--draws", "20", "--first-origin", "2018"], "backtest.nc"),
    "discover": (
        # P(3.5% of GDP by FY2035) stays below the default threshold 0.5 in all 20 experiments
        # of the baseline (1 of 20 reach 0.2): a threshold of 0.05 makes 4 of them of interest
        ["discover", "baseline", "--experiments", "20", "--draws", "100", "--threshold", "0.05"],
        "baseline_discover.nc",
    ),
}


def check(path: Path) -> dict[str, tuple[list, dict]]:
    cs = CheckSuite()
    cs.load_all_available_checkers()
    out = cs.run_all(cs.load_dataset(str(path)), ["cf:1.11", "acdd:1.3"], skip_checks=[])
    return {name: (results, errors) for name, (results, errors) in out.items()}


def _ok(r) -> bool:
    return r.value if isinstance(r.value, bool) else r.value[0] == r.value[1]


def assert_compliant(path: Path) -> None:
    res = check(path)
    results, errors = res["cf:1.11"]
    assert not errors, f"CF tests that did not complete: {errors}"
    assert [(r.name, r.msgs) for r in results if not _ok(r)] == []
    results, errors = res["acdd:1.3"]
    assert not errors, errors
    failed = [r for r in results if not _ok(r) and r.weight >= 2]
    other = [(r.name, r.msgs) for r in failed if not all("standard_name" in m for m in r.msgs)]
    assert other == [], other
    with xr.open_dataset(path) as ds:
        for r in failed:  # 'variable "X" missing the following attributes:', ['standard_name']
            name = r.name.split('"')[1]
            assert NO_STANDARD_NAME in ds[name].attrs.get("comment", ""), name


def _make(kind: str, out: Path, monkeypatch) -> Path:
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    args, name = KINDS[kind]
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out / name


@pytest.mark.slow  # 10-35 s: the checker reads every variable
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_run_file_is_cf_and_acdd_clean(tmp_path, monkeypatch):
    path = _make("run", tmp_path, monkeypatch)
    assert_compliant(path)
    with xr.open_dataset(path) as ds:
        assert ds["time"].attrs["standard_name"] == "time" and "time_bnds" in ds
        assert ds["threshold"].attrs["spp__relative_to_threshold"] == "greater_than_or_equal_to"
        p = "probability_of_spending_ratio_above_threshold"
        assert ds[p].attrs["ancillary_variables"].split() == [
            f"{p}_standard_error",
            f"{p}_lower_bound",
            f"{p}_upper_bound",
            "spending_ratio_known",
        ]
        assert "percentile" in ds.dims and ds.quantile  # Dataset.quantile is the method again
        assert ds.attrs["history"].split(" ", 1)[1].startswith("jdef run baseline --draws 200")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("kind", ["batch", "sensitivity", "backtest", "discover"])
def test_every_file_kind_is_cf_and_acdd_clean(kind, tmp_path, monkeypatch):
    path = _make(kind, tmp_path, monkeypatch)
    assert_compliant(path)
    with xr.open_dataset(path) as ds:
        assert "jdef " + kind in ds.attrs["history"]
        if kind == "batch":
            for key in ("scenario", "id_by_scenario", "summary", "date_created"):
                assert key in ds.attrs, key
