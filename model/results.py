"""One ``xarray.Dataset`` with CF/ACDD attributes and JSON provenance."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import numpy as np
import xarray as xr

from . import __version__
from . import categories as cats
from .constants import (
    CATEGORY,
    DEFAULT_QUANTILES,
    DRAW,
    FRACTION,
    PACKAGE_DIR,
    POLICY,
    QUANTILE,
    THRESHOLD,
    TRILLION_YEN,
    YEAR,
)
from .inputs import ModelInputs, PolicyEntry
from .summaries import Stats

YEN = {"units": TRILLION_YEN, "currency": "JPY (units 1e12: trillion yen)"}
PROB = {"units": FRACTION}


def _git_commit() -> str:
    """The commit of jdef's own checkout when the code runs from one (an editable install or
    the source tree); "" for an installed package, wherever it sits."""
    root = PACKAGE_DIR.parent
    if (
        PACKAGE_DIR.name != "model"
        or not (root / ".git").exists()
        or not (root / "pyproject.toml").is_file()
    ):
        return ""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _var(dims, data, long_name: str, attrs: dict | None = None) -> xr.Variable:
    return xr.Variable(
        dims,
        np.asarray(data),
        {
            "long_name": long_name,
            "coverage_content_type": "modelResult",
            **(PROB if attrs is None else attrs),
        },
    )


def build_dataset(inp: ModelInputs, st: Stats, draws: int, seed: int) -> xr.Dataset:
    q = np.array(DEFAULT_QUANTILES)
    thr = np.array(inp.scenario.thresholds)
    labels = [e.label for e in inp.accounting.entries]
    Qd = st.quantile
    rel = {"spp__relative_to_threshold": "greater_than_or_equal_to"}
    P, Y, T, Q, C = POLICY, YEAR, THRESHOLD, QUANTILE, CATEGORY
    pa, pb, pf = st.prob["above"], st.prob["by"], st.prob["first"]
    v = {
        "probability_of_spending_ratio_above_threshold": _var(
            (P, Y, T),
            pa[0],
            "Probability that counted spending / GDP denominator is at or above the threshold in the fiscal year",
            {**PROB, **rel},
        ),
        "probability_of_spending_ratio_above_threshold_standard_error": _var(
            (P, Y, T),
            pa[1],
            "Monte Carlo standard error of probability_of_spending_ratio_above_threshold",
        ),
        "probability_of_spending_ratio_reached_threshold_by_year": _var(
            (P, Y, T),
            pb[0],
            "Probability that the ratio has been at or above the threshold in some fiscal year from FY2023 up to this one",
            {**PROB, **rel},
        ),
        "probability_of_spending_ratio_reached_threshold_by_year_standard_error": _var(
            (P, Y, T),
            pb[1],
            "Monte Carlo standard error of probability_of_spending_ratio_reached_threshold_by_year",
        ),
        "probability_of_first_reaching_threshold": _var(
            (P, Y, T),
            pf[0],
            "Probability that this fiscal year is the first (from FY2023) with the ratio at or above the threshold",
            {**PROB, **rel},
        ),
        "probability_of_first_reaching_threshold_standard_error": _var(
            (P, Y, T),
            pf[1],
            "Monte Carlo standard error of probability_of_first_reaching_threshold",
        ),
        "spending_ratio": _var(
            (Q, P, Y), Qd["ratio"], "Quantiles of counted spending / GDP denominator"
        ),
        "spending_ratio_mean": _var(
            (P, Y), st.mean["ratio"], "Mean of counted spending / GDP denominator"
        ),
        "counted_spending": _var(
            (Q, P, Y),
            Qd["counted"],
            "Quantiles of spending counted by the inclusion policy (trillion yen)",
            YEN,
        ),
        "denominator": _var(
            (Q, P, Y),
            Qd["denominator"],
            "Quantiles of the policy's GDP denominator (trillion yen)",
            YEN,
        ),
        "gap_to_threshold": _var(
            (Q, P, Y, T),
            Qd["gap"].transpose(0, 2, 3, 1),
            "Quantiles of the yen needed to reach the threshold (threshold x denominator - counted; negative = above) (trillion yen)",
            YEN,
        ),
        "nominal_gdp": _var(
            (Q, Y), Qd["gdp"], "Quantiles of nominal GDP, 2020 base (trillion yen)", YEN
        ),
        "nominal_gdp_reported": _var(
            (Q, Y),
            Qd["gdp_reported"],
            "Quantiles of nominal GDP as reported, with benchmark-revision risk (trillion yen)",
            YEN,
        ),
        "nominal_gdp_outlook": _var(
            (Q, Y),
            Qd["gdp_outlook"],
            "Quantiles of the government's nominal GDP outlook at budget time (trillion yen)",
            YEN,
        ),
        "real_gdp_growth": _var(
            (Q, Y), Qd["real_growth"], "Quantiles of real GDP growth (fraction per year)"
        ),
        "gdp_deflator_growth": _var(
            (Q, Y), Qd["deflator_growth"], "Quantiles of GDP deflator growth (fraction per year)"
        ),
        "usd_jpy": _var(
            (Q, Y),
            Qd["fx"],
            "Quantiles of the yen per US dollar rate",
            {"units": "1", "comment": "yen per US dollar"},
        ),
        "category_spending": _var(
            (Q, C, Y),
            Qd["spending"].transpose(0, 2, 1),
            "Quantiles of spending by category (trillion yen)",
            YEN,
        ),
        "category_spending_mean": _var(
            (C, Y), st.mean["spending"].T, "Mean spending by category (trillion yen)", YEN
        ),
        "category_imputed": _var(
            (C, Y),
            inp.known.imputed.astype(np.int8),
            "1 where a known-period figure was not found and was filled from the nearest year with a figure",
            {
                "units": "1",
                "flag_values": np.array([0, 1], dtype=np.int8),
                "flag_meanings": "published imputed",
            },
        ),
        "new_contracts": _var(
            (Q, Y),
            Qd["contracts"],
            "Quantiles of new contracts, plan-covered, contract basis (trillion yen)",
            YEN,
        ),
        "payments_on_earlier_contracts": _var(
            (Q, Y),
            Qd["payments_due"],
            "Quantiles of payments due on earlier contracts (obligatory outlays) (trillion yen); projected years only",
            YEN,
        ),
        "executed_mod_spending": _var(
            (Q, Y),
            Qd["executed"],
            "Quantiles of MoD spending executed after unspent money (trillion yen)",
            YEN,
        ),
        "target_seeking_topup_mean": _var(
            (Y,), st.mean["topup"], "Mean target-seeking supplementary top-up (trillion yen)", YEN
        ),
        "probability_of_topup": _var(
            (Y,),
            st.prob["topup"][0],
            "Probability that a target-seeking top-up is made in the fiscal year",
        ),
        "probability_of_topup_standard_error": _var(
            (Y,), st.prob["topup"][1], "Monte Carlo standard error of probability_of_topup"
        ),
        "plan_cumulative_initial": _var(
            (Q,),
            Qd["cum_initial"],
            "Quantiles of FY2023-FY2027 plan-covered initial budgets, expenditure basis (trillion yen)",
            YEN,
        ),
        "probability_of_plan_budget_shortfall": _var(
            (),
            st.prob["initial_shortfall"][0],
            "Probability that FY2023-FY2027 initial budgets fall short of the plan's 40.5 trillion yen budget total",
        ),
        "probability_of_plan_budget_shortfall_standard_error": _var(
            (),
            st.prob["initial_shortfall"][1],
            "Monte Carlo standard error of probability_of_plan_budget_shortfall",
        ),
        "plan_cumulative_expenditure": _var(
            (Q,),
            Qd["cum_expenditure"],
            "Quantiles of FY2023-FY2027 MoD spending counted toward the plan: initial budgets + plan-counted supplementary budgets (trillion yen)",
            YEN,
        ),
        "plan_cumulative_contracts": _var(
            (Q,),
            Qd["cum_contracts"],
            "Quantiles of FY2023-FY2027 new contracts, contract basis (trillion yen)",
            YEN,
        ),
        "probability_of_plan_expenditure_shortfall": _var(
            (),
            st.prob["expenditure_shortfall"][0],
            "Probability that FY2023-FY2027 spending counted toward the plan (initial + plan-counted supplementary) falls short of the plan's 43 trillion yen level",
        ),
        "probability_of_plan_expenditure_shortfall_standard_error": _var(
            (),
            st.prob["expenditure_shortfall"][1],
            "Monte Carlo standard error of probability_of_plan_expenditure_shortfall",
        ),
        "probability_of_plan_contract_shortfall": _var(
            (),
            st.prob["contract_shortfall"][0],
            "Probability that FY2023-FY2027 contracts fall short of the plan's 43.5 trillion yen",
        ),
        "probability_of_plan_contract_shortfall_standard_error": _var(
            (),
            st.prob["contract_shortfall"][1],
            "Monte Carlo standard error of probability_of_plan_contract_shortfall",
        ),
        "obligations_after_fy2027": _var(
            (Q,),
            Qd["obligations_after_plan"],
            "Quantiles of contract obligations signed by FY2027 and payable after FY2027 (trillion yen)",
            YEN,
        ),
        "plan_real_value_fy2022_yen": _var(
            (Q,),
            Qd["real_value_fy2022"],
            "Quantiles of FY2023-FY2027 expenditure deflated to FY2022 yen by the GDP deflator (trillion yen)",
            YEN,
        ),
        "plan_value_at_plan_exchange_rate": _var(
            (Q,),
            Qd["value_at_plan_fx"],
            "Quantiles of FY2023-FY2027 expenditure re-valued at the plan's yen/dollar assumption for its FX-sensitive share (trillion yen)",
            YEN,
        ),
        "plan_budget_total": _var(
            (),
            inp.plan.expenditure_total,
            "The plan's budget total, expenditure basis, 40.5 trillion yen (Defense Buildup Program, 2022-12-16) (trillion yen)",
            YEN,
        ),
        "plan_level_total": _var(
            (),
            inp.plan.level,
            "The plan's defense buildup level, 43 trillion yen: the 40.5 budget total plus 1.6 facilities and 0.9 surplus measures (Defense Buildup Program, 2022-12-16) (trillion yen)",
            YEN,
        ),
        "plan_contract_total": _var(
            (),
            inp.plan.contract_total,
            "The plan's new-contract total, contract basis (Defense Buildup Program, 2022-12-16) (trillion yen)",
            YEN,
        ),
    }
    keep_draws = bool(st.draws)
    if keep_draws:
        v["ratio_draws"] = _var(
            (P, Y, DRAW), st.draws["ratio"], "Counted spending / GDP denominator, every draw"
        )
        v["counted_spending_draws"] = _var(
            (P, Y, DRAW), st.draws["counted"], "Counted spending, every draw (trillion yen)", YEN
        )
        v["nominal_gdp_draws"] = _var(
            (Y, DRAW), st.draws["gdp"], "Nominal GDP, every draw (trillion yen)", YEN
        )
    coords = {
        YEAR: (
            YEAR,
            inp.axis.years.astype(np.int32),
            {
                "long_name": "Japanese fiscal year (April to March), named by its starting year",
                "units": "1",
            },
        ),
        POLICY: (
            POLICY,
            np.array(labels, dtype=object),
            {"long_name": "Inclusion policy (NAME, or NAME:BUCKET)"},
        ),
        THRESHOLD: (
            THRESHOLD,
            thr,
            {"long_name": "Target ratio of counted spending to the GDP denominator", "units": "1"},
        ),
        QUANTILE: (
            QUANTILE,
            q,
            {"long_name": "Quantile of the Monte Carlo distribution", "units": "1"},
        ),
        CATEGORY: (
            CATEGORY,
            np.array(cats.NAMES, dtype=object),
            {"long_name": "Spending category"},
        ),
    }
    if keep_draws:
        coords[DRAW] = (
            DRAW,
            np.arange(draws, dtype=np.int32),
            {"long_name": "Monte Carlo draw index", "units": "1"},
        )
    ds = xr.Dataset(v, coords=coords)
    ds["policy_description"] = _var(
        (P,),
        np.array([_describe(e) for e in inp.accounting.entries], dtype=object),
        "Inclusion policy: denominator and supplementary counting",
        {},
    )
    ds["policy_target"] = _var(
        (P,),
        np.array([e.target if e.target else np.nan for e in inp.accounting.entries]),
        "The ratio the policy file says this entry is measured against (NaN: the 2% and 3.5% thresholds)",
    )
    ds["category_long_name"] = _var(
        (C,),
        np.array([c.long_name for c in cats.CATEGORIES], dtype=object),
        "Category description",
        {},
    )
    sc = inp.scenario
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    ds.attrs = {
        "Conventions": "CF-1.11, ACDD-1.3",
        "title": f"jdef: Japan defense spending outlook, scenario '{sc.name}'",
        "summary": (
            f"Monte Carlo projection ({draws} draws) of Japan's nominal GDP and defense-related spending "
            f"FY{inp.axis.years[0]}-FY{inp.axis.years[-1]}, under inclusion policies {', '.join(sc.policies)}: "
            "probabilities of reaching each threshold ratio, quantiles and plan accounting."
        ),
        "source": "jdef stochastic model; calibration data in calibration/data (sources per row)",
        "history": f"{now} created by jdef {__version__} (jdef run)",
        "date_created": now,
        "keywords": "Japan, defense spending, GDP ratio, Monte Carlo, Defense Buildup Program",
        "product_version": __version__,
        "project": "jdef",
        "license": "MIT",
        "creator_name": "jdef developers",
        "institution": "jdef project",
        "publisher_name": "jdef project",
        "naming_authority": "jdef",
        "id": f"jdef-{sc.name}-{sc.digest()[:12]}-{seed}-{draws}",
        "processing_level": "model projection (Monte Carlo summaries)",
        "time_coverage_start": f"{int(inp.axis.years[0])}-04-01",
        "time_coverage_end": f"{int(inp.axis.years[-1]) + 1}-03-31",
        "scenario": json.dumps({**sc.resolved(), "draws": draws, "seed": seed}, sort_keys=True),
        "scenario_sha256": sc.digest(),
        "seed_entropy": str(seed),
        "draws": str(draws),
        "model_version": __version__,
        "git_commit": _git_commit(),
        "calibration_sha256": inp.params.sha256,
        "calibration_as_of": str(inp.params.meta.get("as_of", "")),
        "data_sha256": json.dumps(inp.params.meta.get("data_sha256", {}), sort_keys=True),
        "data_vintage": inp.provenance.data_vintage,
        "as_of": inp.provenance.as_of,
        "economy_path": inp.provenance.economy_path,
        "categories_without_figures": inp.provenance.categories_without_figures,
        "quantile_method": st.method,
        "first_projected_year": json.dumps(
            {
                "economy": inp.axis.first_econ,
                "initial_budget": inp.axis.first_initial,
                "supplementary": inp.axis.first_supp,
                "exchange_rate": inp.axis.first_fx,
            }
        ),
    }
    return ds


def _describe(e: PolicyEntry) -> str:
    supp = "supplementary included" if e.supplementary else "initial budgets only"
    return f"{e.policy}: denominator {e.denominator.value}, {supp}"
