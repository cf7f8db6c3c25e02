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
from .constants import (
    CATEGORY,
    DECISION,
    DRAW,
    FRACTION,
    PERCENTILE,
    POLICY,
    PUBLISHED,
    TARGET_AMOUNT,
    THRESHOLD,
    TRILLION_YEN,
    YEAR,
)

if TYPE_CHECKING:
    from .inputs import ModelInputs, PolicyEntry

# per-draw quantities that are not fields of calendar.Paths
ACCOUNTS = ("ratio", "counted", "denominator")
PLAN = (
    "cum_initial",
    "cum_expenditure",
    "cum_contracts",
    "obligations_after_plan",
    "financing_gap_after_plan",
    "unfinanced_after_plan",
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
    units: str | None
    long_name: str
    attrs: tuple[tuple[str, Any], ...] = ()
    axes: tuple[str, ...] | None = None
    value: Callable[[ModelInputs], Any] | None = None

    @property
    def draw_axes(self) -> tuple[str, ...]:
        """The per-draw quantity's axes, draw axis omitted."""
        return self.axes or tuple(d for d in self.dims if d not in (PERCENTILE, DRAW))


YEN, ONE = TRILLION_YEN, FRACTION
REL = (("spp__relative_to_threshold", "greater_than_or_equal_to"),)
Q, P, Y, T, C = PERCENTILE, POLICY, YEAR, THRESHOLD, CATEGORY
QS, MEAN, PROB, DRAWS = Stat.QUANTILES, Stat.MEAN, Stat.PROBABILITY, Stat.DRAWS
INPUT, LABEL = Stat.INPUT, Stat.LABEL
TA, PF, DC = TARGET_AMOUNT, PUBLISHED, DECISION

IMPUTED_FLAGS = (
    ("flag_values", np.array([0, 1, 2], dtype=np.int8)),
    ("flag_meanings", "published imputed drawn_by_plan_target_rule"),
)


def _imputed_flags(inp: ModelInputs) -> np.ndarray:
    """0 published, 1 filled from the nearest year, 2 drawn by the group-target rule (the last
    known year's missing related figures, issue 15: context.rule_imputed)."""
    from .context import rule_imputed

    flags = inp.known.imputed.astype(np.int8)
    flags[rule_imputed(inp.axis, inp.known, inp.plan)] = 2
    return flags


def _describe(e: PolicyEntry) -> str:
    supp = "supplementary included" if e.supplementary else "initial budgets only"
    basis = "; MoD counted as outlays" if e.outlays else ""
    return f"{e.policy}: denominator {e.denominator.value}, {supp}{basis}"


def _policy_descriptions(inp: ModelInputs) -> np.ndarray:
    return np.array([_describe(e) for e in inp.accounting.entries], dtype=object)


def _policy_targets(inp: ModelInputs) -> np.ndarray:
    return np.array([e.target if e.target else np.nan for e in inp.accounting.entries])


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def _amounts(inp: ModelInputs) -> np.ndarray:
    return np.array([t.amount for t in inp.accounting.target_amounts], dtype=float)


def _published(inp: ModelInputs, what: str) -> np.ndarray:
    from .metrics import reconciliation

    return reconciliation(inp)[what]


def _published_figure(inp: ModelInputs, measure: str, what: str) -> np.ndarray:
    rows = inp.accounting.published
    return np.array([getattr(p, what) if p.measure == measure else np.nan for p in rows])


def _category_long_names(inp: ModelInputs) -> np.ndarray:
    return np.array([c.long_name for c in cats.CATEGORIES], dtype=object)


# a table, one record to a few lines (the formatter would give every field a line of its own)
# fmt: off
VARIABLES: tuple[Variable, ...] = (
    Variable("probability_of_spending_ratio_above_threshold", PROB, "above", (P, Y, T), ONE,
             "Probability that counted spending / GDP denominator is at or above the threshold "
             "in the fiscal year",
             attrs=REL),
    Variable("probability_of_spending_ratio_reached_threshold_by_year", PROB, "by", (P, Y, T), ONE,
             "Probability that the ratio has been at or above the threshold in some fiscal year "
             "from FY2023 up to this one",
             attrs=REL),
    Variable("probability_of_first_reaching_threshold", PROB, "first", (P, Y, T), ONE,
             "Probability that this fiscal year is the first (from FY2023) with the ratio at or "
             "above the threshold",
             attrs=REL),
    Variable("spending_ratio", QS, "ratio", (Q, P, Y), ONE,
             "Quantiles of counted spending / GDP denominator"),
    Variable("spending_ratio_mean", MEAN, "ratio", (P, Y), ONE,
             "Mean of counted spending / GDP denominator"),
    Variable("counted_spending", QS, "counted", (Q, P, Y), YEN,
             "Quantiles of spending counted by the inclusion policy (trillion yen)"),
    Variable("denominator", QS, "denominator", (Q, P, Y), YEN,
             "Quantiles of the policy's GDP denominator (trillion yen)"),
    Variable("gap_to_threshold", QS, "gap", (Q, P, Y, T), YEN,
             "Quantiles of the yen needed to reach the threshold (threshold x denominator - "
             "counted; negative = above) (trillion yen)",
             axes=(T, P, Y)),
    Variable("nominal_gdp", QS, "gdp", (Q, Y), YEN,
             "Quantiles of nominal GDP, 2020 base (trillion yen)"),
    Variable("nominal_gdp_reported", QS, "gdp_reported", (Q, Y), YEN,
             "Quantiles of nominal GDP as reported, with benchmark-revision risk (trillion yen)"),
    Variable("nominal_gdp_outlook", QS, "gdp_outlook", (Q, Y), YEN,
             "Quantiles of the government's nominal GDP outlook at budget time (trillion yen)"),
    Variable("real_gdp_growth", QS, "real_growth", (Q, Y), ONE,
             "Quantiles of real GDP growth (fraction per year)"),
    Variable("gdp_deflator_growth", QS, "deflator_growth", (Q, Y), ONE,
             "Quantiles of GDP deflator growth (fraction per year)"),
    Variable("usd_jpy", QS, "fx", (Q, Y), ONE,
             "Quantiles of the yen per US dollar rate",
             attrs=(("comment", "yen per US dollar"),)),
    Variable("category_spending", QS, "spending", (Q, C, Y), YEN,
             "Quantiles of spending by category (trillion yen)",
             axes=(Y, C)),
    Variable("category_spending_mean", MEAN, "spending", (C, Y), YEN,
             "Mean spending by category (trillion yen)",
             axes=(Y, C)),
    Variable("category_imputed", INPUT, "imputed", (C, Y), ONE,
             "1 where a known-period figure was not found and was filled from the nearest year "
             "with a figure; 2 where it was not found and is drawn per draw by the plan's "
             "group-target rule (the last known year's four areas and PKO/other)",
             attrs=IMPUTED_FLAGS, value=_imputed_flags),
    Variable("new_contracts", QS, "contracts", (Q, Y), YEN,
             "Quantiles of new contracts, plan-covered, contract basis (trillion yen)"),
    Variable("payments_on_earlier_contracts", QS, "payments_due", (Q, Y), YEN,
             "Quantiles of payments due on earlier contracts (obligatory outlays) (trillion "
             "yen); projected years only"),
    Variable("personnel_and_provisions", QS, "personnel", (Q, Y), YEN,
             "Quantiles of MoD personnel and provisions (人件・糧食費), plan-covered; from its "
             "published base year (trillion yen)"),
    Variable("general_material_costs", QS, "general_material", (Q, Y), YEN,
             "Quantiles of MoD general material costs (一般物件費): the plan-covered budget less "
             "personnel and payments due; projected years only (trillion yen)"),
    Variable("financing_gap", QS, "financing_gap", (Q, Y), YEN,
             "Quantiles of the financing gap: what the year's budget rule left unfunded of "
             "personnel and payments due, added to the budget so that no spending is negative "
             "(trillion yen)"),
    Variable("financing_gap_mean", MEAN, "financing_gap", (Y,), YEN,
             "Mean financing gap (trillion yen)"),
    Variable("probability_of_financing_gap", PROB, "financing_gap", (Y,), ONE,
             "Probability that the budget rule's level falls short of personnel plus payments "
             "due in the fiscal year (a financing gap)"),
    Variable("executed_mod_spending", QS, "executed", (Q, Y), YEN,
             "Quantiles of MoD spending executed after unspent money (trillion yen)"),
    Variable("target_seeking_topup_mean", MEAN, "topup", (Y,), YEN,
             "Mean target-seeking supplementary top-up (trillion yen)"),
    Variable("probability_of_topup", PROB, "topup", (Y,), ONE,
             "Probability that a target-seeking top-up is made in the fiscal year"),
    Variable("plan_cumulative_initial", QS, "cum_initial", (Q,), YEN,
             "Quantiles of FY2023-FY2027 plan-covered initial budgets, expenditure basis "
             "(trillion yen)"),
    Variable("probability_of_plan_budget_shortfall", PROB, "initial_shortfall", (), ONE,
             "Probability that FY2023-FY2027 initial budgets fall short of the plan's 40.5 "
             "trillion yen budget total"),
    Variable("plan_cumulative_expenditure", QS, "cum_expenditure", (Q,), YEN,
             "Quantiles of FY2023-FY2027 MoD spending counted toward the plan: initial budgets + "
             "plan-counted supplementary budgets (trillion yen)"),
    Variable("plan_cumulative_contracts", QS, "cum_contracts", (Q,), YEN,
             "Quantiles of FY2023-FY2027 new contracts, contract basis (trillion yen)"),
    Variable("probability_of_plan_expenditure_shortfall", PROB, "expenditure_shortfall", (), ONE,
             "Probability that FY2023-FY2027 spending counted toward the plan (initial + "
             "plan-counted supplementary) falls short of the plan's 43 trillion yen level"),
    Variable("probability_of_plan_contract_shortfall", PROB, "contract_shortfall", (), ONE,
             "Probability that FY2023-FY2027 contracts fall short of the plan's 43.5 trillion "
             "yen"),
    Variable("obligations_after_fy2027", QS, "obligations_after_plan", (Q,), YEN,
             "Quantiles of contract obligations signed by FY2027 and payable after FY2027 "
             "(trillion yen)"),
    Variable("financing_gap_after_fy2027", QS, "financing_gap_after_plan", (Q,), YEN,
             "Quantiles of the financing gap summed over FY2028 to the horizon: what the "
             "post-2027 rule left unfunded of personnel and payments due (trillion yen)"),
    Variable("probability_of_financing_gap_after_fy2027", PROB, "any_financing_gap", (), ONE,
             "Probability that the post-2027 rule leaves personnel or payments due unfunded in "
             "some year after FY2027"),
    Variable("spending_above_financing_plan_after_fy2027", QS, "unfinanced_after_plan", (Q,),
             YEN,
             "Quantiles of plan-covered budgets FY2028 to the horizon less the 2022 financing "
             "plan's yearly sources (FY2022 base 5.2 + fund 0.9 + settlement surpluses 0.7 + "
             "spending reform 1.0 + tax measures 1.0 tn, incl. the income surtax from January "
             "2027), summed (trillion yen; negative: within the plan's financing)"),
    Variable("financing_plan_yearly", INPUT, "financing_plan_yearly", (), YEN,
             "The 2022 financing plan's yearly sources from FY2028: FY2022 base + fund + "
             "settlement surpluses + spending reform + tax measures (trillion yen; NaN where not "
             "published by as_of)",
             value=lambda inp: float(sum(inp.plan.financing_after_plan.values()))
             if inp.plan.financing_after_plan else float("nan")),
    Variable("plan_real_value_fy2022_yen", QS, "real_value_fy2022", (Q,), YEN,
             "Quantiles of FY2023-FY2027 expenditure deflated to FY2022 yen by the GDP deflator "
             "(trillion yen)"),
    Variable("plan_value_at_plan_exchange_rate", QS, "value_at_plan_fx", (Q,), YEN,
             "Quantiles of FY2023-FY2027 expenditure re-valued at the plan's yen/dollar "
             "assumption for its FX-sensitive share (trillion yen)"),
    Variable("plan_budget_total", INPUT, "plan_expenditure_total", (), YEN,
             "The plan's budget total, expenditure basis, 40.5 trillion yen (Defense Buildup "
             "Program, 2022-12-16) (trillion yen)",
             value=lambda inp: inp.plan.expenditure_total),
    Variable("plan_level_total", INPUT, "plan_level", (), YEN,
             "The plan's defense buildup level, 43 trillion yen: the 40.5 budget total plus 1.6 "
             "facilities and 0.9 surplus measures (Defense Buildup Program, 2022-12-16) "
             "(trillion yen)",
             value=lambda inp: inp.plan.level),
    Variable("plan_contract_total", INPUT, "plan_contract_total", (), YEN,
             "The plan's new-contract total, contract basis (Defense Buildup Program, "
             "2022-12-16) (trillion yen)",
             value=lambda inp: inp.plan.contract_total),
    Variable("ratio_draws", DRAWS, "ratio", (P, Y, DRAW), ONE,
             "Counted spending / GDP denominator, every draw"),
    Variable("counted_spending_draws", DRAWS, "counted", (P, Y, DRAW), YEN,
             "Counted spending, every draw (trillion yen)"),
    Variable("nominal_gdp_draws", DRAWS, "gdp", (Y, DRAW), YEN,
             "Nominal GDP, every draw (trillion yen)"),
    # targets stated as amounts (policies' target_amount; metrics.amount_indicators)
    Variable("probability_of_counted_spending_above_target_amount", PROB, "amount_above",
             (P, Y, TA), ONE,
             "Probability that counted spending is at or above the target amount in the fiscal "
             "year",
             attrs=REL),
    Variable("probability_of_counted_spending_reached_target_amount_by_year", PROB, "amount_by",
             (P, Y, TA), ONE,
             "Probability that counted spending has been at or above the target amount in some "
             "fiscal year from FY2023 up to this one",
             attrs=REL),
    Variable("target_amount", INPUT, "amounts", (TA,), YEN,
             "Target stated as an amount of counted spending (trillion yen)",
             value=_amounts),
    # the reconciliation table: published against modelled, known years (metrics.reconciliation)
    Variable("published_figure_fiscal_year", INPUT, "published", (PF,), ONE,
             "Fiscal year of the published figure",
             value=lambda inp: np.array([p.year for p in inp.accounting.published], np.int32)),
    Variable("published_ratio", INPUT, "published", (PF,), ONE,
             "Published ratio to the policy's denominator (NaN: the figure is an amount)",
             value=lambda inp: _published_figure(inp, "ratio", "value")),
    Variable("published_ratio_rounding", INPUT, "published", (PF,), ONE,
             "Half a unit of the published ratio's last digit (NaN: the figure is an amount)",
             value=lambda inp: _published_figure(inp, "ratio", "rounding")),
    Variable("published_amount", INPUT, "published", (PF,), YEN,
             "Published amount of counted spending (NaN: the figure is a ratio) (trillion yen)",
             value=lambda inp: _published_figure(inp, "amount", "value")),
    Variable("published_amount_rounding", INPUT, "published", (PF,), YEN,
             "Half a unit of the published amount's last digit (NaN: the figure is a ratio) "
             "(trillion yen)",
             value=lambda inp: _published_figure(inp, "amount", "rounding")),
    Variable("modelled_ratio", INPUT, "published", (PF,), ONE,
             "Modelled ratio of the figure's policy and year, from the known figures (NaN: not "
             "all known at the as-of date)",
             value=lambda inp: _published(inp, "ratio")),
    Variable("modelled_amount", INPUT, "published", (PF,), YEN,
             "Modelled counted spending of the figure's policy and year, from the known figures "
             "(NaN: not all known at the as-of date) (trillion yen)",
             value=lambda inp: _published(inp, "amount")),
    Variable("published_figure_within_rounding", INPUT, "published", (PF,), ONE,
             "1 if the modelled figure is within the published figure's rounding, 0 if not, "
             "-1 if not known at the as-of date, 2 for another publisher's accounting shown for "
             "comparison (not expected within rounding)",
             attrs=(("flag_values", np.array([-1, 0, 1, 2], dtype=np.int8)),
                    ("flag_meanings", "not_known outside_rounding within_rounding reference")),
             value=lambda inp: _published(inp, "within")),
    Variable("policy_description", LABEL, "entries", (P,), None,
             "Inclusion policy: denominator and supplementary counting",
             value=_policy_descriptions),
    Variable("policy_target", LABEL, "entries", (P,), ONE,
             "The ratio the policy file says this entry is measured against (NaN: the 2% and "
             "3.5% thresholds)",
             value=_policy_targets),
    Variable("category_long_name", LABEL, "categories", (C,), None,
             "Category description",
             value=_category_long_names),
    Variable("target_amount_name", LABEL, "amounts", (TA,), None,
             "Name of the target amount",
             value=lambda inp: _strings([t.name for t in inp.accounting.target_amounts])),
    Variable("target_amount_source", LABEL, "amounts", (TA,), None,
             "Source of the target amount (publisher, URL, publication date)",
             value=lambda inp: _strings([t.source for t in inp.accounting.target_amounts])),
    Variable("policy_target_amount_name", LABEL, "entries", (P,), None,
             "The target amount the policy file names as its own yardstick ('' if none)",
             value=lambda inp: _strings([e.target_amount or "" for e in inp.accounting.entries])),
    Variable("policy_caveats", LABEL, "entries", (P,), None,
             "What the policy's definition asks for and the model does not count ('' if none)",
             value=lambda inp: _strings([e.caveats for e in inp.accounting.entries])),
    Variable("published_figure", LABEL, "published", (PF,), None,
             "Published figure: POLICY FYyyyy MEASURE",
             value=lambda inp: _strings([p.label for p in inp.accounting.published])),
    Variable("published_figure_policy", LABEL, "published", (PF,), None,
             "The inclusion policy whose counting the published figure uses",
             value=lambda inp: _strings([p.policy for p in inp.accounting.published])),
    Variable("published_figure_source", LABEL, "published", (PF,), None,
             "Source of the published figure (publisher, URL, publication date)",
             value=lambda inp: _strings([p.source for p in inp.accounting.published])),
    Variable("published_figure_note", LABEL, "published", (PF,), None,
             "What the published figure says",
             value=lambda inp: _strings([p.note for p in inp.accounting.published])),
    # announced decisions (decisions.py)
    Variable("decision", LABEL, "decisions", (DC,), None,
             "Announced decision: SERIES PERIODyyyy (publication date)",
             value=lambda inp: _strings([d.label for d in inp.accounting.decisions])),
    Variable("decision_effect", LABEL, "decisions", (DC,), None,
             "What the run made of the decision: applied, no effect, not applied, ignored",
             value=lambda inp: _strings([d.effect for d in inp.accounting.decisions])),
    Variable("decision_mapping", LABEL, "decisions", (DC,), None,
             "The decision's mapping to the model, in words (METHODOLOGY.md, section 4.6)",
             value=lambda inp: _strings([d.what for d in inp.accounting.decisions])),
    Variable("decision_source", LABEL, "decisions", (DC,), None,
             "Source of the decision (publisher, URL, publication date)",
             value=lambda inp: _strings([d.source for d in inp.accounting.decisions])),
)
# fmt: on


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


@dataclass(frozen=True)
class BranchVariable:
    """An output variable of a policy mixture on the ``branch`` dimension (jdef.mixtures); the
    mixture's own variables are those of ``VARIABLES``. ``units`` None for text."""

    name: str
    units: str | None
    long_name: str


# fmt: off
BRANCH_VARIABLES: tuple[BranchVariable, ...] = (
    BranchVariable("branch_weight", ONE, "Weight (probability) of the policy mixture branch"),
    BranchVariable("branch_draw_share", ONE,
                   "Share of the Monte Carlo draws assigned to the branch (the sampled mixture)"),
    BranchVariable("branch_rule", None, "The branch's post-FY2027 rule"),
    BranchVariable("branch_rule_settings", None, "The branch's post2027 settings (JSON)"),
    BranchVariable("branch_weight_source", None,
                   "Where the branch's weight comes from, or the reasoning of a judgement"),
    BranchVariable("branch_weight_is_judgement", ONE,
                   "1 where the branch's weight is the analyst's judgement, 0 where sourced"),
    BranchVariable("branch_probability_of_spending_ratio_above_threshold", ONE,
                   "Probability that the ratio is at or above the threshold in the fiscal year, "
                   "under the branch's rule alone (common random numbers)"),
    BranchVariable("branch_probability_of_spending_ratio_above_threshold_standard_error", ONE,
                   "Monte Carlo standard error of branch_probability_of_spending_ratio_above_"
                   "threshold"),
    BranchVariable("branch_probability_of_spending_ratio_reached_threshold_by_year", ONE,
                   "Probability that the ratio has been at or above the threshold in some year "
                   "up to this one, under the branch's rule alone (common random numbers)"),
    BranchVariable(
        "branch_probability_of_spending_ratio_reached_threshold_by_year_standard_error", ONE,
        "Monte Carlo standard error of branch_probability_of_spending_ratio_reached_threshold_"
        "by_year"),
    BranchVariable("branch_spending_ratio", ONE,
                   "Quantiles of counted spending / GDP denominator under the branch's rule alone"),
)
# fmt: on
