"""Options that several commands share, word for word, and the checks of their values.

The checks raise :class:`~jdef.errors.InputError` named by the option, before any work starts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ..constants import DATA_DIR_ENV
from ..errors import InputError

OutDir = Annotated[Path, typer.Option(help="Output folder")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Use only data published by this date (YYYY-MM-DD)")
]
SetKeys = Annotated[
    list[str] | None, typer.Option("--set", help="Override a scenario key, KEY=VALUE (TOML value)")
]
KeepDraws = Annotated[
    bool, typer.Option("--keep-draws/--no-keep-draws", help="Also store per-draw arrays (large)")
]
Seed = Annotated[int | None, typer.Option(help="Root seed (default: the scenario's)")]
Workers = Annotated[
    int | None, typer.Option(help="Run chunks on a local dask cluster of N worker processes")
]
Scheduler = Annotated[
    str | None, typer.Option(help="Address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786")
]

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder of data CSV files (the format of calibration/data) to use instead of the"
        " shipped data; the same as $JDEF_DATA_DIR; parameters are then refitted on it",
    ),
]


def use_data_dir(path: Path | None) -> None:
    """Make ``--data-dir`` this process's data folder (as ``$JDEF_DATA_DIR`` would)."""
    if path is None:
        return
    if not path.is_dir():
        raise InputError("--data-dir", "data_dir", f"not a folder: {path}")
    os.environ[DATA_DIR_ENV] = str(path.resolve())


def parse_date(value: str) -> dt.date:
    """The ``--as-of`` date, YYYY-MM-DD (the extended form only: ``fromisoformat`` also takes
    20250630, which a scenario's ``as_of`` then refuses in words that name neither)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError("--as-of", "as_of", f"not a date YYYY-MM-DD: {value!r}") from None


def as_of_date(value: str | None) -> dt.date:
    """The ``--as-of`` date; today when it is not given."""
    return parse_date(value) if value else dt.date.today()


def overrides(set_: list[str] | None, as_of: str | None = None) -> list[str]:
    """Scenario overrides: the ``--as-of`` date (checked) first, then the ``--set`` keys."""
    if as_of is None:
        return list(set_ or [])
    parse_date(as_of)
    return [f"as_of={as_of}", *(set_ or [])]


def named_overrides(name: str, set_: list[str] | None) -> str | None:
    """The ``name=`` override that puts the ``--set`` keys into the output name
    (``baseline_set_post2027.growth-0.03``), or None: no ``--set``, or one sets ``name``.
    A name over the scenario schema's length takes a hash of the keys instead."""
    import hashlib

    from ..scenario_schema import NAME_MAX

    keys = list(set_ or [])
    if not keys or any(k.partition("=")[0].strip() == "name" for k in keys):
        return None
    suffix = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(k.strip() for k in keys)).strip("-_.")
    new = f"{name}_set_{suffix}"
    if len(new) > NAME_MAX or not suffix:
        new = f"{name}_set_{hashlib.sha256(chr(0).join(keys).encode()).hexdigest()[:12]}"
    return f'name="{new}"'


def load_named(path: Path, set_: list[str] | None, as_of: str | None = None) -> tuple:
    """The scenario with its overrides (``--as-of`` checked, then ``--set``), named after the
    ``--set`` keys unless one of them sets ``name`` (a ``--set`` run never overwrites the plain
    scenario's file); and the overrides as shown in the summary header."""
    from ..scenario import load_scenario

    keys = overrides(set_, as_of)
    sc = load_scenario(path, keys)
    rename = named_overrides(sc.name, set_)
    if rename is not None:
        sc = load_scenario(path, [*keys, rename])
    shown = [f"--as-of {as_of}"] * (as_of is not None) + [f"--set {k}" for k in set_ or []]
    return sc, shown


@contextmanager
def as_of_named(set_: list[str] | None, as_of: str | None) -> Iterator[None]:
    """Report a fault of the scenario's ``as_of`` as the option's that set it, if one did
    (``--set as_of=...`` wins over ``--as-of``, as in :func:`overrides`)."""
    try:
        yield
    except InputError as exc:
        given = [s for s in set_ or [] if s.partition("=")[0].strip() == "as_of"]
        if exc.field != "as_of" or not (given or as_of):
            raise
        if given:
            raise InputError(f"--set {given[-1]}", "as_of", exc.message) from None
        raise InputError("--as-of", "", exc.message) from None  # the option is the field


def at_least(option: str, value: int | None, least: int) -> None:
    """Refuse a count option below ``least`` (None: not given)."""
    if value is not None and value < least:
        raise InputError(option, option.lstrip("-"), f"must be at least {least} (got {value})")


def check_seed(seed: int | None) -> None:
    """Refuse a negative ``--seed`` (None: the scenario's)."""
    if seed is not None and seed < 0:
        raise InputError("--seed", "seed", f"must be >= 0 (got {seed})")


def check_draws(draws: int | None, least: int = 1) -> None:
    """Refuse a ``--draws`` below ``least`` or above the model's cap (None: the scenario's)."""
    at_least("--draws", draws, least)
    if draws is not None:
        from ..worksize import check_draws as within_cap

        within_cap(draws)
