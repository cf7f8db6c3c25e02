"""`jdef discover` on the shipped mixture: files written, bad options refused (exit 2)."""

import xarray as xr
from jdef.cli import app
from jdef.constants import SCENARIO_DIR
from typer.testing import CliRunner

MIX = str(SCENARIO_DIR / "late-2026-mixture.toml")


def test_discover_writes_netcdf_csv_and_figure(tmp_path):
    res = CliRunner().invoke(
        app, ["discover", MIX, "--experiments", "48", "--draws", "20", "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    stem = tmp_path / "late-2026-mixture_discover"
    for ext in (".nc", ".csv", ".png"):
        assert stem.with_suffix(ext).exists()
    with xr.open_dataset(stem.with_suffix(".nc")) as ds:
        assert ds.sizes["experiment"] == 48 and "box_coverage" in ds
    assert "box" in res.output
    rep = CliRunner().invoke(app, ["report", str(stem.with_suffix(".nc")), "--out", str(tmp_path)])
    assert rep.exit_code == 0, rep.output
    assert "Scenario discovery (PRIM)" in (tmp_path / "late-2026-mixture_discover.html").read_text()


def test_discover_refuses_bad_options(tmp_path):
    r = CliRunner().invoke(app, ["discover", MIX, "--min-density", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "min-density" in r.output
    r = CliRunner().invoke(app, ["discover", MIX, "--experiments", "3", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "experiments" in r.output
    assert not list(tmp_path.glob("*.nc"))
