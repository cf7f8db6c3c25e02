"""Calibration of the budget: implementation noise, supplementary budgets, contracts.

Each ``fit_*`` returns ``{name: (value, source)}`` or ``{name: (value, source, se)}`` for one
section of ``params.toml`` (written by ``jdef.calibrate``): closed-form moments of the
published figures, and a least-squares fit of the payment profiles by contract vintage from a
fixed start, so the same data give the same numbers. Methods: METHODOLOGY.md, section 5.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .calibrate_economy import Fitted
from .data import DataStore
from .errors import InputError


def fit_budget(d: DataStore) -> Fitted:
    excl, req = d.series("mod_initial_excl"), d.series("mod_budget_request")
    yrs = [
        y for y in (2024, 2025, 2026) if y in excl and y in req
    ]  # requests on the same (plan-covered) basis
    dev = np.array([math.log(excl[y] / req[y]) for y in yrs])
    impl_sd = float(math.sqrt(np.mean(dev**2)))
    c_init, c_supp = d.series("new_contracts_initial"), d.series("new_contracts_supplementary")
    cs = np.array([math.log1p(c_supp[y] / c_init[y]) for y in sorted(c_supp) if y in c_init])
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
    rates, r_years = [], []
    for y in sorted(unused):
        base = avail.get(y) or (
            incl.get(y, 0) + supp.get(y, 0) if y in incl and y in supp else None
        )
        if base:
            rates.append(unused[y] / base)
            r_years.append(y)
    # execution shortfalls: the same comparison as the supplementary (pooled, regime, trend)
    u_table = compare_level_models(r_years, np.log(rates))
    u_choice = choose_level_model(u_table)
    u_models = describe_models(u_table, lambda v: f"{math.exp(v):.2%}")
    return {
        **fit_personnel(d),
        "implementation_sd": (
            impl_sd,
            (
                "root mean square of log(initial budget / request), plan-covered basis, "
                f"FY{', FY'.join(map(str, yrs))}"
            ),
        ),
        "recession_cut": (
            0.0,
            (
                "no cut observed: the FY2021 initial budget after the FY2020 recession rose "
                "(51,235 vs 50,688 oku); scenario lever"
            ),
        ),
        "contract_fy2027_sd": (
            float(math.sqrt(np.mean(cs**2))),
            (
                "root mean square of log(1 + supplementary contracts / initial contracts), "
                "FY2023-FY2025: how far contracts have moved from their initial figure"
            ),
        )
        if len(cs)
        else (
            impl_sd,
            (
                f"no supplementary-contract figures published by {d.as_of}: the budget "
                "implementation s.d. stands in"
            ),
        ),
        "related_growth_sd": (
            float(math.sqrt(np.sum(np.square(resid)) / max(n_cat_used - 1, 1))),
            (
                "pooled within-category s.d. of log annual growth of related categories with at "
                "least two growth observations"
            ),
        ),
        "unspent_share": (
            float(math.exp(u_table[u_choice]["next"])),
            (
                "unused appropriations / MoD budget (initial + supplementary, or the reported "
                f"budget available), FY{', FY'.join(map(str, r_years))}, in logs: {u_choice} "
                "model chosen by AIC among the models that beat the pooled fit out of sample "
                f"(leave-one-out) ({u_models}); exp of its mean for the next year"
            ),
        ),
    }


def fit_personnel(d: DataStore) -> Fitted:
    """Personnel and provisions (人件・糧食費): the last published level and its growth,
    the path's expected deflator plus a real drift drawn per draw."""
    pp = d.series("mod_personnel_provisions")
    defl = d.series("gdp_deflator_growth")
    yrs = sorted(pp)
    if len(yrs) < 2:
        raise InputError(
            "calibration/data/mod_components.csv",
            "mod_personnel_provisions",
            f"fewer than two personnel figures published by {d.as_of}",
        )
    # real growth per interval between published years, over the years the deflator is published
    rates, lengths = [], []
    for y0, y1 in zip(yrs, yrs[1:], strict=False):
        seen = [s for s in range(y0 + 1, y1 + 1) if s in defl]
        if not seen:
            continue
        nominal = math.log(pp[y1] / pp[y0]) / (y1 - y0)
        rates.append(nominal - float(np.mean([math.log1p(defl[s]) for s in seen])))
        lengths.append(y1 - y0)
    w = np.array(lengths, dtype=float)
    r = np.array(rates)
    drift = float(np.sum(w * r) / np.sum(w))
    # s.e.: the length-weighted dispersion of the interval rates over sqrt(number of intervals)
    disp = float(math.sqrt(np.sum(w * (r - drift) ** 2) / np.sum(w))) if len(r) > 1 else 0.01
    se = disp / math.sqrt(len(r))
    span = ", ".join(f"FY{a}-FY{b}" for a, b in zip(yrs, yrs[1:], strict=False))
    last = yrs[-1]
    return {
        "personnel_base": (
            pp[last],
            f"personnel and provisions (人件・糧食費), plan-covered initial budget FY{last}, the "
            "latest published (mod_components.csv)",
        ),
        "personnel_base_year": (float(last), "fiscal year of personnel_base"),
        "personnel_drift": (
            drift,
            "real growth of personnel and provisions on top of the expected deflator: "
            "length-weighted mean of log growth less the mean log deflator growth over the "
            f"intervals {span} (deflator years published only); s.e. the weighted dispersion "
            "of the interval rates / sqrt(number of intervals)",
            se,
        ),
    }


MIN_REGIME = 2  # observations on each side of a regime break


def _level_fit(model: str, x: np.ndarray, y: np.ndarray) -> tuple[Callable[[float], float], int]:
    """One candidate for the mean of ``y`` over years ``x``: its predictor and mean parameters.

    ``pooled``: one mean; ``regime``: a mean before and one from a break year, the break chosen
    by likelihood among years leaving MIN_REGIME observations on each side; ``trend``: a line.
    """
    if model == "pooled":
        m = float(y.mean())
        return (lambda t: m), 1
    if model == "trend":
        c = np.polyfit(x - x.mean(), y, 1)
        xm = float(x.mean())
        return (lambda t: float(np.polyval(c, t - xm))), 2
    best: tuple[float, float, float, float] | None = None
    for b in np.unique(x)[MIN_REGIME:]:
        lo, hi = y[x < b], y[x >= b]
        if len(lo) < MIN_REGIME or len(hi) < MIN_REGIME:
            continue
        rss = float(np.sum((lo - lo.mean()) ** 2) + np.sum((hi - hi.mean()) ** 2))
        if best is None or rss < best[0]:
            best = (rss, float(b), float(lo.mean()), float(hi.mean()))
    if best is None:
        raise ValueError("too few observations for a regime break")
    _, brk, a, b2 = best
    return (lambda t: a if t < brk else b2), 3  # two means and the break year


def compare_level_models(years: list[int], y: np.ndarray) -> dict[str, dict[str, float]]:
    """Pooled, regime and trend models of a short annual series, scored by log likelihood, AIC
    (the break year counted as a parameter) and the leave-one-out log predictive density (each
    fold refits everything, the break year too; Gaussian with the unbiased residual s.d.).

    Returns, per model: ``ll``, ``aic``, ``loo``, ``next`` (the mean predicted for the year
    after the last), ``sd`` (unbiased residual s.d.), ``se`` (s.e. of ``next``), ``n_last``
    (observations behind ``next``), ``break`` (regime only)."""
    x = np.asarray(years, dtype=float)
    out: dict[str, dict[str, float]] = {}
    for model in ("pooled", "regime", "trend"):
        try:
            pred, k = _level_fit(model, x, y)
        except ValueError:
            continue
        res = y - np.array([pred(t) for t in x])
        n = len(y)
        k_mean = 2 if model == "regime" else k  # the break year is not a mean parameter
        sd_ml = float(np.sqrt(np.mean(res**2)))
        ll = float(np.sum(-0.5 * np.log(2 * np.pi * sd_ml**2) - res**2 / (2 * sd_ml**2)))
        sd = float(np.sqrt(np.sum(res**2) / max(n - k_mean, 1)))
        loo = 0.0
        for i in range(n):
            keep = np.arange(n) != i
            try:
                p_i, _ = _level_fit(model, x[keep], y[keep])
            except ValueError:
                loo = -math.inf
                break
            r_i = y[keep] - np.array([p_i(t) for t in x[keep]])
            s_i = float(np.sqrt(np.sum(r_i**2) / max(keep.sum() - k_mean, 1)))
            e = float(y[i] - p_i(float(x[i])))
            loo += -0.5 * math.log(2 * math.pi * s_i**2) - e**2 / (2 * s_i**2)
        nxt = float(pred(float(x[-1] + 1)))
        if model == "regime":
            brk = float(min(t for t in x if pred(t) == pred(float(x[-1]))))
            n_last = float(np.sum(x >= brk))
            se = sd / math.sqrt(n_last)
        elif model == "trend":
            xc = x - x.mean()
            se = sd * math.sqrt(1 / n + (x[-1] + 1 - x.mean()) ** 2 / float(np.sum(xc**2)))
            n_last, brk = float(n), math.nan
        else:
            n_last, brk, se = float(n), math.nan, sd / math.sqrt(n)
        out[model] = {
            "ll": ll,
            "aic": 2 * k + 1 * 2 - 2 * ll,  # + 1 for the s.d.
            "loo": loo,
            "next": nxt,
            "sd": sd,
            "se": se,
            "n_last": n_last,
            "break": brk,
        }
    return out


def choose_level_model(table: dict[str, dict[str, float]]) -> str:
    """The model with the lowest AIC among those that also beat the pooled fit out of sample
    (leave-one-out score); the pooled fit when none does."""
    ok = [m for m in table if m == "pooled" or table[m]["loo"] > table["pooled"]["loo"]]
    return min(ok, key=lambda m: table[m]["aic"])


def describe_models(table: dict[str, dict[str, float]], fmt: Callable[[float], str]) -> str:
    def one(m: str, v: dict[str, float]) -> str:
        brk = f" from FY{int(v['break'])}" if m == "regime" else ""
        return (
            f"{m}{brk}: logL {v['ll']:.2f}, AIC {v['aic']:.2f}, LOO {v['loo']:.2f}, "
            f"next {fmt(v['next'])}"
        )

    return "; ".join(one(m, v) for m, v in table.items())


def fit_supplementary(d: DataStore) -> Fitted:
    incl, supp = d.series("mod_initial_incl"), d.series("mod_supplementary_total")
    yrs = [y for y in sorted(supp) if y in incl]
    r = np.array([supp[y] / incl[y] for y in yrs])
    pos = r[r > 0]
    lr = np.log(pos)
    table = compare_level_models([y for y, v in zip(yrs, r, strict=True) if v > 0], lr)
    choice = choose_level_model(table)
    chosen = table[choice]
    models = describe_models(table, lambda v: f"{math.exp(v):.1%}")
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
            (
                f"non-MoD related supplementary (JCG/PKO + cyber) / MoD supplementary, FY{rel_y} "
                "(the only year published)"
            ),
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
            chosen["next"],
            (
                f"log(supplementary / initial incl. SACO), {span}: {choice} model chosen "
                "by AIC among the models that beat the pooled fit out of sample (leave-one-out) "
                f"over pooled, regime and trend ({models}); the value is its "
                "mean for the next year; s.e. s.d./sqrt(n of the current regime)"
            ),
            chosen["se"],
        ),
        "log_ratio_sd": (
            chosen["sd"],
            f"residual s.d. of log(supplementary / initial incl. SACO) in the {choice} model, "
            f"{span}",
        ),
        "realignment_share": (
            float(np.mean(shares)),
            (
                "mean realignment share of the MoD supplementary, "
                f"FY{', FY'.join(map(str, sorted(re)))}; s.e. s.d./sqrt(n)"
            ),
            float(np.std(shares, ddof=1) / math.sqrt(len(shares))),
        ),
        "related_ratio": related,
    }


LEGACY_YEARS = 5  # Fiscal Act: multi-year obligations of up to five years (contracts.csv rule)
BUILDUP_YEARS = 10  # Long-Term Contract Act / the buildup's special measure: up to ten years
BUILDUP_FROM = 2023  # the Defense Buildup Program's first year: contracts from then are buildup
FIGURE_REL_SD = 0.05  # judgement: relative error of a press-reported or derived stock figure


def gamma_weights(a: float, theta: float, years: int) -> np.ndarray:
    """Discrete gamma payment weights k^(a-1) exp(-k/theta), k = 1..years, summing to 1."""
    k = np.arange(1, years + 1, dtype=float)
    w = np.exp((a - 1.0) * np.log(k) - k / theta)
    return w / w.sum()


def tilted(weights: np.ndarray, tau: float) -> np.ndarray:
    """Weights tilted towards later (tau > 0) or earlier (tau < 0) years: w_k e^(tau k) / sum."""
    k = np.arange(1, len(weights) + 1, dtype=float)
    w = weights * np.exp(tau * (k - k.mean()))
    return w / w.sum()


def pipeline_identities(
    d: DataStore,
) -> dict[str, tuple[float, Callable[[np.ndarray, np.ndarray], float]]]:
    """The published stock-flow identities the payment profiles must meet.

    Each entry: published value (trillion yen) and the model's value for legacy weights A
    (k = 1..5) and buildup weights B (k = 1..10) applied to the published new future obligations
    (新規後年度負担) of each year. A target enters only when every year it needs is published.
    """
    n = d.series("new_future_obligations_mod_total")  # MoD total: the basis of the stocks
    npc = d.series("new_future_obligations_plan_covered")
    outlays, existing = d.series("obligatory_outlays"), d.series("existing_future_obligations")
    outlays_pc = d.series("mod_obligatory_outlays")

    def weights(a: np.ndarray, b: np.ndarray, s: int) -> np.ndarray:
        return a if s < BUILDUP_FROM else b

    def signed_before(t: int) -> list[int]:
        # contracts still owing after t: legacy ones signed in the last four years, buildup ones
        return [s for s in range(t - BUILDUP_YEARS, t) if s >= BUILDUP_FROM or s > t - LEGACY_YEARS]

    Model = Callable[[np.ndarray, np.ndarray], float]

    def stock(t: int, ss: list[int]) -> Model:  # signed in ss, payable after t
        return lambda a, b: float(sum(n[s] * (1.0 - weights(a, b, s)[: t - s].sum()) for s in ss))

    def paid(t: int, ss: list[int], m: dict[int, float], legacy_only: bool) -> Model:
        return lambda a, b: float(
            sum(m[s] * (a if legacy_only else weights(a, b, s))[t - s - 1] for s in ss)
        )

    out: dict[str, tuple[float, Model]] = {}
    for t in (2024, 2026):
        ss = signed_before(t)
        if t in existing and all(s in n for s in ss):
            out[f"obligations after FY{t} (existing, MoD total)"] = (existing[t], stock(t, ss))
    ss = signed_before(2026)
    if 2026 in outlays and all(s in n for s in ss):
        out["obligatory outlays FY2026 (MoD total)"] = (outlays[2026], paid(2026, ss, n, False))
    # before the buildup: plan-covered outlays whose five earlier years are all published
    for t in sorted(outlays_pc):
        ss = list(range(t - LEGACY_YEARS, t))
        if t <= BUILDUP_FROM and all(s in npc for s in ss):
            out[f"obligatory outlays FY{t} (plan-covered, legacy contracts)"] = (
                outlays_pc[t],
                paid(t, ss, npc, True),
            )
    return out


def _first_year_share(d: DataStore) -> tuple[float, str, float, str]:
    """First-year payment share p0 by vintage: 一般物件費 / (一般物件費 + 新規後年度負担)."""
    gm, npc = d.series("mod_general_material"), d.series("new_future_obligations_plan_covered")
    ly = [y for y in sorted(gm) if y in npc and y < BUILDUP_FROM]
    c_tot, n_tot = (
        d.series("new_contracts_initial_mod_total"),
        d.series("new_future_obligations_mod_total"),
    )
    by = [y for y in sorted(c_tot) if y in n_tot and y >= BUILDUP_FROM]
    if not ly or not by:
        raise InputError(
            "calibration/data/contracts.csv",
            "new_future_obligations",
            f"no first-year shares by vintage can be formed from figures published by {d.as_of}",
        )
    p_leg = float(np.mean([gm[y] / (gm[y] + npc[y]) for y in ly]))
    p_bld = float(np.mean([1.0 - n_tot[y] / c_tot[y] for y in by]))
    return (
        p_leg,
        f"mean general material costs / (general material + new future obligations), plan-covered, "
        f"FY{ly[0]}-FY{ly[-1]}",
        p_bld,
        f"mean 1 - new future obligations / new contracts, MoD total, FY{by[0]}-FY{by[-1]}",
    )


def fit_profiles(d: DataStore) -> dict:
    """Least-squares fit of the legacy and buildup payment weights to the identities.

    Returns the weights, the gamma parameters, the fitted and published values per target and
    the s.d. of the buildup profile's tilt (per-draw uncertainty)."""
    from scipy.optimize import least_squares

    targets = pipeline_identities(d)
    if len(targets) < 2:
        raise InputError(
            "calibration/data/contracts.csv",
            "obligations",
            f"too few obligation figures published by {d.as_of} to fit the payment profiles",
        )
    names = list(targets)
    legacy_fixed = not any("legacy" in k for k in names)

    def ab(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = (
            gamma_weights(1.0, 3.0, LEGACY_YEARS)
            if legacy_fixed
            else gamma_weights(float(np.exp(x[2])), float(np.exp(x[3])), LEGACY_YEARS)
        )
        return a, gamma_weights(float(np.exp(x[0])), float(np.exp(x[1])), BUILDUP_YEARS)

    def resid(x: np.ndarray) -> np.ndarray:
        a, b = ab(x)
        return np.array([(targets[k][1](a, b) - targets[k][0]) / targets[k][0] for k in names])

    lo, hi = np.log([0.05, 0.2, 0.05, 0.2]), np.log([20.0, 100.0, 20.0, 100.0])
    x0 = np.log([1.0, 5.0, 2.0, 1.0])
    if legacy_fixed:
        lo, hi, x0 = lo[:2], hi[:2], x0[:2]
    fit = least_squares(resid, x0, bounds=(lo, hi), method="trf", xtol=1e-12, ftol=1e-12)
    a, b = ab(fit.x)
    # per-draw uncertainty: a tilt of the buildup weights; its s.d. is where the identities move
    # by one figure error (FIGURE_REL_SD) in the least-squares sense (a Laplace approximation)
    h = 1e-5

    def moved(tau: float) -> np.ndarray:
        bt = tilted(b, tau)
        return np.array([(targets[k][1](a, bt) - targets[k][0]) / targets[k][0] for k in names])

    slope = (moved(h) - moved(-h)) / (2 * h)
    tilt_sd = float(FIGURE_REL_SD / math.sqrt(float(np.sum(slope**2))))
    return {
        "legacy": a,
        "buildup": b,
        "params": np.exp(fit.x),
        "legacy_fixed": legacy_fixed,
        "table": [(k, targets[k][0], targets[k][1](a, b)) for k in names],
        "tilt_sd": tilt_sd,
    }


def fit_contracts(d: DataStore) -> Fitted:
    p_leg, src_leg, p_bld, src_bld = _first_year_share(d)
    f = fit_profiles(d)
    fit = "; ".join(f"{k}: {m:.3f} vs {v:.3f} tn ({m / v - 1:+.1%})" for k, v, m in f["table"])
    g = f["params"]
    shape_b = f"a={g[0]:.4g}, theta={g[1]:.4g}"
    shape_a = (
        "fixed a=1, theta=3 (no legacy identity)"
        if f["legacy_fixed"]
        else (f"a={g[2]:.4g}, theta={g[3]:.4g}")
    )
    how = (
        "discrete gamma weights k^(a-1) exp(-k/theta), legacy and buildup fitted jointly by "
        "least squares on the relative errors of the published stock-flow identities "
        "(scipy.optimize.least_squares, trf, fixed start)"
    )
    return {
        "payment_profile": (
            [p_leg] + [float(x) * (1.0 - p_leg) for x in f["legacy"]],
            f"contracts signed before FY{BUILDUP_FROM} (up to {LEGACY_YEARS} years): p0 = "
            f"{src_leg}; p1..p{LEGACY_YEARS} = (1 - p0) x {how}, {shape_a}; fit: {fit}",
        ),
        "buildup_profile": (
            [p_bld] + [float(x) * (1.0 - p_bld) for x in f["buildup"]],
            f"contracts signed from FY{BUILDUP_FROM} (up to {BUILDUP_YEARS} years, the "
            f"long-term procurement measure): p0 = {src_bld}; p1..p{BUILDUP_YEARS} = (1 - p0) x "
            f"{how}, {shape_b}",
        ),
        "buildup_from": (
            float(BUILDUP_FROM),
            "first year of the Defense Buildup Program (FY2023): contracts from then follow the "
            "buildup profile",
        ),
        "profile_tilt": (
            0.0,
            "tilt tau of the buildup weights, w_k e^(tau (k - mean k)) / sum: 0 at the fit; "
            f"s.e. = {FIGURE_REL_SD:.0%} figure error / |d(relative identity errors)/d tau| "
            "(a Laplace approximation along the payment-speed direction)",
            f["tilt_sd"],
        ),
    }
