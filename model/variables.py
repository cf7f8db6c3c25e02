"""The registry of output variables: one record per variable of the result Dataset.

Each record names the per-draw quantity (or event, or input figure) it is made from and the
statistic that makes it; the registry, in its order, drives the per-draw arrays
(``summaries.per_draw``), the summaries (exact and streamed) and the Dataset
(``results.build_dataset``). A per-draw quantity is a field of ``calendar.Paths`` of the same
name, unless it is one of ``ACCOUNTS`` (``metrics.accounts``), ``PLAN``
(``metrics.plan_accounts``) or ``GAP``. Adding an output variable is one record here (plus the
code that computes a new quantity or event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from . import categories as cats
from .constants import CATEGORY, DRAW, FRACTION, POLICY, QUANTILE, THRESHOLD, TRILLION_YEN, YEAR

if TYPE_CHECKING:
    from .inputs import ModelInputs, PolicyEntry

# per-draw quantities that are not fields of calendar.Paths
ACCOUNTS = ("ratio", "counted", "denominator")
PLAN = (
    "cum_initial",
    "cum_expenditure",
    "cum_contracts",
    "obligations_after_plan",
    "real_value_fy2022",
    "value_at_plan_fx",
)
GAP = "gap"  # threshold x denominator - counted
# events on the ratio, one per threshold; the others are in summaries.plan_indicators
THRESHOLD_EVENTS = ("above", "by", "first")


class Stat(Enum):
    """How a variable is made."""

    QUANTILES = "quantiles"  # quantile axis first; exact (sorted) or within a bin (streamed)
    MEAN = "mean"
    PROBABILITY = "probability"  # an event's probability, and its Monte Carlo standard error
    DRAWS = "draws"  # every draw, draw axis last (with keep_draws only)
    INPUT = "input"  # a figure of the inputs, not drawn
    LABEL = "label"  # a figure per coordinate value, written after the coordinates


@dataclass(frozen=True)
class Variable:
    """One output variable.

    ``of`` is the per-draw quantity (QUANTILES, MEAN, DRAWS) or the event (PROBABILITY) it
    summarises; ``dims`` its dimensions in the Dataset; ``axes`` the quantity's own axes per
    draw (draw axis omitted) where they are in another order; ``value`` the figure of the
    inputs (INPUT, LABEL); ``units`` None for text.
    """

    name: str
    stat: Stat
    of: str
    dims: tuple[str, ...]
    long_name: str
    units: str | None = FRACTION
    attrs: tuple[tuple[str, Any], ...] = ()
    axes: tuple[str, ...] | None = None
    value: Callable[[ModelInputs], Any] | None = None

    @property
    def draw_axes(self) -> tuple[str, ...]:
        """The per-draw quantity's axes, draw axis omitted."""
        return self.axes or tuple(d for d in self.dims if d not in (QUANTILE, DRAW))


YEN = TRILLION_YEN
REL = (("spp__relative_to_threshold", "greater_than_or_equal_to"),)
Q, P, Y, T, C = QUANTILE, POLICY, YEAR, THRESHOLD, CATEGORY
QS, MEAN, PROB, DRAWS = Stat.QUANTILES, Stat.MEAN, Stat.PROBABILITY, Stat.DRAWS
PLAN_SPAN = "FY2023-FY2027"


def _describe(e: PolicyEntry) -> str:
    supp = "supplementary included" if e.supplementary else "initial budgets only"
    return f"{e.policy}: denominator {e.denominator.value}, {supp}"


def _policy_target(inp: ModelInputs) -> np.ndarray:
    return np.array([e.target if e.target else np.nan for e in inp.entries])


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "probability_of_spending_ratio_above_threshold",
        PROB,
        "above",
        (P, Y, T),
        "Probability that counted spending / GDP denominator is at or above the threshold in "
        "the fiscal year",
        attrs=REL,
    ),
    Variable(
        "probability_of_spending_ratio_reached_threshold_by_year",
        PROB,
        "by",
        (P, Y, T),
        "Probability that the ratio has been at or above the threshold in some fiscal year from "
        "FY2023 up to this one",
        attrs=REL,
    ),
    Variable(
        "probability_of_first_reaching_threshold",
        PROB,
        "first",
        (P, Y, T),
        "Probability that this fiscal year is the first (from FY2023) with the ratio at or above "
        "the threshold",
        attrs=REL,
    ),
    Variable(
        "spending_ratio", QS, "ratio", (Q, P, Y), "Quantiles of counted spending / GDP denominator"
    ),
    Variable(
        "spending_ratio_mean", MEAN, "ratio", (P, Y), "Mean of counted spending / GDP denominator"
    ),
    Variable(
        "counted_spending",
        QS,
        "counted",
        (Q, P, Y),
        "Quantiles of spending counted by the inclusion policy (trillion yen)",
        YEN,
    ),
    Variable(
        "denominator",
        QS,
        "denominator",
        (Q, P, Y),
        "Quantiles of the policy's GDP denominator (trillion yen)",
        YEN,
    ),
    Variable(
        "gap_to_threshold",
        QS,
        GAP,
        (Q, P, Y, T),
        "Quantiles of the yen needed to reach the threshold (threshold x denominator - counted; "
        "negative = above) (trillion yen)",
        YEN,
        axes=(T, P, Y),
    ),
    Variable(
        "nominal_gdp", QS, "gdp", (Q, Y), "Quantiles of nominal GDP, 2020 base (trillion yen)", YEN
    ),
    Variable(
        "nominal_gdp_reported",
        QS,
        "gdp_reported",
        (Q, Y),
        "Quantiles of nominal GDP as reported, with benchmark-revision risk (trillion yen)",
        YEN,
    ),
    Variable(
        "nominal_gdp_outlook",
        QS,
        "gdp_outlook",
        (Q, Y),
        "Quantiles of the government's nominal GDP outlook at budget time (trillion yen)",
        YEN,
    ),
    Variable(
        "real_gdp_growth",
        QS,
        "real_growth",
        (Q, Y),
        "Quantiles of real GDP growth (fraction per year)",
    ),
    Variable(
        "gdp_deflator_growth",
        QS,
        "deflator_growth",
        (Q, Y),
        "Quantiles of GDP deflator growth (fraction per year)",
    ),
    Variable(
        "usd_jpy",
        QS,
        "fx",
        (Q, Y),
        "Quantiles of the yen per US dollar rate",
        "1",
        (("comment", "yen per US dollar"),),
    ),
    Variable(
        "category_spending",
        QS,
        "spending",
        (Q, C, Y),
        "Quantiles of spending by category (trillion yen)",
        YEN,
        axes=(Y, C),
    ),
    Variable(
        "category_spending_mean",
        MEAN,
        "spending",
        (C, Y),
        "Mean spending by category (trillion yen)",
        YEN,
        axes=(Y, C),
    ),
    Variable(
        "category_imputed",
        Stat.INPUT,
        "imputed",
        (C, Y),
        "1 where a known-period figure was not found and was filled from the nearest year with a "
        "figure",
        "1",
        (("flag_values", np.array([0, 1], dtype=np.int8)), ("flag_meanings", "published imputed")),
        value=lambda inp: inp.imputed.astype(np.int8),
    ),
    Variable(
        "new_contracts",
        QS,
        "contracts",
        (Q, Y),
        "Quantiles of new contracts, plan-covered, contract basis (trillion yen)",
        YEN,
    ),
    Variable(
        "payments_on_earlier_contracts",
        QS,
        "payments_due",
        (Q, Y),
        "Quantiles of payments due on earlier contracts (obligatory outlays) (trillion yen); "
        "projected years only",
        YEN,
    ),
    Variable(
        "executed_mod_spending",
        QS,
        "executed",
        (Q, Y),
        "Quantiles of MoD spending executed after unspent money (trillion yen)",
        YEN,
    ),
    Variable(
        "target_seeking_topup_mean",
        MEAN,
        "topup",
        (Y,),
        "Mean target-seeking supplementary top-up (trillion yen)",
        YEN,
    ),
    Variable(
        "probability_of_topup",
        PROB,
        "topup",
        (Y,),
        "Probability that a target-seeking top-up is made in the fiscal year",
    ),
    Variable(
        "plan_cumulative_initial",
        QS,
        "cum_initial",
        (Q,),
        f"Quantiles of {PLAN_SPAN} plan-covered initial budgets, expenditure basis (trillion yen)",
        YEN,
    ),
    Variable(
        "probability_of_plan_budget_shortfall",
        PROB,
        "initial_shortfall",
        (),
        f"Probability that {PLAN_SPAN} initial budgets fall short of the plan's 40.5 trillion yen "
        "budget total",
    ),
    Variable(
        "plan_cumulative_expenditure",
        QS,
        "cum_expenditure",
        (Q,),
        f"Quantiles of {PLAN_SPAN} MoD spending counted toward the plan: initial budgets + "
        "plan-counted supplementary budgets (trillion yen)",
        YEN,
    ),
    Variable(
        "plan_cumulative_contracts",
        QS,
        "cum_contracts",
        (Q,),
        f"Quantiles of {PLAN_SPAN} new contracts, contract basis (trillion yen)",
        YEN,
    ),
    Variable(
        "probability_of_plan_expenditure_shortfall",
        PROB,
        "expenditure_shortfall",
        (),
        f"Probability that {PLAN_SPAN} spending counted toward the plan (initial + plan-counted "
        "supplementary) falls short of the plan's 43 trillion yen level",
    ),
    Variable(
        "probability_of_plan_contract_shortfall",
        PROB,
        "contract_shortfall",
        (),
        f"Probability that {PLAN_SPAN} contracts fall short of the plan's 43.5 trillion yen",
    ),
    Variable(
        "obligations_after_fy2027",
        QS,
        "obligations_after_plan",
        (Q,),
        "Quantiles of contract obligations signed by FY2027 and payable after FY2027 (trillion yen)",
        YEN,
    ),
    Variable(
        "plan_real_value_fy2022_yen",
        QS,
        "real_value_fy2022",
        (Q,),
        f"Quantiles of {PLAN_SPAN} expenditure deflated to FY2022 yen by the GDP deflator "
        "(trillion yen)",
        YEN,
    ),
    Variable(
        "plan_value_at_plan_exchange_rate",
        QS,
        "value_at_plan_fx",
        (Q,),
        f"Quantiles of {PLAN_SPAN} expenditure re-valued at the plan's yen/dollar assumption for "
        "its FX-sensitive share (trillion yen)",
        YEN,
    ),
    Variable(
        "plan_budget_total",
        Stat.INPUT,
        "plan_expenditure_total",
        (),
        "The plan's budget total, expenditure basis, 40.5 trillion yen (Defense Buildup Program, "
        "2022-12-16) (trillion yen)",
        YEN,
        value=lambda inp: inp.plan_expenditure_total,
    ),
    Variable(
        "plan_level_total",
        Stat.INPUT,
        "plan_level",
        (),
        "The plan's defense buildup level, 43 trillion yen: the 40.5 budget total plus 1.6 "
        "facilities and 0.9 surplus measures (Defense Buildup Program, 2022-12-16) (trillion yen)",
        YEN,
        value=lambda inp: inp.plan_level,
    ),
    Variable(
        "plan_contract_total",
        Stat.INPUT,
        "plan_contract_total",
        (),
        "The plan's new-contract total, contract basis (Defense Buildup Program, 2022-12-16) "
        "(trillion yen)",
        YEN,
        value=lambda inp: inp.plan_contract_total,
    ),
    Variable(
        "ratio_draws",
        DRAWS,
        "ratio",
        (P, Y, DRAW),
        "Counted spending / GDP denominator, every draw",
    ),
    Variable(
        "counted_spending_draws",
        DRAWS,
        "counted",
        (P, Y, DRAW),
        "Counted spending, every draw (trillion yen)",
        YEN,
    ),
    Variable(
        "nominal_gdp_draws", DRAWS, "gdp", (Y, DRAW), "Nominal GDP, every draw (trillion yen)", YEN
    ),
    Variable(
        "policy_description",
        Stat.LABEL,
        "entries",
        (P,),
        "Inclusion policy: denominator and supplementary counting",
        None,
        value=lambda inp: np.array([_describe(e) for e in inp.entries], dtype=object),
    ),
    Variable(
        "policy_target",
        Stat.LABEL,
        "entries",
        (P,),
        "The ratio the policy file says this entry is measured against (NaN: the 2% and 3.5% "
        "thresholds)",
        value=_policy_target,
    ),
    Variable(
        "category_long_name",
        Stat.LABEL,
        "categories",
        (C,),
        "Category description",
        None,
        value=lambda inp: np.array([c.long_name for c in cats.CATEGORIES], dtype=object),
    ),
)


def quantities(*stats: Stat) -> tuple[str, ...]:
    """The per-draw quantities (or events) the variables of these statistics summarise, in
    registry order."""
    return tuple(dict.fromkeys(v.of for v in VARIABLES if v.stat in stats))


def draw_axes(key: str) -> tuple[str, ...]:
    """A per-draw quantity's axes, draw axis omitted (the same for every variable made of it)."""
    return next(v.draw_axes for v in VARIABLES if v.of == key and v.stat in DRAWN)


DRAWN = (Stat.QUANTILES, Stat.MEAN, Stat.DRAWS)
# every per-draw quantity the summaries need, registry order
PER_DRAW = quantities(*DRAWN)
