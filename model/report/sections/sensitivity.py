"""The sensitivity sections: the chart and the ranked table of indices, and the table of the
inputs a sensitivity result varied."""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import access
from ..figures.sensitivity import importance_order, oat_nominal, sensitivity_figure
from ..format import esc, fmt_index
from ..html import SECTIONS, Figures, attrs


def _table(part: xr.Dataset, sc: str | None, present: list[str]) -> str:
    """The indices per parameter, most important first, each with its 95% half-width when the
    file has one."""
    cols = [c for v in present for c in (v, f"{v}_conf") if c in part]
    head = "".join(f"<th>{'± 95%' if c.endswith('_conf') else esc(c)}</th>" for c in cols)
    sliced = {c: access.sensitivity_slice(part[c])[0] for c in cols}
    names = [str(p) for p in part["parameter"].values]
    rows = []
    for i in importance_order(part):
        prm = names[i]
        cells = "".join(
            f'<td class="num"{attrs(var=c, scenario=sc, parameter=prm)}>'
            f"{fmt_index(sliced[c].values[i])}</td>"
            for c in cols
        )
        rows.append(f"<tr><td><code>{esc(prm)}</code></td>{cells}</tr>")
    nominal = ""
    if "oat_nominal" in part and "oat_low" in present:
        value = fmt_index(oat_nominal(part))
        nominal = (
            f'<p class="note">With every input at its nominal value the metric is '
            f"<span{attrs(var='oat_nominal', scenario=sc)}>{value}</span>.</p>"
        )
    return (
        f"{nominal}<table><thead><tr><th>parameter</th>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def sensitivity_section(figs: Figures, ds: xr.Dataset, scs: list[str | None]) -> str:
    """Per scenario holding sensitivity variables: the chart and the ranked table."""
    out = [f'<section id="sensitivity"><h2>{SECTIONS["sensitivity"]}</h2>']
    found = False
    for sc in scs:
        part = access.part(ds, sc)
        present = access.sensitivity_vars(part)
        if not present:
            continue
        found = True
        if sc is not None:
            out.append(f"<h3>Scenario {esc(sc)}</h3>")
        fig, where = sensitivity_figure(part)
        if fig is not None:
            name = figs.save(fig, "sensitivity" + (f"_{access.slug(sc)}" if sc is not None else ""))
            at = access.where_text(where).strip().strip("()")
            out.append(
                figs.img(
                    name,
                    "Sensitivity of the outcome to the parameters",
                    "Parameters ranked by their influence" + (f" ({esc(at)})" if at else "") + ".",
                )
            )
        out.append(_table(part, sc, present))
    if not found:
        out.append(
            '<p class="note">This result holds no sensitivity analysis (no variables '
            + ", ".join(f"<code>{v}</code>" for v in access.SENSITIVITY_VARS)
            + ").</p>"
        )
    out.append("</section>")
    return "".join(out)


def factors_section(ds: xr.Dataset) -> str:
    """The factor table of a sensitivity result: what was varied, over which range, and why."""
    out = ['<section id="factors"><h2>Inputs varied</h2>']
    if "metric_monte_carlo_error" in ds:
        mc = float(ds["metric_monte_carlo_error"].values.ravel()[0])
        a = {k: esc(ds.attrs.get(k, "?")) for k in ("draws", "samples", "method")}
        out.append(
            f"<p>Metric: <code>{esc(str(ds.metric.values[0]))}</code>: "
            f"{esc(ds.metric.attrs.get('long_name', ''))}. "
            "Its Monte Carlo standard error at the nominal point is "
            f'<span class="num"{attrs(var="metric_monte_carlo_error")}>{mc:.4f}</span> '
            f"({a['draws']} draws, the same draws for every evaluation; {a['samples']} base "
            f"samples, method {a['method']}).</p>"
        )
    head = ("input", "group", "low", "nominal", "high", "units", "range from")
    out.append(
        "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"
    )

    def column(v: str, missing: object) -> list[object]:
        return list(ds[v].values) if v in ds else [missing] * ds.sizes["parameter"]

    texts = {v: column(v, "") for v in ("factor_group", "factor_units", "factor_source")}
    nums = {
        v: [f"{float(x):.4g}" for x in np.asarray(column(v, np.nan), dtype=float)]
        for v in ("factor_low", "factor_nominal", "factor_high")
    }
    for i, prm in enumerate(ds["parameter"].values):
        num = "".join(f'<td class="num">{nums[v][i]}</td>' for v in nums)
        out.append(
            f"<tr><td><code>{esc(prm)}</code></td><td>{esc(texts['factor_group'][i])}</td>{num}"
            f"<td>{esc(texts['factor_units'][i])}</td><td>{esc(texts['factor_source'][i])}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "".join(out)
