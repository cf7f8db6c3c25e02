"""Inclusion policies: which categories count, what share, over which GDP.

A policy is data (``scenarios/policies/NAME.toml``), validated on load into a
frozen object. A share is a number in [0, 1], or ``{low, high}`` for a share
that is itself uncertain (drawn uniformly per draw), optionally with
``from_year`` (the first fiscal year the category counts). A policy may define
``buckets`` (e.g. NATO's core and resilience); each bucket is reported as its
own entry ``NAME:BUCKET`` beside the policy's total.
"""

from __future__ import annotations

import tomllib
from enum import Enum
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import categories as cats
from .constants import POLICY_DIR
from .errors import InputError


class Denominator(str, Enum):
    fy2022_fixed = "fy2022_fixed"  # FY2022 GDP as fixed by the government in 2022
    current_gdp = "current_gdp"  # the year's nominal GDP (as reported, with revisions)
    outlook_gdp = "outlook_gdp"  # the government's outlook at budget time


class Share(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    low: float
    high: float
    from_year: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Share:
        if not (0.0 <= self.low <= self.high <= 1.0):
            raise ValueError(f"need 0 <= low <= high <= 1, got low={self.low}, high={self.high}")
        return self


def _share(v: object) -> object:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"low": float(v), "high": float(v)}
    return v


def _check_shares(shares: dict[str, Share]) -> dict[str, Share]:
    for name in shares:
        if name not in cats.INDEX:
            raise ValueError(f"unknown category '{name}'; allowed: {', '.join(cats.NAMES)}")
    return shares


class Bucket(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    description: str = ""
    target: float | None = Field(
        None, gt=0, lt=1, description="the ratio this bucket is measured against, e.g. 0.015"
    )
    shares: dict[str, Share]

    _norm = field_validator("shares", mode="before")(lambda v: {k: _share(x) for k, x in v.items()})
    _valid = field_validator("shares")(lambda v: _check_shares(v))


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    description: str = ""
    denominator: Denominator
    supplementary: bool
    target: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="the ratio the policy total is measured against, if not 2% and 3.5%",
    )
    shares: dict[str, Share] = {}
    buckets: dict[str, Bucket] = {}

    _norm = field_validator("shares", mode="before")(lambda v: {k: _share(x) for k, x in v.items()})
    _valid = field_validator("shares")(lambda v: _check_shares(v))

    @model_validator(mode="after")
    def _nonempty(self) -> Policy:
        if not self.shares and not self.buckets:
            raise ValueError("a policy needs 'shares' or 'buckets'")
        return self

    def entries(self) -> list[tuple[str, dict[str, Share]]]:
        """(label, shares) for the policy's total and for each bucket."""
        if not self.buckets:
            return [(self.name, dict(self.shares))]
        total: dict[str, Share] = {}
        for b in self.buckets.values():
            total.update(b.shares)
        out = [(self.name, total)]
        out += [(f"{self.name}:{k}", dict(b.shares)) for k, b in self.buckets.items()]
        return out

    def targets(self) -> dict[str, float]:
        """label -> the ratio it is measured against, where the policy file names one."""
        out = {self.name: self.target} if self.target else {}
        out.update({f"{self.name}:{k}": b.target for k, b in self.buckets.items() if b.target})
        return out


def load_policy(name_or_path: str | Path, search_dir: Path = POLICY_DIR) -> Policy:
    """Load a policy by name (from ``scenarios/policies``) or by path."""
    p = Path(name_or_path)
    path = p if p.suffix == ".toml" else search_dir / f"{name_or_path}.toml"
    if not path.exists():
        known = sorted(x.stem for x in search_dir.glob("*.toml"))
        raise InputError(path, "", f"no such policy; known policies: {', '.join(known)}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, "", f"not valid TOML ({exc})") from None
    try:
        return Policy(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise InputError(path, loc, err["msg"]) from None


# ----------------------------------------------------------------------------
# Accounting kernels (pure numpy)
# ----------------------------------------------------------------------------


def share_values(
    shares: dict[str, Share], supplementary: bool, u_shares: dict[str, np.ndarray], n: int
) -> np.ndarray:
    """Share of each category counted, shape (n, n_category).

    Uncertain shares are ``low + (high - low) * u`` with ``u = u_shares[category]``: one uniform
    per category and draw, shared by every policy and bucket (so a policy's total and its buckets
    agree, and policies are compared on the same draws).
    """
    out = np.zeros((n, len(cats.NAMES)))
    for name, s in shares.items():
        if cats.BY_NAME[name].kind == "supplementary" and not supplementary:
            continue
        if s.low == s.high:
            out[:, cats.INDEX[name]] = s.low
        else:
            out[:, cats.INDEX[name]] = s.low + (s.high - s.low) * u_shares[name]
    return out


def year_mask(shares: dict[str, Share], years: np.ndarray) -> np.ndarray:
    """1 where a category may count in a fiscal year (``from_year``), shape (n_category, n_year)."""
    out = np.ones((len(cats.NAMES), len(years)))
    for name, s in shares.items():
        if s.from_year is not None:
            out[cats.INDEX[name]] = (years >= s.from_year).astype(float)
    return out


def uncertain_keys(shares: dict[str, Share]) -> list[str]:
    return [k for k, s in shares.items() if s.low != s.high]


def counted(
    spending: np.ndarray, share: np.ndarray, mask: np.ndarray, varies: np.ndarray | None = None
) -> np.ndarray:
    """Counted spending (n_year, n) from spending (n_year, n_category, n), shares (n, c) and
    mask (c, y): one set of counting rules through ``counted_many``. ``varies`` (from
    ``uncertain_columns``) marks the shares drawn per draw; without it every share must be the
    same in every draw."""
    varies = np.zeros(share.shape[1], dtype=bool) if varies is None else varies
    return counted_many(spending, [share], [mask], [varies])[0]


def counted_many(
    spending: np.ndarray,
    shares: list[np.ndarray],
    masks: list[np.ndarray],
    varies: list[np.ndarray],
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Counted spending for several sets of counting rules at once, (n_rules, n_year, n).

    Shares that are the same in every draw contract year by year for all the rules together
    (each year's spending is read once, while it is in the CPU cache), summed in category
    order; the uncertain ones, ``varies`` (from ``uncertain_columns``: from the policy, not the
    draws, so that a draw's arithmetic does not depend on the other draws of its chunk), are
    added column by column.
    """
    n_year, n_cat, n = spending.shape
    out = np.empty((len(shares), n_year, n)) if out is None else out
    w = np.empty((len(shares), n_cat, n_year))
    for e, (share, mask, var) in enumerate(zip(shares, masks, varies, strict=True)):
        if len(share) and (np.ptp(share[:, ~var], axis=0) > 0).any():
            raise ValueError(
                "counted_many(): shares that differ between draws need ``varies`` "
                "(uncertain_columns)"
            )
        w[e] = np.where(var, 0.0, share[0] if len(share) else 0.0)[:, None] * mask
    for y in range(n_year):
        np.einsum("cn,ec->en", spending[y], w[:, :, y], out=out[:, y, :])
    tmp = np.empty((n_year, n))
    for e, (share, mask, var) in enumerate(zip(shares, masks, varies, strict=True)):
        for c in np.flatnonzero(var):
            np.multiply(spending[:, c, :], share[:, c], out=tmp)
            tmp *= mask[c][:, None]
            out[e] += tmp
    return out


def uncertain_columns(shares: dict[str, Share], supplementary: bool) -> np.ndarray:
    """Categories whose counted share is drawn (low < high), as a boolean (n_category,)."""
    out = np.zeros(len(cats.NAMES), dtype=bool)
    for name, s in shares.items():
        if s.low != s.high and (supplementary or cats.BY_NAME[name].kind != "supplementary"):
            out[cats.INDEX[name]] = True
    return out
