"""Plain-text and CSV summaries of a result dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from .constants import GOAL_THRESHOLDS

SUMMARY_YEARS = (2025, 2027, 2030, 2035)


def summary_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    rows = []
    p = ds["probability_of_spending_ratio_above_threshold"]
    se = ds["probability_of_spending_ratio_above_threshold_standard_error"]
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
                        "probability": float(p.sel(sel)),
                        "standard_error": float(se.sel(sel)),
                        "median_ratio": float(
                            ds["spending_ratio"].sel(quantile=0.5, policy=pol, fiscal_year=y)
                        ),
                    }
                )
    return rows


def fmt_se(se: float) -> str:
    """A Monte Carlo standard error to three places; '<.001' where a non-zero one rounds to zero."""
    return "<.001" if 0 < se < 0.0005 else f"{se:.3f}"


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
        "",
    ]
    head = f"{'policy':<24}{'target':>7}" + "".join(f"{'FY' + str(y):>16}" for y in years)
    lines += [
        "Probability that counted spending / GDP is at or above the target (+/- Monte Carlo s.e.)",
        head,
        "-" * len(head),
    ]
    by: dict[tuple[str, float], dict[int, dict[str, Any]]] = {}
    for r in rows:
        by.setdefault((r["policy"], r["threshold"]), {})[r["fiscal_year"]] = r
    for (pol, t), cells in by.items():
        line = f"{pol:<24}{t:>7.1%}"
        for y in years:
            c = cells[y]
            line += f"{c['probability']:>9.3f} ±{fmt_se(c['standard_error'])}"
        lines.append(line)
    lines.append(
        "(±0.000: no Monte Carlo spread, a known year or a probability of 0 or 1; ±<.001: a s.e. "
        "below 0.0005)"
    )
    lines += ["", "Median ratio", head.replace("target", "      "), "-" * len(head)]
    seen: set[str] = set()
    for (pol, _t), cells in by.items():
        if pol not in seen:
            seen.add(pol)
            lines.append(
                f"{pol:<24}{'':>7}" + "".join(f"{cells[y]['median_ratio']:>16.2%}" for y in years)
            )
    q = ds["quantile"].values

    def qs(name: str) -> str:
        v = ds[name].values
        return "  ".join(
            f"q{int(round(qq * 100)):02d} {x:6.2f}"
            for qq, x in zip(q, v, strict=True)
            if qq in (0.05, 0.5, 0.95)
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
            f"{float(ds['probability_of_plan_expenditure_shortfall']):.3f}"
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
            f"{float(ds['probability_of_financing_gap_after_fy2027']):.3f}"
        )
    lines += [
        f"  expenditure in FY2022 yen:      {qs('plan_real_value_fy2022_yen')}",
        f"  at the plan's yen/dollar rate:  {qs('plan_value_at_plan_exchange_rate')}",
    ]
    return "\n".join(lines) + "\n"


def summary_csv(ds: xr.Dataset) -> str:
    rows = summary_rows(ds)
    out = ["policy,threshold,fiscal_year,probability,standard_error,median_ratio"]
    out += [
        f"{r['policy']},{r['threshold']},{r['fiscal_year']},{r['probability']:.6f},{r['standard_error']:.6f},{r['median_ratio']:.6f}"
        for r in rows
    ]
    return "\n".join(out) + "\n"
