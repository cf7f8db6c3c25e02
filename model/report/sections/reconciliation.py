"""The reconciliation section: spending by category and what each inclusion policy counts."""

from __future__ import annotations

import re

import xarray as xr

from ...summary import published_rows, yardstick_rows
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
        out += yardstick_table(part, years) + published_table(part) + decisions_table(part)
    out.append("</section>")
    return "".join(out)


def yardstick_table(part: xr.Dataset, years: list[int]) -> list[str]:
    """Targets by name: the government's yardstick (an amount) beside 2% of the denominator."""
    rows, sentences = yardstick_rows(part, years)
    if not rows:
        return []
    head = "".join(f"<th>{fy(y)}</th>" for y in years)
    out = [
        "<h3>Targets by name</h3>",
        '<p class="note">Probability that counted spending is at or above the target: the '
        "government's own yardstick, an amount, beside the ratio it stands for.</p>",
        f"<table><thead><tr><th>policy</th><th>reading</th>{head}</tr></thead><tbody>",
    ]
    for pol, name, cells in rows:
        tds = "".join(f'<td class="num">{esc(c["text"])}</td>' for c in cells)
        out.append(f"<tr><td>{esc(pol)}</td><td>{esc(name)}</td>{tds}</tr>")
    out.append("</tbody></table>")
    out += [f'<p class="note">{esc(t)}</p>' for t in sentences]
    return out


def published_table(part: xr.Dataset) -> list[str]:
    """The reconciliation table: published figures against the model's known years."""
    rows = published_rows(part)
    if not rows:
        return []
    out = [
        "<h3>Published figures against the model</h3>",
        '<p class="note">Known years only: what the government published on a policy\'s '
        "counting, the model's figure from the known budgets, and whether it lies within "
        "the published figure's rounding (half a unit of its last digit).</p>",
        "<table><thead><tr><th>policy</th><th>year</th><th>published</th><th>modelled</th>"
        "<th>rounding</th><th>within</th><th>source</th></tr></thead><tbody>",
    ]
    for r in rows:
        if r["ratio"]:
            pub = f"{r['published']:.1%}"
            mod = fmt_ratio(r["modelled"])
            rnd = f"± {r['rounding'] * 100:.2f} pp"
        else:
            pub, mod = fmt_yen(r["published"]), fmt_yen(r["modelled"])
            rnd = f"± {r['rounding']:.2f}"
        flag = {1: "yes", 0: "no", -1: "not known", 2: "comparison"}.get(r["flag"], "?")
        out.append(
            f"<tr><td>{esc(r['policy'])}</td><td>{fy(r['fiscal_year'])}</td>"
            f'<td class="num">{pub}</td><td class="num">{mod}</td><td>{rnd}</td>'
            f"<td>{flag}</td><td>{esc(r['source'])}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def decisions_table(part: xr.Dataset) -> list[str]:
    """The announced decisions published by the as-of date and what the run made of each."""
    if "decision" not in part.dims or part.sizes["decision"] == 0:
        return []
    out = [
        "<h3>Announced decisions</h3>",
        "<table><thead><tr><th>decision</th><th>effect</th><th>mapping</th></tr></thead><tbody>",
    ]
    for d, e, m in zip(
        part["decision"].values,
        part["decision_effect"].values,
        part["decision_mapping"].values,
        strict=True,
    ):
        out.append(f"<tr><td>{esc(d)}</td><td>{esc(e)}</td><td>{esc(m)}</td></tr>")
    out.append("</tbody></table>")
    return out
