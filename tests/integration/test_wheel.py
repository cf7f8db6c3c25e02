"""Integration: the wheel, installed outside the checkout, runs from an empty folder.

The wheel is built from this checkout and installed (without its dependencies, which come
from the test environment through a path file) into a fresh virtual environment. Run from
an empty folder, ``jdef run baseline`` must find its shipped scenario, policies, parameters
and data inside the package and reproduce the checkout's numbers bit for bit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import GOLDEN, ROOT

_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
assert _spec and _spec.loader
mg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mg)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the jdef wheel installed; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    # built from a copy of the sources: setuptools writes build/ and jdef.egg-info/ next to
    # them, and two builds in the checkout at once (pytest-xdist workers) collide there
    src = tmp / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "outputs", "tests", ".*cache", "__pycache__"
        ),
    )
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(src),
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
    )
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    wheels = list(dist.glob("jdef-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheels[0]),
        ],
        check=True,
        capture_output=True,
        cwd=tmp,
    )
    # the dependencies (numpy, xarray, ...) from this environment; not its editable jdef
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(purelib) / "_jdef_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return env_dir / "bin"


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JDEF_DATA_DIR")}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)


def test_wheel_holds_the_shipped_files(installed: Path, tmp_path: Path) -> None:
    code = (
        "import jdef, jdef.constants as c; "
        "print(c.PACKAGE_DIR); print(c.SCENARIO_DIR); print(c.PARAMS_FILE.is_file()); "
        "print(sorted(p.name for p in c.POLICY_DIR.glob('*.toml'))); print(jdef.__version__)"
    )
    out = _run([str(installed / "python"), "-c", code], tmp_path)
    assert out.returncode == 0, out.stderr
    package, scenarios, params, policies, version = out.stdout.splitlines()
    assert "site-packages" in package and str(ROOT) not in package
    assert scenarios == str(Path(package) / "scenarios")
    assert params == "True"
    assert "current" in policies and "nato-style" in policies
    assert version != "0+unknown"


def test_wheel_holds_every_subpackage(installed: Path, tmp_path: Path) -> None:
    """pyproject lists the packages one by one (the source folder is mapped): none forgotten."""
    wanted = sorted(
        ".".join(("jdef", *p.parent.relative_to(ROOT / "model").parts))
        for p in (ROOT / "model").rglob("__init__.py")
    )
    code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
    out = _run([str(installed / "python"), "-c", code, *wanted], tmp_path)
    assert out.returncode == 0, out.stderr


def test_wheel_run_from_an_empty_folder_matches_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    args = ["run", "baseline", "--draws", "2000", "--seed", "11", "--out", "out"]
    wheel = _run([str(installed / "jdef"), *args], empty)
    assert wheel.returncode == 0, wheel.stderr
    here = _run([str(Path(sys.executable).with_name("jdef")), *args], tmp_path)
    assert here.returncode == 0, here.stderr
    assert wheel.stdout == here.stdout  # the summary table, line for line
    got = mg.digest(empty / "out" / "baseline.nc")
    golden = json.loads(mg.golden_file("baseline").read_text())["baseline.nc"]
    assert got["variables"] == golden["variables"]
    assert got["attrs"] == golden["attrs"]
    with __import__("xarray").open_dataset(empty / "out" / "baseline.nc") as ds:
        assert ds.attrs["git_commit"] == ""  # an installed package records no commit
