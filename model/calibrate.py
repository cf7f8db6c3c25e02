"""Fit the engine's parameters from ``calibration/data`` and write ``params.toml``.

Estimators are deterministic (closed-form least squares, moments, a fixed grid),
so the same data give the same file byte for byte. Each parameter is written
with its value and a ``source`` string saying how it was obtained. Methods and
fitted values are documented in METHODOLOGY.md, section 5.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from .data import DataStore, load_data

RECESSION_THRESHOLD = -0.02  # a recession year: real growth below -2% (FY2008, FY2009, FY2020)
T_DF_BOUNDS = (3.0, 30.0)


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return beta, y - x @ beta


def fit_economy(d: DataStore, window: tuple[int, int]) -> dict[str, tuple[float, str]]:
    g = d.series("real_gdp_growth")
    p = d.series("gdp_deflator_growth")
    yrs = [y for y in range(window[0], window[1] + 1) if y in g and y - 1 in g and y in p and y - 1 in p]
    gy = np.array([g[y] for y in yrs])
    gl = np.array([g[y - 1] for y in yrs])
    py = np.array([p[y] for y in yrs])
    pl = np.array([p[y - 1] for y in yrs])
    rec = (gy < RECESSION_THRESHOLD).astype(float)
    ones = np.ones_like(gy)
    bg, rg = _ols(gy, np.column_stack([ones, gl, rec]))
    bp, rp = _ols(py, np.column_stack([ones, pl, rec]))
    dof = len(yrs) - 3
    sg, sp = math.sqrt(rg @ rg / dof), math.sqrt(rp @ rp / dof)
    corr = float(np.corrcoef(rg, rp)[0, 1])
    z = np.concatenate([rg / sg, rp / sp])
    df, _, _ = stats.t.fit(z, floc=0.0, method="MLE")
    df = float(np.clip(df, *T_DF_BOUNDS))
    span = f"FY{yrs[0]}-FY{yrs[-1]} (n={len(yrs)})"
    src = f"OLS of x_t on (1, x_t-1, R_t) over {span}; R_t = 1 when real growth < -2%"
    rev = d.series("benchmark_revision_ratio")
    recent = [math.log(v) for y, v in rev.items() if y >= max(rev) - 9] if rev else [0.0]
    return {
        "real_ar": (float(bg[1]), f"AR coefficient of real growth; {src}"),
        "real_sd": (sg, f"residual s.d. of real growth (dof-corrected); {src}"),
        "deflator_ar": (float(bp[1]), f"AR coefficient of deflator growth; {src}"),
        "deflator_sd": (sp, f"residual s.d. of deflator growth; {src}"),
        "shock_corr": (corr, f"correlation of the two residual series; {src}"),
        "t_df": (df, f"Student-t degrees of freedom, MLE on the pooled standardised residuals (loc 0), clipped to {T_DF_BOUNDS}"),
        "recession_prob": (float(rec.mean()), f"share of recession years (real growth < -2%) in {span}"),
        "recession_real": (float(bg[2]), f"recession dummy coefficient in the real-growth regression; {src}"),
        "recession_deflator": (float(bp[2]), f"recession dummy coefficient in the deflator regression; {src}"),
        "revision_sd": (float(math.sqrt(np.mean(np.square(recent)))),
                        "root mean square of log(2020-base / 2015-base nominal GDP) over the last 10 fiscal years of benchmark_revision_ratio: the size of a benchmark level revision"),
    }


def fit_outlook(d: DataStore) -> dict[str, tuple[float, str]]:
    gdp = d.series("nominal_gdp")
    out = d.series("gov_outlook_nominal_growth")
    err = [out[y] - (gdp[y] / gdp[y - 1] - 1.0) for y in sorted(out) if y in gdp and y - 1 in gdp]
    yrs = [y for y in sorted(out) if y in gdp and y - 1 in gdp]
    e = np.array(err)
    src = f"government outlook of nominal growth minus outturn (2020-base nominal GDP), FY{', FY'.join(map(str, yrs))} (n={len(e)})"
    return {"bias": (float(e.mean()), f"mean error; {src}"),
            "sd": (float(e.std(ddof=1)), f"s.d. of the error; {src}")}


def fit_fx(d: DataStore) -> dict[str, tuple[float, str]]:
    cy = d.series("usdjpy_average", "CY")
    yrs = [y for y in sorted(cy) if y - 1 in cy and y < d.as_of.year]
    x = np.log(np.array([cy[y] for y in yrs]))
    xl = np.log(np.array([cy[y - 1] for y in yrs]))
    b, r = _ols(x, np.column_stack([np.ones_like(xl), xl]))
    sd = math.sqrt(r @ r / (len(x) - 2))
    anchor = math.exp(b[0] / (1.0 - b[1]))
    src = f"OLS of log yen/dollar (calendar-year averages) on its lag, CY{yrs[0]}-CY{yrs[-1]} (n={len(yrs)})"
    budget_fy2024 = d.value("mod_budget_request", 2024)
    share = d.value("fx_sensitive_items_fy2024_request", 2024) / budget_fy2024
    return {"ar": (float(b[1]), f"AR coefficient; {src}"),
            "sd": (sd, f"residual s.d.; {src}"),
            "anchor": (anchor, f"long-run mean exp(a / (1 - b)); {src}"),
            "sensitive_share": (share, "FX-sensitive items in the FY2024 request (15,433 oku) / the FY2024 request (77,385 oku)")}


def fit_budget(d: DataStore) -> dict[str, tuple[float, str]]:
    excl, req = d.series("mod_initial_excl"), d.series("mod_budget_request")
    yrs = [y for y in (2024, 2025, 2026) if y in excl and y in req]  # requests on the same (plan-covered) basis
    dev = np.array([math.log(excl[y] / req[y]) for y in yrs])
    c_init, c_supp = d.series("new_contracts_initial"), d.series("new_contracts_supplementary")
    cs = np.array([math.log1p(c_supp[y] / c_init[y]) for y in sorted(c_supp) if y in c_init])
    last = max(y for y in c_init if y in excl)
    # related categories: pooled within-category s.d. of log growth
    resid: list[float] = []
    for name in ("coast_guard", "international_cooperation", "research_development", "public_infrastructure"):
        v = d.series(name)
        lg = [math.log(v[y] / v[y - 1]) for y in sorted(v) if y - 1 in v and v[y - 1] > 0 and v[y] > 0]
        if len(lg) >= 2:
            resid += list(np.array(lg) - np.mean(lg))
    n_cat_used = len(resid)
    incl, supp, unused = d.series("mod_initial_incl"), d.series("mod_supplementary_total"), d.series("unused_appropriations")
    avail = d.series("budget_available_for_settlement")
    rates = []
    for y in sorted(unused):
        base = avail.get(y) or (incl.get(y, 0) + supp.get(y, 0) if y in incl and y in supp else None)
        if base and y >= 2022:
            rates.append(unused[y] / base)
    return {
        "implementation_sd": (float(math.sqrt(np.mean(dev ** 2))),
                              f"root mean square of log(initial budget / request), plan-covered basis, FY{', FY'.join(map(str, yrs))}"),
        "recession_cut": (0.0, "no cut observed: the FY2021 initial budget after the FY2020 recession rose (51,235 vs 50,688 oku); scenario lever"),
        "contract_ratio": (excl and c_init[last] / excl[last],
                           f"new contracts / plan-covered initial budget in FY{last}, the latest year (front-loading of FY2023-24 contracts has passed)"),
        "contract_fy2027_sd": (float(math.sqrt(np.mean(cs ** 2))),
                               "root mean square of log(1 + supplementary contracts / initial contracts), FY2023-FY2025: how far contracts have moved from their initial figure"),
        "related_growth_sd": (float(math.sqrt(np.sum(np.square(resid)) / max(n_cat_used - 1, 1))),
                              "pooled within-category s.d. of log annual growth of related categories with at least two growth observations"),
        "unspent_share": (float(np.mean(rates)), "mean of unused appropriations / MoD budget (initial + supplementary, or the reported budget available), FY2022-FY2024"),
    }


def fit_supplementary(d: DataStore) -> dict[str, tuple[float, str]]:
    incl, supp = d.series("mod_initial_incl"), d.series("mod_supplementary_total")
    yrs = [y for y in sorted(supp) if y in incl]
    r = np.array([supp[y] / incl[y] for y in yrs])
    pos = r[r > 0]
    lr = np.log(pos)
    re = d.series("mod_supplementary_realignment")
    shares = [re[y] / supp[y] for y in sorted(re) if y in supp]
    rel_y = max(d.series("related_supplementary_jcg_pko"))
    rel = d.value("related_supplementary_jcg_pko", rel_y) + d.series("related_supplementary_cyber").get(rel_y, 0.0)
    span = f"FY{yrs[0]}-FY{yrs[-1]}, years with a published total (n={len(yrs)})"
    return {
        "prob": (float(len(pos) / len(r)), f"share of years with a MoD supplementary budget, {span}"),
        "log_ratio_mean": (float(lr.mean()), f"mean of log(supplementary / initial incl. SACO), {span}"),
        "log_ratio_sd": (float(lr.std(ddof=1)), f"s.d. of log(supplementary / initial incl. SACO), {span}"),
        "realignment_share": (float(np.mean(shares)), f"mean realignment share of the MoD supplementary, FY{', FY'.join(map(str, sorted(re)))}"),
        "related_ratio": (rel / d.value("mod_supplementary_total", rel_y),
                          f"non-MoD related supplementary (JCG/PKO + cyber) / MoD supplementary, FY{rel_y} (the only year published)"),
    }


def fit_contracts(d: DataStore) -> dict[str, tuple[Any, str]]:
    c_tot, n_tot = d.series("new_contracts_initial_mod_total"), d.series("new_future_obligations_mod_total")
    yrs = [y for y in sorted(c_tot) if y in n_tot]
    p0 = float(np.mean([1.0 - n_tot[y] / c_tot[y] for y in yrs]))
    # obligations of FY2019-2021 on the MoD-total basis: plan-covered scaled by the FY2022 ratio
    n_pc = d.series("new_future_obligations_plan_covered")
    scale = n_tot[2022] / n_pc[2022]
    n = dict(n_tot)
    for y in (2019, 2020, 2021):
        n.setdefault(y, n_pc[y] * scale)
    targets = {
        "obligatory outlays FY2026": (d.value("obligatory_outlays", 2026), lambda b: sum(b[k - 1] * n[2026 - k] for k in range(1, 6))),
        "existing obligations after FY2026": (d.value("existing_future_obligations", 2026),
                                              lambda b: sum(n[s] * (1 - sum(b[: 2026 - s])) for s in range(2022, 2026))),
        "existing obligations after FY2024": (d.value("existing_future_obligations", 2024),
                                              lambda b: sum(n[s] * (1 - sum(b[: 2024 - s])) for s in range(2020, 2024))),
    }
    best = (math.inf, None, None)
    k = np.arange(1, 6)
    for a in np.round(np.arange(0.2, 8.0001, 0.05), 4):
        for th in np.round(np.arange(0.2, 20.0001, 0.1), 4):
            w = k ** (a - 1.0) * np.exp(-k / th)
            b = w / w.sum()
            loss = sum(((f(b) - v) / v) ** 2 for v, f in targets.values())
            if loss < best[0]:
                best = (loss, b, (a, th))
    _, b, (a, th) = best
    profile = [p0] + [float(x) * (1.0 - p0) for x in b]
    fit = "; ".join(f"{name}: {f(b):.3f} vs {v:.3f} tn" for name, (v, f) in targets.items())
    return {
        "payment_profile": (profile,
                            f"p0 = mean first-year share 1 - new obligations / new contracts (MoD total, FY{yrs[0]}-FY{yrs[-1]}); "
                            f"p1..p5 = (1 - p0) x discrete gamma weights k^(a-1) exp(-k/theta), a={a}, theta={th}, "
                            f"grid least squares on relative errors; fit: {fit}; FY2019-21 MoD-total obligations = plan-covered x {scale:.4f}"),
    }


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return repr(float(v))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def calibrate(as_of: dt.date, window: tuple[int, int] = (1995, 2024)) -> tuple[str, dict[str, Any]]:
    """Fit all parameters; return the TOML text and the fitted tables."""
    d = load_data(as_of)
    tables = {
        "economy": fit_economy(d, window),
        "outlook": fit_outlook(d),
        "fx": fit_fx(d),
        "budget": fit_budget(d),
        "supplementary": fit_supplementary(d),
        "contracts": fit_contracts(d),
    }
    lines = ["# Generated by `jdef calibrate`; do not edit by hand. Methods: METHODOLOGY.md, section 5.",
             "[meta]", f'as_of = "{as_of.isoformat()}"', f'fit_window = "FY{window[0]}-FY{window[1]}"',
             f'data_vintage = "{d.vintage()}"', 'optimiser = "closed-form OLS and moments; fixed grid for the payment profile; scipy.stats.t.fit (MLE) for t_df"']
    lines.append("[meta.data_sha256]")
    lines += [f'"{k}" = "{v}"' for k, v in sorted(d.hashes.items())]
    for section, entries in tables.items():
        lines.append("")
        lines.append(f"[{section}]")
        for name, (value, source) in entries.items():
            lines.append(f'{name} = {{ value = {_fmt(value)}, source = "{_esc(source)}" }}')
    return "\n".join(lines) + "\n", tables


def write_params(path: Path, as_of: dt.date) -> dict[str, Any]:
    text, tables = calibrate(as_of)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return tables
