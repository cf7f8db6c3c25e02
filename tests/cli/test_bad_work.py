"""Work size and the remaining command-line cases of the hardening issue: each exits 2 with one
line naming the option at fault, no traceback, and nothing written."""

from __future__ import annotations

import math
import os

import pytest
from jdef import constants
from jdef.cli import app
from jdef.errors import InputError
from jdef.prepare import prepare
from jdef.scenario import load_scenario
from jdef.worksize import MAX_DRAWS, check_draws, check_fits, draw_shapes, estimate_bytes
from typer.testing import CliRunner

runner = CliRunner()
HUGE = "99999999999999999999999"


def _refused(args: list[str], tmp_path, option: str, *words: str) -> str:
    out = tmp_path / "out"
    # solve writes nothing and has no --out
    res = runner.invoke(app, args if args[0] == "solve" else [*args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"error: {option}"), err
    assert all(w in err for w in words), err
    assert "Traceback" not in res.output
    assert not out.exists() or not any(out.iterdir()), "something was written"
    return err


@pytest.mark.parametrize(
    "args",
    [
        ["run", "baseline"],
        ["batch", "baseline"],
        ["sensitivity", "baseline"],
        ["solve", "baseline"],
        ["backtest"],
    ],
    ids=lambda a: a[0],
)
def test_absurd_draws_refused_at_once(args: list[str], tmp_path) -> None:
    _refused([*args, "--draws", HUGE], tmp_path, "--draws", f"{MAX_DRAWS:,}")


def test_run_that_cannot_fit_is_refused_with_the_estimate(tmp_path) -> None:
    err = _refused(
        ["run", "baseline", "--exact", "--draws", "100000000"],
        tmp_path,
        "--draws",
        "--summary-only",
    )
    assert " GB of memory" in err


def test_batch_that_cannot_fit_is_refused(tmp_path) -> None:
    _refused(
        ["batch", "baseline", "--keep-draws", "--draws", "100000000"],
        tmp_path,
        "--draws",
        "--keep-draws",
    )


@pytest.fixture(scope="module")
def inputs():
    return prepare(load_scenario("baseline"))


def test_estimate_counts_every_per_draw_array(inputs) -> None:
    shapes = draw_shapes(inputs, 3)
    assert all(s[-1] == 3 for s in shapes.values())
    per_draw = 8 * sum(math.prod(s) for s in draw_shapes(inputs, 1).values())
    assert per_draw == 6832  # 18 years, 9 policy entries, 4 thresholds; + issue 15 components
    # exact: 185 MB, 0.97 x the arrays and 0.7 x the chunks in flight (at most the draws)
    a = estimate_bytes(inputs, 20_000, 20_000, False, False)
    assert a == int(185e6 + 0.97 * 6832 * 20_000 + 0.7 * 6832 * 20_000)
    b = estimate_bytes(inputs, 40_000, 12_288, False, True)
    cores = os.cpu_count() or 1
    assert b == int(185e6 + 1.27 * 6832 * 40_000 + 0.7 * 6832 * min(12_288 * cores, 40_000))
    # streamed: the chunks in flight, not the draws, make the memory
    s = estimate_bytes(inputs, 10**8, 12_288, True, False)
    assert s < 10e9 < estimate_bytes(inputs, 10**8, 10**8, False, False)


def test_check_fits_against_the_memory_given(inputs) -> None:
    need = estimate_bytes(inputs, 1000, 1000, False, False)
    check_fits(inputs, 1000, 1000, False, False, available=need)
    with pytest.raises(InputError) as e:
        check_fits(inputs, 1000, 1000, False, False, available=need - 1)
    assert e.value.file == "draws" and "--summary-only" in e.value.message


@pytest.mark.parametrize("draws", [0, -5, MAX_DRAWS + 1])
def test_check_draws_bounds(draws: int) -> None:
    with pytest.raises(InputError) as e:
        check_draws(draws)
    assert e.value.file == "draws"


def test_as_of_basic_iso_form_refused(tmp_path) -> None:
    _refused(["run", "baseline", "--as-of", "20250630"], tmp_path, "--as-of", "YYYY-MM-DD")


@pytest.mark.parametrize("chunk", ["0", "-1"])
def test_chunk_below_one_refused(chunk: str, tmp_path) -> None:
    _refused(["run", "baseline", "--draws", "10", "--chunk", chunk], tmp_path, "--chunk")


@pytest.mark.parametrize(
    "args,option",
    [
        (["--policy", "nope"], "--policy"),
        (["--year", "2090"], "--year"),
        (["--target", "3"], "--target"),
    ],
)
def test_solve_errors_name_solve_options(args: list[str], option: str, tmp_path) -> None:
    err = _refused(["solve", "baseline", "--draws", "100", *args], tmp_path, option)
    assert "--metric" not in err and "syntax" not in err


def test_scenarios_list_marks_a_non_utf8_file(tmp_path, monkeypatch) -> None:
    (tmp_path / "good.toml").write_text('description = "fine"\n')
    (tmp_path / "latin.toml").write_bytes(b'description = "caf\xe9"\n')
    monkeypatch.setattr(constants, "SCENARIO_DIR", tmp_path)
    res = runner.invoke(app, ["scenarios", "list"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["good", "fine"]
    assert lines[1].startswith("latin") and "unreadable" in lines[1]


def test_scenarios_validate_reports_every_file(tmp_path) -> None:
    (tmp_path / "a.toml").write_text('extends = "baseline"\ndraws = "many"\n')
    (tmp_path / "b.toml").write_bytes(b'name = "\xff"\n')
    (tmp_path / "c.toml").mkdir()
    files = [str(tmp_path / n) for n in ("a.toml", "b.toml", "c.toml")]
    res = runner.invoke(app, ["scenarios", "validate", *files, "scenarios/baseline.toml"])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert [line.split(":")[1].strip() for line in err] == files
    assert "Traceback" not in res.output
    assert res.stdout.strip() == "ok      scenarios/baseline.toml"


@pytest.mark.slow  # moved out of the default suite (under 5 min): see the slow tier
def test_report_keeps_the_users_figures(tmp_path) -> None:
    res = runner.invoke(app, ["run", "baseline", "--draws", "200", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "baseline_figures"
    folder.mkdir()
    mine = folder / "my-chart.png"
    mine.write_bytes(b"\x89PNG\r\n\x1a\n mine")
    (folder / "jdef-figures.txt").write_text("sensitivity.png\n../baseline.nc\nmy-chart.txt\n")
    (folder / "sensitivity.png").write_bytes(b"\x89PNG\r\n\x1a\n old")  # drawn by a report
    res = runner.invoke(app, ["report", str(tmp_path / "baseline.nc")])
    assert res.exit_code == 0, res.output
    assert mine.read_bytes() == b"\x89PNG\r\n\x1a\n mine"
    assert (tmp_path / "baseline.nc").exists()  # a manifest names this folder's PNGs only
    drawn = sorted(p.name for p in folder.glob("*.png") if p != mine)
    assert "sensitivity.png" not in drawn and drawn
    svg = sorted(p.name for p in folder.glob("*.svg"))  # each figure also as SVG
    assert svg == [n.replace(".png", ".svg") for n in drawn]
    assert (folder / "jdef-figures.txt").read_text().splitlines() == sorted(drawn + svg)


@pytest.mark.parametrize(
    "args,where",
    [
        ([], "old.toml"),  # the scenario file's own as_of
        (["--as-of", "1990-01-01"], "--as-of"),
        (["--set", "as_of=1990-01-01"], "--set as_of=1990-01-01"),
        (["--as-of", "2020-01-01", "--set", "as_of=2150-01-01"], "--set as_of=2150-01-01"),
        (["--as-of", "2150-01-01"], "--as-of"),
    ],
)
def test_as_of_fault_named_where_it_was_set(args: list[str], where: str, tmp_path) -> None:
    (tmp_path / "old.toml").write_text(
        f'extends = "{constants.SCENARIO_DIR / "baseline.toml"}"\nas_of = 1990-01-01\n'
    )
    err = _refused(["run", str(tmp_path / "old.toml"), "--draws", "10", *args], tmp_path, "")
    assert err.split(": ")[1].endswith(where), err
    assert ("as_of" in err) == (where != "--as-of"), err


@pytest.mark.parametrize("command", ["sensitivity", "solve"])
def test_as_of_of_the_file_named_by_sensitivity_and_solve(command: str, tmp_path) -> None:
    (tmp_path / "old.toml").write_text(
        f'extends = "{constants.SCENARIO_DIR / "baseline.toml"}"\nas_of = 1990-01-01\n'
    )
    err = _refused([command, str(tmp_path / "old.toml"), "--draws", "100"], tmp_path, "")
    assert err.split(": ")[1].endswith("old.toml") and "as_of" in err, err


def test_draws_cap_is_the_bound_of_a_scenarios_draws() -> None:
    assert load_scenario("baseline", [f"draws={MAX_DRAWS}"]).draws == MAX_DRAWS
    with pytest.raises(InputError):
        load_scenario("baseline", [f"draws={MAX_DRAWS + 1}"])
