"""Regression: seeded small runs against the committed golden digests (golden/*.json).

Every variable (data and coordinates) of every NetCDF file the golden commands write must be
bit for bit identical, and every global attribute but the volatile ones listed in
``make_golden.VOLATILE_ATTRS``. An intended change of results regenerates the files with
``make golden``, in a commit of its own that says why.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from conftest import GOLDEN

HERE = GOLDEN
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
assert _spec and _spec.loader
mg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mg)


@pytest.mark.parametrize("name", [name for name, _ in mg.CASES])
def test_golden(name: str, tmp_path: Path) -> None:
    args = dict(mg.CASES)[name]
    made = mg.run_case(args, tmp_path)
    golden = json.loads(mg.golden_file(name).read_text())
    assert sorted(made) == sorted(golden), "the command wrote other files than the golden run"
    problems = []
    for file, want in golden.items():
        got = made[file]
        for var in sorted(set(want["variables"]) | set(got["variables"])):
            a, b = want["variables"].get(var), got["variables"].get(var)
            if a != b:
                problems.append(f"{file}: variable {var}: golden {a} != now {b}")
        for key in sorted(set(want["attrs"]) | set(got["attrs"])):
            a, b = want["attrs"].get(key), got["attrs"].get(key)
            if a != b:
                problems.append(
                    f"{file}: attribute {key}: golden {str(a)[:200]!r} != now {str(b)[:200]!r}"
                )
    assert not problems, "\n".join(problems[:40])
