"""The headline: three to five sentences an analyst would quote, generated from the numbers,
with the probability yardstick they are worded in (ICD 203)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...probability import YARDSTICK_SHORT
from ...summary import probability_cell
from .. import access
from ..format import esc, fmt_ratio, fmt_threshold, fy
from ..html import SECTIONS

ABOVE = "probability_of_spending_ratio_above_threshold"
BY = "probability_of_spending_ratio_reached_threshold_by_year"
WORDS_OF = {
    "current": "the government's own yardstick (initial and supplementary budgets of the "
    "plan's scope over FY2022 GDP)",
    "current-gdp": "the same spending over current-year GDP",
}


def _cell(part: xr.Dataset, var: str, pol: str, year: int, t: float) -> dict | None:
    at = access.coord(part, "threshold", t)
    if var not in part or at is None or year not in access.years(part).tolist():
        return None
    if pol not in access.policies(part):
        return None
    c = probability_cell(part, var, dict(policy=pol, fiscal_year=year, threshold=at))
    return None if np.isnan(c["probability"]) else c


def _say(c: dict) -> str:
    return f"{c['words']} ({c['text']})"


def headline_sentences(ds: xr.Dataset) -> list[str]:
    """The sentences, from the first scenario of a batch (and the spread across scenarios)."""
    scs = access.scenarios(ds)
    part = access.part(ds, scs[0])
    pols = access.policies(part)
    years = access.years(part).tolist()
    out: list[str] = []
    y27 = 2027 if 2027 in years else years[-1]
    for pol in ("current", "current-gdp"):
        c = _cell(part, ABOVE, pol, y27, 0.02)
        if c is not None:
            out.append(
                f"Under {WORDS_OF[pol]} ('{pol}'), spending reaches 2% of GDP in {fy(y27)}: "
                f"{_say(c)}."
            )
    y35 = 2035 if 2035 in years else years[-1]
    best = [(c["probability"], pol, c) for pol in pols if (c := _cell(part, BY, pol, y35, 0.035))]
    if best:
        p, pol, c = max(best, key=lambda x: x[0])
        out.append(
            f"NATO's 3.5% core level by {fy(y35)} (in some year up to then) is at best "
            f"{_say(c)}, under '{pol}'."
        )
    y30 = 2030 if 2030 in years else years[-1]
    med = [
        (float(x.sel(policy=pol, fiscal_year=y30).values), pol)
        for pol in pols
        if (x := access.quantile(part["spending_ratio"], 0.5)) is not None
    ]
    med = [m for m in med if np.isfinite(m[0])]
    if len(med) > 1:
        lo, hi = min(med), max(med)
        out.append(
            f"The median ratio in {fy(y30)} runs from {fmt_ratio(lo[0])} ('{lo[1]}') to "
            f"{fmt_ratio(hi[0])} ('{hi[1]}') across the {len(med)} accounting policies: what "
            "is counted matters as much as what is spent."
        )
    if len(scs) > 1:
        cells = [(sc, _cell(access.part(ds, sc), ABOVE, "current", y27, 0.02)) for sc in scs]
        ps = [(c["probability"], sc) for sc, c in cells if c is not None]
        if len(ps) > 1:
            (plo, slo), (phi, shi) = min(ps), max(ps)
            out.append(
                f"Across the {len(scs)} scenarios the 2% probability under 'current' in "
                f"{fy(y27)} ranges from {plo:.3f} ('{slo}') to {phi:.3f} ('{shi}')."
            )
    out.append(
        f"Words follow {YARDSTICK_SHORT}; brackets are 95% Clopper-Pearson intervals from "
        f"{ds.attrs.get('draws', '?')} draws, and a year with no Monte Carlo spread reads "
        "'known'."
    )
    return out[:5] if len(out) > 5 else out


def headline_section(ds: xr.Dataset) -> str:
    """The headline section: the sentences as one paragraph."""
    text = " ".join(headline_sentences(ds))
    return (
        f'<section id="headline"><h2>{SECTIONS["headline"]}</h2>'
        f'<p class="headline">{esc(text)}</p>'
        f'<p class="note">Targets shown: {", ".join(fmt_threshold(t) for t in access.targets(ds))}'
        " of GDP; the tables below give every policy, year and target.</p></section>"
    )
