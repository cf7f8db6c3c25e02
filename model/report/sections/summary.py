"""The summary tables: probability of reaching each target in selected years, per policy
(and scenario), with its Monte Carlo error and in words; and each policy's own target."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import access
from ..figures.probabilities import PROB_MEASURES
from ..format import esc, fmt_prob_se, fmt_threshold, fy, in_words
from ..html import SECTIONS, attrs


def prob_cell(part: xr.Dataset, var: str, pol: str, y: int, t: float, sc: str | None) -> str:
    """A table cell: the probability ± its Monte Carlo error [95% interval], and in words
    below (ICD 203); 'known' in a year with no Monte Carlo spread."""
    if var not in part:
        return '<td class="num">n/a</td>'
    at = dict(policy=pol, fiscal_year=y, threshold=t)

    def get(name: str) -> float:
        return float(part[name].sel(at).values) if name in part else float("nan")

    p = get(var)
    known = "spending_ratio_known" in part and bool(
        part["spending_ratio_known"].sel(policy=pol, fiscal_year=y).values == 1
    )
    text = fmt_prob_se(
        p,
        get(f"{var}_standard_error"),
        get(f"{var}_lower_bound"),
        get(f"{var}_upper_bound"),
        known,
    )
    return (
        f'<td class="num"{attrs(var=var, scenario=sc, policy=pol, year=y, threshold=f"{t:g}")}>'
        f'{esc(text)}<span class="words">{esc(in_words(p, known))}</span></td>'
    )


def summary_section(ds: xr.Dataset, scs: list[str | None]) -> str:
    """Per measure and target, a table of policies (grouped with their scenarios) by year."""
    years, targets = access.report_years(ds), access.targets(ds)
    sc_head = "<th>scenario</th>" if scs[0] is not None else ""
    out = [
        f'<section id="summary"><h2>{SECTIONS["summary"]}</h2>',
        '<p class="note">Probability that counted spending divided by the policy\'s GDP '
        "denominator is at or above the target, computed from the Monte Carlo draws, with its "
        "Monte Carlo standard error (±), its 95% interval (Clopper-Pearson, in brackets) and in "
        "words from the ICD 203 probability yardstick (almost no chance 1-5%, very unlikely "
        "5-20%, unlikely 20-45%, roughly even chance 45-55%, likely 55-80%, very likely 80-95%, "
        "almost certain 95-99%); a year whose ratio has no Monte Carlo spread reads "
        "'known'. A policy's denominator is FY2022 GDP (the "
        "government's fixed yardstick), current-year GDP or the outlook, as its description in "
        "the reconciliation section says.</p>",
    ]
    if not years or not targets:
        out.append(
            '<p class="note">This result has none of the summary years or targets.</p></section>'
        )
        return "".join(out)
    for var, what in PROB_MEASURES.items():
        if var not in ds:
            continue
        for t in targets:
            out.append(f"<h3>Reaching {fmt_threshold(t)}: {esc(what)}</h3>")
            head = "".join(f"<th>{fy(y)}</th>" for y in years)
            out.append(f"<table><thead><tr><th>policy</th>{sc_head}{head}</tr></thead>")
            # a batch: grouped by policy, so that the scenarios for one policy sit together
            pols = list(
                dict.fromkeys(p for sc in scs for p in access.policies(access.part(ds, sc)))
            )
            groups = (
                [
                    [(pol, sc) for sc in scs if pol in access.policies(access.part(ds, sc))]
                    for pol in pols
                ]
                if scs[0] is not None
                else [[(pol, None) for pol in pols]]
            )
            for group in groups:
                out.append("<tbody>")
                for pol, sc in group:
                    cells = "".join(
                        prob_cell(access.part(ds, sc), var, pol, y, t, sc) for y in years
                    )
                    sc_cell = f"<td>{esc(sc)}</td>" if sc is not None else ""
                    out.append(f"<tr><td>{esc(pol)}</td>{sc_cell}{cells}</tr>")
                out.append("</tbody>")
            out.append("</table>")
    out.append(_own_targets(ds, scs, years))
    out.append("</section>")
    return "".join(out)


def _own_targets(ds: xr.Dataset, scs: list[str | None], years: list[int]) -> str:
    """Entries whose policy file names their own target (e.g. NATO's 5%, 3.5% core, 1.5%
    resilience)."""
    if "policy_target" not in ds:
        return ""
    var = "probability_of_spending_ratio_above_threshold"
    rows = []
    for sc in scs:
        part = access.part(ds, sc)
        for pol in part["policy"].values:
            t = float(part["policy_target"].sel(policy=pol).values)
            at = None if np.isnan(t) else access.coord(part, "threshold", t)
            if at is None:
                continue
            cells = "".join(prob_cell(part, var, str(pol), y, at, sc) for y in years)
            sc_cell = f"<td>{esc(sc)}</td>" if sc is not None else ""
            target = f'<td class="num">{fmt_threshold(t)}</td>'
            rows.append(f"<tr><td>{esc(pol)}</td>{sc_cell}{target}{cells}</tr>")
    if not rows:
        return ""
    head = "".join(f"<th>{fy(y)}</th>" for y in years)
    sc_head = "<th>scenario</th>" if scs[0] is not None else ""
    return (
        "<h3>Reaching the policy's own target: in the fiscal year</h3>"
        '<p class="note">Policies and buckets whose file names the ratio they are measured against '
        "(NATO-style: 5% in all, 3.5% core, 1.5% resilience).</p>"
        f"<table><thead><tr><th>policy</th>{sc_head}<th>target</th>{head}</tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )
