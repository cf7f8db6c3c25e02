"""The bad-input corpus (tests/data/bad/): every case exits 2 with one line that names the
file and the field, no traceback, and nothing written anywhere.

Each scenario file in tests/data/bad/scenarios/ states the field its error must name in
its first line (``# field: KEY``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DATA
from jdef.cli import app
from typer.testing import CliRunner

CORPUS = DATA / "bad"
SCENARIOS = sorted((CORPUS / "scenarios").glob("*.toml"))
runner = CliRunner()


def _field(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# field: "), f"{path.name}: first line must be '# field: KEY'"
    return first.removeprefix("# field: ")


def _refused(args: list[str], out: Path, cwd: Path, file: str, field: str) -> None:
    before = sorted(os.listdir(cwd))
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert file in err and field in err, err
    assert "Traceback" not in res.output + res.stderr
    assert not out.exists() or not any(out.iterdir()), "something was written"
    assert sorted(os.listdir(cwd)) == before, "something was written beside the output folder"


def test_corpus_is_large_enough() -> None:
    assert len(SCENARIOS) >= 40


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bad_scenario_file(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(
        ["run", str(path), "--draws", "10"], tmp_path / "out", tmp_path, path.name, _field(path)
    )


@pytest.mark.parametrize(
    "override,field",
    [
        ("name=../../x", "name"),
        ("name=/tmp/jdef-escape/x", "name"),
        ('name=""', "name"),
        ("name=batch", "name"),
        ("plan.fy2027_budget=inf", "plan.fy2027_budget"),
        ("supplementary.fixed_topup=1e300", "supplementary.fixed_topup"),
        ("economy.fx_anchor=nan", "economy.fx_anchor"),
        ('horizon="2040"', "horizon"),
        ("draws=true", "draws"),
        ("as_of=2150-01-01", "as_of"),
    ],
)
def test_bad_override(
    override: str, field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(
        ["run", "baseline", "--draws", "10", "--set", override],
        tmp_path / "out",
        tmp_path,
        f"--set {override}",
        field,
    )


def test_scenario_that_is_a_fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # reading it would block for ever
    _refused(["run", str(fifo), "--draws", "10"], tmp_path / "out", tmp_path, "pipe.toml", "")


def test_extends_a_fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "pipe.toml")
    child = tmp_path / "child.toml"
    child.write_text('extends = "pipe.toml"\ndraws = 10\n')
    _refused(["run", str(child)], tmp_path / "out", tmp_path, "child.toml", "extends")


def test_extends_chain_too_deep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s0.toml").write_text("draws = 10\n")
    for i in range(1, 1500):
        (tmp_path / f"s{i}.toml").write_text(f'extends = "s{i - 1}.toml"\n')
    _refused(["run", str(tmp_path / "s1499.toml")], tmp_path / "out", tmp_path, ".toml", "extends")


def test_scenario_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    big = tmp_path / "big.toml"
    big.write_text("draws = 10\n" + "# padding\n" * 200_000)
    _refused(["run", str(big)], tmp_path / "out", tmp_path, "big.toml", "")
