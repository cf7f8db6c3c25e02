"""Calibration of the budget: implementation noise, supplementary budgets, contracts.

Each ``fit_*`` returns ``{name: (value, source)}`` or ``{name: (value, source, se)}`` for one
section of ``params.toml`` (written by ``jdef.calibrate``): closed-form moments of the
published figures, and a fixed grid for the payment profile, so the same data give the same
numbers bit for bit. Methods: METHODOLOGY.md, section 5.
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
        "contract_ratio": (
            c_init[last] / excl[last],
            (
                f"new contracts / plan-covered initial budget in FY{last}, the latest year "
                "(front-loading of FY2023-24 contracts has passed)"
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
            float(np.mean(rates)),
            (
                "mean of unused appropriations / MoD budget (initial + supplementary, or the "
                "reported budget available), FY2022-FY2024"
            ),
        ),
    }


def fit_supplementary(d: DataStore) -> Fitted:
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
            (
                "mean realignment share of the MoD supplementary, "
                f"FY{', FY'.join(map(str, sorted(re)))}; s.e. s.d./sqrt(n)"
            ),
            float(np.std(shares, ddof=1) / math.sqrt(len(shares))),
        ),
        "related_ratio": related,
    }


def fit_contracts(d: DataStore) -> Fitted:
    c_tot, n_tot = (
        d.series("new_contracts_initial_mod_total"),
        d.series("new_future_obligations_mod_total"),
    )
    yrs = [y for y in sorted(c_tot) if y in n_tot]
    p0 = float(np.mean([1.0 - n_tot[y] / c_tot[y] for y in yrs]))
    n = n_tot  # every target's obligations are published on the MoD-total basis (FY2020-FY2025)
    outlays, existing = d.series("obligatory_outlays"), d.series("existing_future_obligations")

    def still_owed(t: int) -> tuple[float | None, range, Callable[[np.ndarray], float]]:
        """The published stock of obligations signed before FY``t``
        and payable after it, and the model's."""
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
    best_loss, b, a, th = math.inf, np.empty(5), 0.0, 0.0
    k = np.arange(1, 6)
    for a_i in np.round(np.arange(0.2, 8.0001, 0.05), 4):
        for th_i in np.round(np.arange(0.2, 20.0001, 0.1), 4):
            w = k ** (a_i - 1.0) * np.exp(-k / th_i)
            b_i = w / w.sum()
            loss = sum(((f(b_i) - v) / v) ** 2 for v, f in targets.values())
            if loss < best_loss:
                best_loss, b, a, th = loss, b_i, a_i, th_i
    profile = [p0] + [float(x) * (1.0 - p0) for x in b]
    fit = "; ".join(f"{name}: {f(b):.3f} vs {v:.3f} tn" for name, (v, f) in targets.items())
    return {
        "payment_profile": (
            profile,
            "p0 = mean first-year share 1 - new obligations / new contracts (MoD total, "
            f"FY{yrs[0]}-FY{yrs[-1]}); "
            f"p1..p5 = (1 - p0) x discrete gamma weights k^(a-1) exp(-k/theta), a={a}, theta={th}, "
            f"grid least squares on relative errors; fit: {fit}",
        ),
    }
