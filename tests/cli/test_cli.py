"""The command line: bad input gives exit 2 and one clear line; a good run writes its file."""

from pathlib import Path

import pytest
import xarray as xr
from jdef.cli import app
from jdef.constants import SCENARIO_DIR
from typer.testing import CliRunner

runner = CliRunner()
BAD = {
    "unknown-key.toml": ('name = "x"\ndraws = 10\nhorizn = 2040\n', "horizn"),
    "bad-value.toml": ('name = "x"\ndraws = -5\n', "draws"),
    "bad-syntax.toml": ('name = "x\n', "not valid TOML"),
    "bad-policy.toml": ('name = "x"\npolicies = ["nope"]\n', "policies"),
    "bad-enum.toml": ('name = "x"\n[post2027]\nrule = "double"\n', "post2027.rule"),
    "bad-nested.toml": ('name = "x"\n[economy]\nvolatility = 2.0\n', "economy.volatility"),
}


@pytest.mark.parametrize("fname", BAD)
def test_bad_scenario_exits_2_with_one_line(tmp_path, fname):
    text, field = BAD[fname]
    f = tmp_path / fname
    f.write_text(text)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(f), "--draws", "10", "--out", str(out)])
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1
    assert fname in err and field in err
    assert "Traceback" not in res.output + res.stderr
    assert not out.exists() or not any(out.iterdir())


def test_did_you_mean(tmp_path):
    f = tmp_path / "typo.toml"
    f.write_text('name = "x"\nhorizn = 2040\n')
    res = runner.invoke(app, ["run", str(f)])
    assert "did you mean 'horizon'" in res.stderr


def test_negative_draws_option(tmp_path):
    res = runner.invoke(
        app, ["run", str(SCENARIO_DIR / "baseline.toml"), "--draws", "-1", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2 and "draws" in res.stderr


BASE = str(SCENARIO_DIR / "baseline.toml")
SOLVE = [
    "solve",
    BASE,
    "--target",
    "0.02",
    "--year",
    "2030",
    "--policy",
    "current-gdp",
    "--probability",
    "0.8",
]


@pytest.mark.parametrize(
    "args,option",
    [
        (["batch", BASE, "--seed", "-1"], "--seed"),
        (["sensitivity", BASE, "--method", "oat", "--seed", "-1"], "--seed"),
        ([*SOLVE, "--seed", "-1"], "--seed"),
        ([*SOLVE, "--draws", "0"], "--draws"),
        (["backtest", "--seed", "-1"], "--seed"),
    ],
)
def test_negative_seed_or_too_few_draws_named_in_every_command(tmp_path, args, option):
    res = runner.invoke(
        app, [*args, *(["--out", str(tmp_path / "out")] if args[0] != "solve" else [])]
    )
    assert res.exit_code == 2, res.output
    assert option in res.stderr and "Traceback" not in res.stderr and "Error" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_run_writes_file_and_summary(tmp_path):
    res = runner.invoke(
        app,
        [
            "run",
            str(SCENARIO_DIR / "baseline.toml"),
            "--draws",
            "300",
            "--seed",
            "7",
            "--out",
            str(tmp_path),
            "--csv",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "FY2027" in res.stdout and "current" in res.stdout
    with xr.open_dataset(tmp_path / "baseline.nc") as ds:
        assert ds.attrs["draws"] == "300"
    csv_text = (tmp_path / "baseline_summary.csv").read_text()
    assert csv_text.startswith("# title: ")
    assert "\npolicy,fiscal_year,threshold,statistic,value," in csv_text


def test_set_override_parsed_as_toml(tmp_path):
    res = runner.invoke(
        app,
        [
            "scenarios",
            "show",
            str(SCENARIO_DIR / "baseline.toml"),
            "--set",
            "post2027.growth=0.03",
            "--set",
            "post2027.rule=grow_nominal",
        ],
    )
    assert res.exit_code == 0 and '"growth": 0.03' in res.stdout and '"grow_nominal"' in res.stdout


def test_scenarios_validate_shipped():
    files = [str(p) for p in sorted(Path(SCENARIO_DIR).glob("*.toml"))]
    res = runner.invoke(app, ["scenarios", "validate", *files])
    assert res.exit_code == 0, res.output


def test_too_early_as_of_exits_2(tmp_path):
    res = runner.invoke(
        app,
        [
            "run",
            str(SCENARIO_DIR / "baseline.toml"),
            "--as-of",
            "2022-06-30",
            "--draws",
            "50",
            "--out",
            str(tmp_path),
        ],
    )
    assert (
        res.exit_code == 2 and "error: --as-of: only" in res.stderr and "2024-12-31" in res.stderr
    )
    assert "Traceback" not in res.stderr


def test_invalid_policy_file_is_named(tmp_path):
    bad = tmp_path / "badpol.toml"
    bad.write_text(
        'name = "badpol"\ndenominator = "fy2022_fixed"\nsupplementary = true\n'
        "[shares]\nmod_core = 1.5\n"
    )
    f = tmp_path / "s.toml"
    f.write_text(f'name = "s"\npolicies = ["{bad}"]\n')
    res = runner.invoke(app, ["run", str(f), "--draws", "20", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "badpol.toml" in res.stderr and "shares.mod_core" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_library_parameters_reported_as_options(tmp_path):
    """The library names its parameters; the command line reports them as its options."""
    from jdef.cli.errors import cli_message
    from jdef.errors import InputError

    assert (
        cli_message(InputError("chunk", "", "must be at least 1")) == "--chunk: must be at least 1"
    )
    assert (
        cli_message(InputError("overrides draws=-5", "draws", "must be >= 1"))
        == "--set draws=-5: draws: must be >= 1"
    )
    assert cli_message(InputError("a/draws.toml", "draws", "bad")) == "a/draws.toml: draws: bad"
    res = runner.invoke(app, ["run", BASE, "--set", "draws", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert res.stderr.strip() == "error: --set: draws: expected KEY=VALUE"
    assert not list(tmp_path.iterdir())
