"""The reconciliation section: spending by category and what each inclusion policy counts."""

from __future__ import annotations

import re

import xarray as xr

from .. import access
from ..format import esc, fmt_ratio, fmt_yen, fy
from ..html import SECTIONS, attrs


def reconciliation_section(ds: xr.Dataset, scs: list[str | None]) -> str:
    """Per scenario: mean spending by category, then median counted spending and ratio per
    policy, in the report years."""
    years = access.report_years(ds)
    out = [
        f'<section id="reconciliation"><h2>{SECTIONS["reconciliation"]}</h2>',
        '<p class="note">Spending by category (mean over the draws, trillion yen) and what each '
        "inclusion policy counts of it (median of counted spending, trillion yen), for selected "
        "fiscal years. A policy counts a share of each category; the shares are in the policy "
        "files.</p>",
    ]
    if not years:
        out.append(
            '<p class="note">None of the selected fiscal years is in this result.</p></section>'
        )
        return "".join(out)
    head = "".join(f"<th>{fy(y)}</th>" for y in years)
    for sc in scs:
        part = access.part(ds, sc)
        if sc is not None:
            out.append(f"<h3>Scenario {esc(sc)}</h3>")
        if "category_spending_mean" in part:
            imputed = part["category_imputed"] if "category_imputed" in part else None
            any_imp = False
            out.append(
                f"<table><thead><tr><th>category</th><th>description</th>{head}</tr></thead><tbody>"
            )
            for c in part["category"].values:
                c = str(c)
                desc = (
                    str(part["category_long_name"].sel(category=c).values)
                    if "category_long_name" in part
                    else ""
                )
                cells = ""
                for y in years:
                    v = float(part["category_spending_mean"].sel(category=c, fiscal_year=y).values)
                    flag = ""
                    if (
                        imputed is not None
                        and float(imputed.sel(category=c, fiscal_year=y).values) == 1
                    ):
                        flag, any_imp = "<sup>†</sup>", True
                    key = attrs(var="category_spending_mean", scenario=sc, category=c, year=y)
                    cells += f'<td class="num"{key}>{fmt_yen(v)}{flag}</td>'
                out.append(f"<tr><td><code>{esc(c)}</code></td><td>{esc(desc)}</td>{cells}</tr>")
            out.append("</tbody></table>")
            if any_imp:
                out.append(
                    '<p class="note">† a known-period figure that was not published and was '
                    "filled from the nearest year with a figure.</p>"
                )
        pols = access.policies(part)
        med = access.quantile(part["counted_spending"], 0.5)
        rmed = access.quantile(part["spending_ratio"], 0.5)
        out.append(
            "<table><thead><tr><th>policy</th><th>denominator and supplementary budgets</th>"
            f"{head}</tr></thead><tbody>"
        )
        for pol in pols:
            desc = (
                str(part["policy_description"].sel(policy=pol).values)
                if "policy_description" in part
                else ""
            )
            desc = desc.split(": ", 1)[-1]
            words = access.denominator_words(part, pol)
            m = re.match(r"denominator (\S+?), (.*)", desc)
            if words and m:
                desc = f"{words[0].upper()}{words[1:]} ({m.group(1)}); {m.group(2)}"
            cells = ""
            for y in years:
                v = (
                    float(med.sel(policy=pol, fiscal_year=y).values)
                    if med is not None
                    else float("nan")
                )
                r = (
                    float(rmed.sel(policy=pol, fiscal_year=y).values)
                    if rmed is not None
                    else float("nan")
                )
                at = {"scenario": sc, "policy": pol, "year": y, "quantile": "0.5"}
                cells += (
                    f'<td class="num"{attrs(var="counted_spending", **at)}>{fmt_yen(v)}'
                    f'<span class="words"{attrs(var="spending_ratio", **at)}>'
                    f"{fmt_ratio(r)}</span></td>"
                )
            out.append(f"<tr><td>{esc(pol)}</td><td>{esc(desc)}</td>{cells}</tr>")
        out.append("</tbody></table>")
        out.append(
            '<p class="note">Each cell: median counted spending (trillion yen) and, below it, '
            "the median ratio to the policy's GDP denominator.</p>"
        )
    out.append("</section>")
    return "".join(out)
