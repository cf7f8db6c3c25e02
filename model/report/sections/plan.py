"""The plan-tracking section: the chart, the quantile table and the shortfall probabilities."""

from __future__ import annotations

import xarray as xr

from .. import access
from ..figures.plan import PLAN_ROWS, plan_tracking
from ..format import esc, fmt_prob_se, fmt_yen, in_words
from ..html import SECTIONS, Figures, attrs

PLAN_LABELS = {
    "plan_cumulative_initial": "FY2023-FY2027 initial budgets (against the 40.5 budget total)",
    "plan_cumulative_expenditure": (
        "FY2023-FY2027 spending counted toward the plan: initial + counted supplementaries "
        "(against the 43.0 level)"
    ),
    "plan_cumulative_contracts": "FY2023-FY2027 new contracts, contract basis",
    "plan_real_value_fy2022_yen": "FY2023-FY2027 spending deflated to FY2022 yen",
    "plan_value_at_plan_exchange_rate": "FY2023-FY2027 spending at the plan's yen/dollar rate",
    "obligations_after_fy2027": "Contracts signed by FY2027, payable after FY2027",
    "financing_gap_after_fy2027": (
        "Financing gap FY2028 on: what the post-2027 rule left unfunded of personnel and "
        "payments due (sum)"
    ),
    "spending_above_financing_plan_after_fy2027": (
        "Plan-covered budgets FY2028 on above the 2022 financing plan's yearly sources (sum)"
    ),
}
# shortfalls that hold by construction (the FY2027 budget is the plan's figure and FY2027
# contracts the plan's remainder, each times a median-one noise factor): marked, not read
BY_CONSTRUCTION = {"probability_of_plan_budget_shortfall", "probability_of_plan_contract_shortfall"}
PLAN_REF = {name: ref for name, _, ref in PLAN_ROWS}
SHORTFALL = (
    (
        "probability_of_plan_budget_shortfall",
        "plan_budget_total",
        "FY2023-FY2027 initial budgets fall short of the plan's budget total of",
    ),
    (
        "probability_of_plan_expenditure_shortfall",
        "plan_level_total",
        "FY2023-FY2027 spending incl. counted supplementaries falls short of the plan's level of",
    ),
    (
        "probability_of_plan_contract_shortfall",
        "plan_contract_total",
        "FY2023-FY2027 new contracts fall short of the plan's",
    ),
)


def plan_section(figs: Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    """The plan chart, the quantiles of each plan variable against its total, and the
    probability of each shortfall."""
    out = [f'<section id="plan"><h2>{SECTIONS["plan"]}</h2>']
    fig = plan_tracking(ds, scs)
    if fig is None:
        out.append('<p class="note">This result has no plan-tracking variables.</p></section>')
        return "".join(out)
    name = figs.save(fig, "plan_tracking")
    out.append(
        figs.img(
            name,
            "Plan tracking: cumulative FY2023-FY2027 spending and contracts against the plan "
            "totals",
            "Cumulative FY2023-FY2027 spending and contracts (trillion yen) against the plan's "
            "totals; the real value in FY2022 yen and the value at the plan's exchange rate; "
            "obligations carried past FY2027.",
        )
    )
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    head = "".join(f"<th>{'median' if q == 0.5 else f'{int(q * 100)}th pct'}</th>" for q in qs)
    sc_head = "<th>scenario</th>" if scs[0] is not None else ""
    out.append(
        f"<table><thead><tr>{sc_head}<th>trillion yen</th>{head}<th>plan total</th></tr></thead>"
        "<tbody>"
    )
    for var, label in PLAN_LABELS.items():
        if var not in ds:
            continue
        for sc in scs:
            part = access.part(ds, sc)
            cells = ""
            for q in qs:
                x = access.quantile(part[var], q)
                v = float(x.values) if x is not None else float("nan")
                key = attrs(var=var, scenario=sc, quantile=f"{q:g}")
                cells += f'<td class="num"{key}>{fmt_yen(v)}</td>'
            ref = PLAN_REF.get(var)
            refv = fmt_yen(access.scalar(part, ref)) if ref and ref in part else ""
            sc_cell = f"<td>{esc(sc)}</td>" if sc is not None else ""
            out.append(f'<tr>{sc_cell}<td>{esc(label)}</td>{cells}<td class="num">{refv}</td></tr>')
    out.append("</tbody></table><ul>")
    for var, ref, text in SHORTFALL:
        if var not in ds:
            continue
        for sc in scs:
            part = access.part(ds, sc)
            p, se = access.scalar(part, var), access.scalar(part, f"{var}_standard_error")
            lo, hi = (
                access.scalar(part, f"{var}_{end}_bound") if f"{var}_{end}_bound" in part else None
                for end in ("lower", "upper")
            )
            who = f"{esc(sc)}: " if sc is not None else ""
            note = (
                " <em>By construction, not informative: FY2027 is the plan's own figure with "
                "implementation noise only, so this is about even whatever the inputs.</em>"
                if var in BY_CONSTRUCTION
                else ""
            )
            out.append(
                f"<li>{who}Probability that {esc(text)} {fmt_yen(access.scalar(part, ref))} "
                f"trillion yen: <span{attrs(var=var, scenario=sc)}>"
                f"{esc(fmt_prob_se(p, se, lo, hi))}</span> "
                f"({esc(in_words(p))}).{note}</li>"
            )
    out.append("</ul></section>")
    return "".join(out)
