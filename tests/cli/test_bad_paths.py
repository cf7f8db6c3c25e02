"""Every output path lies inside --out: ``jdef.paths.output_path`` with hostile names, and the
commands refusing a symbolic link that leads out of the output folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from jdef.cli import app
from jdef.errors import InputError
from jdef.paths import output_path
from typer.testing import CliRunner

runner = CliRunner()


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", "", ".", "..", "a\\b", "x\0y"])
def test_hostile_names_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        output_path(tmp_path / "out", name)
    assert e.value.file == "out"
    assert not (tmp_path / "out").exists()


def test_plain_names_joined_as_given(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert output_path(out, "baseline.nc") == out / "baseline.nc"
    assert output_path(out, "b_figures", "fan.png") == out / "b_figures" / "fan.png"
    assert output_path(Path("rel"), "x.nc") == Path("rel/x.nc")


def test_symlink_leading_outside_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "baseline.nc").symlink_to(elsewhere / "baseline.nc")
    (out / "baseline_figures").symlink_to(elsewhere, target_is_directory=True)
    (out / "inside.nc").symlink_to(out / "real.nc")  # a link that stays inside is fine
    for names in (["baseline.nc"], ["baseline_figures"], ["baseline_figures", "fan.png"]):
        with pytest.raises(InputError, match="outside the output folder"):
            output_path(out, *names)
    assert output_path(out, "inside.nc") == out / "inside.nc"


@pytest.mark.parametrize(
    "args,link",
    [
        (["run", "baseline", "--draws", "10"], "baseline.nc"),
        (["run", "baseline", "--draws", "10", "--csv"], "baseline_summary.csv"),
        (["run", "baseline", "--draws", "10", "--report"], "baseline_figures"),
        (["batch", "baseline", "--draws", "10"], "batch.nc"),
        (
            ["sensitivity", "baseline", "--method", "oat", "--draws", "10"],
            "baseline_sensitivity_oat.png",
        ),
        (["backtest", "--draws", "10"], "backtest.nc"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_commands_refuse_before_running(args: list[str], link: str, tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / link).symlink_to(elsewhere / link)
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert err.startswith("error: --out:") and link in err and len(err.splitlines()) == 1, err
    assert "Traceback" not in res.output
    assert sorted(p.name for p in out.iterdir()) == [link]
    assert not any(elsewhere.iterdir())
