"""The scenario schema: typed, frozen, validated records (pydantic) of what a scenario sets.

Every field is finite and strictly typed, with documented bounds; choices are enums.
Reading files, layering and ``--set`` overrides are in :mod:`jdef.scenario`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from enum import Enum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)


class EconomyPath(str, Enum):
    """A Cabinet Office projection case; the latest edition published by ``as_of`` is used."""

    past_projection = "past_projection"  # 過去投影ケース
    growth_transition = "growth_transition"  # 成長移行ケース
    high_growth = "high_growth"  # 高成長実現ケース


class PostRule(str, Enum):
    hold_real = "hold_real"  # hold the FY2027 level in real terms (GDP deflator)
    grow_nominal = "grow_nominal"  # grow at a fixed nominal rate
    ramp_to_ratio = "ramp_to_ratio"  # ramp linearly to a ratio of GDP by a year
    new_plan = "new_plan"  # a new five-year plan total, then hold real


NAME_MAX = 100
NAME_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{NAME_MAX - 1}}}")
RESERVED_NAMES = frozenset({"batch"})


def plain_name(v: str, what: str) -> str:
    """``v`` if it is a plain name (NAME_PATTERN), else ValueError calling it ``what``."""
    if not NAME_PATTERN.fullmatch(v):
        raise ValueError(
            f"{v!r} is not a {what}: 1-{NAME_MAX} characters from A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit"
        )
    return v


class _Strict(BaseModel):
    # Numbers are finite and of their declared type: no "2040" for an integer, "yes" for a
    # boolean or true for a number (TOML has real types; a string there is a mistake).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Economy(_Strict):
    path: EconomyPath = EconomyPath.past_projection
    real_growth_shift: StrictFloat = Field(
        0.0, ge=-0.1, le=0.1, description="added to the path's real growth, fraction per year"
    )
    deflator_shift: StrictFloat = Field(
        0.0, ge=-0.1, le=0.1, description="added to the path's deflator growth, fraction per year"
    )
    volatility_scale: StrictFloat = Field(
        1.0, ge=0.0, le=10.0, description="multiplies every economic shock scale"
    )
    recessions: StrictBool = True
    forced_recessions: tuple[StrictInt, ...] = Field(
        (), description="fiscal years with a recession in every draw (a recession shock)"
    )
    fx_anchor: StrictFloat | None = Field(
        None,
        ge=50.0,
        le=500.0,
        description=(
            "long-run yen per dollar (50-500: beyond the range since 1949); default from "
            "calibration"
        ),
    )
    fx_shift: StrictFloat = Field(
        0.0,
        ge=-0.9,
        le=3.0,
        description="permanent proportional shift of the yen path (0.2 = 20% weaker)",
    )


class Plan(_Strict):
    fy2027_budget: StrictFloat | None = Field(
        None,
        gt=0,
        le=30.0,
        description=(
            "FY2027 plan-covered budget, trillion yen (at most 30); default: the plan's 8.9"
        ),
    )
    implementation_scale: StrictFloat = Field(1.0, ge=0.0, le=10.0)


class PostPlan(_Strict):
    rule: PostRule = PostRule.hold_real
    growth: StrictFloat = Field(
        0.0, ge=-0.2, le=0.5, description="nominal growth for grow_nominal, fraction per year"
    )
    real_growth: StrictFloat = Field(
        0.0,
        ge=-0.2,
        le=0.5,
        description="real growth on top of the expected deflator for hold_real, fraction per year",
    )
    target_ratio: StrictFloat = Field(0.02, gt=0, lt=0.2)
    target_year: StrictInt = Field(2030, ge=2028, le=2100)
    target_policy: str = "current-gdp"
    plan_total: StrictFloat = Field(
        50.0,
        gt=0,
        le=300.0,
        description=(
            "new_plan: total budget FY2028-FY2032, trillion yen (expenditure basis; at most 300)"
        ),
    )
    implementation_scale: StrictFloat = Field(1.0, ge=0.0, le=10.0)


class Supplementary(_Strict):
    enabled: StrictBool = True
    target_seeking: StrictBool = False
    target: StrictFloat = Field(0.02, gt=0, lt=0.2)
    target_policy: str = "current"
    max_topup: StrictFloat = Field(
        2.0,
        ge=0,
        le=20.0,
        description="largest target-seeking top-up in one year, trillion yen (at most 20)",
    )
    fixed_topup: StrictFloat = Field(
        0.0,
        ge=0,
        le=20.0,
        description=(
            "a fixed top-up added to the MoD supplementary every year from from_year, trillion "
            "yen (at most 20)"
        ),
    )
    from_year: StrictInt = Field(2026, ge=2023, le=2100)


class TargetAmount(_Strict):
    """A target stated as a yen level: counted spending at or above ``amount`` trillion yen.

    The amount is either given (``amount``) or read from a calibration data series
    (``series``, ``year``: e.g. the government's 11兆円程度, ``security_related_target`` FY2027),
    as published by the run's as-of date.
    """

    name: StrictStr = Field(min_length=1, max_length=200)
    amount: StrictFloat | None = Field(None, gt=0, le=1000.0)
    series: StrictStr | None = None
    year: StrictInt | None = Field(None, ge=1900, le=2100)

    @model_validator(mode="after")
    def _one(self) -> TargetAmount:
        if (self.amount is None) == (self.series is None):
            raise ValueError("give either 'amount' (trillion yen) or 'series' and 'year'")
        if self.series is not None and self.year is None:
            raise ValueError("'series' needs 'year'")
        return self


class Branch(_Strict):
    """One branch of a policy mixture: a post-FY2027 rule with its parameters and its weight.

    The weight is a probability; ``source`` says where it comes from (a document, a date) or,
    with ``judgement = true``, that it is the analyst's judgement and why.
    """

    weight: StrictFloat = Field(ge=0.0, le=1.0, description="probability of the branch")
    source: str = Field(min_length=1, description="the source of the weight, or the reasoning")
    judgement: StrictBool = Field(
        False, description="true: the weight is a judgement (the source gives the reasoning)"
    )
    post2027: PostPlan = Field(
        description="the branch's post-FY2027 rule (fields not set take PostPlan's defaults)"
    )


WEIGHT_SUM_TOLERANCE = 1e-9


class Mixture(_Strict):
    """A weighted set of post-FY2027 rules (jdef.mixtures): every draw follows one branch,
    sampled with the branch's weight, on the same shocks as every other branch."""

    branches: dict[str, Branch] = Field(min_length=1)

    @field_validator("branches")
    @classmethod
    def _branches(cls, v: dict[str, Branch]) -> dict[str, Branch]:
        for name in v:
            plain_name(name, "branch name")
        total = sum(b.weight for b in v.values())
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"the branch weights add up to {total:.12g}, not 1")
        return v

    def weights(self) -> dict[str, float]:
        return {k: b.weight for k, b in self.branches.items()}


class Lever(_Strict):
    """A scenario input varied by ``jdef sensitivity`` (held at the scenario's value in a run)."""

    key: str = Field(
        description=(
            "scenario key (e.g. economy.real_growth_shift) or param:SECTION.NAME or "
            "share:CATEGORY (the quantile of the category's eligible share) or weight:BRANCH "
            "(a mixture branch's weight; the other branches share the rest in proportion)"
        )
    )
    low: StrictFloat
    high: float
    units: str = "1"
    group: str = "other"
    source: str = Field(description="where the range comes from, or the reasoning")

    @property
    def kind(self) -> str:
        """'param', 'share', 'weight' or 'scenario'."""
        return self.key.partition(":")[0] if ":" in self.key else "scenario"

    @property
    def target(self) -> str:
        """The key without its ``param:`` or ``share:`` prefix."""
        return self.key.partition(":")[2] if ":" in self.key else self.key

    @model_validator(mode="after")
    def _range(self) -> Lever:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        kind, name = self.kind, self.target
        if kind == "param":
            from .params import numeric_parameters
            from .uncertainty import bounds

            if name not in numeric_parameters():
                raise ValueError(
                    f"key {self.key!r}: no such parameter; expected param:SECTION.NAME "
                    "with a number in calibration/params.toml (e.g. param:supplementary.prob)"
                )
            lo, hi = bounds(name)
            if self.low < lo or self.high > hi:
                raise ValueError(
                    f"key {self.key!r}: the range [{self.low}, {self.high}] leaves the "
                    f"parameter's valid range [{lo}, {hi}]"
                )
        elif kind == "share":
            from .categories import INDEX

            if name not in INDEX:
                raise ValueError(
                    f"key {self.key!r}: no such category; expected one of {', '.join(INDEX)}"
                )
            if self.low < 0.0 or self.high > 1.0:
                raise ValueError(
                    f"key {self.key!r}: a share lever varies the quantile of the share range, "
                    "within [0, 1]"
                )
        elif kind == "weight":
            if self.low < 0.0 or self.high > 1.0:
                raise ValueError(f"key {self.key!r}: a weight lever lies within [0, 1]")
        elif kind != "scenario":
            raise ValueError(
                f"key {self.key!r}: expected a scenario key, param:SECTION.NAME, share:CATEGORY "
                "or weight:BRANCH"
            )
        return self


class Sensitivity(_Strict):
    levers: dict[str, Lever] = {}
    include_parameters: StrictBool = Field(
        True, description="also vary the parameters drawn from their estimates (value +/- 2 s.e.)"
    )
    include_shares: StrictBool = Field(
        True, description="also vary the uncertain eligible shares of the scenario's policies"
    )


class Scenario(_Strict):
    name: str
    description: str = ""
    as_of: dt.date = dt.date(2026, 11, 25)
    horizon: StrictInt = Field(2040, ge=2028, le=2100)
    draws: StrictInt = Field(10_000, ge=1, le=100_000_000)
    seed: StrictInt = Field(20261125, ge=0)
    thresholds: tuple[StrictFloat, ...] = (0.015, 0.02, 0.035, 0.05)
    policies: tuple[str, ...] = (
        "mod-core",
        "government",
        "current",
        "broadened",
        "fy2022-revised",
        "current-gdp",
        "nato-style",
    )
    target_amounts: tuple[TargetAmount, ...] = Field(
        (),
        description=(
            "targets stated as amounts of counted spending (trillion yen), beside the ratio "
            "thresholds: {name, amount} or {name, series, year}"
        ),
    )
    decisions: StrictBool = Field(
        True,
        description=(
            "apply the announced decisions published by as_of (calibration/data/decisions.csv; "
            "a pledge of the 2% level turns on the top-up for its year); false ignores them"
        ),
    )
    economy: Economy = Economy()
    plan: Plan = Plan()
    post2027: PostPlan = PostPlan()
    supplementary: Supplementary = Supplementary()
    sensitivity: Sensitivity = Sensitivity()
    mixture: Mixture | None = Field(
        None, description="a weighted set of post-FY2027 rules (replaces post2027 per branch)"
    )
    source_file: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        # the name is the stem of every output file: it must not name a folder or hide a file
        plain_name(v, "safe file name")
        if v in RESERVED_NAMES:
            raise ValueError(f"{v!r} is reserved for the combined output of 'jdef batch'")
        return v

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, v: dt.date) -> dt.date:
        if v > dt.date.today():
            raise ValueError(f"{v} is in the future: no data can have been published by then")
        return v

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: tuple[StrictFloat, ...]) -> tuple[StrictFloat, ...]:
        if not v:
            raise ValueError("at least one threshold is needed")
        if any(not (0 < t < 1) for t in v):
            raise ValueError(
                "thresholds must lie strictly between 0 and 1 (fractions of GDP, e.g. 0.02)"
            )
        if list(v) != sorted(set(v)):
            raise ValueError("thresholds must be increasing and distinct")
        return v

    @field_validator("policies")
    @classmethod
    def _policies(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("at least one policy is needed")
        if len(set(v)) != len(v):
            raise ValueError("a policy is listed twice")
        return v

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        fr = self.economy.forced_recessions
        if list(fr) != sorted(set(fr)):
            raise ValueError("economy.forced_recessions: years must be increasing and distinct")
        if fr and not (2023 <= fr[0] and fr[-1] <= self.horizon):
            raise ValueError(
                f"economy.forced_recessions: years must lie in FY2023-FY{self.horizon}"
            )
        if (
            self.post2027.rule == PostRule.ramp_to_ratio
            and self.post2027.target_year > self.horizon
        ):
            raise ValueError(
                f"post2027.target_year ({self.post2027.target_year}) is after the horizon "
                f"({self.horizon})"
            )
        if self.supplementary.from_year > self.horizon:
            raise ValueError(
                f"supplementary.from_year ({self.supplementary.from_year}) is after the horizon "
                f"({self.horizon})"
            )
        if self.mixture is not None:
            for name, b in self.mixture.branches.items():
                if b.post2027.rule == PostRule.ramp_to_ratio and b.post2027.target_year > (
                    self.horizon
                ):
                    raise ValueError(
                        f"mixture.branches.{name}.post2027.target_year "
                        f"({b.post2027.target_year}) is after the horizon ({self.horizon})"
                    )
        for name, lv in self.sensitivity.levers.items():
            if lv.kind == "weight":
                branches = self.mixture.branches if self.mixture else {}
                if lv.target not in branches:
                    raise ValueError(
                        f"sensitivity.levers.{name}.key: {lv.key!r} names no branch of the "
                        f"scenario's mixture (branches: {', '.join(branches) or 'none'})"
                    )
                if len(branches) < 2:
                    raise ValueError(
                        f"sensitivity.levers.{name}.key: a weight lever needs a mixture of at "
                        "least two branches"
                    )
                continue
            v = self.value_at(lv.key) if lv.kind == "scenario" else 0.0
            if not isinstance(v, float):  # an integer key (horizon, seed, draws) is no lever
                raise ValueError(
                    f"sensitivity.levers.{name}.key: {lv.key!r} is not a numeric scenario key "
                    "with a continuous (float) value"
                )
        return self

    def value_at(self, key: str) -> Any:
        """The value at a dotted scenario key (e.g. ``economy.real_growth_shift``),
        None if there is none."""
        node: Any = self
        for part in key.split("."):
            if not isinstance(node, BaseModel) or part not in type(node).model_fields:
                return None
            node = getattr(node, part)
        return node

    def resolved(self) -> dict[str, Any]:
        # no mixture: the record (and its digest) as before mixtures existed
        drop = {"source_file"} | ({"mixture"} if self.mixture is None else set())
        return self.model_dump(mode="json", exclude=drop)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.resolved(), sort_keys=True).encode()).hexdigest()
