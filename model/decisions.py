"""Announced decisions as data: the rows of ``calibration/data/decisions.csv`` published by a
run's as-of date, each mapped to what it changes in the prepared inputs (METHODOLOGY.md,
section 4.6).

Only the inputs change, never the engine: a pledge to reach the government's 2% level in a
fiscal year turns on the target-seeking supplementary top-up for that year, aimed at the
pledging government's own yardstick (the amount target of the ``government`` policy, counted
as that policy counts). Every other kind of row is recorded with the reason it changes
nothing. ``decisions = false`` in a scenario ignores them all (they are still listed).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .data import DataStore, Row
from .policies import Denominator, Policy, Share
from .targets import resolve_amount, row_source

if TYPE_CHECKING:
    from .inputs import Accounting, PolicyEntry
    from .scenario import Scenario

DECISIONS_FILE = "decisions.csv"
YARDSTICK_POLICY = "government"  # whose yardstick a pledge of "the 2% level" is measured by
PLEDGE = "pledge_2pct_level"

# series -> why the row changes nothing in the model (the pledge is handled by apply())
NO_EFFECT: dict[str, str] = {
    "gov_2pct_level_amount": (
        "confirms the yardstick (11兆円程度) already named by the government policy's "
        "target_amount; no change"
    ),
    "supplementary_enacted": (
        "enactment of a supplementary budget: its defense figures enter as data "
        "(defense_budget.csv, related.csv) from the cabinet decision; no change"
    ),
    "general_account_supplementary_total": (
        "general-account total of a supplementary budget, not defense money; no change"
    ),
    "supplementary_middle_east_reserve": (
        "a non-defense part of the FY2026 first supplementary; no change (its parts add up to "
        "its total, so it carried no defense money; the FY2026 defense supplementary stays "
        "projected, since a later one may follow)"
    ),
    "supplementary_reserve_replenishment": (
        "a non-defense part of the FY2026 first supplementary; no change"
    ),
    "supplementary_local_grants": "a non-defense part of the FY2026 first supplementary; no change",
    "budget_passed_lower_house": (
        "a step in the Diet: initial budgets are counted from the cabinet's draft "
        "(defense_budget.csv); no change"
    ),
    "provisional_budget_total": (
        "a stop-gap general-account budget for 1-11 April 2026, not counted on its own; no change"
    ),
    "defense_income_tax_rate": (
        "financing (a 1% defense surtax on income tax from January 2027), not spending: "
        "the accounts count spending; no change"
    ),
    "defense_income_tax_revenue": "financing, not spending; no change",
}


@dataclass(frozen=True)
class Decision:
    """One announced decision and what the run made of it."""

    series: str
    period: str
    year: int
    value: float
    unit: str
    published: str  # ISO date
    source: str  # publisher, URL, published
    effect: str  # "applied", "no effect", "not applied", "ignored"
    what: str  # the mapping, in words

    @property
    def label(self) -> str:
        return f"{self.series} {self.period}{self.year} ({self.published})"


def decision_rows(data: DataStore) -> list[Row]:
    """The rows of decisions.csv published by the as-of date, oldest first."""
    rows = [r for r in data.rows if r.file.endswith(DECISIONS_FILE)]
    return sorted(rows, key=lambda r: (r.published, r.series, r.year))


def _record(r: Row, effect: str, what: str) -> Decision:
    return Decision(
        r.series,
        r.period,
        r.year,
        r.value,
        r.unit,
        r.published.isoformat(),
        row_source(r),
        effect,
        what,
    )


def pledge_entry(pol: Policy, years: tuple[int, int]) -> PolicyEntry:
    """The top-up's target entry for a pledge: the yardstick policy's counting, with its
    plan-counted MoD supplementary counted only in the pledged years (so that the top-up,
    which is made where that share is positive, is made in those years only)."""
    from .inputs import PolicyEntry

    shares = dict(pol.entries()[0][1])
    own = shares.get("mod_supplementary", Share(low=1.0, high=1.0))
    lo = max(years[0], own.from_year or years[0])
    hi = min(years[1], own.to_year or years[1])
    shares["mod_supplementary"] = own.model_copy(update={"from_year": lo, "to_year": hi})
    label = f"{pol.name} (pledge FY{years[0]}" + (f"-FY{years[1]})" if hi > lo else ")")
    return PolicyEntry(label, pol.name, pol.denominator, True, shares)


def apply(
    scenario: Scenario,
    data: DataStore,
    policies: dict[str, Policy],
    acc: Accounting,
    first_supp: int,
) -> tuple[Scenario, Accounting]:
    """The scenario and accounting with the decisions published by the as-of date applied.

    A pledge of the 2% level for fiscal year Y (``pledge_2pct_level``) sets, when Y's
    supplementary budget is still projected and the scenario has no top-up of its own: the
    top-up's target entry to the ``government`` policy's counting (MoD supplementary counted in
    Y only), its target to the government's amount target over that policy's fixed denominator
    (``supplementary.target`` = amount / denominator) and ``supplementary.from_year`` to Y at
    the latest. ``scenario.decisions = false`` leaves both unchanged.

    Returns
    -------
    (Scenario, Accounting)
        The scenario as run (its supplementary section as applied) and the accounting with
        ``decisions`` (every row, with what was made of it) and any new ``target_entry``.
    """
    out: list[Decision] = []
    pledged: list[Row] = []
    for r in decision_rows(data):
        if not scenario.decisions:
            out.append(_record(r, "ignored", "the scenario sets decisions = false"))
        elif r.series == PLEDGE:
            pledged.append(r)
        else:
            out.append(_record(r, "no effect", NO_EFFECT.get(r.series, "not mapped to the model")))
    sup = scenario.supplementary
    live = [r for r in pledged if r.year >= first_supp]
    for r in pledged:
        if r.year < first_supp:
            out.append(
                _record(
                    r,
                    "no effect",
                    f"FY{r.year}'s supplementary budget is already published by the as-of date "
                    "(the pledge is judged by the published figures)",
                )
            )
    target_entry = acc.target_entry
    if live:
        years = (min(r.year for r in live), max(r.year for r in live))
        pol = policies.get(YARDSTICK_POLICY)
        reason = ""
        if sup.target_seeking:
            reason = "the scenario sets its own target-seeking top-up, which it keeps"
        elif sup.fixed_topup and sup.from_year > years[0]:
            reason = (
                f"the scenario's fixed top-up starts in FY{sup.from_year}; moving "
                "supplementary.from_year to the pledged year would move it too"
            )
        elif pol is None or pol.target_amount is None:
            reason = f"no '{YARDSTICK_POLICY}' policy with a target_amount (the yardstick)"
        elif pol.denominator not in (Denominator.fy2022_fixed, Denominator.fy2022_revised):
            reason = f"the {YARDSTICK_POLICY} policy's denominator is not a fixed figure"
        if reason:
            out += [_record(r, "not applied", reason) for r in live]
        else:
            assert pol is not None and pol.target_amount is not None
            amount = resolve_amount(pol.target_amount, data, YARDSTICK_POLICY, "target_amount")
            denom = (
                acc.gdp_fy2022_goal
                if pol.denominator == Denominator.fy2022_fixed
                else acc.gdp_fy2022_revised
            )
            from .inputs import engine_entry

            target_entry = engine_entry(pledge_entry(pol, years), acc)
            sup = sup.model_copy(
                update={
                    "target": amount.amount / denom,
                    "target_policy": YARDSTICK_POLICY,
                    "from_year": min(sup.from_year, years[0]),
                }
            )
            what = (
                f"target-seeking supplementary top-up in FY{years[0]}"
                + (f"-FY{years[1]}" if years[1] > years[0] else "")
                + f" to the {amount.name!r}, {amount.amount:g} trillion yen, counted as the "
                f"'{YARDSTICK_POLICY}' policy counts, capped at {sup.max_topup:g} trillion yen"
            )
            out += [_record(r, "applied", what) for r in live]
    out.sort(key=lambda d: (d.published, d.series, d.year))
    scenario = scenario.model_copy(update={"supplementary": sup})
    acc = dataclasses.replace(acc, target_entry=target_entry, decisions=tuple(out))
    return scenario, acc
