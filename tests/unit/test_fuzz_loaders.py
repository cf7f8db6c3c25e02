"""Fuzz the input loaders: arbitrary bytes, arbitrary TOML trees and one-key mutations of the
shipped files never raise anything but ``jdef.errors.InputError`` (which the command line turns
into one line and exit 2); never a traceback."""

from __future__ import annotations

import copy
import datetime as dt
import math
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jdef.constants import PARAMS_FILE, POLICY_DIR, SCENARIO_DIR
from jdef.data import COLUMNS, read_table
from jdef.errors import InputError
from jdef.params import load_params
from jdef.policies import load_policy
from jdef.scenario import load_scenario

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
SHIPPED = {
    "scenario": SCENARIO_DIR / "baseline.toml",
    "policy": POLICY_DIR / "nato-style.toml",
    "params": PARAMS_FILE,
}
LOADERS: dict[str, Callable[[Path], object]] = {
    "scenario": load_scenario,
    "policy": load_policy,
    "params": load_params,
    "data": read_table,
}


# --- a tiny TOML writer: every table inline, so any tree of TOML values can be written -------


def _string(s: str) -> str:
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else {"nan": "nan", "inf": "inf", "-inf": "-inf"}[str(v)]
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{_string(k)} = {_value(x)}" for k, x in v.items()) + "}"


def dumps(tree: dict[str, Any]) -> str:
    return "".join(f"{_string(k)} = {_value(v)}\n" for k, v in tree.items())


# --- strategies -------------------------------------------------------------------------------

scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from([0, 1, -1, 0.5, 2026, "current", "baseline", "../x", "/dev/zero"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=6,
)
trees = st.dictionaries(st.text(max_size=12), values, max_size=6)


def _paths(tree: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for k, v in tree.items():
        yield (*prefix, k)
        if isinstance(v, dict):
            yield from _paths(v, (*prefix, k))


def _mutated(
    base: dict[str, Any], path: tuple[str, ...], value: Any, delete: bool
) -> dict[str, Any]:
    """``base`` with the key at ``path`` set to ``value`` (or deleted)."""
    out = copy.deepcopy(base)
    node = out
    for k in path[:-1]:
        node = node[k]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def mutations(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    base = tomllib.loads(SHIPPED[kind].read_text(encoding="utf-8"))
    paths = sorted(_paths(base))
    return st.builds(_mutated, st.just(base), st.sampled_from(paths), values, st.booleans())


MUTATIONS = {kind: mutations(kind) for kind in SHIPPED}
csv_rows = st.lists(
    st.lists(st.text(max_size=12) | st.sampled_from(["2024", "1.5", "http://x", ""]), max_size=12),
    max_size=5,
)


# --- the property -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def _only_input_errors(kind: str, folder: Path, content: bytes) -> None:
    path = folder / f"fuzz-{kind}.{'csv' if kind == 'data' else 'toml'}"
    path.write_bytes(content)
    try:
        LOADERS[kind](path)
    except InputError:
        pass


@pytest.mark.parametrize("kind", sorted(LOADERS))
@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes(kind: str, content: bytes, folder: Path) -> None:
    _only_input_errors(kind, folder, content)


@pytest.mark.parametrize("kind", ["scenario", "policy", "params"])
@FUZZ
@given(tree=trees)
def test_arbitrary_toml_tree(kind: str, tree: dict[str, Any], folder: Path) -> None:
    _only_input_errors(kind, folder, dumps(tree).encode())


@pytest.mark.parametrize("kind", ["scenario", "policy", "params"])
@FUZZ
@given(data=st.data())
def test_shipped_file_with_one_key_changed(kind: str, data: st.DataObject, folder: Path) -> None:
    _only_input_errors(kind, folder, dumps(data.draw(MUTATIONS[kind])).encode())


@FUZZ
@given(rows=csv_rows)
def test_data_csv_rows(rows: list[list[str]], folder: Path) -> None:
    lines = [",".join(COLUMNS), *(",".join(r) for r in rows)]
    _only_input_errors("data", folder, "\n".join(lines).encode())


def test_writer_round_trips_the_shipped_files() -> None:
    for path in SHIPPED.values():
        tree = tomllib.loads(path.read_text(encoding="utf-8"))
        assert tomllib.loads(dumps(tree)) == tree
