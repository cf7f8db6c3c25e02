"""Batch resume: a scenario is skipped only when nothing its results depend on changed (the
scenario, seed, draws, --keep-draws, calibration, data, model version); batch streams as run
does; no scenario can take the combined file's name."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import BASELINE
from jdef import batch as batch_module
from jdef.batch import PAIRED, comparison_rows, run_batch
from jdef.cli import app
from jdef.constants import DATA_DIR_ENV, PARAMS_FILE, SCENARIO_DIR, SHIPPED_DATA_DIR
from jdef.errors import InputError
from jdef.params import load_params
from jdef.prepare import prepare
from jdef.scenario import load_scenario
from typer.testing import CliRunner

runner = CliRunner()
DRAWS, SEED = 300, 1


def _skipped(out: Path, sc=None, **kw) -> bool:
    [o] = run_batch(
        [sc or load_scenario(BASELINE)], kw.pop("draws", DRAWS), kw.pop("seed", SEED), out, **kw
    )
    return o.skipped


@pytest.fixture
def done(tmp_path: Path) -> Path:
    """An output folder holding an up-to-date baseline run (a second run skips it)."""
    assert not _skipped(tmp_path)
    assert _skipped(tmp_path)
    return tmp_path


def test_scenario_seed_and_draws_rerun(done: Path) -> None:
    assert not _skipped(done, load_scenario(BASELINE, ["supplementary.fixed_topup=0.1"]))
    assert not _skipped(done, seed=SEED + 1)
    assert not _skipped(done, seed=SEED + 1, draws=DRAWS + 1)
    assert _skipped(done, seed=SEED + 1, draws=DRAWS + 1)


def test_keep_draws_reruns_and_keeps_the_draws(done: Path) -> None:
    assert not _skipped(done, keep_draws=True)
    with xr.open_dataset(done / "baseline.nc") as ds:
        assert ds["ratio_draws"].sizes["draw"] == DRAWS
    assert _skipped(done, keep_draws=True)
    assert not _skipped(done)
    with xr.open_dataset(done / "baseline.nc") as ds:
        assert "ratio_draws" not in ds


def test_cli_rerun_with_keep_draws_is_not_skipped(tmp_path: Path) -> None:
    args = ["batch", str(BASELINE), "--draws", "200", "--out", str(tmp_path)]
    assert "wrote" in runner.invoke(app, args).stderr
    assert "skipped (up to date)" in runner.invoke(app, args).stderr
    res = runner.invoke(app, [*args, "--keep-draws"])
    assert res.exit_code == 0 and "skipped" not in res.stderr, res.stderr


def test_modified_calibration_reruns(done: Path, tmp_path_factory) -> None:
    text = PARAMS_FILE.read_text()
    old = "shock_bound = { value = 8.0,"
    assert old in text
    copy = tmp_path_factory.mktemp("cal") / "params.toml"
    copy.write_text(text.replace(old, "shock_bound = { value = 7.0,"))
    sc = load_scenario(BASELINE)
    same = prepare(sc, params=load_params(text=PARAMS_FILE.read_text()))
    assert _skipped(done, sc, inputs=[same])  # the same calibration, read from another place
    inp = prepare(sc, params=load_params(copy))
    assert not _skipped(done, sc, inputs=[inp])
    assert _skipped(done, sc, inputs=[inp])


def _data_copy(where: Path) -> Path:
    copy = where / "data"
    shutil.copytree(SHIPPED_DATA_DIR, copy)
    return copy


def _change_a_gdp_figure(data: Path) -> None:
    gdp = data / "gdp.csv"
    text = gdp.read_text(encoding="utf-8")
    old = "nominal_gdp,FY,1995,534.7062,"
    assert old in text
    gdp.write_text(text.replace(old, "nominal_gdp,FY,1995,534.7063,"), encoding="utf-8")


def test_modified_data_file_reruns_same_calibration(done: Path, tmp_path_factory) -> None:
    """A data file changed, the calibration kept: the data hashes alone make it re-run."""
    data = _data_copy(tmp_path_factory.mktemp("d"))
    sc, params = load_scenario(BASELINE), load_params()
    inp = prepare(sc, params=params, data_dir=data)
    assert _skipped(done, sc, inputs=[inp], data_dir=data)  # the same bytes: up to date
    _change_a_gdp_figure(data)
    inp = prepare(sc, params=params, data_dir=data)
    assert not _skipped(done, sc, inputs=[inp], data_dir=data)
    assert _skipped(done, sc, inputs=[inp], data_dir=data)


def test_modified_data_through_the_environment_reruns(
    done: Path, tmp_path_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data_copy(tmp_path_factory.mktemp("env"))
    _change_a_gdp_figure(data)
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    assert not _skipped(done)
    assert _skipped(done)


def test_model_version_reruns(done: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_module, "__version__", "999.0")
    assert not _skipped(done)
    assert _skipped(done)


def test_batch_streams_above_the_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above AUTO_STREAM_ABOVE draws (lowered here) a batch streams as run does, unless per-draw
    arrays are kept; the paired draws, and so the comparison, are those of the exact run."""
    import jdef.runner

    monkeypatch.setattr(jdef.runner, "AUTO_STREAM_ABOVE", 1000)
    sc = load_scenario(BASELINE)
    exact, streamed, kept = (tmp_path / n for n in ("exact", "streamed", "kept"))
    [a] = run_batch([sc], 1000, SEED, exact)
    [b] = run_batch([sc], 1001, SEED, streamed)
    [c] = run_batch([sc], 1001, SEED, kept, keep_draws=True)
    method = {}
    for name, o in (("exact", a), ("streamed", b), ("kept", c)):
        with xr.open_dataset(o.path) as ds:
            method[name] = ds.attrs["quantile_method"]
            if name != "exact":
                paired = ds[PAIRED].load()
        if name == "streamed":
            streamed_paired = paired
    assert method["exact"].startswith("exact") and method["kept"].startswith("exact")
    assert method["streamed"].startswith("histogram"), method
    np.testing.assert_array_equal(streamed_paired.values, paired.values)  # kept: exact mode
    assert comparison_rows([b]) == comparison_rows([c])


def test_no_scenario_can_take_the_combined_files_name(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_scenario(BASELINE, ["name=batch"])
    assert err.value.field == "name"
    f = tmp_path / "batch.toml"
    f.write_text(f'extends = "{SCENARIO_DIR / "baseline.toml"}"\nname = "batch"\n')
    res = runner.invoke(
        app, ["batch", str(BASELINE), str(f), "--draws", "100", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and "name" in res.stderr, res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
