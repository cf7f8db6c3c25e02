"""Plan tracking: cumulative FY2023-FY2027 spending and contracts against the plan's totals,
and the obligations carried past FY2027, as intervals (90% line, 50% bar, median tick)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from ..access import part, quantile, scalar
from ..format import fmt_yen, isnan
from .common import BAND_COLOR, figure, series_colors

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# (variable, row label, the plan total it is measured against)
PLAN_ROWS = (
    ("plan_cumulative_initial", "FY2023-27 initial\nbudgets", "plan_budget_total"),
    (
        "plan_cumulative_expenditure",
        "FY2023-27 spending incl.\ncounted supplementaries",
        "plan_level_total",
    ),
    (
        "plan_cumulative_contracts",
        "FY2023-27 new contracts,\ncontract basis",
        "plan_contract_total",
    ),
    (
        "plan_real_value_fy2022_yen",
        "FY2023-27 spending\nin FY2022 yen (deflated)",
        "plan_level_total",
    ),
    (
        "plan_value_at_plan_exchange_rate",
        "FY2023-27 spending at\nthe plan's yen/dollar rate",
        "plan_level_total",
    ),
)
OBLIGATIONS = ("obligations_after_fy2027", "Contracts signed by FY2027,\npayable after FY2027")
PLAN_TOTAL_STYLES = {
    "plan_budget_total": ("#d62728", "plan budget total"),
    "plan_level_total": ("#9467bd", "plan level (incl. separate measures)"),
    "plan_contract_total": ("#2ca02c", "plan total, contract basis"),
}


def _interval(
    ax: Axes, y: float, part: xr.Dataset, var: str, color: Any, label: str | None = None
) -> None:
    da = part[var]
    g = {
        k: (float(x.values) if (x := quantile(da, k)) is not None else float("nan"))
        for k in (0.05, 0.25, 0.5, 0.75, 0.95)
    }
    if isnan(g[0.5]):
        return
    ax.plot(
        [g[0.05], g[0.95]], [y, y], color=color, linewidth=1.5, solid_capstyle="butt", label=label
    )
    ax.plot([g[0.25], g[0.75]], [y, y], color=color, linewidth=9, alpha=0.55, solid_capstyle="butt")
    ax.plot([g[0.5]], [y], marker="|", color="black", markersize=14, markeredgewidth=2)
    ax.annotate(
        fmt_yen(g[0.5]),
        (g[0.95], y),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        fontsize=8.5,
    )


def _widen_for_labels(ax: Axes) -> None:
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi + 0.06 * (hi - lo))  # room for the median labels


def plan_tracking(ds: xr.Dataset, scs: list[str | None]) -> Figure | None:
    """The plan rows present in ``ds``, one interval per scenario, the plan totals as dashed
    lines; below them the obligations carried past FY2027 when the file has them."""
    rows = [r for r in PLAN_ROWS if r[0] in ds]
    if not rows:
        return None
    has_obl = OBLIGATIONS[0] in ds
    colors = series_colors([str(s) for s in scs])
    per_row = max(1, 0.6 * len(scs))
    fig = figure(11, 1.1 * len(rows) * per_row + (1.6 if has_obl else 0) + 1.4)
    if has_obl:
        ax, ax2 = fig.subplots(2, 1, height_ratios=[len(rows) * per_row, 1.3])
    else:
        ax, ax2 = fig.subplots(1, 1), None
    # the first scenario on top, as in the legend
    offs = np.linspace(0.25, -0.25, len(scs)) if len(scs) > 1 else [0.0]
    for i, (var, _label, _ref) in enumerate(rows):
        for k, sc in enumerate(scs):
            c = colors[str(sc)] if sc is not None else BAND_COLOR
            label = sc if (i == 0 and sc is not None) else None
            _interval(ax, -i + offs[k], part(ds, sc), var, c, label=label)
    ax.set_yticks([-i for i in range(len(rows))], [r[1] for r in rows], fontsize=9)
    first = part(ds, scs[0])
    refs = {}
    for _v, _l, ref in rows:
        if ref in first and not isnan(scalar(first, ref)):
            refs[ref] = scalar(first, ref)
    for ref, val in refs.items():
        col, lab = PLAN_TOTAL_STYLES.get(ref, ("grey", ref))
        ax.axvline(val, color=col, linestyle="--", linewidth=1.2, label=f"{lab}: {fmt_yen(val)}")
    ax.set_xlabel("trillion yen")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_ylim(-len(rows) + 0.5, 0.5)
    _widen_for_labels(ax)
    ax.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
    ax.set_title(
        "Cumulative FY2023-FY2027 against the plan (line: 90% interval, bar: 50%, tick: median)",
        fontsize=10,
    )
    if ax2 is not None:
        for k, sc in enumerate(scs):
            c = colors[str(sc)] if sc is not None else BAND_COLOR
            _interval(ax2, offs[k], part(ds, sc), OBLIGATIONS[0], c)
        ax2.set_yticks([0], [OBLIGATIONS[1]], fontsize=9)
        ax2.set_ylim(-0.5, 0.5)
        ax2.set_xlabel("trillion yen")
        ax2.grid(True, axis="x", alpha=0.3)
        _widen_for_labels(ax2)
        ax2.set_title("Obligations carried past the plan", fontsize=10)
    return fig
