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


def value_at(ds: xr.Dataset, var: str, sel: dict[str, Any]) -> Any:
    """``ds[var].sel(sel)`` as a plain value, every dimension of ``var`` named in ``sel``
    (a label lookup in the dimension's index and a numpy index: xarray's ``sel`` costs about
    a millisecond a call, and the summary makes hundreds)."""
    v = ds.variables[var]
    values: Any = v.values
    return values[tuple(_position(ds, str(d), sel[str(d)]) for d in v.dims)]


def _position(ds: xr.Dataset, dim: str, label: Any) -> int:
    """Where ``label`` is on dimension ``dim`` (a KeyError if nowhere, as ``sel`` raises)."""
    at = np.flatnonzero(ds.variables[dim].values == label)
    if not len(at):
        raise KeyError(f"{label!r} is not on dimension {dim!r}")
    return int(at[0])


def probability_cell(ds: xr.Dataset, var: str, sel: dict[str, Any]) -> dict[str, Any]:
    """A probability with its s.e., interval, known flag, words and text."""
    p = float(value_at(ds, var, sel))
    se = float(value_at(ds, f"{var}_standard_error", sel))
    lo = float(value_at(ds, f"{var}_lower_bound", sel)) if f"{var}_lower_bound" in ds else np.nan
    hi = float(value_at(ds, f"{var}_upper_bound", sel)) if f"{var}_upper_bound" in ds else np.nan
    known = bool(
        "spending_ratio_known" in ds
        and THRESHOLD in ds.variables[var].dims
        and value_at(ds, "spending_ratio_known", sel)
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
                            value_at(
                                ds,
                                "spending_ratio",
                                {"percentile": 50, "policy": pol, "fiscal_year": y},
                            )
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
    lines += yardstick_lines(ds, years) + reconciliation_lines(ds) + decision_lines(ds)
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
        d = float(ds["denominator"].sel(policy=pol, percentile=50).isel(fiscal_year=0))
        name += f" ({d:.1f} trillion yen)"
    return name


def yardstick_rows(
    ds: xr.Dataset, years: list[int]
) -> tuple[list[tuple[str, str, list[dict[str, Any]]]], list[str]]:
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
    amounts = ds["target_amount"].values
    thr = float(ds.threshold.values[np.isclose(ds.threshold.values, YARDSTICK_RATIO)][0])
    rows: list[tuple[str, str, list[dict[str, Any]]]] = []
    sentences: dict[tuple[int, str], list[str]] = {}
    for pol, tname in own.items():
        if tname not in names:
            continue
        k = names.index(tname)
        rname = ratio_name(ds, pol, thr)
        cells_a, cells_r = [], []
        for y in years:
            known = bool(
                "spending_ratio_known" in ds
                and ds["spending_ratio_known"].sel(policy=pol, fiscal_year=y).any()
            )
            ca = probability_cell(
                ds, need[1], dict(policy=pol, fiscal_year=y, target_amount=amounts[k])
            )
            if known:
                ca = {**ca, "known": True, "words": in_words(ca["probability"], True)}
                ca["text"] = fmt_probability(
                    ca["probability"], ca["standard_error"], ca["lower_95"], ca["upper_95"], True
                )
            cells_a.append(ca)
            cells_r.append(
                probability_cell(ds, PROBABILITY, dict(policy=pol, fiscal_year=y, threshold=thr))
            )
        rows += [(pol, tname, cells_a), (pol, rname, cells_r)]
        amount = float(amounts[k])
        for y, ca, cr in zip(years, cells_a, cells_r, strict=True):
            a, r = ca["probability"], cr["probability"]
            if (a >= 0.5) == (r >= 0.5):
                continue
            med = float(ds["counted_spending"].sel(policy=pol, fiscal_year=y, percentile=50))
            rat = float(ds["spending_ratio"].sel(policy=pol, fiscal_year=y, percentile=50))
            den = float(ds["denominator"].sel(policy=pol, fiscal_year=y, percentile=50))
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
    out = [
        "",
        "Targets by name: the government's yardstick (an amount) beside the ratio it stands for",
        "(probability that counted spending is at or above it: estimate ± s.e. [95% interval])",
        f"{'policy':<16}{'reading':<46}{'year':<8}probability",
        "-" * 100,
    ]
    for pol, name, cells in rows:
        for i, (y, c) in enumerate(zip(years, cells, strict=True)):
            lead = f"{pol:<16}{name[:45]:<46}" if i == 0 else " " * 62
            out.append(f"{lead}FY{y:<6}{c['text']:<38}{c['words']}")
    return out + sentences


def published_rows(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The reconciliation table's rows, read once for the terminal and the report: policy,
    year, whether the figure is a ratio, published, modelled, rounding, the within-rounding
    flag (1 yes, 0 no, -1 not known, 2 another publisher's figure) and the source."""
    if "published_figure" not in ds.dims or ds.sizes["published_figure"] == 0:
        return []
    rows = []
    for i in range(ds.sizes["published_figure"]):
        row = ds.isel(published_figure=i)
        ratio = not np.isnan(float(row["published_ratio"]))
        kind = "ratio" if ratio else "amount"
        rows.append(
            {
                "policy": str(row["published_figure_policy"].values),
                "fiscal_year": int(row["published_figure_fiscal_year"]),
                "ratio": ratio,
                "published": float(row[f"published_{kind}"]),
                "modelled": float(row[f"modelled_{kind}"]),
                "rounding": float(row[f"published_{kind}_rounding"]),
                "flag": int(row["published_figure_within_rounding"]),
                "source": str(row["published_figure_source"].values),
            }
        )
    return rows


def reconciliation_lines(ds: xr.Dataset) -> list[str]:
    """Published figures against the model's known years (the reconciliation table)."""
    rows = published_rows(ds)
    if not rows:
        return []
    out = [
        "",
        "Reconciliation: published figures against the model (known years)",
        f"{'policy':<16}{'year':<8}{'published':>12}{'modelled':>12}{'rounding':>12}  "
        f"{'within':<8}source",
    ]
    for r in rows:
        pub, mod, rnd = r["published"], r["modelled"], r["rounding"]
        if r["ratio"]:
            cells = f"{pub:>12.1%}{mod:>12.2%}{'±' + format(rnd * 100, '.2f') + 'pp':>12}"
        else:
            cells = f"{pub:>9.2f} tn{mod:>9.2f} tn{'±' + format(rnd, '.2f') + ' tn':>12}"
        flag = {1: "yes", 0: "NO", -1: "unknown", 2: "ref."}[r["flag"]]
        src = r["source"].split(", http")[0]
        date = r["source"].rsplit(", ", 1)[-1]
        out.append(
            f"{r['policy']:<16}{'FY' + str(r['fiscal_year']):<8}{cells}  {flag:<8}{src} ({date})"
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
        "numerical_kernels",
        "quantile_method",
        "overrides",
    )
    out = [f"# {k}: {ds.attrs[k]}" for k in keys if ds.attrs.get(k) not in (None, "")]
    out += [
        "# interval: Clopper-Pearson (exact binomial) 95%, scipy.special.betaincinv; known: no "
        "Monte Carlo spread (interval = the point)",
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
