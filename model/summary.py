"""Plain-text and CSV summaries of a result dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from .constants import GOAL_THRESHOLDS, THRESHOLD
from .probability import YARDSTICK, fmt_probability, fmt_se, in_words

__all__ = ["fmt_se", "summary_csv", "summary_rows", "summary_text"]

SUMMARY_YEARS = (2025, 2027, 2030, 2035)


PROBABILITY = "probability_of_spending_ratio_above_threshold"
# the tidy CSV's statistics of a threshold: short name -> variable
THRESHOLD_STATS = {
    "p_above": "probability_of_spending_ratio_above_threshold",
    "p_reached_by": "probability_of_spending_ratio_reached_threshold_by_year",
    "p_first": "probability_of_first_reaching_threshold",
}


def probability_cell(ds: xr.Dataset, var: str, sel: dict[str, Any]) -> dict[str, Any]:
    """A probability with its s.e., interval, known flag, words and text."""
    p = float(ds[var].sel(sel))
    se = float(ds[f"{var}_standard_error"].sel(sel))
    lo = float(ds[f"{var}_lower_bound"].sel(sel)) if f"{var}_lower_bound" in ds else np.nan
    hi = float(ds[f"{var}_upper_bound"].sel(sel)) if f"{var}_upper_bound" in ds else np.nan
    known = bool(
        "spending_ratio_known" in ds
        and THRESHOLD in ds[var].dims
        and ds["spending_ratio_known"].sel(
            {k: v for k, v in sel.items() if k in ds["spending_ratio_known"].dims}
        )
    )
    return {
        "probability": p,
        "standard_error": se,
        "lower_95": lo,
        "upper_95": hi,
        "known": known,
        "words": in_words(p, known),
        "text": fmt_probability(p, se, lo, hi, known),
    }


def summary_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The terminal table's cells: per policy, its own target (or the 2% and 3.5% goals and
    any threshold no policy claims) and the summary years."""
    rows = []
    years = [y for y in SUMMARY_YEARS if y in ds.fiscal_year.values]
    targets = (
        ds["policy_target"].values if "policy_target" in ds else np.full(ds.policy.size, np.nan)
    )
    named = {float(t) for t in targets if not np.isnan(t)}
    scen = [float(t) for t in ds.threshold.values]
    # the 2% and 3.5% goals, and any scenario threshold no policy claims as its own target
    default = [
        t
        for t in scen
        if any(np.isclose(t, GOAL_THRESHOLDS)) or not any(np.isclose(t, list(named) or [-1]))
    ]
    for pol, own in zip(ds.policy.values, targets, strict=True):
        thr = [float(own)] if not np.isnan(own) and np.isclose(scen, own).any() else default
        for t in thr:
            for y in years:
                sel = dict(
                    policy=pol,
                    fiscal_year=y,
                    threshold=ds.threshold.values[np.isclose(ds.threshold.values, t)][0],
                )
                rows.append(
                    {
                        "policy": str(pol),
                        "threshold": t,
                        "fiscal_year": int(y),
                        **probability_cell(ds, PROBABILITY, sel),
                        "median_ratio": float(
                            ds["spending_ratio"].sel(percentile=50, policy=pol, fiscal_year=y)
                        ),
                    }
                )
    return rows


def _overrides_line(ds: xr.Dataset) -> list[str]:
    """'overrides: --set a=1, --as-of 2026-03-01' when the run had any."""
    import json

    keys = json.loads(ds.attrs.get("overrides", "[]") or "[]")
    return [f"overrides: {', '.join(keys)}"] if keys else []


def summary_text(ds: xr.Dataset) -> str:
    rows = summary_rows(ds)
    years = sorted({r["fiscal_year"] for r in rows})
    lines = [
        f"{ds.attrs.get('title', '')}",
        (
            f"draws {ds.attrs.get('draws')}, seed {ds.attrs.get('seed_entropy')}, as of "
            f"{ds.attrs.get('as_of')}, data vintage {ds.attrs.get('data_vintage', '?')} "
            "(the latest publication date used)"
        ),
        *_overrides_line(ds),
        "",
    ]
    lines += [
        "Probability that counted spending / GDP is at or above the target: estimate ± Monte "
        "Carlo s.e. [95% interval], and in words",
        f"{'policy':<24}{'target':>7}  {'year':<7}{'probability ± s.e. [95% interval]':<38}words",
        "-" * 100,
    ]
    by: dict[tuple[str, float], dict[int, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["policy"], r["threshold"]), {})[r["fiscal_year"]] = r
    for (pol, t), cells in by.items():
        for i, y in enumerate(years):
            c = cells[y]
            lead = f"{pol:<24}{t:>7.1%}" if i == 0 else " " * 31
            lines.append(f"{lead}  FY{y:<5}{c['text']:<38}{c['words']}")
    lines.append(
        f"(interval: Clopper-Pearson 95%; known: a year with no Monte Carlo spread; words: "
        f"{YARDSTICK})"
    )
    head = f"{'policy':<24}{'':>7}" + "".join(f"{'FY' + str(y):>16}" for y in years)
    lines += ["", "Median ratio", head, "-" * len(head)]
    seen: set[str] = set()
    for (pol, _t), cells in by.items():
        if pol not in seen:
            seen.add(pol)
            lines.append(
                f"{pol:<24}{'':>7}" + "".join(f"{cells[y]['median_ratio']:>16.2%}" for y in years)
            )
    pct = ds["percentile"].values

    def qs(name: str) -> str:
        v = ds[name].values
        return "  ".join(
            f"p{int(round(pp)):02d} {x:6.2f}"
            for pp, x in zip(pct, v, strict=True)
            if any(np.isclose(pp, (5, 50, 95)))
        )

    lines += [
        "",
        "Defense Buildup Program FY2023-FY2027 (trillion yen)",
        (
            "  initial budgets           (plan budget total 40.5): "
            f"{qs('plan_cumulative_initial')}   P(shortfall) n/a*"
        ),
        (
            "  + counted supplementaries (plan level 43.0):        "
            f"{qs('plan_cumulative_expenditure')}   P(shortfall) "
            f"{_scalar_prob(ds, 'probability_of_plan_expenditure_shortfall')}"
        ),
        (
            "  new contracts, contract basis (plan 43.5):          "
            f"{qs('plan_cumulative_contracts')}   P(shortfall) n/a*"
        ),
        (
            "    * by construction, not shown: the FY2027 initial budget is the plan's 8.9 and "
            "FY2027 contracts the plan's remainder,"
        ),
        "      each with implementation noise only, so either shortfall is about even",
        f"  obligations payable after FY2027: {qs('obligations_after_fy2027')}",
    ]
    if "spending_above_financing_plan_after_fy2027" in ds:
        lines.append(
            "  budgets above the 2022 financing plan "
            f"({float(ds['financing_plan_yearly']):.1f}/yr), FY2028 on (sum): "
            f"{qs('spending_above_financing_plan_after_fy2027')}"
        )
    if "financing_gap_after_fy2027" in ds:
        lines.append(
            f"  financing gap after FY2027 (sum): {qs('financing_gap_after_fy2027')}   P(any) "
            f"{_scalar_prob(ds, 'probability_of_financing_gap_after_fy2027')}"
        )
    lines += [
        f"  expenditure in FY2022 yen:      {qs('plan_real_value_fy2022_yen')}",
        f"  at the plan's yen/dollar rate:  {qs('plan_value_at_plan_exchange_rate')}",
    ]
    if "branch" in ds.dims:
        lines += mixture_lines(ds)
    return "\n".join(lines) + "\n"


def mixture_lines(ds: xr.Dataset) -> list[str]:
    """A policy mixture's branches: weight, share of draws, P(reached by the last summary
    year) under one policy (current-gdp if reported), for each threshold."""
    var = "branch_probability_of_spending_ratio_reached_threshold_by_year"
    pols = [str(p) for p in ds.policy.values]
    pol = "current-gdp" if "current-gdp" in pols else pols[0]
    y = max(y for y in SUMMARY_YEARS if y in ds.fiscal_year.values)
    thr = [float(t) for t in ds.threshold.values]
    head = f"{'branch':<24}{'weight':>8}{'draws':>8}" + "".join(f"{f'>={t:.1%}':>10}" for t in thr)
    out = [
        "",
        f"Policy mixture: probabilities above are sum of weight x branch probability; "
        f"P(reached by FY{y}) under {pol} per branch",
        head,
        "-" * len(head),
    ]
    for b in ds.branch.values:
        p = ds[var].sel(branch=b, policy=pol, fiscal_year=y).values
        out.append(
            f"{str(b):<24}{float(ds['branch_weight'].sel(branch=b)):>8.3f}"
            f"{float(ds['branch_draw_share'].sel(branch=b)):>8.3f}"
            + "".join(f"{float(x):>10.3f}" for x in p)
        )
    return out


def _scalar_prob(ds: xr.Dataset, var: str) -> str:
    c = probability_cell(ds, var, {})
    return f"{c['text']} ({c['words']})"


def tidy_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    """One row per policy, fiscal year, threshold and statistic, every year: the three
    threshold probabilities (with s.e., 95% interval, known flag and words) and, with an
    empty threshold, the ratio's mean and percentiles."""
    rows = []
    pct = ds["percentile"].values
    for pol in ds.policy.values:
        for y in ds.fiscal_year.values:
            base = {"policy": str(pol), "fiscal_year": int(y)}
            for t in ds.threshold.values:
                for stat, var in THRESHOLD_STATS.items():
                    if var in ds:
                        sel = dict(policy=pol, fiscal_year=y, threshold=t)
                        c = probability_cell(ds, var, sel)
                        rows.append(
                            {
                                **base,
                                "threshold": float(t),
                                "statistic": stat,
                                "value": c.pop("probability"),
                                **c,
                            }
                        )
            r = ds["spending_ratio"].sel(policy=pol, fiscal_year=y).values
            rows.append(
                {
                    **base,
                    "threshold": None,
                    "statistic": "ratio_mean",
                    "value": float(ds["spending_ratio_mean"].sel(policy=pol, fiscal_year=y)),
                }
            )
            for pp, x in zip(pct, r, strict=True):
                rows.append(
                    {
                        **base,
                        "threshold": None,
                        "statistic": f"ratio_p{pp:02.0f}",
                        "value": float(x),
                    }
                )
    return rows


CSV_COLUMNS = (
    "policy",
    "fiscal_year",
    "threshold",
    "statistic",
    "value",
    "standard_error",
    "lower_95",
    "upper_95",
    "known",
    "words",
    "text",
)


def provenance_lines(ds: xr.Dataset) -> list[str]:
    """'# key: value' lines naming what made the numbers (read with ``comment='#'``)."""
    keys = (
        "title",
        "id",
        "history",
        "scenario_sha256",
        "seed_entropy",
        "draws",
        "as_of",
        "data_vintage",
        "calibration_sha256",
        "model_version",
        "git_commit",
        "quantile_method",
        "overrides",
    )
    out = [f"# {k}: {ds.attrs[k]}" for k in keys if ds.attrs.get(k) not in (None, "")]
    out += [
        "# interval: Clopper-Pearson (exact binomial) 95%, scipy.stats.beta; known: no Monte "
        "Carlo spread (interval = the point)",
        f"# words: {YARDSTICK}",
        "# statistic: p_above = P(ratio >= threshold in the year), p_reached_by = P(reached in "
        "some year up to this one), p_first = P(first reached this year), ratio_mean and "
        "ratio_pNN (percentile NN) of counted spending / GDP denominator",
    ]
    return out


def summary_csv(ds: xr.Dataset) -> str:
    """The tidy CSV: a provenance header, then one row per policy, fiscal year, threshold and
    statistic (``csv`` module quoting)."""
    import csv
    import io

    buf = io.StringIO()
    buf.write("\n".join(line.replace("\n", " ") for line in provenance_lines(ds)) + "\n")
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in tidy_rows(ds):
        out: dict[str, Any] = {k: r.get(k) for k in CSV_COLUMNS}
        for k in ("value", "standard_error", "lower_95", "upper_95"):
            if out[k] is not None:
                out[k] = repr(float(out[k]))
        if out["known"] is not None:
            out["known"] = int(out["known"])
        w.writerow(out)
    return buf.getvalue()
