"""Targets stated as amounts and the published figures a policy should reproduce, resolved
from the data visible at the run's as-of date (records of ``inputs.Accounting``).

An amount target is a yen level (the government's own "2%" is "11兆円程度": 2% of FY2022 GDP
as estimated in 2022); the published figures are the ratios and totals the government printed
for a fiscal year on a policy's counting, with their rounding, for the reconciliation table
(METHODOLOGY.md, section 4.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .data import DataStore, Row, convert
from .errors import InputError
from .policies import Policy, TargetAmount
from .scenario_schema import Scenario

RATIO, AMOUNT = "ratio", "amount"  # what a published figure measures
MONEY_UNITS = ("trillion_yen", "oku_yen", "billion_yen")


@dataclass(frozen=True)
class AmountTarget:
    """A resolved amount target: ``amount`` trillion yen, named, with where it comes from."""

    name: str
    amount: float  # trillion yen
    source: str  # "publisher, URL, published" of the data row, or "given in POLICY"


@dataclass(frozen=True)
class PublishedFigure:
    """One published figure on a policy's counting, for the reconciliation table."""

    policy: str  # the entry label it belongs to
    year: int
    measure: str  # RATIO (a fraction of the policy's denominator) or AMOUNT (trillion yen)
    value: float  # fraction or trillion yen
    rounding: float  # half a unit of the last published digit, in the same unit as value
    series: str
    source: str  # "publisher, URL, published"
    note: str
    reference: bool = False  # another publisher's accounting, shown for comparison

    @property
    def label(self) -> str:
        return f"{self.policy} FY{self.year} {self.measure}"


def row_source(r: Row) -> str:
    return f"{r.publisher}, {r.source_url}, {r.published.isoformat()}"


def _latest(data: DataStore, series: str, year: int) -> Row | None:
    """The latest visible row of ``series`` for fiscal ``year``, or None."""
    rows = [r for r in data.rows if r.series == series and r.period == "FY" and r.year == year]
    return max(rows, key=lambda r: r.published) if rows else None


def resolve_amount(t: TargetAmount, data: DataStore, where: str | Path, field: str) -> AmountTarget:
    """The amount of ``t`` as of the data's date.

    Raises
    ------
    InputError
        Naming ``where`` and ``field`` if the series has no figure for the year published by
        the as-of date, or is not in yen.
    """
    if t.amount is not None:
        return AmountTarget(t.name, t.amount, f"given in {where}")
    assert t.series is not None and t.year is not None
    r = _latest(data, t.series, t.year)
    if r is None:
        raise InputError(
            where,
            field,
            f"series '{t.series}' FY{t.year} has no figure published by {data.as_of.isoformat()}",
        )
    if r.unit not in MONEY_UNITS:
        raise InputError(where, field, f"series '{t.series}' is in {r.unit}, not in yen")
    return AmountTarget(t.name, convert(r), row_source(r))


def amount_targets(
    policies: Sequence[tuple[Policy, str | Path]], data: DataStore, scenario: Scenario | None = None
) -> tuple[AmountTarget, ...]:
    """The amount targets the listed policies name, then the scenario's own
    (``target_amounts``), once each, in order of first mention.

    Raises
    ------
    InputError
        If two policies give one name to two different amounts.
    """
    out: dict[str, AmountTarget] = {}
    named: list[tuple[TargetAmount, str | Path, str]] = [
        (pol.target_amount, where, "target_amount")
        for pol, where in policies
        if pol.target_amount is not None
    ]
    if scenario is not None:
        file = scenario.source_file or "scenario"
        named += [(t, file, f"target_amounts.{k}") for k, t in enumerate(scenario.target_amounts)]
    for t, where, field in named:
        a = resolve_amount(t, data, where, field)
        if a.name in out and out[a.name].amount != a.amount:
            raise InputError(
                where,
                f"{field}.name",
                f"'{a.name}' is {out[a.name].amount} trillion yen in another policy, "
                f"{a.amount} here: one name, one amount",
            )
        out.setdefault(a.name, a)
    return tuple(out.values())


def published_figures(
    policies: Sequence[tuple[Policy, str | Path]], data: DataStore
) -> tuple[PublishedFigure, ...]:
    """The published figures of the listed policies that were published by the as-of date.

    A figure in percent is a ratio to the policy's denominator (its rounding in percentage
    points); one in yen is counted spending (its rounding in trillion yen).

    Raises
    ------
    InputError
        Naming the policy file, for a series in another unit.
    """
    out = []
    for pol, where in policies:
        for k, p in enumerate(pol.published):
            r = _latest(data, p.series, p.year)
            if r is None:
                continue  # not yet published at the as-of date
            if r.unit == "percent":
                measure, rounding = RATIO, p.rounding / 100.0
            elif r.unit in MONEY_UNITS:
                measure, rounding = AMOUNT, p.rounding
            else:
                raise InputError(
                    where,
                    f"published.{k}.series",
                    f"series '{p.series}' is in {r.unit}: expected percent or yen",
                )
            label = f"{pol.name}:{p.bucket}" if p.bucket else pol.name
            if label not in dict(pol.entries()):
                raise InputError(where, f"published.{k}.bucket", f"no bucket '{p.bucket}'")
            out.append(
                PublishedFigure(
                    label,
                    p.year,
                    measure,
                    convert(r),
                    rounding,
                    p.series,
                    row_source(r),
                    p.note,
                    p.reference,
                )
            )
    return tuple(out)
