"""Inclusion policies: which categories count, what share, over which GDP.

A policy is data (``scenarios/policies/NAME.toml``, or a file named by its path), validated on
load into a frozen object: strict types (no string for a number, no number for a boolean),
finite numbers. A share is a number in [0, 1], or ``{low, high}`` for a share that is itself
uncertain (drawn uniformly per draw), optionally with ``from_year`` and ``to_year`` (the first
and last fiscal years the category counts, FY2023-FY2100: the model's years). A policy may define
``buckets`` (e.g. NATO's core and resilience); each bucket is reported as its own entry
``NAME:BUCKET`` beside the policy's total.

A policy may also name a target **amount** (``target_amount``: a yen level such as the
government's "11兆円程度", read from a data series or given in trillion yen) beside the ratio
thresholds, and the **published figures** its counting should reproduce (``published``: data
series, year and the figure's rounding), which the reconciliation table compares with the model.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from . import categories as cats
from .constants import OUTPUT_FIRST_YEAR, POLICY_DIR
from .errors import InputError
from .scenario_schema import NAME_PATTERN, TargetAmount, plain_name
from .tomlfile import read_toml

MAX_POLICY_BYTES = 1 << 20  # a policy file is a page of text; this bounds a hostile one
LAST_YEAR = 2100  # the latest horizon a scenario may have (scenario_schema)


class Denominator(str, Enum):
    fy2022_fixed = "fy2022_fixed"  # FY2022 GDP as fixed by the government in 2022
    fy2022_revised = "fy2022_revised"  # FY2022 GDP as revised since (the latest vintage by as_of)
    current_gdp = "current_gdp"  # the year's nominal GDP (as reported, with revisions)
    outlook_gdp = "outlook_gdp"  # the government's outlook at budget time


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Share(_Strict):
    low: StrictFloat = Field(ge=0.0, le=1.0)
    high: StrictFloat = Field(ge=0.0, le=1.0)
    # before the model's first year it would mean "always", after its last "never": both mistakes
    from_year: StrictInt | None = Field(None, ge=OUTPUT_FIRST_YEAR, le=LAST_YEAR)
    to_year: StrictInt | None = Field(None, ge=OUTPUT_FIRST_YEAR, le=LAST_YEAR)

    @model_validator(mode="after")
    def _check(self) -> Share:
        if self.low > self.high:
            raise ValueError(f"need low <= high, got low={self.low}, high={self.high}")
        if self.from_year is not None and self.to_year is not None:
            if self.to_year < self.from_year:
                raise ValueError(f"need from_year <= to_year, got {self.from_year}, {self.to_year}")
        return self

    def counts_in(self, year: int) -> bool:
        """Whether the category counts in fiscal year ``year`` (``from_year``, ``to_year``)."""
        return (self.from_year is None or year >= self.from_year) and (
            self.to_year is None or year <= self.to_year
        )


class Published(_Strict):
    """A figure the government (or another publisher) published on this policy's counting:
    a calibration data series in percent of the policy's denominator or in yen, its fiscal
    year, and half a unit of its last published digit (``rounding``, in the figure's unit:
    percentage points or trillion yen) within which the model must reproduce it."""

    series: StrictStr = Field(min_length=1)
    year: StrictInt = Field(ge=OUTPUT_FIRST_YEAR, le=LAST_YEAR)
    rounding: StrictFloat = Field(gt=0, le=10.0)
    note: StrictStr = ""
    # another publisher's accounting (e.g. SIPRI), shown for comparison: not expected to lie
    # within the rounding (the residual is explained in METHODOLOGY.md, section 4.4)
    reference: StrictBool = False
    bucket: StrictStr = ""  # the bucket whose counting it compares with ("" = the total)


class Basis(str, Enum):
    budget = "budget"  # appropriations: initial and supplementary budgets as decided
    outlays = "outlays"  # payments: MoD settlement where published, else a carry-over lag


def _shares(v: object) -> object:
    """A number is a share known exactly: {low = v, high = v}; anything else is left to pydantic."""
    if not isinstance(v, dict):
        return v
    return {
        k: {"low": x, "high": x} if isinstance(x, int | float) and not isinstance(x, bool) else x
        for k, x in v.items()
    }


def _check_shares(shares: dict[str, Share]) -> dict[str, Share]:
    for name in shares:
        if name not in cats.INDEX:
            raise ValueError(f"unknown category '{name}'; allowed: {', '.join(cats.NAMES)}")
    return shares


class Bucket(_Strict):
    description: StrictStr = ""
    target: StrictFloat | None = Field(
        None, gt=0, lt=1, description="the ratio this bucket is measured against, e.g. 0.015"
    )
    shares: dict[str, Share]

    _norm = field_validator("shares", mode="before")(_shares)
    _valid = field_validator("shares")(_check_shares)


class Policy(_Strict):
    name: StrictStr
    description: StrictStr = ""
    denominator: Denominator
    supplementary: StrictBool
    target: StrictFloat | None = Field(
        None,
        gt=0,
        lt=1,
        description="the ratio the policy total is measured against, if not 2% and 3.5%",
    )
    shares: dict[str, Share] = {}
    buckets: dict[str, Bucket] = {}
    target_amount: TargetAmount | None = None
    published: tuple[Published, ...] = ()
    basis: Basis = Basis.budget
    # what the policy's definition asks for and the model cannot count (shown in the outputs)
    caveats: tuple[StrictStr, ...] = ()

    _norm = field_validator("shares", mode="before")(_shares)
    _valid = field_validator("shares")(_check_shares)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        # the name labels the policy's entries (NAME and NAME:BUCKET) in every output
        return plain_name(v, "plain name")

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


def policy_path(
    ref: str | Path, relative_to: Path | None = None, search_dir: Path = POLICY_DIR
) -> Path:
    """The file a policy reference names: a path (``*.toml``, relative to ``relative_to``, the
    folder of the scenario file that names it) or a plain name in ``search_dir``.

    Raises
    ------
    InputError
        Naming the reference, for a name that is not plain or a policy that does not exist.
    """
    p = Path(ref)
    if p.suffix == ".toml":
        path = p if relative_to is None else relative_to / p
    elif NAME_PATTERN.fullmatch(str(ref)):
        path = search_dir / f"{ref}.toml"
    else:
        raise InputError(
            ref, "", "not a policy name (A-Z a-z 0-9 . _ -, no folders) nor a path to a .toml file"
        )
    if not path.exists():
        known = sorted(x.stem for x in search_dir.glob("*.toml"))
        raise InputError(path, "", f"no such policy; known policies: {', '.join(known)}")
    return path


def read_policy(path: Path) -> Policy:
    """Read and validate one policy file.

    Raises
    ------
    InputError
        Naming the file and the field at fault (e.g. ``shares.mod_core.low``).
    """
    try:
        return Policy.model_validate(read_toml(path, MAX_POLICY_BYTES, "policy"))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise InputError(path, loc, err["msg"]) from None


def load_policy(
    name_or_path: str | Path, search_dir: Path = POLICY_DIR, relative_to: Path | None = None
) -> Policy:
    """Load a policy by name (from ``scenarios/policies``) or by path (see ``policy_path``)."""
    return read_policy(policy_path(name_or_path, relative_to, search_dir))


# ----------------------------------------------------------------------------
# Accounting kernels (pure numpy)
# ----------------------------------------------------------------------------


def share_values(
    shares: dict[str, Share], supplementary: bool, u_shares: dict[str, np.ndarray], n: int
) -> np.ndarray:
    """Share of each category counted, shape (n, n_category) (a transposed view, so that each
    category's column ``[:, c]``, what the kernels read, is contiguous).

    Uncertain shares are ``low + (high - low) * u`` with ``u = u_shares[category]``: one uniform
    per category and draw, shared by every policy and bucket (so a policy's total and its buckets
    agree, and policies are compared on the same draws).
    """
    out = np.zeros((len(cats.NAMES), n))  # category-major: a category's draws are contiguous
    for name, s in shares.items():
        if cats.BY_NAME[name].kind == "supplementary" and not supplementary:
            continue
        if s.low == s.high:
            out[cats.INDEX[name]] = s.low
        else:
            out[cats.INDEX[name]] = s.low + (s.high - s.low) * u_shares[name]
    return out.T


def year_mask(shares: dict[str, Share], years: np.ndarray) -> np.ndarray:
    """1 where a category may count in a fiscal year (``from_year``, ``to_year``),
    shape (n_category, n_year)."""
    out = np.ones((len(cats.NAMES), len(years)))
    for name, s in shares.items():
        if s.from_year is not None or s.to_year is not None:
            out[cats.INDEX[name]] = [float(s.counts_in(int(y))) for y in years]
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
    check: bool = True,
) -> np.ndarray:
    """Counted spending for several sets of counting rules at once, (n_rules, n_year, n).

    Shares that are the same in every draw contract year by year for all the rules together
    (each year's spending is read once, while it is in the CPU cache), summed in category
    order; the uncertain ones, ``varies`` (from ``uncertain_columns``: from the policy, not the
    draws, so that a draw's arithmetic does not depend on the other draws of its chunk), are
    added column by column. ``check=False`` skips the check that the other shares are the same
    in every draw (for shares from ``share_values``, which holds by construction).
    """
    n_year, n_cat, n = spending.shape
    out = np.empty((len(shares), n_year, n)) if out is None else out
    w = np.empty((len(shares), n_cat, n_year))
    for e, (share, mask, var) in enumerate(zip(shares, masks, varies, strict=True)):
        if check and len(share) and (share[:, ~var] != share[:1, ~var]).any():
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
            # the draws' shares of category c, read once (a column of ``share`` is strided)
            np.multiply(spending[:, c, :], np.ascontiguousarray(share[:, c]), out=tmp)
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
