"""Fit the engine's parameters from ``calibration/data`` and write ``params.toml``.

Estimators are deterministic (maximum likelihood by BFGS from a closed-form start,
moments, a fixed grid),
so the same data give the same file byte for byte. Each parameter is written
with its value and a ``source`` string saying how it was obtained. Methods and
fitted values are documented in METHODOLOGY.md, section 5.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from .data import DataStore, load_data
from .errors import InputError

SHOCK_BOUND = 8.0  # s.d.; see the parameter's source string
RECESSION_THRESHOLD = -0.02  # a recession year: real growth below -2% (FY2008, FY2009, FY2020)


def _ols(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    return beta, y - x @ beta


def _hessian(f, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central finite-difference Hessian (deterministic)."""
    k = len(x)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(a, k):
            ea, eb = np.eye(k)[a] * h, np.eye(k)[b] * h
            v = (f(x + ea + eb) - f(x + ea - eb) - f(x - ea + eb) + f(x - ea - eb)) / (4 * h * h)
            out[a, b] = out[b, a] = v
    return out


@dataclass(frozen=True)
class EconomyFit:
    """MLE of x_t = c + phi x_t-1 + delta R_t + sigma e_t, e ~ unit-variance t(nu), for real growth and deflator."""

    coef: dict[str, float]
    se: dict[str, float]
    corr: float
    recession_prob: float
    recession_prob_se: float
    max_abs_z: float = 0.0


def _t_loglik(resid: np.ndarray, sigma: float, nu: float) -> float:
    scale = sigma * math.sqrt((nu - 2.0) / nu)
    return float(np.sum(stats.t.logpdf(resid / scale, nu) - math.log(scale)))


NU_BOUNDS = (
    3.0,
    100.0,
)  # t degrees of freedom: finite variance with room to spare, up to near-normal


def _nu(x: float) -> float:
    lo, hi = NU_BOUNDS
    return lo + (hi - lo) / (1.0 + math.exp(-x))


def fit_economy_mle(
    g: np.ndarray, g_lag: np.ndarray, p: np.ndarray, p_lag: np.ndarray, rec: np.ndarray
) -> EconomyFit:
    """Joint maximum likelihood for both series with a shared t degrees of freedom.

    nu is bounded to NU_BOUNDS by a logistic transform; without a recession in the
    sample the recession coefficients are not identified and are set to 0 (s.e. 0).
    The optimiser (scipy BFGS from the OLS solution, fixed tolerances) is deterministic.
    Standard errors come from the inverse of a finite-difference Hessian.
    """
    has_rec = bool(rec.any())
    ones = np.ones_like(g)
    xg = np.column_stack([ones, g_lag, rec] if has_rec else [ones, g_lag])
    xp = np.column_stack([ones, p_lag, rec] if has_rec else [ones, p_lag])
    k = xg.shape[1]
    bg, rg = _ols(g, xg)
    bp, rp = _ols(p, xp)
    dof = max(len(g) - k, 1)
    theta0 = np.concatenate(
        [
            bg,
            [math.log(math.sqrt(rg @ rg / dof) + 1e-6)],
            bp,
            [math.log(math.sqrt(rp @ rp / dof) + 1e-6)],
            [0.0],
        ]
    )

    def nll(th: np.ndarray) -> float:
        nu = _nu(th[-1])
        r1 = g - xg @ th[0:k]
        r2 = p - xp @ th[k + 1 : 2 * k + 1]
        return -(_t_loglik(r1, math.exp(th[k]), nu) + _t_loglik(r2, math.exp(th[2 * k + 1]), nu))

    from scipy.optimize import minimize

    res = minimize(nll, theta0, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    th = res.x
    cov = np.linalg.pinv(_hessian(nll, th))
    se_th = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    nu = _nu(th[-1])
    r1, r2 = g - xg @ th[0:k], p - xp @ th[k + 1 : 2 * k + 1]
    o = k + 1  # offset of the deflator block
    lo, hi = NU_BOUNDS
    dnu = (nu - lo) * (hi - nu) / (hi - lo)  # d nu / d theta
    coef = {
        "real_c": th[0],
        "real_ar": th[1],
        "recession_real": th[2] if has_rec else 0.0,
        "real_sd": math.exp(th[k]),
        "deflator_c": th[o],
        "deflator_ar": th[o + 1],
        "recession_deflator": th[o + 2] if has_rec else 0.0,
        "deflator_sd": math.exp(th[2 * k + 1]),
        "t_df": nu,
    }
    se = {
        "real_c": se_th[0],
        "real_ar": se_th[1],
        "recession_real": se_th[2] if has_rec else 0.0,
        "real_sd": math.exp(th[k]) * se_th[k],
        "deflator_c": se_th[o],
        "deflator_ar": se_th[o + 1],
        "recession_deflator": se_th[o + 2] if has_rec else 0.0,
        "deflator_sd": math.exp(th[2 * k + 1]) * se_th[2 * k + 1],
        "t_df": dnu * se_th[-1],
    }
    n = len(g)
    prob = float(rec.mean())
    zmax = float(
        max(np.max(np.abs(r1)) / math.exp(th[k]), np.max(np.abs(r2)) / math.exp(th[2 * k + 1]))
    )
    return EconomyFit(
        {a: float(v) for a, v in coef.items()},
        {a: float(v) for a, v in se.items()},
        float(np.corrcoef(r1, r2)[0, 1]),
        prob,
        math.sqrt(prob * (1 - prob) / n),
        zmax,
    )


def _t_tail(df: float, bound: float) -> float:
    """P(|e| > bound) for a unit-variance Student-t shock with ``df`` degrees of freedom."""
    return float(2 * stats.t.sf(bound * math.sqrt(df / (df - 2)), df))


def economy_sample(d: DataStore, window: tuple[int, int]):
    g = d.series("real_gdp_growth")
    p = d.series("gdp_deflator_growth")
    yrs = [
        y
        for y in range(window[0], window[1] + 1)
        if y in g and y - 1 in g and y in p and y - 1 in p
    ]
    arr = lambda s, lag: np.array([s[y - lag] for y in yrs])  # noqa: E731
    gy = arr(g, 0)
    return yrs, gy, arr(g, 1), arr(p, 0), arr(p, 1), (gy < RECESSION_THRESHOLD).astype(float)


MIN_ECONOMY_YEARS = 10


def fit_economy(d: DataStore, window: tuple[int, int]) -> dict[str, tuple]:
    yrs, gy, gl, py, pl, rec = economy_sample(d, window)
    if len(yrs) < MIN_ECONOMY_YEARS:
        raise InputError(
            "as_of",
            "",
            f"only {len(yrs)} fiscal years of real growth and deflator growth were published by "
            f"{d.as_of}; at least {MIN_ECONOMY_YEARS} are needed (the earliest GDP vintage in calibration/data "
            "was published on 2024-12-31)",
        )
    fit = fit_economy_mle(gy, gl, py, pl, rec)
    c, se = fit.coef, fit.se
    span = f"FY{yrs[0]}-FY{yrs[-1]} (n={len(yrs)})"
    src = (
        f"joint MLE of x_t = c + phi x_t-1 + delta R_t + sigma e_t, e ~ unit-variance Student-t (shared nu in [3, 100]), "
        f"real growth and deflator, {span}; R_t = 1 when real growth < -2%; s.e. from the inverse Hessian"
    )
    rev = d.series("benchmark_revision_ratio")
    recent = [math.log(v) for y, v in rev.items() if y >= max(rev) - 9] if rev else [0.0]
    return {
        "real_ar": (c["real_ar"], f"AR coefficient of real growth; {src}", se["real_ar"]),
        "real_sd": (c["real_sd"], f"shock s.d. of real growth; {src}", se["real_sd"]),
        "deflator_ar": (
            c["deflator_ar"],
            f"AR coefficient of deflator growth; {src}",
            se["deflator_ar"],
        ),
        "deflator_sd": (
            c["deflator_sd"],
            f"shock s.d. of deflator growth; {src}",
            se["deflator_sd"],
        ),
        "shock_corr": (fit.corr, f"correlation of the two MLE residual series; {span}"),
        "t_df": (c["t_df"], f"Student-t degrees of freedom (shared); {src}", se["t_df"]),
        "shock_bound": (
            SHOCK_BOUND,
            f"standardised shocks are truncated at +/- this many s.d.: {fit.max_abs_z:.2f} is the largest "
            f"standardised MLE residual in {span}; under the fitted t the bound is passed in about "
            f"{_t_tail(c['t_df'], SHOCK_BOUND):.1e} of shock draws, and without it the heavy tail can drive nominal GDP below zero",
        ),
        "recession_prob": (
            fit.recession_prob,
            f"MLE share of recession years (real growth < -2%) in {span}; s.e. sqrt(p(1-p)/n)",
            fit.recession_prob_se,
        ),
        "recession_real": (
            c["recession_real"],
            f"recession coefficient (delta) in real growth; {src}",
            se["recession_real"],
        ),
        "recession_deflator": (
            c["recession_deflator"],
            f"recession coefficient (delta) in deflator growth; {src}",
            se["recession_deflator"],
        ),
        "revision_sd": (
            float(math.sqrt(np.mean(np.square(recent)))),
            "root mean square of log(2020-base / 2015-base nominal GDP) over the last 10 fiscal years of benchmark_revision_ratio: the size of a benchmark level revision",
        ),
    }


def fit_outlook(d: DataStore) -> dict[str, tuple[float, str]]:
    gdp = d.nominal_gdp()  # the latest vintage visible
    out = d.series("gov_outlook_nominal_growth")
    yrs = [y for y in sorted(out) if y in gdp and y - 1 in gdp]
    e = np.array([out[y] - (gdp[y] / gdp[y - 1] - 1.0) for y in yrs])
    if len(e) < 2:
        raise InputError(
            "calibration/data/outlooks.csv",
            "gov_outlook_nominal_growth",
            f"fewer than two outlooks with outturns published by {d.as_of}",
        )
    src = f"government outlook of nominal growth minus outturn (2020-base nominal GDP), FY{', FY'.join(map(str, yrs))} (n={len(e)})"
    return {
        "bias": (
            float(e.mean()),
            f"mean error; {src}; s.e. s.d./sqrt(n)",
            float(e.std(ddof=1) / math.sqrt(len(e))),
        ),
        "sd": (float(e.std(ddof=1)), f"s.d. of the error; {src}"),
    }


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
    return {
        "ar": (float(b[1]), f"AR coefficient; {src}"),
        "sd": (sd, f"residual s.d.; {src}"),
        "anchor": (anchor, f"long-run mean exp(a / (1 - b)); {src}"),
        "sensitive_share": (
            share,
            "FX-sensitive items in the FY2024 request (15,433 oku) / the FY2024 request (77,385 oku)",
        ),
    }


def fit_budget(d: DataStore) -> dict[str, tuple[float, str]]:
    excl, req = d.series("mod_initial_excl"), d.series("mod_budget_request")
    yrs = [
        y for y in (2024, 2025, 2026) if y in excl and y in req
    ]  # requests on the same (plan-covered) basis
    dev = np.array([math.log(excl[y] / req[y]) for y in yrs])
    impl_sd = float(math.sqrt(np.mean(dev**2)))
    c_init, c_supp = d.series("new_contracts_initial"), d.series("new_contracts_supplementary")
    cs = np.array([math.log1p(c_supp[y] / c_init[y]) for y in sorted(c_supp) if y in c_init])
    last = max(y for y in c_init if y in excl)
    # related categories: pooled within-category s.d. of log growth
    resid: list[float] = []
    for name in (
        "coast_guard",
        "international_cooperation",
        "research_development",
        "public_infrastructure",
    ):
        v = d.series(name)
        lg = [
            math.log(v[y] / v[y - 1]) for y in sorted(v) if y - 1 in v and v[y - 1] > 0 and v[y] > 0
        ]
        if len(lg) >= 2:
            resid += list(np.array(lg) - np.mean(lg))
    n_cat_used = len(resid)
    incl, supp, unused = (
        d.series("mod_initial_incl"),
        d.series("mod_supplementary_total"),
        d.series("unused_appropriations"),
    )
    avail = d.series("budget_available_for_settlement")
    rates = []
    for y in sorted(unused):
        base = avail.get(y) or (
            incl.get(y, 0) + supp.get(y, 0) if y in incl and y in supp else None
        )
        if base and y >= 2022:
            rates.append(unused[y] / base)
    return {
        "implementation_sd": (
            impl_sd,
            f"root mean square of log(initial budget / request), plan-covered basis, FY{', FY'.join(map(str, yrs))}",
        ),
        "recession_cut": (
            0.0,
            "no cut observed: the FY2021 initial budget after the FY2020 recession rose (51,235 vs 50,688 oku); scenario lever",
        ),
        "contract_ratio": (
            c_init[last] / excl[last],
            f"new contracts / plan-covered initial budget in FY{last}, the latest year (front-loading of FY2023-24 contracts has passed)",
        ),
        "contract_fy2027_sd": (
            float(math.sqrt(np.mean(cs**2))),
            "root mean square of log(1 + supplementary contracts / initial contracts), FY2023-FY2025: how far contracts have moved from their initial figure",
        )
        if len(cs)
        else (
            impl_sd,
            f"no supplementary-contract figures published by {d.as_of}: the budget implementation s.d. stands in",
        ),
        "related_growth_sd": (
            float(math.sqrt(np.sum(np.square(resid)) / max(n_cat_used - 1, 1))),
            "pooled within-category s.d. of log annual growth of related categories with at least two growth observations",
        ),
        "unspent_share": (
            float(np.mean(rates)),
            "mean of unused appropriations / MoD budget (initial + supplementary, or the reported budget available), FY2022-FY2024",
        ),
    }


def fit_supplementary(d: DataStore) -> dict[str, tuple[float, str]]:
    incl, supp = d.series("mod_initial_incl"), d.series("mod_supplementary_total")
    yrs = [y for y in sorted(supp) if y in incl]
    r = np.array([supp[y] / incl[y] for y in yrs])
    pos = r[r > 0]
    lr = np.log(pos)
    re = d.series("mod_supplementary_realignment")
    shares = [re[y] / supp[y] for y in sorted(re) if y in supp]
    rel_years = d.series("related_supplementary_jcg_pko")
    if rel_years:
        rel_y = max(rel_years)
        rel = d.value("related_supplementary_jcg_pko", rel_y) + d.series(
            "related_supplementary_cyber"
        ).get(rel_y, 0.0)
        related = (
            rel / d.value("mod_supplementary_total", rel_y),
            f"non-MoD related supplementary (JCG/PKO + cyber) / MoD supplementary, FY{rel_y} (the only year published)",
        )
    else:
        related = (0.0, f"no non-MoD related supplementary figure published by {d.as_of}")
    span = f"FY{yrs[0]}-FY{yrs[-1]}, years with a published total (n={len(yrs)})"
    return {
        "prob": (
            float(len(pos) / len(r)),
            f"share of years with a MoD supplementary budget, {span}",
        ),
        "log_ratio_mean": (
            float(lr.mean()),
            f"mean of log(supplementary / initial incl. SACO), {span}; s.e. s.d./sqrt(n)",
            float(lr.std(ddof=1) / math.sqrt(len(lr))),
        ),
        "log_ratio_sd": (
            float(lr.std(ddof=1)),
            f"s.d. of log(supplementary / initial incl. SACO), {span}",
        ),
        "realignment_share": (
            float(np.mean(shares)),
            f"mean realignment share of the MoD supplementary, FY{', FY'.join(map(str, sorted(re)))}; s.e. s.d./sqrt(n)",
            float(np.std(shares, ddof=1) / math.sqrt(len(shares))),
        ),
        "related_ratio": related,
    }


def fit_contracts(d: DataStore) -> dict[str, tuple[Any, str]]:
    c_tot, n_tot = (
        d.series("new_contracts_initial_mod_total"),
        d.series("new_future_obligations_mod_total"),
    )
    yrs = [y for y in sorted(c_tot) if y in n_tot]
    p0 = float(np.mean([1.0 - n_tot[y] / c_tot[y] for y in yrs]))
    n = n_tot  # every target's obligations are published on the MoD-total basis (FY2020-FY2025)
    outlays, existing = d.series("obligatory_outlays"), d.series("existing_future_obligations")

    def still_owed(t: int) -> tuple[float | None, range, Any]:
        """The published stock of obligations signed before FY``t`` and payable after it, and the model's."""
        signed = range(t - 4, t)  # older contracts are paid off within five years
        return existing.get(t), signed, lambda b: sum(n[s] * (1 - sum(b[: t - s])) for s in signed)

    candidates = {
        "obligatory outlays FY2026": (
            outlays.get(2026),
            range(2021, 2026),
            lambda b: sum(b[k - 1] * n[2026 - k] for k in range(1, 6)),
        ),
        "existing obligations after FY2026": still_owed(2026),
        "existing obligations after FY2024": still_owed(2024),
    }
    targets = {
        k: (v, f)
        for k, (v, yrs_needed, f) in candidates.items()
        if v is not None and all(y in n for y in yrs_needed)
    }
    if not targets:
        raise InputError(
            "calibration/data/contracts.csv",
            "obligations",
            f"no obligation figures published by {d.as_of} to fit the payment profile",
        )
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
        "payment_profile": (
            profile,
            f"p0 = mean first-year share 1 - new obligations / new contracts (MoD total, FY{yrs[0]}-FY{yrs[-1]}); "
            f"p1..p5 = (1 - p0) x discrete gamma weights k^(a-1) exp(-k/theta), a={a}, theta={th}, "
            f"grid least squares on relative errors; fit: {fit}",
        ),
    }


def _fmt(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return repr(float(v))


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def calibrate(
    as_of: dt.date,
    window: tuple[int, int] = (1995, 2024),
    data_dir: Path | None = None,
    data: DataStore | None = None,
) -> tuple[str, dict[str, Any]]:
    """Fit all parameters on the data published by ``as_of`` (``data``, if already loaded from ``data_dir``);
    return the TOML text and the fitted tables."""
    d = data if data is not None else load_data(as_of, data_dir)
    if not d.rows:
        raise InputError("as_of", "", f"no data published by {as_of}")
    tables = {
        "economy": fit_economy(d, window),
        "outlook": fit_outlook(d),
        "fx": fit_fx(d),
        "budget": fit_budget(d),
        "supplementary": fit_supplementary(d),
        "contracts": fit_contracts(d),
    }
    for section, entries in tables.items():
        for name, entry in entries.items():
            vals = entry[0] if isinstance(entry[0], list) else [entry[0]]
            if not all(math.isfinite(float(v)) for v in vals):
                raise InputError(
                    "as_of",
                    f"{section}.{name}",
                    f"cannot be fitted on the data published by {as_of} ({entry[1]})",
                )
    lines = [
        "# Generated by `jdef calibrate`; do not edit by hand. Methods: METHODOLOGY.md, section 5.",
        "[meta]",
        f'as_of = "{d.vintage()}"  # every row published by this date (the data vintage)',
        f'fit_window = "FY{window[0]}-FY{window[1]}"',
        f'data_vintage = "{d.vintage()}"',
        'optimiser = "scipy.optimize.minimize BFGS (gtol 1e-8, maxiter 2000) from the OLS start for the economy; closed-form moments elsewhere; fixed grid for the payment profile"',
    ]
    lines.append("[meta.data_sha256]")
    lines += [f'"{k}" = "{v}"' for k, v in sorted(d.hashes.items())]
    for section, entries in tables.items():
        lines.append("")
        lines.append(f"[{section}]")
        for name, entry in entries.items():
            value, source = entry[0], entry[1]
            se = f", se = {_fmt(entry[2])}" if len(entry) > 2 else ""
            lines.append(f'{name} = {{ value = {_fmt(value)}{se}, source = "{_esc(source)}" }}')
    lines += [
        "",
        "# Parameters drawn per Monte Carlo draw from N(value, se), clipped to their valid range:",
        "# parameter uncertainty where the fit rests on few observations (METHODOLOGY.md, section 5).",
        "[uncertainty]",
        'drawn = ["outlook.bias", "supplementary.log_ratio_mean", "supplementary.realignment_share", "economy.recession_prob", "economy.real_ar", "economy.real_sd", "economy.deflator_ar", "economy.deflator_sd"]',
    ]
    return "\n".join(lines) + "\n", tables


def write_params(path: Path, as_of: dt.date, data_dir: Path | None = None) -> dict[str, Any]:
    text, tables = calibrate(as_of, data_dir=data_dir)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return tables
