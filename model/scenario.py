"""Scenario files: TOML -> validated, frozen ``Scenario`` (the schema is
:mod:`jdef.scenario_schema`).

Layering: ``extends = "baseline.toml"`` (relative to the file) loads the parent
first and overrides only the keys the child sets. ``--set key.sub=value``
overrides are parsed as TOML values, never evaluated as code.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .scenario_schema import (
    Branch,
    Economy,
    EconomyPath,
    Mixture,
    Plan,
    PostPlan,
    PostRule,
    Scenario,
    Supplementary,
)
from .tomlfile import read_toml

__all__ = [
    "Branch",
    "Economy",
    "EconomyPath",
    "Mixture",
    "Plan",
    "PostPlan",
    "PostRule",
    "Scenario",
    "Supplementary",
    "check_scenario",
    "load_scenario",
    "parse_override",
]

MAX_SCENARIO_BYTES = 1 << 20  # a scenario file is small and readable; this bounds a hostile one
MAX_EXTENDS_DEPTH = 32


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _leaves(d: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[str]:
    """Dotted names of the values in a nested table: {"a": {"b": 1}, "c": 2} -> ["a.b", "c"]."""
    out: list[str] = []
    for k, v in d.items():
        out += _leaves(v, (*prefix, k)) if isinstance(v, dict) and v else [".".join((*prefix, k))]
    return out


def _layered(
    path: Path, seen: tuple[Path, ...] = (), origin: dict[str, str] | None = None
) -> dict[str, Any]:
    """The file merged over the files it ``extends``; ``origin`` records which file set each key."""
    if path.resolve() in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise InputError(path, "extends", f"cycle in 'extends': {chain}")
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise InputError(path, "extends", f"more than {MAX_EXTENDS_DEPTH} levels of 'extends'")
    raw = read_toml(path, MAX_SCENARIO_BYTES, "scenario")
    parent = raw.pop("extends", None)
    if parent is None:
        base: dict[str, Any] = {}
    elif not isinstance(parent, str):
        raise InputError(path, "extends", "must be a file name (string)")
    else:
        parent_path = path.parent / parent  # relative to the file that names it
        if not parent_path.exists():
            raise InputError(path, "extends", f"parent scenario not found: {parent}")
        if not parent_path.is_file():
            raise InputError(path, "extends", f"not a regular file: {parent}")
        base = _layered(parent_path, (*seen, path.resolve()), origin)
        base.pop("name", None)
        base.pop("description", None)
    if origin is not None:
        origin.update({leaf: str(path) for leaf in _leaves(raw)})
    return _merge(base, raw) if base else raw


def parse_override(item: str) -> tuple[list[str], Any]:
    """``a.b=value`` -> (["a", "b"], parsed TOML value); bare words are strings."""
    if "=" not in item:
        raise InputError("overrides", item, "expected KEY=VALUE")
    key, text = item.split("=", 1)
    keys = [k.strip() for k in key.split(".")]
    if not all(keys):
        raise InputError("overrides", item, "empty key")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text  # a bare word, e.g. rule=hold_real
    return keys, value


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    m: Any = model
    for part in loc[:-1]:
        f = m.model_fields.get(str(part))
        if f is None or not (
            isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel)
        ):
            return []
        m = f.annotation
    return list(m.model_fields)


def _explain_all(
    exc: ValidationError, path: Path | str, origin: dict[str, str] | None = None
) -> list[InputError]:
    return [_explain_one(err, path, origin or {}) for err in exc.errors()]


def _explain_one(err: Any, path: Path | str, origin: dict[str, str]) -> InputError:
    loc = tuple(err["loc"])
    key = ".".join(str(x) for x in loc) or "(top level)"
    # the file (or --set option) that set the key, or the nearest enclosing table
    for n in range(len(loc), 0, -1):
        where = origin.get(".".join(str(x) for x in loc[:n]))
        if where:
            path = where
            break
    msg = err["msg"]
    if err["type"] == "extra_forbidden":
        known = _known_keys(Scenario, loc)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        msg = (
            "unknown key"
            + (f"; did you mean '{close[0]}'?" if close else "")
            + (f" (allowed: {', '.join(k for k in known if k != 'source_file')})" if known else "")
        )
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
        # a model-level check names its dotted key first (mixture keys have several dots)
        if not loc and ": " in msg and " " not in msg.split(": ")[0] and "." in msg.split(": ")[0]:
            key, msg = msg.split(": ", 1)
        elif not loc and msg.split(" ")[0].count(".") >= 1:
            key = msg.split(" ")[0]
    return InputError(path, key, msg)


def check_scenario(
    path: str | Path, overrides: Overrides = ()
) -> tuple[Scenario | None, list[InputError]]:
    """The scenario and no problems, or None and every problem in the file at once."""
    try:
        return load_scenario(path, overrides, _all=True), []
    except _Many as many:
        return None, many.errors
    except InputError as exc:
        return None, [exc]


class _Many(Exception):
    def __init__(self, errors: list[InputError]):
        self.errors = errors


Overrides = str | Sequence[str] | Mapping[str, Any]


def _override_items(overrides: Overrides) -> list[tuple[str, tuple[list[str], Any]]]:
    """Overrides as (text, (keys, value)): ``"a.b=1"`` (one override, not its characters),
    ``["a.b=1", "c=x"]`` (TOML values, as ``--set``), or ``{"a.b": 1}`` (Python values)."""
    if isinstance(overrides, str):
        overrides = [overrides]
    if isinstance(overrides, Mapping):
        out = []
        for key, value in overrides.items():
            keys = [k.strip() for k in str(key).split(".")]
            if not all(keys):
                raise InputError("overrides", str(key), "empty key")
            out.append((f"{key}={value!r}", (keys, value)))
        return out
    return [(item, parse_override(item)) for item in overrides]


def load_scenario(path: str | Path, overrides: Overrides = (), _all: bool = False) -> Scenario:
    """Read, layer, override and validate a scenario file.

    ``overrides``: ``"key.sub=VALUE"`` strings (a list, or one string), the value read as
    TOML as ``--set`` reads it; or a mapping ``{"key.sub": value}`` of Python values.

    Raises
    ------
    InputError
        Naming the file and the key at fault.
    """
    path = Path(path)
    if path.suffix != ".toml" and not path.exists():
        from .constants import SCENARIO_DIR

        path = SCENARIO_DIR / f"{path}.toml"
    origin: dict[str, str] = {}
    raw = _layered(path, origin=origin)
    for item, (keys, value) in _override_items(overrides):
        name = ".".join(keys)
        origin.update(
            {
                k: f"overrides {item}"
                for k in (name, *(k for k in origin if k.startswith(name + ".")))
            }
        )
        node = raw
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise InputError("overrides", item, f"'{k}' is not a table")
        node[keys[-1]] = value
    if "name" not in raw:
        raw["name"] = path.stem
    raw["source_file"] = str(path)
    try:
        return Scenario(**raw)
    except ValidationError as exc:
        errors = _explain_all(exc, path, origin)
        if _all:
            raise _Many(errors) from None
        raise errors[0] from None
