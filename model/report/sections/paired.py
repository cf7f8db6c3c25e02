"""Paired differences in a batch: each scenario's probability of reaching a goal minus the
first scenario's, on the same random numbers (so the difference has a far smaller Monte Carlo
error than the two probabilities), with its standard error and a 95% normal interval."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..format import esc, fmt_threshold, fy
from ..html import SECTIONS, attrs

VAR = "probability_difference"


def fmt_difference(d: float, se: float) -> str:
    """'+0.123 ± 0.004 [+0.115, +0.131]' (95% normal interval, 1.96 s.e.)."""
    if not np.isfinite(d):
        return "n/a"
    s = se if np.isfinite(se) else 0.0
    d = 0.0 if abs(d) < 0.0005 else d  # no '-0.000'
    return f"{d:+.3f} ± {s:.3f} [{d - 1.96 * s:+.3f}, {d + 1.96 * s:+.3f}]"


def paired_section(ds: xr.Dataset, scs: list[str | None]) -> str:
    out = [f'<section id="paired"><h2>{SECTIONS["paired"]}</h2>']
    if VAR not in ds or scs[0] is None:
        out.append(
            '<p class="note">A single run has no paired comparison: run <code>jdef batch</code> '
            "on several scenarios (common random numbers) to see how each moves the odds.</p>"
            "</section>"
        )
        return "".join(out)
    first = str(ds["scenario"].values[0])
    out.append(
        '<p class="note">Probability that the ratio is at or above the goal in the fiscal year, '
        f"minus that of <code>{esc(first)}</code> on the same draws, ± its Monte Carlo standard "
        "error [95% interval, 1.96 s.e.]. Common random numbers make these differences far more "
        "precise than the probabilities themselves.</p>"
    )
    d, se = ds[VAR], ds[f"{VAR}_standard_error"]
    years = [int(y) for y in ds["comparison_year"].values]
    for g in ds["goal"].values:
        head = "".join(f"<th>{fy(y)}</th>" for y in years)
        out.append(f"<h3>Reaching {fmt_threshold(float(g))}</h3>")
        out.append(f"<table><thead><tr><th>policy</th><th>scenario</th>{head}</tr></thead>")
        for pol in ds["paired_policy"].values:
            rows = []
            for sc in ds["scenario"].values[1:]:
                at = dict(scenario=sc, paired_policy=pol, goal=g)
                vals = d.sel(at).values
                if not np.isfinite(vals).any():
                    continue
                cells = "".join(
                    f'<td class="num"{attrs(var=VAR, scenario=sc, policy=pol, year=y)}>'
                    f"{esc(fmt_difference(float(vals[i]), float(se.sel(at).values[i])))}</td>"
                    for i, y in enumerate(years)
                )
                rows.append(f"<tr><td>{esc(pol)}</td><td>{esc(sc)}</td>{cells}</tr>")
            if rows:
                out.append("<tbody>" + "".join(rows) + "</tbody>")
        out.append("</table>")
    out.append("</section>")
    return "".join(out)
