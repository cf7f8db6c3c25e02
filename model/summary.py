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
            f"{qs('plan_cumulative_initial')}   P(shortfall) "
            f"{float(ds['probability_of_plan_budget_shortfall']):.3f}"
        ),
        (
            "  + counted supplementaries (plan level 43.0):        "
            f"{qs('plan_cumulative_expenditure')}   P(shortfall) "
            f"{float(ds['probability_of_plan_expenditure_shortfall']):.3f}"
        ),
        (
            "  new contracts, contract basis (plan 43.5):          "
            f"{qs('plan_cumulative_contracts')}   P(shortfall) "
            f"{float(ds['probability_of_plan_contract_shortfall']):.3f}"
        ),
        (
            "    (FY2027 contracts are modelled as the plan's remainder, so the contract "
            "shortfall is about even by construction)"
        ),
        f"  obligations payable after FY2027: {qs('obligations_after_fy2027')}",
        f"  expenditure in FY2022 yen:      {qs('plan_real_value_fy2022_yen')}",
        f"  at the plan's yen/dollar rate:  {qs('plan_value_at_plan_exchange_rate')}",
    ]
    lines += yardstick_lines(ds, years) + reconciliation_lines(ds) + decision_lines(ds)
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------
# Targets by name, the reconciliation table and the decisions (issue 14)
# ----------------------------------------------------------------------------

DENOMINATOR_WORDS = {
    "fy2022_fixed": "of FY2022 GDP",
    "fy2022_revised": "of FY2022 GDP as revised",
    "current_gdp": "of current-year GDP",
    "outlook_gdp": "of the outlook GDP",
}
YARDSTICK_RATIO = 0.02  # the ratio reading shown beside an amount target


def ratio_name(ds: xr.Dataset, pol: str, threshold: float) -> str:
    """'2.0% of FY2022 GDP (560.2 trillion yen)': a ratio threshold named by the entry's
    denominator (with its figure where it is fixed)."""
    desc = (
        str(ds["policy_description"].sel(policy=pol).values) if "policy_description" in ds else ""
    )
    key = next((k for k in DENOMINATOR_WORDS if f"denominator {k}," in desc), "")
    name = f"{threshold:.1%} {DENOMINATOR_WORDS.get(key, 'of GDP')}"
    if key.startswith("fy2022") and "denominator" in ds:
        d = float(ds["denominator"].sel(policy=pol, quantile=0.5).isel(fiscal_year=0))
        name += f" ({d:.1f} trillion yen)"
    return name


def yardstick_rows(
    ds: xr.Dataset, years: list[int]
) -> tuple[list[tuple[str, str, list[tuple[float, float]]]], list[str]]:
    """For each policy naming an amount target: (policy, reading, [(P, s.e.) per year]) under
    the amount and under 2% of its denominator, both named; and one sentence for each year
    where they disagree (policies with the same sentence together)."""
    need = ("policy_target_amount_name", "probability_of_counted_spending_above_target_amount")
    if any(k not in ds for k in need) or not np.isclose(ds.threshold, YARDSTICK_RATIO).any():
        return [], []
    own = {
        str(p): str(n)
        for p, n in zip(ds.policy.values, ds[need[0]].values, strict=True)
        if isinstance(n, str) and n
    }
    names = [str(n) for n in ds["target_amount_name"].values]
    pa, se_a = ds[need[1]], ds[need[1] + "_standard_error"]
    pr = ds["probability_of_spending_ratio_above_threshold"]
    se_r = ds["probability_of_spending_ratio_above_threshold_standard_error"]
    thr = float(ds.threshold.values[np.isclose(ds.threshold.values, YARDSTICK_RATIO)][0])
    rows: list[tuple[str, str, list[tuple[float, float]]]] = []
    sentences: dict[tuple[int, str], list[str]] = {}
    for pol, tname in own.items():
        if tname not in names:
            continue
        k = names.index(tname)
        rname = ratio_name(ds, pol, thr)
        cells_a = [
            (
                float(pa.sel(policy=pol, fiscal_year=y)[k]),
                float(se_a.sel(policy=pol, fiscal_year=y)[k]),
            )
            for y in years
        ]
        cells_r = [
            (
                float(pr.sel(policy=pol, fiscal_year=y, threshold=thr)),
                float(se_r.sel(policy=pol, fiscal_year=y, threshold=thr)),
            )
            for y in years
        ]
        rows += [(pol, tname, cells_a), (pol, rname, cells_r)]
        amount = float(ds["target_amount"].values[k])
        for y, (a, _), (r, _) in zip(years, cells_a, cells_r, strict=True):
            if (a >= 0.5) == (r >= 0.5):
                continue
            med = float(ds["counted_spending"].sel(policy=pol, fiscal_year=y, quantile=0.5))
            rat = float(ds["spending_ratio"].sel(policy=pol, fiscal_year=y, quantile=0.5))
            den = float(ds["denominator"].sel(policy=pol, fiscal_year=y, quantile=0.5))
            yes, no = (tname, rname) if a >= 0.5 else (rname, tname)
            text = (
                f"reached under the {yes} but not under {no} (median counted "
                f"{med:.2f} trillion yen, {rat:.2%}; the yardstick is {amount:g} trillion yen, "
                f"{thr:.1%} of {den:.1f} is {thr * den:.2f})."
            )
            sentences.setdefault((y, text), []).append(pol)
    return rows, [f"FY{y} ({', '.join(p)}): {t}" for (y, t), p in sentences.items()]


def yardstick_lines(ds: xr.Dataset, years: list[int]) -> list[str]:
    """The targets by name as text (``yardstick_rows``)."""
    rows, sentences = yardstick_rows(ds, years)
    if not rows:
        return []
    head = f"{'policy':<16}{'reading':<46}" + "".join(f"{'FY' + str(y):>16}" for y in years)
    out = [
        "",
        "Targets by name: the government's yardstick (an amount) beside the ratio it stands for",
        "(probability that counted spending is at or above it, +/- Monte Carlo s.e.)",
        head,
        "-" * len(head),
    ]
    for pol, name, cells in rows:
        out.append(
            f"{pol:<16}{name[:45]:<46}" + "".join(f"{p:>9.3f} ±{fmt_se(e)}" for p, e in cells)
        )
    return out + sentences


def reconciliation_lines(ds: xr.Dataset) -> list[str]:
    """Published figures against the model's known years (the reconciliation table)."""
    if "published_figure" not in ds or ds.sizes.get("published_figure", 0) == 0:
        return []
    out = [
        "",
        "Reconciliation: published figures against the model (known years)",
        f"{'policy':<16}{'year':<8}{'published':>12}{'modelled':>12}{'rounding':>12}  "
        f"{'within':<8}source",
    ]
    for i in range(ds.sizes["published_figure"]):
        row = ds.isel(published_figure=i)
        ratio = not np.isnan(float(row["published_ratio"]))
        if ratio:
            pub, mod = float(row["published_ratio"]), float(row["modelled_ratio"])
            rnd = float(row["published_ratio_rounding"])
            cells = f"{pub:>12.1%}{mod:>12.2%}{'±' + format(rnd * 100, '.2f') + 'pp':>12}"
        else:
            pub, mod = float(row["published_amount"]), float(row["modelled_amount"])
            rnd = float(row["published_amount_rounding"])
            cells = f"{pub:>9.2f} tn{mod:>9.2f} tn{'±' + format(rnd, '.2f') + ' tn':>12}"
        flag = {1: "yes", 0: "NO", -1: "unknown", 2: "ref."}[
            int(row["published_figure_within_rounding"])
        ]
        src = str(row["published_figure_source"].values).split(", http")[0]
        date = str(row["published_figure_source"].values).rsplit(", ", 1)[-1]
        out.append(
            f"{str(row['published_figure_policy'].values):<16}"
            f"{'FY' + str(int(row['published_figure_fiscal_year'])):<8}{cells}  {flag:<8}"
            f"{src} ({date})"
        )
    caveats = [
        f"  {p}: {c}"
        for p, c in zip(ds.policy.values, ds.get("policy_caveats", ds.policy).values, strict=True)
        if "policy_caveats" in ds and c
    ]
    notes = ["  ref.: another publisher's accounting, shown for comparison (METHODOLOGY 4.4)"]
    return out + notes + (["", "Caveats", *caveats] if caveats else [])


def decision_lines(ds: xr.Dataset) -> list[str]:
    """The announced decisions published by the as-of date that changed, or could have
    changed, the run (the others are in the file's decision_* variables)."""
    if "decision" not in ds or ds.sizes.get("decision", 0) == 0:
        return []
    eff = [str(x) for x in ds["decision_effect"].values]
    out = ["", f"Announced decisions published by the as-of date: {len(eff)}"]
    for d, e, m in zip(ds["decision"].values, eff, ds["decision_mapping"].values, strict=True):
        if e != "no effect" or str(d).startswith("pledge"):
            out.append(f"  {d}: {e}: {m}")
    n = sum(
        e == "no effect" and not str(d).startswith("pledge")
        for d, e in zip(ds["decision"].values, eff, strict=True)
    )
    if n:
        out.append(f"  {n} more with no effect on the model (why: decision_mapping in the file)")
    return out


def summary_csv(ds: xr.Dataset) -> str:
    rows = summary_rows(ds)
    out = ["policy,threshold,fiscal_year,probability,standard_error,median_ratio"]
    out += [
        f"{r['policy']},{r['threshold']},{r['fiscal_year']},{r['probability']:.6f},{r['standard_error']:.6f},{r['median_ratio']:.6f}"
        for r in rows
    ]
    return "\n".join(out) + "\n"
