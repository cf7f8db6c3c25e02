"""Atomic writes: unique temporary names that no result glob matches, removed on SIGTERM and
SIGINT, swept after kill -9; write access checked before computing; a full disk named."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jdef import io
from jdef.cli import app
from typer.testing import CliRunner

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]

# the child stops inside the atomic write (its temporary file open) until it is signalled
_SLOW_WRITE = """
import sys, time
from pathlib import Path
import jdef.io as io
encoding, marker = io._encoding, Path(sys.argv[1])
def slow(ds):
    marker.write_text("writing")
    time.sleep(60)
    return encoding(ds)
io._encoding = slow
sys.argv = ["jdef", *sys.argv[2:]]
from jdef.cli import main
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_during_write_leaves_nothing(tmp_path, sig):
    out, marker = tmp_path / "out", tmp_path / "marker"
    args = ["run", "baseline", "--draws", "50", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_WRITE, str(marker), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    temps = list(out.iterdir())
    assert len(temps) == 1 and temps[0].name.endswith(io.TEMP_SUFFIX)
    assert not list(out.glob("*.nc")), "a temporary file matches the result glob"
    child.send_signal(sig)
    child.communicate(timeout=30)
    assert child.returncode == (143 if sig == signal.SIGTERM else 130)
    assert list(out.iterdir()) == []


def test_stale_temporary_files_are_swept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = out / f".baseline.nc.{2**31 - 1}.abcdefgh{io.TEMP_SUFFIX}"
    old = out / f".baseline.nc.{os.getppid()}.ijklmnop{io.TEMP_SUFFIX}"
    live = out / f".other.nc.{os.getppid()}.qrstuvwx{io.TEMP_SUFFIX}"
    for p in (dead, old, live):
        p.write_bytes(b"CDF partial")
    hours_ago = time.time() - 2 * io.STALE_AFTER
    os.utime(old, (hours_ago, hours_ago))
    res = runner.invoke(app, ["run", "baseline", "--draws", "20", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [live.name, "baseline.nc"]


def test_calibrate_into_missing_folder(tmp_path):
    target = tmp_path / "new" / "deeper" / "params.toml"
    res = runner.invoke(app, ["calibrate", "--out", str(target.parent)])
    assert res.exit_code == 0, res.output
    assert target.read_text().startswith(Path(ROOT / "calibration/params.toml").read_text()[:20])
    assert [p.name for p in target.parent.iterdir()] == ["params.toml"]


def test_calibrate_out_is_a_folder(tmp_path, monkeypatch):
    """Without --out calibrate writes outputs/params.toml, never the installed package's."""
    from jdef.constants import PARAMS_FILE

    monkeypatch.chdir(tmp_path)
    before = PARAMS_FILE.stat().st_mtime_ns
    res = runner.invoke(app, ["calibrate"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "outputs" / "params.toml").is_file()
    assert PARAMS_FILE.stat().st_mtime_ns == before
    res = runner.invoke(app, ["calibrate", "--out", str(tmp_path / "p.toml")])
    assert res.exit_code == 2 and "a folder, not a file" in res.stderr, res.output


def _impossible(tmp_path: Path) -> list[Path]:
    regular = tmp_path / "file"
    regular.write_text("x")
    return [Path("/proc/jdef-x"), regular / "x", regular]


COMMANDS = {
    "run": ["run", "baseline", "--draws", "20"],
    "batch": ["batch", "scenarios/baseline.toml", "--draws", "20"],
    "sensitivity": ["sensitivity", "baseline", "--draws", "20"],
    "backtest": ["backtest", "--draws", "20"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_unwritable_out_refused_before_computing(tmp_path, monkeypatch, command):
    def never(*args, **kwargs):
        raise AssertionError("computed before the output folder was checked")

    import jdef.backtest
    import jdef.batch
    import jdef.runner
    import jdef.sensitivity

    monkeypatch.setattr(jdef.runner, "simulate", never)
    monkeypatch.setattr(jdef.batch, "run_batch", never)
    monkeypatch.setattr(jdef.sensitivity, "Evaluator", never)
    monkeypatch.setattr(jdef.backtest, "run_backtest", never)
    monkeypatch.chdir(ROOT)
    for out in _impossible(tmp_path):
        t0 = time.monotonic()
        res = runner.invoke(app, [*COMMANDS[command], "--out", str(out)])
        assert res.exit_code == 2, res.output
        err = res.stderr.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: --out: "), err
        assert str(out) in err
        assert time.monotonic() - t0 < 5


def test_unwritable_report_and_calibrate_refused(tmp_path):
    result = tmp_path / "r.nc"
    result.write_bytes(b"not computed")
    for out in _impossible(tmp_path):
        res = runner.invoke(app, ["report", str(result), "--out", str(out)])
        assert res.exit_code == 2 and "--out" in res.stderr, res.output
        res = runner.invoke(app, ["calibrate", "--out", str(out)])
        assert res.exit_code == 2 and "--out" in res.stderr, res.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o500)
    res = runner.invoke(app, ["run", "baseline", "--draws", "20", "--out", str(ro / "x")])
    assert res.exit_code == 2 and "--out" in res.stderr, res.output


def test_full_disk_reported_as_such(tmp_path, monkeypatch):
    def full(ds):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(io, "_encoding", full)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "baseline", "--draws", "20", "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert res.stderr.strip() == f"error: no space left on device writing {out / 'baseline.nc'}"
    assert list(out.iterdir()) == []


def test_hdf_error_on_a_full_disk(tmp_path, monkeypatch):
    class Full:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr(io.os, "statvfs", lambda folder: Full)
    with pytest.raises(io.DiskFullError, match="no space left on device writing"):
        with io._atomic(tmp_path / "x.nc"):
            raise RuntimeError("NetCDF: HDF error")
    with pytest.raises(OSError, match="denied"):
        with io._atomic(tmp_path / "y.nc"):
            raise PermissionError(errno.EACCES, "denied")
    assert list(tmp_path.iterdir()) == []


def test_temporary_names_are_unique(tmp_path):
    with io._atomic(tmp_path / "a.nc") as t1, io._atomic(tmp_path / "a.nc") as t2:
        assert t1 != t2
        for t in (t1, t2):
            assert Path(t).name.startswith(f".a.nc.{os.getpid()}.") and t.endswith(".jdef-tmp")
        Path(t1).write_bytes(b"1")
        Path(t2).write_bytes(b"2")
    assert (tmp_path / "a.nc").read_bytes() in (b"1", b"2")
    assert [p.name for p in tmp_path.iterdir()] == ["a.nc"]


def test_sigterm_during_a_long_run_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-m", "jdef.cli", "run", "baseline", "--draws", "2000000"]
        + ["--summary-only", "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(4)
    assert child.poll() is None, "the run ended before the signal; give it more draws"
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=60)
    assert child.returncode == 143
    assert not out.exists() or list(out.iterdir()) == []
