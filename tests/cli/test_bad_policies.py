"""Bad policies (tests/data/bad/policies/): each scenario there names a bad policy, and
``jdef run`` exits 2 with one line naming the file and the field, writing nothing.

Each scenario states the field its error must name (``# field: KEY``) and the file
(``# file: PATH``) in its first two lines. Policy paths in a scenario are relative to the
scenario file, so the tests run from an unrelated folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DATA
from jdef.cli import app
from jdef.constants import POLICY_DIR
from jdef.errors import InputError
from jdef.policies import MAX_POLICY_BYTES, load_policy
from test_bad_input import _refused, runner

CORPUS = DATA / "bad" / "policies"
SCENARIOS = sorted(CORPUS.glob("*.toml"))
SHIPPED_POLICY = POLICY_DIR / "current.toml"


def _header(path: Path) -> tuple[str, str]:
    field, file = path.read_text().splitlines()[:2]
    assert field.startswith("# field: ") and file.startswith("# file: "), path.name
    return file.removeprefix("# file: "), field.removeprefix("# field: ")


def test_corpus_is_large_enough() -> None:
    assert len(SCENARIOS) >= 12


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bad_policy(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    file, field = _header(path)
    where = f"{file}: {field}: "  # the error's own "FILE: FIELD: message", not a substring
    _refused(["run", str(path), "--draws", "10"], tmp_path / "out", tmp_path, where, field)


def test_duplicate_names_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", str(CORPUS / "dup-pair.toml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "twin-a.toml" in res.stderr and "twin-b.toml" in res.stderr, res.stderr


def _scenario_naming(tmp_path: Path, policy: Path) -> Path:
    sc = tmp_path / "sc" / "mine.toml"
    sc.parent.mkdir(exist_ok=True)
    sc.write_text(f'policies = ["current", "{os.path.relpath(policy, sc.parent)}"]\n')
    return sc


@pytest.mark.parametrize("kind", ["folder", "fifo", "device", "too-large"])
def test_policy_not_a_small_regular_file(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "pol" / f"{kind}.toml"
    bad.parent.mkdir()
    if kind == "folder":
        bad.mkdir()
    elif kind == "fifo":
        os.mkfifo(bad)  # reading it would block for ever
    elif kind == "device":
        bad.symlink_to("/dev/zero")  # reading it would never end
    else:
        bad.write_text(SHIPPED_POLICY.read_text() + "# padding\n" * (MAX_POLICY_BYTES // 10))
    sc = _scenario_naming(tmp_path, bad)
    why = "larger than" if kind == "too-large" else "not a regular file"
    where = f"{kind}.toml: {why}"
    _refused(["run", str(sc), "--draws", "10"], tmp_path / "out", tmp_path, where, "")


def test_policy_path_relative_to_the_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid policy named by a path relative to its scenario runs from any folder, and its
    entries are reported under its name."""
    pol = tmp_path / "pol" / "mine.toml"
    pol.parent.mkdir()
    pol.write_text(SHIPPED_POLICY.read_text().replace('name = "current"', 'name = "mine"'))
    sc = _scenario_naming(tmp_path, pol)
    elsewhere = tmp_path / "a" / "b"  # the policy's relative path means nothing from here
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    res = runner.invoke(app, ["run", str(sc), "--draws", "10", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    import xarray as xr

    with xr.open_dataset(tmp_path / "out" / "mine.nc") as ds:
        assert list(ds["policy"].values) == ["current", "mine"]


@pytest.mark.parametrize("name", ["../../../x/mine", "../baseline", "a/b", "..", ".hidden", ""])
def test_policy_name_is_plain(name: str) -> None:
    with pytest.raises(InputError) as info:
        load_policy(name)
    assert info.value.file == name
