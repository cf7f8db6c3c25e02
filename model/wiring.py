"""The wiring table: which data series feed which spending category (calibration/wiring.toml).

The table is data, not code: each category's figures are a sum of data series (or of categories
built before it), known up to the last initial budget, the last supplementary budget, or its own
last figure. :func:`load_wiring` validates the file; :func:`figures` evaluates one row.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from . import categories as cats
from .constants import CALIBRATION_DIR
from .errors import InputError

WIRING_FILE = CALIBRATION_DIR / "wiring.toml"
CATEGORY_REF = "cat:"


class KnownUntil(str, Enum):
    """How far a category's figures are known."""

    initial = "initial"  # through the last initial budget published
    supplementary = "supplementary"  # through the last supplementary budget published
    own = "own"  # its own last figure, or the last initial budget if later


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Row(_Strict):
    """One category: its figures are ``sum`` (then ``then`` in the years that has figures)."""

    name: str
    known: KnownUntil
    sum: tuple[str, ...]
    then: tuple[str, ...] = ()
    missing: Literal["skip", "zero"] = "skip"

    @field_validator("name")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in cats.INDEX:
            raise ValueError(f"unknown category '{v}'; allowed: {', '.join(cats.NAMES)}")
        return v

    @field_validator("sum")
    @classmethod
    def _nonempty(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v or any(not t.lstrip("-") for t in v):
            raise ValueError("a sum needs at least one term, each naming a series")
        return v


class Wiring(_Strict):
    """The whole table: every category once, the projection editions and the group targets."""

    path_editions: tuple[str, ...]
    group_targets: dict[str, str]
    category: tuple[Row, ...]


def load_wiring(path: Path = WIRING_FILE) -> Wiring:
    """Read and validate the wiring table.

    Raises
    ------
    InputError
        Naming the file and the field, if the file is unreadable or malformed, a category is
        unknown, repeated or missing, or a ``cat:`` term names a category not built before it.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(path, "", f"cannot read the wiring table: {exc}") from exc
    try:
        w = Wiring(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(path, ".".join(str(x) for x in err["loc"]), err["msg"]) from exc
    seen: list[str] = []
    for k, row in enumerate(w.category):
        for term in (*row.sum, *row.then):
            for alt in term.lstrip("-").split("|"):
                ref = alt.removeprefix(CATEGORY_REF)
                if alt.startswith(CATEGORY_REF) and ref not in seen:
                    raise InputError(path, f"category.{k}.sum", f"'{alt}' is not built before")
        if row.name in seen:
            raise InputError(path, f"category.{k}.name", f"'{row.name}' appears twice")
        seen.append(row.name)
    if absent := [n for n in cats.NAMES if n not in seen]:
        raise InputError(path, "category", f"no row for {', '.join(absent)}")
    bad = [g for g in w.group_targets if g not in {c.group for c in cats.CATEGORIES}]
    if bad:
        raise InputError(path, f"group_targets.{bad[0]}", "not a category group")
    return w


def figures(
    terms: tuple[str, ...],
    missing: str,
    series: Callable[[str], dict[int, float]],
    built: dict[str, dict[int, float]],
) -> dict[int, float]:
    """A sum of series by year, its terms added left to right.

    Parameters
    ----------
    terms : tuple of str
        Series names; ``-x`` subtracts ``x``; ``a|b`` takes ``a``'s figure, else ``b``'s;
        ``cat:x`` is the category ``x`` in ``built``.
    missing : {"skip", "zero"}
        "skip": only years where every term has a figure; "zero": years where any has one,
        a missing term counting 0.
    series : callable
        Data series by name -> values by fiscal year (trillion yen).
    built : dict
        Categories built so far -> values by fiscal year.
    """

    def one(name: str) -> dict[int, float]:
        if name.startswith(CATEGORY_REF):
            return built[name.removeprefix(CATEGORY_REF)]
        return series(name)

    parsed = [(t.startswith("-"), [one(a) for a in t.lstrip("-").split("|")]) for t in terms]
    if missing == "zero":
        years = sorted(set().union(*(s for _, alts in parsed for s in alts)))
    else:
        first = set().union(*parsed[0][1])
        years = sorted(y for y in first if all(any(y in s for s in a) for _, a in parsed))
    out: dict[int, float] = {}
    for y in years:
        total = 0.0
        for k, (minus, alts) in enumerate(parsed):
            v = next((s[y] for s in alts if y in s), 0.0)
            total = (-v if minus else v) if k == 0 else (total - v if minus else total + v)
        out[y] = total
    return out
