"""``--data-dir`` (and ``$JDEF_DATA_DIR``): a user's own data folder replaces the shipped data.

The CLI makes the option the process's data folder; each test first sets the variable
through monkeypatch so that it is restored for the tests after it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import xarray as xr
from jdef.cli import app
from jdef.constants import DATA_DIR_ENV, SHIPPED_DATA_DIR
from typer.testing import CliRunner

runner = CliRunner()
ARGS = ["run", "baseline", "--draws", "300", "--seed", "3"]


def _run(out: Path, *extra: str) -> xr.Dataset:
    res = runner.invoke(app, [*ARGS, "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    with xr.open_dataset(out / "baseline.nc") as ds:
        return ds.load()


def test_a_copy_of_the_shipped_data_gives_the_shipped_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "")
    mine = tmp_path / "data"
    shutil.copytree(SHIPPED_DATA_DIR, mine)
    shipped = _run(tmp_path / "a")
    own = _run(tmp_path / "b", "--data-dir", str(mine))
    # parameters refitted in memory on the same rows: every number is the same
    xr.testing.assert_equal(shipped.drop_attrs(), own.drop_attrs())


def test_own_data_changes_the_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "")
    mine = tmp_path / "data"
    shutil.copytree(SHIPPED_DATA_DIR, mine)
    plan = mine / "plan.csv"
    lines = plan.read_text().splitlines(keepends=True)
    # the plan's FY2027 budget, 10% higher
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == "plan_fy2027_budget" and cells[2] == "2027":
            cells[3] = repr(float(cells[3]) * 1.1)
            lines[i] = ",".join(cells)
            break
    else:
        pytest.fail("no plan_fy2027_budget FY2027 row in plan.csv")
    plan.write_text("".join(lines))
    shipped = _run(tmp_path / "a")
    own = _run(tmp_path / "b", "--data-dir", str(mine))
    a = shipped.spending_ratio_mean.sel(policy="mod-core", fiscal_year=2027)
    b = own.spending_ratio_mean.sel(policy="mod-core", fiscal_year=2027)
    assert float(b) > float(a)


def test_data_dir_that_is_not_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, "")
    res = runner.invoke(app, [*ARGS, "--out", str(tmp_path), "--data-dir", str(tmp_path / "x")])
    assert res.exit_code == 2 and "--data-dir" in res.stderr and "not a folder" in res.stderr
    assert not any(tmp_path.iterdir())
